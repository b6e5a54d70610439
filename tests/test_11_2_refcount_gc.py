"""Guide §11.2, reference counting and the cycle collector.

Reference counts free most objects the moment the last name goes; a cycle keeps its own
counts above zero and lives until the collector finds it. ``pyhood.gc_info(obj)`` reads the
object's ``PyGC_Head`` and finds its generation by following ``_gc_next`` and ``_gc_prev``
(one step each in turn) to a generation list head of the validated GC state. The truth it
is compared with is the ``gc`` module: ``gc.is_tracked``, and the O(N) membership test
``any(o is x for o in gc.get_objects(generation=g))``; raw GC-head words are compared with
ctypes reads just before the object (``PyGC_Head`` is ``{_gc_next, _gc_prev}``,
``Include/internal/pycore_gc.h``).
"""

from __future__ import annotations

import gc
import sys
import weakref

import pyhood
import pytest
from conftest import FREE_THREADED, GC_HEAD_SIZE, PY, word

pytestmark = pytest.mark.skipif(
    FREE_THREADED, reason="free-threaded builds keep no generation lists"
)


class Node:
    pass


def truth(x: object) -> int | str | None:
    """The generation whose list holds ``x``, by scanning every list (O(N))."""
    for g in range(3):
        if any(o is x for o in gc.get_objects(generation=g)):
            return g
    return "permanent" if gc.is_tracked(x) else None


def test_refcount_changes_as_names_bind_and_unbind():
    """Each new name is one more reference, each ``del`` one less."""
    x = Node()
    n = pyhood.refcnt(x)
    y = x
    assert pyhood.refcnt(x) == n + 1 == sys.getrefcount(x)
    del y
    assert pyhood.refcnt(x) == n == sys.getrefcount(x)


def test_a_cycle_survives_del_until_the_collector_runs(gc_disabled):
    """Two objects that refer to each other keep each other alive after ``del``: the weak
    reference's callback does not fire and the object is still on a GC list; the collector
    frees them."""
    died = []
    a, b = Node(), Node()
    a.other, b.other = b, a
    r = weakref.ref(a, lambda _: died.append(True))
    addr = id(a)
    del a, b
    assert died == [] and r() is not None
    assert any(id(o) == addr for o in gc.get_objects())
    assert pyhood.gc_info(r()).tracked
    gc.collect()
    assert died == [True] and r() is None


def test_fresh_objects_are_in_generation_0(gc_disabled):
    """A newly tracked container is on the youngest generation's list."""
    x = Node()
    info = pyhood.gc_info(x)
    assert info.tracked and info.generation == 0 == truth(x)


def test_survivors_of_a_full_collection_are_in_generation_2(gc_disabled):
    """``gc.collect()`` moves every survivor into the oldest generation."""
    x = [Node()]
    gc.collect()
    assert pyhood.gc_info(x).generation == 2 == truth(x)


def test_frozen_objects_are_in_the_permanent_generation(gc_disabled):
    """``gc.freeze()`` moves everything into the permanent generation, out of every list
    ``gc.get_objects(generation=g)`` shows; ``gc.unfreeze()`` brings them back."""
    x = {"node": Node()}
    gc.freeze()
    try:
        assert gc.get_freeze_count() > 0
        assert pyhood.gc_info(x).generation == "permanent" == truth(x)
    finally:
        gc.unfreeze()
    assert pyhood.gc_info(x).generation == truth(x) == 2


def _first_middle_last(objects: list[object]) -> list[object]:
    return [objects[0], objects[len(objects) // 2], objects[-1]] if objects else []


def test_first_middle_and_last_objects_of_large_generations(gc_disabled):
    """On a heap of half a million containers (300,000 collected into the oldest generation,
    100,000 moved on by a young collection, 100,000 fresh), the first, middle and last
    object of each list ``gc.get_objects(generation=g)`` copies (the list's own order: the
    ends are next to the head, the middle as far from it as anything) are reported in
    generation ``g``; after ``gc.freeze()`` the same objects are in none of those lists and
    reported ``"permanent"``. (The middle of generation 2 is 150,000 steps from either end
    but only 50,000 from covering the young lists, so it is the answer by elimination; after
    the freeze every answer is.)"""
    old = [[] for _ in range(300_000)]
    gc.collect()
    middle = [[] for _ in range(100_000)]
    gc.collect(0)
    young = [[] for _ in range(100_000)]
    picked: list[tuple[object, int]] = []
    for g in range(3):
        objects = gc.get_objects(generation=g)
        picked += [(x, g) for x in _first_middle_last(objects)]
        del objects
    assert {g for _, g in picked} == {0, 1, 2}
    for x, g in picked:
        assert pyhood.gc_info(x).generation == g
    for x, g in picked:  # the truth again, after every gc_info call
        assert any(o is x for o in gc.get_objects(generation=g))
    gc.freeze()
    try:
        ends = _first_middle_last(old) + _first_middle_last(middle) + _first_middle_last(young)
        for x in ends:
            assert pyhood.gc_info(x).generation == "permanent"
        for g in range(3):
            objects = gc.get_objects(generation=g)
            assert not any(o is x for o in objects for x in ends)
            del objects
    finally:
        gc.unfreeze()
    assert len(old) + len(middle) + len(young) == 500_000


@pytest.mark.parametrize("broken", ["_gc_prev", "_gc_next"])
def test_a_broken_link_is_an_error_not_an_answer(gc_disabled, broken):
    """In the middle of a 10,000-object list ``a -> b -> c``, one link is made inconsistent
    for the duration of the calls (ctypes writes, restored before anything else runs):
    ``c._gc_prev`` set to ``a``, or ``a._gc_next`` set to ``c``. Every pointer still leads to
    a live object, only the two directions disagree: ``gc_info`` of the object next to the
    break and ``gc_generations`` raise ``StateValidationError`` saying the list is not a
    consistent ring, instead of answering."""
    import ctypes

    chain = [[] for _ in range(10_000)]
    gc.collect()
    objects = gc.get_objects(generation=2)  # in list order
    i = len(objects) // 2
    a, b, c = objects[i : i + 3]
    del objects
    ha, hb, hc = (id(x) - GC_HEAD_SIZE for x in (a, b, c))
    assert word(hc + 8) & ~3 == hb and word(ha) & ~3 == hb
    if broken == "_gc_prev":
        slot, target, asked = ctypes.c_size_t.from_address(hc + 8), ha, a
    else:
        slot, target, asked = ctypes.c_size_t.from_address(ha), hc, b
    saved = slot.value
    slot.value = target | (saved & 3)
    errors: list[str] = []
    try:
        for call in (lambda: pyhood.gc_info(asked), pyhood.gc_generations):
            try:
                call()
            except pyhood.StateValidationError as exc:
                errors.append(str(exc))
    finally:
        slot.value = saved
    assert len(errors) == 2 and all("consistent ring" in e for e in errors), errors
    assert pyhood.gc_info(asked).generation == 2
    assert len(chain) == 10_000


def test_untracked_objects_have_no_generation():
    """Objects the collector does not track report ``tracked=False`` and no generation,
    as ``gc.is_tracked`` says: an int (not a GC type at all), and on versions before 3.14 a
    dict holding only atomic values."""
    samples: list[object] = [12345, "text", 2.5]
    d = {"a": 1, "b": "two"}
    if PY < (3, 14):
        samples.append(d)
    for obj in samples:
        info = pyhood.gc_info(obj)
        assert info.tracked is False is gc.is_tracked(obj)
        assert info.generation is None
    assert pyhood.gc_info(d).tracked == gc.is_tracked(d)


def test_the_gc_head_words_are_the_two_words_before_the_object(gc_disabled):
    """``gc_next`` and ``gc_prev`` are the words at ``id(x) - 16`` and ``id(x) - 8``
    (read for an object in the oldest generation, whose neighbours stay put)."""
    x = Node()
    gc.collect()
    before = (word(id(x) - GC_HEAD_SIZE), word(id(x) - GC_HEAD_SIZE + 8))
    info = pyhood.gc_info(x)
    assert (info.gc_next, info.gc_prev) == before
    assert info.address == id(x)
    assert info.finalized is False and info.collecting is False


def test_the_finalized_bit_is_set_once_del_has_run(gc_disabled):
    """When the collector runs ``__del__`` on a cycle that resurrects itself, the object is
    marked finalized, and (PEP 442) ``__del__`` never runs for it again."""
    saved, calls = [], []

    class Phoenix:
        def __del__(self):
            calls.append(1)
            saved.append(self)

    p = Phoenix()
    p.me = p
    assert pyhood.gc_info(p).finalized is False
    del p
    gc.collect()
    assert calls == [1] and pyhood.gc_info(saved[0]).finalized is True
    saved[0].me = None
    saved.clear()
    gc.collect()
    assert calls == [1]


def test_gc_info_refuses_while_a_collection_runs():
    """Inside a ``gc.callbacks`` callback the collector's lists are being rearranged:
    ``gc_info`` raises ``StateValidationError`` instead of walking them."""
    x = Node()
    seen: list[BaseException] = []

    def callback(phase, info):
        if phase == "start" and not seen:
            try:
                pyhood.gc_info(x)
            except pyhood.PyhoodError as exc:
                seen.append(exc)

    gc.callbacks.append(callback)
    try:
        gc.collect()
    finally:
        gc.callbacks.remove(callback)
    assert len(seen) == 1 and isinstance(seen[0], pyhood.StateValidationError)
    assert pyhood.gc_info(x).tracked
