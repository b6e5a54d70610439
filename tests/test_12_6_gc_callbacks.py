"""Guide §12.6, watching the collector: ``gc.callbacks`` and ``pyhood.gc_watch()``.

CPython calls every function in ``gc.callbacks`` with ``"start"`` before and ``"stop"`` after
each collection. ``pyhood.gc_watch()`` records those pairs during a ``with`` block. The tests
check its events against what does not go through it: the generation passed to
``gc.collect``, ``gc.collect``'s return value, the number of objects the test itself put in
reference cycles, and ``gc.callbacks`` before and after the block.
"""

from __future__ import annotations

import gc
import time

import pyhood
import pytest


def make_cycles(n: int) -> int:
    """Create ``n`` unreachable pairs of objects that refer to each other, each pair with an
    instance ``__dict__`` kept alive only by the cycle; return how many objects that is at
    least (two instances per pair)."""

    class Node:
        pass

    for _ in range(n):
        a, b = Node(), Node()
        a.other, b.other = b, a
    return 2 * n


def test_each_collect_is_one_event_with_its_generation(gc_disabled):
    """``gc.collect(i)`` runs exactly one collection of generation ``i``; the watch records
    it with that generation, a positive duration, and the numbers the callback was given."""
    with pyhood.gc_watch() as watch:
        results = [gc.collect(0), gc.collect(1), gc.collect(2)]
    assert [e.generation for e in watch.events] == [0, 1, 2]
    for event, returned in zip(watch.events, results, strict=True):
        assert event.duration_ns > 0
        assert event.duration == event.duration_ns / 1e9
        # gc.collect returns collected + uncollectable of the collection it ran.
        assert event.collected + event.uncollectable == returned
    assert isinstance(watch.events, tuple)


def test_cycles_are_reported_as_collected(gc_disabled):
    """Objects only reachable from each other are garbage the collector finds: the event
    reports at least as many collected objects as the test made unreachable."""
    gc.collect()
    with pyhood.gc_watch() as watch:
        made = make_cycles(500)
        returned = gc.collect()
    (event,) = watch.events
    assert event.generation == 2
    assert event.collected >= made
    assert event.collected + event.uncollectable == returned


def test_the_threshold_triggers_young_collections():
    """With automatic collection on and a threshold of 10, allocating containers starts
    generation-0 collections by themselves: nothing calls ``gc.collect``."""
    saved, was = gc.get_threshold(), gc.isenabled()
    gc.enable()
    gc.set_threshold(10, 1000, 1000)
    try:
        with pyhood.gc_watch() as watch:
            keep = [[] for _ in range(2000)]
            for _ in range(100):  # give 3.12+ (collections run at eval-breaker checks) a chance
                time.sleep(0)
    finally:
        gc.set_threshold(*saved)
        (gc.enable if was else gc.disable)()
    generations = [e.generation for e in watch.events]
    assert generations.count(0) >= 10, generations
    assert len(keep) == 2000


def test_the_callback_is_removed_even_when_the_block_raises():
    """The watch appends one function to ``gc.callbacks`` on entry and removes exactly it on
    exit, also when the block raises; events recorded before the exception are kept."""
    before = list(gc.callbacks)
    with pytest.raises(ZeroDivisionError):
        with pyhood.gc_watch() as watch:
            assert len(gc.callbacks) == len(before) + 1
            gc.collect(0)
            1 / 0  # noqa: B018
    assert gc.callbacks == before
    assert [e.generation for e in watch.events] == [0]


def test_nested_watches_see_the_same_collections(gc_disabled):
    """Two watches are independent callbacks: both record a collection run while both are
    active; the outer one also records those outside the inner block."""
    with pyhood.gc_watch() as outer:
        gc.collect(0)
        with pyhood.gc_watch() as inner:
            gc.collect(1)
        gc.collect(2)
    assert [e.generation for e in outer.events] == [0, 1, 2]
    assert [e.generation for e in inner.events] == [1]


def test_a_watch_is_used_once():
    """Re-entering a finished watch is an error, not a silent second recording."""
    with pyhood.gc_watch() as watch:
        pass
    with pytest.raises(RuntimeError):
        with watch:
            pass


def test_events_are_frozen_dataclasses():
    """Each event is immutable."""
    with pyhood.gc_watch() as watch:
        gc.collect(0)
    event = watch.events[0]
    with pytest.raises(AttributeError):
        event.generation = 5  # type: ignore[misc]
    assert isinstance(event, pyhood.GCEvent)


def test_str_summarises_the_collections(gc_disabled):
    """``str(watch)`` says how many collections ran, their total time and what they found,
    then one line per generation."""
    with pyhood.gc_watch() as empty:
        pass
    assert str(empty) == "no collections"
    with pyhood.gc_watch() as watch:
        gc.collect(0)
        gc.collect(0)
        gc.collect(2)
    lines = str(watch).splitlines()
    assert lines[0].startswith("3 collections in ")
    assert lines[1].startswith("  gen 0: 2 collections")
    assert lines[2].startswith("  gen 2: 1 collection,")
    assert watch.summary()[0][0] == 2
    assert watch.elapsed_ns >= sum(e.duration_ns for e in watch.events)
    assert str(watch.events[0]).startswith("gen 0: ")
