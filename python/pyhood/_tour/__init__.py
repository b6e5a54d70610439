"""``python -m pyhood tour``: the guide's chapters 10–12 on live objects of the running
interpreter, one function per section.

The sections live in one module per chapter: :mod:`pyhood._tour.ch10` (§10.1–10.4, object
layouts), :mod:`pyhood._tour.ch11` (§11.1–11.6, object lifetimes) and
:mod:`pyhood._tour.ch12` (§12.1–12.6, the allocator and the collector). They print through
:mod:`pyhood._tour.narrate`. Imports run one way only: ``narrate`` imports no chapter, no
chapter imports another one or this package, and this package imports the chapters to list
their sections in :data:`SECTIONS`. The scripts in ``examples/`` each run one section.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from . import ch10, ch11, ch12

__all__ = ["SECTIONS", "all_sections", "run"]

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


def run(sections: Iterable[str] | None = None) -> None:
    """Print the given sections (all of them by default), in guide order."""
    every = all_sections()
    wanted = set(every if sections is None else sections)
    unknown = wanted - set(every)
    if unknown:
        raise ValueError(f"no such section: {', '.join(sorted(unknown))}")
    for i, number in enumerate(n for n in every if n in wanted):
        if i:
            print()
        every[number]()
