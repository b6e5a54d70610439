"""Guide §11.3, identity, caching and reuse.

``id(obj)`` is the object's address while it lives. Some values are shared objects: the
small-int cache (``-5..256``; ``-5..1024`` on 3.15) and interned strings. When an object dies
its block goes back to the allocator, and the next object of the same size class can get the
same address, so the same ``id``. Immortal objects (3.12+) carry a reference count that never
changes. The independent truths are identity (``is``) of separately computed values,
``sys.intern``, ``sys._is_immortal`` (3.14+) and ctypes reads of the reference count.
"""

from __future__ import annotations

import ctypes
import gc
import sys

import pyhood
import pytest
from conftest import FREE_THREADED, PY, allocator_block

#: The last cached small int of this version (``_PY_NSMALLPOSINTS - 1``).
LAST_SMALL = 1024 if PY >= (3, 15) else 256


def fresh_int(v: int) -> int:
    """``v`` computed at run time (never a constant of the code object)."""
    return int(str(v))


@pytest.mark.parametrize("v", [-6, -5, 0, 1, LAST_SMALL, LAST_SMALL + 1, 10**6])
def test_the_small_int_cache_boundary(v):
    """Two separately computed ints are one object exactly when the value is in the cache
    (``-5`` to the last small int); ``is_small_int`` agrees."""
    shared = fresh_int(v) is fresh_int(v)
    assert shared == (-5 <= v <= LAST_SMALL)
    assert pyhood.is_small_int(fresh_int(v)) is shared


def test_a_big_int_equal_to_a_small_one_is_not_the_cached_object():
    """``is_small_int`` compares addresses: an int subclass or a bool with a small value is
    not the cached int."""

    class MyInt(int):
        pass

    assert pyhood.is_small_int(MyInt(7)) is False
    assert pyhood.is_small_int(True) is False
    assert pyhood.is_small_int(7.0) is False
    assert pyhood.is_small_int(7) is True


def test_interned_strings_are_one_object():
    """``sys.intern`` maps equal strings to one object: one header at one address; equal
    strings built at run time without interning are distinct objects."""
    a = "".join(["pyhood ", "identity ", "test"])
    b = "".join(["pyhood ", "identity", " test"])
    assert a == b and a is not b and id(a) != id(b)
    ia, ib = sys.intern(a), sys.intern(b)
    assert ia is ib
    assert pyhood.header(ia).address == pyhood.header(ib).address == id(ia)
    assert pyhood.intern_state(ia) != "not_interned"


#: How many times the reuse test frees an object and allocates the next one.
REUSE_TRIES = 50


@pytest.mark.skipif(FREE_THREADED, reason="mimalloc reuses blocks differently")
def test_a_dead_objects_block_may_serve_the_next_object(record_testsuite_property):
    """When an object dies its block goes back to its size class, and the next object of that
    class can take it, and with it the dead one's ``id``. That is likely, not promised (the
    interpreter guarantees unique ids among live objects only), so over many tries the test
    records how often it happened (``reuse_rate_11_3`` in the JUnit XML) and asserts what always
    holds: the new object's block is in the same size class, of the size its pool header (or
    malloc chunk) states, an equal ``id`` means the same block, and two live objects never
    share an ``id``."""

    class Obj:  # fixed size: no inline values whose size could change between instances
        __slots__ = ("a", "b")

    reused = 0
    was = gc.isenabled()
    gc.disable()
    try:
        for _ in range(REUSE_TRIES):
            x = Obj()
            # A neighbour in the same size class keeps x's pool in use once x is freed: were x
            # alone in a fresh pool, freeing it would empty the pool, pymalloc would return it
            # to its arena, and the next block would come from another pool.
            neighbour = Obj()
            addr, dead = id(x), pyhood.block_info(x)
            del x
            y = Obj()
            new = pyhood.block_info(y)
            assert new.domain == dead.domain
            assert new.size_class == dead.size_class
            assert new.block_size == dead.block_size
            assert (new.domain, new.block_size) == allocator_block(new.block_address, new.requested)
            if id(y) == addr:
                reused += 1
                assert new.block_address == dead.block_address
            else:
                assert new.block_address != dead.block_address
            assert id(y) != id(neighbour)
            del y, neighbour
    finally:
        (gc.enable if was else gc.disable)()
    record_testsuite_property("reuse_rate_11_3", f"{reused}/{REUSE_TRIES}")


IMMORTAL_CANDIDATES = [None, True, False, 5, (), "", object(), [], 10**30, "a"]


@pytest.mark.skipif(PY < (3, 14), reason="sys._is_immortal is new in 3.14")
@pytest.mark.parametrize("obj", IMMORTAL_CANDIDATES, ids=repr)
def test_is_immortal_is_what_sys_is_immortal_says(obj):
    """``is_immortal`` reads the same bits ``sys._is_immortal`` tests."""
    assert pyhood.is_immortal(obj) is sys._is_immortal(obj)


@pytest.mark.skipif(
    not (3, 12) <= PY < (3, 14) or FREE_THREADED,
    reason="the 3.12/3.13 default-build refcount encoding",
)
@pytest.mark.parametrize("obj", IMMORTAL_CANDIDATES, ids=repr)
def test_immortality_is_a_negative_32_bit_refcount(obj):
    """On 3.12 and 3.13 an object is immortal when the low 32 bits of ``ob_refcnt``, as a
    signed int, are negative (``_Py_IsImmortal``, ``Include/object.h``); ctypes reads them."""
    low = ctypes.c_int32.from_address(id(obj)).value
    assert pyhood.is_immortal(obj) is (low < 0)


@pytest.mark.skipif(PY >= (3, 12), reason="immortal objects are new in 3.12")
def test_nothing_is_immortal_before_312(gc_disabled):
    """Before 3.12 every object, even ``None``, is reference counted. (With automatic
    collections off: a collection between the two reads could free garbage that holds
    ``None`` and lower its count by more than the list adds.)"""
    before = pyhood.refcnt(None)
    extra = [None] * 10
    assert pyhood.refcnt(None) >= before + 10
    del extra
    assert not any(pyhood.is_immortal(o) for o in IMMORTAL_CANDIDATES)


@pytest.mark.skipif(PY < (3, 12), reason="immortal objects are new in 3.12")
def test_an_immortal_refcount_does_not_move():
    """Binding names to ``None`` does not change its reference count."""
    assert pyhood.is_immortal(None)
    before = pyhood.refcnt(None)
    extra = [None] * 10
    assert pyhood.refcnt(None) == before
    del extra
