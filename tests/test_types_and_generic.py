"""Type objects and objects pyhood has no dedicated decoder for.

A type object is a ``PyTypeObject`` (``Include/cpython/object.h``); a class created by a
``class`` statement is a ``PyHeapTypeObject`` that extends it. Any other object gets a
generic layout: the header, its type's ``tp_members`` by name, then the remaining words.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import json
import sys

import pyhood
import pytest


class Point:
    __slots__ = ("x", "y")


def test_static_type_slots_match_the_type_attributes():
    """int's tp_basicsize, tp_itemsize, tp_flags and tp_name are what Python reports."""
    lay = pyhood.layout(int)
    assert lay.field("tp_basicsize").value == int.__basicsize__
    assert lay.field("tp_itemsize").value == int.__itemsize__
    assert lay.field("tp_flags").value == int.__flags__
    assert ctypes.string_at(lay.field("tp_name").value) == b"int"
    assert lay.field("tp_base").value == id(object)
    assert lay.field("tp_mro").value == id(int.__mro__)


def test_heap_type_tail_and_member_array():
    """A class is a heap type: ht_name is its __name__ object, and its PyMemberDef array
    (one entry per slot) follows the PyHeapTypeObject."""
    lay = pyhood.layout(Point)
    assert lay.field("ht_name").value == id(Point.__name__)
    assert lay.field("ht_qualname").value == id(Point.__qualname__)
    members = [f for f in lay.fields if f.name.startswith("members[")]
    assert len(members) == 2 == pyhood.header(Point).size
    assert lay.start == -16  # heap types are GC objects
    # type.__sizeof__ counts sizeof(PyHeapTypeObject) but not the member array after it.
    # type_new allocates through PyType_GenericAlloc, _PyObject_VAR_SIZE(type, nitems + 1)
    # (Objects/typeobject.c v3.10-v3.15): one PyMemberDef more, the array's NULL sentinel.
    assert lay.end == type.__basicsize__ + 3 * type.__itemsize__
    end = lay.field("members_end")
    assert end.offset == type.__basicsize__ + 2 * type.__itemsize__
    assert end.raw == ctypes.string_at(id(Point) + end.offset, end.size) == bytes(end.size)
    assert sys.getsizeof(Point) <= lay.end - lay.start


def test_a_c_metatypes_own_struct_is_the_types_extent():
    """A C metatype may extend ``PyHeapTypeObject`` with fields of its own, and C code lays
    its instances out as that struct whether they are heap types or not: numpy's dtype
    classes (``numpy.dtypes.Float64DType``, instances of ``numpy._DTypeMeta``, a
    ``PyArray_DTypeMeta``) are not heap types, yet span the metatype's ``tp_basicsize``, as
    malloc's own chunk header says; only ``PyTypeObject``'s slots are named, the rest is
    unnamed, never padding. numpy makes each by copying a static prototype into a malloc
    block, ``ob_flags`` included: on 3.14+ their header says "statically allocated", but
    the block is malloc's."""
    np = pytest.importorskip("numpy")
    libc = ctypes.CDLL(None)
    libc.malloc_usable_size.argtypes = [ctypes.c_void_p]
    libc.malloc_usable_size.restype = ctypes.c_size_t
    for t in {type(np.dtype(c)) for c in ("f8", "i4", "?", "O", "U3", "M8[s]")}:
        meta = type(t)
        assert not t.__flags__ & (1 << 9) and meta.__basicsize__ > type.__basicsize__
        lay = pyhood.layout(t)
        assert (lay.start, lay.end) == (0, meta.__basicsize__)
        assert lay.field("tp_flags").value == t.__flags__
        assert lay.fields[-1].name == "(unnamed)"
        info = pyhood.block_info(t)
        assert info.requested == meta.__basicsize__
        assert info.domain == "malloc"
        assert info.block_size == libc.malloc_usable_size(id(t)) >= meta.__basicsize__


def test_generic_object_names_members_from_tp_members():
    """slice has no dedicated decoder: its start/stop/step come from tp_members."""
    s = slice(1, "b", None)
    lay = pyhood.layout(s)
    assert lay.field("start").value == id(s.start)
    assert lay.field("stop").value == id(s.stop)
    assert lay.field("step").value == id(None)
    assert lay.end == type(s).__basicsize__


def test_generic_variable_size_object_shows_its_items():
    """A variable-size object without a decoder (memoryview, tp_itemsize != 0) shows the
    ob_size ctypes reads at PyVarObject.ob_size (offset 16, Include/object.h); a fixed-size
    one (array.array) spans exactly its type's tp_basicsize."""
    import array

    from conftest import sword

    a = memoryview(b"abc")
    assert type(a).__itemsize__ != 0
    assert pyhood.layout(a).field("ob_size").value == sword(id(a) + 16)
    arr = array.array("i", [1])
    assert pyhood.layout(arr).end == type(arr).__basicsize__


def test_generic_layout_calls_unnamed_memory_unnamed_not_padding():
    """_io.TextIOWrapper (Modules/_io/textio.c) keeps char fields (``ok``, ``detached``,
    ``telling``, …) between the pointers its tp_members name. pyhood declares no struct
    for it, so nothing proves those bytes are alignment padding: every byte of
    ``[0, tp_basicsize)`` is the header, a member, or "(unnamed)" memory of the body, and
    the bytes are exactly what ctypes reads at those offsets."""
    with open(__file__, encoding="utf-8") as f:
        lay = pyhood.layout(f)
        assert lay.end >= type(f).__basicsize__
        inside = [x for x in lay.fields if x.bits is None and 0 <= x.offset < type(f).__basicsize__]
        assert not [x for x in inside if x.region == "padding" or x.name == "(padding)"]
        unnamed = [x for x in inside if x.name == "(unnamed)"]
        assert unnamed and all(x.region == "body" for x in unnamed)
        assert all(x.raw == ctypes.string_at(id(f) + x.offset, x.size) for x in unnamed)
        ends = [x.offset + x.size for x in inside]
        assert [x.offset for x in inside[1:]] == ends[:-1]  # they tile the struct


def test_text_html_and_dict_renderings():
    """str(layout) is an aligned table, _repr_html_ a self-contained byte map, to_dict JSON."""
    lay = pyhood.layout([1, 2])
    text = str(lay)
    assert "ob_refcnt" in text and "ob_item[1]" in text
    rows = [line for line in text.splitlines() if "ob_" in line]
    assert len({line.index("ob_") for line in rows if "  header  " in line}) == 1
    page = lay._repr_html_()
    assert page.count("<table") >= 2 and "gc_head" in page and "<script" not in page
    data = json.loads(json.dumps(lay.to_dict()))
    assert data["fields"][0]["name"] == "_gc_next"
    assert data["blocks"][0]["name"] == "ob_item"


def test_max_items_bounds_the_field_count_but_not_the_coverage():
    """With max_items, long arrays end in one summary field; every byte is still covered."""
    big = list(range(10_000))
    lay = pyhood.layout(big, max_items=10)
    block = lay.block("ob_item")
    assert len(block.fields) == 11
    assert sum(f.size for f in block.fields) == 8 * lay.field("allocated").value


def test_only_datetime_and_time_get_the_datetime_decoder():
    """``datetime.datetime`` and ``datetime.time`` are recognised by their tp_name and get
    their struct's fields (``hastzinfo``; an aware one ends with its ``tzinfo`` pointer);
    ``datetime.date`` and ``datetime.timedelta``, whose names share those names' first 13
    characters, are not mistaken for them."""
    utc = dt.timezone.utc
    for obj in (dt.datetime(2024, 1, 2, tzinfo=utc), dt.time(1, tzinfo=utc)):
        lay = pyhood.layout(obj)
        assert lay.field("hastzinfo").value == 1
        assert lay.fields[-1].name == "tzinfo" and lay.fields[-1].value == id(utc)
    for obj in (dt.datetime(2024, 1, 2), dt.time(1)):
        names = [f.name for f in pyhood.layout(obj).fields]
        assert "hastzinfo" in names and "tzinfo" not in names
    for obj in (dt.date(2024, 1, 2), dt.timedelta(days=1)):
        assert "hastzinfo" not in [f.name for f in pyhood.layout(obj).fields]
