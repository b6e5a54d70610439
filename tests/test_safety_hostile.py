"""Inspecting an object runs none of its code: pyhood reads what the C structs hold
(``ob_type``, ``tp_mro``, ``tp_basicsize``, ``ht_name`` …) and calls nothing a class can
override, so a hostile metaclass or class is answered from memory, with every hook's
counter still at zero. A collection cannot run in the middle of a call either: its
finalizers and ``gc.callbacks`` (Python code that could mutate what is being read) never
run while pyhood is inside one of its functions.

Independent witnesses: ``type(obj)`` and ``id`` (no hook runs for them), and
``type.__dict__['__basicsize__']`` applied to the class (``type``'s own descriptor)."""

from __future__ import annotations

import gc
import sys
import weakref
from typing import ClassVar

import pyhood
import pytest

CALLS: dict[str, int] = {}
#: Hooks count and fail only while armed (around pyhood's calls), so that pytest's own
#: collection and the test's witnesses see ordinary classes.
ARMED = [False]


def armed(name: str) -> bool:
    if ARMED[0]:
        CALLS[name] = CALLS.get(name, 0) + 1
    return ARMED[0]


class Boom(RuntimeError):
    """What every raising hook raises."""


class Meta(type):
    """A metaclass whose every overridable hook counts and then fails (or mutates)."""

    @property
    def __mro__(cls):  # type: ignore[override]
        if armed("Meta.__mro__"):
            # What the reported getter did: rewrite an instance's state and collect.
            for victim in list(VICTIMS):
                object.__getattribute__(victim, "__dict__").clear()
            gc.collect()
            raise Boom("__mro__")
        return type.__dict__["__mro__"].__get__(cls, type(cls))

    def __getattribute__(cls, name):
        if armed(f"Meta.__getattribute__({name})"):
            raise KeyboardInterrupt(f"Meta.__getattribute__({name})")
        return type.__getattribute__(cls, name)

    def __sizeof__(cls):
        if armed("Meta.__sizeof__"):
            raise Boom("Meta.__sizeof__")
        return type.__sizeof__(cls)

    @property
    def __class__(cls):  # type: ignore[override]
        if armed("Meta.__class__"):
            raise Boom("Meta.__class__")
        return type(cls)

    def __instancecheck__(cls, other):
        if armed("Meta.__instancecheck__"):
            raise Boom("__instancecheck__")
        return type.__instancecheck__(cls, other)

    def __subclasscheck__(cls, other):
        if armed("Meta.__subclasscheck__"):
            raise Boom("__subclasscheck__")
        return type.__subclasscheck__(cls, other)


class Hooks:
    """Instance-level hooks: each counts, then raises (while armed)."""

    __slots__ = ()

    def __getattribute__(self, name):
        if armed(f"__getattribute__({name})"):
            raise Boom(name)
        return object.__getattribute__(self, name)

    def __getattr__(self, name):
        armed(f"__getattr__({name})")
        raise AttributeError(name)

    def __sizeof__(self):
        if armed("__sizeof__"):
            raise Boom("__sizeof__")
        return object.__sizeof__(self)

    @property
    def __class__(self):  # type: ignore[override]
        if armed("__class__"):
            raise Boom("__class__")
        return type(self)

    def __repr__(self):
        if armed("__repr__"):
            raise Boom("__repr__")
        return object.__repr__(self)

    def __hash__(self):
        if armed("__hash__"):
            raise Boom("__hash__")
        return object.__hash__(self)

    def __eq__(self, other):
        if armed("__eq__"):
            raise Boom("__eq__")
        return self is other

    def __index__(self):
        armed("__index__")
        raise Boom("__index__")

    def __dir__(self):
        if armed("__dir__"):
            raise Boom("__dir__")
        return []


class Plain(Hooks, metaclass=Meta):
    pass


class Slotted(Hooks, metaclass=Meta):
    __slots__ = ("__weakref__", "a", "b")


class HList(Hooks, list, metaclass=Meta):
    pass


class HDict(Hooks, dict, metaclass=Meta):
    pass


class HStr(Hooks, str, metaclass=Meta):
    pass


class HInt(Hooks, int, metaclass=Meta):
    pass


class HTuple(Hooks, tuple, metaclass=Meta):
    pass


class HSet(Hooks, set, metaclass=Meta):
    pass


class HBytes(Hooks, bytes, metaclass=Meta):
    pass


class HFloat(Hooks, float, metaclass=Meta):
    pass


VICTIMS: list = []


def _make():
    """One instance of each hostile class, built without running a hook."""
    p = object.__new__(Plain)
    object.__setattr__(p, "x", 1)
    object.__setattr__(p, "y", [1, 2, 3])
    s = object.__new__(Slotted)
    object.__setattr__(s, "a", "value")
    lst = list.__new__(HList)
    list.extend(lst, range(50))
    d = dict.__new__(HDict)
    for i in range(20):
        dict.__setitem__(d, f"k{i}", i)
    objs = [
        p,
        s,
        lst,
        d,
        str.__new__(HStr, "hostile text"),
        int.__new__(HInt, 2**100),
        tuple.__new__(HTuple, (1, 2, 3)),
        set.__new__(HSet),
        bytes.__new__(HBytes, b"hostile bytes"),
        float.__new__(HFloat, 2.5),
    ]
    set.update(objs[7], range(10))
    return objs


def basicsize(cls: type) -> int:
    """``cls.__basicsize__`` through ``type``'s own descriptor (the metaclass's hooks are
    not asked)."""
    return type.__dict__["__basicsize__"].__get__(cls, type(cls))


def every_api(obj) -> dict:
    """Every per-object API of pyhood on ``obj``, with the hooks armed; returns what they
    answered."""
    ARMED[0] = True
    try:
        return _every_api(obj)
    finally:
        ARMED[0] = False


def _every_api(obj) -> dict:
    out = {
        "header": pyhood.header(obj),
        "layout": pyhood.layout(obj, max_items=64),
        "peek": pyhood.peek(obj, 0, 16),
        "block_info": pyhood.block_info(obj),
        "footprint": pyhood.footprint(obj),
        "gc_info": pyhood.gc_info(obj),
        "weakref_count": pyhood.weakref_count(obj),
        "refcnt": pyhood.refcnt(obj),
        "is_immortal": pyhood.is_immortal(obj),
    }
    if type(obj) is HStr:
        out["intern_state"] = pyhood.intern_state(obj)
    return out


@pytest.fixture
def hostile():
    objs = _make()
    VICTIMS.extend(o for o in objs if type(o) is Plain)
    CALLS.clear()
    try:
        yield objs
    finally:
        VICTIMS.clear()
        CALLS.clear()


def test_no_hook_runs_on_hostile_instances(hostile):
    """Every API on instances of classes whose metaclass raises from ``__mro__``,
    ``__getattribute__``, ``__sizeof__``, ``__class__`` and whose instances raise from
    every dunder: no hook is called (every counter stays 0), nothing raises, and the
    answers are the memory's: the header's type is ``type(obj)``, the layout's basicsize is
    the class's ``tp_basicsize``."""
    answers = [(obj, every_api(obj)) for obj in hostile]
    assert CALLS == {}
    for obj, a in answers:
        cls = type(obj)
        assert a["header"].type is cls
        assert a["layout"].basicsize == basicsize(cls)
        assert a["layout"].field("ob_type").value == id(cls)
        assert a["peek"][8:] == id(cls).to_bytes(8, "little")
        # The class's own __sizeof__ is Python code: pyhood does not ask it.
        assert a["footprint"].getsizeof is None
        assert a["footprint"].total >= a["block_info"].requested
    plain = hostile[0]
    assert object.__getattribute__(plain, "__dict__") == {"x": 1, "y": [1, 2, 3]}


def test_the_hooks_do_fire_when_asked(hostile):
    """The witness for the tests above: asking the ordinary way (``sys.getsizeof``,
    attribute access, ``__class__``) does run the hooks, so zero counts mean something."""
    plain, lst = hostile[0], hostile[2]
    ARMED[0] = True
    try:
        with pytest.raises(Boom):
            sys.getsizeof(plain)
        with pytest.raises(Boom):
            plain.__class__  # noqa: B018
        with pytest.raises(KeyboardInterrupt):
            type(lst).__name__  # noqa: B018
        with pytest.raises(Boom):
            Meta.__dict__["__mro__"].__get__(type(lst))
    finally:
        ARMED[0] = False
    assert set(CALLS) >= {"__sizeof__", "Meta.__mro__"}


def test_no_hook_runs_on_hostile_classes(hostile):
    """The hostile classes themselves (instances of the hostile metaclass): their layout,
    header, blocks and footprint come from the type object's memory; ``type.__name__`` is
    read from ``ht_name`` (not through the metaclass's ``__getattribute__``)."""
    classes = [type(o) for o in hostile] + [Meta]
    answers = [(cls, every_api(cls)) for cls in classes]
    assert CALLS == {}
    for cls, a in answers:
        assert a["header"].type is type(cls)
        assert a["layout"].type_name == type.__dict__["__name__"].__get__(type(cls))
        assert a["layout"].basicsize == basicsize(type(cls))
    # Meta.__sizeof__ is Python code: not asked for its classes; Meta's own type is `type`.
    assert answers[0][1]["footprint"].getsizeof is None
    assert answers[-1][1]["footprint"].getsizeof == sys.getsizeof(Meta)


def test_error_messages_run_no_hook(hostile):
    """Bad arguments of hostile types are refused with the type's name read from memory:
    no ``__index__`` and no metaclass ``__getattribute__`` runs to check them or to build
    the message (an int subclass's value is its digits)."""
    lst, big, number = hostile[2], hostile[5], hostile[9]
    ARMED[0] = True
    try:
        with pytest.raises(TypeError, match="not HFloat"):
            pyhood.layout(lst, max_items=number)
        with pytest.raises(ValueError, match=str(2**100)):
            pyhood.layout(lst, max_items=big)
        with pytest.raises(TypeError, match="not HList"):
            pyhood.intern_state(lst)
        with pytest.raises(TypeError, match="not HFloat"):
            pyhood.peek(lst, number)
    finally:
        ARMED[0] = False
    assert CALLS == {}


def test_text_rendering_runs_no_hook(hostile):
    """Printing the results (``str``/``repr`` of a Layout, Footprint, header) shows the
    memory's values without calling the object's ``__repr__``."""
    answers = [every_api(obj) for obj in hostile]
    ARMED[0] = True
    try:
        for a in answers:
            str(a["layout"]), repr(a["layout"]), str(a["footprint"]), repr(a["header"])
            a["layout"].to_dict()
    finally:
        ARMED[0] = False
    assert CALLS == {}


def profile(frame, event, arg):
    """Marks pyhood's C functions' entry and exit (``c_call``, ``c_return``)."""
    if event == "c_call" and arg in PROFILED:
        INSIDE[0] = arg.__name__
    elif event in ("c_return", "c_exception") and arg in PROFILED:
        INSIDE[0] = None


PROFILED: set = set()
INSIDE: list = [None]


def in_a_call(hook_frame) -> bool:
    """Whether a collection whose hook runs in ``hook_frame`` started inside a pyhood call:
    between its ``c_call`` and ``c_return`` events, and not at the entry of the profile
    function itself (a collection due at the next eval-breaker check runs there, as pyhood
    has already returned)."""
    started_in = hook_frame.f_back
    return INSIDE[0] is not None and started_in.f_code is not profile.__code__


class Cycle:
    """Cyclic garbage whose finalizer records whether pyhood was in the middle of a call,
    mutates the inspected containers and resurrects itself."""

    ran_inside = 0
    ran = 0
    resurrected: ClassVar[list] = []
    targets: ClassVar[list] = []

    def __init__(self):
        self.me = self

    def __del__(self):
        Cycle.ran += 1
        if in_a_call(sys._getframe(0)):
            Cycle.ran_inside += 1
        for t in Cycle.targets:
            if isinstance(t, list):
                t.extend(range(100)) if len(t) < 1000 else t.clear()
            elif isinstance(t, dict):
                t.clear() if len(t) > 500 else t.update({f"n{len(t)}-{i}": i for i in range(50)})
        Cycle.resurrected.append(self)


def test_no_collection_runs_inside_a_call():
    """With ``gc.set_threshold(1)`` every container allocation would start a collection;
    cyclic garbage with resurrecting, mutating ``__del__`` and a mutating ``gc.callbacks``
    entry is made before each call. A profile hook marks when pyhood's C function is
    entered and left (``c_call``/``c_return``): no finalizer and no callback ever runs in
    between, and each layout is consistent with itself (the list's ``ob_item`` block is the
    array its ``ob_item`` field points to, ``allocated`` long)."""
    PROFILED.update(
        {
            pyhood.layout,
            pyhood.footprint,
            pyhood.block_info,
            pyhood.gc_info,
            pyhood.gc_generations,
            pyhood.header,
        }
    )
    callback_inside = []

    def callback(phase, info):
        if in_a_call(sys._getframe(0)):
            callback_inside.append((INSIDE[0], phase))
        for t in Cycle.targets:
            if isinstance(t, list) and len(t) < 2000:
                t.append(phase)

    victims: list = [list(range(10)), {f"k{i}": i for i in range(10)}]
    Cycle.targets = victims
    Cycle.ran = Cycle.ran_inside = 0
    old = gc.get_threshold()
    gc.callbacks.append(callback)
    sys.setprofile(profile)
    try:
        gc.set_threshold(1)
        for _ in range(40):
            for _ in range(5):
                Cycle()
            lay = pyhood.layout(victims[0])
            pyhood.footprint(victims[1])
            pyhood.layout(victims[1])
            pyhood.block_info(victims[0])
            pyhood.gc_info(victims[0])
            pyhood.gc_generations()
            pyhood.header(victims[1])
            size = lay.field("ob_size").value
            allocated = lay.field("allocated").value
            assert 0 <= size <= allocated
            if allocated:
                block = lay.block("ob_item")
                assert block.address == lay.field("ob_item").value
                assert block.end - block.start == 8 * allocated
    finally:
        sys.setprofile(None)
        PROFILED.clear()
        gc.set_threshold(*old)
        gc.callbacks.remove(callback)
        Cycle.targets = []
        Cycle.resurrected.clear()
        gc.collect()
    assert Cycle.ran > 0, "the collector never ran: the test proved nothing"
    assert Cycle.ran_inside == 0
    assert callback_inside == []


def test_collector_setting_is_the_callers():
    """pyhood holds the collector still only for the length of a call: afterwards
    ``gc.isenabled()`` is what it was, and ``gc_generations().enabled`` reports the
    caller's setting (not the paused one)."""
    was = gc.isenabled()
    try:
        gc.enable()
        assert pyhood.gc_generations().enabled is True
        assert gc.isenabled()
        gc.disable()
        assert pyhood.gc_generations().enabled is False
        pyhood.layout([1, 2])
        assert not gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()


def test_inspection_leaves_no_reference(hostile):
    """Every API leaves the hostile objects' reference counts as they were, and a weak
    reference to one dies with it (no hidden strong reference in a result)."""
    before = [sys.getrefcount(o) for o in hostile]
    answers = [every_api(o) for o in hostile]
    assert [sys.getrefcount(o) for o in hostile] == before
    del answers
    victim = object.__new__(Plain)
    ref = weakref.ref(victim)
    every_api(victim)
    del victim
    assert ref() is None
