"""Guide §12.5 — what is on my heap, and what grew.

A process that grows is understood by counting: how many objects of each type are alive,
and which types gained between two moments. ``pyhood.census()`` counts every live object:
those on the collector's lists, and the untracked ones they hold (floats, ints, strings in
a list); ``a.diff(b)`` says what changed, and hands out some of the new objects
(``test_12_5_referrers.py``: what keeps one of them alive).

The independent truths are the objects the test itself makes and keeps (weak references
prove they are alive), ``gc.get_objects()`` (the collector's own lists), ``gc.is_tracked``,
identity of the objects handed back, and the pre-header word and reference counts, read
with ctypes and ``sys.getrefcount``, which a census must not move. Every exact count is of a
class of this module, whose only instances are the test's own; collections are off during
each test (``gc_disabled``) so that nothing is freed behind its back.
"""

from __future__ import annotations

import gc
import json
import sys
import weakref

import pyhood
import pytest
from conftest import (
    GC_HEAD_SIZE,
    PY,
    PYMALLOC,
    RECORDED,
    Recording,
    allocator_block,
    configuration,
    dict_word,
)


class Counted:
    pass


class Grown:
    pass


class Shown:
    pass


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self, a, b):
        self.a, self.b = a, b


class Probe(Recording):
    """An instance with attributes (3.11–3.13: kept without a ``__dict__``) that records any
    Python-level method the interpreter could run on it (``RECORDED``)."""

    def __init__(self, serial: int):
        self.serial = serial


def key(cls: type) -> str:
    """The type key of a class of this module: ``<module>.<qualname>``."""
    return f"{__name__}.{cls.__qualname__}"


def count(census, type_key: str) -> int:
    stat = census.by_type.get(type_key)
    return 0 if stat is None else stat.count


def row_of(diff, type_key: str):
    rows = [r for r in diff.rows if r.type == type_key]
    assert len(rows) == 1, f"{type_key}: {len(rows)} rows"
    return rows[0]


def test_census_counts_every_live_instance(gc_disabled):
    """500 instances kept alive (each weak reference still answers) are 500 in the census,
    as many as the collector lists (``gc.get_objects()``), with or without the untracked
    objects."""
    gc.collect()
    objs = [Counted() for _ in range(500)]
    refs = [weakref.ref(o) for o in objs]
    assert all(r() is o for r, o in zip(refs, objs, strict=True))
    listed = sum(type(o) is Counted for o in gc.get_objects())
    c = pyhood.census()
    assert count(c, key(Counted)) == 500 == listed
    assert count(pyhood.census(include_untracked=False), key(Counted)) == 500
    del objs
    assert all(r() is None for r in refs)
    assert count(pyhood.census(), key(Counted)) == 0


def test_untracked_objects_are_found_however_they_are_held(gc_disabled):
    """An untracked object (a float) is counted wherever it is held: in a list, as a dict's
    key, in a frozenset, in tuples and dicts that hold only untracked objects (collections
    untrack such tuples, and up to 3.13 such dicts: then only a walk through them reaches
    what they hold), in a tuple inside such a tuple, and in several places at once. Each of
    the 7 × 300 floats made here is among the new objects of the diff (by identity: only
    their addresses are kept, so nothing else holds them), each handed out once."""
    n = 300
    ids: list[int] = []

    def made(i: int) -> float:
        f = float(i) + 0.25
        ids.append(id(f))
        return f

    gc.collect()
    a = pyhood.census()
    shared = [made(i) for i in range(n)]
    held = {
        "list": [made(i) for i in range(n)],
        "dict keys": {made(i): None for i in range(n)},
        "frozenset": frozenset(made(i) for i in range(n)),
        "tuples": [(made(i), None) for i in range(n)],
        "dicts": [{"k": made(i)} for i in range(n)],
        "nested": [((made(i),),) for i in range(n)],
        "shared": [shared, tuple(shared), {f: f for f in shared}],
    }
    del shared
    gc.collect()
    gc.collect()  # an outer tuple is untracked once its inner one is
    b = pyhood.census()
    assert len(set(ids)) == 7 * n
    # (Not a difference of counts: the collections may free some of the heap's older floats.)
    assert count(b, "float") >= 7 * n
    new = a.diff(b).examples("float", 10_000_000)
    assert set(ids) <= {id(x) for x in new}
    assert len({id(x) for x in new}) == len(new)
    assert count(pyhood.census(include_untracked=False), "float") == 0
    del held


def test_a_classs_bytes_are_the_blocks_its_instances_were_given(gc_disabled):
    """An instance of a class with ``__slots__`` is one allocation: its GC head and its
    struct, ``sys.getsizeof`` bytes requested. The census's bytes for the class are those
    requests, and the blocks the allocator set aside for them as its own headers say (the
    pymalloc pool header, or the C library's chunk, read with ctypes), instance by
    instance."""
    keep = [Slotted(i, None) for i in range(5000)]
    c = pyhood.census()
    stat = c.by_type[key(Slotted)]
    blocks = [allocator_block(id(o) - GC_HEAD_SIZE, sys.getsizeof(o)) for o in keep]
    assert None not in [size for _, size in blocks]
    assert stat.count == len(keep)
    assert stat.requested == sum(sys.getsizeof(o) for o in keep)
    assert stat.allocated == sum(size for _, size in blocks)


def test_untracked_floats_held_in_a_list_are_counted(gc_disabled):
    """Floats are never on the collector's lists (``gc.is_tracked``), yet 3000 of them held
    in a list are in the census: at least 3000 floats, 3000 more than before (nothing frees
    a float between the two censuses here), every one of them new to the diff; a census of
    the tracked objects only has no float at all."""
    gc.collect()
    a = pyhood.census()
    floats = [float(i) + 0.5 for i in range(3000)]
    assert not any(gc.is_tracked(f) for f in floats)
    b = pyhood.census()
    assert count(b, "float") >= 3000
    row = row_of(a.diff(b), "float")
    assert (row.count_before, row.count_after) == (count(a, "float"), count(b, "float"))
    assert row.count == row.count_after - row.count_before >= 3000
    new = a.diff(b).examples("float", 1_000_000)
    assert all(type(x) is float for x in new)
    assert {id(f) for f in floats} <= {id(x) for x in new}
    assert len(a.diff(b).examples("float", 3)) == 3
    tracked_only = pyhood.census(include_untracked=False)
    assert count(tracked_only, "float") == 0
    assert tracked_only.untracked == 0 and tracked_only.objects == tracked_only.tracked


def test_a_diff_shows_what_grew_and_shrank(gc_disabled):
    """10,000 new instances are one row of ``a.diff(b)``: 0 before, 10,000 after, their
    bytes as census ``b`` prices them, the sum of their footprints; ``examples`` hands back
    three of them. Every row is a
    type whose figures changed, every unchanged type has no row, rows come largest change
    first, and ``grew``/``shrank`` split them. Freed again, they are a row of -10,000 in
    ``shrank``, with no example to give."""
    gc.collect()
    a = pyhood.census()
    new = [Grown() for _ in range(10_000)]
    b = pyhood.census()
    d = a.diff(b)
    k = key(Grown)
    row = row_of(d, k)
    assert (row.count_before, row.count_after, row.count) == (0, 10_000, 10_000)
    assert k not in a.by_type and b.by_type[k].count == 10_000
    assert (row.allocated, row.requested) == (b.by_type[k].allocated, b.by_type[k].requested)
    prints = [pyhood.footprint(o) for o in new]
    assert row.allocated == sum(p.total for p in prints)
    assert row.requested == sum(p.requested for p in prints)
    assert row.bytes == row.allocated > 0
    for r in d.rows:
        before, after = a.by_type.get(r.type), b.by_type.get(r.type)
        assert r.count_before == (before.count if before else 0)
        assert r.count_after == (after.count if after else 0)
        assert r.count == r.count_after - r.count_before
        assert r.allocated == (after.allocated if after else 0) - (
            before.allocated if before else 0
        )
        assert r.count or r.allocated or r.requested
    changed = {r.type for r in d.rows}
    for t in set(a.by_type) | set(b.by_type):
        if t not in changed:
            assert a.by_type[t].count == b.by_type[t].count
            assert a.by_type[t].allocated == b.by_type[t].allocated
    deltas = [abs(r.allocated) for r in d.rows]
    assert deltas == sorted(deltas, reverse=True)
    grew, shrank = [r.type for r in d.grew], [r.type for r in d.shrank]
    assert sorted(grew + shrank) == sorted(changed) and k in grew
    assert all(r.count > 0 or r.allocated > 0 for r in d.grew)
    assert all(r.count <= 0 and r.allocated <= 0 for r in d.shrank)
    examples = d.examples(k, 3)
    assert len(examples) == 3 and all(type(x) is Grown for x in examples)
    assert {id(x) for x in examples} <= {id(x) for x in new}
    del examples, new
    c = pyhood.census()
    gone = row_of(b.diff(c), k)
    assert (gone.count_before, gone.count_after, gone.count) == (10_000, 0, -10_000)
    assert k in [r.type for r in b.diff(c).shrank]
    assert b.diff(c).examples(k, 3) == []


def test_tracked_is_what_the_collector_lists(gc_disabled):
    """``tracked`` is exactly the objects on the collector's lists: what ``gc.get_objects()``
    returns (every generation but the permanent one, and never the list it returns), plus
    that list and the ``gc.get_freeze_count()`` objects of the permanent generation. The
    count is exact: everything listed stays alive (the list holds it) and tracked (no
    collection runs), and nothing between the two calls makes or frees a tracked object
    (``census`` is one C call, no Python code runs in it). After ``gc.freeze()`` nearly
    everything is in the permanent generation, which the census still counts."""
    gc.collect()
    frozen = gc.get_freeze_count()
    listed = gc.get_objects()
    c = pyhood.census()
    assert c.tracked == len(listed) + 1 + frozen
    assert c.objects == c.tracked + c.untracked and c.untracked > 0
    del listed
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        listed = gc.get_objects()
        c = pyhood.census()
    finally:
        gc.unfreeze()
    assert frozen > len(listed)
    assert c.tracked == len(listed) + 1 + frozen


def test_the_figures_add_up():
    """The per-type rows add up to the census: objects, requested and allocated bytes;
    each type's ``bytes`` is its allocated bytes, never less than what was requested. Every
    object of this process's heap (numpy's and pandas' too, when the suite has them
    loaded) is measured: none is left ``unmeasured``."""
    c = pyhood.census()
    assert c.unmeasured == 0
    stats = c.by_type.values()
    assert sum(s.count for s in stats) == c.objects
    assert sum(s.requested for s in stats) == c.requested
    assert sum(s.allocated for s in stats) == c.allocated >= c.requested
    assert all(s.bytes == s.allocated for s in stats)


def test_pymalloc_reached_is_within_pymalloc_in_use(needs_pymalloc_report):
    """The pymalloc blocks the census reached are some of the blocks pymalloc has in use
    (``obmalloc_stats`` in the same call), and some of the bytes the census priced."""
    c = pyhood.census()
    assert c.pymalloc_reached is not None and c.pymalloc_in_use is not None
    assert 0 < c.pymalloc_reached <= c.pymalloc_in_use
    assert c.pymalloc_reached <= c.allocated


def test_without_pymalloc_there_are_no_pymalloc_figures():
    """Under ``PYTHONMALLOC=malloc`` there is no pymalloc to compare with: both are None."""
    if PYMALLOC:
        pytest.skip(f"{configuration()}: pymalloc is on (the test before)")
    c = pyhood.census()
    assert c.pymalloc_reached is None and c.pymalloc_in_use is None


def test_a_census_changes_nothing(gc_disabled):
    """A census reads the heap, it does not touch it: reference counts of a list of
    instances and of one of them stay as they were, each instance's dict word (ctypes)
    too (3.11–3.13+: no ``__dict__`` is made), and none of their Python methods runs."""
    probes = [Probe(i + 5000) for i in range(50)]
    inner = probes[3]
    words = [dict_word(p) for p in probes]
    if PY == (3, 12):
        assert all(w & 1 for w in words)
    elif PY >= (3, 11):
        assert words == [0] * len(probes)
    refs = sys.getrefcount(probes), sys.getrefcount(inner)
    RECORDED.clear()
    c = pyhood.census()
    tracked_only = pyhood.census(include_untracked=False)
    assert RECORDED == []
    assert count(c, key(Probe)) == count(tracked_only, key(Probe)) == 50
    assert [dict_word(p) for p in probes] == words
    assert (sys.getrefcount(probes), sys.getrefcount(inner)) == refs


def test_census_and_diff_print_render_and_export(gc_disabled):
    """A census and a diff print and render their biggest types (the grown class appears
    in the diff's text and HTML), and ``to_dict()`` is JSON-ready with the attributes'
    values."""
    gc.collect()
    a = pyhood.census()
    shown = [Shown() for _ in range(5000)]
    b = pyhood.census()
    d = a.diff(b)
    biggest = max(b.by_type, key=lambda t: b.by_type[t].allocated)
    assert biggest in str(b) and biggest in b._repr_html_()
    assert key(Shown) in str(d) and key(Shown) in d._repr_html_()
    cd = b.to_dict()
    json.dumps(cd)
    for name in (
        "objects",
        "requested",
        "allocated",
        "tracked",
        "untracked",
        "pymalloc_reached",
        "pymalloc_in_use",
    ):
        assert cd[name] == getattr(b, name), name
    assert set(cd["by_type"]) == set(b.by_type)
    assert cd["by_type"][key(Shown)] == b.by_type[key(Shown)].to_dict()
    dd = d.to_dict()
    json.dumps(dd)
    assert [r["type"] for r in dd["rows"]] == [r.type for r in d.rows]
    assert [r["count"] for r in dd["rows"]] == [r.count for r in d.rows]
    row = row_of(d, key(Shown))
    assert row.to_dict()["count"] == row.count == 5000
    assert repr(row)
    with pytest.raises(AttributeError):
        b.objects = 0
    with pytest.raises(AttributeError):
        row.count = 0
    del shown
