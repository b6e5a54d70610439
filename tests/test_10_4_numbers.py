"""Guide §10.4, memory layout of core built-ins: ``int``, ``bool`` and ``float``.

Every test checks ``pyhood.layout`` / ``pyhood.peek`` against something that does not go
through pyhood: the integer's own value, ``sys.int_info``, ``sys.getsizeof``,
``type.__basicsize__`` / ``__itemsize__``, ``struct.pack`` and ctypes reads at offsets taken
from the CPython headers of the running version (cited where used).
"""

from __future__ import annotations

import math
import struct
import sys

import pyhood
import pytest
from conftest import PY, TPFLAGS_HAVE_GC, mem, sword, u32, word
from hypothesis import given, settings
from hypothesis import strategies as st

BITS = sys.int_info.bits_per_digit
DIGIT_SIZE = sys.int_info.sizeof_digit

# Include/object.h (every version): PyObject_HEAD is ob_refcnt at 0 and ob_type at 8;
# PyObject_VAR_HEAD adds Py_ssize_t ob_size at 16.
OB_TYPE_AT = 8
# Include/longintrepr.h v3.10.13 and Include/cpython/longintrepr.h v3.11.7:
#   struct _longobject { PyObject_VAR_HEAD; digit ob_digit[1]; }  -> ob_size 16, ob_digit 24.
# Include/cpython/longintrepr.h v3.12.1 / v3.13.0:
#   typedef struct _PyLongValue { uintptr_t lv_tag; digit ob_digit[1]; } _PyLongValue;
#   struct _longobject { PyObject_HEAD; _PyLongValue long_value; }  -> lv_tag 16, ob_digit 24.
TAG_AT = 16
DIGITS_AT = 24
# Include/internal/pycore_long.h v3.12.1 / v3.13.0: SIGN_MASK 3, SIGN_ZERO 1,
# SIGN_NEGATIVE 2, NON_SIZE_BITS 3 (sign = 1 - (lv_tag & SIGN_MASK)).
SIGN_MASK = 3
NON_SIZE_BITS = 3
TAGGED = PY >= (3, 12)
DIGITS_NAME = "long_value.ob_digit" if TAGGED else "ob_digit"
TAG_NAME = "long_value.lv_tag" if TAGGED else "ob_size"
# Include/floatobject.h v3.10.13, Include/cpython/floatobject.h v3.11.7 / v3.12.1 / v3.13.0:
#   typedef struct { PyObject_HEAD; double ob_fval; } PyFloatObject;  -> ob_fval at 16.
FVAL_AT = 16

INTS = [0, 1, -1, 2**30, 2**70, -(10**40), 2**30 - 1, -(2**60), 10**100]


def expected_sign_ndigits(x: int) -> tuple[int, int]:
    """Sign and digit count from the value alone (sys.int_info.bits_per_digit)."""
    return (x > 0) - (x < 0), -(-abs(x).bit_length() // BITS)


def c_sign_ndigits(x: int) -> tuple[int, int]:
    """Sign and digit count read by ctypes from the tag word at offset 16."""
    if TAGGED:
        tag = word(id(x) + TAG_AT)
        return 1 - (tag & SIGN_MASK), tag >> NON_SIZE_BITS
    size = sword(id(x) + TAG_AT)
    return (size > 0) - (size < 0), abs(size)


def c_digits(x: int) -> list[int]:
    """The digits read by ctypes at ob_digit (offset 24)."""
    _, n = c_sign_ndigits(x)
    return [u32(id(x) + DIGITS_AT + DIGIT_SIZE * i) for i in range(n)]


def pyhood_sign_ndigits(lay: pyhood.Layout) -> tuple[int, int]:
    if TAGGED:
        sign = 1 - lay.field(f"{TAG_NAME}.sign").value
        return sign, lay.field(f"{TAG_NAME}.ndigits").value
    size = lay.field("ob_size").value
    return (size > 0) - (size < 0), abs(size)


def pyhood_digits(lay: pyhood.Layout) -> list[int]:
    _, n = pyhood_sign_ndigits(lay)
    return [lay.field(f"{DIGITS_NAME}[{i}]").value for i in range(n)]


def rebuild(lay: pyhood.Layout) -> int:
    """The value the layout describes: sign * sum(d << (bits_per_digit * i))."""
    sign, _ = pyhood_sign_ndigits(lay)
    return sign * sum(d << (BITS * i) for i, d in enumerate(pyhood_digits(lay)))


def digit_fields(lay: pyhood.Layout) -> list[pyhood.Field]:
    return [f for f in lay.fields if f.name.startswith(DIGITS_NAME + "[")]


# ---------------------------------------------------------------------------------------
# int
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("x", INTS, ids=repr)
def test_int_digits_rebuild_value(x):
    """An int's digits, base 2**bits_per_digit little-endian with the sign from
    ob_size / lv_tag, add up to the int's value; each digit is the uint32 ctypes reads at
    offset 24 + 4*i."""
    lay = pyhood.layout(x)
    assert lay.address == id(x)
    assert rebuild(lay) == x
    assert pyhood_digits(lay) == c_digits(x)
    for d in pyhood_digits(lay):
        assert 0 <= d < 1 << BITS
    for i, f in enumerate(digit_fields(lay)):
        assert f.offset == DIGITS_AT + DIGIT_SIZE * i
        assert f.size == DIGIT_SIZE
        assert f.raw == mem(id(x) + f.offset, DIGIT_SIZE)


@pytest.mark.parametrize("x", INTS, ids=repr)
def test_int_sign_and_digit_count(x):
    """The sign and digit count in ob_size (3.10/3.11) or lv_tag (3.12+) match the value's
    sign and ceil(bit_length / bits_per_digit), and the tag word ctypes reads at 16."""
    lay = pyhood.layout(x)
    assert pyhood_sign_ndigits(lay) == expected_sign_ndigits(x) == c_sign_ndigits(x)
    tag = lay.field(TAG_NAME)
    assert tag.offset == TAG_AT
    assert tag.raw == mem(id(x) + TAG_AT, 8)
    if TAGGED:
        assert tag.value == word(id(x) + TAG_AT)
        assert lay.field(f"{TAG_NAME}.sign").value == word(id(x) + TAG_AT) & SIGN_MASK
        assert lay.field(f"{TAG_NAME}.ndigits").value == word(id(x) + TAG_AT) >> NON_SIZE_BITS
    else:
        assert tag.value == sword(id(x) + TAG_AT)


@pytest.mark.parametrize("x", INTS, ids=repr)
def test_int_allocation_matches_getsizeof(x):
    """ints are not GC objects, so the allocation starts at id(x) and ends at
    sys.getsizeof(x): offsetof(ob_digit) (== int.__basicsize__) plus one digit
    (int.__itemsize__ bytes) per allocated digit."""
    assert not type(x).__flags__ & TPFLAGS_HAVE_GC
    assert int.__basicsize__ == DIGITS_AT
    assert int.__itemsize__ == DIGIT_SIZE
    lay = pyhood.layout(x)
    assert lay.start == 0
    assert lay.end - lay.start == sys.getsizeof(x)
    # Every allocated digit is shown as a field, and they fill the allocation to its end.
    assert DIGITS_AT + DIGIT_SIZE * len(digit_fields(lay)) == sys.getsizeof(x)


def test_int_ob_type_points_at_int():
    """ob_type of an int holds id(int), as ctypes reads at offset 8."""
    x = 2**70 + 12345
    lay = pyhood.layout(x)
    assert lay.field("ob_type").value == id(int) == word(id(x) + OB_TYPE_AT)


@settings(max_examples=100, deadline=None, database=None)
@given(st.integers(min_value=-(2**200), max_value=2**200))
def test_int_digits_rebuild_value_property(x):
    """For any int, the digits pyhood shows rebuild the value, agree with ctypes, and their
    count is ceil(bit_length / bits_per_digit)."""
    lay = pyhood.layout(x)
    assert rebuild(lay) == x
    assert pyhood_digits(lay) == c_digits(x)
    assert pyhood_sign_ndigits(lay) == expected_sign_ndigits(x)


# ---------------------------------------------------------------------------------------
# bool
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("b", [True, False], ids=repr)
def test_bool_is_an_int_with_its_digits(b):
    """True and False are ints: their digits rebuild 1 and 0, the tag agrees with ctypes,
    ob_type is id(bool), and the allocation is sys.getsizeof(b) bytes."""
    lay = pyhood.layout(b)
    assert lay.address == id(b)
    assert rebuild(lay) == int(b)
    assert pyhood_sign_ndigits(lay) == expected_sign_ndigits(int(b)) == c_sign_ndigits(b)
    assert pyhood_digits(lay) == c_digits(b) == ([1] if b else [])
    assert lay.field("ob_type").value == id(bool) == word(id(b) + OB_TYPE_AT)
    assert lay.end - lay.start == sys.getsizeof(b)


def test_bool_singletons():
    """Every True and every False is the same object: layouts of booleans produced in
    different ways all have the address id(True) or id(False)."""
    trues = [bool(7), 1 == 1, not 0, isinstance(1, int), bool("x")]
    falses = [bool(0), 1 == 2, not 1, isinstance(1, str), bool("")]
    for t in trues:
        assert t is True
        assert pyhood.layout(t).address == id(True)
    for f in falses:
        assert f is False
        assert pyhood.layout(f).address == id(False)
    assert id(True) != id(False)


# ---------------------------------------------------------------------------------------
# float
# ---------------------------------------------------------------------------------------

FLOATS = [1.5, -0.0, 0.1, -2.5e-300, 1e308, 5e-324, math.inf, -math.inf, math.nan]


@pytest.mark.parametrize("x", FLOATS, ids=repr)
def test_float_ob_fval(x):
    """ob_fval is the float's IEEE-754 double: its bytes are struct.pack('<d', x) and what
    ctypes reads at offset 16, and it decodes to x."""
    lay = pyhood.layout(x)
    f = lay.field("ob_fval")
    assert f.offset == FVAL_AT
    assert f.size == 8
    assert f.raw == struct.pack("<d", x) == mem(id(x) + FVAL_AT, 8)
    if math.isnan(x):
        assert math.isnan(f.value)
    else:
        assert f.value == x
        assert math.copysign(1.0, f.value) == math.copysign(1.0, x)
    assert lay.field("ob_type").value == id(float) == word(id(x) + OB_TYPE_AT)


@pytest.mark.parametrize("x", FLOATS, ids=repr)
def test_float_size(x):
    """A float is a fixed-size, non-GC object: its allocation is [0, sys.getsizeof(x)) and
    that equals float.__basicsize__."""
    assert not float.__flags__ & TPFLAGS_HAVE_GC
    lay = pyhood.layout(x)
    assert lay.start == 0
    assert lay.end - lay.start == sys.getsizeof(x) == float.__basicsize__


# ---------------------------------------------------------------------------------------
# peek
# ---------------------------------------------------------------------------------------


def test_peek_int_matches_ctypes():
    """peek(x) returns the int's allocation, sys.getsizeof(x) bytes from id(x), as ctypes
    reads them (compared past the refcount word, which the calls themselves touch)."""
    x = -(10**40) - 7
    n = sys.getsizeof(x)
    whole = pyhood.peek(x)
    assert len(whole) == n
    assert whole[8:] == mem(id(x) + 8, n - 8)
    assert pyhood.peek(x, DIGITS_AT, DIGIT_SIZE) == mem(id(x) + DIGITS_AT, DIGIT_SIZE)
    assert pyhood.peek(x, TAG_AT, 8) == mem(id(x) + TAG_AT, 8)


def test_peek_float_matches_struct():
    """peek(x, 16, 8) of a float is struct.pack('<d', x)."""
    x = 2.0**0.5
    assert pyhood.peek(x, FVAL_AT, 8) == struct.pack("<d", x)
    assert len(pyhood.peek(x)) == sys.getsizeof(x)


def test_peek_refuses_past_the_allocation():
    """peek refuses a range that runs past sys.getsizeof(x) bytes or starts before the
    object (an int has no GC head)."""
    x = 2**70 + 1
    n = sys.getsizeof(x)
    assert len(pyhood.peek(x, 0, n)) == n
    with pytest.raises(ValueError):
        pyhood.peek(x, 0, n + 1)
    with pytest.raises(ValueError):
        pyhood.peek(x, -8, 8)
