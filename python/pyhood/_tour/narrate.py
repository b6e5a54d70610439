"""How the tour prints: headings, re-wrapped paragraphs, aligned grids, chosen layout rows
and the ``[ok]`` / ``[MISMATCH]`` lines of its checks.

Every chapter of the tour (:mod:`pyhood._tour.ch10`, ``ch11``, ``ch12``) prints through these
helpers; this module imports no chapter. How a pyhood result itself becomes text is
:mod:`pyhood._render`'s business (``show`` prints the rows of its layout table).
"""

from __future__ import annotations

import io
import sys
import textwrap
from collections.abc import Iterable
from typing import Any

from .. import _render

__all__ = ["MISMATCH", "OK", "WIDTH", "check", "grid", "heading", "say", "show", "sub"]

#: Text width of the explanations.
WIDTH = 96
#: Marker of a claim that held / did not hold on this interpreter.
OK, MISMATCH = "[ok]", "[MISMATCH]"


def _tolerant_stdout() -> None:
    """Let the non-ASCII text of §10.4 through a terminal that cannot encode it."""
    out = sys.stdout
    if isinstance(out, io.TextIOWrapper) and out.errors == "strict":
        out.reconfigure(errors="backslashreplace")


def heading(number: str, title: str) -> None:
    _tolerant_stdout()
    line = f"§{number}  {title}"
    print(line)
    print("=" * len(line))
    print()


def sub(title: str) -> None:
    print(f"--- {title} ---")
    print()


def say(text: str) -> None:
    """Print a paragraph, re-wrapped."""
    print(textwrap.fill(" ".join(text.split()), width=WIDTH))
    print()


def show(fields: Iterable[Any], indent: str = "    ") -> None:
    """Print chosen fields as rows of the table ``str(pyhood.layout(obj))`` prints."""
    rows = _render.fields_table(fields, indent)
    print("\n".join(row.rstrip() for row in rows))
    print()


def check(claim: str, holds: bool) -> bool:
    print(f"  {OK if holds else MISMATCH} {claim}")
    return holds


def grid(header: tuple[str, ...], rows: list[tuple[Any, ...]], indent: str = "  ") -> None:
    cells = [tuple(str(c) for c in header)] + [tuple(str(c) for c in r) for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    for r in cells:
        print((indent + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True))).rstrip())
    print()
