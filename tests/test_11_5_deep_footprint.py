"""Guide §11.5 — what does this structure really cost.

``sys.getsizeof`` prices one object, and not even all of it. ``pyhood.deep_footprint(obj)``
prices everything ``obj`` keeps: every object reachable through the interpreter's own
traversal (``tp_traverse``, what ``gc.get_referents`` returns) plus a dict's keys (which
``dict_traverse`` skips when they are all strings), each counted once, at the allocator's
true cost (``pyhood.footprint`` of each). Types, modules, functions and code are reached but
not followed nor priced (they are not the structure's); immortal and static objects (None,
True, small ints from 3.11) are shared with the whole interpreter, and set apart.

The independent truth is a walk written here by hand, over ``gc.get_referents`` and
``dict.keys``, on structures whose composition is known in advance and whose members are all
plain mortal heap objects (distinct ints from 5000 up, strings built at run time), so that
no question of what is shared arises; and the pre-header word and reference counts, read
with ctypes and ``sys.getrefcount``, which must not move.
"""

from __future__ import annotations

import collections
import gc
import json
import sys
import types

import pyhood
import pytest
from conftest import GC_HEAD_SIZE, PY, RECORDED, Recording, allocator_block, dict_word

#: Py_TPFLAGS_HEAPTYPE (Include/object.h, every version): 1 << 9.
TPFLAGS_HEAPTYPE = 1 << 9
#: What the walk sets aside: reached, not followed, not priced.
NOT_FOLLOWED = (type, types.ModuleType, types.FunctionType, types.CodeType)


class Marker:
    """A module-level class: its type key is ``<module>.Marker``."""

    def __init__(self, serial: int):
        self.serial = serial


class Hostile(Recording):
    """Records every Python-level method the interpreter could run on it (``RECORDED``)."""

    def __init__(self, n: int):
        object.__setattr__(self, "payload", n)

    def __setattr__(self, name, value):
        RECORDED.append("__setattr__")
        object.__setattr__(self, name, value)

    def __repr__(self):
        RECORDED.append("__repr__")
        return "Hostile"

    def __len__(self):
        RECORDED.append("__len__")
        return 0

    def __iter__(self):
        RECORDED.append("__iter__")
        return iter(())


class HostileDict(dict):
    """A dict whose Python-level views record that they were asked."""

    def keys(self):
        RECORDED.append("keys")
        return super().keys()

    def __iter__(self):
        RECORDED.append("__iter__")
        return super().__iter__()

    def items(self):
        RECORDED.append("items")
        return super().items()

    def __getitem__(self, key):
        RECORDED.append("__getitem__")
        return super().__getitem__(key)

    def __len__(self):
        RECORDED.append("__len__")
        return super().__len__()


def type_key(cls: type) -> str:
    """The contract's type key, worked out from the class: a static type's ``tp_name``
    (``__name__``, with ``__module__`` in front unless it is ``builtins``); a heap type's
    own ``__module__`` entry and ``__qualname__``."""
    if cls.__flags__ & TPFLAGS_HEAPTYPE:
        module = cls.__dict__.get("__module__")
        return cls.__qualname__ if module in (None, "builtins") else f"{module}.{cls.__qualname__}"
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"


def plain_heap_object(o) -> bool:
    """Whether ``o`` is clearly a mortal object of the heap: not a small int (static from
    3.11), and a reference count far below the immortal values (3.12+: ``UINT_MAX``
    on 3.12/3.13, ``3 << 30`` from 3.14)."""
    if type(o) is int and -5 <= o <= 1024:
        return False
    return sys.getrefcount(o) < 1 << 28


def naive_walk(root) -> tuple[list, list]:
    """(counted, set aside): every object reachable from ``root`` through
    ``gc.get_referents`` and a dict's keys, each once by identity; types, modules, functions
    and code are set aside, not followed. The root is always counted. Every other object
    must be a plain heap object: the structures here are built so that none is shared."""
    seen = {id(root)}
    counted, aside, todo = [root], [], [root]
    while todo:
        o = todo.pop()
        reached = gc.get_referents(o)
        if isinstance(o, dict):
            reached += dict.keys(o)
        for r in reached:
            if id(r) in seen:
                continue
            seen.add(id(r))
            if isinstance(r, NOT_FOLLOWED):
                aside.append(r)
                continue
            assert plain_heap_object(r), f"the walk reached a shared object: {r!r}"
            counted.append(r)
            todo.append(r)
    return counted, aside


def assert_priced_as_walked(fp, root) -> None:
    """``fp`` agrees with the walk by hand: the same objects, the same bytes (the sum of
    ``pyhood.footprint`` over them), per type and in all, and the same objects set aside."""
    counted, aside = naive_walk(root)
    prints = [pyhood.footprint(o) for o in counted]
    assert fp.objects == len(counted)
    assert fp.total == sum(p.total for p in prints)
    assert fp.requested == sum(p.requested for p in prints)
    expected = collections.defaultdict(lambda: [0, 0, 0])
    for o, p in zip(counted, prints, strict=True):
        row = expected[type_key(type(o))]
        row[0] += 1
        row[1] += p.requested
        row[2] += p.total
    got = {k: [s.count, s.requested, s.allocated] for k, s in fp.by_type.items()}
    assert got == dict(expected)
    assert fp.not_followed == dict(collections.Counter(type_key(type(o)) for o in aside))
    assert fp.shared.count == 0
    assert fp.truncated is False


N = 1000


def test_a_list_of_tuples_costs_its_tuples_ints_and_strings():
    """A list of 1000 distinct tuples ``(i + 5000, f"s{i}")`` is 3001 objects: the list,
    1000 tuples, 1000 ints (from 5000 up: no small int is shared) and 1000 strings; its
    price is the sum of their footprints, as a walk by hand finds them."""
    data = [(i + 5000, f"s{i}") for i in range(N)]
    fp = pyhood.deep_footprint(data)
    counts = {k: s.count for k, s in fp.by_type.items()}
    assert counts == {"list": 1, "tuple": N, "int": N, "str": N}
    assert fp.objects == 3 * N + 1
    assert fp.unmeasured == 0
    assert fp.total == sum(s.allocated for s in fp.by_type.values())
    assert fp.requested == sum(s.requested for s in fp.by_type.values())
    assert fp.total >= fp.requested > sys.getsizeof(data)
    assert fp.shared.count == 0 and fp.not_followed == {} and fp.truncated is False
    assert_priced_as_walked(fp, data)


def test_each_objects_bytes_are_the_block_its_allocator_set_aside():
    """Tuples, floats and strs of a list are each one allocation: the request is
    ``sys.getsizeof`` (a tuple's with the GC head before it), and the block the allocator
    set aside for it is what its own header says (the pymalloc pool header, or the C
    library's chunk, read with ctypes: ``allocator_block``). The walk's bytes per type are
    those requests and those blocks, object by object."""
    tuples = [(i + 5000, i + 6000) for i in range(N)] + [tuple(range(n)) for n in range(1, 70)]
    floats = [i + 0.5 for i in range(N)]
    strs = [f"s{i}" * (1 + i % 40) for i in range(N)]
    data = [tuples, floats, strs]
    fp = pyhood.deep_footprint(data, stop=(int,))
    for name, objs, head in (
        ("tuple", tuples, GC_HEAD_SIZE),
        ("float", floats, 0),
        ("str", strs, 0),
    ):
        distinct = list({id(o): o for o in objs}.values())
        blocks = [allocator_block(id(o) - head, sys.getsizeof(o)) for o in distinct]
        assert None not in [size for _, size in blocks], name
        stat = fp.by_type[name]
        assert stat.count == len(distinct), name
        assert stat.requested == sum(sys.getsizeof(o) for o in distinct), name
        assert stat.allocated == sum(size for _, size in blocks), name


def test_a_dicts_string_keys_are_counted():
    """``gc.get_referents`` of a dict with string keys gives its values only
    (``dict_traverse`` skips such keys); ``deep_footprint`` counts the keys too: 2000 keys
    and 2000 value strings are 4000 strings."""
    d = {f"key{i}": (i + 5000, f"v{i}") for i in range(2000)}
    assert not {id(k) for k in d} & {id(r) for r in gc.get_referents(d)}
    fp = pyhood.deep_footprint(d)
    counts = {k: s.count for k, s in fp.by_type.items()}
    assert counts == {"dict": 1, "str": 4000, "tuple": 2000, "int": 2000}
    assert fp.objects == 8001
    assert_priced_as_walked(fp, d)


def test_dicts_of_every_table_shape_are_priced_as_footprint_prices_them():
    """A dict owns its keys object (indices and entries, one block) when it alone holds it:
    empty dicts share one keys object and own none; a dict grown, emptied by deletions,
    copied or keyed by ints owns its own, of the size its header gives. Priced as the sum
    of their footprints."""
    grown = {i + 5000: f"v{i}" for i in range(100)}
    for i in range(90):
        del grown[i + 5000]
    dicts = [{}, {}, {5001: 5002}, grown, dict(grown), grown.copy()]
    dicts += [{f"k{i}": i + 5000 for i in range(n)} for n in (1, 5, 6, 11, 50, 1000)]
    fp = pyhood.deep_footprint(dicts)
    assert fp.by_type["dict"].count == len(dicts) and fp.unmeasured == 0
    assert_priced_as_walked(fp, dicts)


def test_instances_of_every_age_and_shape_are_priced_as_footprint_prices_them():
    """An instance's allocation is its class's (pre-header, GC head, ``__slots__``, 3.13+
    inline values of the capacity it was made with); on 3.11/3.12 it owns a values array
    whose size depends on when it was made (each new instance gets one slot fewer while the
    class's shared keys have room), until a ``__dict__`` is made for it. Instances of every
    age, with attributes added, deleted or a ``__dict__`` made, and of a class with
    ``__slots__``, are priced as the sum of their footprints."""

    class Grown:
        pass

    class Slotted:
        __slots__ = ("a", "b")

    objs = []
    for i in range(60):
        o = Grown()
        for k in range(i % 9):
            setattr(o, f"a{k}", i * 100 + k + 5000)
        objs.append(o)
    for i in range(1, 60, 7):
        if i % 9:
            del objs[i].a0  # a deletion keeps the values array
    for i in range(5):
        s = Slotted()
        s.a = i + 6000
        objs.append(s)
    fp = pyhood.deep_footprint(objs)
    assert fp.by_type[type_key(Grown)].count == 60 and fp.unmeasured == 0
    assert_priced_as_walked(fp, objs)
    # A dict made for an instance holds its values (and interned names, which the walk by
    # hand cannot tell from shared objects): each instance alone is priced, cut below it.
    # Its dict (a split table: the class's shared keys, values of its own) likewise.
    for o in objs[3:60:11]:
        o.__dict__["late"] = 5000
        for x in (o, o.__dict__):
            alone = pyhood.deep_footprint(x, stop=lambda y, x=x: y is not x)
            fp = pyhood.footprint(x)
            assert alone.objects == 1 and (alone.total, alone.requested) == (
                fp.total,
                fp.requested,
            )


def test_sets_own_their_table_once_it_outgrows_the_small_one():
    """A set keeps up to 5 entries in its inline ``smalltable`` and owns a table block of
    ``mask + 1`` entries past that (and after it shrank: the table is not given back).
    Sets and frozensets of every size are priced as the sum of their footprints."""
    shrunk = set(range(5000, 5100))
    for i in range(95):
        shrunk.discard(i + 5000)
    sets = [set(), shrunk]
    for n in (1, 4, 5, 6, 8, 20, 1000):
        sets += [set(range(5000, 5000 + n)), frozenset(range(6000, 6000 + n))]
    assert len(pyhood.footprint(shrunk).allocations) == 2
    fp = pyhood.deep_footprint(sets)
    assert fp.by_type["set"].count + fp.by_type["frozenset"].count == len(sets)
    assert fp.unmeasured == 0
    assert_priced_as_walked(fp, sets)


def test_a_strs_cached_utf8_copy_is_counted():
    """A non-ASCII str owns its UTF-8 copy once something asked for it
    (``PyUnicode_AsUTF8``, called here through ctypes): the block ``footprint`` lists as
    ``utf8``. ``deep_footprint`` prices 1-, 2- and 4-byte strs with and without that copy
    as the sum of their footprints."""
    import ctypes

    as_utf8 = ctypes.pythonapi.PyUnicode_AsUTF8
    as_utf8.argtypes = [ctypes.py_object]
    as_utf8.restype = ctypes.c_char_p
    strs = [ch * n + str(n) for ch in "é€😀" for n in range(1, 120)]
    for s in strs[::2]:
        as_utf8(s)
    with_copy = [s for s in strs if len(pyhood.footprint(s).allocations) == 2]
    assert len(with_copy) == len(strs[::2])
    assert all(pyhood.footprint(s).allocations[1].name == "utf8" for s in with_copy)
    fp = pyhood.deep_footprint(strs)
    assert fp.by_type["str"].count == len(strs) and fp.unmeasured == 0
    assert_priced_as_walked(fp, strs)


def test_instances_are_counted_and_their_class_is_not_followed():
    """300 instances of a module-level class count under ``<module>.<qualname>``; the class
    they all point to is reached once, listed in ``not_followed["type"]``, and costs
    nothing: the total is the list, the instances and what they hold (3.10: their dicts
    and the one key string)."""
    k = 300
    marks = [Marker(i + 5000) for i in range(k)]
    fp = pyhood.deep_footprint(marks)
    key = f"{__name__}.Marker"
    assert key == type_key(Marker)
    assert fp.by_type[key].count == k
    assert fp.by_type["int"].count == k
    assert fp.not_followed == {"type": 1}
    assert "type" not in fp.by_type
    assert_priced_as_walked(fp, marks)


def test_the_root_is_followed_whatever_it_is():
    """The root is counted even when it is a class (which would otherwise not be followed):
    ``by_type["type"]`` is that one class, at its own footprint (its base ``object`` is
    reached but not priced); ``__init__``, a function in its dict, is reached and not
    followed."""
    fp = pyhood.deep_footprint(Marker)
    assert fp.by_type["type"].count == 1
    assert fp.by_type["type"].allocated == pyhood.footprint(Marker).total
    assert fp.not_followed["function"] == 1  # Marker.__init__
    assert fp.objects > 1  # its dict, its mro tuple...


def test_walking_changes_no_refcount_and_materialises_no_dict():
    """Pricing a structure leaves it as it was: the root's and an inner object's reference
    counts, and each instance's dict word (ctypes): NULL on 3.11 and 3.13+, a tagged values
    pointer on 3.12 (no ``__dict__`` is made), and on 3.10 the dict it already had."""
    marks = [Marker(i + 5000) for i in range(50)]
    inner = marks[7]
    words = [dict_word(m) for m in marks]
    if PY == (3, 12):
        assert all(w & 1 for w in words)
    elif PY >= (3, 11):
        assert words == [0] * len(marks)
    root_refs, inner_refs = sys.getrefcount(marks), sys.getrefcount(inner)
    fp = pyhood.deep_footprint(marks)
    assert fp.by_type[f"{__name__}.Marker"].count == 50
    assert [dict_word(m) for m in marks] == words
    assert (sys.getrefcount(marks), sys.getrefcount(inner)) == (root_refs, inner_refs)


def test_no_python_code_runs():
    """The walk reads the objects, it does not ask them: none of a class's Python methods
    (``__getattribute__``, ``__sizeof__``, ``__eq__``, ``__hash__``, ``__len__``,
    ``__iter__``) nor a dict subclass's ``keys``/``__iter__``/``items`` runs, with or
    without a ``stop`` tuple of types; a dict subclass's keys are still counted."""
    hostile = [Hostile(i + 5000) for i in range(3)]
    hd = HostileDict({f"hk{i}": i + 6000 for i in range(5)})
    root = [*hostile, hd]
    RECORDED.clear()
    fp = pyhood.deep_footprint(root)
    stopped = pyhood.deep_footprint(root, stop=(float, bytes))
    assert RECORDED == []
    for result in (fp, stopped):
        assert result.by_type[f"{__name__}.Hostile"].count == 3
        assert result.by_type[f"{__name__}.HostileDict"].count == 1
        assert result.by_type["str"].count >= 5  # the five keys (3.10: and "payload")
        assert result.by_type["int"].count == 8
    assert stopped.total == fp.total


def test_shared_objects_are_set_apart():
    """None and True are part of the interpreter image, and so are small ints from 3.11
    (``_PyRuntime``'s static singletons; 3.10 allocates them at start-up on the heap): a
    list of ``None, True, 1, 2`` costs the list alone (3.10: and the two ints), and the
    static objects are counted as shared."""
    xs = [None, True, 1, 2]
    fp = pyhood.deep_footprint(xs)
    heap = [xs] if PY >= (3, 11) else [xs, 1, 2]
    assert fp.objects == len(heap)
    assert fp.total == sum(pyhood.footprint(o).total for o in heap)
    assert fp.by_type["list"].count == 1
    assert fp.shared.count == (4 if PY >= (3, 11) else 2)
    assert fp.shared.count >= 1  # None, every version


def test_stop_types_cut_the_walk_but_not_the_root():
    """``stop=(list,)`` on a list of lists counts the root list only (the root is never
    stopped; the inner lists are neither counted nor followed, so their floats are not
    reached); ``stop=float`` (one type) leaves the lists and prices no float."""
    inner = [[float(i * 10 + j) + 0.5 for j in range(10)] for i in range(20)]
    fp = pyhood.deep_footprint(inner, stop=(list,))
    assert fp.objects == 1
    assert {k: s.count for k, s in fp.by_type.items()} == {"list": 1}
    assert fp.total == pyhood.footprint(inner).total
    no_floats = pyhood.deep_footprint(inner, stop=float)
    assert {k: s.count for k, s in no_floats.by_type.items()} == {"list": 21}
    everything = pyhood.deep_footprint(inner)
    assert {k: s.count for k, s in everything.by_type.items()} == {"list": 21, "float": 200}


def test_a_stop_callable_cuts_what_it_says():
    """A callable ``stop(o)`` returning True drops ``o`` and all it alone keeps: the list it
    names is not counted, and the walk never asks about what is inside it."""
    kept = [f"k{i}" for i in range(30)]
    hidden = [f"h{i}" for i in range(30)]
    root = [kept, hidden]
    asked = []

    def stop(o):
        asked.append(id(o))
        return o is hidden

    fp = pyhood.deep_footprint(root, stop=stop)
    assert {k: s.count for k, s in fp.by_type.items()} == {"list": 2, "str": 30}
    assert fp.total == sum(pyhood.footprint(o).total for o in [root, kept, *kept])
    assert id(hidden) in asked
    assert not {id(s) for s in hidden} & set(asked)
    never = pyhood.deep_footprint(root, stop=lambda o: False)
    assert never.objects == 1 + 2 + 60 == pyhood.deep_footprint(root).objects


def test_max_objects_truncates():
    """``max_objects=10`` stops the walk after ten counted objects and says so; a limit
    above the structure's size changes nothing."""
    data = [float(i) + 0.5 for i in range(100)]
    fp = pyhood.deep_footprint(data, max_objects=10)
    assert fp.objects == 10 and fp.truncated is True
    assert sum(s.count for s in fp.by_type.values()) == 10
    whole = pyhood.deep_footprint(data, max_objects=1000)
    assert whole.objects == 101 and whole.truncated is False
    assert whole.total == pyhood.deep_footprint(data).total


def test_largest_comes_first():
    """``largest`` lists the biggest counted objects first: a 1 MB bytes among small things
    is ``largest[0]``, at its own footprint; the list is ordered and at most 10 long, and
    each entry is the footprint of the object at its address."""
    big = bytes(1_000_000)
    small = [f"small{i}" for i in range(20)]
    root = [big, *small, (int("7000"), int("8000"))]
    members = {id(o): o for o in [root, big, *small, root[-1], *root[-1]]}
    fp = pyhood.deep_footprint(root)
    top = fp.largest[0]
    assert (top.type, top.address) == ("bytes", id(big))
    assert top.allocated == pyhood.footprint(big).total
    assert top.requested == pyhood.footprint(big).requested
    assert len(fp.largest) == 10
    sizes = [x.allocated for x in fp.largest]
    assert sizes == sorted(sizes, reverse=True)
    for x in fp.largest:
        o = members[x.address]
        assert (x.type, x.allocated) == (type_key(type(o)), pyhood.footprint(o).total)
    assert len(pyhood.deep_footprint([float("1.5")]).largest) == 2


def test_str_html_and_to_dict():
    """The result prints (its type keys appear), renders as HTML, and ``to_dict()`` is
    JSON-ready with the same values as the attributes; results are read-only."""
    data = [(i + 5000, f"s{i}") for i in range(50)]
    fp = pyhood.deep_footprint(data)
    text, html = str(fp), fp._repr_html_()
    for key in ("tuple", "int", "str", "list"):
        assert key in text and key in html
    d = fp.to_dict()
    json.dumps(d)
    assert (d["total"], d["requested"], d["objects"]) == (fp.total, fp.requested, fp.objects)
    assert d["truncated"] is fp.truncated
    assert d["not_followed"] == fp.not_followed
    assert set(d["by_type"]) == set(fp.by_type)
    for key, stat in fp.by_type.items():
        assert stat.bytes == stat.allocated
        assert d["by_type"][key] == stat.to_dict()
        assert stat.to_dict()["count"] == stat.count
        assert stat.to_dict()["allocated"] == stat.allocated
        assert stat.to_dict()["requested"] == stat.requested
        assert repr(stat)
    assert d["shared"] == fp.shared.to_dict()
    assert [x["address"] for x in d["largest"]] == [x.address for x in fp.largest]
    assert [x["allocated"] for x in d["largest"]] == [x.allocated for x in fp.largest]
    with pytest.raises(AttributeError):
        fp.total = 0
    with pytest.raises(AttributeError):
        fp.by_type["tuple"].count = 0


def test_bad_arguments_raise():
    """``stop`` must be None, a type, a tuple of types or a callable: ``stop=5`` is a
    TypeError; a negative ``max_objects`` is a ValueError; both are keyword-only."""
    x = [1.5]
    with pytest.raises(TypeError):
        pyhood.deep_footprint(x, stop=5)
    with pytest.raises(ValueError):
        pyhood.deep_footprint(x, max_objects=-1)
    with pytest.raises(TypeError):
        pyhood.deep_footprint(x, None)
