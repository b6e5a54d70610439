"""Guide §12.1 — where each object lives: pymalloc pools, malloc chunks, static memory.

Requests of at most 512 bytes are served by pymalloc from 16-byte size classes; larger ones
go to the C library's malloc; a few objects (None, built-in types, some strings) are part
of the interpreter image itself. ``block_info`` says which, and ``footprint`` adds up every
allocation an object owns.
"""

from __future__ import annotations

import ctypes
import subprocess
import sys
import textwrap

import pyhood
import pytest
from conftest import (
    ALLOCATOR,
    DEBUG_HEAD,
    DEBUG_HOOKS,
    DEBUG_PAD,
    GC_HEAD_SIZE,
    PY,
    PYMALLOC,
    TPFLAGS_HAVE_GC,
    allocator_block,
    configuration,
    pool_block_size,
    skip_unless_pymalloc,
    word,
)

libc = ctypes.CDLL(None)
libc.malloc_usable_size.argtypes = [ctypes.c_void_p]
libc.malloc_usable_size.restype = ctypes.c_size_t


def mapping_of(address: int) -> str:
    """The /proc/self/maps line whose range holds ``address`` (independent of pyhood)."""
    with open("/proc/self/maps") as maps:
        for line in maps:
            lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
            if lo <= address < hi:
                return line.strip()
    return ""


def _cpython_allocator_name() -> str | None:
    """``_PyMem_GetCurrentAllocatorName()`` through ctypes: CPython's own name for its
    allocators, NULL when hooks it does not know wrap them (tracemalloc's)."""
    func = ctypes.pythonapi._PyMem_GetCurrentAllocatorName
    func.argtypes, func.restype = [], ctypes.c_char_p
    name = func()
    return None if name is None else name.decode()


def test_the_configuration_is_the_one_cpython_names():
    """The allocator the tests assume (conftest's reading of ``PYTHONMALLOC`` and ``-X dev``)
    is the one CPython itself names; tracemalloc's hooks leave it unnamed."""
    import tracemalloc

    assert _cpython_allocator_name() == (None if tracemalloc.is_tracing() else ALLOCATOR)


SMALL = [lambda: float("1.5"), lambda: int("12345"), lambda: (1, "x"), lambda: {1, 2}]


@pytest.mark.parametrize("make", SMALL)
def test_small_objects_get_a_pymalloc_block_rounded_to_16(make):
    """An object of at most 512 bytes lives in a pymalloc block: sys.getsizeof rounded up
    to the 16-byte size class (float 24 → 32, int 28 → 32, a 2-tuple 56 → 64), as its
    pool header states. Under the debug hooks (``PYTHONMALLOC=pymalloc_debug``) the block
    also holds their 24 bytes (float 48 → 48), 16 of them before the object."""
    skip_unless_pymalloc("small objects come from malloc (the test after this one)")
    obj = make()
    info = pyhood.block_info(obj)
    assert info.domain == "pymalloc"
    assert info.debug_hooks == DEBUG_HOOKS
    assert info.requested == sys.getsizeof(obj)
    assert info.block_size == (sys.getsizeof(obj) + DEBUG_PAD + 15) // 16 * 16
    assert info.block_size == pool_block_size(info.block_address - DEBUG_HEAD)
    assert info.size_class == info.block_size // 16 - 1
    assert info.pool_address <= info.block_address < info.pool_address + 16384
    assert 1 <= info.pool_blocks_in_use <= info.pool_capacity
    # The block starts at the GC head for GC objects (Py_TPFLAGS_HAVE_GC, Include/object.h).
    gc_head = GC_HEAD_SIZE if type(obj).__flags__ & TPFLAGS_HAVE_GC else 0
    assert info.block_address == id(obj) - gc_head


@pytest.mark.parametrize("make", SMALL)
def test_without_pymalloc_small_objects_are_malloc_chunks(make):
    """Under ``PYTHONMALLOC=malloc`` (or ``malloc_debug``) the same objects are malloc
    chunks: the block size is ``malloc_usable_size`` of the chunk (which starts 16 bytes
    before the object's part under the debug hooks), and there is no pool."""
    if PYMALLOC:
        pytest.skip(f"{configuration()}: pymalloc serves small objects (the test before)")
    obj = make()
    info = pyhood.block_info(obj)
    assert (info.domain, info.debug_hooks) == ("malloc", DEBUG_HOOKS)
    assert info.requested == sys.getsizeof(obj)
    assert info.block_size == libc.malloc_usable_size(info.block_address - DEBUG_HEAD)
    assert info.block_size >= info.requested + DEBUG_PAD
    assert info.pool_address is None and info.size_class is None
    gc_head = GC_HEAD_SIZE if type(obj).__flags__ & TPFLAGS_HAVE_GC else 0
    assert info.block_address == id(obj) - gc_head


def test_a_freed_float_block_is_reused_by_the_next_float():
    """Two floats freed and re-created land in the same blocks (free list / size class)."""
    a, b = float("1.25"), float("2.5")
    blocks = {pyhood.block_info(a).block_address, pyhood.block_info(b).block_address}
    del a, b
    c, d = float("3.75"), float("4.5")
    assert {pyhood.block_info(c).block_address, pyhood.block_info(d).block_address} == blocks


def test_a_100_kb_bytes_goes_to_malloc():
    """A 100 KB bytes is too big for pymalloc: its block size is malloc_usable_size (of the
    chunk the debug hooks wrap, once under ``malloc_debug``, twice under
    ``pymalloc_debug``: the object domain's hooks and the raw domain's)."""
    big = b"x" * 100_000
    info = pyhood.block_info(big)
    assert (info.domain, info.debug_hooks) == ("malloc", DEBUG_HOOKS)
    assert info.requested == sys.getsizeof(big)
    assert info.block_size == allocator_block(info.block_address, info.requested)[1]
    assert info.pool_address is None


@pytest.mark.parametrize("obj", [None, int, True, Ellipsis], ids=repr)
def test_statically_allocated_objects_are_static(obj):
    """None, True, Ellipsis and built-in types live in the interpreter's own image: a
    file-backed mapping in /proc/self/maps."""
    info = pyhood.block_info(obj)
    assert info.domain == "static"
    assert mapping_of(id(obj)).split()[-1].startswith("/")


def _child(code: str, env_value: str) -> str:
    env = {"PYTHONMALLOC": env_value, "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.child_allocator
def test_pythonmalloc_malloc_moves_small_objects_to_malloc():
    """With PYTHONMALLOC=malloc every object comes from malloc, and pyhood says so."""
    out = _child(
        """
        import ctypes, pyhood
        libc = ctypes.CDLL(None)
        libc.malloc_usable_size.argtypes = [ctypes.c_void_p]
        libc.malloc_usable_size.restype = ctypes.c_size_t
        x = float("1.5")
        info = pyhood.block_info(x)
        print(info.domain, info.block_size == libc.malloc_usable_size(info.block_address))
        """,
        "malloc",
    )
    assert out.split() == ["malloc", "True"]


@pytest.mark.child_allocator
def test_debug_hooks_are_recognised():
    """With PYTHONMALLOC=pymalloc_debug the blocks carry debug padding around the object:
    two words before it and one after (Objects/obmalloc.c, ``_PyMem_DebugRawAlloc``:
    ``nbytes + 3*SST``); pyhood reports the hooks and a size class that includes them."""
    out = _child(
        """
        import sys, pyhood
        x = float("1.5")
        info = pyhood.block_info(x)
        print(info.domain, info.debug_hooks, info.block_size, sys.getsizeof(x))
        """,
        "pymalloc_debug",
    )
    domain, hooks, block, size = out.split()
    assert (domain, hooks) == ("pymalloc", "True")
    assert int(block) == (int(size) + 24 + 15) // 16 * 16


TRACED = """
import ctypes, sys, tracemalloc, pyhood
sys.path.insert(0, {tests!r})
from conftest import pool_block_size
libc = ctypes.CDLL(None)
libc.malloc_usable_size.argtypes = [ctypes.c_void_p]
libc.malloc_usable_size.restype = ctypes.c_size_t
objs = [float("1.5"), [1, 2, 3], {{"k": 1}}, "x" * 40, b"y" * 600, bytes(100_000)]
before = [pyhood.block_info(x) for x in objs]
tracemalloc.start()
objs.append([4, 5, 6])  # allocated through tracemalloc's hooks
infos = [pyhood.block_info(x) for x in objs]
fps = [pyhood.footprint(x).total for x in objs]
tracemalloc.stop()
for b, i in zip(before, infos):
    assert (b.domain, b.block_size, b.block_address, b.debug_hooks) == (
        i.domain, i.block_size, i.block_address, i.debug_hooks), (b, i)
for i in infos:
    raw = i.block_address - (16 if i.debug_hooks else 0)
    if i.domain == "pymalloc":
        assert pool_block_size(raw) == i.block_size, i
    else:
        assert i.domain == "malloc", i
        assert libc.malloc_usable_size(raw) - (24 if i.debug_hooks else 0) >= i.requested, i
print(" ".join(sorted({{i.domain for i in infos}})), infos[-1].debug_hooks)
"""


@pytest.mark.child_allocator
@pytest.mark.parametrize("allocator", ["pymalloc", "pymalloc_debug", "malloc", "malloc_debug"])
def test_blocks_are_found_while_tracemalloc_traces(allocator):
    """tracemalloc's hooks wrap the allocator, so CPython names none
    (``_PyMem_GetCurrentAllocatorName`` gives NULL) while it traces; the blocks are still
    the wrapped allocator's. ``block_info`` and ``footprint`` answer as without tracing,
    for objects made before and during tracing, and each block agrees with its pool header
    (ctypes) or ``malloc_usable_size``; debug hooks are recognised from their own header."""
    import os

    tests = os.path.dirname(os.path.abspath(__file__))
    out = _child(TRACED.format(tests=tests), allocator)
    domains, hooks = out.rsplit(maxsplit=1)
    assert hooks == str(allocator.endswith("_debug"))
    expected = {"pymalloc": "malloc pymalloc", "malloc": "malloc"}[allocator.split("_")[0]]
    assert domains == expected


def test_list_footprint_counts_its_item_array():
    """A list owns two allocations: the object and its item array. Their requested sizes
    add up to sys.getsizeof; the allocated sizes are the blocks the allocator's headers
    state (a pool header's size class, a malloc chunk's usable size)."""
    xs = list(range(100))
    fp = pyhood.footprint(xs)
    names = [a.name for a in fp.allocations]
    assert names == ["object", "ob_item"]
    assert fp.requested == sys.getsizeof(xs) == fp.getsizeof
    assert fp.total == sum(a.allocated for a in fp.allocations) >= fp.requested
    for a in fp.allocations:  # the pool header's size class, or the malloc chunk's size
        assert (a.block.domain, a.allocated) == allocator_block(a.block.block_address, a.requested)
    item_array = fp.allocations[1]
    assert item_array.block.block_address == word(id(xs) + 24)  # PyListObject.ob_item
    assert "ob_item" in str(fp)


def test_dict_footprint_counts_its_keys():
    """A dict owns its object and its keys table; their requested sizes are sys.getsizeof."""
    d = {"a": 1, "b": 2, "c": 3}
    fp = pyhood.footprint(d)
    assert [a.name for a in fp.allocations] == ["object", "ma_keys"]
    assert fp.requested == sys.getsizeof(d)
    for a in fp.allocations:
        assert (a.block.domain, a.allocated) == allocator_block(a.block.block_address, a.requested)


@pytest.mark.skipif(PY < (3, 11), reason="managed dicts arrived in 3.11")
def test_instance_footprint_does_not_materialise_the_dict():
    """footprint of an instance counts its attribute storage without creating __dict__."""

    class P:
        def __init__(self):
            self.a, self.b = 1, 2

    p = P()
    before = word(id(p) - 24)
    fp = pyhood.footprint(p)
    assert word(id(p) - 24) == before
    assert fp.total >= fp.getsizeof
    assert fp.allocations[0].block.domain == ("pymalloc" if PYMALLOC else "malloc")


def test_footprint_runs_no_python_sizeof():
    """``footprint`` compares itself with ``sys.getsizeof`` only where that runs C code: a
    class's own Python ``__sizeof__`` (pandas objects' sums their columns' memory, pytz's
    lazy lists fill themselves) is not called, and ``getsizeof`` is None; a class that
    inherits a C ``__sizeof__``, or assigns one, still gets ``sys.getsizeof``'s figure."""
    calls = []

    class Sized:
        def __sizeof__(self):
            calls.append(self)
            return 1000

    class Lazy(list):
        __sizeof__ = Sized.__sizeof__

    class Borrowed(Sized):
        __sizeof__ = object.__sizeof__

    class Inherited(list):
        pass

    for obj in (Sized(), Lazy()):
        fp = pyhood.footprint(obj)
        assert fp.getsizeof is None
        assert "sys.getsizeof not asked" in str(fp)
    assert calls == []
    for obj in (Borrowed(), Inherited([1, 2]), [1, 2], 1.5, object()):
        assert pyhood.footprint(obj).getsizeof == sys.getsizeof(obj)
