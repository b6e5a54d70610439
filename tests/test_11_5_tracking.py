"""Guide §11.5 — memory usage tracking.

``pyhood.track()`` measures what a ``with`` block did to memory: pymalloc blocks, size classes
and arenas, the collector's counts and collections, and (while tracemalloc traces) the source
lines that grew. Each number is proven here against the interpreter's own counter read around
the same block: ``sys.getallocatedblocks()``, ``sys._debugmallocstats()``, ``gc.get_count()``,
``gc.get_stats()``, the ``gc.DEBUG_STATS`` log and tracemalloc's own snapshot comparison.

The independent readings are taken on the block's first and last lines, so that the only
difference between them and track's is track's own bookkeeping between its readings and the
block (a ``gc.get_count()`` tuple, a perf-counter int, its ``gc.callbacks`` entry) plus the
test's own first readings, which stay alive through the block: a handful of blocks.
"""

from __future__ import annotations

import contextlib
import gc
import io
import re
import subprocess
import sys
import tracemalloc

import pyhood
import pytest
from conftest import (
    DEBUG_HOOKS,
    DEBUG_PAD,
    PY,
    PYMALLOC,
    configuration,
    pymalloc_reported,
    skip_unless_pymalloc,
)
from pyhood._tour import ch12

#: Most blocks (and gc-tracked objects) track's bookkeeping may add to the block's own.
SLACK = 16


@pytest.fixture
def no_tracing():
    if tracemalloc.is_tracing():
        pytest.skip(f"{configuration()}: the test is about readings taken without it")
    yield


@pytest.fixture
def tracing():
    was = tracemalloc.is_tracing()
    if not was:
        tracemalloc.start()
    yield
    if not was:
        tracemalloc.stop()


@pytest.mark.usefixtures("needs_pymalloc_report")
def test_blocks_delta_agrees_with_sys_getallocatedblocks():
    """blocks_delta is the change of sys.getallocatedblocks() over the block: read on the
    block's first and last lines it changes by the same amount, up to track's few bookkeeping
    blocks. For small objects pymalloc_blocks_delta (obmalloc_stats' blocks in use) agrees."""
    gc.collect()
    with pyhood.track() as t:
        b0 = sys.getallocatedblocks()
        kept = [bytes(20) for _ in range(10_000)]
        b1 = sys.getallocatedblocks()
    assert t.allocator_note is None
    assert 0 <= t.blocks_delta - (b1 - b0) <= SLACK
    assert abs(t.pymalloc_blocks_delta - (b1 - b0)) <= SLACK
    assert b1 - b0 >= 10_000
    del kept


@pytest.mark.usefixtures("needs_pymalloc")
def test_under_tracemalloc_blocks_come_from_sys_getallocatedblocks(tracing):
    """While tracemalloc traces, obmalloc_stats refuses: track still counts blocks with
    sys.getallocatedblocks(), leaves pymalloc's numbers out and says why."""
    if pymalloc_reported():
        pytest.skip(f"{configuration()}: from 3.13 the debug hooks keep pymalloc's report")
    with pyhood.track() as t:
        b0 = sys.getallocatedblocks()
        kept = [bytes(20) for _ in range(10_000)]
        b1 = sys.getallocatedblocks()
    assert t.pymalloc_blocks_delta is None
    assert t.size_class_deltas is None and t.arenas_delta is None
    assert "tracemalloc" in t.allocator_note
    assert 0 <= t.blocks_delta - (b1 - b0) <= SLACK
    del kept


@pytest.mark.usefixtures("needs_pymalloc_report")
def test_ten_thousand_small_bytes_land_in_their_size_class():
    """bytes(20) requests sys.getsizeof(bytes(20)) bytes, rounded up to ALIGNMENT (16): the
    64-byte class (80 with the debug hooks' 24 bytes). 10,000 of them kept alive add at least
    10,000 blocks there, and the size classes' deltas add up to pymalloc_blocks_delta."""
    size = -(-(sys.getsizeof(bytes(20)) + DEBUG_PAD) // 16) * 16
    assert size == (80 if DEBUG_PAD else 64)
    gc.collect()
    with pyhood.track() as t:
        kept = [bytes(20) for _ in range(10_000)]
    assert t.size_class_deltas is not None
    assert t.size_class_deltas[size] >= 10_000
    assert sum(t.size_class_deltas.values()) == t.pymalloc_blocks_delta
    del kept


@pytest.mark.usefixtures("needs_pymalloc_report")
def test_blocks_over_512_bytes_count_in_blocks_delta_only():
    """pymalloc passes requests over 512 bytes to malloc: 300 bytes(1000) (1033 bytes each)
    raise sys.getallocatedblocks(), so blocks_delta, by 300, and leave pymalloc's size classes
    (pymalloc_blocks_delta) next to unchanged."""
    assert sys.getsizeof(bytes(1000)) > 512
    big = [None] * 300
    gc.collect()
    with pyhood.track() as t:
        for i in range(300):
            big[i] = bytes(1000)
    assert 300 <= t.blocks_delta <= 300 + SLACK
    assert abs(t.pymalloc_blocks_delta) <= SLACK
    del big


@pytest.mark.usefixtures("needs_pymalloc_report")
def test_arenas_delta_agrees_with_debugmallocstats():
    """Keeping 400,000 small objects (about 25.6 MB of 64-byte blocks) alive needs new
    arenas; arenas_delta is the change of the "# arenas allocated current" line
    sys._debugmallocstats() prints on the block's first and last lines (give or take one)."""
    gc.collect()
    with pyhood.track() as t:
        before = ch12.printed(ch12.report_and_stats()[0], "# arenas allocated current")
        kept = [bytes(20) for _ in range(400_000)]
        after = ch12.printed(ch12.report_and_stats()[0], "# arenas allocated current")
    assert before > 0
    # Capturing the report makes objects of its own (a temporary file, the text): when the
    # last arena is full they may need one more, once in about twenty runs here.
    assert abs(t.arenas_delta - (after - before)) <= 1
    assert t.arenas_delta > 0
    del kept


def cycles(n: int) -> list[list[object]]:
    """n small cycles: containers only the collector frees; every tenth one is kept."""
    kept = []
    for i in range(n):
        node: list[object] = [i]
        node.append(node)
        if i % 10 == 0:
            kept.append(node)
    return kept


def test_collections_are_the_ones_gc_get_stats_counts():
    """The collections track records per generation are the difference of
    gc.get_stats()'s "collections" read on the block's first and last lines."""
    gc.collect()
    with pyhood.track() as t:
        before = [s["collections"] for s in gc.get_stats()]
        kept = cycles(20_000)
        gc.collect(1)
        after = [s["collections"] for s in gc.get_stats()]
    seen = [sum(1 for e in t.collections if e.generation == g) for g in range(len(before))]
    assert seen == [a - b for a, b in zip(after, before, strict=True)]
    assert seen[1] >= 1
    del kept


def test_gc_count_delta_agrees_with_gc_get_count():
    """With the collector disabled, gc_count_delta is the change of gc.get_count() read on
    the block's first and last lines, up to track's own few tracked objects."""
    gc.collect()
    gc.disable()
    try:
        with pyhood.track() as t:
            c0 = gc.get_count()
            kept = [[i] for i in range(500)]
            c1 = gc.get_count()
    finally:
        gc.enable()
    inner = [b - a for a, b in zip(c0, c1, strict=True)]
    assert inner[0] >= 500
    assert 0 <= t.gc_count_delta[0] - inner[0] <= SLACK
    assert list(t.gc_count_delta[1:]) == inner[1:]
    assert t.collections == ()
    del kept


def test_top_growth_is_tracemallocs_own_comparison(tracing):
    """top_growth's first entry is the line that grew most according to tracemalloc's own
    compare_to of snapshots taken on the block's first and last lines: this test's line
    making 10,000 bytes objects, with the same size and count differences."""
    with pyhood.track() as t:
        snap0 = tracemalloc.take_snapshot()
        line = sys._getframe().f_lineno + 1
        kept = [bytes(100) for _ in range(10_000)]
        snap1 = tracemalloc.take_snapshot()
    theirs = snap1.compare_to(snap0, "lineno")[0]
    frame = theirs.traceback[0]
    assert (frame.filename, frame.lineno) == (__file__, line)
    top = t.top_growth[0]
    assert (top.filename, top.lineno) == (__file__, line)
    # Up to one small transient the line leaves until the next one runs may be alive at the
    # test's second snapshot and gone at track's (seen under pytest: one 48-byte block).
    assert 0 <= theirs.count_diff - top.count_diff <= 1
    assert 0 <= theirs.size_diff - top.size_diff <= 64
    assert top.count_diff >= 10_000
    assert t.traced
    del kept


def test_gc_debug_stats_log_names_the_same_collections():
    """gc.set_debug(gc.DEBUG_STATS) makes every collection write "gc: collecting generation
    N..." and "gc: done, U unreachable, ..." to sys.stderr; those lines name the generations
    track recorded, and U is each event's collected + uncollectable."""
    log = io.StringIO()
    old = gc.get_debug()
    # Start from a count of zero: track's entry allocates tens of tracked objects (its two
    # obmalloc_stats readings) before its callback is in gc.callbacks, and a count left close
    # to the threshold by earlier tests would run a collection there, logged but not seen.
    gc.collect()
    gc.set_debug(gc.DEBUG_STATS)
    try:
        with contextlib.redirect_stderr(log), pyhood.track() as t:
            kept = cycles(2_000)
            for g in (0, 1, 2):
                gc.collect(g)
    finally:
        gc.set_debug(old)
    text = log.getvalue()
    gens = [int(g) for g in re.findall(r"^gc: collecting generation (\d+)", text, re.M)]
    unreachable = [int(u) for u in re.findall(r"^gc: done, (\d+) unreachable", text, re.M)]
    assert gens == [e.generation for e in t.collections]
    assert unreachable == [e.collected + e.uncollectable for e in t.collections]
    assert gens[-3:] == [0, 1, 2]
    del kept


def test_exit_removes_the_callback_even_when_the_block_raises():
    """An exception in the block propagates; track still removes its gc callback and fills
    in every number (``blocks_delta`` stays 0 without pymalloc: sys.getallocatedblocks()
    counts pymalloc's blocks)."""
    callbacks = list(gc.callbacks)
    with pytest.raises(KeyError), pyhood.track() as t:
        assert len(gc.callbacks) == len(callbacks) + 1
        kept = [bytes(20) for _ in range(1_000)]
        raise KeyError("boom")
    assert gc.callbacks == callbacks
    assert t.blocks_delta >= 1_000 if PYMALLOC else t.blocks_delta == 0
    assert t.gc_count_delta is not None
    del kept


def test_tracemalloc_starting_inside_the_block():
    """tracemalloc started inside the block: pymalloc's statistics are refused at exit, so
    blocks come from sys.getallocatedblocks(), and no top_growth (no entry snapshot)."""
    if tracemalloc.is_tracing():
        pytest.skip(f"{configuration()}: the test starts tracemalloc itself")
    skip_unless_pymalloc("so its statistics are refused at entry already")
    if DEBUG_HOOKS and PY >= (3, 13):
        pytest.skip(f"{configuration()}: from 3.13 the debug hooks keep pymalloc's report")
    try:
        with pyhood.track() as t:
            tracemalloc.start()
    finally:
        tracemalloc.stop()
    assert t.pymalloc_blocks_delta is None
    assert "at exit" in t.allocator_note
    assert t.top_growth is None and not t.traced


@pytest.mark.child_allocator
def test_without_pymalloc_the_note_says_so():
    """Under PYTHONMALLOC=malloc there is no pymalloc: size classes are None, the note says
    pymalloc is not the allocator, and sys.getallocatedblocks() stays 0."""
    code = (
        "import pyhood\n"
        "with pyhood.track() as t:\n"
        "    kept = [bytes(20) for _ in range(1000)]\n"
        "print(t.blocks_delta, t.pymalloc_blocks_delta, t.size_class_deltas, t.allocator_note)\n"
    )
    env = {**__import__("os").environ, "PYTHONMALLOC": "malloc"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert out.startswith("0 None None no size classes: ")
    assert "pymalloc" in out


def test_str_and_html_show_every_number():
    """str() is a compact report (one line per number); _repr_html_() is a table of the same
    rows, escaped. Without pymalloc's statistics (pymalloc off, or tracemalloc tracing) the
    size-class line gives the reason instead, and there is no pymalloc line."""
    with pyhood.track() as t:
        kept = [bytes(20) for _ in range(1_000)]
    text = str(t)
    assert text.startswith("track: ")
    for label in ("allocated blocks", "size classes", "collections", "gc.get_count()"):
        assert label in text
    if t.allocator_note is None:
        assert "pymalloc blocks" in text
    else:
        assert "pymalloc blocks" not in text and t.allocator_note in text
    assert f"{t.blocks_delta:+,}" in text
    assert len(text.splitlines()) <= 10
    page = t._repr_html_()
    # The readings' table comes first (pictures of the size classes and collections follow).
    table = page[page.index("<table") : page.index("</table>") + len("</table>")]
    assert page.startswith('<div class="pyhood-tracker"><table')
    assert table.count("<tr>") == len(text.splitlines()) - 1
    assert "<" not in re.sub(r"</?(table|caption|tr|th|td)[^>]*>", "", table)
    assert "<script" not in page
    del kept


def test_a_tracker_is_entered_once():
    """Like gc_watch, a Tracker measures one block."""
    t = pyhood.track()
    with t:
        pass
    with pytest.raises(RuntimeError), t:
        pass
