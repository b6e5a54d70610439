"""``pyhood.gc_watch()``: record every garbage collection that runs inside a ``with`` block
(guide §12.6).

CPython calls each function in :data:`gc.callbacks` twice per collection: with ``"start"``
before it and ``"stop"`` after it, each time with ``{"generation": ..., "collected": ...,
"uncollectable": ...}``. :class:`GCWatch` appends one such function on entry, pairs the two
calls into a :class:`GCEvent` (timed with :func:`time.perf_counter_ns` between them), and
removes the function on exit, whether the block raised or not.

>>> import gc, pyhood
>>> with pyhood.gc_watch() as watch:
...     _ = gc.collect(1)
>>> 1 in [e.generation for e in watch.events]
True
"""

from __future__ import annotations

import gc
import threading
import time
from dataclasses import dataclass
from typing import Any

from . import _render

__all__ = ["GCEvent", "GCWatch", "gc_watch"]


@dataclass(frozen=True)
class GCEvent:
    """One collection: which generation, how long it took, what it found."""

    #: The oldest generation collected (0, 1 or 2); younger ones are collected with it.
    generation: int
    #: Nanoseconds between the ``"start"`` and ``"stop"`` callbacks.
    duration_ns: int
    #: Unreachable objects the collection freed.
    collected: int
    #: Unreachable objects it could not free (they went to :data:`gc.garbage`).
    uncollectable: int
    #: Nanoseconds from the watch's entry to the ``"start"`` callback (where a timeline
    #: places the collection).
    start_ns: int = 0

    @property
    def duration(self) -> float:
        """The duration in seconds."""
        return self.duration_ns / 1e9

    def __str__(self) -> str:
        return _render.gc_event_text(self)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the event's figures."""
        return _render.gc_event_dict(self)

    def _repr_html_(self) -> str:
        return _render.gc_event_html(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        _render.pretty(self, p, cycle)


class GCWatch:
    """A context manager that records the collections run while it is active.

    ``events`` holds the :class:`GCEvent` of every collection that both started and stopped
    inside the block, in order. The callback only appends to a list, so it adds next to no
    time to the collections it measures.
    """

    def __init__(self) -> None:
        self._events: list[GCEvent] = []
        self._frozen: tuple[GCEvent, ...] | None = None
        self._started: dict[int, tuple[int, int]] = {}
        self._active = False
        self._elapsed_ns = 0
        self._entered_ns = 0
        # One bound method, so that exit removes exactly the object entry appended.
        self._cb = self._callback

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        now = time.perf_counter_ns()
        thread = threading.get_ident()
        if phase == "start":
            self._started[thread] = (now, info["generation"])
        elif phase == "stop":
            start = self._started.pop(thread, None)
            if start is None:  # the block began in the middle of a collection
                return
            self._events.append(
                GCEvent(
                    generation=info["generation"],
                    duration_ns=now - start[0],
                    collected=info["collected"],
                    uncollectable=info["uncollectable"],
                    start_ns=start[0] - self._entered_ns,
                )
            )

    def __enter__(self) -> GCWatch:
        if self._active or self._frozen is not None:
            raise RuntimeError("a GCWatch can be entered only once")
        self._active = True
        self._entered_ns = time.perf_counter_ns()
        gc.callbacks.append(self._cb)
        return self

    def __exit__(self, *exc_info: object) -> None:
        # Remove by identity; the list may have been edited meanwhile, so search it.
        for i, cb in enumerate(gc.callbacks):
            if cb is self._cb:
                del gc.callbacks[i]
                break
        self._elapsed_ns = time.perf_counter_ns() - self._entered_ns
        self._active = False
        self._frozen = tuple(self._events)

    @property
    def events(self) -> tuple[GCEvent, ...]:
        """Every collection recorded, oldest first (so far, while the block runs)."""
        return self._frozen if self._frozen is not None else tuple(self._events)

    @property
    def elapsed_ns(self) -> int:
        """Nanoseconds the block took (0 until it ends)."""
        return self._elapsed_ns

    def summary(self) -> dict[int, tuple[int, int, int, int]]:
        """Per generation: (collections, total ns, collected, uncollectable)."""
        out: dict[int, tuple[int, int, int, int]] = {}
        for e in self.events:
            n, ns, c, u = out.get(e.generation, (0, 0, 0, 0))
            out[e.generation] = (n + 1, ns + e.duration_ns, c + e.collected, u + e.uncollectable)
        return dict(sorted(out.items()))

    def __str__(self) -> str:
        return _render.gc_watch_text(self)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: state, every event, and ``summary()`` per generation."""
        return _render.gc_watch_dict(self)

    def _repr_html_(self) -> str:
        return _render.gc_watch_html(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        _render.pretty(self, p, cycle)

    def __repr__(self) -> str:
        return _render.gc_watch_repr(self)


def gc_watch() -> GCWatch:
    """A context manager recording every garbage collection in its block.

    >>> with gc_watch() as w:
    ...     ...
    >>> w.events  # a tuple of GCEvent
    ()
    """
    return GCWatch()
