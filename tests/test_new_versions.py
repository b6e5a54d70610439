"""What changed in CPython 3.14 and 3.15, proven on the interpreter that runs the tests.

3.14 (``Include/refcount.h`` v3.14.10): the refcount word splits into a 32-bit
``ob_refcnt``, ``ob_overflow`` and ``ob_flags`` (bit 0 immortal, bit 2 statically
allocated); ``Py_REFCNT`` is the 32-bit count; tuples cache their hash in ``ob_hash``.
3.15 (Debian's python3.15-dev 3.15.2): ``PyTypeObject._tp_iteritem``, the ``frozendict``
type (``PyFrozenDictObject`` adds ``ma_hash``), ``__slots__`` on tuple subclasses stored
after the items (``_Py_AFTER_ITEMS``), and small ints cached up to 1024.
"""

from __future__ import annotations

import ctypes
import struct
import sys

import pyhood
import pytest
from conftest import PY, mem, requires


@requires((3, 12), "immortality arrived in 3.12")
@pytest.mark.parametrize("obj", [None, True, 5, (), "", int], ids=repr)
def test_immortal_objects_agree_with_the_refcount_encoding(obj):
    """An object is immortal when the low 32 bits of its count, as int32, are negative
    (``_Py_IsImmortal``, ``Include/object.h`` v3.12.1 / ``refcount.h`` v3.14.10)."""
    low32 = struct.unpack("<i", mem(id(obj), 4))[0]
    assert pyhood.header(obj).immortal is (low32 < 0) is True
    if hasattr(sys, "_is_immortal"):  # 3.14+
        assert pyhood.header(obj).immortal is sys._is_immortal(obj)


@requires((3, 14), "sys._is_immortal arrived in 3.14")
@pytest.mark.parametrize("obj", [None, object(), [1], 7, 10**30, "pyhood"], ids=repr)
def test_immortal_equals_sys_is_immortal(obj):
    """header(x).immortal is exactly sys._is_immortal(x)."""
    assert pyhood.header(obj).immortal is sys._is_immortal(obj)


@requires((3, 14), "the 32-bit ob_refcnt arrived in 3.14")
def test_refcnt_is_the_32_bit_count_not_the_whole_word():
    """Py_REFCNT(None) is the 32-bit ob_refcnt (3 << 30), not the 64-bit word that also
    holds ob_flags (pyo3-ffi 0.30's Py_REFCNT returns the word: 1407378104778752)."""
    word = ctypes.c_uint64.from_address(id(None)).value
    expected = sys.getrefcount(None)
    got = pyhood.refcnt(None)
    assert got == expected == word & 0xFFFFFFFF == 3 << 30
    assert word != got


@requires((3, 14), "ob_flags arrived in 3.14")
def test_ob_flags_are_decoded():
    """ob_flags (offset 6) marks immortal (bit 0) and statically allocated (bit 2) objects:
    None is both; a new object is neither."""
    lay = pyhood.layout(None)
    raw_flags = struct.unpack("<H", mem(id(None) + 6, 2))[0]
    assert lay.field("ob_flags").value == raw_flags == pyhood.header(None).flags
    assert lay.field("ob_flags.immortal").value is bool(raw_flags & 1) is True
    assert lay.field("ob_flags.statically_allocated").value is bool(raw_flags & 4) is True
    fresh = pyhood.layout(object())
    assert fresh.field("ob_flags").value == 0
    assert fresh.field("ob_flags.immortal").value is False


@requires((3, 14), "tuples cache their hash from 3.14")
def test_tuple_caches_its_hash_in_ob_hash():
    """A tuple's ob_hash (offset 24) is -1 until hash() runs, then equals hash(t)."""
    t = tuple([1, "two", 3.0])
    assert pyhood.layout(t).field("ob_hash").value == -1
    h = hash(t)
    assert pyhood.layout(t).field("ob_hash").value == h
    assert pyhood.layout(t).field("ob_item[0]").offset == 32


@requires((3, 15), "_tp_iteritem arrived in 3.15")
def test_type_object_has_tp_iteritem():
    """PyTypeObject gained _tp_iteritem (set for list and tuple, NULL for int)."""
    assert pyhood.layout(list).field("_tp_iteritem").value != 0
    assert pyhood.layout(int).field("_tp_iteritem").value == 0


@requires((3, 15), "frozendict arrived in 3.15")
def test_frozendict_layout():
    """A frozendict is a PyDictObject plus ma_hash: entries point at its keys and values,
    and ma_hash caches hash(fd)."""
    fd = frozendict({"a": 1, "b": 2})  # noqa: F821 - a 3.15 builtin
    lay = pyhood.layout(fd)
    assert lay.field("ma_used").value == 2
    assert lay.field("ma_hash").value == -1
    h = hash(fd)
    assert pyhood.layout(fd).field("ma_hash").value == h
    keys = lay.block("ma_keys")
    got = [f.value for f in keys.fields if f.name.endswith(".me_key") and f.value]
    assert got == [id(k) for k in fd]
    assert lay.end == type(fd).__basicsize__
    # As for dict, __sizeof__ counts the keys object the frozendict owns alone.
    assert lay.end - lay.start + keys.size == sys.getsizeof(fd)


@requires((3, 15), "slots on tuple subclasses arrived in 3.15")
@pytest.mark.parametrize("n", [0, 1, 2, 5])
def test_tuple_subclass_slots_live_after_the_items(n):
    """``__slots__`` of a tuple subclass sit after the items: at offset + len * itemsize."""

    class T(tuple):
        __slots__ = ("a", "b")

    t = T(range(n))
    t.a, t.b = "first", "second"
    lay = pyhood.layout(t)
    assert lay.field("a").value == id(t.a)
    assert lay.field("b").value == id(t.b)
    # PyMemberDescrObject.d_member at 40, PyMemberDef.offset at 16 (descrobject.h v3.15.2)
    member_def = ctypes.c_size_t.from_address(id(T.__dict__["a"]) + 40).value
    declared = ctypes.c_ssize_t.from_address(member_def + 16).value
    assert lay.field("a").offset == declared + n * T.__itemsize__


@requires((3, 15), "the small-int cache grew to 1024 in 3.15")
def test_small_ints_up_to_1024_are_immortal():
    """3.15 caches ints up to 1024 (pycore_runtime_structs.h): 1000 is immortal."""
    x = int("1000")
    assert pyhood.header(x).immortal is sys._is_immortal(x) is True
    assert PY >= (3, 15)
