"""The tour of the guide's chapter 12 (allocator internals and GC tuning) on live objects.

Same conventions as :mod:`pyhood._tour`: explanations, pyhood's readings, and ``[ok]`` /
``[MISMATCH]`` checks against something pyhood does not compute.
"""

from __future__ import annotations

import gc
import os
import re
import sys
import tempfile
from collections.abc import Callable

import pyhood

from ._tour import _check, _grid, _heading, _say, _sub

__all__ = ["SECTIONS", "section_12_1", "section_12_2", "section_12_5"]

#: sizeof(struct pool_header) rounded up to ALIGNMENT on 64-bit builds (POOL_OVERHEAD).
POOL_OVERHEAD = 48


def _capture_report() -> tuple[str, pyhood.ObmallocStats]:
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            sys._debugmallocstats()
            stats = pyhood.obmalloc_stats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        tmp.seek(0)
        return tmp.read().decode(), stats


def _rows(text: str) -> list[tuple[int, ...]]:
    found = re.findall(r"^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$", text, re.MULTILINE)
    return [tuple(map(int, r)) for r in found]


def report_and_stats() -> tuple[str, pyhood.ObmallocStats]:
    """What ``sys._debugmallocstats()`` writes to the C stderr (captured at the fd level), and
    ``pyhood.obmalloc_stats()`` called right after it. The two are separate snapshots of a
    live heap: if a block changed hands between them (another thread, a finaliser), the
    pair is taken again, up to three times."""
    for _ in range(3):
        text, stats = _capture_report()
        ours = [
            (c.index, c.size, c.pools, c.blocks_in_use, c.free_blocks) for c in stats.size_classes
        ]
        if _rows(text) == ours:
            break
    return text, stats


def printed(text: str, label: str) -> int:
    """The number on the line ``label = n,nnn`` of the captured report."""
    m = re.search(rf"^{re.escape(label)}\s*=\s*([\d,]+)$", text, re.MULTILINE)
    return int(m[1].replace(",", "")) if m else -1


def _obmalloc_section() -> None:
    try:
        text, stats = report_and_stats()
    except pyhood.AllocatorError as exc:
        _say(f"pyhood.obmalloc_stats() raised AllocatorError: {exc}.")
        return

    _say(
        """Requests of up to SMALL_REQUEST_THRESHOLD bytes are served by pymalloc. A request is
        rounded up to a multiple of ALIGNMENT and taken from the pools of its size class; pools
        are cut from arenas, which pymalloc gets from the system with mmap. Anything larger
        goes to malloc."""
    )
    print(f"  arena size               {stats.arena_size:>10,} bytes")
    print(f"  pool size                {stats.pool_size:>10,} bytes")
    print(f"  ALIGNMENT                {stats.alignment:>10} bytes")
    print(f"  SMALL_REQUEST_THRESHOLD  {stats.small_request_threshold:>10} bytes")
    print(f"  size classes             {stats.num_size_classes:>10}")
    print()
    _check(
        "the report's 'N arenas * S bytes/arena' and 'N unused pools * S bytes' lines say so",
        f"{stats.arenas_in_use} arenas * {stats.arena_size} bytes/arena" in text
        and f"{stats.unused_pools} unused pools * {stats.pool_size} bytes" in text,
    )
    _check(
        "an arena holds a whole number of pools",
        stats.arena_size % stats.pool_size == 0,
    )
    print()

    print("--- the arenas ---")
    print()
    print(f"  in use now               {stats.arenas_in_use:>10}")
    print(f"  most ever in use         {stats.arenas_highwater:>10}")
    print(f"  allocated since start    {stats.arenas_allocated_total:>10}")
    print(f"  returned to the system   {stats.arenas_reclaimed:>10}")
    print()
    _check(
        "the four arena counts are the ones sys._debugmallocstats() printed",
        (
            stats.arenas_in_use,
            stats.arenas_highwater,
            stats.arenas_allocated_total,
            stats.arenas_reclaimed,
        )
        == (
            printed(text, "# arenas allocated current"),
            printed(text, "# arenas highwater mark"),
            printed(text, "# arenas allocated total"),
            printed(text, "# arenas reclaimed"),
        ),
    )
    print()

    print("--- the size classes ---")
    print()
    usable = stats.pool_size - POOL_OVERHEAD
    by_index = {c.index: c for c in stats.size_classes}
    print("  class  size  blocks/pool  pools  blocks in use  free blocks")
    for i in range(stats.num_size_classes):
        size = (i + 1) * stats.alignment
        c = by_index.get(i)
        pools, used, free = (c.pools, c.blocks_in_use, c.free_blocks) if c else (0, 0, 0)
        print(f"  {i:>5}  {size:>4}  {usable // size:>11}  {pools:>5}  {used:>13}  {free:>11}")
    print()
    _check(
        "every row is the one sys._debugmallocstats() printed",
        _rows(text)
        == [(c.index, c.size, c.pools, c.blocks_in_use, c.free_blocks) for c in stats.size_classes],
    )
    _check(
        "class i holds blocks of (i + 1) * 16 bytes",
        all(c.size == (c.index + 1) * 16 for c in stats.size_classes),
    )
    _check(
        "a pool is a 48-byte header and (pool size - 48) // size blocks",
        all(
            c.blocks_in_use + c.free_blocks == c.pools * (usable // c.size)
            for c in stats.size_classes
        ),
    )
    print()

    print("--- where the bytes of the arenas go ---")
    print()
    parts = [
        ("in allocated blocks", stats.bytes_in_allocated_blocks),
        ("in free blocks of used pools", stats.bytes_in_available_blocks),
        ("in unused pools", stats.unused_pools_bytes),
        ("pool headers", stats.pool_headers_bytes),
        ("quantization (pool tails)", stats.quantization_bytes),
        ("arena alignment", stats.arena_alignment_bytes),
    ]
    for label, value in parts:
        print(f"  {label:<30}{value:>12,}")
    print(f"  {'total':<30}{stats.total:>12,}")
    print()
    _check(
        "allocated bytes = sum(blocks in use * size), as printed",
        stats.bytes_in_allocated_blocks
        == sum(c.blocks_in_use * c.size for c in stats.size_classes)
        == printed(text, "# bytes in allocated blocks"),
    )
    _check(
        "the six parts add up to arenas in use * arena size",
        sum(v for _, v in parts) == stats.total == stats.arenas_in_use * stats.arena_size,
    )
    print()

    print("--- which class serves an object ---")
    print()
    _say(
        """sys.getsizeof() counts an object's whole allocation (with its GC header), so the
        class that serves it is (getsizeof(obj) - 1) // 16."""
    )
    samples = [
        ("float", 1.5),
        ("int 10**20", 10**20),
        ("bytes(20)", bytes(20)),
        ("tuple of 2", (1, "a")),
        ("empty list", []),
        ("empty dict", {}),
    ]
    for name, obj in samples:
        n = sys.getsizeof(obj)
        index = (n - 1) // stats.alignment
        print(f"  {name:<12}{n:>5} bytes -> class {index:>2} ({(index + 1) * 16}-byte blocks)")
    print()

    print("--- watching a class fill ---")
    print()
    index = (sys.getsizeof(bytes(20)) - 1) // stats.alignment

    def in_use() -> int:
        return sum(
            c.blocks_in_use for c in pyhood.obmalloc_stats().size_classes if c.index == index
        )

    gc.disable()  # no other block of the class is freed while we count
    try:
        before = in_use()
        objects = [bytes(20) for _ in range(10_000)]
        during = in_use()
        del objects
        after = in_use()
    finally:
        gc.enable()
    print(f"  class {index} blocks in use: {before:,} -> {during:,} with 10,000 bytes(20) alive")
    print(f"  -> {after:,} once they are freed")
    print()
    _check("the class gained at least 10,000 blocks", during - before >= 10_000)
    _check("and gave at least 10,000 back", during - after >= 10_000)
    print()


def _blocks_section() -> None:
    _sub("where one object lives: block_info and footprint")
    _say(
        """pyhood.block_info(obj) finds the object's own block: the pymalloc pool and size
        class, a malloc chunk for big objects, or the interpreter image for static objects
        such as None. pyhood.footprint(obj) adds up every allocation the object owns."""
    )
    samples = [("float", float("1.5")), ("2-tuple", (1, "a")), ("bytes 100 KB", b"x" * 100_000)]
    rows = []
    for name, obj in samples:
        info = pyhood.block_info(obj)
        rows.append((name, sys.getsizeof(obj), info.domain, info.block_size))
    rows.append(("None", sys.getsizeof(None), pyhood.block_info(None).domain, "-"))
    _grid(("object", "getsizeof", "domain", "block size"), rows)
    _check(
        "small objects get getsizeof rounded up to 16; 100 KB goes to malloc; None is static",
        [r[2] for r in rows] == ["pymalloc", "pymalloc", "malloc", "static"]
        and all(r[3] == (r[1] + 15) // 16 * 16 for r in rows[:2]),
    )
    xs = list(range(100))
    fp = pyhood.footprint(xs)
    print("    " + str(fp).replace("\n", "\n    "))
    print()
    _check("a list's object and item array add up to sys.getsizeof", fp.requested == fp.getsizeof)


def section_12_1() -> None:
    """§12.1: pymalloc's arenas, pools and size classes, and where one object lives."""
    _heading("12.1", "pymalloc: arenas, pools and size classes")
    _obmalloc_section()
    _blocks_section()


def _freelists_section() -> None:
    _heading("12.2", "Small object optimizations: free lists")
    _say(
        """When a float, a small tuple, a list or a dict dies, CPython does not always give
        its memory back to the allocator: up to a limit per type it keeps the dead object on
        a free list and hands it to the next object of that type. pyhood reads each list's
        length and proves it by walking the list before reporting it."""
    )
    lists = pyhood.freelists()
    shown = ["float", "tuple[1]", "tuple[2]", "tuple[3]", "list", "dict", "dict_keys"]
    if "int" in lists:
        shown.insert(1, "int")
    _grid(("free list", "limit"), [(n, lists[n].limit) for n in shown])
    _sub("floats: freed, kept, and reused")
    floats = [float(i) + 0.5 for i in range(30)]
    before = pyhood.freelists()["float"].count
    del floats
    after = pyhood.freelists()["float"].count
    print(f"    float free list before / after freeing 30 floats: grew by {after - before}")
    print()
    _check("freeing 30 floats puts 30 on the float free list", after - before == 30)
    pair = [float("1.25"), float("2.5")]
    last = id(pair[-1])
    del pair[-1]
    reborn = float("2.75")
    _check("the next float takes the block freed last (the list is LIFO)", id(reborn) == last)
    print()
    _sub("lists")
    boxes = [[] for _ in range(10)]
    start = pyhood.freelists()["list"].count
    room = pyhood.freelists()["list"].limit - start
    del boxes
    grown = pyhood.freelists()["list"].count - start
    print(f"    list free list grew by {grown} after 10 empty lists and their container died")
    print()
    _check("11 list objects went onto the list free list", grown == min(11, room))
    _sub("tuples, one list per length")
    triples = [tuple([i, i, i]) for i in range(5)]
    start = pyhood.freelists()["tuple[3]"].count
    del triples
    grown = pyhood.freelists()["tuple[3]"].count - start
    print(f"    the free list of 3-tuples grew by {grown} after five 3-tuples died")
    print()
    _check("five 3-tuples went onto the tuple[3] free list", grown == 5)
    print()
    _say(
        f"""Every list reports a count no larger than its limit; on CPython
        {sys.version_info[0]}.{sys.version_info[1]} the tuple lists are kept per length, up
        to length 20."""
    )
    _check(
        "0 <= count <= limit for every free list",
        all(0 <= fl.count <= fl.limit for fl in pyhood.freelists().values()),
    )


def section_12_2() -> None:
    """§12.2: free lists keep dead floats, tuples, lists and dicts for reuse."""
    # A collection during a measurement would free unrelated garbage onto the same lists.
    gc.collect()
    gc.disable()
    try:
        _freelists_section()
    finally:
        gc.enable()


def _cycles(n: int) -> list[list[object]]:
    """n small self-referencing lists; every tenth is kept alive."""
    kept = []
    for i in range(n):
        node: list[object] = [i]
        node.append(node)
        if i % 10 == 0:
            kept.append(node)
    return kept


def section_12_5() -> None:
    """§12.5: watch a stretch of work: collections, allocator blocks, traced lines."""
    import tracemalloc

    _heading("12.5", "Optimizing long-running processes")
    _say(
        """A long-running service is tuned by watching a stretch of its work: how often the
        collector runs and how long it takes (gc_watch, checked against gc.get_stats()),
        how many allocator blocks stay in use (obmalloc_stats) and which lines keep the
        memory (tracemalloc)."""
    )
    old = gc.get_threshold()
    rows = []
    try:
        for threshold in (old[0], old[0] * 10):
            gc.set_threshold(threshold, *old[1:])
            gc.collect()
            before = [st["collections"] for st in gc.get_stats()]
            with pyhood.gc_watch() as watch:
                kept = _cycles(20_000)
            after = [st["collections"] for st in gc.get_stats()]
            per_gen = [sum(1 for e in watch.events if e.generation == g) for g in range(3)]
            agrees = per_gen == [a - b for a, b in zip(after, before, strict=True)]
            rows.append((threshold, *per_gen, agrees))
            del kept
    finally:
        gc.set_threshold(*old)
    _grid(("gen-0 threshold", "gen 0", "gen 1", "gen 2", "= gc.get_stats()"), rows)
    _check("gc_watch saw the collections gc.get_stats() counted", all(r[-1] for r in rows))
    _check("a 10x higher threshold ran fewer collections", sum(rows[1][1:4]) < sum(rows[0][1:4]))
    print()
    gc.collect()
    first = pyhood.obmalloc_stats().blocks_in_use
    kept_floats = [float(i) + 0.5 for i in range(20_000)]
    second = pyhood.obmalloc_stats().blocks_in_use
    print(f"    pymalloc blocks in use grew by {second - first:,} with 20,000 floats alive")
    print()
    _check("at least one block per live float", second - first >= 20_000 - 100)
    del kept_floats
    tracemalloc.start()
    try:
        snap1 = tracemalloc.take_snapshot()
        kept_floats = [float(i) + 0.5 for i in range(20_000)]
        snap2 = tracemalloc.take_snapshot()
        try:
            pyhood.obmalloc_stats()
            refused = False
        except pyhood.AllocatorError:
            refused = True
    finally:
        tracemalloc.stop()
    grown = sum(st.size_diff for st in snap2.compare_to(snap1, "filename") if st.size_diff > 0)
    print(f"    tracemalloc: {grown:,} more bytes traced after the same 20,000 floats")
    print()
    _check("tracemalloc traced at least 24 bytes per float", grown >= 20_000 * 24)
    _check(
        "while tracemalloc traces, its hooks replace pymalloc: obmalloc_stats refuses",
        refused,
    )
    del kept_floats


#: Section number -> function, in guide order.
SECTIONS: dict[str, Callable[[], None]] = {
    "12.1": section_12_1,
    "12.2": section_12_2,
    "12.5": section_12_5,
}
