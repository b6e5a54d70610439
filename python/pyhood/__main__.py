"""Command line: ``python -m pyhood tour`` and ``python -m pyhood layout EXPR``.

``tour`` walks the guide's chapters 10–12 on live objects of the running interpreter (one
section with ``--section 10.2``); ``layout`` prints ``pyhood.layout(eval(EXPR))`` as a table.
"""

from __future__ import annotations

import argparse
import sys

import pyhood

from . import _tour


def _tour_command(args: argparse.Namespace) -> int:
    _tour.run(args.section)
    return 0


def _layout_command(args: argparse.Namespace) -> int:
    # EXPR is the user's own Python expression, evaluated like a line typed at the REPL.
    try:
        obj = eval(args.expr, {"__name__": "__pyhood__"})
    except Exception as exc:
        print(f"python -m pyhood layout: {args.expr!r} raised {exc!r}", file=sys.stderr)
        return 1
    print(pyhood.layout(obj, max_items=args.max_items))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m pyhood`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m pyhood",
        description=(
            f"Look inside CPython {pyhood.BUILT_FOR} from a live process: object headers and "
            "field-by-field layouts."
        ),
    )
    parser.add_argument("--version", action="version", version=f"pyhood {pyhood.__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    tour = commands.add_parser(
        "tour",
        help="walk the guide's chapters 10–12 on live objects",
        description=(
            "Print what each section of the guide's chapters 10–12 shows, on live objects."
        ),
    )
    tour.add_argument(
        "--section",
        action="append",
        choices=list(_tour.all_sections()),
        help="run only this section (repeatable); default: all of them",
    )
    tour.set_defaults(func=_tour_command)

    layout = commands.add_parser(
        "layout",
        help="print pyhood.layout(eval(EXPR))",
        description="Evaluate a Python expression and print its object's layout, field by field.",
    )
    layout.add_argument("expr", metavar="EXPR", help='a Python expression, e.g. "[1, 2]"')
    layout.add_argument(
        "--max-items",
        type=int,
        default=4096,
        metavar="N",
        help="show at most N items of each array (default: %(default)s)",
    )
    layout.set_defaults(func=_layout_command)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    status: int = args.func(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
