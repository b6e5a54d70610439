"""Guide §10.1 — The great unification: every object starts with the same PyObject header.

``ob_refcnt`` (the reference count), ``ob_type`` (a pointer to the type object) and, for
variable-size objects, ``ob_size``. Offsets come from ``Include/object.h`` (v3.10.13 …
v3.13.0): ``ob_refcnt`` at 0, ``ob_type`` at 8, ``PyVarObject.ob_size`` at 16.
"""

from __future__ import annotations

import array
import collections
import struct
import sys
import weakref

import pyhood
import pytest
from conftest import PY, mem, sword, word

OB_REFCNT, OB_TYPE, OB_SIZE = 0, 8, 16  # Include/object.h, v3.10.13–v3.13.0

SAMPLES = [
    None,
    True,
    0,
    2**100,
    1.5,
    "text",
    "日本",
    b"bytes",
    [1, 2],
    (1, 2, 3),
    {1: 2},
    {1, 2},
    frozenset({3}),
    object(),
    int,
    type,
    len,
    sys,
    Ellipsis,
    range(5),
    weakref.ref(int),
]


@pytest.mark.parametrize("obj", SAMPLES, ids=lambda o: type(o).__name__)
def test_header_address_and_type_are_id_and_type(obj):
    """The header's address is id(obj) and ob_type points at type(obj), for every object."""
    h = pyhood.header(obj)
    assert h.address == id(obj)
    assert h.type is type(obj)
    assert h.type_address == id(type(obj)) == word(id(obj) + OB_TYPE)


@pytest.mark.parametrize("obj", SAMPLES, ids=lambda o: type(o).__name__)
def test_refcnt_equals_sys_getrefcount(obj):
    """pyhood.refcnt(x) is exactly what sys.getrefcount(x) reports from the same position."""
    # Plain assignments: pytest's assertion temporaries would shift shared singletons' counts.
    expected = sys.getrefcount(obj)
    got = pyhood.refcnt(obj)
    got_header = pyhood.header(obj).refcnt
    assert got == expected
    assert got_header == expected


def test_refcount_follows_names_binding_and_unbinding():
    """Binding a name adds one reference; deleting it takes one away."""
    x = []
    before = pyhood.refcnt(x)
    assert before == sys.getrefcount(x)
    y = x
    assert pyhood.refcnt(x) == before + 1 == sys.getrefcount(x)
    container = [x, x]
    assert pyhood.refcnt(x) == before + 3 == sys.getrefcount(x)
    del y, container
    assert pyhood.refcnt(x) == before == sys.getrefcount(x)


def test_refcnt_field_matches_memory():
    """layout's ob_refcnt field is the count at offset 0 while layout() held the object."""
    x = object()
    f = pyhood.layout(x).field("ob_refcnt")
    assert f.offset == OB_REFCNT
    # Include/object.h: Py_ssize_t before 3.14, uint32_t ob_refcnt from v3.14.10.
    assert f.size == (4 if PY >= (3, 14) else 8)
    # layout(x) and getrefcount(x) both see the same references (the local name, plus
    # their argument before 3.14, whose stack references are borrowed).
    assert f.value == sys.getrefcount(x)
    low32 = sword(id(x)) & 0xFFFFFFFF  # ctypes sees the stored count (no argument held)
    assert low32 == sys.getrefcount(x) - (0 if PY >= (3, 14) else 1)


class _Deque(collections.deque):
    pass


@pytest.mark.parametrize(
    "obj",
    [
        b"abcd",
        [1, 2, 3],
        (1, 2),
        bytearray(b"xy"),
        collections.deque([1, 2, 3]),
        _Deque("abcde"),
        array.array("i", [1, 2, 3, 4]),
    ],
    ids=lambda o: type(o).__name__,
)
def test_ob_size_is_len_for_variable_size_objects(obj):
    """PyVarObject.ob_size, at offset 16, holds len() for bytes, list, tuple, and for the
    types that begin with PyObject_VAR_HEAD though their items live in a separate buffer
    (tp_itemsize 0): bytearray, collections.deque (and a subclass), array.array."""
    h = pyhood.header(obj)
    assert h.size == len(obj) == sword(id(obj) + OB_SIZE)
    assert pyhood.layout(obj).field("ob_size").value == len(obj)


@pytest.mark.parametrize("obj", [1.0, {}, object(), "s"], ids=lambda o: type(o).__name__)
def test_fixed_size_objects_have_no_ob_size(obj):
    """Objects whose type has tp_itemsize 0 (and is not a list) carry no ob_size."""
    assert pyhood.header(obj).size is None
    with pytest.raises(KeyError):
        pyhood.layout(obj).field("ob_size")


def test_header_repr_is_one_line():
    """The header's repr is one readable line naming the type, refcount and address."""
    r = repr(pyhood.header([1]))
    assert "\n" not in r and "list" in r and "refcnt=" in r and hex(0)[:2] in r


@pytest.mark.skipif(PY >= (3, 12), reason="immortal objects exist from 3.12")
def test_nothing_is_immortal_before_312():
    """Before 3.12 no object is immortal: None's count is an ordinary count."""
    assert pyhood.header(None).immortal is False
    expected = sys.getrefcount(None)
    got = pyhood.refcnt(None)
    assert got == expected < 2**32


@pytest.mark.skipif(PY < (3, 12), reason="PEP 683 immortal objects arrived in 3.12")
def test_none_is_immortal_from_312():
    """From 3.12 None is immortal: the low 32 bits of its count, as int32, are negative."""
    low32 = struct.unpack("<i", mem(id(None), 4))[0]
    assert low32 < 0
    assert pyhood.header(None).immortal is True
    assert pyhood.header([]).immortal is False


def test_inspecting_leaves_no_reference_behind():
    """header(), refcnt(), layout() and peek() leave the object's refcount unchanged."""
    x = [1, 2, 3]
    before = sys.getrefcount(x)
    for _ in range(100):
        pyhood.header(x)
        pyhood.refcnt(x)
        pyhood.layout(x)
        pyhood.peek(x)
    assert sys.getrefcount(x) == before


def test_peek_reads_the_type_pointer():
    """peek(obj, 8, 8) is the ob_type pointer: id(type(obj)) in little-endian bytes."""
    x = 3.25
    assert pyhood.peek(x, OB_TYPE, 8) == struct.pack("<Q", id(float))
    assert pyhood.peek(x, 16, 8) == struct.pack("<d", 3.25)


def test_peek_refuses_ranges_outside_the_allocation():
    """peek raises ValueError for a range outside the object's own allocation."""
    x = 1.0
    lay = pyhood.layout(x)
    with pytest.raises(ValueError):
        pyhood.peek(x, lay.end - 4, 8)
    with pytest.raises(ValueError):
        pyhood.peek(x, lay.start - 8, 8)
    with pytest.raises(ValueError):
        pyhood.peek(x, 0, 10**9)
    assert len(pyhood.peek(x, lay.start)) == lay.end - lay.start


def test_gc_head_precedes_gc_objects_only():
    """A PyGC_Head (two words) sits before objects whose type has Py_TPFLAGS_HAVE_GC."""
    from conftest import GC_HEAD_SIZE, TPFLAGS_HAVE_GC

    lst, flt = [], 1.0
    assert type(lst).__flags__ & TPFLAGS_HAVE_GC
    assert not type(flt).__flags__ & TPFLAGS_HAVE_GC
    names = [f.name for f in pyhood.layout(lst).fields if f.region == "gc_head"]
    assert names == ["_gc_next", "_gc_prev"]
    assert pyhood.layout(lst).start == -GC_HEAD_SIZE
    assert pyhood.layout(flt).start == 0
    f = pyhood.layout(lst).field("_gc_prev")
    assert f.offset == -8
