"""The tour of the guide's §12.3, §12.4 and §12.6 (interning and the collector) on live objects.

Same conventions as :mod:`pyhood._tour`: explanations, pyhood's readings, and ``[ok]`` /
``[MISMATCH]`` checks against something pyhood does not compute (ctypes reads at header
offsets, ``sys.intern`` identity, ``sys._is_interned``, ``sys.getunicodeinternedsize()``, the
``gc`` module). The examples ``examples/ex_12_3_interning.py``, ``ex_12_4_gc_thresholds.py``
and ``ex_12_6_gc_callbacks.py`` print exactly these sections.
"""

from __future__ import annotations

import ctypes
import gc
import itertools
import sys
import textwrap
from collections.abc import Callable

import pyhood

from ._tour import WIDTH, _check, _heading, _say

__all__ = ["SECTIONS", "section_12_3", "section_12_4", "section_12_6"]

#: PyASCIIObject.state is at offset 32 (Include/cpython/unicodeobject.h, every version);
#: ``interned`` is its two low bits on default builds.
STATE_AT = 32
NAMES = {0: "not_interned", 1: "mortal", 2: "immortal", 3: "static"}


def _ctypes_state(s: str) -> str:
    """``state.interned`` read with ctypes, independent of pyhood."""
    return NAMES[ctypes.c_uint32.from_address(id(s) + STATE_AT).value & 3]


#: Numbers the strings §12.3 builds, so that each call builds values no earlier call interned.
_FRESH = itertools.count(1)


def _built(*parts: str) -> str:
    """A string made at run time: a new object the compiler never saw."""
    return "".join(parts)


def _show_generations(g: pyhood.GCGenerations) -> None:
    """The table ``str(g)`` prints, without its first line."""
    for line in str(g).splitlines()[1:]:
        print("  " + line)
    print()


class _Node:
    """An object that can point at another one."""

    other: _Node | None = None


def _make_cycles(pairs: int) -> int:
    """``pairs`` pairs of nodes pointing at each other, unreachable once this returns."""
    for _ in range(pairs):
        a, b = _Node(), _Node()
        a.other, b.other = b, a
    return 2 * pairs


def section_12_3() -> None:
    """§12.3: which strings are interned, sys.intern, and how many there are."""
    _heading("12.3", "String interning")
    _say(
        """Interning keeps one object per string value in a table, so that names (attribute,
        global and keyword names, dict keys used as identifiers) compare by pointer. The
        `interned` bits of a str's state word say whether it is in that table: 0 not
        interned, 1 mortal (freed when no longer used), 2 immortal, 3 static (3.12+:
        statically allocated by CPython itself)."""
    )
    fresh = _built("pyhood", "-", "example", "-", str(next(_FRESH)))
    code = compile("spam.eggs", "<example>", "eval")
    samples = [
        ("a string built at run time", fresh),
        ("a name used by compiled code", code.co_names[1]),
        ('"__name__"', "__name__"),
        ('one character "x"', "x"),
    ]
    print(f"  {'string':<32} {'intern_state':<14} {'ctypes bits':<14} sys._is_interned")
    agree = True
    for label, s in samples:
        ours, theirs = pyhood.intern_state(s), _ctypes_state(s)
        agree &= ours == theirs
        is_interned = sys._is_interned(s) if hasattr(sys, "_is_interned") else "-"
        print(f"  {label:<32} {ours:<14} {theirs:<14} {is_interned}")
    print()
    _check("pyhood reads the same state bits as ctypes for every string", agree)
    if hasattr(sys, "_is_interned"):
        _check(
            "interned exactly when sys._is_interned says so",
            all(
                (pyhood.intern_state(s) != "not_interned") == sys._is_interned(s)
                for _, s in samples
            ),
        )
    _check(
        "compiled code interns its names", pyhood.intern_state(code.co_names[1]) != "not_interned"
    )
    print()

    _say(
        """sys.intern(s) puts the first object of a value into the table and returns it for
        every equal string from then on; a copy made later is a different object until it is
        interned, and interning it returns the first one."""
    )
    first = sys.intern(fresh)
    copy = _built(fresh[:4], fresh[4:])
    state, copy_state = pyhood.intern_state(fresh), pyhood.intern_state(copy)
    print(f"  sys.intern(s) is s     : {first is fresh}           s is {state}")
    print(f"  copy == s, copy is s   : {copy == fresh}, {copy is fresh}    copy is {copy_state}")
    print(f"  sys.intern(copy) is s  : {sys.intern(copy) is fresh}")
    print()
    _check("sys.intern keeps the first object", first is fresh)
    _check("an equal copy is not interned", pyhood.intern_state(copy) == "not_interned")
    _check("interning the copy returns the first object", sys.intern(copy) is fresh)
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    expected = "immortal" if version == "3.12" else "mortal"
    _check(f"sys.intern makes a string interned as {expected} on {version}", state == expected)
    print()

    _say(
        """How many strings are interned? 3.12 moved the table into the interpreter state
        (interp->cached_objects.interned_strings, a dict) and keeps CPython's own static
        strings in a runtime-wide hash table; pyhood finds both, checks them, and adds them
        up."""
    )
    try:
        count = pyhood.interned_count()
    except pyhood.UnreachableStateError as exc:
        print(
            textwrap.fill(
                f"pyhood.interned_count() -> UnreachableStateError: {exc}",
                width=WIDTH,
                initial_indent="  ",
                subsequent_indent="    ",
            )
        )
        print()
        _check(
            "3.10/3.11: the count is refused, not guessed",
            not hasattr(sys, "getunicodeinternedsize"),
        )
        return
    count, size, after, size_after = _count_one_more()
    print(f"  pyhood.interned_count()        = {count}")
    print(f"  sys.getunicodeinternedsize()   = {size}")
    print(f"  after interning one new string = {after}")
    print()
    _check("interned_count() equals sys.getunicodeinternedsize()", count == size)
    _check("interning a new string adds one", after == count + 1 and size_after == size + 1)


def _count_one_more() -> tuple[int, int, int, int]:
    """``(pyhood before, sys before, pyhood after, sys after)`` around interning one new
    string. A mortal interned string (3.13+) leaves the table when its last reference goes,
    so the collector is held off, and an attempt during which some other string died
    anyway (both counts then move by the same other amount) is repeated, up to five."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(5):
            count, size = pyhood.interned_count(), sys.getunicodeinternedsize()
            extra = sys.intern(_built("pyhood", "-", "one-more", "-", str(next(_FRESH))))
            after, size_after = pyhood.interned_count(), sys.getunicodeinternedsize()
            del extra
            if after == count + 1 and size_after == size + 1:
                break
        return count, size, after, size_after
    finally:
        if was_enabled:
            gc.enable()


def section_12_4() -> None:
    """§12.4: the collector's generations, thresholds, counts and lists."""
    _heading("12.4", "Generations and thresholds")
    _say(
        """CPython's cycle collector keeps every tracked container on one of three lists, the
        generations. A new container joins generation 0 and increments its count; when the
        count passes the threshold, generation 0 is collected and its survivors move to
        generation 1, whose count (of collections of generation 0) then grows by one, and so
        on up to generation 2. pyhood finds the state in PyInterpreterState.gc, checks it
        against the gc module, and walks each list."""
    )
    was_enabled, saved_thresholds = gc.isenabled(), gc.get_threshold()
    gc.disable()
    try:
        g = pyhood.gc_generations()
        print(f"  found: {g.located_by}")
        print()
        _show_generations(g)
        _check(
            "thresholds are gc.get_threshold()", tuple(x.threshold for x in g) == saved_thresholds
        )
        listed, walked = [], []
        for i in range(3):
            objects = gc.get_objects(generation=i)
            g = pyhood.gc_generations()
            # The list get_objects returns is itself a new container in generation 0, and
            # get_objects leaves it out of its own result.
            listed.append(len(objects) + (1 if i == 0 else 0))
            walked.append(g[i].objects)
            del objects, g
        _check("objects on each list == len(gc.get_objects(generation=i))", walked == listed)
        print()

        _say(
            """Allocating 1 000 lists (kept alive) adds 1 000 objects to generation 0's list and
            about 1 000 to its count: lists reused from list's free list (up to 80) were never
            freed as far as the count is concerned. With automatic collection off, nothing
            moves them on."""
        )
        before = pyhood.gc_generations()
        keep = [[] for _ in range(1000)]
        after = pyhood.gc_generations()
        print(f"  generation 0: {before[0].objects} -> {after[0].objects} objects")
        print(f"  generation 0 count: {before[0].count} -> {after[0].count}")
        print()
        # Besides the lists, the outer list and the result objects of `before` are new too.
        _check(
            "generation 0's list gained the 1 000 lists",
            after[0].objects - before[0].objects >= 1000,
        )
        grew = after[0].count - before[0].count
        _check("its count grew by 1 000, less at most 80 reused lists", 920 <= grew <= 1010)
        print()
        del before, after

        _say(
            """gc.collect() collects generation 2, which includes the younger ones: every survivor
            ends up on generation 2's list and the counts start again from zero."""
        )
        gc.collect()
        g = pyhood.gc_generations()
        _show_generations(g)
        _check(
            "generations 0 and 1 are empty after a full collection",
            (g[0].objects, g[1].objects) == (0, 0),
        )
        _check(
            "generation 2 holds what gc.get_objects(generation=2) lists",
            g[2].objects == len(gc.get_objects(generation=2)),
        )
        print()
        del g

        _say(
            """gc.freeze() moves every tracked object to the permanent generation, which the
            collector never examines (fork-heavy servers use it to keep pages shared)."""
        )
        gc.freeze()
        try:
            g = pyhood.gc_generations()
            frozen = gc.get_freeze_count()
            _show_generations(g)
            _check("permanent == gc.get_freeze_count()", g.permanent.objects == frozen)
            print()
            del g
        finally:
            gc.unfreeze()

        _say("""gc.set_threshold(500, 5, 5) makes collections of every generation more frequent.""")
        gc.set_threshold(500, 5, 5)
        g = pyhood.gc_generations()
        print(f"  thresholds now: {[x.threshold for x in g]}")
        print()
        _check("pyhood reads the new thresholds", [x.threshold for x in g] == [500, 5, 5])
        del keep
    finally:
        gc.set_threshold(*saved_thresholds)
        (gc.enable if was_enabled else gc.disable)()


def section_12_6() -> None:
    """§12.6: gc.callbacks and pyhood.gc_watch()."""
    _heading("12.6", "Watching the collector")
    _say(
        """gc.callbacks is a list of functions CPython calls before ("start") and after ("stop")
        every collection, with the generation collected and, at "stop", how many unreachable
        objects were freed (collected) or left in gc.garbage (uncollectable).
        pyhood.gc_watch() is a context manager that adds one such function for the duration
        of a block and turns the pairs of calls into timed events."""
    )
    was_enabled, saved = gc.isenabled(), gc.get_threshold()
    callbacks_before = list(gc.callbacks)
    try:
        gc.disable()
        gc.collect()
        _say("""Three explicit collections, of generations 0, 1 and 2:""")
        with pyhood.gc_watch() as watch:
            returned = [gc.collect(0), gc.collect(1), gc.collect(2)]
        for event in watch.events:
            print(f"  {event}")
        print()
        _check(
            "one event per gc.collect(i), with generation i",
            [e.generation for e in watch.events] == [0, 1, 2],
        )
        _check(
            "collected + uncollectable == what gc.collect returned",
            [e.collected + e.uncollectable for e in watch.events] == returned,
        )
        print()

        _say("""1 000 pairs of objects that refer to each other, then unreachable: reference counts
            alone never free them; a collection does.""")
        with pyhood.gc_watch() as watch:
            made = _make_cycles(1000)
            returned = gc.collect()
        for event in watch.events:
            print(f"  {event}")
        print()
        _check(
            "the collection freed at least the 2 000 objects in cycles",
            len(watch.events) == 1 and watch.events[0].collected >= made,
        )
        _check(
            "and reported what gc.collect returned",
            watch.events[0].collected + watch.events[0].uncollectable == returned,
        )
        print()

        _say("""With automatic collection on and gc.set_threshold(100, 1000, 1000), allocating
            10 000 containers starts generation-0 collections by itself, every 100 net
            allocations; nothing calls gc.collect.""")
        gc.set_threshold(100, 1000, 1000)
        gc.enable()
        with pyhood.gc_watch() as watch:
            keep = [[] for _ in range(10_000)]
            for _ in range(10):
                pass
        gc.disable()
        print(textwrap.indent(str(watch), "  "))
        print()
        generations = {e.generation for e in watch.events}
        _check(
            "the threshold alone triggered generation-0 collections",
            sum(e.generation == 0 for e in watch.events) >= 50,
        )
        _check("only generation 0 reached its threshold", generations == {0})
        del keep
    finally:
        gc.set_threshold(*saved)
        (gc.enable if was_enabled else gc.disable)()
    _check("every watch removed its callback from gc.callbacks", gc.callbacks == callbacks_before)


#: Section number -> function, in guide order.
SECTIONS: dict[str, Callable[[], None]] = {
    "12.3": section_12_3,
    "12.4": section_12_4,
    "12.6": section_12_6,
}
