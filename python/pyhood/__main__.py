"""Command line: ``python -m pyhood COMMAND``, one command per view of pyhood.

========================  ===================================================================
``layout EXPR``           ``pyhood.layout(EXPR)``, field by field (``--max-items N``)
``footprint EXPR``        ``pyhood.footprint(EXPR)``: the allocations the object owns
``deep EXPR``             ``pyhood.deep_footprint(EXPR)``: everything reachable, by type
                          (``--max-objects N``)
``arenas``                ``pyhood.obmalloc_stats()``: pymalloc's arenas, pools, size classes
``freelists``             ``pyhood.freelists()``
``interned [S ...]``      ``pyhood.interned_count()``, and ``pyhood.intern_state`` of each S
``gc``                    ``pyhood.gc_generations()``
``census``                ``pyhood.census()``: every live object by type (``--top N``)
``tour``                  the guide's chapters 10–12 on live objects (``--section``,
                          ``--brief``); a summary line at the end
========================  ===================================================================

Every command takes ``--json``: the result's ``to_dict()`` printed as JSON, indented by two
spaces (``freelists``: a dict of each free list's ``to_dict()``; ``tour``: each section's
checks, and no narration).

Every command but ``tour`` runs in one namespace where ``--import MODULE`` (repeatable)
imports a module, ``-c SETUP`` (repeatable) runs code first, and a name that is not defined
there nor a builtin is imported as a top-level module when it can be, so that
``python -m pyhood layout "sys._getframe()"`` needs no flag. EXPR and SETUP are the user's own
code and run as typed; pyhood's inspection of the result runs none.

Exit status: 0; 1 when EXPR, SETUP or an ``--import`` raised, when pyhood refused (a
``PyhoodError``, ``ValueError`` or ``TypeError``, one line on stderr), when a tour check
printed ``[MISMATCH]``, or when the reader of stdout went away (a broken pipe, quietly);
2 for a usage error.
"""

from __future__ import annotations

import argparse
import builtins
import importlib
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyhood

from . import _render
from ._render.common import table

PROG = "python -m pyhood"


class _Failure(Exception):
    """A one-line explanation for stderr, and exit status 1."""


def _one_line(exc: BaseException) -> str:
    """``TypeName: message`` with the message's whitespace (newlines too) folded."""
    message = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


# --- the namespace EXPR and SETUP run in -----------------------------------------------------


class Names(dict):  # type: ignore[type-arg]
    """The namespace of EXPR and SETUP: a name that is neither defined here nor a builtin is
    imported as a top-level module, when a module of that name can be imported.

    ``eval`` and ``exec`` look a free name up in their locals mapping first (``LOAD_NAME``),
    and functions defined there in their globals (``LOAD_GLOBAL``); both ask a ``dict``
    subclass with ``__getitem__``, which calls :meth:`__missing__`. A module that exists but
    fails to import raises its own error.
    """

    def __missing__(self, name: str) -> Any:
        if name.startswith("__") or name in vars(builtins):
            raise KeyError(name)
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            raise KeyError(name) from None
        self[name] = module
        return module


def _run_user_code(what: str, action: Callable[..., Any], *args: Any) -> Any:
    """``action(*args)``, the user's code; what it raises becomes a one-line failure."""
    try:
        return action(*args)
    except Exception as exc:
        message = _one_line(exc)
        if isinstance(exc, NameError) and str(exc).endswith("is not defined"):
            message += " (and no module of that name can be imported)"
        raise _Failure(f"{what} raised {message}") from None


def namespace(imports: list[str], setup: list[str]) -> Names:
    """The namespace after every ``--import`` and ``-c SETUP``, in that order."""
    names = Names(__name__="__pyhood__")
    for module in imports:
        _run_user_code(f"--import {module}", importlib.import_module, module)
        top = module.partition(".")[0]
        names[top] = sys.modules[top]
    for code in setup:
        _run_user_code(f"-c {code!r}", _exec, code, names)
    return names


def _exec(code: str, names: Names) -> None:
    exec(compile(code, "<SETUP>", "exec"), names)


def _eval(expr: str, names: Names) -> Any:
    return eval(compile(expr, "<EXPR>", "eval"), names)


def evaluate(expr: str, names: Names) -> Any:
    """EXPR's value, evaluated in ``names`` like a line typed at the REPL."""
    return _run_user_code(f"EXPR {expr!r}", _eval, expr, names)


def _ask(what: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``call(*args, **kwargs)``, a pyhood call; a refusal becomes a one-line failure."""
    try:
        return call(*args, **kwargs)
    except (pyhood.PyhoodError, ValueError, TypeError) as exc:
        raise _Failure(f"{what}: {_one_line(exc)}") from None


# --- results the package has no class for ----------------------------------------------------


@dataclass(frozen=True)
class FreeLists:
    """``pyhood.freelists()``: a table of text, a dict of each free list's ``to_dict()``."""

    lists: dict[str, Any]

    def __str__(self) -> str:
        return _render.freelists_text(self.lists)

    def to_dict(self) -> dict[str, Any]:
        return _render.freelists_dict(self.lists)


@dataclass(frozen=True)
class TopTypes:
    """``census --top N``: the census with its table of types cut to the first N (most
    allocated bytes first; every type when N is 0); the totals still count every object."""

    census: Any
    top: int

    def __str__(self) -> str:
        return _render.census_text(self.census, self.top or None)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = self.census.to_dict()
        if self.top:
            d["by_type"] = dict(list(d["by_type"].items())[: self.top])
        return d


@dataclass(frozen=True)
class Interned:
    """``interned``: the number of interned strings, and for each string given its own state,
    whether an equal string was interned before, and the state of ``sys.intern(string)``."""

    count: int | None
    #: Why the count is unknown (3.10/3.11 keep the interned dict in file statics).
    count_unavailable: str | None
    strings: list[dict[str, Any]]

    def __str__(self) -> str:
        if self.count is None:
            lines = [f"interned strings: unknown ({self.count_unavailable})"]
        else:
            lines = [f"interned strings: {self.count:,}"]
        if self.strings:
            rows: list[tuple[str, ...]] = [
                ("string", "state", "interned before", "sys.intern(string)")
            ]
            rows += [
                (
                    repr(s["string"]),
                    s["state"],
                    "yes" if s["interned_before"] else "no",
                    s["interned_state"],
                )
                for s in self.strings
            ]
            lines += table(rows)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "count_unavailable": self.count_unavailable,
            "strings": self.strings,
        }


def _interned(strings: list[str]) -> Interned:
    count: int | None = None
    unavailable = None
    try:
        count = pyhood.interned_count()  # before this command interns anything
    except pyhood.PyhoodError as exc:
        if not strings:
            raise _Failure(f"interned_count(): {_one_line(exc)}") from None
        unavailable = _one_line(exc)
    rows = []
    for s in strings:
        state = _ask("intern_state", pyhood.intern_state, s)
        canonical = sys.intern(s)
        rows.append(
            {
                "string": s,
                "state": state,
                "interned_before": canonical is not s or state != "not_interned",
                "interned_state": _ask("intern_state", pyhood.intern_state, canonical),
            }
        )
    return Interned(count, unavailable, rows)


# --- the commands ----------------------------------------------------------------------------


def _emit(result: Any, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(result)


def _view(args: argparse.Namespace) -> int:
    names = namespace(args.imports or [], args.setup or [])
    obj = evaluate(args.expr, names) if "expr" in args else None
    result = args.view(args, obj)
    _emit(result, args.json)
    return 0


def _layout(args: argparse.Namespace, obj: Any) -> Any:
    return _ask("layout", pyhood.layout, obj, max_items=args.max_items)


def _footprint(args: argparse.Namespace, obj: Any) -> Any:
    return _ask("footprint", pyhood.footprint, obj)


def _deep(args: argparse.Namespace, obj: Any) -> Any:
    return _ask("deep_footprint", pyhood.deep_footprint, obj, max_objects=args.max_objects)


def _arenas(args: argparse.Namespace, obj: Any) -> Any:
    return _ask("obmalloc_stats", pyhood.obmalloc_stats)


def _freelists(args: argparse.Namespace, obj: Any) -> Any:
    return FreeLists(_ask("freelists", pyhood.freelists))


def _interned_view(args: argparse.Namespace, obj: Any) -> Any:
    return _interned(args.strings)


def _gc(args: argparse.Namespace, obj: Any) -> Any:
    return _ask("gc_generations", pyhood.gc_generations)


def _census(args: argparse.Namespace, obj: Any) -> Any:
    census = _ask("census", pyhood.census, include_untracked=not args.tracked_only)
    return TopTypes(census, args.top)


def _tour_command(args: argparse.Namespace) -> int:
    from . import _tour  # only for the tour: its chapters import much (ctypes, tracemalloc)

    if args.json:
        tour = _tour.run(args.section, quiet=True)
        print(json.dumps(tour.to_dict(), indent=2))
    else:
        tour = _tour.run(args.section, brief=args.brief)
        print()
        print(tour.summary())
    return 0 if tour.ok else 1


# --- the parser ------------------------------------------------------------------------------


def _count(text: str) -> int:
    """An argparse type: a whole number from 0 to ``sys.maxsize``."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= n <= sys.maxsize:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to {sys.maxsize}, got {n}")
    return n


def _section(text: str) -> str:
    """An argparse type: a section number of the tour."""
    from . import _tour

    sections = _tour.all_sections()
    if text not in sections:
        raise argparse.ArgumentTypeError(
            f"invalid choice: {text!r} (choose from {', '.join(sections)})"
        )
    return text


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m pyhood`` argument parser."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            f"Look inside CPython {pyhood.BUILT_FOR} from a live process: object layouts, "
            "footprints, the allocator, free lists, interned strings, the collector, a census "
            "of the heap, and the guide's tour."
        ),
        epilog=(
            "Every command takes --json. Exit status: 0; 1 when EXPR or SETUP raised, pyhood "
            "refused, or a tour check did not hold; 2 for a usage error."
        ),
    )
    parser.add_argument("--version", action="version", version=f"pyhood {pyhood.__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    output = argparse.ArgumentParser(add_help=False)
    output.add_argument(
        "--json", action="store_true", help="print the result's to_dict() as JSON (indented)"
    )
    names = argparse.ArgumentParser(add_help=False, parents=[output])
    names.add_argument(
        "--import",
        dest="imports",
        action="append",
        metavar="MODULE",
        help="import MODULE first (repeatable); its top-level name is bound",
    )
    names.add_argument(
        "-c",
        dest="setup",
        action="append",
        metavar="SETUP",
        help="run this Python code first, in the namespace EXPR uses (repeatable)",
    )

    def view(
        name: str, function: Callable[[argparse.Namespace, Any], Any], help: str, expr: bool
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name, help=help, description=help[0].upper() + help[1:] + ".", parents=[names]
        )
        if expr:
            sub.add_argument(
                "expr",
                metavar="EXPR",
                help='a Python expression, e.g. "[1, 2]" or "sys._getframe()"; undefined '
                "names are imported as modules",
            )
        sub.set_defaults(func=_view, view=function)
        return sub

    layout = view("layout", _layout, "print pyhood.layout(EXPR), field by field", True)
    layout.add_argument(
        "--max-items",
        type=_count,
        default=4096,
        metavar="N",
        help="show at most N items of each array (default: %(default)s)",
    )
    view("footprint", _footprint, "print pyhood.footprint(EXPR): the allocations it owns", True)
    deep = view(
        "deep", _deep, "print pyhood.deep_footprint(EXPR): everything reachable from it", True
    )
    deep.add_argument(
        "--max-objects", type=_count, metavar="N", help="stop after N objects (default: no limit)"
    )
    view("arenas", _arenas, "print pyhood.obmalloc_stats(): arenas, pools and size classes", False)
    view("freelists", _freelists, "print pyhood.freelists(): every free list's count", False)
    interned = view(
        "interned",
        _interned_view,
        "print pyhood.interned_count() and the intern_state of each STRING",
        False,
    )
    interned.add_argument(
        "strings",
        nargs="*",
        metavar="STRING",
        help="a string: its state, whether an equal string was interned before, and the state "
        "of sys.intern(STRING)",
    )
    view("gc", _gc, "print pyhood.gc_generations(): thresholds, counts, objects", False)
    census = view("census", _census, "print pyhood.census(): every live object, by type", False)
    census.add_argument(
        "--top",
        type=_count,
        default=_render.TYPE_ROWS,
        metavar="N",
        help="show the N types with the most bytes (0: every type; default: %(default)s)",
    )
    census.add_argument(
        "--tracked-only",
        action="store_true",
        help="count only the collector's objects (census(include_untracked=False))",
    )

    tour = commands.add_parser(
        "tour",
        help="walk the guide's chapters 10–12 on live objects",
        description=(
            "Print what each section of the guide's chapters 10–12 shows, on live objects, and a "
            "summary line; exit status 1 when a check printed [MISMATCH]."
        ),
        parents=[output],
    )
    tour.add_argument(
        "--section",
        action="append",
        type=_section,
        metavar="N.N",
        help="run only this section, e.g. 12.4 (repeatable; from 10.1 to 12.6); default: all",
    )
    tour.add_argument(
        "--brief", action="store_true", help="print only the headings and the check lines"
    )
    tour.set_defaults(func=_tour_command)
    return parser


def _quiet_stdout() -> None:
    """After a broken pipe, point stdout's file descriptor at ``os.devnull``, so that the
    interpreter's last flush at exit does not fail again (the recipe of the ``signal`` module's
    documentation, "Note on SIGPIPE")."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (argparse exits 2 on a usage error)."""
    args = build_parser().parse_args(argv)
    try:
        try:
            status: int = args.func(args)
        except _Failure as failure:
            print(f"{PROG} {args.command}: {failure}", file=sys.stderr)
            return 1
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
        return 1
    return status


if __name__ == "__main__":
    sys.exit(main())
