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
from conftest import NOT_READ, assert_tiles, mem, sword, word

PTR = ctypes.sizeof(ctypes.c_void_p)


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


def _shown_and_rest(lay, array: str):
    """The fields of ``array`` that ``max_items`` shows, and its one summary field."""
    shown = [f for f in lay.fields if f.name.startswith(array + "[") and ".." not in f.name]
    rest = [f for f in lay.fields if f.name.startswith(array + "[") and ".." in f.name]
    assert len(rest) == 1, [f.name for f in rest]
    return shown, rest[0]


def _bytes_held(lay) -> int:
    """Bytes a layout holds: its fields' and its blocks' raw bytes."""
    return sum(len(f.raw) for f in lay.fields) + sum(_bytes_held(b) for b in lay.blocks)


def test_list_items_past_max_items_are_not_read():
    """``layout(lst, max_items=64)`` of a 100,000-item list shows the first 64 pointers of
    ``ob_item``, each ``id`` of its item; the other slots up to ``allocated`` (read with
    ctypes) are one summary field that covers their bytes, holds none and says so."""
    lst = list(range(100_000))
    lay = pyhood.layout(lst, max_items=64)
    allocated = sword(id(lst) + 4 * PTR)
    blk = lay.block("ob_item")
    shown, rest = _shown_and_rest(blk, "ob_item")
    assert [f.value for f in shown] == [id(x) for x in lst[:64]]
    items = word(id(lst) + 3 * PTR)
    assert [f.raw for f in shown] == [mem(items + PTR * i, PTR) for i in range(64)]
    assert rest.name == f"ob_item[64..{allocated}]"
    assert (rest.offset, rest.size, rest.raw, rest.note) == (
        64 * PTR,
        (allocated - 64) * PTR,
        b"",
        NOT_READ,
    )
    assert lay.field("ob_size").value == len(lst) and blk.size == allocated * PTR
    assert_tiles(blk)


def test_tuple_items_past_max_items_are_not_read():
    """A tuple keeps its items in itself: with ``max_items=64`` the first 64 are shown,
    the rest is one summary field holding no bytes, and the allocation is still
    ``sys.getsizeof(t)`` bytes long."""
    t = tuple(range(50_000))
    lay = pyhood.layout(t, max_items=64)
    shown, rest = _shown_and_rest(lay, "ob_item")
    assert [f.value for f in shown] == [id(x) for x in t[:64]]
    assert [f.raw for f in shown] == [mem(id(t) + f.offset, PTR) for f in shown]
    assert (rest.size, rest.raw, rest.note) == ((len(t) - 64) * PTR, b"", NOT_READ)
    assert lay.size == sys.getsizeof(t)
    assert_tiles(lay)


def test_dict_entries_past_max_items_are_neither_read_nor_named():
    """A dict of 100,000 str keys with ``max_items=8``: its keys object shows the first 8
    index slots and the first 8 entries, each ``me_key`` the ``id`` of the key inserted
    at that place and noted with its text; the other indices and entries are one summary
    field each, with no bytes. ``dk_nentries`` is still ``len(d)``."""
    d = {f"key{i}": i for i in range(100_000)}
    keys = list(d)
    blk = pyhood.layout(d, max_items=8).block("ma_keys")
    me_keys = [f for f in blk.fields if f.name.endswith(".me_key")]
    assert [f.value for f in me_keys] == [id(k) for k in keys[:8]]
    assert [f.note for f in me_keys] == [f'"{k}"' for k in keys[:8]]
    assert [f.raw for f in me_keys] == [mem(blk.address + f.offset, PTR) for f in me_keys]
    _, indices_rest = _shown_and_rest(blk, "dk_indices")
    _, entries_rest = _shown_and_rest(blk, "dk_entries")
    for rest in (indices_rest, entries_rest):
        assert (rest.raw, rest.note) == (b"", NOT_READ)
    assert blk.field("dk_nentries").value == len(d)
    assert_tiles(blk)


def test_str_and_bytes_data_past_max_items_is_not_read():
    """A str's characters and a bytes object's ``ob_sval`` are shown up to ``max_items``
    units, as ctypes reads them; the rest of the data is one summary field with no bytes,
    and the allocation is still ``sys.getsizeof`` bytes long."""
    for s, kind, encoding in (("ab" * 50_000, 1, "ascii"), ("é" * 20_000, 1, "latin-1")):
        lay = pyhood.layout(s, max_items=16)
        data = lay.field("data")
        assert data.raw == s[:16].encode(encoding) == mem(id(s) + data.offset, 16 * kind)
        rest = lay.field(f"data[16..{len(s) + 1}]")
        assert (rest.size, rest.raw, rest.note) == ((len(s) + 1 - 16) * kind, b"", NOT_READ)
        assert lay.size == sys.getsizeof(s)
        assert_tiles(lay)
    b = bytes(range(256)) * 400
    lay = pyhood.layout(b, max_items=32)
    assert lay.field("ob_sval").raw == b[:32]
    rest = lay.field(f"ob_sval[32..{len(b) + 1}]")
    assert (rest.size, rest.raw, rest.note) == (len(b) + 1 - 32, b"", NOT_READ)
    assert lay.size == sys.getsizeof(b)
    assert_tiles(lay)


def test_what_a_layout_holds_follows_max_items_not_the_container():
    """The bytes a layout of a 1,000,000-key dict holds with ``max_items=64`` are those of
    the headers and the 64 indices and entries shown, a few kilobytes, not the keys
    object's megabytes; likewise for a 1,000,000-item list."""
    d = dict.fromkeys(range(1_000_000))
    lst = list(range(1_000_000))
    for x in (d, lst):
        assert _bytes_held(pyhood.layout(x, max_items=64)) < 8192


def test_fields_are_made_once_and_kept():
    """A layout makes its ``Field`` objects when first asked for and keeps them: asking
    twice gives the same tuple, and ``field(name)`` returns the one in it."""
    lay = pyhood.layout([1, 2, 3])
    assert lay.fields is lay.fields
    assert lay.field("ob_type") is next(f for f in lay.fields if f.name == "ob_type")
    assert lay.blocks is lay.blocks and len(lay) == len(lay.fields)


def test_an_object_larger_than_one_read_is_shown_up_to_max_items():
    """A tuple of 10,000,000 items (80 MB, more than pyhood copies in one read, 64 MiB) is
    shown up to ``max_items``, its size still ``sys.getsizeof``; asking to show every item
    is refused with a ``pyhood.MemoryReadError`` that says why, not a partial answer."""
    big = (None,) * 10_000_000
    lay = pyhood.layout(big, max_items=64)
    assert lay.size == sys.getsizeof(big)
    shown, rest = _shown_and_rest(lay, "ob_item")
    assert [f.value for f in shown] == [id(None)] * 64 and rest.raw == b""
    with pytest.raises(pyhood.MemoryReadError, match="read limit"):
        pyhood.layout(big, max_items=len(big))


def test_a_variable_size_object_spans_its_rounded_size():
    """An object of a variable-size type pyhood declares no struct for (a 3.11+ code
    object: ``tp_basicsize`` plus 2-byte code units) spans ``_PyObject_VAR_SIZE``, its size
    rounded up to a pointer's: what ``sys.getsizeof`` reports for it (192 + 2 * 2 = 196
    bytes make a 200-byte object on 3.12)."""
    code = (lambda: 0).__code__
    if type(code).__itemsize__ == 0:
        pytest.skip("3.10 code objects keep their bytecode in a bytes object")
    lay = pyhood.layout(code)
    assert lay.size % PTR == 0
    assert lay.size == sys.getsizeof(code)
