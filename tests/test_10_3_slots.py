"""Guide §10.3 — Memory layout of slotted classes.

``__slots__`` turns attributes into fixed pointer fields inside the object, declared as
``PyMemberDef`` entries of the class (``Include/descrobject.h``; ``structmember.h`` before
3.12): no ``__dict__`` and, unless asked for, no ``__weakref__``.
"""

from __future__ import annotations

import ctypes
import sys
import weakref

import pyhood
import pytest
from conftest import PY, word


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self, a, b):
        self.a = a
        self.b = b


class Plain:
    def __init__(self, a, b):
        self.a = a
        self.b = b


def member_offset(cls, name):
    """PyMemberDef.offset of a slot, read by ctypes from its member descriptor.

    PyMemberDescrObject.d_member is at 40 (Include/descrobject.h v3.12.1; same layout in
    v3.10.13, v3.11.7, v3.13.0) and PyMemberDef.offset at 16 in every version.
    """
    descr = cls.__dict__[name]
    member_def = word(id(descr) + 40)
    return ctypes.c_ssize_t.from_address(member_def + 16).value


def test_slots_are_pointer_fields_named_after_the_attributes():
    """Each slot is a PyObject * field at its member offset, holding id() of the value."""
    s = Slotted("first", "second")
    lay = pyhood.layout(s)
    for name in ("a", "b"):
        f = lay.field(name)
        assert f.offset == member_offset(Slotted, name)
        assert f.value == id(getattr(s, name))
        assert f.size == 8 and f.region == "body"


def test_unset_slot_is_null():
    """A slot that was never assigned holds NULL (0)."""
    s = Slotted.__new__(Slotted)
    assert pyhood.layout(s).field("a").value == 0


def test_no_dict_no_weakref_no_preheader():
    """A slotted instance has no __dict__ or __weakref__ slot and no managed pre-header."""
    lay = pyhood.layout(Slotted(1, 2))
    names = {f.name for f in lay.fields}
    assert not names & {"__dict__", "__weakref__", "managed_dict", "managed_weakref"}
    assert not [f for f in lay.fields if f.region == "preheader"]
    assert Slotted.__dictoffset__ == 0 and Slotted.__weakrefoffset__ == 0
    assert lay.end == Slotted.__basicsize__


def test_slots_save_memory_against_a_plain_class():
    """The slotted instance's allocation is smaller than the plain one's plus its attribute
    storage (its values block on 3.11/3.12, inline values on 3.13+, its dict on 3.10)."""
    s, p = Slotted(1, 2), Plain(1, 2)
    slotted = pyhood.layout(s)
    plain = pyhood.layout(p)
    assert slotted.end - slotted.start == sys.getsizeof(s)
    owned = sum(b.end - b.start for b in plain.blocks)
    if PY < (3, 11):
        owned += sys.getsizeof(p.__dict__)  # 3.10: a real dict per instance
    assert slotted.end - slotted.start < plain.end - plain.start + owned


def test_weakref_slot_when_requested():
    """__slots__ = ('a', '__weakref__') adds a weakref list: inside the object before 3.12,
    a managed pre-header word at -32 from 3.12 (tp_weaklistoffset says which)."""

    class W:
        __slots__ = ("__weakref__", "a")

    w = W()
    r = weakref.ref(w)
    lay = pyhood.layout(w)
    if W.__weakrefoffset__ > 0:
        f = lay.field("__weakref__")
        assert f.offset == W.__weakrefoffset__
    else:
        assert PY >= (3, 12)
        f = lay.field("managed_weakref")
        assert f.offset == W.__weakrefoffset__ == -32
    assert f.value == id(r)


@pytest.mark.parametrize("n", [1, 3, 8])
def test_basicsize_grows_one_word_per_slot(n):
    """tp_basicsize is the PyObject header plus one pointer per slot."""
    cls = type(f"S{n}", (), {"__slots__": tuple(f"s{i}" for i in range(n))})
    obj = cls()
    lay = pyhood.layout(obj)
    slots = [f for f in lay.fields if f.name.startswith("s") and f.region == "body"]
    assert len(slots) == n
    assert lay.basicsize == cls.__basicsize__ == 16 + 8 * n
    assert [f.offset for f in slots] == [member_offset(cls, f"s{i}") for i in range(n)]


@pytest.mark.parametrize("length", [1, 7, 8, 9, 15, 16, 17, 63, 200, 257, 5000])
def test_a_slot_name_of_any_length_names_its_field(length):
    """A slot's field is named by its ``__slots__`` entry whatever the name's length:
    ``PyMemberDef.name`` is that str's UTF-8, a C string pyhood reads 8 aligned bytes at a
    time up to its NUL, so lengths around a multiple of 8 are the edge cases."""
    name = ("s" + "0123456789" * 500)[:length]
    cls = type("Named", (), {"__slots__": (name,)})
    obj = cls()
    setattr(obj, name, 1.5)
    field = pyhood.layout(obj).field(name)
    assert field.offset == member_offset(cls, name)
    assert field.value == id(getattr(obj, name))
