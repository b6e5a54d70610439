"""``pyhood.track()``: what a ``with`` block did to memory (guide §11.5).

One context manager ties together the numbers the guide reads separately: pymalloc blocks
and arenas (:func:`pyhood.obmalloc_stats`, :func:`sys.getallocatedblocks`), the collector
(:func:`gc.get_count`, the collections :func:`pyhood.gc_watch` records) and, when
:mod:`tracemalloc` is tracing, the source lines whose traced memory grew.

``blocks_delta`` is always the change of :func:`sys.getallocatedblocks`: it can be read in
every state (tracemalloc tracing or not) and means the same in each, the blocks
``PyObject_Malloc`` handed out and not yet freed, which includes requests over 512 bytes that
pymalloc passes on to ``malloc``. ``pymalloc_blocks_delta`` is the change of
``obmalloc_stats().blocks_in_use``: pymalloc's own small blocks only, the sum of
``size_class_deltas``. While tracemalloc traces, or when pymalloc is not the object allocator,
``obmalloc_stats`` refuses (:class:`pyhood.AllocatorError`): ``pymalloc_blocks_delta``,
``size_class_deltas`` and ``arenas_delta`` are then ``None`` and ``allocator_note`` says why.

The readings are taken in a fixed order so that track's own bookkeeping stays out of them: at
entry the tracemalloc snapshot first, then the allocator, then ``gc.get_count()``, and the
gc callback last; at exit the same steps in reverse.

>>> import pyhood
>>> with pyhood.track() as t:
...     kept = [bytes(20) for _ in range(1000)]
>>> t.blocks_delta >= 1000
True
"""

from __future__ import annotations

import fnmatch
import gc
import sys
import time
import tracemalloc
from dataclasses import dataclass
from typing import Any

from . import _gcwatch, _pyhood, _render
from ._errors import AllocatorError
from ._gcwatch import GCEvent, GCWatch

__all__ = ["Growth", "Tracker", "track"]

#: How many growing source lines ``top_growth`` keeps.
TOP = 10


@dataclass(frozen=True)
class Growth:
    """One source line whose traced memory grew during the block (from tracemalloc)."""

    filename: str
    lineno: int
    #: Bytes traced at exit minus bytes traced at entry for this line.
    size_diff: int
    #: Live allocations at exit minus those at entry for this line.
    count_diff: int

    @property
    def where(self) -> str:
        return f"{self.filename}:{self.lineno}"

    def __str__(self) -> str:
        return _render.growth_text(self)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the line and its growth."""
        return _render.growth_dict(self)

    def _repr_html_(self) -> str:
        return _render.growth_html(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        _render.pretty(self, p, cycle)


def _pymalloc() -> tuple[Any, str | None]:
    """``obmalloc_stats()``, or ``None`` and the reason it was refused."""
    try:
        return _pyhood.obmalloc_stats(), None
    except AllocatorError as exc:
        if tracemalloc.is_tracing():
            return None, "tracemalloc is tracing, so obmalloc_stats() refuses"
        return None, str(exc).split(":")[0]


def _filters() -> list[tracemalloc.Filter]:
    # track's own snapshots and bookkeeping are not the block's growth.
    return [
        tracemalloc.Filter(False, tracemalloc.__file__),
        tracemalloc.Filter(False, __file__),
        tracemalloc.Filter(False, _gcwatch.__file__),
    ]


class Tracker:
    """A context manager measuring what its block did to the allocator and the collector.

    Every attribute is ``None`` (or empty) until the block ends.
    """

    def __init__(self, top: int = TOP) -> None:
        self._top = top
        self._watch = GCWatch()
        self._state = "new"
        self._snap: tracemalloc.Snapshot | None = None
        self._stats0: Any = None
        self._note0: str | None = None
        self._blocks0 = 0
        self._count0: tuple[int, int, int] = (0, 0, 0)
        self._count1: tuple[int, int, int] = (0, 0, 0)
        self._t0 = 0
        #: Change of ``sys.getallocatedblocks()``.
        self.blocks_delta: int | None = None
        #: Change of ``obmalloc_stats().blocks_in_use`` (small blocks only); ``None`` when
        #: pymalloc's statistics could not be read (see ``allocator_note``).
        self.pymalloc_blocks_delta: int | None = None
        #: Block size -> change of blocks in use, for the size classes that changed; ``None``
        #: when pymalloc's statistics could not be read (see ``allocator_note``).
        self.size_class_deltas: dict[int, int] | None = None
        #: Change of pymalloc arenas in use; ``None`` like ``size_class_deltas``.
        self.arenas_delta: int | None = None
        #: Why ``size_class_deltas`` is ``None``; ``None`` when it is not.
        self.allocator_note: str | None = None
        #: Change of ``gc.get_count()``, per generation.
        self.gc_count_delta: tuple[int, ...] | None = None
        #: Whether tracemalloc traced the whole block (so ``top_growth`` is filled).
        self.traced = False
        #: The source lines whose traced memory grew most, largest first; ``None`` unless
        #: tracemalloc traced at entry and at exit.
        self.top_growth: tuple[Growth, ...] | None = None
        #: Nanoseconds the block took.
        self.elapsed_ns = 0

    # --- the context manager ----------------------------------------------------------------

    def __enter__(self) -> Tracker:
        if self._state != "new":
            raise RuntimeError("a Tracker can be entered only once")
        self._state = "active"
        if tracemalloc.is_tracing():
            filters = _filters()
            for f in filters:  # compile (and cache) the patterns now, not inside the block
                fnmatch.fnmatch(__file__, f.filename_pattern)
            self._snap = tracemalloc.take_snapshot().filter_traces(filters)
        # The reading kept as the baseline holds blocks of its own (the ObmallocStats and its
        # SizeClass objects), allocated after it counted. Read twice and keep the second: it
        # counts the first one's blocks, which are freed now, in place of its own.
        first, _ = _pymalloc()
        self._stats0, self._note0 = _pymalloc()
        del first
        self._blocks0 = sys.getallocatedblocks()
        self._count0 = gc.get_count()
        self._watch.__enter__()
        self._t0 = time.perf_counter_ns()
        return self

    def __exit__(self, *exc_info: object) -> None:
        t1 = time.perf_counter_ns()
        try:
            self._watch.__exit__(*exc_info)  # removes the callback whatever happens next
        finally:
            count1 = gc.get_count()
            blocks1 = sys.getallocatedblocks()
            stats1, note1 = _pymalloc()
            self._state = "done"
            self.elapsed_ns = t1 - self._t0
            self._count1 = count1
            self.blocks_delta = blocks1 - self._blocks0
            self.gc_count_delta = tuple(b - a for a, b in zip(self._count0, count1, strict=True))
            if self._stats0 is not None and stats1 is not None:
                self.pymalloc_blocks_delta = stats1.blocks_in_use - self._stats0.blocks_in_use
                self.arenas_delta = stats1.arenas_in_use - self._stats0.arenas_in_use
                before = {c.size: c.blocks_in_use for c in self._stats0.size_classes}
                deltas = {
                    c.size: c.blocks_in_use - before.get(c.size, 0) for c in stats1.size_classes
                }
                self.size_class_deltas = {s: d for s, d in sorted(deltas.items()) if d}
            else:
                self.allocator_note = (
                    f"no size classes: {self._note0 or note1} "
                    f"({'at entry' if self._note0 else 'at exit'})"
                )
            self._stats0 = None
            if self._snap is not None and tracemalloc.is_tracing():
                self.traced = True
                snap1 = tracemalloc.take_snapshot().filter_traces(_filters())
                grown = [s for s in snap1.compare_to(self._snap, "lineno") if s.size_diff > 0]
                self.top_growth = tuple(
                    Growth(
                        s.traceback[0].filename,
                        s.traceback[0].lineno,
                        s.size_diff,
                        s.count_diff,
                    )
                    for s in grown[: self._top]
                )
            self._snap = None

    # --- results ----------------------------------------------------------------------------

    @property
    def collections(self) -> tuple[GCEvent, ...]:
        """The collections that ran inside the block, oldest first (from ``gc_watch``)."""
        return self._watch.events

    def __str__(self) -> str:
        return _render.tracker_text(self)

    def _repr_html_(self) -> str:
        return _render.tracker_html(self)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every reading (``None`` until the block has ended)."""
        return _render.tracker_dict(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        _render.pretty(self, p, cycle)

    def __repr__(self) -> str:
        return _render.tracker_repr(self)


def track(top: int = TOP) -> Tracker:
    """A context manager measuring what its block did to memory; see :class:`Tracker`."""
    return Tracker(top)
