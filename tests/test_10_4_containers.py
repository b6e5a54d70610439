"""Guide §10.4, memory layout of core built-ins: ``list`` and ``tuple``.

Every test compares what ``pyhood.layout`` reports with something pyhood does not compute:
``id()`` of the elements, ``len``, ``sys.getsizeof``, ``type.__basicsize__``,
``gc.is_tracked``, and raw words read with :mod:`ctypes` at offsets taken from the CPython
headers of the running version (the structs below mirror those headers).

``sys.getsizeof`` (``Python/sysmodule.c`` ``_PySys_GetSizeOf``) is ``__sizeof__()`` plus
``sizeof(PyGC_Head)`` when ``_PyObject_IS_GC(o)`` (v3.10.13, v3.11.7) or plus
``_PyType_PreHeaderSize(Py_TYPE(o))`` (v3.12.1, v3.13.0: GC head + the managed dict/weakref
words, which list and tuple do not have). ``test_getsizeof_adds_exactly_the_gc_head`` checks
that relation on the running interpreter before other tests rely on it.
"""

from __future__ import annotations

import ctypes
import gc
import sys

import pyhood
import pytest
from conftest import GC_HEAD_SIZE, NOT_READ, TPFLAGS_HAVE_GC, assert_tiles, mem, sword, word
from hypothesis import given, settings
from hypothesis import strategies as st

PTR = ctypes.sizeof(ctypes.c_void_p)


class PyObject(ctypes.Structure):
    # Include/object.h v3.10.13..v3.13.0 (default build): ob_refcnt, ob_type (3.12 makes
    # ob_refcnt a union with uint32_t ob_refcnt_split[2]: still one word).
    _fields_ = (("ob_refcnt", ctypes.c_ssize_t), ("ob_type", ctypes.c_void_p))


class PyVarObject(ctypes.Structure):
    # Include/object.h v3.10.13..v3.13.0: PyObject ob_base; Py_ssize_t ob_size.
    _fields_ = (("ob_base", PyObject), ("ob_size", ctypes.c_ssize_t))


class PyListObject(ctypes.Structure):
    # Include/cpython/listobject.h v3.10.13..v3.13.0:
    # PyObject_VAR_HEAD; PyObject **ob_item; Py_ssize_t allocated.
    _fields_ = (
        ("ob_base", PyVarObject),
        ("ob_item", ctypes.c_void_p),
        ("allocated", ctypes.c_ssize_t),
    )


class PyTupleObject(ctypes.Structure):
    # Include/cpython/tupleobject.h v3.10.13..v3.13.0:
    # PyObject_VAR_HEAD; PyObject *ob_item[1] (sizeof subtracts the one item:
    # tp_basicsize = sizeof(PyTupleObject) - sizeof(PyObject *), Objects/tupleobject.c).
    # v3.14.10 caches the hash first: Py_hash_t ob_hash; then PyObject *ob_item[1].
    _fields_ = (
        ("ob_base", PyVarObject),
        *((("ob_hash", ctypes.c_ssize_t),) if sys.version_info >= (3, 14) else ()),
        ("ob_item", ctypes.c_void_p * 1),
    )


OB_SIZE = PyVarObject.ob_size.offset  # 16
LIST_OB_ITEM = PyListObject.ob_item.offset  # 24
LIST_ALLOCATED = PyListObject.allocated.offset  # 32
TUPLE_OB_ITEM = PyTupleObject.ob_item.offset  # 24


def list_resize_allocated(allocated: int, size: int, newsize: int) -> int:
    """``allocated`` after ``list_resize(self, newsize)``, transcribed from
    ``Objects/listobject.c`` (v3.10.13 .. v3.13.0, identical in all four)::

        if (allocated >= newsize && newsize >= (allocated >> 1)) { ...; return 0; }
        new_allocated = ((size_t)newsize + (newsize >> 3) + 6) & ~(size_t)3;
        if (newsize - Py_SIZE(self) > (Py_ssize_t)(new_allocated - newsize))
            new_allocated = ((size_t)newsize + 3) & ~(size_t)3;
    """
    if allocated >= newsize and newsize >= (allocated >> 1):
        return allocated
    new = (newsize + (newsize >> 3) + 6) & ~3
    if newsize - size > new - newsize:
        new = (newsize + 3) & ~3
    return new


def items_of(block) -> list:
    """The ``ob_item[i]`` fields of a block or layout, in index order."""
    return [f for f in block.fields if f.name.startswith("ob_item[") and ".." not in f.name]


# ---------------------------------------------------------------------------------------
# the struct mirrors and sys.getsizeof
# ---------------------------------------------------------------------------------------


def test_struct_mirrors_match_basicsize():
    """The ctypes mirrors of PyListObject / PyTupleObject have the sizes CPython reports in
    ``tp_basicsize`` (so the offsets used below are the running interpreter's)."""
    assert ctypes.sizeof(PyListObject) == list.__basicsize__
    assert ctypes.sizeof(PyTupleObject) - PTR == tuple.__basicsize__
    assert tuple.__itemsize__ == PTR


@pytest.mark.parametrize("obj", [[], [1, 2, 3], (), (1,), (1, 2, 3, 4, 5)])
def test_getsizeof_adds_exactly_the_gc_head(obj):
    """For list and tuple, ``sys.getsizeof(x) == x.__sizeof__() + sizeof(PyGC_Head)`` on this
    interpreter: Python/sysmodule.c ``_PySys_GetSizeOf`` adds ``sizeof(PyGC_Head)`` if
    ``_PyObject_IS_GC`` (v3.10.13/v3.11.7), or ``_PyType_PreHeaderSize`` = GC head + 2 words
    only for ``Py_TPFLAGS_PREHEADER`` types (v3.12.1/v3.13.0); list/tuple have no pre-header."""
    assert type(obj).__flags__ & TPFLAGS_HAVE_GC
    assert sys.getsizeof(obj) == obj.__sizeof__() + GC_HEAD_SIZE


# ---------------------------------------------------------------------------------------
# list
# ---------------------------------------------------------------------------------------


def test_list_items_are_the_elements_ids():
    """``ob_item[i]`` for ``i < len`` holds ``id(lst[i])``; ``ob_size == len(lst)``; the
    ``ob_item`` pointer and the block address equal the word at PyListObject.ob_item."""
    sentinel = object()
    lst = [sentinel, "text", 3.5, None, [1], (2,), 10**30]
    lay = pyhood.layout(lst)
    assert lay.address == id(lst)
    # Include/cpython/listobject.h v3.12.1: PyListObject.ob_item at 24, ob_size at 16.
    assert lay.field("ob_size").value == len(lst) == sword(id(lst) + OB_SIZE)
    ob_item = word(id(lst) + LIST_OB_ITEM)
    assert lay.field("ob_item").value == ob_item
    assert lay.field("ob_item").offset == LIST_OB_ITEM
    blk = lay.block("ob_item")
    assert blk.address == ob_item
    items = items_of(blk)
    assert [f.value for f in items[: len(lst)]] == [id(x) for x in lst]
    assert [word(ob_item + PTR * i) for i in range(len(lst))] == [id(x) for x in lst]
    assert [f.offset for f in items] == [PTR * i for i in range(len(items))]
    for f in items[: len(lst)]:
        assert f.note is None or not f.note.startswith("spare")


def test_list_allocated_matches_ctypes_and_getsizeof():
    """``allocated`` equals the word at PyListObject.allocated and
    ``sys.getsizeof(lst) == list.__basicsize__ + GC head + 8 * allocated``
    (``list___sizeof___impl``: ``_PyObject_SIZE(Py_TYPE(self)) + allocated * sizeof(void*)``,
    Objects/listobject.c v3.10.13..v3.13.0)."""
    lst = list(range(10))
    lst.append(10)  # force over-allocation
    lay = pyhood.layout(lst)
    # Include/cpython/listobject.h v3.12.1: PyListObject.allocated at 32
    allocated = sword(id(lst) + LIST_ALLOCATED)
    assert lay.field("allocated").value == allocated
    assert lay.field("allocated").offset == LIST_ALLOCATED
    assert allocated > len(lst)
    assert sys.getsizeof(lst) == list.__basicsize__ + GC_HEAD_SIZE + PTR * allocated
    # The object's own allocation is exactly the fixed part of getsizeof.
    assert lay.end - lay.start == sys.getsizeof(lst) - PTR * allocated
    blk = lay.block("ob_item")
    assert blk.end - blk.start == PTR * allocated
    assert len(items_of(blk)) == allocated


def test_list_growth_over_100_appends():
    """Across 100 appends: ``allocated >= len`` at every step, ``sys.getsizeof`` equals
    ``basicsize + GC head + 8 * allocated``, the ob_item block is ``8 * allocated`` bytes with
    the entries past ``len`` marked spare, and ``allocated`` follows ``list_resize``
    (Objects/listobject.c): it changes only when an append overflows it, to the value CPython's
    over-allocation formula gives; the growth sequence read from pyhood equals the one read
    from ``sys.getsizeof``."""
    lst: list[int] = []
    prev_alloc = 0
    seen_pyhood, seen_getsizeof = [], []
    for n in range(1, 101):
        lst.append(n)
        lay = pyhood.layout(lst)
        alloc = lay.field("allocated").value
        assert lay.field("ob_size").value == len(lst) == n
        assert alloc >= len(lst)
        from_getsizeof = (sys.getsizeof(lst) - list.__basicsize__ - GC_HEAD_SIZE) // PTR
        assert alloc == from_getsizeof
        assert alloc == sword(id(lst) + LIST_ALLOCATED)
        blk = lay.block("ob_item")
        assert blk.address == word(id(lst) + LIST_OB_ITEM)
        assert blk.end - blk.start == PTR * alloc
        items = items_of(blk)
        assert len(items) == alloc
        assert [f.value for f in items[:n]] == [id(x) for x in lst]
        for f in items[n:]:
            assert f.note is not None and f.note.startswith("spare")
        assert alloc == list_resize_allocated(prev_alloc, n - 1, n)
        if alloc != prev_alloc:
            assert n > prev_alloc  # only an overflowing append reallocates
            seen_pyhood.append((n, alloc))
        if not seen_getsizeof or seen_getsizeof[-1][1] != from_getsizeof:
            seen_getsizeof.append((n, from_getsizeof))
        prev_alloc = alloc
    assert seen_pyhood == seen_getsizeof
    assert len(seen_pyhood) > 5


def test_empty_and_cleared_list_have_no_item_block():
    """``[]`` and a cleared list have ``ob_item == NULL`` and ``allocated == 0``
    (``list_clear`` in Objects/listobject.c frees the vector), so there is no ob_item block and
    ``sys.getsizeof`` is just ``basicsize + GC head``."""
    lst = list(range(50))
    lst.clear()
    for obj in ([], lst):
        lay = pyhood.layout(obj)
        assert word(id(obj) + LIST_OB_ITEM) == 0
        assert lay.field("ob_item").value == 0
        assert lay.field("allocated").value == 0 == sword(id(obj) + LIST_ALLOCATED)
        assert lay.field("ob_size").value == 0
        assert [b.name for b in lay.blocks] == []
        assert sys.getsizeof(obj) == list.__basicsize__ + GC_HEAD_SIZE


def test_list_gc_head_and_tracking():
    """A list has a PyGC_Head just before it (``_Py_AS_GC(o) == (PyGC_Head *)o - 1``,
    Include/internal/pycore_gc.h): the layout starts at ``-sizeof(PyGC_Head)``, and
    ``_gc_next != 0`` exactly when ``gc.is_tracked`` (``_PyObject_GC_IS_TRACKED``:
    ``_gc_next != 0``, pycore_gc.h v3.10.13 .. v3.13.0). A new tracked object is appended to
    the young generation (``_PyObject_GC_TRACK``, pycore_object.h), so with collections
    disabled the list's ``_gc_next`` is the GC head of the next tracked object allocated, and
    that object's ``_gc_prev`` (minus its 2 flag bits, ``_PyGC_PREV_SHIFT``) is the list's."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        lst = [1, 2, 3]
        after = [None]
        lay = pyhood.layout(lst)
        lay_after = pyhood.layout(after)
        # Read while collections are still off: a collection (once they are back on) would
        # move the list to an older generation, and its _gc_next with it.
        now = word(id(lst) - 16)
    finally:
        if was_enabled:
            gc.enable()
    assert lay.start == -GC_HEAD_SIZE == -16
    assert lay.end == list.__basicsize__
    nxt, prv = lay.field("_gc_next"), lay.field("_gc_prev")
    assert (nxt.offset, prv.offset) == (-16, -8)
    assert nxt.region == prv.region == "gc_head"
    assert gc.is_tracked(lst)
    assert nxt.value == id(after) - GC_HEAD_SIZE
    assert lay_after.field("_gc_prev").value & ~3 == id(lst) - GC_HEAD_SIZE
    # The word ctypes read after both layouts is the same (nothing was tracked or freed since).
    assert now == nxt.value


def test_list_layout_tiles_its_allocation():
    """The list's fields cover ``[start, end)`` once each and ``end - start`` is the
    object's own share of ``sys.getsizeof``; the raw bytes are the memory ctypes reads."""
    lst = ["a", "b"]
    lay = pyhood.layout(lst)
    assert_tiles(lay)
    assert_tiles(lay.block("ob_item"))
    head = mem(id(lst), list.__basicsize__)
    fields = sorted((f for f in lay.fields if f.bits is None), key=lambda f: f.offset)
    body = b"".join(f.raw for f in fields if f.offset >= 0)
    # ob_refcnt may differ by the references the call itself holds; compare from ob_type on.
    assert body[8:] == head[8:]


def test_big_list_block_covers_all_allocated_slots():
    """A list longer than pyhood's per-array field limit still gets an ob_item block of
    exactly ``8 * allocated`` bytes (``allocated`` read with ctypes). The pointers it shows
    (the first ``max_items``, 4096 by default) are the ones ctypes reads, starting with
    ``id`` of each element; the rest are one summary field whose bytes were not read."""
    lst = [object() for _ in range(5000)]
    lay = pyhood.layout(lst)
    allocated = sword(id(lst) + LIST_ALLOCATED)
    blk = lay.block("ob_item")
    assert blk.end - blk.start == PTR * allocated
    assert_tiles(blk)
    raw = b"".join(f.raw for f in sorted(blk.fields, key=lambda f: f.offset))
    assert raw == mem(blk.address, PTR * 4096)
    rest = blk.field(f"ob_item[4096..{allocated}]")
    assert (rest.size, rest.raw, rest.note) == (PTR * (allocated - 4096), b"", NOT_READ)
    firsts = items_of(blk)[:100]
    assert [f.value for f in firsts] == [id(x) for x in lst[:100]]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.integers(), st.text(max_size=3), st.none()), max_size=40))
def test_list_property(xs):
    """For any list: ob_size == len, allocated >= len, item pointers == ids, and
    ``sys.getsizeof`` == basicsize + GC head + 8 * allocated."""
    lay = pyhood.layout(xs)
    assert lay.field("ob_size").value == len(xs)
    alloc = lay.field("allocated").value
    assert alloc >= len(xs)
    assert sys.getsizeof(xs) == list.__basicsize__ + GC_HEAD_SIZE + PTR * alloc
    if alloc:
        items = items_of(lay.block("ob_item"))
        assert [f.value for f in items[: len(xs)]] == [id(x) for x in xs]
    else:
        assert lay.blocks == ()


# ---------------------------------------------------------------------------------------
# tuple
# ---------------------------------------------------------------------------------------


def test_tuple_items_are_inline_element_ids():
    """A tuple's ``ob_item[i]`` are inline in the object at ``24 + 8*i``
    (Include/cpython/tupleobject.h v3.12.1: PyTupleObject.ob_item at 24) and hold
    ``id(t[i])``; ``ob_size == len(t)``; there are no blocks."""
    t = tuple([object(), "s", 1.5, None, [], 12345678901234567890])
    lay = pyhood.layout(t)
    assert lay.field("ob_size").value == len(t) == sword(id(t) + OB_SIZE)
    items = items_of(lay)
    assert [f.name for f in items] == [f"ob_item[{i}]" for i in range(len(t))]
    assert [f.offset for f in items] == [TUPLE_OB_ITEM + PTR * i for i in range(len(t))]
    assert [f.value for f in items] == [id(x) for x in t]
    assert [word(id(t) + TUPLE_OB_ITEM + PTR * i) for i in range(len(t))] == [id(x) for x in t]
    assert lay.blocks == ()


@pytest.mark.parametrize("n", [0, 1, 2, 3, 8, 17, 100, 1000])
def test_tuple_extent_equals_getsizeof(n):
    """``end - start == sys.getsizeof(t)`` for tuples of several sizes including the empty
    tuple singleton: GC head + ``tuple.__basicsize__`` + ``8 * len``
    (``tuple___sizeof___impl``: ``basicsize + Py_SIZE(self) * itemsize``)."""
    t = tuple(range(n))
    lay = pyhood.layout(t)
    assert lay.start == -GC_HEAD_SIZE
    assert lay.end - lay.start == sys.getsizeof(t)
    assert lay.end == tuple.__basicsize__ + tuple.__itemsize__ * n
    assert len(items_of(lay)) == n
    assert_tiles(lay)


def test_tuple_gc_tracking_follows_gc_next(gc_disabled):
    """``_gc_next != 0`` exactly when ``gc.is_tracked(t)``: a tuple built at run time is
    tracked; after a collection a tuple of atomic items is untracked
    (``_PyTuple_MaybeUntrack``, Objects/tupleobject.c) and its ``_gc_next`` is 0 (the word
    ctypes reads at -16); one holding a list stays tracked. 3.14 untracks a tuple of
    atomic items already when it is built (Objects/tupleobject.c v3.14.10). Automatic
    collections are off, so the only collection that can untrack it is ``gc.collect()``."""
    atomic = tuple([1, 2, "x"])
    holder = tuple([[], 1])
    assert gc.is_tracked(atomic) == (sys.version_info < (3, 14))
    for t in (atomic, holder):
        assert (pyhood.layout(t).field("_gc_next").value != 0) == gc.is_tracked(t)
    gc.collect()
    for t in (atomic, holder, ()):
        nxt = pyhood.layout(t).field("_gc_next")
        assert nxt.offset == -16
        assert (nxt.value != 0) == gc.is_tracked(t)
    assert not gc.is_tracked(atomic)
    assert pyhood.layout(atomic).field("_gc_next").value == 0 == word(id(atomic) - 16)
    assert gc.is_tracked(holder)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers()))
def test_tuple_of_ints_property(xs):
    """For any list of ints, ``tuple(xs)`` lays out as ``ob_size == len``, inline
    ``ob_item[i] == id(t[i])`` and ``end - start == sys.getsizeof(t)``."""
    t = tuple(xs)
    lay = pyhood.layout(t)
    assert lay.address == id(t)
    assert lay.field("ob_size").value == len(t)
    assert [f.value for f in items_of(lay)] == [id(x) for x in t]
    assert lay.end - lay.start == sys.getsizeof(t)
