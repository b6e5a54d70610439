"""Guide §10.2 — Memory layout of user-defined classes.

An instance of ``class C: pass`` is a GC object (a ``PyGC_Head`` precedes it) with room for
a ``__dict__`` and a ``__weakref__`` list. Where those live changed across versions:

- 3.10: both are slots inside the object, at ``C.__dictoffset__`` and ``C.__weakrefoffset__``.
- 3.11: ``Py_TPFLAGS_MANAGED_DICT``: values pointer at −32 and dict pointer at −24 before
  the GC head (``Include/internal/pycore_object.h`` v3.11.7); ``__weakref__`` stays inside.
- 3.12: ``Py_TPFLAGS_MANAGED_WEAKREF`` too: weakref list at −32, a tagged dict-or-values
  word at −24 (``pycore_object.h`` v3.12.1).
- 3.13: the values are embedded in the object (``Py_TPFLAGS_INLINE_VALUES``, at offset 16);
  −24 holds the dict pointer, NULL until ``__dict__`` is asked for (v3.13.0).
"""

from __future__ import annotations

import gc
import sys
import weakref

import pyhood
import pytest
from conftest import GC_HEAD_SIZE, PY, TPFLAGS_HAVE_GC, before, requires, u8, word

MANAGED_DICT = 1 << 4  # Include/object.h v3.11.7+: Py_TPFLAGS_MANAGED_DICT
MANAGED_WEAKREF = 1 << 3  # Include/object.h v3.12.1+: Py_TPFLAGS_MANAGED_WEAKREF
INLINE_VALUES = 1 << 2  # Include/object.h v3.13.0: Py_TPFLAGS_INLINE_VALUES


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y


def values_of(lay):
    """Map attribute name (from the field notes) to the value pointer, for values fields."""
    out = {}
    fields = list(lay.fields) + [f for b in lay.blocks for f in b.fields]
    for f in fields:
        if f.name.startswith("values[") and f.note:
            out[f.note.strip('"')] = f.value
    return out


def test_instances_carry_a_gc_head():
    """Instances of user classes are GC objects: a two-word PyGC_Head sits right before them."""
    p = Point(1, 2)
    assert type(p).__flags__ & TPFLAGS_HAVE_GC
    # Move p to the oldest generation and stop collections, so its list neighbours stay put
    # while layout() allocates.
    gc.collect()
    gc.disable()
    try:
        expected = word(id(p) - 16), word(id(p) - 8)
        lay = pyhood.layout(p)
    finally:
        gc.enable()
    nxt, prv = lay.field("_gc_next"), lay.field("_gc_prev")
    assert (nxt.offset, prv.offset) == (-16, -8)
    assert (nxt.value, prv.value) == expected
    assert (nxt.value != 0) == gc.is_tracked(p)


def test_size_matches_getsizeof():
    """The object's allocation (pre-header + GC head + body) is what sys.getsizeof counts.

    3.13 leaves the inline values out of getsizeof (cpython gh-128762); pyhood counts them.
    They were sized for the class's shared keys before the instance took one of their
    usable slots (``_PyType_AllocNoTrack`` then ``_PyObject_InitInlineValues``,
    Objects/typeobject.c v3.13.0): ``capacity + 1`` values while the keys have usable slots
    left, as the keys of a class with one instance do.
    """

    class Fresh:
        def __init__(self, x, y):
            self.x = x
            self.y = y

    p = Fresh(1, 2)
    lay = pyhood.layout(p)
    if PY >= (3, 13):
        capacity = u8(id(p) + 16)  # PyDictValues.capacity, pycore_dict.h v3.13.0
        size = capacity + 1
        # _PyInlineValuesSize (pycore_dict.h v3.13.0): prefix + (size + 1) pointers.
        inline = (size + 7) // 8 * 8 + (size + 1) * 8
        assert lay.end - lay.start == sys.getsizeof(p) + inline
    else:
        assert lay.end - lay.start == sys.getsizeof(p)
    assert lay.basicsize == Fresh.__basicsize__


@before((3, 11), "3.10 keeps __dict__ inside the object")
def test_310_dict_and_weakref_slots_inside_the_object():
    """3.10: __dict__ and __weakref__ are pointers at tp_dictoffset and tp_weaklistoffset."""
    p = Point(1, 2)
    lay = pyhood.layout(p)
    d = lay.field("__dict__")
    assert d.offset == Point.__dictoffset__
    assert d.value == id(p.__dict__)
    w = lay.field("__weakref__")
    assert w.offset == Point.__weakrefoffset__
    assert w.value == 0
    r = weakref.ref(p)
    assert pyhood.layout(p).field("__weakref__").value == id(r)


@requires((3, 11), "managed dicts arrived in 3.11")
def test_managed_dict_lives_in_the_preheader():
    """3.11+: the dict pointer is a pre-header word 24 bytes before the object."""
    assert Point.__flags__ & MANAGED_DICT
    p = Point(1, 2)
    lay = pyhood.layout(p)
    pre = [f for f in lay.fields if f.region == "preheader"]
    assert [f.offset for f in pre] == [-32, -24]
    assert lay.start == -16 - GC_HEAD_SIZE
    d = p.__dict__  # now materialised: the word at -24 points at it (3.12: untagged dict)
    assert pyhood.layout(p).field(pre[1].name).value == id(d) == word(id(p) - 24)


@requires((3, 12), "managed weakrefs arrived in 3.12")
def test_managed_weakref_lives_at_minus_32():
    """3.12+: the weakref list head is the pre-header word 32 bytes before the object."""
    assert Point.__flags__ & MANAGED_WEAKREF
    p = Point(1, 2)
    assert pyhood.layout(p).field("managed_weakref").value == 0
    r = weakref.ref(p)
    assert pyhood.layout(p).field("managed_weakref").value == id(r) == word(id(p) - 32)


@pytest.mark.skipif(not ((3, 11) <= PY < (3, 13)), reason="3.11/3.12 out-of-object values")
def test_311_312_values_block_holds_the_attributes():
    """3.11/3.12: until __dict__ is asked for, attributes live in a separate values array."""
    p = Point("ex", "why")
    lay = pyhood.layout(p)
    vals = values_of(lay)
    assert vals["x"] == id(p.x) and vals["y"] == id(p.y)
    assert lay.block("values").address != 0


@requires((3, 13), "inline values arrived in 3.13")
def test_313_inline_values_hold_the_attributes():
    """3.13+: attribute values are embedded in the object, named by the class's shared keys."""
    assert Point.__flags__ & INLINE_VALUES
    p = Point("ex", "why")
    lay = pyhood.layout(p)
    vals = values_of(lay)
    assert vals["x"] == id(p.x) and vals["y"] == id(p.y)
    assert lay.field("capacity").value == u8(id(p) + 16)
    assert lay.field("size").value == u8(id(p) + 17) == 2
    assert all(f.region == "inline_values" for f in lay.fields if f.name.startswith("values["))


@requires((3, 11), "managed dicts arrived in 3.11")
def test_layout_never_materialises_the_dict():
    """Inspecting an instance whose __dict__ was never touched leaves it untouched.

    The pre-header dict word (−24) stays as it was: NULL on 3.11 and 3.13+, and a tagged
    values pointer (bit 0 set) on 3.12 — no dict object is created.
    """
    p = Point(1, 2)
    before_word = word(id(p) - 24)
    for _ in range(50):
        pyhood.layout(p)
        pyhood.header(p)
        pyhood.peek(p, -24, 8)
    assert word(id(p) - 24) == before_word
    if PY == (3, 12):
        assert before_word & 1 == 1
    else:
        assert before_word == 0


def test_subclass_of_int_keeps_digits_and_gets_a_dict():
    """class MyInt(int): the digits come first; the instance dict is a pointer slot (3.10,
    3.11: counted back from the end of the digits) or a managed pre-header word (3.12+)."""

    class MyInt(int):
        pass

    x = MyInt(7)
    d = x.__dict__
    lay = pyhood.layout(x)
    digit = next(f for f in lay.fields if f.name.endswith("ob_digit[0]"))
    assert digit.value == 7
    if PY >= (3, 12):
        name = "managed_dict" if PY >= (3, 13) else "dict_or_values"
        assert lay.field(name).value == id(d)
    else:
        assert lay.field("__dict__").value == id(d)
