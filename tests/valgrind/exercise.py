"""Every public pyhood call once or more, for ``test_valgrind.py`` to run under memcheck.

It asserts nothing about the numbers (the suite does that); it makes each call on objects of
every decoder, renders each result, and walks the error paths (refusals, bad arguments), so
that memcheck sees every read pyhood makes. It ends with a deliberate control: one read that
runs past the end of a malloc block, which memcheck must report in pyhood's frames, so a run
that reports nothing has shown that memcheck was watching. Run with ``PYTHONMALLOC=malloc``
so that every object is its own malloc block memcheck knows the bounds of.
"""

from __future__ import annotations

import array
import asyncio
import collections
import datetime
import decimal
import fractions
import gc
import subprocess
import sys
import threading
import tracemalloc
import weakref

import pyhood
from pyhood import _pyhood as native

#: Printed last: the test checks the script got there.
DONE = "pyhood valgrind exercise: done"

#: What pyhood may refuse with for an object (never with anything else).
REFUSALS = (pyhood.PyhoodError, ValueError, TypeError)


class Plain:
    def __init__(self):
        self.a = 1
        self.name = "two"


class Slotted:
    __slots__ = ("first_slot_with_a_long_name", "y")

    def __init__(self):
        self.first_slot_with_a_long_name = 1.5


class Sub(int):
    pass


def generator():
    local = [1, 2]
    yield local
    yield 2


async def coroutine():
    await asyncio.sleep(0)


def every_object_call(obj) -> None:
    """Each per-object call, each result rendered."""
    str(pyhood.header(obj))
    pyhood.refcnt(obj)
    pyhood.is_immortal(obj)
    pyhood.is_small_int(obj)
    pyhood.weakref_count(obj)
    try:
        lay = pyhood.layout(obj, max_items=64)
        str(lay), repr(lay), lay.to_dict(), lay._repr_html_(), len(lay), list(lay)
        for block in lay.blocks:
            lay.block(block.name)
        for field in lay.fields[:3]:
            lay.field(field.name).to_dict()
    except REFUSALS:
        pass
    for call in (pyhood.peek, pyhood.block_info, pyhood.footprint, pyhood.gc_info):
        try:
            str(call(obj))
        except REFUSALS:
            pass


def frames() -> None:
    """frame_layout of a running frame, a suspended generator's and a finished one's."""
    fl = pyhood.frame_layout(sys._getframe(), max_items=64)
    str(fl), fl.to_dict(), fl.variables, fl.stack, fl.variable("fl")
    g = generator()
    next(g)
    str(pyhood.frame_layout(g.gi_frame))
    str(pyhood.layout(g))
    try:
        raise KeyError("x")
    except KeyError as exc:
        tb = exc.__traceback__
    str(pyhood.frame_layout(tb.tb_frame))


def interpreter_state() -> None:
    """The interpreter-wide readers (some refuse on some versions), their test hooks, and
    the searches behind them."""
    calls = [
        lambda: str(pyhood.gc_generations()),
        lambda: [str(f) for f in pyhood.freelists().values()],
        pyhood.interned_count,
        native._offsets,
        native._located_state,
        native._relocate_by_search,
    ]
    for s in (sys.intern("interned_word"), "".join(["not", " interned"]), "a", "__name__"):
        calls.append(lambda s=s: pyhood.intern_state(s))
    for call in calls:
        try:
            call()
        except REFUSALS:
            pass


def allocator() -> None:
    """obmalloc's statistics (refused under PYTHONMALLOC=malloc), a real report parsed, and
    block lookups while tracemalloc's hooks wrap the allocator."""
    try:
        str(pyhood.obmalloc_stats())
    except pyhood.AllocatorError:
        pass
    report = subprocess.run(
        [sys.executable, "-c", "import sys; sys._debugmallocstats()"],
        env={"PYTHONMALLOC": "pymalloc"},
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    str(native._obmalloc_stats_from_text(report))
    tracemalloc.start()
    try:
        for obj in (1.5, [1, 2], "x" * 600):
            try:
                str(pyhood.block_info(obj))
            except REFUSALS:
                pass
        with pyhood.track() as t:
            kept = [bytes(20) for _ in range(50)]
        str(t), t.top_growth
        del kept
    finally:
        tracemalloc.stop()
    with pyhood.gc_watch() as w:
        gc.collect(0)
    str(w), w.summary()


def bad_arguments() -> None:
    """Refused arguments: pyhood's checks run before any read."""
    for call in (
        lambda: pyhood.peek(b"abc", -1),
        lambda: pyhood.peek(b"abc", 0, 1 << 40),
        lambda: pyhood.layout([], max_items=-1),
        lambda: pyhood.frame_layout(1),
        lambda: native._interned_dict_size_at(8),
    ):
        try:
            call()
        except REFUSALS:
            pass


def control() -> None:
    """The control: the hook reads a dict's 48-byte struct at the address it is given; at
    a 2-byte bytes object (a 35-byte malloc block: 32 of header, 2 data bytes, a NUL) that
    read runs 13 bytes past the block, and pyhood then refuses the "dict". Memcheck must
    report that read."""
    two = (7).to_bytes(2, "little")
    try:
        native._interned_dict_size_at(id(two))
    except pyhood.StateValidationError:
        pass


def main() -> None:
    g = generator()
    next(g)
    c = coroutine()
    p = Plain()
    objects = [
        None, True, 0, 7, 2**62, -(2**100), Sub(5), 1.5, 2j, "ascii", "é€😀", "x" * 5000,
        sys.intern("interned_word"), b"bytes", bytearray(b"ba"), (1, 2), [1, "x"],
        list(range(1000)), {"k": 1}, dict.fromkeys(range(100)), {1, 2}, frozenset({3}),
        range(3), slice(1, 2), p, p.__dict__, Slotted(), Plain, Slotted, weakref.ref(p),
        weakref.proxy(p), g, c, generator, every_object_call, sys, memoryview(b"mv"),
        array.array("i", [1, 2]), collections.OrderedDict(a=1), collections.deque([1]),
        datetime.datetime(2024, 1, 2, 3, 4, 5), datetime.time(1, tzinfo=datetime.timezone.utc),
        datetime.date(2024, 1, 2), datetime.timedelta(days=1), decimal.Decimal("1.5"),
        fractions.Fraction(1, 3), iter([1]), object(), type, int, Ellipsis, NotImplemented,
        sys._getframe(), KeyError("k"), property(), staticmethod(len), len, "".join,
    ]  # fmt: skip
    for obj in objects:
        every_object_call(obj)
    c.close()
    frames()
    interpreter_state()
    allocator()
    bad_arguments()
    worker = threading.Thread(target=every_object_call, args=(objects,))
    worker.start()
    worker.join()
    control()
    print(DONE)


if __name__ == "__main__":
    main()
