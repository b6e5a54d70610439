"""How the tour prints: headings, re-wrapped paragraphs, aligned grids, chosen layout rows
and the ``[ok]`` / ``[MISMATCH]`` lines of its checks.

Every chapter of the tour (:mod:`pyhood._tour.ch10`, ``ch11``, ``ch12``) prints through these
helpers; this module imports no chapter. How a pyhood result itself becomes text is
:mod:`pyhood._render`'s business (``show`` prints the rows of its layout table).

While a :func:`recording` block runs, :func:`heading` and :func:`check` also note the
section's title and every check's claim and outcome in its :class:`Record`, and can echo
those lines alone to a second stream: that is how ``python -m pyhood tour`` counts checks,
prints its summary and its ``--brief`` form (:func:`pyhood._tour.run`).
"""

from __future__ import annotations

import contextlib
import io
import sys
import textwrap
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from .. import _render

__all__ = [
    "MISMATCH",
    "OK",
    "WIDTH",
    "Record",
    "check",
    "grid",
    "heading",
    "recording",
    "say",
    "show",
    "sub",
    "tolerant",
]

#: Text width of the explanations.
WIDTH = 96
#: Marker of a claim that held / did not hold on this interpreter.
OK, MISMATCH = "[ok]", "[MISMATCH]"


@dataclass
class Record:
    """What one section printed that counts: its title and each check's claim and outcome."""

    #: The title given to :func:`heading` (``None`` until the section prints it).
    title: str | None = None
    #: ``(claim, holds)`` of every :func:`check`, in order.
    checks: list[tuple[str, bool]] = field(default_factory=list)
    #: Where heading and check lines are echoed as well (``--brief``), or ``None``.
    echo: TextIO | None = None

    @property
    def mismatches(self) -> list[str]:
        """The claims that did not hold."""
        return [claim for claim, holds in self.checks if not holds]


#: The record being kept (innermost :func:`recording` block), or ``None``.
_record: Record | None = None


@contextlib.contextmanager
def recording(echo: TextIO | None = None) -> Iterator[Record]:
    """Note the title and checks of what runs in the block in a fresh :class:`Record`; with
    ``echo``, also write the heading line and the check lines (only those) to it."""
    global _record
    outer, _record = _record, Record(echo=echo)
    try:
        yield _record
    finally:
        _record = outer


def tolerant(out: Any) -> None:
    """Let the non-ASCII text of §10.4 through a terminal that cannot encode it."""
    if isinstance(out, io.TextIOWrapper) and out.errors == "strict":
        out.reconfigure(errors="backslashreplace")


def _echo(line: str) -> None:
    if _record is not None and _record.echo is not None:
        print(line, file=_record.echo)


def heading(number: str, title: str) -> None:
    tolerant(sys.stdout)
    line = f"§{number}  {title}"
    if _record is not None and _record.title is None:
        _record.title = title
    _echo(line)
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
    """Print one claim as ``[ok]`` or ``[MISMATCH]`` (and note it in the record being kept)."""
    line = f"  {OK if holds else MISMATCH} {claim}"
    if _record is not None:
        _record.checks.append((claim, bool(holds)))
    _echo(line)
    print(line)
    return holds


def grid(header: tuple[str, ...], rows: list[tuple[Any, ...]], indent: str = "  ") -> None:
    cells = [tuple(str(c) for c in header)] + [tuple(str(c) for c in r) for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    for r in cells:
        print((indent + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True))).rstrip())
    print()
