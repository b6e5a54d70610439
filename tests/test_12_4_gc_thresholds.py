"""Guide §12.4, generations and thresholds: the collector's own state, read natively.

``pyhood.gc_generations()`` finds ``PyInterpreterState.gc`` (from ``_Py_DebugOffsets`` on
3.13+, from a per-release offset table before), checks it against the ``gc`` module, and
walks each generation's list of GC heads. Every test compares it with something that does
not go through pyhood: ``gc.get_threshold()``, ``gc.get_count()``,
``gc.get_objects(generation=i)``, ``gc.get_freeze_count()``, and ctypes reads of the
interpreter state at offsets taken from the headers of the running version (cited where
used).
"""

from __future__ import annotations

import ctypes
import gc
import sys

import pyhood
import pytest
from conftest import FREE_THREADED, PY, c_values, word

pytestmark = pytest.mark.skipif(
    FREE_THREADED, reason="free-threaded builds keep no generation lists"
)


@pytest.fixture
def thresholds_restored():
    """Whatever thresholds the test sets are put back afterwards."""
    saved = gc.get_threshold()
    try:
        yield
    finally:
        gc.set_threshold(*saved)


def test_thresholds_and_counts_are_the_ones_the_gc_module_reports(thresholds_restored):
    """Each generation's threshold and count in memory are ``gc.get_threshold()[i]`` and
    ``gc.get_count()[i]``, also after ``gc.set_threshold`` changes them."""
    g = pyhood.gc_generations()
    assert tuple(x.threshold for x in g) == gc.get_threshold()
    gc.set_threshold(1234, 17, 9)
    g = pyhood.gc_generations()
    assert [x.threshold for x in g] == [1234, 17, 9]
    assert [x.index for x in g] == [0, 1, 2]
    assert len(g) == 3 and g[-1] is not None and g[2].index == 2


def test_counts_lie_between_two_gc_get_count_calls(gc_disabled):
    """``count`` is what ``gc.get_count()`` reports: for generation 0 the containers
    allocated minus those freed since its last collection, for 1 and 2 the collections of
    the next younger generation. The call itself allocates a few containers (the tuples
    get_count returns, pyhood's result objects), so generation 0's count lies between the
    two readings around it; the older counts do not move."""
    gc.collect()
    keep = [[] for _ in range(50)]  # 51 new containers
    before = gc.get_count()
    g = pyhood.gc_generations()
    after = gc.get_count()
    assert before[0] >= 51
    assert before[0] <= g[0].count <= after[0]
    assert before[1:] == (g[1].count, g[2].count) == after[1:]
    del keep


@pytest.mark.parametrize("generation", [0, 1, 2])
def test_objects_on_each_list_match_gc_get_objects(gc_disabled, generation):
    """``objects`` is the length of the generation's list, the list that
    ``gc.get_objects(generation=i)`` copies. The copy is itself a new container, tracked in
    generation 0, which get_objects leaves out of its own result, so pyhood (called right
    after, with nothing else allocated in between) sees one more object in generation 0."""
    objects = gc.get_objects(generation=generation)
    g = pyhood.gc_generations()
    assert g[generation].objects == len(objects) + (1 if generation == 0 else 0)


def test_a_full_collection_leaves_the_young_generations_empty(gc_disabled):
    """``gc.collect()`` (generation 2) merges every survivor into the oldest generation, so
    generations 0 and 1 are empty right after it."""
    gc.collect()
    g = pyhood.gc_generations()
    assert (g[0].objects, g[1].objects) == (0, 0)
    assert g[2].objects == len(gc.get_objects(generation=2))  # new objects go to generation 0


def test_freeze_moves_every_object_to_the_permanent_generation(gc_disabled):
    """``gc.freeze()`` moves every tracked object onto the permanent generation's list
    (its size is ``gc.get_freeze_count()``) and empties the three others; ``gc.unfreeze()``
    moves them back into the oldest generation."""
    try:
        gc.freeze()
        g = pyhood.gc_generations()
        frozen = gc.get_freeze_count()
        assert g.permanent.objects == frozen > 0
        assert [x.objects for x in g] == [0, 0, 0]
        assert (g.permanent.threshold, g.permanent.count, g.permanent.index) == (0, 0, 3)
        del g
    finally:
        gc.unfreeze()
    g = pyhood.gc_generations()
    assert g.permanent.objects == gc.get_freeze_count() == 0
    assert g[2].objects == len(gc.get_objects(generation=2))


def test_enabled_and_debug_flags_are_read_too(gc_disabled):
    """``enabled`` and ``debug`` are ``gc.isenabled()`` and ``gc.get_debug()``."""
    g = pyhood.gc_generations()
    assert (g.enabled, g.debug) == (False, gc.get_debug())
    gc.enable()
    try:
        assert pyhood.gc_generations().enabled is True
    finally:
        gc.disable()


def test_the_list_heads_are_inside_the_gc_state():
    """The heads are ``&generations[i].head``, equally spaced (``struct gc_generation``
    is a ``PyGC_Head`` and two ints: 24 bytes), and the permanent generation follows."""
    g = pyhood.gc_generations()
    heads = [x.head for x in g]
    assert heads[1] - heads[0] == heads[2] - heads[1] == 24
    assert g.address < heads[0] < g.permanent.head < g.address + 400


def _debug_offsets_gc() -> int:
    """``PyInterpreterState.gc``'s offset as ``_Py_DebugOffsets`` (the first member of
    ``_PyRuntime``) publishes it, read with ctypes. ``Include/internal/pycore_runtime.h``
    v3.13.0: ``char cookie[8]; uint64_t version, free_threaded; struct _runtime_state {3 x
    uint64} runtime_state; struct _interpreter_state {size, id, next, threads_head, gc, ...}``
    -> ``interpreter_state.gc`` at 80. ``pycore_debug_offsets.h`` v3.14.10 / v3.15.2 add
    ``threads_main`` before ``gc`` -> 88."""
    runtime = ctypes.addressof(ctypes.c_char.in_dll(ctypes.pythonapi, "_PyRuntime"))
    assert ctypes.string_at(runtime, 8) == b"xdebugpy"
    assert word(runtime + 8) == sys.hexversion
    return word(runtime + (80 if PY == (3, 13) else 88))


#: ``offsetof(PyInterpreterState, gc)`` from ``Include/internal/pycore_interp.h`` of the
#: releases available here (before 3.13 nothing publishes it at run time).
def test_the_gc_state_is_where_the_interpreter_says():
    """The state pyhood read is at ``PyInterpreterState_Get() + offsetof(..., gc)``: on 3.13+
    the offset ctypes reads from ``_Py_DebugOffsets``, and on every version the offset the
    running interpreter's own headers give."""
    get = ctypes.pythonapi.PyInterpreterState_Get
    get.restype = ctypes.c_void_p
    interp = get()
    g = pyhood.gc_generations()
    if PY >= (3, 13):
        assert g.address == interp + _debug_offsets_gc()
        assert "_Py_DebugOffsets" in g.located_by
    (offset,) = c_values("offsetof(PyInterpreterState, gc)")
    assert g.address == interp + offset
    assert g.release == "{}.{}.{}".format(*sys.version_info[:3])


def test_refuses_to_read_during_a_collection():
    """While a collection runs (``gcstate->collecting`` is 1, e.g. inside a ``gc.callbacks``
    function), the lists are being spliced; pyhood refuses with a StateValidationError."""
    seen: list[BaseException] = []

    def callback(phase, info):
        if phase == "start":
            try:
                pyhood.gc_generations()
            except pyhood.StateValidationError as exc:
                seen.append(exc)

    gc.callbacks.append(callback)
    try:
        gc.collect(0)
    finally:
        gc.callbacks.remove(callback)
    assert len(seen) == 1
    assert "collecting" in str(seen[0])
    pyhood.gc_generations()  # fine again afterwards


@pytest.mark.parametrize("delta", [8, -8, 24])
def test_a_wrong_address_fails_validation(delta):
    """The checks catch a misplaced read: 8 or 24 bytes off the real state,
    ``generation0`` no longer points at the state's own ``generations[0]``."""
    address = pyhood.gc_generations().address
    assert pyhood._pyhood._gc_generations_at(address).address == address
    with pytest.raises(pyhood.StateValidationError, match="generation0"):
        pyhood._pyhood._gc_generations_at(address + delta)


def test_an_object_is_not_a_gc_state():
    """Any other memory fails the same checks; unmapped memory too, without a crash."""
    junk = bytes(512)
    with pytest.raises(pyhood.StateValidationError):
        pyhood._pyhood._gc_generations_at(id(junk) + 64)
    with pytest.raises(pyhood.StateValidationError):
        pyhood._pyhood._gc_generations_at(4096)


def test_str_shows_a_table_of_the_generations():
    """``str()`` is a table: a row per generation and one for the permanent generation."""
    text = str(pyhood.gc_generations())
    lines = text.splitlines()
    assert lines[0].startswith(f"GC state of CPython {sys.version_info[0]}.")
    assert lines[1].split() == ["generation", "threshold", "count", "objects"]
    assert [line.split()[0] for line in lines[2:]] == ["0", "1", "2", "permanent"]
    assert repr(pyhood.gc_generations()).startswith("<GCGenerations")
