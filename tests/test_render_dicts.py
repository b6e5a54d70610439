"""Every result's ``to_dict()``: plain data a program (or ``json.dumps``) can take.

Each result type, native or pure Python, has ``to_dict()``, whose value holds only ints,
strs, bools, ``None``, lists and dicts with str keys, so ``json.loads(json.dumps(d)) == d``
holds exactly (a tuple or an int key would come back changed). The numbers in each dict are
checked against what CPython reports without pyhood: ``id``, ``sys.getsizeof``,
``sys.getrefcount``, the pool header and malloc chunk sizes conftest reads with ctypes, the
``gc`` module, the frame object, tracemalloc and ``sys.getallocatedblocks``.
``pyhood.freelists()`` returns a plain dict, so its dict form is
``pyhood._render.freelists_dict(lists)``.
"""

from __future__ import annotations

import gc
import json
import sys

import pyhood
import pytest
from conftest import FREE_THREADED, GC_HEAD_SIZE, PY, allocator_block, word
from pyhood import _render


def plain(d: object) -> object:
    """``d`` after a JSON round trip, having checked that it holds only JSON's own types."""

    def walk(x: object, where: str) -> None:
        if isinstance(x, dict):
            for k, v in x.items():
                assert type(k) is str, f"{where}: key {k!r} is not a str"
                walk(v, f"{where}[{k!r}]")
        elif isinstance(x, list):
            for i, v in enumerate(x):
                walk(v, f"{where}[{i}]")
        else:
            assert x is None or type(x) in (int, str, bool), f"{where}: {type(x).__name__}"

    walk(d, "to_dict()")
    back = json.loads(json.dumps(d))
    assert back == d
    return back


class Point:
    def __init__(self, x: int, y: int) -> None:
        self.x, self.y = x, y


def test_header_dict_is_the_object_header():
    """An ``ObjectHeader``'s dict has ``id(obj)``, the reference count ``sys.getrefcount``
    sees (both count their own argument's reference), the type's name and address, and
    ``ob_size`` (a list's length)."""
    xs = [1, 2, 3]
    d = plain(pyhood.header(xs).to_dict())
    assert d["address"] == id(xs)
    assert d["refcnt"] == sys.getrefcount(xs)
    assert d["type"] == "list"
    assert d["type_address"] == id(list)
    assert d["size"] == len(xs) == 3
    assert d["immortal"] is False
    p = plain(pyhood.header(Point(1, 2)).to_dict())
    assert p["type"] == f"{Point.__module__}.Point"
    assert p["size"] is None
    one = plain(pyhood.header(1).to_dict())
    assert one["immortal"] is (PY >= (3, 12))


def test_block_info_and_footprint_dicts_are_the_allocator_blocks():
    """A list's footprint dict lists the object's block and its item array: requested sizes
    that add up to ``sys.getsizeof``, allocated sizes that are the block sizes the
    allocator's own headers state, the item array at the list's ``ob_item`` pointer (read with
    ctypes), and ``total`` the sum of the allocated sizes. ``block_info``'s dict is the
    object's block, starting at its GC head."""
    xs = list(range(100))
    d = plain(pyhood.footprint(xs).to_dict())
    assert [a["name"] for a in d["allocations"]] == ["object", "ob_item"]
    assert d["requested"] == sum(a["requested"] for a in d["allocations"]) == sys.getsizeof(xs)
    assert d["getsizeof"] == sys.getsizeof(xs)
    assert d["total"] == sum(a["allocated"] for a in d["allocations"])
    for a in d["allocations"]:
        b = a["block"]
        assert (b["domain"], a["allocated"]) == allocator_block(b["block_address"], a["requested"])
        assert b["requested"] == a["requested"]
    assert d["allocations"][1]["block"]["block_address"] == word(id(xs) + 24)
    info = plain(pyhood.block_info(xs).to_dict())
    # The pool's blocks in use change as the results themselves are allocated.
    same = [k for k in _render.BLOCK_INFO_FIGURES if k != "pool_blocks_in_use"]
    assert [info[k] for k in same] == [d["allocations"][0]["block"][k] for k in same]
    assert info["block_address"] == id(xs) - GC_HEAD_SIZE
    assert set(info) == set(_render.BLOCK_INFO_FIGURES)


@pytest.mark.skipif(FREE_THREADED, reason="free-threaded builds keep no generation lists")
def test_gc_info_dict_is_what_the_gc_module_says(gc_disabled):
    """A fresh container is tracked, in generation 0 (``gc.get_objects(generation=0)`` holds
    it); after ``gc.collect()`` it is in generation 2; an int is not tracked."""
    x = [[]]
    d = plain(pyhood.gc_info(x).to_dict())
    assert d["address"] == id(x)
    assert d["tracked"] is gc.is_tracked(x) is True
    assert d["generation"] == 0 and any(o is x for o in gc.get_objects(generation=0))
    assert d["finalized"] is False and d["collecting"] is False
    gc.collect()
    assert plain(pyhood.gc_info(x).to_dict())["generation"] == 2
    n = plain(pyhood.gc_info(12345).to_dict())
    assert n["tracked"] is gc.is_tracked(12345) is False
    assert n["generation"] is None


@pytest.mark.skipif(FREE_THREADED, reason="free-threaded builds keep no generation lists")
def test_gc_generations_dict_is_what_the_gc_module_says(gc_disabled):
    """Thresholds are ``gc.get_threshold()``; generation 0's count lies between two
    ``gc.get_count()`` readings; the oldest generation holds ``len(gc.get_objects(2))``
    objects (nothing is collected in between); ``total`` is the sum of every list's objects
    with the permanent generation's."""
    gc.collect()
    before = gc.get_count()
    d = plain(pyhood.gc_generations().to_dict())
    after = gc.get_count()
    gens = d["generations"]
    assert [g["threshold"] for g in gens] == list(gc.get_threshold())
    assert [g["index"] for g in gens] == [0, 1, 2]
    assert before[0] <= gens[0]["count"] <= after[0]
    assert [g["count"] for g in gens[1:]] == list(after[1:])
    assert d["enabled"] is gc.isenabled() is False
    assert d["debug"] == gc.get_debug()
    assert d["total"] == sum(g["objects"] for g in gens) + d["permanent"]["objects"]
    assert d["permanent"]["index"] == 3
    assert gens[2]["objects"] == len(gc.get_objects(generation=2))
    assert d["release"] == sys.version.split()[0]


def test_freelist_dicts_count_the_floats_freed(gc_disabled):
    """A ``FreeList``'s dict is its name, count and limit; freeing 10 floats (below the
    limit) puts 10 more on the float list. ``freelists_dict`` keeps the dict's keys."""
    gc.collect()
    # Take every float off the free list first (earlier tests may have left it nearly
    # full), so that 10 more fit below its limit whatever ran before.
    limit = pyhood.freelists()["float"].limit
    drained = [float(i) + 0.25 for i in range(limit + 10)]
    floats = [float(i) + 0.5 for i in range(10)]
    before = pyhood.freelists()["float"].to_dict()
    del floats
    lists = pyhood.freelists()
    after = lists["float"].to_dict()
    # json.dumps itself makes and frees a float (its encoder's -inf): checked after both reads.
    before, after = plain(before), plain(after)
    assert before["count"] + 10 <= before["limit"]
    assert after == {"name": "float", "count": before["count"] + 10, "limit": before["limit"]}
    whole = plain(_render.freelists_dict(lists))
    assert list(whole) == list(lists)
    assert all(0 <= v["count"] <= v["limit"] for v in whole.values())
    del drained


def test_frame_layout_dict_is_the_frame():
    """A frame layout's dict has the layout's fields and blocks, and what the frame object
    says: ``f_lasti``, the code's name and file, one variable per ``co_varnames`` entry
    holding ``id()`` of its value."""

    def probe(a: list[int]) -> pyhood.FrameLayout:
        frame = sys._getframe()
        return pyhood.frame_layout(frame)

    arg = [7]
    f = probe(arg)
    d = plain(f.to_dict())
    assert d["code"]["name"] == "probe"
    assert d["code"]["filename"] == __file__
    assert d["code"]["firstlineno"] == probe.__code__.co_firstlineno
    assert d["f_lasti"] == f.f_lasti
    names = [v["name"] for v in d["variables"]]
    assert names[:2] == list(probe.__code__.co_varnames[:2]) == ["a", "frame"]
    assert d["variables"][0]["address"] == id(arg)
    assert d["variables"][0]["type_name"] == "list"
    assert d["variables"][0] == plain(f.variables[0].to_dict())
    assert d["start"] == f.start and d["end"] == f.end
    assert len(d["fields"]) == len(f.fields)


def test_gc_watch_dicts_are_the_collections_run(gc_disabled):
    """``gc.collect(g)`` inside a watch gives one event per call, in order, of generation g;
    each event's collected plus uncollectable is the number ``gc.collect`` returned; the
    events start in order, after entry, and end before exit."""
    cycles = []
    for _ in range(50):
        a: list[object] = []
        a.append(a)
        cycles.append(a)
    del a
    with pyhood.gc_watch() as w:
        cycles.clear()
        found = [gc.collect(0), gc.collect(1), gc.collect(2)]
    d = plain(w.to_dict())
    assert d["state"] == "done"
    events = d["events"]
    assert [e["generation"] for e in events] == [0, 1, 2]
    assert [e["collected"] + e["uncollectable"] for e in events] == found
    assert found[0] >= 50
    starts = [e["start_ns"] for e in events]
    assert 0 <= starts[0] < starts[1] < starts[2]
    assert all(e["start_ns"] + e["duration_ns"] <= d["elapsed_ns"] for e in events)
    assert events[0] == plain(w.events[0].to_dict())
    assert [s["generation"] for s in d["summary"]] == [0, 1, 2]
    assert [s["collections"] for s in d["summary"]] == [1, 1, 1]


def test_tracker_dicts_are_the_blocks_and_lines_that_grew(gc_disabled):
    """1000 kept 20-byte bytes objects are at least 1000 more blocks
    (``sys.getallocatedblocks``); with tracemalloc tracing, the line that made them is the
    top growth, with at least 1000 more traced allocations; the ``gc.collect(1)`` in the
    block is its one collection (earlier garbage collected before the block, so that it frees
    none of it there; a full collection would also empty the free lists)."""
    import tracemalloc

    gc.collect()
    tracemalloc.start()
    try:
        with pyhood.track() as t:
            kept = [bytes(20) for _ in range(1000)]
            line = sys._getframe().f_lineno - 1
            gc.collect(1)
    finally:
        tracemalloc.stop()
    d = plain(t.to_dict())
    assert d["state"] == "done" and d["traced"] is True
    assert d["blocks_delta"] >= len(kept) == 1000
    assert d["size_class_deltas"] is None and d["allocator_note"]  # tracemalloc traced
    assert [e["generation"] for e in d["collections"]] == [1]
    top = d["top_growth"][0]
    assert (top["filename"], top["lineno"]) == (__file__, line)
    assert top["count_diff"] >= 1000
    assert top == plain(t.top_growth[0].to_dict())
    pairs = zip(d["gc_count_before"], d["gc_count_after"], strict=True)
    assert d["gc_count_delta"] == [b - a for a, b in pairs]
    new = plain(pyhood.track().to_dict())
    assert new["state"] == "new" and new["blocks_delta"] is None


def test_every_result_type_has_a_to_dict():
    """Every class of the native module whose instances pyhood returns has ``to_dict``, and
    so do the pure-Python results."""
    native = [
        getattr(pyhood._pyhood, n)
        for n in pyhood._pyhood.__all__
        if isinstance(getattr(pyhood._pyhood, n), type)
    ]
    assert len(native) >= 20
    missing = [c.__name__ for c in native if not callable(getattr(c, "to_dict", None))]
    assert missing == []
    for cls in (pyhood.Tracker, pyhood.Growth, pyhood.GCWatch, pyhood.GCEvent):
        assert callable(cls.to_dict)
