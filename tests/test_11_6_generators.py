"""Guide §11.6, generators, coroutines and async generators.

A generator object is a plain ``PyObject`` (no ``ob_size``) followed by its own fields:
``gi_weakreflist``, ``gi_name``, ``gi_qualname``, ``gi_exc_state``, and from 3.11
``gi_origin_or_finalizer``, three flags, ``gi_frame_state`` and the interpreter frame
itself, embedded at ``gi_iframe`` with one slot per local and stack entry
(``_PyGenObject_HEAD``, Include/cpython/genobject.h v3.11.7–v3.13.0; 3.10 has ``gi_frame``,
``gi_code`` and no embedded frame, Include/genobject.h v3.10.13). Coroutines (``cr_``) and
async generators (``ag_``) share that head. The type's ``tp_itemsize`` is
``sizeof(PyObject *)`` from 3.11 only to size the frame's slots: the object is allocated
with ``PyObject_GC_NewVar(..., slots)`` but never stores ``ob_size``.

Checked in every state — created, suspended, running (looked at from inside its own body),
completed, closed — against what does not go through pyhood: ``sys.getsizeof``
(``gen_sizeof``, Objects/genobject.c v3.11.7+: ``offsetof(PyGenObject, gi_iframe) +
offsetof(_PyInterpreterFrame, localsplus)`` plus one word per slot; ``sys.getsizeof`` adds
the GC head), ``id`` of the name, qualname and weak reference, ctypes reads at offsets the C
compiler takes from the running interpreter's headers (``conftest.c_values``), the
``FRAME_*`` values of ``Include/internal/pycore_frame.h``, and pymalloc pool headers.
"""

from __future__ import annotations

import ctypes
import inspect
import sys
import weakref

import pyhood
import pytest
from conftest import GC_HEAD_SIZE, PY, allocator_block, assert_tiles, c_values, word

KINDS = ("generator", "coroutine", "async_generator")
STATES = ("created", "suspended", "running", "completed", "closed")
PREFIX = {"generator": "gi", "coroutine": "cr", "async_generator": "ag"}
STRUCT = {
    "generator": "PyGenObject",
    "coroutine": "PyCoroObject",
    "async_generator": "PyAsyncGenObject",
}
HEADERS = ()
if PY >= (3, 14):
    HEADERS = ("internal/pycore_frame.h", "internal/pycore_interpframe_structs.h")
elif PY >= (3, 11):
    HEADERS = ("internal/pycore_frame.h",)


def offsets(kind: str, *members: str) -> tuple[int, ...]:
    """``offsetof`` of the struct's members, as the compiler reads the headers."""
    struct, p = STRUCT[kind], PREFIX[kind]
    return c_values(*(f"offsetof({struct}, {p}_{m})" for m in members), headers=HEADERS)


def frame_states() -> dict[str, int]:
    """The ``FRAME_*`` enum of Include/internal/pycore_frame.h, read from the running
    interpreter's header: 3.11/3.12 CREATED -2, SUSPENDED -1, EXECUTING 0, COMPLETED 1,
    CLEARED 4; 3.13/3.14 CREATED -3, SUSPENDED -2, SUSPENDED_YIELD_FROM -1, EXECUTING 0,
    COMPLETED 1, CLEARED 4; 3.15 CREATED 0, SUSPENDED 1, SUSPENDED_YIELD_FROM 2,
    SUSPENDED_YIELD_FROM_LOCKED 3, EXECUTING 4, CLEARED 5 (no COMPLETED)."""
    names = ["CREATED", "SUSPENDED", "EXECUTING", "CLEARED"]
    if PY >= (3, 13):
        names.append("SUSPENDED_YIELD_FROM")
    if PY >= (3, 15):
        names.append("SUSPENDED_YIELD_FROM_LOCKED")
    else:
        names.append("COMPLETED")
    values = c_values(*(f"FRAME_{n}" for n in names), headers=HEADERS)
    return dict(zip(names, values, strict=True))


def expected_frame_states(state: str) -> set[int]:
    """The values ``gi_frame_state`` may hold in ``state``, by the header's own macros:
    FRAME_STATE_SUSPENDED (SUSPENDED up to the YIELD_FROM states) and FRAME_STATE_FINISHED
    (``>= FRAME_COMPLETED`` up to 3.14, ``== FRAME_CLEARED`` from 3.15)."""
    fs = frame_states()
    if state == "created":
        return {fs["CREATED"]}
    if state == "suspended":
        return {v for k, v in fs.items() if k.startswith("SUSPENDED")}
    if state == "running":
        return {fs["EXECUTING"]}
    if "COMPLETED" not in fs:
        return {fs["CLEARED"]}
    return {v for v in fs.values() if v >= fs["COMPLETED"]}


class Once:
    """An awaitable that suspends its awaiter once."""

    def __await__(self):
        yield


def _attempt(f):
    try:
        return f()
    except Exception as e:
        return e


def _get(snap, key):
    value = snap[key]
    if isinstance(value, Exception):
        raise value
    return value


def snapshot(obj, kind) -> dict:
    """Everything the tests compare, taken at one moment (inside the body for "running")."""
    snap = {
        "header": _attempt(lambda: pyhood.header(obj)),
        "layout": _attempt(lambda: pyhood.layout(obj)),
        "block_info": _attempt(lambda: pyhood.block_info(obj)),
        "footprint": _attempt(lambda: pyhood.footprint(obj)),
        "getsizeof": sys.getsizeof(obj),
        "word16": word(id(obj) + 16),
    }
    if PY >= (3, 11):
        (off,) = offsets(kind, "frame_state")
        snap["frame_state"] = ctypes.c_int8.from_address(id(obj) + off).value
    snap["running"] = getattr(obj, PREFIX[kind] + "_running")
    return snap


def _running_snapshot(kind):
    box = {}
    if kind == "generator":

        def body():
            box["snap"] = snapshot(box["obj"], kind)
            yield

        obj = box["obj"] = body()
        next(obj)
    elif kind == "coroutine":

        async def body():
            box["snap"] = snapshot(box["obj"], kind)
            await Once()

        obj = box["obj"] = body()
        obj.send(None)
    else:

        async def body():
            box["snap"] = snapshot(box["obj"], kind)
            yield 1

        obj = box["obj"] = body()
        with pytest.raises(StopIteration):
            obj.asend(None).send(None)
    return obj, box["snap"]


def gen_fn(a):
    b = a + 1
    yield b
    yield a


async def coro_fn(a):
    b = a + 1
    await Once()
    return b


async def agen_fn(a):
    b = a + 1
    yield b


def _advance(kind, obj):
    if kind == "generator":
        next(obj)
    elif kind == "coroutine":
        obj.send(None)
    else:
        with pytest.raises(StopIteration):
            obj.asend(None).send(None)


def _finish(kind, obj):
    if kind == "generator":
        list(obj)
    elif kind == "coroutine":
        with pytest.raises(StopIteration):
            obj.send(None)
    else:
        with pytest.raises(StopAsyncIteration):
            obj.asend(None).send(None)


def _close(kind, obj):
    if kind == "async_generator":
        with pytest.raises(StopIteration):
            obj.aclose().send(None)
    else:
        obj.close()


def make(kind, state):
    """A ``kind`` object in ``state``, and its snapshot."""
    if state == "running":
        return _running_snapshot(kind)
    fn = {"generator": gen_fn, "coroutine": coro_fn, "async_generator": agen_fn}[kind]
    obj = fn(1)
    if state in ("suspended", "completed", "closed"):
        _advance(kind, obj)
    if state == "completed":
        _finish(kind, obj)
    if state == "closed":
        _close(kind, obj)
    return obj, snapshot(obj, kind)


def public_state(kind, obj) -> str:
    """The state Python itself reports: ``inspect.getgeneratorstate`` /
    ``getcoroutinestate`` / ``getasyncgenstate`` (3.12+), else from ``ag_running`` and
    ``ag_frame``."""
    if kind == "generator":
        return inspect.getgeneratorstate(obj).split("_")[1].lower()
    if kind == "coroutine":
        return inspect.getcoroutinestate(obj).split("_")[1].lower()
    if hasattr(inspect, "getasyncgenstate"):
        return inspect.getasyncgenstate(obj).split("_")[1].lower()
    return "running" if obj.ag_running else "closed" if obj.ag_frame is None else "open"


@pytest.fixture(params=[(k, s) for k in KINDS for s in STATES], ids=lambda p: f"{p[0]}-{p[1]}")
def made(request, gc_disabled):
    kind, state = request.param
    obj, snap = make(kind, state)
    yield kind, state, obj, snap
    if kind == "coroutine" and state != "running":
        obj.close()


def test_states_are_what_python_says(made):
    """The objects are in the states the tests name (``inspect``'s word; "completed" and
    "closed" are both CLOSED there)."""
    kind, state, obj, snap = made
    want = {"completed": "closed"}.get(state, state)
    got = public_state(kind, obj) if state != "running" else "running"
    if got == "open":
        got = state if state in ("created", "suspended") else got
    assert got == want
    assert snap["running"] == (state == "running")


def test_no_ob_size(made):
    """The struct starts with a plain PyObject_HEAD on every version: ``header().size`` is
    None, whatever the word at +16 holds (3.11: ``gi_code``; 3.12+: ``gi_weakreflist``)."""
    _, _, _, snap = made
    assert _get(snap, "header").size is None, f"word at +16 is {snap['word16']:#x}"


def test_extent_is_getsizeof_and_the_block(made):
    """The allocation is ``sys.getsizeof`` bytes from the GC head on (``gen_sizeof`` counts
    the embedded frame's slots; getsizeof adds the GC head), the layout spans exactly that,
    its fields tile it, and the block footprint reports is the one the pool header's size
    class (or ``malloc_usable_size``) states."""
    _, _, _, snap = made
    lay, info, fp = _get(snap, "layout"), _get(snap, "block_info"), _get(snap, "footprint")
    assert info.requested == snap["getsizeof"]
    assert lay.end - lay.start == snap["getsizeof"]
    assert lay.start == -GC_HEAD_SIZE
    assert_tiles(lay)
    own = fp.allocations[0]
    assert own.block.block_address == info.block_address
    assert own.requested == snap["getsizeof"]
    assert (own.block.domain, own.allocated) == allocator_block(info.block_address, own.requested)


@pytest.mark.skipif(PY < (3, 11), reason="the frame is embedded from 3.11")
def test_size_is_the_fixed_part_plus_one_word_per_slot(made):
    """``tp_basicsize`` is ``offsetof(gi_iframe) + offsetof(_PyInterpreterFrame,
    localsplus)``; the object adds one word per local, cell, free variable and stack entry
    (3.11–3.13: ``co_nlocalsplus + co_stacksize``, Objects/genobject.c ``make_gen``)."""
    kind, _, obj, snap = made
    (iframe,) = offsets(kind, "iframe")
    (localsplus,) = c_values("offsetof(_PyInterpreterFrame, localsplus)", headers=HEADERS)
    assert type(obj).__basicsize__ == iframe + localsplus
    code = getattr(obj, PREFIX[kind] + "_code")
    if PY < (3, 14):
        cells = [c for c in code.co_cellvars if c not in code.co_varnames]
        nlocalsplus = len(code.co_varnames) + len(cells) + len(code.co_freevars)
        slots = nlocalsplus + code.co_stacksize
        assert snap["getsizeof"] == GC_HEAD_SIZE + iframe + localsplus + 8 * slots


@pytest.mark.skipif(PY < (3, 11), reason="gi_frame_state arrived in 3.11")
def test_frame_state_field(made):
    """A field named ``…frame_state`` sits at ``offsetof(…, gi_frame_state)``; its value is
    the byte a ctypes read finds there, the FRAME_* value of the state Python reports."""
    kind, state, _, snap = made
    (off,) = offsets(kind, "frame_state")
    assert snap["frame_state"] in expected_frame_states(state)
    lay = _get(snap, "layout")
    (f,) = [f for f in lay.fields if f.offset == off and f.bits is None]
    assert f.name.endswith("frame_state") and f.size == 1
    assert f.value == snap["frame_state"]


def test_name_qualname_and_weakref_fields(made):
    """The fields at ``gi_name``/``gi_qualname`` hold ``id(obj.__name__)`` and
    ``id(obj.__qualname__)``; the one at ``gi_weakreflist`` the weak reference's ``id``."""
    kind, state, obj, _ = made
    if state == "running":
        pytest.skip("looked at from inside; the names are checked in the other states")
    ref = weakref.ref(obj)
    lay = pyhood.layout(obj)
    name, qualname, weaklist = offsets(kind, "name", "qualname", "weakreflist")
    by_offset = {f.offset: f for f in lay.fields if f.bits is None}
    assert by_offset[name].value == id(obj.__name__) == word(id(obj) + name)
    assert by_offset[qualname].value == id(obj.__qualname__) == word(id(obj) + qualname)
    assert by_offset[weaklist].value == id(ref) == word(id(obj) + weaklist)
    p = PREFIX[kind] + "_"
    for f in (by_offset[name], by_offset[qualname]):
        assert f.name.startswith(p) and "name" in f.name, f.name


@pytest.mark.skipif(PY < (3, 11), reason="the frame is embedded from 3.11")
def test_the_embedded_frame_runs_the_code(made):
    """While the frame lives (created, suspended, running), the embedded frame's code word
    (``f_code`` 3.11/3.12, ``f_executable`` 3.13+) is the code object: a ctypes read at
    ``offsetof(gi_iframe) + offsetof(_PyInterpreterFrame, f_code)``; pyhood's field there
    says so, and fields lie beyond ``gi_iframe``."""
    kind, state, obj, snap = made
    (iframe,) = offsets(kind, "iframe")
    member = "f_executable" if PY >= (3, 13) else "f_code"
    (f_code,) = c_values(f"offsetof(_PyInterpreterFrame, {member})", headers=HEADERS)
    lay = _get(snap, "layout")
    assert any(f.offset >= iframe for f in lay.fields)
    if state in ("completed", "closed"):
        return
    code = getattr(obj, PREFIX[kind] + "_code")
    raw = word(id(obj) + iframe + f_code)
    assert raw & ~7 == id(code)
    (f,) = [f for f in lay.fields if f.offset == iframe + f_code and f.bits is None]
    assert f.value == raw


@pytest.mark.skipif(PY >= (3, 11), reason="3.10 only")
def test_310_has_no_embedded_frame(made):
    """3.10: the object ends at ``sizeof(PyGenObject)`` (``tp_basicsize``, itemsize 0);
    ``gi_frame`` points at a separate frame object, NULL once finished."""
    kind, state, obj, snap = made
    lay = _get(snap, "layout")
    assert lay.end == type(obj).__basicsize__ == c_values(f"sizeof({STRUCT[kind]})")[0]
    (frame_off,) = offsets(kind, "frame")
    frame = getattr(obj, PREFIX[kind] + "_frame")
    if state != "running":
        assert word(id(obj) + frame_off) == (0 if frame is None else id(frame))
    (f,) = [f for f in lay.fields if f.offset == frame_off]
    if state != "running":
        assert f.value == word(id(obj) + frame_off)
