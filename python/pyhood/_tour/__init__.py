"""``python -m pyhood tour``: the guide's chapters 10–12 on live objects of the running
interpreter, one function per section.

The sections live in one module per chapter: :mod:`pyhood._tour.ch10` (§10.1–10.4, object
layouts), :mod:`pyhood._tour.ch11` (§11.1–11.6, object lifetimes) and
:mod:`pyhood._tour.ch12` (§12.1–12.6, the allocator and the collector). They print through
:mod:`pyhood._tour.narrate`. Imports run one way only: ``narrate`` imports no chapter, no
chapter imports another one or this package, and this package imports the chapters to list
their sections in :data:`SECTIONS` (and ``narrate`` to count their checks). The scripts in
``examples/`` each run one section.

:func:`run` runs sections in guide order and returns a :class:`Tour`: each section's title
and checks, the number of checks and mismatches, and the summary line the command prints.
A section that raises is reported as a mismatch (its traceback goes to stderr) and the tour
goes on with the next one.
"""

from __future__ import annotations

import contextlib
import io
import sys
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from . import ch10, ch11, ch12, narrate

__all__ = ["SECTIONS", "Section", "Tour", "all_sections", "run"]

#: Section number -> function, in guide order.
SECTIONS: dict[str, Callable[[], None]] = {
    "10.1": ch10.section_10_1,
    "10.2": ch10.section_10_2,
    "10.3": ch10.section_10_3,
    "10.4": ch10.section_10_4,
    "11.1": ch11.section_11_1,
    "11.2": ch11.section_11_2,
    "11.3": ch11.section_11_3,
    "11.4": ch11.section_11_4,
    "11.5": ch11.section_11_5,
    "11.6": ch11.section_11_6,
    "12.1": ch12.section_12_1,
    "12.2": ch12.section_12_2,
    "12.3": ch12.section_12_3,
    "12.4": ch12.section_12_4,
    "12.5": ch12.section_12_5,
    "12.6": ch12.section_12_6,
}


def all_sections() -> dict[str, Callable[[], None]]:
    """Every section of the tour in guide order (a copy of :data:`SECTIONS`)."""
    return dict(SECTIONS)


@dataclass(frozen=True)
class Section:
    """One section as it ran: its number, title and checks, and what it raised, if anything."""

    number: str
    title: str | None
    checks: tuple[tuple[str, bool], ...]
    #: ``"ExceptionType: message"`` when the section stopped on an exception, else ``None``.
    error: str | None = None

    @property
    def mismatches(self) -> list[str]:
        """The claims that did not hold (a section that raised has one: it did not finish)."""
        return [claim for claim, holds in self.checks if not holds]

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "title": self.title,
            "checks": [{"claim": claim, "holds": holds} for claim, holds in self.checks],
            "error": self.error,
        }


@dataclass(frozen=True)
class Tour:
    """The sections a run of the tour printed, in guide order."""

    sections: tuple[Section, ...] = field(default_factory=tuple)

    @property
    def checks(self) -> int:
        return sum(len(s.checks) for s in self.sections)

    @property
    def mismatches(self) -> int:
        return sum(len(s.mismatches) for s in self.sections)

    @property
    def ok(self) -> bool:
        """Every check held and every section ran to its end."""
        return self.mismatches == 0

    def summary(self) -> str:
        """``tour: 16 sections, 212 checks, 0 mismatches``, naming the sections that had one."""
        n = self.mismatches
        line = (
            f"tour: {len(self.sections)} section{'s' * (len(self.sections) != 1)}, "
            f"{self.checks} check{'s' * (self.checks != 1)}, "
            f"{n} mismatch{'es' * (n != 1)}"
        )
        failed = [f"§{s.number}" for s in self.sections if s.mismatches]
        return f"{line} ({', '.join(failed)})" if failed else line

    def to_dict(self) -> dict[str, Any]:
        return {
            "sections": [s.to_dict() for s in self.sections],
            "checks": self.checks,
            "mismatches": self.mismatches,
            "ok": self.ok,
        }


class _Discard(io.TextIOBase):
    """A text stream that keeps nothing (the narration of a ``--brief`` or ``--json`` run)."""

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        return len(s)


def _run_one(number: str, function: Callable[[], None], echo: Any) -> Section:
    with narrate.recording(echo=echo) as record:
        try:
            function()
        except BrokenPipeError:
            raise
        except Exception as exc:
            message = " ".join(str(exc).split())
            error = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
            traceback.print_exc()
            narrate.check(f"§{number} ran to its end (it raised {error})", False)
            return Section(number, record.title, tuple(record.checks), error)
    return Section(number, record.title, tuple(record.checks))


def run(sections: Iterable[str] | None = None, *, brief: bool = False, quiet: bool = False) -> Tour:
    """Run the given sections (all of them by default) in guide order and return what they
    checked.

    By default every section prints its whole narration to ``sys.stdout``. ``brief`` prints
    only each section's heading line and check lines; ``quiet`` prints nothing (the result
    holds the checks). The summary line is :meth:`Tour.summary`; the caller prints it.
    """
    every = all_sections()
    wanted = set(every if sections is None else sections)
    unknown = wanted - set(every)
    if unknown:
        raise ValueError(f"no such section: {', '.join(sorted(unknown))}")
    out = sys.stdout
    narrate.tolerant(out)
    echo = out if brief and not quiet else None
    done: list[Section] = []
    for i, number in enumerate(n for n in every if n in wanted):
        if brief or quiet:
            if i and echo is not None:
                print(file=echo)
            with contextlib.redirect_stdout(_Discard()):
                done.append(_run_one(number, every[number], echo))
        else:
            if i:
                print()
            done.append(_run_one(number, every[number], None))
    return Tour(tuple(done))
