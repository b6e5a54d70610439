"""Guide §11.6, frames.

A call runs in a frame: the code object, the instruction it is at, the previous frame, and
one slot per local, cell and free variable followed by the value stack (``localsplus``).
3.10 keeps all of it in the frame object; from 3.11 it is a ``_PyInterpreterFrame`` on the
thread's data stack (inside the generator for generators, copied into the frame object once
the frame finishes) and the frame object points at it. ``pyhood.frame_layout(frame)`` shows
both; the truth is what the frame tells Python: ``f_code``, ``f_lasti``, ``f_locals``,
``f_back``, the closure cells, ``gc.get_referents`` (which walks the value stack) and
``inspect.getgeneratorstate``.
"""

from __future__ import annotations

import gc
import inspect
import sys
import traceback

import pyhood
import pytest
from conftest import GC_HEAD_SIZE, PY, requires, sword, word


def _slot_value_ok(slot, value) -> bool:
    """A variable's slot holds the value, or (cell kinds) a cell holding it."""
    if "cell" in slot.kind or "free" in slot.kind:
        return slot.cell_contents == id(value)
    return slot.address == id(value)


def _names_in_slot_order(code) -> list[str]:
    """The variables in ``localsplus`` order, as the interpreter itself names them: the code
    object's own ``_varname_from_oparg`` (3.11+, used by ``dis``); on 3.10, ``co_varnames``,
    ``co_cellvars`` then ``co_freevars`` (the order ``cpython/frameobject.h`` 3.10 draws)."""
    if PY >= (3, 11):
        n = len(code.co_varnames) + len(code.co_freevars)
        n += len([c for c in code.co_cellvars if c not in code.co_varnames])
        return [code._varname_from_oparg(i) for i in range(n)]
    return [*code.co_varnames, *code.co_cellvars, *code.co_freevars]


def test_a_frame_sees_its_own_locals():
    """Inside a call, every local, argument and cell variable is a slot holding the very
    object ``f_locals`` shows; a variable not yet bound is an empty slot."""

    def work(a, b=2):
        c = a + b
        name = "pyhood"

        def closure():
            return c

        fl = pyhood.frame_layout(sys._getframe())
        later = None
        return fl, dict(sys._getframe().f_locals), closure, (later, name)

    fl, f_locals, closure, _ = work(40)
    code = work.__code__
    assert fl.code is code
    assert [v.name for v in fl.variables] == _names_in_slot_order(code)
    for v in fl.variables:
        if v.name in ("fl", "later"):  # bound after frame_layout looked
            assert v.address is None, v
            continue
        assert _slot_value_ok(v, f_locals[v.name]), v
    assert fl.variable("c").cell_contents == id(closure.__closure__[0].cell_contents)
    assert fl.variable("c").address == id(closure.__closure__[0])
    assert fl.variable("c").type_name == "cell"
    assert fl.variable("name").type_name == "str"
    with pytest.raises(KeyError):
        fl.variable("nope")


def test_cells_are_shared_between_the_frames_that_use_them():
    """The outer frame's cell variable and the inner frame's free variable are the same cell
    object: the one in the inner function's ``__closure__``."""
    seen = {}

    def outer():
        shared = [1, 2]

        def inner():
            seen["inner"] = pyhood.frame_layout(sys._getframe())
            return shared

        seen["outer"] = pyhood.frame_layout(sys._getframe())
        inner()
        return inner

    inner = outer()
    cell = inner.__closure__[inner.__code__.co_freevars.index("shared")]
    out, inn = seen["outer"].variable("shared"), seen["inner"].variable("shared")
    assert "cell" in out.kind and inn.kind == "free"
    assert out.address == inn.address == id(cell)
    assert out.cell_contents == inn.cell_contents == id(cell.cell_contents)


def test_slots_sit_at_their_offsets():
    """Each variable's slot is a word at its offset in the block that holds it: a ctypes
    read there, while the frame still runs, is the value's ``id`` (3.14+: a ``_PyStackRef``,
    whose low tag bits are cleared first)."""
    prefix = "localsplus" if PY >= (3, 11) else "f_localsplus"

    def work(x, y):
        fl = pyhood.frame_layout(sys._getframe())
        holder = fl.block("f_frame") if PY >= (3, 11) else fl
        raws = {v: word(holder.address + fl.variable(v).offset) for v in ("x", "y")}
        return fl, holder, raws

    x, y = object(), [1]
    fl, holder, raws = work(x, y)
    for var, value in (("x", x), ("y", y)):
        slot = fl.variable(var)
        assert raws[var] & ~3 == id(value) == slot.address
        assert holder.field(f"{prefix}[{slot.index}]").value == raws[var]


def _caller_layout():
    """The caller's frame while it waits for this call: its instruction does not move."""
    caller = sys._getframe(1)
    return pyhood.frame_layout(caller), caller.f_lasti, caller


def test_code_and_instruction_match_the_frame():
    """``f_lasti`` is what ``frame.f_lasti`` says, and the instruction's address is that
    many bytes into the code: into ``co_code_adaptive`` at ``type(code).__basicsize__`` (3.11+,
    ``PyCode_Type.tp_basicsize`` is that offset) or into the ``co_code`` bytes (3.10)."""
    fl, lasti, frame = _caller_layout()
    assert fl.f_lasti == lasti >= 0
    code = frame.f_code
    if PY >= (3, 11):
        start = id(code) + type(code).__basicsize__
    else:
        start = id(code.co_code) + sys.getsizeof(b"") - 1
    assert fl.instr_address == start + lasti


def test_previous_is_the_caller():
    """The previous frame is the caller's: its ``_PyInterpreterFrame`` (3.11+, the one the
    caller's frame object points at) or the ``f_back`` frame object (3.10)."""
    frame = sys._getframe()
    fl = pyhood.frame_layout(frame)
    caller = frame.f_back
    if PY >= (3, 11):
        assert fl.owner == "thread"
        assert fl.previous == pyhood.frame_layout(caller).interpreter_frame
    else:
        assert fl.owner is None
        assert fl.previous == id(caller)
    assert fl.state == "executing"
    assert fl.stack_depth is None and fl.stack == ()


def _gen():
    total = 0
    for x in range(3):
        total += x
        yield total


def test_a_suspended_generator_keeps_its_stack():
    """A generator suspended inside a ``for`` loop keeps the loop's iterator on its value
    stack: the ``range_iterator`` that ``gc.get_referents`` finds is one of the stack entries
    and every object on the stack is a referent."""
    gen = _gen()
    fl = pyhood.frame_layout(gen.gi_frame)
    assert fl.state == "created"
    assert inspect.getgeneratorstate(gen) == inspect.GEN_CREATED
    assert fl.f_lasti == gen.gi_frame.f_lasti
    next(gen)
    next(gen)
    fl = pyhood.frame_layout(gen.gi_frame)
    assert inspect.getgeneratorstate(gen) == inspect.GEN_SUSPENDED
    assert fl.state == "suspended"
    assert fl.owner == ("generator" if PY >= (3, 11) else None)
    assert fl.f_lasti == gen.gi_frame.f_lasti
    referents = gc.get_referents(gen) + gc.get_referents(gen.gi_frame)
    iterators = [r for r in referents if type(r).__name__ == "range_iterator"]
    assert len(iterators) == 1
    on_stack = [s.address for s in fl.stack if s.address is not None]
    assert fl.stack_depth == len(fl.stack) >= 1
    assert id(iterators[0]) in on_stack
    assert set(on_stack) <= {id(r) for r in referents}
    assert fl.variable("total").address == id(gen.gi_frame.f_locals["total"])


def test_a_running_generator_records_no_stack():
    """Seen from inside, a generator is running: no stack top is recorded."""

    def gen():
        yield pyhood.frame_layout(sys._getframe()), inspect.getgeneratorstate(g)

    g = gen()
    fl, state = next(g)
    assert state == inspect.GEN_RUNNING
    assert fl.state == "executing" and fl.stack_depth is None


def test_every_frame_of_a_traceback():
    """Each frame of an exception's traceback can be laid out; the innermost has finished,
    owns its data (3.11+: copied into the frame object) and still holds its locals."""

    def inner(n):
        ratio = 1 / n
        return ratio

    def outer():
        local = "kept"
        return inner(0), local

    try:
        outer()
    except ZeroDivisionError as e:
        frames = [f for f, _ in traceback.walk_tb(e.__traceback__)]
    assert [f.f_code.co_name for f in frames[-2:]] == ["outer", "inner"]
    assert frames[0] is sys._getframe()  # still running: its f_lasti moves on
    for f in frames[1:]:
        fl = pyhood.frame_layout(f)
        assert fl.code is f.f_code
        assert fl.f_lasti == f.f_lasti
    fl = pyhood.frame_layout(frames[-1])
    if PY >= (3, 11):
        assert (fl.owner, fl.state) == ("frame object", "completed")
        assert fl.interpreter_frame == id(frames[-1]) + fl.field("_f_frame_data").offset
    else:
        assert fl.state == "raised"
    assert fl.stack_depth is not None
    assert fl.variable("n").address == id(frames[-1].f_locals["n"])
    assert fl.variable("ratio").address is None  # the division raised before the store
    del frames


def test_the_frame_object_has_the_size_python_reports():
    """3.11+: the frame object is ``sys.getsizeof(frame)`` bytes with its GC head, and has no
    ``ob_size`` (it begins with ``PyObject_HEAD``). 3.10: a variable-size object whose
    ``ob_size`` (a ctypes read) counts its slots; reused frame objects may have spare ones."""
    frame = sys._getframe()
    fl = pyhood.frame_layout(frame)
    h = pyhood.header(frame)
    if PY >= (3, 11):
        assert fl.size == sys.getsizeof(frame)
        assert h.size is None
        with pytest.raises(KeyError):
            fl.field("ob_size")
    else:
        ob_size = sword(id(frame) + 16)
        assert h.size == ob_size == fl.field("ob_size").value
        assert fl.size == GC_HEAD_SIZE + type(frame).__basicsize__ + 8 * ob_size
    assert fl.start == -GC_HEAD_SIZE
    assert pyhood.block_info(frame).block_size >= fl.size


def test_layout_of_a_frame_is_its_frame_layout():
    """``pyhood.layout(frame)`` is the same ``FrameLayout``, a kind of ``Layout``."""
    frame = sys._getframe()
    a, b = pyhood.layout(frame), pyhood.frame_layout(frame)
    assert isinstance(a, pyhood.FrameLayout) and isinstance(a, pyhood.Layout)
    assert [f.name for f in a.fields] == [f.name for f in b.fields]
    assert a.code is b.code is frame.f_code


def test_looking_changes_nothing():
    """No reference is left on the frame, its code or its locals, and (3.11–3.12) no locals
    dict is created for the frame (``f_locals`` in the interpreter frame stays NULL)."""
    frame = sys._getframe()
    x = object()
    before = (sys.getrefcount(frame), sys.getrefcount(frame.f_code), sys.getrefcount(x))
    for _ in range(3):
        fl = pyhood.frame_layout(frame)
        del fl
    after = (sys.getrefcount(frame), sys.getrefcount(frame.f_code), sys.getrefcount(x))
    assert before == after
    if (3, 11) <= PY < (3, 13):
        fl = pyhood.frame_layout(frame)
        # ctypes at header offsets (internal/pycore_frame.h v3.11.7, v3.12.1):
        # PyFrameObject.f_frame @24; _PyInterpreterFrame.f_locals @24 (3.11), @40 (3.12).
        iframe = word(id(frame) + 24)
        f_locals = word(iframe + (24 if PY < (3, 12) else 40))
        assert fl.block("f_frame").field("f_locals").value == f_locals == 0


@pytest.mark.parametrize("obj", [sys._getframe().f_code, _gen(), 1, None])
def test_anything_but_a_frame_is_refused(obj):
    """A code object, a generator or any non-frame is a TypeError, never a guess."""
    with pytest.raises(TypeError, match="frame object"):
        pyhood.frame_layout(obj)


@requires((3, 14), "_PyStackRef tagging")
def test_tagged_references_are_untagged():
    """3.14+: slots are ``_PyStackRef``s whose low bits tag deferred or immortal references;
    the address pyhood reports is the raw word with ``Py_TAG_BITS`` (3) cleared, the object's
    ``id``."""

    def work():
        small, big = 7, 10**30
        fl = pyhood.frame_layout(sys._getframe())
        return fl, small, big

    fl, small, big = work()
    holder = fl.block("f_frame")
    tagged = 0
    for var, value in (("small", small), ("big", big)):
        slot = fl.variable(var)
        raw = holder.field(f"localsplus[{slot.index}]").value
        assert slot.address == raw & ~3 == id(value)
        tagged += raw != slot.address
    assert tagged >= 1  # the immortal small int is a tagged reference


def test_a_cleared_frame_holds_nothing():
    """``frame.clear()`` on a finished frame drops its variables: every slot is empty, as
    ``f_locals`` shows, and the frame says it is cleared (CPython's own test: 3.10 ``f_state``,
    3.11+ a stack top back at ``localsplus[0]``)."""

    def fails():
        kept = [1]
        raise ValueError(kept)

    try:
        fails()
    except ValueError as e:
        frame = e.__traceback__.tb_next.tb_frame
    assert pyhood.frame_layout(frame).variable("kept").address is not None
    frame.clear()
    fl = pyhood.frame_layout(frame)
    assert dict(frame.f_locals) == {}
    assert fl.state == "cleared" and fl.stack_depth == 0
    assert all(v.address is None for v in fl.variables)


def test_coroutines_async_generators_and_other_threads():
    """Suspended coroutines and async generators keep their stack like generators do (the
    awaited coroutine / the loop's iterator is a referent); a frame running in another thread
    is executing and its locals are the objects that thread bound."""
    import asyncio
    import threading

    async def child():
        await asyncio.sleep(0)

    async def parent():
        await child()

    co = parent()
    co.send(None)
    fl = pyhood.frame_layout(co.cr_frame)
    assert fl.state.startswith("suspended") and inspect.getcoroutinestate(co) == "CORO_SUSPENDED"
    on_stack = {s.address for s in fl.stack}
    assert on_stack & {id(r) for r in gc.get_referents(co) + gc.get_referents(co.cr_frame)}
    co.close()

    async def agen():
        for i in range(2):
            yield i

    ag = agen()
    with pytest.raises(StopIteration):
        ag.asend(None).send(None)
    fl = pyhood.frame_layout(ag.ag_frame)
    assert fl.state == "suspended" and fl.stack_depth >= 1

    started, finish = threading.Event(), threading.Event()
    box = {}

    def worker():
        box["value"] = mine = object()
        started.set()
        finish.wait()
        return mine

    t = threading.Thread(target=worker)
    t.start()
    started.wait()
    try:
        frame = sys._current_frames()[t.ident]
        while frame.f_code is not worker.__code__:
            frame = frame.f_back
        fl = pyhood.frame_layout(frame)
        assert fl.state == "executing" and fl.stack_depth is None
        assert fl.variable("mine").address == id(box["value"])
    finally:
        finish.set()
        t.join()


def test_every_frame_the_collector_knows():
    """Every frame object in ``gc.get_objects()``, and every frame of every thread's stack,
    can be laid out: its variables are the code's, in slot order, and (for every frame but
    this running one) its ``f_lasti`` is the frame's."""
    frames = [o for o in gc.get_objects() if type(o).__name__ == "frame"]
    for top in sys._current_frames().values():
        while top is not None:
            frames.append(top)
            top = top.f_back
    here = sys._getframe()
    assert len(frames) > 1
    for f in frames:
        fl = pyhood.frame_layout(f)
        assert [v.name for v in fl.variables] == _names_in_slot_order(f.f_code)
        if f is not here:
            assert fl.f_lasti == f.f_lasti, f
