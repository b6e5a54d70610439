"""Guide §12.5 — optimizing long-running processes.

A service that runs for days is tuned by watching three things over a stretch of its
work: how often the collector runs (``gc.get_stats()``), how many allocator blocks stay
in use (``obmalloc_stats``), and which lines keep memory (``tracemalloc``). pyhood's
readings over such a stretch agree with the interpreter's own counters.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import tracemalloc

import pyhood
import pytest


def workload(n: int) -> list:
    """Make n small cycles (tracked containers) and keep every tenth object alive."""
    kept = []
    for i in range(n):
        node: list = [i]
        node.append(node)  # a cycle: only the collector can free it
        if i % 10 == 0:
            kept.append(node)
    return kept


def collections() -> list[int]:
    return [s["collections"] for s in gc.get_stats()]


def test_gc_watch_sees_every_collection_gc_get_stats_counts():
    """Over a stretch of work, gc_watch records exactly the collections per generation
    that gc.get_stats() counts."""
    gc.collect()
    before = collections()
    with pyhood.gc_watch() as watch:
        kept = workload(20_000)
    after = collections()
    seen = [sum(1 for e in watch.events if e.generation == g) for g in range(3)]
    assert seen == [a - b for a, b in zip(after, before, strict=True)]
    assert seen[0] > 0
    del kept


def test_raising_the_threshold_means_fewer_young_collections():
    """The same work with a 10x higher generation-0 threshold runs fewer young collections
    (counted by gc_watch and by gc.get_stats alike)."""
    old = gc.get_threshold()
    counts = []
    try:
        for threshold in (old[0], old[0] * 10):
            gc.set_threshold(threshold, *old[1:])
            gc.collect()
            with pyhood.gc_watch() as watch:
                kept = workload(20_000)
            counts.append(len(watch.events))
            assert pyhood.gc_generations().generations[0].threshold == threshold
            del kept
    finally:
        gc.set_threshold(*old)
    assert counts[1] < counts[0]


@pytest.mark.usefixtures("needs_pymalloc_report")
def test_blocks_kept_alive_show_in_obmalloc_and_tracemalloc():
    """Objects a stretch of work keeps alive stay as allocated pymalloc blocks (at least one
    per object) and as memory tracemalloc traces to this file."""
    gc.collect()
    first = pyhood.obmalloc_stats().blocks_in_use
    kept = [float(i) + 0.5 for i in range(20_000)]
    second = pyhood.obmalloc_stats().blocks_in_use
    assert second - first >= 20_000 - 100  # a float free list may hand back up to 100
    del kept
    tracemalloc.start()
    try:
        snap1 = tracemalloc.take_snapshot()
        kept = [float(i) + 0.5 for i in range(20_000)]
        snap2 = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    grown = sum(s.size_diff for s in snap2.compare_to(snap1, "filename") if s.size_diff > 0)
    assert grown >= 20_000 * 24
    del kept


@pytest.mark.child_allocator
def test_no_pymalloc_statistics_while_tracemalloc_traces():
    """While tracemalloc traces, its hooks replace pymalloc as the object allocator, so
    sys._debugmallocstats() prints no pymalloc report and obmalloc_stats says so (in a child
    under plain pymalloc: from 3.13 the debug hooks keep the report, test_12_1_obmalloc)."""
    code = (
        "import sys, tracemalloc; tracemalloc.start(); sys._debugmallocstats(); "
        "import pyhood\n"
        "try:\n    pyhood.obmalloc_stats()\nexcept pyhood.AllocatorError:\n    print('refused')"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONTRACEMALLOC", "PYTHONDEVMODE")}
    env["PYTHONMALLOC"] = "pymalloc"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "arenas" not in proc.stderr
    assert proc.stdout.strip() == "refused"
