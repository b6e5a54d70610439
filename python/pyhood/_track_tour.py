"""The tour of the guide's §11.5 (memory usage tracking) on live objects.

Same conventions as :mod:`pyhood._tour`: explanations, pyhood's readings, and ``[ok]`` /
``[MISMATCH]`` checks against something pyhood does not compute (``sys.getallocatedblocks()``,
``gc.get_count()``, ``gc.get_stats()``, the ``gc.DEBUG_STATS`` log, tracemalloc's own snapshot
comparison). ``examples/ex_11_5_tracking.py`` prints exactly this section.
"""

from __future__ import annotations

import contextlib
import gc
import io
import re
import sys
import tracemalloc
from collections.abc import Callable

import pyhood

from ._tour import _check, _grid, _heading, _say

__all__ = ["SECTIONS", "section_11_5"]

#: Most blocks (or gc-tracked objects) track's own bookkeeping adds between its readings and
#: the block's first and last lines.
SLACK = 16


def _cycles(n: int) -> list[list[object]]:
    kept = []
    for i in range(n):
        node: list[object] = [i]
        node.append(node)  # a cycle: only the collector frees it
        if i % 10 == 0:
            kept.append(node)
    return kept


def _allocator_part() -> None:
    gc.collect()
    with pyhood.track() as t:
        b0, c0 = sys.getallocatedblocks(), gc.get_count()
        kept = [bytes(20) for _ in range(10_000)]
        c1, b1 = gc.get_count(), sys.getallocatedblocks()
    print("    with pyhood.track() as t:")
    print("        kept = [bytes(20) for _ in range(10_000)]")
    print()
    print("\n".join("    " + line for line in str(t).splitlines()))
    print()
    size = -(-sys.getsizeof(bytes(20)) // 16) * 16
    in_class = (t.size_class_deltas or {}).get(size, 0)
    _check(
        f"blocks_delta = the change of sys.getallocatedblocks() in the block (+/- {SLACK})",
        0 <= t.blocks_delta - (b1 - b0) <= SLACK,
    )
    _check(
        f"10,000 bytes(20) ({sys.getsizeof(bytes(20))} bytes each) added at least 10,000 "
        f"blocks to the {size}-byte size class",
        in_class >= 10_000,
    )
    inner = [b - a for a, b in zip(c0, c1, strict=True)]
    _check(
        "gc_count_delta is the change of gc.get_count() in the block",
        0 <= t.gc_count_delta[0] - inner[0] <= SLACK and list(t.gc_count_delta[1:]) == inner[1:],
    )
    print()
    del kept
    _say(
        """sys.getallocatedblocks() also counts the requests over 512 bytes that pymalloc
        passes on to malloc; obmalloc_stats' size classes hold only pymalloc's own blocks."""
    )
    big: list[bytes | None] = [None] * 300
    del t  # not freed inside the next block when the name is bound again
    gc.collect()
    with pyhood.track() as t:
        for i in range(300):
            big[i] = bytes(1000)
    pymalloc_change = abs(t.pymalloc_blocks_delta or 0)
    print(
        f"    300 x bytes(1000): allocated blocks {t.blocks_delta:+,}, "
        f"pymalloc blocks changed by {pymalloc_change}"
    )
    print()
    _check(
        "blocks over 512 bytes count in blocks_delta, not in pymalloc's size classes",
        300 <= t.blocks_delta <= 300 + SLACK
        and t.pymalloc_blocks_delta is not None
        and abs(t.pymalloc_blocks_delta) <= SLACK,
    )
    print()
    del big


def _collector_part() -> None:
    _say(
        """gc.set_debug(gc.DEBUG_STATS) makes the collector write to sys.stderr at every
        collection: the generation, the objects in each generation, and when it is done, the
        unreachable objects it found and the time it took. Captured here:"""
    )
    log = io.StringIO()
    old = gc.get_debug()
    gc.collect()
    gc.set_debug(gc.DEBUG_STATS)
    try:
        with contextlib.redirect_stderr(log), pyhood.track() as t:
            before = [s["collections"] for s in gc.get_stats()]
            kept = _cycles(20_000)
            gc.collect(1)
            after = [s["collections"] for s in gc.get_stats()]
    finally:
        gc.set_debug(old)
    text = log.getvalue()
    lines = text.splitlines()
    last = max(i for i, line in enumerate(lines) if line.startswith("gc: collecting generation"))
    print("\n".join("    " + line for line in lines[last:]))
    print()
    gens = [int(g) for g in re.findall(r"^gc: collecting generation (\d+)", text, re.M)]
    unreachable = [int(u) for u in re.findall(r"^gc: done, (\d+) unreachable", text, re.M)]
    per_gen = [sum(1 for e in t.collections if e.generation == g) for g in range(3)]
    _grid(
        ("generation", "track", "gc.get_stats()", "DEBUG_STATS log"),
        [(g, per_gen[g], after[g] - before[g], gens.count(g)) for g in range(min(3, len(before)))],
    )
    _check(
        "track recorded the collections gc.get_stats() counted, per generation",
        per_gen[: len(before)] == [a - b for a, b in zip(after, before, strict=True)],
    )
    _check(
        "the DEBUG_STATS log names the same collections, in order",
        gens == [e.generation for e in t.collections],
    )
    _check(
        "each log's unreachable count is the event's collected + uncollectable",
        unreachable == [e.collected + e.uncollectable for e in t.collections],
    )
    _check("the gc callback is gone after the block", t._watch._cb not in gc.callbacks)
    print()
    del kept


def _tracemalloc_part() -> None:
    _say(
        """While tracemalloc traces, its hooks stand in front of pymalloc and obmalloc_stats()
        refuses: track says so, still counts blocks with sys.getallocatedblocks(), and adds
        the source lines whose traced memory grew between snapshots taken at entry and exit."""
    )
    tracemalloc.start()
    try:
        with pyhood.track() as t:
            snap0 = tracemalloc.take_snapshot()
            line = sys._getframe().f_lineno + 1
            kept = [bytes(100) for _ in range(10_000)]
            snap1 = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    theirs = snap1.compare_to(snap0, "lineno")[0]
    top = t.top_growth[0] if t.top_growth else None
    print(
        "\n".join("    " + row.replace(__file__, "_track_tour.py") for row in str(t).splitlines())
    )
    print()
    _check(
        "under tracemalloc, only sys.getallocatedblocks() counts blocks; the note says why",
        t.pymalloc_blocks_delta is None
        and t.size_class_deltas is None
        and "tracemalloc" in (t.allocator_note or ""),
    )
    _check(
        "top_growth[0] is the line tracemalloc's own compare_to puts first: the list above",
        top is not None
        and (top.filename, top.lineno) == (theirs.traceback[0].filename, theirs.traceback[0].lineno)
        and (top.filename, top.lineno) == (__file__, line)
        and 0 <= theirs.count_diff - top.count_diff <= 1,
    )
    print()
    del kept


def section_11_5() -> None:
    """§11.5: one ``with`` block's effect on the allocator, the collector and traced lines."""
    _heading("11.5", "Memory usage tracking")
    _say(
        """pyhood.track() measures what a block of code did to memory: pymalloc blocks in
        use, per size class and in arenas (from obmalloc_stats), the collector's counts and
        the collections that ran (gc_watch), and, when tracemalloc traces, the lines that
        grew. Each number is checked against the interpreter's own counter read inside the
        same block."""
    )
    _allocator_part()
    _collector_part()
    _tracemalloc_part()


#: Section number -> function, in guide order.
SECTIONS: dict[str, Callable[[], None]] = {
    "11.5": section_11_5,
}
