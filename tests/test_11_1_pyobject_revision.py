"""Guide §11.1, the PyObject revisited: the header is the unit of memory management.

Every object, whatever its type, begins with the same header: a reference count and a pointer
to its type. ``pyhood.header(obj)`` reads it; these tests compare it with ``id()``,
``type()``, ``sys.getrefcount`` and ctypes reads of the first words of the object (offsets
from ``Include/object.h``: ``ob_refcnt`` at 0 on default builds, ``ob_type`` at 8).
"""

from __future__ import annotations

import sys

import pyhood
import pytest
from conftest import FREE_THREADED, PY, u32, word

#: References a call to ``sys.getrefcount(obj)`` (or ``pyhood.refcnt(obj)``) adds for its own
#: argument: one before 3.14; none from 3.14, whose calls pass arguments as borrowed stack
#: references.
ARGUMENT_REF = 1 if PY < (3, 14) else 0


class Plain:
    pass


def _samples() -> list[object]:
    text = "".join(["te", "xt"])  # built at run time: not interned, so not immortal
    return [Plain(), [1, 2], {"k": "v"}, (1, "x"), 3.5, 10**40, text, bytes(3), {1, 2}]


@pytest.mark.parametrize("obj", _samples(), ids=lambda o: type(o).__name__)
def test_every_object_starts_with_the_same_header(obj):
    """Whatever the type, ``ob_type`` is the word at offset 8 of the object and it is
    ``id(type(obj))``; the object's address is ``id(obj)``."""
    h = pyhood.header(obj)
    assert h.address == id(obj)
    assert h.type_address == id(type(obj)) == word(id(obj) + 8)
    assert h.type is type(obj)


@pytest.mark.skipif(FREE_THREADED, reason="free-threaded builds split the reference count")
@pytest.mark.parametrize("obj", _samples(), ids=lambda o: type(o).__name__)
def test_the_reference_count_is_the_first_word(obj):
    """On default builds the reference count of a mortal object is the (low 32 bits of
    the) first word of the object, as ctypes reads it; like ``sys.getrefcount``,
    ``pyhood.refcnt`` sees the reference its own argument holds during the call (before
    3.14)."""
    assert pyhood.refcnt(obj) == sys.getrefcount(obj) == u32(id(obj)) + ARGUMENT_REF


def test_refcount_follows_names_binding_and_unbinding():
    """Binding a name adds one reference and unbinding removes it; ``pyhood.refcnt``
    moves exactly as ``sys.getrefcount`` does (both count their own argument)."""
    obj = Plain()
    base = pyhood.refcnt(obj)
    assert sys.getrefcount(obj) == base
    a = obj
    b = obj
    assert pyhood.refcnt(obj) == base + 2 == sys.getrefcount(obj)
    del a
    assert pyhood.refcnt(obj) == base + 1 == sys.getrefcount(obj)
    holder = [obj, obj, obj]
    assert pyhood.refcnt(obj) == base + 4 == sys.getrefcount(obj)
    del holder, b
    assert pyhood.refcnt(obj) == base == sys.getrefcount(obj)


def test_the_header_belongs_to_the_object_not_to_the_name():
    """Two names bound to one object show one header at one address; an equal object
    has its own header."""
    x = [1, 2, 3]
    y = x
    z = [1, 2, 3]
    assert pyhood.header(x).address == pyhood.header(y).address == id(x)
    assert pyhood.header(z).address == id(z) != id(x)
