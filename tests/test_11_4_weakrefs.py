"""Guide §11.4, weak references.

A weak reference does not count: the object keeps a list of the weak references that point
to it, in a slot of its own (``tp_weaklistoffset`` inside the object, or, 3.12+, the managed
pre-header word for ``Py_TPFLAGS_MANAGED_WEAKREF`` types). ``pyhood.weakref_count(obj)`` walks
that list; the truth is ``weakref.getweakrefcount(obj)``, and the refcount, which weak
references leave alone.
"""

from __future__ import annotations

import gc
import weakref

import pyhood
import pytest
from conftest import PY


class Plain:
    pass


class Slotted:
    __slots__ = ("__weakref__", "x")


def _check(obj: object, expected: int) -> None:
    assert pyhood.weakref_count(obj) == weakref.getweakrefcount(obj) == expected


@pytest.mark.parametrize("cls", [Plain, Slotted])
def test_count_follows_references_as_they_come_and_go(cls):
    """0, 1 and 3 weak references, then fewer as they die; a reference without callback
    is shared (``weakref.ref(x)`` twice is one object), one with a callback is not."""
    x = cls()
    _check(x, 0)
    r1 = weakref.ref(x)
    _check(x, 1)
    assert weakref.ref(x) is r1
    r2 = weakref.ref(x, lambda _: None)
    r3 = weakref.ref(x, lambda _: None)
    _check(x, 3)
    del r2
    _check(x, 2)
    del r1, r3
    _check(x, 0)


def test_proxies_are_on_the_same_list():
    """``weakref.proxy`` objects are weak references too."""
    x = Plain()
    p = weakref.proxy(x)
    r = weakref.ref(x)
    _check(x, 2)
    del p
    _check(x, 1)
    del r


def test_weak_references_do_not_count():
    """Creating weak references leaves the reference count unchanged."""
    x = Plain()
    before = pyhood.refcnt(x)
    refs = [weakref.ref(x, lambda _: None) for _ in range(5)]
    assert pyhood.refcnt(x) == before
    _check(x, 5)
    del refs


@pytest.mark.skipif(PY < (3, 12), reason="managed weakrefs are new in 3.12")
def test_managed_weakref_types_keep_the_list_before_the_object():
    """A plain class on 3.12+ has ``Py_TPFLAGS_MANAGED_WEAKREF`` (``1 << 3``); its list is
    read from the pre-header, and the count still agrees."""
    assert Plain.__flags__ & (1 << 3)
    x = Plain()
    refs = [weakref.ref(x, lambda _: None) for _ in range(4)]
    _check(x, 4)
    del refs


def test_types_that_cannot_be_weakly_referenced_have_none():
    """An int, a tuple, and a class with ``__slots__`` but no ``__weakref__`` cannot be
    weakly referenced: the count is 0."""

    class NoWeak:
        __slots__ = ("x",)

    for obj in (12345, (1, 2), NoWeak()):
        with pytest.raises(TypeError):
            weakref.ref(obj)
        _check(obj, 0)


def test_classes_and_functions_have_weaklists():
    """Functions and heap types keep their weak references in the object too."""

    def f():
        pass

    rf = weakref.ref(f)
    rc = [weakref.ref(Slotted, lambda _: None) for _ in range(2)]
    _check(f, 1)
    assert pyhood.weakref_count(Slotted) == weakref.getweakrefcount(Slotted)
    del rf, rc


def assert_count_follows_references(t: type, n: int) -> None:
    """``weakref_count(t)`` equals ``weakref.getweakrefcount(t)`` before, with ``n`` more
    weak references (with callbacks, so each is a list entry of its own), and after."""
    before = weakref.getweakrefcount(t)
    assert pyhood.weakref_count(t) == before
    refs = [weakref.ref(t, lambda _: None) for _ in range(n)]
    assert pyhood.weakref_count(t) == weakref.getweakrefcount(t) == before + n
    del refs
    assert pyhood.weakref_count(t) == weakref.getweakrefcount(t) == before


def test_static_builtin_types_count_their_weak_references():
    """A static builtin type such as ``int`` or ``ValueError`` can be weakly referenced; since
    3.12 its list lives in the interpreter's per-type state, not in the type object, and
    pyhood finds it there: the count equals ``weakref.getweakrefcount`` as references come
    and go."""
    for t in (int, ValueError, TypeError, dict):
        assert_count_follows_references(t, 3)


def test_static_types_of_extension_modules_count_their_weak_references():
    """``datetime``'s types are static types of an extension module; since 3.13 CPython
    manages them like the builtin ones (``_Py_TPFLAGS_STATIC_BUILTIN``), with their state in
    a second array of the interpreter (``types.for_extensions``) at the same index. pyhood
    finds each list there: the count equals ``weakref.getweakrefcount``."""
    import datetime

    for t in (datetime.date, datetime.datetime, datetime.timedelta, datetime.timezone):
        assert_count_follows_references(t, 2)


def test_every_builtin_type_gives_its_weak_reference_count():
    """Every type object reachable from ``builtins``, ``types`` and the collector's heap
    answers with ``weakref.getweakrefcount``'s figure (static builtin types included)."""
    import builtins
    import types

    seen = {id(t): t for t in vars(builtins).values() if isinstance(t, type)}
    seen.update({id(t): t for t in vars(types).values() if isinstance(t, type)})
    seen.update({id(o): o for o in gc.get_objects() if isinstance(o, type)})
    for t in seen.values():
        assert pyhood.weakref_count(t) == weakref.getweakrefcount(t), t


def test_a_callback_fires_when_the_object_dies():
    """When the referent dies its weak references are cleared and their callbacks run;
    until then the callback has not fired."""
    fired = []
    x = Plain()
    r = weakref.ref(x, lambda ref: fired.append(ref))
    _check(x, 1)
    assert fired == []
    del x
    gc.collect()
    assert fired == [r] and r() is None


class RefSub(weakref.ref):
    """A subclass of ``weakref.ref``: its instances start with ``PyWeakReference`` too."""

    __slots__ = ("tag",)


@pytest.mark.parametrize("n", [0, 1, 100, 10_000])
@pytest.mark.parametrize("cls", [Plain, Slotted])
def test_long_lists_of_every_kind_of_reference_are_counted(cls, n):
    """``n`` weak references of four kinds in turn (with a callback, a subclass of
    ``weakref.ref``, a proxy, a callable proxy's kind of referent aside), then one without
    callback (shared by every later ``weakref.ref(x)``): the count equals
    ``weakref.getweakrefcount`` at each size, and again after half of them are gone."""
    x = cls()
    kinds = [
        lambda: weakref.ref(x, lambda _: None),
        lambda: RefSub(x),
        lambda: weakref.proxy(x, lambda _: None),
        lambda: RefSub(x, lambda _: None),
    ]
    refs = [kinds[i % len(kinds)]() for i in range(n)]
    _check(x, n)
    plain = weakref.ref(x)
    assert weakref.ref(x) is plain
    _check(x, n + 1)
    del refs[::2]
    assert pyhood.weakref_count(x) == weakref.getweakrefcount(x) == len(refs) + 1
    del refs, plain
    _check(x, 0)


def test_callable_referents_have_callable_proxies_on_the_same_list():
    """A proxy to a callable object is a ``CallableProxyType``; it is on the referent's
    list like the others (10,000 of them here, with and without callbacks)."""

    def f():
        pass

    refs = [weakref.proxy(f, (lambda _: None) if i % 2 else None) for i in range(10_000)]
    assert isinstance(refs[1], weakref.CallableProxyType)
    assert pyhood.weakref_count(f) == weakref.getweakrefcount(f)
    del refs
    assert pyhood.weakref_count(f) == weakref.getweakrefcount(f) == 0
