"""The tour of the guide's chapter 11 (object lifetimes) on live objects: the header as the
unit of memory management, reference counts and the cycle collector, identity and reuse,
weak references, memory usage tracking (``pyhood.track``) and frames.

Same conventions as :mod:`pyhood._tour.ch10`: explanations, pyhood's readings, and ``[ok]`` /
``[MISMATCH]`` checks against something pyhood does not compute (for §11.5:
``sys.getallocatedblocks()``, ``gc.get_count()``, ``gc.get_stats()``, the ``gc.DEBUG_STATS``
log, tracemalloc's own snapshot comparison).
"""

from __future__ import annotations

import contextlib
import gc
import inspect
import io
import itertools
import re
import sys
import traceback
import tracemalloc
import weakref
from pathlib import Path

import pyhood

from .._render import frame_summary
from .narrate import check, grid, heading, say, sub

__all__ = [
    "section_11_1",
    "section_11_2",
    "section_11_3",
    "section_11_4",
    "section_11_5",
    "section_11_6",
]


# --- §11.1–11.4 -----------------------------------------------------------------------------


class _Node:
    """A plain instance: GC-tracked, weakly referenceable."""


class _Pair:
    __slots__ = ("a", "b")


#: How many times §11.3 frees an object and allocates the next one of its size class.
_REUSE_TRIES = 20


def _fresh_int(v: int) -> int:
    return int(str(v))


def _generation_truth(x: object) -> int | str | None:
    """The generation whose list holds ``x``, found by scanning every list (O(N))."""
    for g in range(3):
        if any(o is x for o in gc.get_objects(generation=g)):
            return g
    return "permanent" if gc.is_tracked(x) else None


def section_11_1() -> None:
    """§11.1: every object starts with the same header; the count in it is the lifetime."""
    heading("11.1", "The PyObject revisited: the header is the unit of memory management")
    say(
        """Whatever its type, an object starts with a reference count and a pointer to its
        type. Names do not own objects: binding a name adds one to the count, unbinding
        takes one away, and the object is freed when the count reaches zero."""
    )
    samples: list[object] = [_Node(), [1, 2], {"k": 1}, 2.5, "".join(["a", "b"])]
    rows = [(type(o).__name__, hex(id(o)), pyhood.refcnt(o)) for o in samples]
    grid(("type", "address", "refcnt"), rows)
    check(
        "header(obj).address == id(obj) for every object",
        all(pyhood.header(o).address == id(o) for o in samples),
    )
    check(
        "header(obj).type_address == id(type(obj)) for every object",
        all(pyhood.header(o).type_address == id(type(o)) for o in samples),
    )
    sub("names bind and unbind")
    x = _Node()
    counts = [pyhood.refcnt(x)]
    truth = [sys.getrefcount(x)]
    y = x
    counts.append(pyhood.refcnt(x))
    truth.append(sys.getrefcount(x))
    z = [x, x]
    counts.append(pyhood.refcnt(x))
    truth.append(sys.getrefcount(x))
    del y, z
    counts.append(pyhood.refcnt(x))
    truth.append(sys.getrefcount(x))
    print(f"    refcnt after: x; y = x; z = [x, x]; del y, z  ->  {counts}")
    print()
    check("pyhood.refcnt agrees with sys.getrefcount at every step", counts == truth)
    check(
        "each binding adds one and each unbinding removes one",
        [b - a for a, b in itertools.pairwise(counts)] == [1, 2, -3],
    )
    a, b = [1, 2, 3], [1, 2, 3]
    check(
        "equal objects have their own headers; one object has one header",
        pyhood.header(a).address != pyhood.header(b).address
        and pyhood.header(a).address == pyhood.header(a).address,
    )
    print()


def section_11_2() -> None:
    """§11.2: reference counts free most objects; the collector frees cycles."""
    heading("11.2", "Reference counting and the garbage collector")
    say(
        """A cycle keeps its own counts above zero, so del alone does not free it: it waits
        for the cycle collector. pyhood.gc_info(obj) reads the object's GC head and finds
        its generation by following _gc_next to a generation list head, without scanning
        the heap."""
    )
    was = gc.isenabled()
    gc.disable()
    try:
        died: list[bool] = []
        a, b = _Node(), _Node()
        a.other, b.other = b, a  # type: ignore[attr-defined]
        r = weakref.ref(a, lambda _: died.append(True))
        del a, b
        check("after del, the cycle is still alive (no callback yet)", not died and r() is not None)
        gc.collect()
        check("gc.collect() frees the cycle (the weakref callback fired)", died == [True])
        fresh = _Node()
        info = pyhood.gc_info(fresh)
        print(f"    {info!r}")
        print()
        check(
            "a fresh object is in generation 0, as gc.get_objects(generation=0) shows",
            info.generation == 0 == _generation_truth(fresh),
        )
        gc.collect()
        check(
            "after gc.collect() it is in generation 2, as gc.get_objects(generation=2) shows",
            pyhood.gc_info(fresh).generation == 2 == _generation_truth(fresh),
        )
        gc.freeze()
        try:
            frozen = pyhood.gc_info(fresh).generation
            truth = _generation_truth(fresh)
        finally:
            gc.unfreeze()
        check("after gc.freeze() it is in the permanent generation", frozen == "permanent" == truth)
        untracked = [12345, 2.5, "text"]
        check(
            "ints, floats and strs are untracked, as gc.is_tracked says",
            all(
                pyhood.gc_info(o).generation is None and not pyhood.gc_info(o).tracked
                for o in untracked
            )
            and not any(gc.is_tracked(o) for o in untracked),
        )
    finally:
        (gc.enable if was else gc.disable)()
    print()


def section_11_3() -> None:
    """§11.3: small ints and interned strings are shared; dead objects' ids are reused."""
    heading("11.3", "Identity, caching and reuse")
    last = 1024 if sys.version_info >= (3, 15) else 256
    say(
        f"""The interpreter keeps one object for each int from -5 to {last}; every
        computation that yields such a value returns that object. Beyond the range, equal
        ints are separate objects."""
    )
    values = [-6, -5, last, last + 1]
    rows = [(v, pyhood.is_small_int(_fresh_int(v)), _fresh_int(v) is _fresh_int(v)) for v in values]
    grid(("value", "is_small_int", "int(str(v)) is int(str(v))"), rows)
    check(
        "is_small_int agrees with identity at the low end of the cache",
        all(r[1] == r[2] for r in rows[:2]) and rows[1][1] and not rows[0][1],
    )
    check(
        "is_small_int agrees with identity at the high end of the cache",
        all(r[1] == r[2] for r in rows[2:]) and rows[2][1] and not rows[3][1],
    )
    s1 = sys.intern("".join(["tour ", "eleven"]))
    s2 = sys.intern("".join(["tour", " eleven"]))
    check("sys.intern returns one object for equal strings", s1 is s2 and id(s1) == id(s2))
    print()
    say(
        """When an object dies its block goes back to pymalloc, and the next object of the
        same size class usually gets it, and with it the dead object's id. Usually, not
        always: the interpreter promises only that ids are unique among live objects, so the
        tour counts how often it happens and checks only what is guaranteed."""
    )
    tries, reused = _REUSE_TRIES, 0
    same_class = id_is_block = live_differ = True
    was = gc.isenabled()
    gc.disable()
    try:
        for _ in range(tries):
            x = _Pair()
            # A neighbour keeps x's pool in use: a pool emptied by the free would go back to
            # its arena, and the next block would come from another pool.
            neighbour = _Pair()
            addr, dead = id(x), pyhood.block_info(x)
            del x
            y = _Pair()
            new = pyhood.block_info(y)
            rounded = -(-sys.getsizeof(y) // 16) * 16
            same_class &= new.size_class == dead.size_class and new.block_size == rounded
            if id(y) == addr:
                reused += 1
                id_is_block &= new.block_address == dead.block_address
            live_differ &= id(y) != id(neighbour)
            del y, neighbour
    finally:
        (gc.enable if was else gc.disable)()
    print(f"    the next object took the dead one's block and id in {reused} of {tries} tries")
    print()
    check(
        "every new object's block is in the dead one's size class (getsizeof rounded up to 16)",
        same_class,
    )
    check("whenever the new object has the dead one's id, it has its block", id_is_block)
    check("two live objects never share an id", live_differ)
    if sys.version_info >= (3, 14):
        samples: list[object] = [None, 5, (), object(), [], 10**30]
        check(
            "is_immortal equals sys._is_immortal for every object",
            all(pyhood.is_immortal(o) is sys._is_immortal(o) for o in samples),  # type: ignore[attr-defined]
        )
    elif sys.version_info >= (3, 12):
        before = pyhood.refcnt(None)
        extra = [None] * 100
        unchanged = pyhood.refcnt(None) == before
        del extra
        check(
            "None is immortal and binding names to it leaves its count alone",
            pyhood.is_immortal(None) and unchanged,
        )
    else:
        check("nothing is immortal before 3.12", not pyhood.is_immortal(None))
    print()


def section_11_4() -> None:
    """§11.4: weak references are kept on a list in the object, and do not count."""
    heading("11.4", "Weak references")
    say(
        """A weak reference does not keep its object alive. The object keeps a list of the
        weak references to it (inside the object, or before it for 3.12+ managed weakrefs);
        pyhood.weakref_count walks that list."""
    )
    x = _Node()
    before = pyhood.refcnt(x)
    counts = [(0, pyhood.weakref_count(x), weakref.getweakrefcount(x))]
    r1 = weakref.ref(x)
    counts.append((1, pyhood.weakref_count(x), weakref.getweakrefcount(x)))
    more = [weakref.ref(x, lambda _: None), weakref.proxy(x)]
    counts.append((3, pyhood.weakref_count(x), weakref.getweakrefcount(x)))
    grid(("created", "weakref_count", "getweakrefcount"), counts)
    check(
        "weakref_count equals weakref.getweakrefcount for 0, 1 and 3 references",
        all(a == b == c for a, b, c in counts),
    )
    check("weak references leave the reference count unchanged", pyhood.refcnt(x) == before)
    del more
    check(
        "after two references die the count is 1",
        pyhood.weakref_count(x) == weakref.getweakrefcount(x) == 1,
    )
    check("an int cannot be weakly referenced: its count is 0", pyhood.weakref_count(12345) == 0)
    fired: list[object] = []
    y = _Node()
    r2 = weakref.ref(y, fired.append)
    del y
    check("the callback fires when the object dies", fired == [r2] and r2() is None)
    del r1
    print()


# --- §11.5 ----------------------------------------------------------------------------------

#: Most blocks (or gc-tracked objects) track's own bookkeeping adds between its readings and
#: the block's first and last lines.
SLACK = 16


def _cycles(n: int) -> list[list[object]]:
    kept = []
    for i in range(n):
        node: list[object] = [i]
        node.append(node)  # a cycle: only the collector frees it
        if i % 10 == 0:
            kept.append(node)
    return kept


def _allocator_part() -> None:
    gc.collect()
    with pyhood.track() as t:
        b0, c0 = sys.getallocatedblocks(), gc.get_count()
        kept = [bytes(20) for _ in range(10_000)]
        c1, b1 = gc.get_count(), sys.getallocatedblocks()
    print("    with pyhood.track() as t:")
    print("        kept = [bytes(20) for _ in range(10_000)]")
    print()
    print("\n".join("    " + line for line in str(t).splitlines()))
    print()
    size = -(-sys.getsizeof(bytes(20)) // 16) * 16
    in_class = (t.size_class_deltas or {}).get(size, 0)
    check(
        f"blocks_delta = the change of sys.getallocatedblocks() in the block (+/- {SLACK})",
        0 <= t.blocks_delta - (b1 - b0) <= SLACK,
    )
    check(
        f"10,000 bytes(20) ({sys.getsizeof(bytes(20))} bytes each) added at least 10,000 "
        f"blocks to the {size}-byte size class",
        in_class >= 10_000,
    )
    inner = [b - a for a, b in zip(c0, c1, strict=True)]
    check(
        "gc_count_delta is the change of gc.get_count() in the block",
        0 <= t.gc_count_delta[0] - inner[0] <= SLACK and list(t.gc_count_delta[1:]) == inner[1:],
    )
    print()
    del kept
    say(
        """sys.getallocatedblocks() also counts the requests over 512 bytes that pymalloc
        passes on to malloc; obmalloc_stats' size classes hold only pymalloc's own blocks."""
    )
    big: list[bytes | None] = [None] * 300
    del t  # not freed inside the next block when the name is bound again
    gc.collect()
    with pyhood.track() as t:
        for i in range(300):
            big[i] = bytes(1000)
    pymalloc_change = abs(t.pymalloc_blocks_delta or 0)
    print(
        f"    300 x bytes(1000): allocated blocks {t.blocks_delta:+,}, "
        f"pymalloc blocks changed by {pymalloc_change}"
    )
    print()
    check(
        "blocks over 512 bytes count in blocks_delta, not in pymalloc's size classes",
        300 <= t.blocks_delta <= 300 + SLACK
        and t.pymalloc_blocks_delta is not None
        and abs(t.pymalloc_blocks_delta) <= SLACK,
    )
    print()
    del big


def _collector_part() -> None:
    say(
        """gc.set_debug(gc.DEBUG_STATS) makes the collector write to sys.stderr at every
        collection: the generation, the objects in each generation, and when it is done, the
        unreachable objects it found and the time it took. Captured here:"""
    )
    log = io.StringIO()
    old = gc.get_debug()
    gc.collect()
    gc.set_debug(gc.DEBUG_STATS)
    try:
        with contextlib.redirect_stderr(log), pyhood.track() as t:
            before = [s["collections"] for s in gc.get_stats()]
            kept = _cycles(20_000)
            gc.collect(1)
            after = [s["collections"] for s in gc.get_stats()]
    finally:
        gc.set_debug(old)
    text = log.getvalue()
    lines = text.splitlines()
    last = max(i for i, line in enumerate(lines) if line.startswith("gc: collecting generation"))
    print("\n".join("    " + line for line in lines[last:]))
    print()
    gens = [int(g) for g in re.findall(r"^gc: collecting generation (\d+)", text, re.M)]
    unreachable = [int(u) for u in re.findall(r"^gc: done, (\d+) unreachable", text, re.M)]
    per_gen = [sum(1 for e in t.collections if e.generation == g) for g in range(3)]
    grid(
        ("generation", "track", "gc.get_stats()", "DEBUG_STATS log"),
        [(g, per_gen[g], after[g] - before[g], gens.count(g)) for g in range(min(3, len(before)))],
    )
    check(
        "track recorded the collections gc.get_stats() counted, per generation",
        per_gen[: len(before)] == [a - b for a, b in zip(after, before, strict=True)],
    )
    check(
        "the DEBUG_STATS log names the same collections, in order",
        gens == [e.generation for e in t.collections],
    )
    check(
        "each log's unreachable count is the event's collected + uncollectable",
        unreachable == [e.collected + e.uncollectable for e in t.collections],
    )
    check("the gc callback is gone after the block", t._watch._cb not in gc.callbacks)
    print()
    del kept


def _tracemalloc_part() -> None:
    say(
        """While tracemalloc traces, its hooks stand in front of pymalloc and obmalloc_stats()
        refuses: track says so, still counts blocks with sys.getallocatedblocks(), and adds
        the source lines whose traced memory grew between snapshots taken at entry and exit."""
    )
    tracemalloc.start()
    try:
        with pyhood.track() as t:
            snap0 = tracemalloc.take_snapshot()
            line = sys._getframe().f_lineno + 1
            kept = [bytes(100) for _ in range(10_000)]
            snap1 = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    theirs = snap1.compare_to(snap0, "lineno")[0]
    top = t.top_growth[0] if t.top_growth else None
    report = str(t).replace(__file__, Path(__file__).name)  # this file, without its directory
    print("\n".join("    " + row for row in report.splitlines()))
    print()
    check(
        "under tracemalloc, only sys.getallocatedblocks() counts blocks; the note says why",
        t.pymalloc_blocks_delta is None
        and t.size_class_deltas is None
        and "tracemalloc" in (t.allocator_note or ""),
    )
    check(
        "top_growth[0] is the line tracemalloc's own compare_to puts first: the list above",
        top is not None
        and (top.filename, top.lineno) == (theirs.traceback[0].filename, theirs.traceback[0].lineno)
        and (top.filename, top.lineno) == (__file__, line)
        and 0 <= theirs.count_diff - top.count_diff <= 1,
    )
    print()
    del kept


def section_11_5() -> None:
    """§11.5: one ``with`` block's effect on the allocator, the collector and traced lines;
    then what one structure costs, all of it."""
    heading("11.5", "Memory usage tracking")
    say(
        """pyhood.track() measures what a block of code did to memory: pymalloc blocks in
        use, per size class and in arenas (from obmalloc_stats), the collector's counts and
        the collections that ran (gc_watch), and, when tracemalloc traces, the lines that
        grew. Each number is checked against the interpreter's own counter read inside the
        same block."""
    )
    _allocator_part()
    _collector_part()
    _tracemalloc_part()
    _deep_part()


def _deep_part() -> None:
    """What a structure really costs: ``deep_footprint`` against the structure's own make-up
    and a walk with ``gc.get_referents``."""
    sub("what does this structure really cost? (deep_footprint)")
    cache = {f"key{i}": (i + 5000, f"v{i}") for i in range(1000)}
    d = pyhood.deep_footprint(cache)
    rows = [
        (k, f"{s.count:,}", f"{s.allocated:,}")
        for k, s in sorted(d.by_type.items(), key=lambda kv: -kv[1].allocated)
    ]
    grid(("type", "objects", "bytes allocated"), rows)
    print(f"    in all: {d.total:,} bytes for {d.objects:,} objects")
    print(f"    sys.getsizeof(cache), the dict alone: {sys.getsizeof(cache):,}")
    print()
    # The same walk by hand: gc.get_referents, plus the keys dict_traverse leaves out.
    seen = {id(cache)}
    todo = [cache]
    total = 0
    while todo:
        o = todo.pop()
        total += pyhood.footprint(o).total
        for r in [*gc.get_referents(o), *(o.keys() if isinstance(o, dict) else ())]:
            if id(r) not in seen:
                seen.add(id(r))
                todo.append(r)
    counts = {k: s.count for k, s in d.by_type.items()}
    check(
        "1 dict, 1,000 tuples, 1,000 ints and 2,000 strs: the structure's own make-up",
        counts == {"dict": 1, "tuple": 1000, "int": 1000, "str": 2000},
    )
    check(
        "the total is footprint() summed over a gc.get_referents walk (keys included)",
        d.total == total and d.objects == len(seen),
    )
    print()


# --- §11.6 ----------------------------------------------------------------------------------


def _countdown(n: int):
    """A generator that suspends inside a ``for`` loop."""
    for i in range(n, 0, -1):  # noqa: UP028 (the loop, and its iterator on the stack, is the point)
        yield i


def _divide(numerator: int, denominator: int) -> float:
    ratio = numerator / denominator
    return ratio


def section_11_6() -> None:
    """§11.6: a frame holds the code, the instruction, the variables and the value stack."""
    heading("11.6", "Stack frames and exceptions")
    say(
        """A call runs in a frame: the code object, the instruction it is at, the previous
        frame, and one slot per local, cell and free variable followed by the value stack.
        3.10 keeps all of it in the frame object; from 3.11 it lives in a
        _PyInterpreterFrame on the thread's data stack (inside the generator for a
        generator) and the frame object only points at it."""
    )

    def greet(name: str, times: int = 2):
        message = name * times
        seen = pyhood.frame_layout(sys._getframe())

        def shout():
            return message.upper()

        return seen, dict(sys._getframe().f_locals), shout

    fl, f_locals, shout = greet("ab")
    sub("A running frame, seen from inside")
    print("\n".join(frame_summary(fl)))
    values_match = all(
        (v.cell_contents if "cell" in v.kind else v.address) == id(f_locals[v.name])
        for v in fl.variables
        if v.name in f_locals and v.address is not None
    )
    check("every bound variable's slot holds the object f_locals shows", values_match)
    check(
        "the cell variable's slot holds the cell in the closure of the inner function",
        fl.variable("message").address == id(shout.__closure__[0]),
    )
    check(
        "variables not yet bound are empty slots (seen, shout)",
        fl.variable("seen").address is None and fl.variable("shout").address is None,
    )
    caller = sys._getframe()
    here = pyhood.frame_layout(caller)
    back = caller.f_back
    caller_frame = (
        pyhood.frame_layout(back).interpreter_frame if sys.version_info >= (3, 11) else id(back)
    )
    check("its previous frame is the caller's (frame.f_back)", here.previous == caller_frame)
    check(
        "a running frame records no stack top: the evaluation loop holds it",
        here.stack_depth is None and here.state == "executing",
    )

    sub("A suspended generator keeps its value stack")
    gen = _countdown(3)
    next(gen)
    gl = pyhood.frame_layout(gen.gi_frame)
    print("\n".join(frame_summary(gl)))
    referents = gc.get_referents(gen) + gc.get_referents(gen.gi_frame)
    iterator = next(r for r in referents if type(r).__name__ == "range_iterator")
    check(
        "state is suspended, as inspect.getgeneratorstate says",
        gl.state == "suspended" and inspect.getgeneratorstate(gen) == inspect.GEN_SUSPENDED,
    )
    check(
        "the for loop's range_iterator (found by gc.get_referents) is on the stack",
        id(iterator) in [s.address for s in gl.stack],
    )
    check("f_lasti equals gen.gi_frame.f_lasti", gl.f_lasti == gen.gi_frame.f_lasti)

    sub("An exception's traceback keeps the frames it unwound through")
    try:
        _divide(1, 0)
    except ZeroDivisionError as e:
        frames = [f for f, _ in traceback.walk_tb(e.__traceback__)]
    # frames[0] is this function, still running; the others have finished.
    rows = []
    for f in frames[1:]:
        lay = pyhood.frame_layout(f)
        rows.append((f.f_code.co_name, lay.state, lay.f_lasti, f.f_lasti, lay.stack_depth))
    grid(("frame", "state", "f_lasti", "frame.f_lasti", "stack depth"), rows)
    inner = pyhood.frame_layout(frames[-1])
    check(
        "the finished frames' f_lasti equal what the frames report",
        all(r[2] == r[3] for r in rows),
    )
    check(
        "the frame that raised still holds its arguments (denominator is 0)",
        inner.variable("denominator").address == id(frames[-1].f_locals["denominator"]),
    )
    check(
        "the store the division never reached left 'ratio' empty",
        inner.variable("ratio").address is None,
    )
    del frames
    print()
