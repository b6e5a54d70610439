"""Guide §12.3, string interning: which strings share one object, and where CPython keeps them.

``pyhood.intern_state(s)`` decodes the two ``state.interned`` bits of a ``str``;
``pyhood.interned_count()`` counts the interned strings of the interpreter (3.12+). Every test
checks them against something that does not go through pyhood: ``sys.intern`` identity, the
state word read with ctypes at the header's offset, ``sys._is_interned`` (3.13+),
``sys.getunicodeinternedsize()`` (3.12+) and reference counts.

Include/cpython/unicodeobject.h (every supported version): ``PyASCIIObject { PyObject_HEAD;
Py_ssize_t length; Py_hash_t hash; struct { unsigned int interned:2; kind:3; compact:1;
ascii:1; ready:1 (3.12+: statically_allocated:1); } state; ... }`` -> the state word is at
offset 32, ``interned`` is its bits 0-1 and ``statically_allocated`` bit 7 (3.12+).
``SSTATE_NOT_INTERNED`` 0, ``SSTATE_INTERNED_MORTAL`` 1, ``SSTATE_INTERNED_IMMORTAL`` 2,
``SSTATE_INTERNED_IMMORTAL_STATIC`` 3 (3.12+).
"""

from __future__ import annotations

import ctypes
import itertools
import sys
import warnings

import pyhood
import pytest
from conftest import FREE_THREADED, PY, before, requires, u32
from hypothesis import given, settings
from hypothesis import strategies as st

STATE_AT = 32
#: 3.14t made ``interned`` a whole byte; default builds keep two bits.
INTERNED_MASK = 0xFF if (FREE_THREADED and PY >= (3, 14)) else 0x3
STATIC_BIT = 1 << 7
NAMES = {0: "not_interned", 1: "mortal", 2: "immortal", 3: "static"}
#: What ``sys.intern`` makes of a new string: 3.12 made every interned string immortal,
#: 3.13 made them mortal again (``PyUnicode_InternImmortal`` is the immortal path).
SYS_INTERN_STATE = "immortal" if PY == (3, 12) or FREE_THREADED else "mortal"

_counter = itertools.count()


def fresh(prefix: str = "pyhood-test") -> str:
    """A new str, equal to no other string in the process, built at run time (so neither
    the compiler nor the unmarshaller has interned it)."""
    return "".join([prefix, "-", str(next(_counter)), "-", str(id(object()))])


def ctypes_state(s: str) -> int:
    """``state.interned`` read with ctypes (independent of pyhood)."""
    return u32(id(s) + STATE_AT) & INTERNED_MASK


def test_a_new_string_is_not_interned():
    """A string built at run time is a private object: not interned."""
    s = fresh()
    assert ctypes_state(s) == 0
    assert pyhood.intern_state(s) == "not_interned"


def test_sys_intern_keeps_the_first_object_and_marks_it():
    """``sys.intern`` puts the first string of a value in the interned table and marks it;
    an equal string interned later is replaced by that first object."""
    s = fresh()
    t = sys.intern(s)
    assert t is s
    assert pyhood.intern_state(s) == SYS_INTERN_STATE == NAMES[ctypes_state(s)]
    copy = "".join([s[:3], s[3:]])
    assert copy is not s and copy == s
    assert pyhood.intern_state(copy) == "not_interned"
    assert sys.intern(copy) is s


def test_identifiers_in_compiled_code_are_interned():
    """The compiler interns every name a code object uses (``co_names``), so attribute and
    global lookups compare pointers."""
    code = compile("spam_attribute_1234.eggs_attribute_5678", "<test>", "eval")
    for name in code.co_names:
        assert pyhood.intern_state(name) != "not_interned"
        assert pyhood.intern_state(name) == NAMES[ctypes_state(name)]


@requires((3, 12))
def test_static_strings_are_statically_allocated():
    """3.12+: identifiers CPython itself uses (``_Py_ID(__name__)``) and one-character
    ASCII strings are statically allocated and interned at start-up: state "static", with
    the ``statically_allocated`` bit set."""
    for s in ["__name__", "__dict__", "a", "Z"]:
        assert pyhood.intern_state(s) == "static"
        assert ctypes_state(s) == 3
        assert u32(id(s) + STATE_AT) & STATIC_BIT


@before((3, 12))
def test_intern_immortal_marks_a_string_immortal_before_312():
    """3.10/3.11: ``PyUnicode_InternImmortal`` (deprecated, removed in 3.12) interns a string
    that will never be freed: state "immortal"."""
    s = fresh()
    obj = ctypes.py_object(s)
    with warnings.catch_warnings():  # the C function warns that it is deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        ctypes.pythonapi.PyUnicode_InternImmortal(ctypes.byref(obj))
    assert obj.value is s
    assert pyhood.intern_state(s) == "immortal" == NAMES[ctypes_state(s)]


@requires((3, 12))
def test_immortal_and_static_strings_have_an_immortal_refcount():
    """3.12+: interned strings in state "immortal" or "static" are immortal objects: their
    reference count is pinned at the immortal value (>= 2**30) whatever refers to them."""
    for s in ["__name__", "a", *sys.modules]:
        if pyhood.intern_state(s) in ("immortal", "static"):
            assert sys.getrefcount(s) >= 2**30, s
    if hasattr(sys, "_is_immortal"):  # 3.14+
        for s in ["__name__", "a", *sys.modules]:
            if pyhood.intern_state(s) in ("immortal", "static"):
                assert sys._is_immortal(s)


@requires((3, 13))
def test_agrees_with_sys_is_interned_everywhere():
    """3.13+: ``intern_state(s) != "not_interned"`` exactly when ``sys._is_interned(s)``,
    for every string key of every loaded module's namespace and for fresh strings."""
    strings = [fresh() for _ in range(20)]
    for module in list(sys.modules.values()):
        strings.extend(k for k in vars(module) if type(k) is str)
    assert len(strings) > 1000
    for s in strings:
        assert (pyhood.intern_state(s) != "not_interned") == sys._is_interned(s), s


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=2, max_size=40))
def test_any_text_before_and_after_sys_intern(text):
    """For any text: a run-time copy is not interned unless it is the interned object
    itself, ``sys.intern`` returns an interned object, and pyhood reads exactly the bits
    ctypes reads."""
    copy = "".join([text[:1], text[1:]])
    interned = sys.intern(copy)
    for s in (copy, interned):
        assert pyhood.intern_state(s) == NAMES[ctypes_state(s)]
    assert pyhood.intern_state(interned) != "not_interned"
    if interned is not copy:
        assert pyhood.intern_state(copy) == "not_interned"


def test_subclass_instances_are_never_interned():
    """``sys.intern`` refuses str subclasses; their instances are always "not_interned"."""

    class S(str):
        pass

    s = S("__name__")
    assert pyhood.intern_state(s) == "not_interned"
    with pytest.raises(TypeError):
        sys.intern(s)


@pytest.mark.parametrize("obj", [b"bytes", 12, None, ["a"]], ids=["bytes", "int", "None", "list"])
def test_non_str_is_a_type_error(obj):
    """Only strings have an interning state."""
    with pytest.raises(TypeError, match="must be str"):
        pyhood.intern_state(obj)


# ---------------------------------------------------------------------------------------
# interned_count
# ---------------------------------------------------------------------------------------


def settled_count() -> int:
    """``pyhood.interned_count()`` read between two equal ``sys.getunicodeinternedsize()``:
    3.13+ interned strings are mortal, and one that dies between the two reads (a string the
    test run let go, freed at any moment by its last reference) would make them disagree by
    chance. Read again until the interpreter's own count held still around pyhood's, and
    pyhood's agreed with it; a pyhood that miscounts never agrees."""
    for _ in range(100):
        before = sys.getunicodeinternedsize()
        count = pyhood.interned_count()
        if before == count == sys.getunicodeinternedsize():
            return count
    raise AssertionError(f"pyhood.interned_count() {count} != sys's {before}")


@requires((3, 12))
@pytest.mark.skipif(FREE_THREADED, reason="no interpreter-state offsets for free-threaded builds")
def test_interned_count_is_sys_getunicodeinternedsize(gc_disabled):
    """3.12+: the number of interned strings is the size of this interpreter's interned dict
    (``interp->cached_objects.interned_strings``) plus the runtime-wide table of statically
    allocated ones (``_PyRuntime.cached_objects.interned_strings``), which is what
    ``sys.getunicodeinternedsize()`` reports."""
    pyhood.interned_count()  # first use interns pyhood's own anchor string
    assert settled_count() == sys.getunicodeinternedsize()


@requires((3, 12))
@pytest.mark.skipif(FREE_THREADED, reason="no interpreter-state offsets for free-threaded builds")
def test_interning_a_new_string_adds_one(gc_disabled):
    """Interning a string not seen before adds exactly one entry. 3.13+ interned strings
    are mortal: when the last reference goes, the entry goes too. 3.12 made them immortal:
    the entry stays for the life of the interpreter. (Each count is pyhood's agreeing with
    the interpreter's, ``settled_count``; a run in which some other interned string died
    meanwhile is tried again.)"""
    kept = 1 if SYS_INTERN_STATE == "immortal" else 0
    for _ in range(20):
        before_count = settled_count()
        s = sys.intern(fresh())
        assert pyhood.intern_state(s) == SYS_INTERN_STATE
        with_it = settled_count()
        del s
        after = settled_count()
        if (with_it, after) == (before_count + 1, before_count + kept):
            return
    raise AssertionError(f"counts {before_count} -> {with_it} -> {after}")


@before((3, 12))
def test_interned_count_is_unreachable_before_312():
    """3.10/3.11 keep the interned dict in a file-static variable of
    ``Objects/unicodeobject.c``: no exported symbol, no pointer from any reachable
    structure, so pyhood says so instead of guessing."""
    assert not hasattr(sys, "getunicodeinternedsize")
    with pytest.raises(pyhood.UnreachableStateError, match="static"):
        pyhood.interned_count()


def test_validation_rejects_a_dict_that_is_not_the_interned_dict():
    """Before trusting the pointer it finds, pyhood checks that it is a ``dict`` whose entry
    for pyhood's own interned anchor string maps that very object to itself. A list, an
    ordinary dict, NULL and unmapped memory all fail, with a StateValidationError."""
    check = pyhood._pyhood._interned_dict_size_at
    with pytest.raises(pyhood.StateValidationError, match="not a dict"):
        check(id([1, 2, 3]))
    with pytest.raises(pyhood.StateValidationError, match="anchor"):
        check(id({"a": "a", "b": "b"}))
    for address in (0, 8, 4096):
        with pytest.raises(pyhood.StateValidationError):
            check(address)
    anchor = sys.intern("_pyhood_interned_anchor")
    assert check(id({anchor: anchor, "x": 1})) == 2
