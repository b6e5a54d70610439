"""Guide §12.1: pymalloc — arenas, pools and size classes.

CPython does not call ``malloc`` for every small object. Requests of up to 512 bytes
(``SMALL_REQUEST_THRESHOLD``) go to *pymalloc*, its own allocator in ``Objects/obmalloc.c``:

* A request of ``n`` bytes is rounded up to a multiple of 16 (``ALIGNMENT``) and served from
  *size class* ``(n - 1) // 16``, whose blocks are ``(index + 1) * 16`` bytes: 32 classes of
  16, 32, …, 512 bytes.
* Blocks of one class are carved out of a *pool*: 16 KiB since 3.10 (4 KiB before). A pool
  starts with a 48-byte header; what is left after the last whole block is lost to
  *quantization*.
* Pools are carved out of *arenas*: 1 MiB since 3.10 (256 KiB before), obtained with
  ``mmap``. An arena that is not pool-aligned loses one pool's worth of bytes to alignment.
  Since 3.10 a radix tree, the *arena map*, tells whether an address belongs to an arena.
* Larger requests (and requests of 0 bytes) go straight to ``malloc``.

``sys._debugmallocstats()`` prints all of this to C ``stderr``; ``pyhood.obmalloc_stats()``
returns the same figures as data. The independent source of truth here is the text the
interpreter itself prints: a child process runs ``sys._debugmallocstats()`` with its stderr
captured, and this module parses that text with its own regular expressions
(:func:`read_report`), sharing no code with pyhood's parser.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap

import pyhood
import pytest
from conftest import FREE_THREADED, PY, configuration, pymalloc_reported

pytestmark = pytest.mark.skipif(FREE_THREADED, reason="free-threaded builds use mimalloc")

#: sizeof(struct pool_header) rounded up to ALIGNMENT (Objects/obmalloc.c, POOL_OVERHEAD):
#: union ref (8) + freeblock, nextpool, prevpool (3 * 8) + four unsigned ints (16) on 64 bits.
POOL_OVERHEAD = 48

#: The figures of the report that every version prints.
REQUIRED = (
    "arena_size",
    "pool_size",
    "alignment",
    "small_request_threshold",
    "num_size_classes",
    "arenas_allocated_total",
    "arenas_reclaimed",
    "arenas_highwater",
    "arenas_in_use",
    "bytes_in_allocated_blocks",
    "bytes_in_available_blocks",
    "unused_pools",
    "unused_pools_bytes",
    "pool_headers_bytes",
    "quantization_bytes",
    "arena_alignment_bytes",
    "total",
)


# --------------------------------------------------------------------------------------
# The independent reading of sys._debugmallocstats()


def _num(text: str) -> int:
    return int(text.replace(",", ""))


def _line(text: str, label: str) -> int | None:
    """The value of the line ``label = value`` (``label`` is a regex), or None."""
    found = re.findall(rf"^{label}\s*=\s*([\d,]+)$", text, flags=re.MULTILINE)
    assert len(found) <= 1, f"{label!r} printed {len(found)} times"
    return _num(found[0]) if found else None


def read_report(text: str) -> dict:
    """Everything ``_PyObject_DebugMallocStats`` printed, as a dict named like ``to_dict()``.

    Written from the printf formats in Objects/obmalloc.c (3.10–3.15), not from pyhood.
    """
    head = re.search(r"^Small block threshold = (\d+), in (\d+) size classes\.$", text, re.M)
    assert head, "no 'Small block threshold' line: pymalloc printed nothing"
    threshold, nclasses = int(head[1]), int(head[2])
    # "%5u %6u %11zu %15zu %13zu\n" rows, between the dashed rule and the first blank line.
    table = re.search(r"^-----   ----.*\n((?:.+\n)*?)\n", text, re.M)
    assert table, "no size-class table"
    rows = [
        dict(
            zip(
                ("index", "size", "pools", "blocks_in_use", "free_blocks"), map(int, r), strict=True
            )
        )
        for r in re.findall(r"^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$", table[1], re.M)
    ]
    assert len(rows) == table[1].count("\n")
    arenas = re.search(r"^(\d+) arenas \* (\d+) bytes/arena\s*=\s*([\d,]+)$", text, re.M)
    unused = re.search(r"^(\d+) unused pools \* (\d+) bytes\s*=\s*([\d,]+)$", text, re.M)
    assert arenas and unused
    main, _, arena_map = text.partition("\narena map counts\n")
    main_total = re.search(r"^# bytes lost to arena alignment.*\nTotal\s*=\s*([\d,]+)$", main, re.M)
    assert main_total
    map_total = re.search(r"^Total\s*=\s*([\d,]+)$", arena_map, re.M)
    return {
        "arena_size": int(arenas[2]),
        "pool_size": int(unused[2]),
        "alignment": threshold // nclasses,
        "small_request_threshold": threshold,
        "num_size_classes": nclasses,
        "arenas_allocated_total": _line(main, r"# arenas allocated total"),
        "arenas_reclaimed": _line(main, r"# arenas reclaimed"),
        "arenas_highwater": _line(main, r"# arenas highwater mark"),
        "arenas_in_use": _line(main, r"# arenas allocated current"),
        "bytes_in_allocated_blocks": _line(main, r"# bytes in allocated blocks"),
        "bytes_in_available_blocks": _line(main, r"# bytes in available blocks"),
        "unused_pools": int(unused[1]),
        "unused_pools_bytes": _num(unused[3]),
        "pool_headers_bytes": _line(main, r"# bytes lost to pool headers"),
        "quantization_bytes": _line(main, r"# bytes lost to quantization"),
        "arena_alignment_bytes": _line(main, r"# bytes lost to arena alignment"),
        "total": _num(main_total[1]),
        "malloc_calls": _line(main, r"# times object malloc called"),
        "arena_map_mid_nodes": _line(arena_map, r"# arena map mid nodes"),
        "arena_map_bot_nodes": _line(arena_map, r"# arena map bot nodes"),
        "arena_map_root_bytes": _line(arena_map, r"# bytes lost to arena map root"),
        "arena_map_mid_bytes": _line(arena_map, r"# bytes lost to arena map mid"),
        "arena_map_bot_bytes": _line(arena_map, r"# bytes lost to arena map bot"),
        "arena_map_bytes": _num(map_total[1]) if map_total else None,
        "size_classes": rows,
    }


#: The child takes the two readings one right after the other, inside a function whose only
#: names are its arguments, bound before: between the two calls it runs ``POP_TOP``,
#: ``LOAD_FAST``, ``PUSH_NULL`` and ``CALL``, and no name or attribute lookup.
#: ``sys._debugmallocstats()`` writes to the C stderr with fprintf, and pyhood's C call runs
#: before pyhood allocates its result, so nothing is allocated or freed in between.
#:
#: An attribute lookup there would be a chance failure. CPython's type attribute cache
#: (``update_cache`` in Objects/typeobject.c, 3.10–3.15: 4096 entries, indexed by the type's
#: version tag and the *address* of the name) owns a reference to the name of each entry; a
#: lookup that misses replaces an entry and drops the old name, which frees it if the cache
#: held its last reference. Written as ``sys._debugmallocstats(); pyhood.obmalloc_stats()``,
#: the first lookup of ``obmalloc_stats`` on the module type did that on 3.15.2 (a helper's
#: trace: it evicted a ``"dispatch_table"`` str only the cache kept alive and freed its
#: 64-byte block between the two reports; which entry is hit depends on addresses, so it
#: varied with ASLR).
#: The collector is off between the readings: since 3.13 an allocation before the first one
#: can *schedule* a collection that the eval loop then runs right after it returns, freeing
#: garbage blocks before the second.
SAME_STATE = """
import gc, json, sys
import pyhood


def readings(report=sys._debugmallocstats, capture=pyhood.obmalloc_stats):
    report()
    return capture()  # the two readings


gc.disable()
snap = readings()
print(json.dumps(snap.to_dict()))
"""


def run_child(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter like this one, under plain pymalloc unless ``env``
    names another ``PYTHONMALLOC`` (whatever configuration this process runs under, and
    without tracemalloc); capture stdout and the C stderr."""
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONTRACEMALLOC", "PYTHONDEVMODE")}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env={**base, "PYTHONMALLOC": "pymalloc", **env},
        timeout=60,
        check=False,
    )


def both_readings(prelude: str = "", **env: str) -> tuple[dict, dict]:
    """(pyhood's ``to_dict()``, this module's reading of ``sys._debugmallocstats()``), taken
    in one child process with nothing of the script's own in between. The interpreter may
    still allocate or free a block between two calls on its own (3.12 under the debug hooks
    did: one 80-byte block, once in a CI run), so up to five children are tried and the
    first exact agreement is returned: an exact match of every figure cannot happen by
    chance, a lasting difference still fails."""
    for _ in range(5):
        proc = run_child(prelude + SAME_STATE, **env)
        assert proc.returncode == 0, proc.stderr
        ours, theirs = json.loads(proc.stdout), read_report(proc.stderr)
        if ours == theirs:
            break
    return ours, theirs


# --------------------------------------------------------------------------------------
# Every figure agrees with the interpreter's own report


@pytest.mark.child_allocator
def test_every_figure_and_size_class_matches_debugmallocstats():
    """``obmalloc_stats()`` returns exactly what ``sys._debugmallocstats()`` prints at the
    same moment: every figure, and every size class row."""
    ours, theirs = both_readings()
    assert ours == theirs
    assert set(REQUIRED) <= ours.keys()
    assert all(ours[k] is not None for k in REQUIRED)


@pytest.mark.child_allocator
def test_agreement_holds_with_debug_hooks():
    """With the debug hooks on pymalloc (``PYTHONMALLOC=pymalloc_debug``, also what ``-X dev``
    installs), blocks carry padding, so the classes shift, but the report still matches."""
    ours, theirs = both_readings(PYTHONMALLOC="pymalloc_debug")
    assert ours == theirs


@pytest.mark.child_allocator
def test_debug_hooks_keep_the_report_while_tracemalloc_traces():
    """From 3.13, CPython looks through the debug hooks to the allocator they wrap even
    while tracemalloc's hooks wrap them in turn (``_PyMem_DebugEnabled()`` reads a flag,
    ``_PyRuntime.allocators.is_debug_enabled``, where 3.10–3.12 compared ``_PyObject.malloc``
    with the debug hooks' own function): under ``PYTHONMALLOC=pymalloc_debug`` with
    tracemalloc tracing the report is still printed, and ``obmalloc_stats()`` matches it.
    Before 3.13 neither answers."""
    start = "import tracemalloc\ntracemalloc.start()\n"
    if PY >= (3, 13):
        ours, theirs = both_readings(start, PYTHONMALLOC="pymalloc_debug")
        assert ours == theirs
        return
    code = start + (
        "import sys, pyhood\nsys._debugmallocstats()\n"
        "try:\n    pyhood.obmalloc_stats()\nexcept pyhood.AllocatorError:\n    print('refused')\n"
    )
    proc = run_child(code, PYTHONMALLOC="pymalloc_debug")
    assert proc.returncode == 0, proc.stderr
    assert "Small block threshold" not in proc.stderr
    assert proc.stdout.strip() == "refused"


@pytest.mark.child_allocator
def test_the_report_prints_arena_and_pool_sizes():
    """Since 3.10 an arena is 1 MiB and a pool 16 KiB: the report prints
    "N arenas * 1048576 bytes/arena" and "N unused pools * 16384 bytes"."""
    proc = run_child("import sys; sys._debugmallocstats()")
    assert re.search(r"^\d+ arenas \* 1048576 bytes/arena ", proc.stderr, re.M)
    assert re.search(r"^\d+ unused pools \* 16384 bytes ", proc.stderr, re.M)


@pytest.mark.usefixtures("needs_pymalloc_report")
def test_arena_and_pool_sizes():
    """``obmalloc_stats()`` gives the same sizes: an arena of 1 MiB, a whole number of
    16 KiB pools."""
    stats = pyhood.obmalloc_stats()
    assert (stats.arena_size, stats.pool_size) == (1 << 20, 16 << 10)
    assert stats.arena_size % stats.pool_size == 0


@pytest.mark.usefixtures("needs_pymalloc_report")
def test_size_classes_are_16_bytes_apart_up_to_512():
    """32 size classes, 16 bytes apart: class ``i`` holds blocks of ``(i + 1) * 16`` bytes,
    and the largest is ``SMALL_REQUEST_THRESHOLD`` = 512."""
    stats = pyhood.obmalloc_stats()
    assert (stats.alignment, stats.small_request_threshold, stats.num_size_classes) == (16, 512, 32)
    assert stats.size_classes, "the running interpreter has pools in use"
    for c in stats.size_classes:
        assert c.size == (c.index + 1) * 16
        assert 0 <= c.index < 32
    assert [c.index for c in stats.size_classes] == sorted({c.index for c in stats.size_classes})


# --------------------------------------------------------------------------------------
# Where the bytes go


@pytest.mark.usefixtures("needs_pymalloc_report")
def test_allocated_bytes_are_blocks_in_use_times_size():
    """Bytes in allocated blocks are ``sum(blocks_in_use * size)`` over the size classes, and
    bytes in available blocks ``sum(free_blocks * size)``."""
    stats = pyhood.obmalloc_stats()
    classes = stats.size_classes
    assert stats.bytes_in_allocated_blocks == sum(c.blocks_in_use * c.size for c in classes)
    assert stats.bytes_in_available_blocks == sum(c.free_blocks * c.size for c in classes)
    assert stats.blocks_in_use == sum(c.blocks_in_use for c in classes)
    assert stats.pools_in_use == sum(c.pools for c in classes)


@pytest.mark.usefixtures("needs_pymalloc_report")
def test_a_pool_is_a_header_and_whole_blocks():
    """A pool of class ``size`` is a 48-byte header and ``(16384 - 48) // size`` blocks; the
    rest, ``(16384 - 48) % size``, is lost to quantization."""
    stats = pyhood.obmalloc_stats()
    usable = stats.pool_size - POOL_OVERHEAD
    for c in stats.size_classes:
        assert c.blocks_in_use + c.free_blocks == c.pools * (usable // c.size), c
    assert stats.pool_headers_bytes == stats.pools_in_use * POOL_OVERHEAD
    assert stats.quantization_bytes == sum(c.pools * (usable % c.size) for c in stats.size_classes)


@pytest.mark.usefixtures("needs_pymalloc_report")
def test_the_arenas_add_up():
    """Every byte of every arena is accounted for: allocated + available + unused pools +
    pool headers + quantization + arena alignment = arenas in use * 1 MiB."""
    stats = pyhood.obmalloc_stats()
    parts = (
        stats.bytes_in_allocated_blocks,
        stats.bytes_in_available_blocks,
        stats.unused_pools_bytes,
        stats.pool_headers_bytes,
        stats.quantization_bytes,
        stats.arena_alignment_bytes,
    )
    assert sum(parts) == stats.total == stats.arenas_in_use * stats.arena_size
    assert stats.unused_pools_bytes == stats.unused_pools * stats.pool_size
    # An arena that mmap did not align to a pool boundary loses exactly one pool.
    assert stats.arena_alignment_bytes % stats.pool_size == 0
    assert stats.arena_alignment_bytes <= stats.arenas_in_use * stats.pool_size
    assert stats.arenas_in_use <= stats.arenas_highwater <= stats.arenas_allocated_total
    assert stats.arenas_reclaimed == stats.arenas_allocated_total - stats.arenas_in_use


@pytest.mark.usefixtures("needs_pymalloc_report")
def test_the_arena_map_is_a_radix_tree():
    """Since 3.10 (64-bit), the arena map is a three-level radix tree: its root, and one
    middle and one bottom node per populated region of the address space."""
    stats = pyhood.obmalloc_stats()
    assert stats.arena_map_mid_nodes is not None and stats.arena_map_mid_nodes >= 1
    assert stats.arena_map_bot_nodes is not None and stats.arena_map_bot_nodes >= 1
    parts = (stats.arena_map_root_bytes, stats.arena_map_mid_bytes, stats.arena_map_bot_bytes)
    assert None not in parts
    assert sum(parts) == stats.arena_map_bytes


# --------------------------------------------------------------------------------------
# Watching allocations happen


@pytest.mark.child_allocator
def test_allocating_10_000_objects_fills_their_size_class():
    """10 000 new ``bytes`` objects of 20 bytes need ``sys.getsizeof(b) = 53`` bytes each,
    served from class ``(53 - 1) // 16 = 3`` (64-byte blocks): that class gains at least
    10 000 blocks in use, and gives them back when the objects are freed. (In a fresh child,
    with the collector off, so that no other 64-byte block is freed while we count.)"""
    proc = run_child(
        """
        import gc, json, sys
        import pyhood
        gc.disable()
        index = (sys.getsizeof(bytes(20)) - 1) // 16  # bytes objects have no GC header

        def in_use(stats):
            return sum(c.blocks_in_use for c in stats.size_classes if c.index == index)

        before = pyhood.obmalloc_stats()
        objects = [bytes(20) for _ in range(10_000)]  # bytes(20) is a new object each time
        during = pyhood.obmalloc_stats()
        del objects
        after = pyhood.obmalloc_stats()
        print(json.dumps([index, in_use(before), in_use(during), in_use(after)]))
        """
    )
    assert proc.returncode == 0, proc.stderr
    index, before, during, after = json.loads(proc.stdout)
    assert index == 3
    assert during - before >= 10_000
    assert during - after >= 10_000


@pytest.mark.child_allocator
def test_getallocatedblocks_also_counts_blocks_pymalloc_hands_to_malloc():
    """``sys.getallocatedblocks()`` is pymalloc's blocks in use *plus* the blocks it passed
    on to ``malloc`` (requests over 512 bytes): so it exceeds ``sum(blocks_in_use)``, and
    300 objects of 1000 bytes raise the difference by exactly 300 (3.10–3.15)."""
    proc = run_child(
        """
        import gc, json, sys
        import pyhood
        gc.disable()  # no collection may free blocks between the two readings
        big = [None] * 300
        n1 = n2 = s1 = s2 = tmp = i = None  # bind every name first: no dict resize in between
        # A first call may do one-time work (imports, caches) that frees a large block
        # between a count and its reading; do it before the readings (seen once on 3.10).
        pyhood.obmalloc_stats()
        # Between each count and the next reading exactly one block appears: the int that
        # getallocatedblocks returns. Since 3.14 it comes from the int free list when that is
        # not empty, so make sure it is not, both times (before 3.14 this frees one block,
        # before the count).
        tmp = int("1000001"); tmp = None
        n1 = sys.getallocatedblocks(); s1 = pyhood.obmalloc_stats()
        for i in range(300):
            big[i] = bytes(1000)  # 1033 bytes: above the 512-byte threshold
        tmp = int("1000001"); tmp = None
        n2 = sys.getallocatedblocks(); s2 = pyhood.obmalloc_stats()
        print(json.dumps([n1 - s1.blocks_in_use, n2 - s2.blocks_in_use]))
        """
    )
    assert proc.returncode == 0, proc.stderr
    first, second = json.loads(proc.stdout)
    assert first > 0
    assert second - first == 300


# --------------------------------------------------------------------------------------
# When pymalloc is not the allocator


@pytest.mark.child_allocator
def test_without_pymalloc_obmalloc_stats_raises():
    """Under ``PYTHONMALLOC=malloc`` pymalloc is off: ``sys._debugmallocstats()`` prints no
    pymalloc section and ``obmalloc_stats()`` raises ``pyhood.AllocatorError``."""
    proc = run_child(
        """
        import sys
        import pyhood
        sys._debugmallocstats()
        try:
            pyhood.obmalloc_stats()
        except pyhood.AllocatorError as exc:
            assert isinstance(exc, pyhood.PyhoodError)
            print("raised:", exc)
        """,
        PYTHONMALLOC="malloc",
    )
    assert proc.returncode == 0, proc.stderr
    assert "Small block threshold" not in proc.stderr
    assert proc.stdout.startswith("raised: pymalloc is not the active object allocator")
    assert "PYTHONMALLOC=malloc" in proc.stdout


@pytest.mark.skipif(PY < (3, 13), reason="mimalloc is built in since 3.13")
@pytest.mark.child_allocator
def test_under_mimalloc_obmalloc_stats_raises():
    """Since 3.13 ``PYTHONMALLOC=mimalloc`` selects mimalloc, whose report (same C function)
    has a "Medium block threshold" line and no pools: ``obmalloc_stats()`` raises
    ``AllocatorError`` rather than misread it."""
    proc = run_child(
        """
        import sys
        import pyhood
        sys._debugmallocstats()
        try:
            pyhood.obmalloc_stats()
        except pyhood.AllocatorError as exc:
            print("raised:", exc)
        """,
        PYTHONMALLOC="mimalloc",
    )
    if "invalid PYTHONMALLOC" in proc.stderr:
        pytest.skip("this interpreter was built without mimalloc")
    assert proc.returncode == 0, proc.stderr
    assert "Medium block threshold" in proc.stderr
    assert proc.stdout.startswith("raised: pymalloc is not the active object allocator")
    assert "mimalloc" in proc.stdout


def test_without_a_report_here_obmalloc_stats_raises():
    """In this process too: when pymalloc is off, or tracemalloc's hooks wrap it (without
    the debug hooks, or before 3.13), CPython reports no pymalloc statistics, and
    ``obmalloc_stats()`` raises ``AllocatorError`` instead of returning figures it could not
    read."""
    if pymalloc_reported():
        pytest.skip(f"{configuration()}: pymalloc reports here (the tests above)")
    with pytest.raises(pyhood.AllocatorError, match="pymalloc is not the active object allocator"):
        pyhood.obmalloc_stats()


# --------------------------------------------------------------------------------------
# The snapshot and the parser


@pytest.mark.usefixtures("needs_pymalloc_report")
def test_the_snapshot_is_frozen_and_json_ready():
    """An ``ObmallocStats`` cannot be changed; ``to_dict()`` round-trips through JSON, and
    ``str()`` is a table with one row per size class."""
    stats = pyhood.obmalloc_stats()
    with pytest.raises(AttributeError):
        stats.total = 0  # type: ignore[misc]
    with pytest.raises(AttributeError):
        stats.size_classes[0].pools = 0  # type: ignore[misc]
    d = stats.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["size_classes"] == [c.to_dict() for c in stats.size_classes]
    text = str(stats)
    for c in stats.size_classes:
        assert re.search(rf"^\s+{c.index}\s+{c.size}\s+{c.pools}\s", text, re.M), c
    assert f"{stats.total:,}" in text
    assert repr(stats).startswith("<ObmallocStats: ")
    assert repr(stats.size_classes[0]).startswith("SizeClass(index=")


@pytest.fixture(scope="module")
def report() -> str:
    """A real report of this interpreter, as ``sys._debugmallocstats()`` prints it."""
    proc = run_child("import sys; sys._debugmallocstats()")
    assert "Small block threshold" in proc.stderr
    return proc.stderr


def test_the_parser_reads_a_whole_report(report: str):
    """pyhood's parser reads another process's report to the same values as this module's."""
    parsed = pyhood._pyhood._obmalloc_stats_from_text(report)
    assert parsed.to_dict() == read_report(report)


@pytest.mark.parametrize(
    "label",
    [
        "# arenas allocated total",
        "# arenas reclaimed",
        "# arenas highwater mark",
        "# arenas allocated current",
        "# bytes in allocated blocks",
        "# bytes in available blocks",
        "# bytes lost to pool headers",
        "# bytes lost to quantization",
        "# bytes lost to arena alignment",
        "bytes/arena",
        "unused pools",
    ],
)
def test_a_missing_line_is_an_error_not_a_wrong_number(report: str, label: str):
    """A report without one of its lines raises ``LayoutError`` naming the line."""
    damaged = "\n".join(line for line in report.splitlines() if label not in line)
    with pytest.raises(pyhood.LayoutError, match="expected shape") as caught:
        pyhood._pyhood._obmalloc_stats_from_text(damaged)
    assert label in str(caught.value)


def test_a_misread_number_is_caught(report: str):
    """Changing one cell of the size-class table breaks the sums the C code printed, so the
    parser refuses the report instead of returning numbers that do not add up."""
    lines = report.splitlines()
    i = next(
        i for i, line in enumerate(lines) if re.match(r"^\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+$", line)
    )
    cells = lines[i].split()
    cells[3] = str(int(cells[3]) + 1)
    lines[i] = "  ".join(cells)
    with pytest.raises(pyhood.LayoutError, match="blocks in use"):
        pyhood._pyhood._obmalloc_stats_from_text("\n".join(lines))
