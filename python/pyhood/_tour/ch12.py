"""The tour of the guide's chapter 12 (allocator internals and GC tuning) on live objects:
pymalloc's arenas, pools and blocks, free lists, string interning, the collector's
generations and thresholds, long-running processes and gc callbacks.

Same conventions as :mod:`pyhood._tour.ch10`: explanations, pyhood's readings, and ``[ok]`` /
``[MISMATCH]`` checks against something pyhood does not compute (``sys._debugmallocstats()``,
ctypes reads at header offsets, ``sys.intern`` identity, ``sys._is_interned``,
``sys.getunicodeinternedsize()``, the ``gc`` module).
"""

from __future__ import annotations

import ctypes
import gc
import itertools
import os
import re
import sys
import tempfile
import textwrap

import pyhood

from .narrate import WIDTH, check, grid, heading, say, sub

__all__ = [
    "printed",
    "report_and_stats",
    "section_12_1",
    "section_12_2",
    "section_12_3",
    "section_12_4",
    "section_12_5",
    "section_12_6",
]


# --- §12.1 ----------------------------------------------------------------------------------

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
        say(f"pyhood.obmalloc_stats() raised AllocatorError: {exc}.")
        return

    say(
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
    check(
        "the report's 'N arenas * S bytes/arena' and 'N unused pools * S bytes' lines say so",
        f"{stats.arenas_in_use} arenas * {stats.arena_size} bytes/arena" in text
        and f"{stats.unused_pools} unused pools * {stats.pool_size} bytes" in text,
    )
    check(
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
    check(
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
    check(
        "every row is the one sys._debugmallocstats() printed",
        _rows(text)
        == [(c.index, c.size, c.pools, c.blocks_in_use, c.free_blocks) for c in stats.size_classes],
    )
    check(
        "class i holds blocks of (i + 1) * 16 bytes",
        all(c.size == (c.index + 1) * 16 for c in stats.size_classes),
    )
    check(
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
    check(
        "allocated bytes = sum(blocks in use * size), as printed",
        stats.bytes_in_allocated_blocks
        == sum(c.blocks_in_use * c.size for c in stats.size_classes)
        == printed(text, "# bytes in allocated blocks"),
    )
    check(
        "the six parts add up to arenas in use * arena size",
        sum(v for _, v in parts) == stats.total == stats.arenas_in_use * stats.arena_size,
    )
    print()

    print("--- which class serves an object ---")
    print()
    say(
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
    check("the class gained at least 10,000 blocks", during - before >= 10_000)
    check("and gave at least 10,000 back", during - after >= 10_000)
    print()


def _blocks_section() -> None:
    sub("where one object lives: block_info and footprint")
    say(
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
    grid(("object", "getsizeof", "domain", "block size"), rows)
    check(
        "small objects get getsizeof rounded up to 16; 100 KB goes to malloc; None is static",
        [r[2] for r in rows] == ["pymalloc", "pymalloc", "malloc", "static"]
        and all(r[3] == (r[1] + 15) // 16 * 16 for r in rows[:2]),
    )
    xs = list(range(100))
    fp = pyhood.footprint(xs)
    print("    " + str(fp).replace("\n", "\n    "))
    print()
    check("a list's object and item array add up to sys.getsizeof", fp.requested == fp.getsizeof)


def section_12_1() -> None:
    """§12.1: pymalloc's arenas, pools and size classes, and where one object lives."""
    heading("12.1", "pymalloc: arenas, pools and size classes")
    _obmalloc_section()
    _blocks_section()


# --- §12.2 ----------------------------------------------------------------------------------


def _freelists_section() -> None:
    heading("12.2", "Small object optimizations: free lists")
    say(
        """When a float, a small tuple, a list or a dict dies, CPython does not always give
        its memory back to the allocator: up to a limit per type it keeps the dead object on
        a free list and hands it to the next object of that type. pyhood reads each list's
        length and proves it by walking the list before reporting it."""
    )
    lists = pyhood.freelists()
    shown = ["float", "tuple[1]", "tuple[2]", "tuple[3]", "list", "dict", "dict_keys"]
    if "int" in lists:
        shown.insert(1, "int")
    grid(("free list", "limit"), [(n, lists[n].limit) for n in shown])
    sub("floats: freed, kept, and reused")
    floats = [float(i) + 0.5 for i in range(30)]
    before = pyhood.freelists()["float"].count
    del floats
    after = pyhood.freelists()["float"].count
    print(f"    float free list before / after freeing 30 floats: grew by {after - before}")
    print()
    check("freeing 30 floats puts 30 on the float free list", after - before == 30)
    pair = [float("1.25"), float("2.5")]
    last = id(pair[-1])
    del pair[-1]
    reborn = float("2.75")
    check("the next float takes the block freed last (the list is LIFO)", id(reborn) == last)
    print()
    sub("lists")
    boxes = [[] for _ in range(10)]
    start = pyhood.freelists()["list"].count
    room = pyhood.freelists()["list"].limit - start
    del boxes
    grown = pyhood.freelists()["list"].count - start
    print(f"    list free list grew by {grown} after 10 empty lists and their container died")
    print()
    check("11 list objects went onto the list free list", grown == min(11, room))
    sub("tuples, one list per length")
    triples = [tuple([i, i, i]) for i in range(5)]
    start = pyhood.freelists()["tuple[3]"].count
    del triples
    grown = pyhood.freelists()["tuple[3]"].count - start
    print(f"    the free list of 3-tuples grew by {grown} after five 3-tuples died")
    print()
    check("five 3-tuples went onto the tuple[3] free list", grown == 5)
    print()
    say(
        f"""Every list reports a count no larger than its limit; on CPython
        {sys.version_info[0]}.{sys.version_info[1]} the tuple lists are kept per length, up
        to length 20."""
    )
    check(
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


# --- §12.3 ----------------------------------------------------------------------------------

#: PyASCIIObject.state is at offset 32 (Include/cpython/unicodeobject.h, every version);
#: ``interned`` is its two low bits on default builds.
STATE_AT = 32
NAMES = {0: "not_interned", 1: "mortal", 2: "immortal", 3: "static"}


def _ctypes_state(s: str) -> str:
    """``state.interned`` read with ctypes, independent of pyhood."""
    return NAMES[ctypes.c_uint32.from_address(id(s) + STATE_AT).value & 3]


#: Numbers the strings §12.3 builds, so that each call builds values no earlier call interned.
_FRESH = itertools.count(1)


def _built(*parts: str) -> str:
    """A string made at run time: a new object the compiler never saw."""
    return "".join(parts)


def section_12_3() -> None:
    """§12.3: which strings are interned, sys.intern, and how many there are."""
    heading("12.3", "String interning")
    say(
        """Interning keeps one object per string value in a table, so that names (attribute,
        global and keyword names, dict keys used as identifiers) compare by pointer. The
        `interned` bits of a str's state word say whether it is in that table: 0 not
        interned, 1 mortal (freed when no longer used), 2 immortal, 3 static (3.12+:
        statically allocated by CPython itself)."""
    )
    fresh = _built("pyhood", "-", "example", "-", str(next(_FRESH)))
    code = compile("spam.eggs", "<example>", "eval")
    samples = [
        ("a string built at run time", fresh),
        ("a name used by compiled code", code.co_names[1]),
        ('"__name__"', "__name__"),
        ('one character "x"', "x"),
    ]
    print(f"  {'string':<32} {'intern_state':<14} {'ctypes bits':<14} sys._is_interned")
    agree = True
    for label, s in samples:
        ours, theirs = pyhood.intern_state(s), _ctypes_state(s)
        agree &= ours == theirs
        is_interned = sys._is_interned(s) if hasattr(sys, "_is_interned") else "-"
        print(f"  {label:<32} {ours:<14} {theirs:<14} {is_interned}")
    print()
    check("pyhood reads the same state bits as ctypes for every string", agree)
    if hasattr(sys, "_is_interned"):
        check(
            "interned exactly when sys._is_interned says so",
            all(
                (pyhood.intern_state(s) != "not_interned") == sys._is_interned(s)
                for _, s in samples
            ),
        )
    check(
        "compiled code interns its names", pyhood.intern_state(code.co_names[1]) != "not_interned"
    )
    print()

    say(
        """sys.intern(s) puts the first object of a value into the table and returns it for
        every equal string from then on; a copy made later is a different object until it is
        interned, and interning it returns the first one."""
    )
    first = sys.intern(fresh)
    copy = _built(fresh[:4], fresh[4:])
    state, copy_state = pyhood.intern_state(fresh), pyhood.intern_state(copy)
    print(f"  sys.intern(s) is s     : {first is fresh}           s is {state}")
    print(f"  copy == s, copy is s   : {copy == fresh}, {copy is fresh}    copy is {copy_state}")
    print(f"  sys.intern(copy) is s  : {sys.intern(copy) is fresh}")
    print()
    check("sys.intern keeps the first object", first is fresh)
    check("an equal copy is not interned", pyhood.intern_state(copy) == "not_interned")
    check("interning the copy returns the first object", sys.intern(copy) is fresh)
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    expected = "immortal" if version == "3.12" else "mortal"
    check(f"sys.intern makes a string interned as {expected} on {version}", state == expected)
    print()

    say(
        """How many strings are interned? 3.12 moved the table into the interpreter state
        (interp->cached_objects.interned_strings, a dict) and keeps CPython's own static
        strings in a runtime-wide hash table; pyhood finds both, checks them, and adds them
        up."""
    )
    try:
        count = pyhood.interned_count()
    except pyhood.UnreachableStateError as exc:
        print(
            textwrap.fill(
                f"pyhood.interned_count() -> UnreachableStateError: {exc}",
                width=WIDTH,
                initial_indent="  ",
                subsequent_indent="    ",
            )
        )
        print()
        check(
            "3.10/3.11: the count is refused, not guessed",
            not hasattr(sys, "getunicodeinternedsize"),
        )
        return
    count, size, after, size_after = _count_one_more()
    print(f"  pyhood.interned_count()        = {count}")
    print(f"  sys.getunicodeinternedsize()   = {size}")
    print(f"  after interning one new string = {after}")
    print()
    check("interned_count() equals sys.getunicodeinternedsize()", count == size)
    check("interning a new string adds one", after == count + 1 and size_after == size + 1)


def _count_one_more() -> tuple[int, int, int, int]:
    """``(pyhood before, sys before, pyhood after, sys after)`` around interning one new
    string. A mortal interned string (3.13+) leaves the table when its last reference goes,
    so the collector is held off, and an attempt during which some other string died
    anyway (both counts then move by the same other amount) is repeated, up to five."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(5):
            count, size = pyhood.interned_count(), sys.getunicodeinternedsize()
            extra = sys.intern(_built("pyhood", "-", "one-more", "-", str(next(_FRESH))))
            after, size_after = pyhood.interned_count(), sys.getunicodeinternedsize()
            del extra
            if after == count + 1 and size_after == size + 1:
                break
        return count, size, after, size_after
    finally:
        if was_enabled:
            gc.enable()


# --- §12.4 ----------------------------------------------------------------------------------


def _show_generations(g: pyhood.GCGenerations) -> None:
    """The table ``str(g)`` prints, without its first line."""
    for line in str(g).splitlines()[1:]:
        print("  " + line)
    print()


def section_12_4() -> None:
    """§12.4: the collector's generations, thresholds, counts and lists."""
    heading("12.4", "Generations and thresholds")
    say(
        """CPython's cycle collector keeps every tracked container on one of three lists, the
        generations. A new container joins generation 0 and increments its count; when the
        count passes the threshold, generation 0 is collected and its survivors move to
        generation 1, whose count (of collections of generation 0) then grows by one, and so
        on up to generation 2. pyhood finds the state in PyInterpreterState.gc, checks it
        against the gc module, and walks each list."""
    )
    was_enabled, saved_thresholds = gc.isenabled(), gc.get_threshold()
    gc.disable()
    try:
        g = pyhood.gc_generations()
        print(f"  found: {g.located_by}")
        print()
        _show_generations(g)
        check(
            "thresholds are gc.get_threshold()", tuple(x.threshold for x in g) == saved_thresholds
        )
        listed, walked = [], []
        for i in range(3):
            objects = gc.get_objects(generation=i)
            g = pyhood.gc_generations()
            # The list get_objects returns is itself a new container in generation 0, and
            # get_objects leaves it out of its own result.
            listed.append(len(objects) + (1 if i == 0 else 0))
            walked.append(g[i].objects)
            del objects, g
        check("objects on each list == len(gc.get_objects(generation=i))", walked == listed)
        print()

        say(
            """Allocating 1 000 lists (kept alive) adds 1 000 objects to generation 0's list and
            about 1 000 to its count: lists reused from list's free list (up to 80) were never
            freed as far as the count is concerned. With automatic collection off, nothing
            moves them on."""
        )
        before = pyhood.gc_generations()
        keep = [[] for _ in range(1000)]
        after = pyhood.gc_generations()
        print(f"  generation 0: {before[0].objects} -> {after[0].objects} objects")
        print(f"  generation 0 count: {before[0].count} -> {after[0].count}")
        print()
        # Besides the lists, the outer list and the result objects of `before` are new too.
        check(
            "generation 0's list gained the 1 000 lists",
            after[0].objects - before[0].objects >= 1000,
        )
        grew = after[0].count - before[0].count
        check("its count grew by 1 000, less at most 80 reused lists", 920 <= grew <= 1010)
        print()
        del before, after

        say(
            """gc.collect() collects generation 2, which includes the younger ones: every survivor
            ends up on generation 2's list and the counts start again from zero."""
        )
        gc.collect()
        g = pyhood.gc_generations()
        _show_generations(g)
        check(
            "generations 0 and 1 are empty after a full collection",
            (g[0].objects, g[1].objects) == (0, 0),
        )
        check(
            "generation 2 holds what gc.get_objects(generation=2) lists",
            g[2].objects == len(gc.get_objects(generation=2)),
        )
        print()
        del g

        say(
            """gc.freeze() moves every tracked object to the permanent generation, which the
            collector never examines (fork-heavy servers use it to keep pages shared)."""
        )
        gc.freeze()
        try:
            g = pyhood.gc_generations()
            frozen = gc.get_freeze_count()
            _show_generations(g)
            check("permanent == gc.get_freeze_count()", g.permanent.objects == frozen)
            print()
            del g
        finally:
            gc.unfreeze()

        say("""gc.set_threshold(500, 5, 5) makes collections of every generation more frequent.""")
        gc.set_threshold(500, 5, 5)
        g = pyhood.gc_generations()
        print(f"  thresholds now: {[x.threshold for x in g]}")
        print()
        check("pyhood reads the new thresholds", [x.threshold for x in g] == [500, 5, 5])
        del keep
    finally:
        gc.set_threshold(*saved_thresholds)
        (gc.enable if was_enabled else gc.disable)()


# --- §12.5 ----------------------------------------------------------------------------------


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
    """§12.5: watch a stretch of work: collections, allocator blocks, traced lines; then
    hunt a leak with a census diff and a referrer chain."""
    import tracemalloc

    heading("12.5", "Optimizing long-running processes")
    say(
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
    grid(("gen-0 threshold", "gen 0", "gen 1", "gen 2", "= gc.get_stats()"), rows)
    check("gc_watch saw the collections gc.get_stats() counted", all(r[-1] for r in rows))
    check("a 10x higher threshold ran fewer collections", sum(rows[1][1:4]) < sum(rows[0][1:4]))
    print()
    gc.collect()
    first = pyhood.obmalloc_stats().blocks_in_use
    kept_floats = [float(i) + 0.5 for i in range(20_000)]
    second = pyhood.obmalloc_stats().blocks_in_use
    print(f"    pymalloc blocks in use grew by {second - first:,} with 20,000 floats alive")
    print()
    check("at least one block per live float", second - first >= 20_000 - 100)
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
    check("tracemalloc traced at least 24 bytes per float", grown >= 20_000 * 24)
    check(
        "while tracemalloc traces, its hooks replace pymalloc: obmalloc_stats refuses",
        refused,
    )
    del kept_floats
    _leak_hunt()


class _Session:
    """A request's state, which a cache forgets to drop."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.payload = [float(n)] * 8


#: The leaky cache of the leak hunt: every request adds a session, none is removed.
_SESSIONS: dict[str, _Session] = {}


def _leak_hunt() -> None:
    """§12.5's leak hunt: a census before and after a stretch of requests, the diff's top
    row, one of the new objects, and what keeps it alive."""
    import weakref

    sub("a leak hunt: census, diff, referrers")
    gc.collect()
    before = pyhood.census()
    for n in range(2_000):
        _SESSIONS[f"req-{n}"] = _Session(n)
    gc.collect()
    after = pyhood.census()
    diff = before.diff(after)
    key = f"{__name__}._Session"
    grew = [r for r in diff.grew if r.count > 0][:5]
    grid(
        ("type", "objects", "bytes"),
        [(r.type, f"{r.count:+,}", f"{r.allocated:+,}") for r in grew],
    )
    print()
    row = next((r for r in diff.rows if r.type == key), None)
    alive = sum(1 for s in _SESSIONS.values() if weakref.ref(s)() is not None)
    check(
        f"the diff counts the {alive:,} new sessions, exactly",
        row is not None and row.count == alive,
    )
    example = diff.examples(key, 1)
    chain = pyhood.referrers(example[0]) if example else None
    if chain is not None:
        print(f"    {chain}")
        print()
    check(
        "what keeps one alive: this module's _SESSIONS dict",
        chain is not None and chain.rooted and id(_SESSIONS) in [x.address for x in chain.links],
    )
    _SESSIONS.clear()
    del example, chain


# --- §12.6 ----------------------------------------------------------------------------------


class _Node:
    """An object that can point at another one."""

    other: _Node | None = None


def _make_cycles(pairs: int) -> int:
    """``pairs`` pairs of nodes pointing at each other, unreachable once this returns."""
    for _ in range(pairs):
        a, b = _Node(), _Node()
        a.other, b.other = b, a
    return 2 * pairs


def section_12_6() -> None:
    """§12.6: gc.callbacks and pyhood.gc_watch()."""
    heading("12.6", "Watching the collector")
    say(
        """gc.callbacks is a list of functions CPython calls before ("start") and after ("stop")
        every collection, with the generation collected and, at "stop", how many unreachable
        objects were freed (collected) or left in gc.garbage (uncollectable).
        pyhood.gc_watch() is a context manager that adds one such function for the duration
        of a block and turns the pairs of calls into timed events."""
    )
    was_enabled, saved = gc.isenabled(), gc.get_threshold()
    callbacks_before = list(gc.callbacks)
    try:
        gc.disable()
        gc.collect()
        say("""Three explicit collections, of generations 0, 1 and 2:""")
        with pyhood.gc_watch() as watch:
            returned = [gc.collect(0), gc.collect(1), gc.collect(2)]
        for event in watch.events:
            print(f"  {event}")
        print()
        check(
            "one event per gc.collect(i), with generation i",
            [e.generation for e in watch.events] == [0, 1, 2],
        )
        check(
            "collected + uncollectable == what gc.collect returned",
            [e.collected + e.uncollectable for e in watch.events] == returned,
        )
        print()

        say("""1 000 pairs of objects that refer to each other, then unreachable: reference counts
            alone never free them; a collection does.""")
        with pyhood.gc_watch() as watch:
            made = _make_cycles(1000)
            returned = gc.collect()
        for event in watch.events:
            print(f"  {event}")
        print()
        check(
            "the collection freed at least the 2 000 objects in cycles",
            len(watch.events) == 1 and watch.events[0].collected >= made,
        )
        check(
            "and reported what gc.collect returned",
            watch.events[0].collected + watch.events[0].uncollectable == returned,
        )
        print()

        say("""With automatic collection on and gc.set_threshold(100, 1000, 1000), allocating
            10 000 containers starts generation-0 collections by itself, every 100 net
            allocations; nothing calls gc.collect.""")
        gc.set_threshold(100, 1000, 1000)
        gc.enable()
        with pyhood.gc_watch() as watch:
            keep = [[] for _ in range(10_000)]
            for _ in range(10):
                pass
        gc.disable()
        print(textwrap.indent(str(watch), "  "))
        print()
        generations = {e.generation for e in watch.events}
        check(
            "the threshold alone triggered generation-0 collections",
            sum(e.generation == 0 for e in watch.events) >= 50,
        )
        check("only generation 0 reached its threshold", generations == {0})
        del keep
    finally:
        gc.set_threshold(*saved)
        (gc.enable if was_enabled else gc.disable)()
    check("every watch removed its callback from gc.callbacks", gc.callbacks == callbacks_before)
