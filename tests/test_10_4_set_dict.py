"""Guide §10.4, memory layout of core built-ins: ``set``, ``frozenset`` and ``dict``.

Every test compares what ``pyhood.layout`` reports with something pyhood does not compute:
``id()``/``hash()`` of keys and values, ``len``, ``sys.getsizeof``, ``type.__basicsize__``,
``gc.is_tracked``, and raw memory read with :mod:`ctypes` through struct mirrors of the
CPython headers of the running version (cited on each struct), plus the probing rule of
``Objects/dictobject.c`` to locate keys in the index table.

``sys.getsizeof(x) == x.__sizeof__() + sizeof(PyGC_Head)`` for these types on every
supported version (``Python/sysmodule.c`` ``_PySys_GetSizeOf``; 3.12+ adds
``_PyType_PreHeaderSize``, which is just the GC head for types without
``Py_TPFLAGS_PREHEADER``); ``test_getsizeof_adds_exactly_the_gc_head`` checks it.
"""

from __future__ import annotations

import ctypes
import gc
import re
import sys

import pyhood
import pytest
from conftest import (
    GC_HEAD_SIZE,
    PY,
    TPFLAGS_HAVE_GC,
    assert_tiles,
    before,
    mem,
    requires,
    sword,
    u8,
    word,
)
from hypothesis import given, settings
from hypothesis import strategies as st

PTR = ctypes.sizeof(ctypes.c_void_p)
#: Index-table markers, Objects/dict-common.h v3.10.13 / Include/internal/pycore_dict.h
#: v3.11.7+: DKIX_EMPTY (-1), DKIX_DUMMY (-2).
DKIX_EMPTY, DKIX_DUMMY = -1, -2
#: Objects/dictobject.c v3.10.13..v3.13.0: ``#define PERTURB_SHIFT 5``.
PERTURB_SHIFT = 5
#: Include/internal/pycore_dict.h v3.11.7+: DictKeysKind.
DICT_KEYS_GENERAL, DICT_KEYS_UNICODE, DICT_KEYS_SPLIT = 0, 1, 2


class PyObject(ctypes.Structure):
    # Include/object.h v3.10.13..v3.13.0 (default build): ob_refcnt, ob_type.
    _fields_ = (("ob_refcnt", ctypes.c_ssize_t), ("ob_type", ctypes.c_void_p))


class SetEntry(ctypes.Structure):
    # Include/setobject.h v3.10.13, Include/cpython/setobject.h v3.11.7..v3.13.0:
    # setentry { PyObject *key; Py_hash_t hash; }
    _fields_ = (("key", ctypes.c_void_p), ("hash", ctypes.c_ssize_t))


class PySetObject(ctypes.Structure):
    # Include/setobject.h v3.10.13, Include/cpython/setobject.h v3.11.7..v3.13.0:
    # PyObject_HEAD; fill; used; mask; table; hash; finger;
    # setentry smalltable[PySet_MINSIZE = 8]; weakreflist.
    _fields_ = (
        ("ob_base", PyObject),
        ("fill", ctypes.c_ssize_t),
        ("used", ctypes.c_ssize_t),
        ("mask", ctypes.c_ssize_t),
        ("table", ctypes.c_void_p),
        ("hash", ctypes.c_ssize_t),
        ("finger", ctypes.c_ssize_t),
        ("smalltable", SetEntry * 8),
        ("weakreflist", ctypes.c_void_p),
    )


class PyDictObject(ctypes.Structure):
    # Include/cpython/dictobject.h v3.10.13..v3.13.0: PyObject_HEAD; Py_ssize_t ma_used;
    # uint64_t ma_version_tag; PyDictKeysObject *ma_keys; ma_values (PyObject ** in 3.10,
    # PyDictValues * from 3.11).
    _fields_ = (
        ("ob_base", PyObject),
        ("ma_used", ctypes.c_ssize_t),
        ("ma_version_tag", ctypes.c_uint64),
        ("ma_keys", ctypes.c_void_p),
        ("ma_values", ctypes.c_void_p),
    )


class DictKeys310(ctypes.Structure):
    # Objects/dict-common.h v3.10.13: struct _dictkeysobject { Py_ssize_t dk_refcnt;
    # Py_ssize_t dk_size; dict_lookup_func dk_lookup; Py_ssize_t dk_usable;
    # Py_ssize_t dk_nentries; char dk_indices[]; }
    _fields_ = (
        ("dk_refcnt", ctypes.c_ssize_t),
        ("dk_size", ctypes.c_ssize_t),
        ("dk_lookup", ctypes.c_void_p),
        ("dk_usable", ctypes.c_ssize_t),
        ("dk_nentries", ctypes.c_ssize_t),
    )


class DictKeys311(ctypes.Structure):
    # Include/internal/pycore_dict.h v3.11.7, v3.12.1, v3.13.0 (default build):
    # struct _dictkeysobject { Py_ssize_t dk_refcnt; uint8_t dk_log2_size;
    # uint8_t dk_log2_index_bytes; uint8_t dk_kind; uint32_t dk_version;
    # Py_ssize_t dk_usable; Py_ssize_t dk_nentries; char dk_indices[]; }
    _fields_ = (
        ("dk_refcnt", ctypes.c_ssize_t),
        ("dk_log2_size", ctypes.c_uint8),
        ("dk_log2_index_bytes", ctypes.c_uint8),
        ("dk_kind", ctypes.c_uint8),
        ("dk_version", ctypes.c_uint32),
        ("dk_usable", ctypes.c_ssize_t),
        ("dk_nentries", ctypes.c_ssize_t),
    )


class DictKeyEntry(ctypes.Structure):
    # PyDictKeyEntry { Py_hash_t me_hash; PyObject *me_key; PyObject *me_value; }
    # (Objects/dict-common.h v3.10.13, Include/internal/pycore_dict.h v3.11.7+).
    _fields_ = (
        ("me_hash", ctypes.c_ssize_t),
        ("me_key", ctypes.c_void_p),
        ("me_value", ctypes.c_void_p),
    )


class DictUnicodeEntry(ctypes.Structure):
    # PyDictUnicodeEntry { PyObject *me_key; PyObject *me_value; } (pycore_dict.h v3.11.7+).
    _fields_ = (("me_key", ctypes.c_void_p), ("me_value", ctypes.c_void_p))


DictKeys = DictKeys310 if PY < (3, 11) else DictKeys311
SMALLTABLE = PySetObject.smalltable.offset  # 64


# ---------------------------------------------------------------------------------------
# independent readers (ctypes) and layout helpers
# ---------------------------------------------------------------------------------------


def usable_fraction(n: int) -> int:
    """``USABLE_FRACTION(n) = (n << 1) / 3`` (Objects/dictobject.c)."""
    return (n << 1) // 3


class Keys:
    """A dict keys object decoded with ctypes from the header structs above."""

    def __init__(self, addr: int):
        self.addr = addr
        self.hdr = DictKeys.from_address(addr)
        if PY < (3, 11):
            self.size = self.hdr.dk_size
            # DK_IXSIZE, Objects/dictobject.c v3.10.13
            self.width = 1 if self.size <= 0xFF else 2 if self.size <= 0xFFFF else 4
            self.entries_at = addr + ctypes.sizeof(DictKeys310) + self.size * self.width
            self.kind = None
            self.entry = DictKeyEntry
        else:
            self.size = 1 << self.hdr.dk_log2_size
            index_bytes = 1 << self.hdr.dk_log2_index_bytes
            self.width = index_bytes // self.size
            # _DK_ENTRIES: &dk_indices[1 << dk_log2_index_bytes], pycore_dict.h v3.11.7+
            self.entries_at = addr + ctypes.sizeof(DictKeys311) + index_bytes
            self.kind = self.hdr.dk_kind
            self.entry = DictKeyEntry if self.kind == DICT_KEYS_GENERAL else DictUnicodeEntry
        self.indices_at = addr + ctypes.sizeof(DictKeys)

    def index(self, i: int) -> int:
        raw = mem(self.indices_at + i * self.width, self.width)
        return int.from_bytes(raw, "little", signed=True)

    def entries(self) -> list:
        n = self.hdr.dk_nentries
        return [
            self.entry.from_address(self.entries_at + i * ctypes.sizeof(self.entry))
            for i in range(n)
        ]

    def nbytes(self) -> int:
        """``_PyDict_KeysSize``: header + index table + USABLE_FRACTION(size) entries."""
        return self.entries_at - self.addr + usable_fraction(self.size) * ctypes.sizeof(self.entry)


def dict_keys_addr(d: dict) -> int:
    # Include/cpython/dictobject.h v3.12.1: PyDictObject.ma_keys at 32
    return word(id(d) + PyDictObject.ma_keys.offset)


def dict_values_addr(d: dict) -> int:
    # Include/cpython/dictobject.h v3.12.1: PyDictObject.ma_values at 40
    return word(id(d) + PyDictObject.ma_values.offset)


ENTRY_RE = re.compile(r"dk_entries\[(\d+)\]\.(me_hash|me_key|me_value)$")
INDEX_RE = re.compile(r"dk_indices\[(\d+)\]$")


def layout_entries(blk) -> list[dict]:
    """``[{"me_key": .., "me_value": .., ("me_hash": ..)}, ...]`` from a ma_keys block."""
    out: dict[int, dict] = {}
    for f in blk.fields:
        m = ENTRY_RE.match(f.name)
        if m:
            out.setdefault(int(m.group(1)), {})[m.group(2)] = f.value
    return [out[i] for i in sorted(out)]


def layout_indices(blk) -> list[int]:
    pairs = [(int(m.group(1)), f.value) for f in blk.fields if (m := INDEX_RE.match(f.name))]
    pairs.sort()
    assert [i for i, _ in pairs] == list(range(len(pairs)))
    return [v for _, v in pairs]


def probe(h: int, mask: int):
    """Slots visited by a lookup of hash ``h`` (Objects/dictobject.c, v3.10.13..v3.13.0):
    ``perturb = (size_t)hash; i = hash & mask; ... perturb >>= PERTURB_SHIFT;
    i = (i*5 + perturb + 1) & mask``."""
    perturb = h & (2**64 - 1)
    i = perturb & mask
    for _ in range(64 * (mask + 1)):
        yield i
        perturb >>= PERTURB_SHIFT
        i = (i * 5 + perturb + 1) & mask


def slot_of(h: int, ix: int, indices: list[int]) -> int:
    """The index-table slot that a lookup for hash ``h`` finds entry ``ix`` in."""
    for i in probe(h, len(indices) - 1):
        assert indices[i] != DKIX_EMPTY, f"lookup for entry {ix} hit an empty slot"
        if indices[i] == ix:
            return i
    raise AssertionError("probe sequence did not terminate")


def check_combined_dict(d: dict) -> None:
    """Everything a combined dict's layout must agree on with ctypes and the dict itself."""
    lay = pyhood.layout(d)
    keys_addr = dict_keys_addr(d)
    assert lay.field("ma_used").value == len(d)
    assert lay.field("ma_keys").value == keys_addr
    assert lay.field("ma_values").value == dict_values_addr(d)
    if d or PY >= (3, 11):  # 3.10 empty dicts point at the static empty_values
        assert dict_values_addr(d) == 0
    blk = lay.block("ma_keys")
    assert blk.address == keys_addr
    keys = Keys(keys_addr)
    assert blk.field("dk_nentries").value == keys.hdr.dk_nentries
    assert blk.field("dk_usable").value == keys.hdr.dk_usable
    # Entries: live ones in insertion order are exactly d's items.
    entries = layout_entries(blk)
    raw = keys.entries()
    assert len(entries) >= keys.hdr.dk_nentries
    for mine, theirs in zip(entries, raw, strict=False):
        assert mine["me_key"] == (theirs.me_key or 0)
        assert mine["me_value"] == (theirs.me_value or 0)
    live = [e for e in entries[: keys.hdr.dk_nentries] if e["me_key"]]
    assert [(e["me_key"], e["me_value"]) for e in live] == [(id(k), id(v)) for k, v in d.items()]
    if "me_hash" in (entries[0] if entries else {}):
        assert [e["me_hash"] for e in live] == [hash(k) for k in d]
    # Index table: same slots as ctypes reads, and every key is found where a lookup goes.
    indices = layout_indices(blk)
    assert len(indices) == keys.size
    assert indices == [keys.index(i) for i in range(keys.size)]
    live_ix = [i for i, e in enumerate(entries[: keys.hdr.dk_nentries]) if e["me_key"]]
    assert sorted(ix for ix in indices if ix >= 0) == live_ix
    for ix, k in zip(live_ix, d, strict=True):
        slot_of(hash(k), ix, indices)
    # The keys object is the block; _PyDict_SizeOf counts it when not shared.
    assert blk.end - blk.start == keys.nbytes()
    if keys.hdr.dk_refcnt == 1:
        assert sys.getsizeof(d) == dict.__basicsize__ + GC_HEAD_SIZE + keys.nbytes()
    else:
        assert sys.getsizeof(d) == dict.__basicsize__ + GC_HEAD_SIZE


# ---------------------------------------------------------------------------------------
# struct mirrors and getsizeof
# ---------------------------------------------------------------------------------------


def test_struct_mirrors_match_basicsize():
    """The ctypes mirrors of PySetObject and PyDictObject have CPython's ``tp_basicsize``,
    so the offsets read below are the running interpreter's."""
    assert ctypes.sizeof(PySetObject) == set.__basicsize__ == frozenset.__basicsize__
    assert ctypes.sizeof(PyDictObject) == dict.__basicsize__


@pytest.mark.parametrize("obj", [set(), {1, 2}, frozenset(range(9)), {}, {"a": 1}, {1: 2}])
def test_getsizeof_adds_exactly_the_gc_head(obj):
    """``sys.getsizeof(x) == x.__sizeof__() + sizeof(PyGC_Head)`` for set/frozenset/dict
    (Python/sysmodule.c ``_PySys_GetSizeOf``: ``+ sizeof(PyGC_Head)`` if GC in v3.10.13 /
    v3.11.7, ``+ _PyType_PreHeaderSize(Py_TYPE(o))`` in v3.12.1 / v3.13.0)."""
    assert type(obj).__flags__ & TPFLAGS_HAVE_GC
    assert sys.getsizeof(obj) == obj.__sizeof__() + GC_HEAD_SIZE


# ---------------------------------------------------------------------------------------
# set / frozenset
# ---------------------------------------------------------------------------------------


def set_table_entries(s) -> list[tuple[int, int]]:
    """(key, hash) of every slot of the table in use, read with ctypes."""
    obj = PySetObject.from_address(id(s))
    arr = (SetEntry * (obj.mask + 1)).from_address(obj.table)
    return [(e.key or 0, e.hash) for e in arr]


def layout_set_entries(lay) -> list[tuple[int, int]]:
    """(key, hash) pairs of the table pyhood shows: the "table" block, else smalltable."""
    try:
        src, prefix = lay.block("table"), "table"
    except KeyError:
        src, prefix = lay, "smalltable"
    keys = {f.name: f.value for f in src.fields if f.name.startswith(prefix + "[")}
    n = sum(1 for name in keys if name.endswith(".key"))
    return [(keys[f"{prefix}[{i}].key"], keys[f"{prefix}[{i}].hash"]) for i in range(n)]


@pytest.mark.parametrize("kind", [set, frozenset])
def test_small_set_uses_smalltable(kind):
    """A set of up to 4 elements keeps its entries in the inline ``smalltable``: ``table``
    points at ``id(s) + offsetof(PySetObject, smalltable)`` (64, Include/cpython/setobject.h
    v3.12.1), there is no table block, ``used == fill == len``, ``mask == 7`` and every
    element's ``id`` is a key stored with ``hash(element)``."""
    elems = ["x", 2, (3, 4), 5.5]
    s = kind(elems)
    lay = pyhood.layout(s)
    raw = PySetObject.from_address(id(s))
    assert lay.field("table").value == raw.table == id(s) + SMALLTABLE
    assert lay.field("table").offset == PySetObject.table.offset
    assert [b.name for b in lay.blocks] == []
    assert lay.field("used").value == len(s) == raw.used
    assert lay.field("fill").value == raw.fill == len(s)
    assert lay.field("mask").value == raw.mask == 7
    entries = layout_set_entries(lay)
    assert len(entries) == 8
    assert entries == set_table_entries(s)
    stored = {k: h for k, h in entries if k}
    assert stored == {id(e): hash(e) for e in s}
    assert sys.getsizeof(s) == kind.__basicsize__ + GC_HEAD_SIZE


def test_set_switches_to_a_table_at_five_elements():
    """Adding elements one at a time, the table leaves ``smalltable`` exactly when
    ``sys.getsizeof`` starts counting a separate table, which is at the 5th element
    (``set_add_entry``, Objects/setobject.c: resize once ``fill*5 >= mask*3`` with
    ``mask == 7``); from then on pyhood shows a "table" block of ``mask + 1`` entries."""
    s: set[int] = set()
    switched_at = None
    for n in range(1, 40):
        s.add(n * 1000)
        lay = pyhood.layout(s)
        raw = PySetObject.from_address(id(s))
        external = raw.table != id(s) + SMALLTABLE
        names = [b.name for b in lay.blocks]
        extra = sys.getsizeof(s) - set.__basicsize__ - GC_HEAD_SIZE
        assert (extra != 0) == external
        assert names == (["table"] if external else [])
        assert lay.field("table").value == raw.table
        if external:
            blk = lay.block("table")
            assert blk.address == raw.table
            assert blk.end - blk.start == (raw.mask + 1) * ctypes.sizeof(SetEntry) == extra
            assert sum(1 for f in blk.fields if f.name.endswith(".key")) == raw.mask + 1
            if switched_at is None:
                switched_at = n
        assert lay.field("used").value == len(s) == n
    assert switched_at == 5


@pytest.mark.parametrize("kind", [set, frozenset])
def test_big_set_table_holds_every_element(kind):
    """In a big set every element's ``id`` appears among the table's keys with its
    ``hash(element)``; the table block has ``mask + 1`` entries and the same bytes ctypes
    reads; ``sys.getsizeof == basicsize + GC head + 16 * (mask + 1)`` (``set_sizeof``)."""
    elems = [*range(-50, 150), *(f"s{i}" for i in range(100)), *(i / 7 for i in range(50))]
    s = kind(elems)
    lay = pyhood.layout(s)
    raw = PySetObject.from_address(id(s))
    assert lay.field("mask").value == raw.mask
    blk = lay.block("table")
    assert blk.address == raw.table == lay.field("table").value
    entries = layout_set_entries(lay)
    assert len(entries) == raw.mask + 1
    assert entries == set_table_entries(s)
    stored = {k: h for k, h in entries if k}
    assert stored == {id(e): hash(e) for e in s}
    assert lay.field("used").value == len(s) == raw.used
    assert lay.field("fill").value == raw.fill == len(s)
    assert sys.getsizeof(s) == kind.__basicsize__ + GC_HEAD_SIZE + blk.end - blk.start
    assert blk.end - blk.start == (raw.mask + 1) * ctypes.sizeof(SetEntry)


def test_huge_set_table_block_size():
    """A set whose table exceeds pyhood's per-array field limit still has a "table" block of
    exactly ``16 * (mask + 1)`` bytes, which is what ``sys.getsizeof`` adds."""
    s = set(range(10000))
    raw = PySetObject.from_address(id(s))
    blk = pyhood.layout(s).block("table")
    assert blk.end - blk.start == (raw.mask + 1) * ctypes.sizeof(SetEntry)
    assert sys.getsizeof(s) == set.__basicsize__ + GC_HEAD_SIZE + blk.end - blk.start
    assert_tiles(blk)


@pytest.mark.parametrize("size", [4, 40])
def test_set_deletions_leave_dummies(size):
    """After deletions ``fill >= used``: each removed element leaves a dummy entry
    (``set_discard_entry``, Objects/setobject.c: ``entry->key = dummy; entry->hash = -1;
    so->used--``), so the table holds ``fill - used`` slots whose key is one shared dummy
    object (not an element) with hash -1; ``used == len``."""
    s = set(range(size))
    for x in range(0, size, 2):
        s.discard(x)
    lay = pyhood.layout(s)
    raw = PySetObject.from_address(id(s))
    used, fill = lay.field("used").value, lay.field("fill").value
    assert used == len(s) == raw.used
    assert fill == raw.fill
    assert fill >= used
    assert fill - used == (size + 1) // 2
    entries = layout_set_entries(lay)
    assert entries == set_table_entries(s)
    ids = {id(e) for e in s}
    dummies = [(k, h) for k, h in entries if k and k not in ids]
    assert len(dummies) == fill - used
    assert len({k for k, _ in dummies}) == 1
    assert all(h == -1 for _, h in dummies)
    assert {k: h for k, h in entries if k in ids} == {id(e): hash(e) for e in s}


def test_frozenset_hash_field_caches_hash():
    """``PySetObject.hash`` is -1 until a frozenset is hashed, then holds ``hash(fs)``
    (``frozenset_hash`` caches it); a set's is always -1 (Include/cpython/setobject.h:
    "Invariant for sets: hash is -1")."""
    fs = frozenset([10**20, "k", 3])
    s = set(fs)
    assert pyhood.layout(fs).field("hash").value == -1
    h = hash(fs)
    assert pyhood.layout(fs).field("hash").value == h == sword(id(fs) + PySetObject.hash.offset)
    assert pyhood.layout(s).field("hash").value == -1


@pytest.mark.parametrize("obj", [set(), {1, 2, 3}, frozenset(range(100))])
def test_set_gc_head(obj):
    """Sets have a GC head (start == -16, Py_TPFLAGS_HAVE_GC) and ``_gc_next != 0`` exactly
    when ``gc.is_tracked``; the layout ends at ``tp_basicsize``."""
    lay = pyhood.layout(obj)
    assert type(obj).__flags__ & TPFLAGS_HAVE_GC
    assert lay.start == -GC_HEAD_SIZE
    assert lay.end == type(obj).__basicsize__
    assert (lay.field("_gc_next").value != 0) == gc.is_tracked(obj)


@pytest.mark.parametrize("kind", [set, frozenset])
def test_set_layout_tiles_its_allocation(kind):
    """A set's fields cover its allocation ``[-16, 200)`` exactly once each: the sizes add
    up to ``sys.getsizeof`` of a small set, with ``weakreflist`` (PySetObject's last
    member, at offsetof 192) listed once."""
    s = kind([1, 2])
    lay = pyhood.layout(s)
    at_weaklist = [f.name for f in lay.fields if f.offset == PySetObject.weakreflist.offset]
    assert at_weaklist == ["weakreflist"]
    assert sum(f.size for f in lay.fields if f.bits is None) == sys.getsizeof(s)
    assert_tiles(lay)


# ---------------------------------------------------------------------------------------
# dict
# ---------------------------------------------------------------------------------------


def test_dict_keys_object_read_independently():
    """``ma_keys`` read with ctypes at PyDictObject.ma_keys (offset 32, Include/cpython/
    dictobject.h v3.12.1) is the block's address, and the keys header read with ctypes at the
    internal offsets — ``dk_nentries`` at 32 (Objects/dict-common.h v3.10.13) or 24
    (Include/internal/pycore_dict.h v3.11.7 .. v3.13.0), ``dk_usable`` at 24 / 16,
    ``dk_refcnt`` at 0 — matches the layout's values."""
    d = {"one": 1, "two": 2, "three": 3}
    lay = pyhood.layout(d)
    keys_addr = word(id(d) + PyDictObject.ma_keys.offset)
    assert lay.field("ma_keys").value == keys_addr
    assert lay.field("ma_keys").offset == PyDictObject.ma_keys.offset == 32
    blk = lay.block("ma_keys")
    assert blk.address == keys_addr
    nentries_off = DictKeys.dk_nentries.offset
    assert nentries_off == (32 if PY < (3, 11) else 24)
    assert blk.field("dk_nentries").offset == nentries_off
    assert blk.field("dk_nentries").value == sword(keys_addr + nentries_off) == 3
    assert blk.field("dk_usable").value == sword(keys_addr + DictKeys.dk_usable.offset)
    assert blk.field("dk_refcnt").value == sword(keys_addr) == 1
    assert blk.field("dk_indices[0]").offset == ctypes.sizeof(DictKeys)


@pytest.mark.parametrize(
    "items",
    [
        [("a", 1), ("bb", 2.5), ("ccc", None)],
        [(1, "x"), (2.5, "y"), ((1, 2), "z"), (None, 0), (-1, -1)],
        [(i, str(i)) for i in range(200)],  # > 255 slots: 16-bit indices
    ],
    ids=["str-keys", "general-keys", "wide-indices"],
)
def test_combined_dict_entries_and_indices(items):
    """A combined dict: ``ma_values == NULL``; live ``me_key``/``me_value`` are the ids of
    ``d``'s keys and values in insertion order; ``ma_used == len``; every ``dk_indices`` slot
    equals what ctypes reads, the non-negative ones point at exactly the live entries, and
    CPython's probe sequence for ``hash(key)`` reaches the slot holding its entry index;
    the block is ``_PyDict_KeysSize`` bytes, as ``sys.getsizeof`` counts it."""
    d = {}
    for k, v in items:
        d[k] = v
    check_combined_dict(d)
    if len(d) >= 200:
        keys = Keys(dict_keys_addr(d))
        assert keys.width == 2
        idx = pyhood.layout(d).block("ma_keys").field("dk_indices[0]")
        assert idx.size == 2


def test_dict_delete_leaves_dummy_index_and_null_entry():
    """``del d[k]`` (``delitem_common``, Objects/dictobject.c v3.10.13..v3.13.0): ``ma_used``
    drops by one, the index slot that held the entry becomes ``DKIX_DUMMY`` (-2), the entry's
    ``me_key`` and ``me_value`` become NULL, and ``dk_nentries`` and the keys object stay."""
    for keys_in in (["k0", "k1", "k2", "k3", "k4"], [100, 101, 102, 103, 104]):
        d = {k: object() for k in keys_in}
        before_lay = pyhood.layout(d)
        blk0 = before_lay.block("ma_keys")
        ix = 2
        victim = keys_in[ix]
        idx0 = layout_indices(blk0)
        slot = slot_of(hash(victim), ix, idx0)
        assert layout_entries(blk0)[ix]["me_key"] == id(victim)
        keys_addr = dict_keys_addr(d)
        del d[victim]
        after = pyhood.layout(d)
        blk = after.block("ma_keys")
        assert dict_keys_addr(d) == keys_addr == blk.address
        assert after.field("ma_used").value == before_lay.field("ma_used").value - 1 == len(d)
        assert blk.field("dk_nentries").value == blk0.field("dk_nentries").value == 5
        assert blk.field("dk_nentries").value == Keys(keys_addr).hdr.dk_nentries
        idx = layout_indices(blk)
        assert idx[slot] == DKIX_DUMMY == Keys(keys_addr).index(slot)
        assert [v for i, v in enumerate(idx) if i != slot] == [
            v for i, v in enumerate(idx0) if i != slot
        ]
        entry = layout_entries(blk)[ix]
        assert entry["me_key"] == 0 and entry["me_value"] == 0
        assert Keys(keys_addr).entries()[ix].me_key is None
        check_combined_dict(d)


def test_big_dict_wide_indices_and_block_size():
    """A dict of 50000 entries has a keys table of 2**17 slots, so 4-byte indices
    (``DK_IXSIZE``/``dk_log2_index_bytes``); the keys block is exactly what ``sys.getsizeof``
    adds to the dict (``_PyDict_KeysSize``) even though pyhood summarises entries past its
    per-array limit; the first indices and entries equal the ctypes reads."""
    d = dict.fromkeys(range(50000))
    blk = pyhood.layout(d).block("ma_keys")
    keys = Keys(dict_keys_addr(d))
    assert keys.size == 1 << 17 and keys.width == 4
    assert blk.field("dk_indices[0]").size == 4
    assert blk.end - blk.start == keys.nbytes()
    assert sys.getsizeof(d) == dict.__basicsize__ + GC_HEAD_SIZE + keys.nbytes()
    assert_tiles(blk)
    idx = {f.name: f.value for f in blk.fields if f.name.startswith("dk_indices[")}
    assert [idx[f"dk_indices[{i}]"] for i in range(200)] == [keys.index(i) for i in range(200)]
    entries = layout_entries(blk)[:200]
    assert [e["me_key"] for e in entries] == [id(k) for k in list(d)[:200]]


@requires((3, 11))
def test_dict_kind_general_and_unicode():
    """3.11+: a dict with only exact-str keys has ``dk_kind == DICT_KEYS_UNICODE`` (1) and
    16-byte entries without ``me_hash``; one with other keys has ``DICT_KEYS_GENERAL`` (0)
    and ``me_hash == hash(key)`` (pycore_dict.h DictKeysKind; ``dk_kind`` at offset 10)."""
    s = {"alpha": 1, "beta": 2}
    g = {1: "a", (2, 3): "b", 4.5: "c"}
    for d, kind in ((s, DICT_KEYS_UNICODE), (g, DICT_KEYS_GENERAL)):
        blk = pyhood.layout(d).block("ma_keys")
        keys_addr = dict_keys_addr(d)
        assert blk.field("dk_kind").value == kind == u8(keys_addr + DictKeys311.dk_kind.offset)
        assert blk.field("dk_log2_size").value == Keys(keys_addr).hdr.dk_log2_size
        entries = layout_entries(blk)
        if kind == DICT_KEYS_GENERAL:
            assert [e["me_hash"] for e in entries[: len(d)]] == [hash(k) for k in d]
        else:
            assert all("me_hash" not in e for e in entries)
        check_combined_dict(d)
    # Inserting a non-str key converts a unicode table to a general one.
    s[7] = 3
    assert pyhood.layout(s).block("ma_keys").field("dk_kind").value == DICT_KEYS_GENERAL
    check_combined_dict(s)


@before((3, 11))
def test_dict_entries_carry_hash_310():
    """3.10 has a single entry layout (PyDictKeyEntry, 24 bytes): every live entry's
    ``me_hash == hash(key)``, str keys included."""
    d = {"alpha": 1, 2: "b", (3,): None}
    entries = layout_entries(pyhood.layout(d).block("ma_keys"))
    assert [e["me_hash"] for e in entries[: len(d)]] == [hash(k) for k in d]
    check_combined_dict(d)


def test_empty_dicts_share_the_empty_keys_object():
    """Empty dicts all point at the one static empty keys object (``Py_EMPTY_KEYS``): the
    ctypes-read ``ma_keys`` of two empty dicts is equal, it has no entries, and
    ``sys.getsizeof({})`` is just basicsize + GC head."""
    a, b = {}, dict()
    la, lb = pyhood.layout(a), pyhood.layout(b)
    assert la.field("ma_keys").value == lb.field("ma_keys").value == dict_keys_addr(a)
    assert dict_keys_addr(a) == dict_keys_addr(b)
    blk = la.block("ma_keys")
    assert blk.field("dk_nentries").value == 0
    assert layout_entries(blk) == []
    assert la.field("ma_used").value == 0
    assert sys.getsizeof(a) == dict.__basicsize__ + GC_HEAD_SIZE
    # ma_values: NULL from 3.11; in 3.10 PyDict_New uses the static ``empty_values``
    # (``static PyObject *empty_values[1] = { NULL };``, Objects/dictobject.c v3.10.13).
    assert la.field("ma_values").value == dict_values_addr(a) == dict_values_addr(b)
    if PY >= (3, 11):
        assert dict_values_addr(a) == 0
    else:
        assert dict_values_addr(a) != 0 and word(dict_values_addr(a)) == 0


def test_dict_gc_tracking():
    """Before 3.14 a dict holding only atomic keys/values starts untracked
    (``MAINTAIN_TRACKING``, Objects/dictobject.c) and its ``_gc_next`` is 0 (read with
    ctypes too); 3.14 tracks every dict from creation. Adding a container tracks it and
    ``_gc_next`` becomes non-zero."""
    d = {"a": 1, "b": "two"}
    assert gc.is_tracked(d) == (PY >= (3, 14))
    lay = pyhood.layout(d)
    assert lay.start == -GC_HEAD_SIZE
    assert (lay.field("_gc_next").value != 0) == gc.is_tracked(d)
    if not gc.is_tracked(d):
        assert lay.field("_gc_next").value == 0 == word(id(d) - 16)
    d["c"] = []
    assert gc.is_tracked(d)
    assert pyhood.layout(d).field("_gc_next").value != 0


def test_dict_layout_tiles_its_allocation():
    """A dict's own allocation ``[-16, 48)`` and its keys block are covered exactly once."""
    d = {"a": 1, 2: "b"}
    lay = pyhood.layout(d)
    assert (lay.start, lay.end) == (-GC_HEAD_SIZE, dict.__basicsize__)
    assert_tiles(lay)
    assert_tiles(lay.block("ma_keys"))


class C:
    def __init__(self):
        self.a = 1.25
        self.b = "bee" * 3


@pytest.mark.parametrize("copy", [False, True], ids=["instance-dict", "copy"])
def test_split_instance_dict_values(copy):
    """An instance ``__dict__`` (and its ``.copy()``, which ``PyDict_Copy`` keeps split) is a
    split-keys dict: ``ma_values`` (ctypes word at PyDictObject.ma_values) is non-NULL and is
    the "ma_values" block; its ``values[i]`` are ``id`` of the attribute values in the shared
    keys' order; the shared keys hold the attribute names; the values array has as many slots
    as ``sys.getsizeof`` counts (``_PyDict_SizeOf``: ``+ shared_keys_usable_size *
    sizeof(PyObject *)``; v3.10.13: ``USABLE_FRACTION(DK_SIZE)``)."""
    o = C()
    d = o.__dict__.copy() if copy else o.__dict__
    lay = pyhood.layout(d)
    values_addr = dict_values_addr(d)
    assert values_addr != 0
    assert lay.field("ma_values").value == values_addr
    assert lay.field("ma_used").value == len(d) == 2
    vblk = lay.block("ma_values")
    assert vblk.address == values_addr
    vals = [f for f in vblk.fields if re.fullmatch(r"values\[\d+\]", f.name)]
    assert [f.value for f in vals[: len(d)]] == [id(v) for v in d.values()]
    assert [word(values_addr + vblk.field("values[0]").offset + PTR * i) for i in range(2)] == [
        id(v) for v in d.values()
    ]
    assert all(f.value == 0 for f in vals[len(d) :])
    assert sys.getsizeof(d) == dict.__basicsize__ + GC_HEAD_SIZE + PTR * len(vals)
    kblk = lay.block("ma_keys")
    keys = Keys(dict_keys_addr(d))
    assert kblk.address == keys.addr
    assert keys.hdr.dk_refcnt >= 2  # shared with the class's cached keys
    assert [e["me_key"] for e in layout_entries(kblk)[: len(d)]] == [id(sys.intern(k)) for k in d]
    if PY >= (3, 11):
        assert kblk.field("dk_kind").value == DICT_KEYS_SPLIT == keys.kind
        assert len(vals) == keys.hdr.dk_nentries + keys.hdr.dk_usable


@requires((3, 11))
@before((3, 13))
def test_split_values_prefix_311_312():
    """3.11/3.12: the values array is preceded by a prefix (``new_values``,
    Objects/dictobject.c v3.11.7/v3.12.1; layout comment in Include/internal/pycore_dict.h):
    byte [-1] is the prefix size, [-2] the number of values inserted, and [-3 - i] the
    insertion order. The block starts at ``-prefix`` and its prefix bytes are those ctypes
    reads."""
    o = C()
    for d in (o.__dict__, o.__dict__.copy()):
        check_prefix(d)


def check_prefix(d: dict) -> None:
    values_addr = dict_values_addr(d)
    prefix = u8(values_addr - 1)
    assert prefix % 8 == 0 and prefix >= 8
    assert u8(values_addr - 2) == len(d) == 2
    assert [u8(values_addr - 3 - i) for i in range(len(d))] == [0, 1]
    vblk = pyhood.layout(d).block("ma_values")
    assert vblk.start == -prefix
    pf = vblk.field("prefix")
    assert (pf.offset, pf.size) == (-prefix, prefix)
    assert pf.raw == mem(values_addr - prefix, prefix)
    assert vblk.field("values[0]").offset == 0


@requires((3, 13))
def test_split_values_inline_in_instance_313():
    """3.13: the materialised ``__dict__`` points its ``ma_values`` at the values embedded in
    the instance, ``_PyObject_InlineValues(obj) == (char *)obj + sizeof(PyObject)``
    (Include/internal/pycore_object.h v3.13.0); struct _dictvalues { uint8_t capacity, size,
    embedded, valid; PyObject *values[]; } then the insertion-order bytes after
    ``values[capacity]`` (pycore_dict.h v3.13.0). The block's header bytes are those ctypes
    reads: size 2, embedded 1, valid 1, order 0, 1."""
    o = C()
    d = o.__dict__
    values_addr = dict_values_addr(d)
    assert values_addr == id(o) + ctypes.sizeof(PyObject)
    assert id(o) < values_addr < id(o) + sys.getsizeof(o) + 256
    vblk = pyhood.layout(d).block("ma_values")
    capacity = u8(values_addr)
    for i, name in enumerate(("capacity", "size", "embedded", "valid")):
        assert vblk.field(name).value == u8(values_addr + i)
    assert vblk.field("capacity").value == capacity
    assert vblk.field("size").value == len(d) == 2
    assert vblk.field("embedded").value == 1
    assert vblk.field("valid").value == 1
    assert vblk.field("values[0]").offset == PTR
    order_at = PTR + PTR * capacity
    assert vblk.field("order[0]").offset == order_at
    assert [vblk.field(f"order[{i}]").value for i in range(2)] == [0, 1]
    assert [u8(values_addr + order_at + i) for i in range(2)] == [0, 1]
    # A copy gets its own values array (``copy_values``), outside the instance.
    c = d.copy()
    copy_addr = dict_values_addr(c)
    assert not id(o) <= copy_addr < id(o) + 512
    cblk = pyhood.layout(c).block("ma_values")
    assert cblk.address == copy_addr
    assert cblk.field("embedded").value == 0 == u8(copy_addr + 2)
    assert cblk.field("capacity").value == u8(copy_addr) == capacity
    assert [f.value for f in cblk.fields if f.name in ("values[0]", "values[1]")] == [
        id(v) for v in c.values()
    ]


@requires((3, 11))
def test_split_dict_after_attribute_delete():
    """3.11+: deleting an attribute keeps the instance dict split; the deleted slot's value
    becomes NULL and the insertion-order bytes drop it, so ``values[order[i]]`` for
    ``i < size`` are the ids of ``d.values()`` in order (order bytes read with ctypes at
    ``values - 3 - i`` in v3.11.7/v3.12.1, after ``values[capacity]`` in v3.13.0)."""
    o = C()
    o.c = [3]
    d = o.__dict__
    del o.a
    values_addr = dict_values_addr(d)
    assert values_addr != 0
    lay = pyhood.layout(d)
    assert lay.field("ma_used").value == len(d) == 2
    vblk = lay.block("ma_values")
    vals = [f for f in vblk.fields if re.fullmatch(r"values\[\d+\]", f.name)]
    assert vals[0].value == 0
    if PY >= (3, 13):
        cap = u8(values_addr)
        size = u8(values_addr + 1)
        order = [u8(values_addr + PTR + PTR * cap + i) for i in range(size)]
    else:
        size = u8(values_addr - 2)
        order = [u8(values_addr - 3 - i) for i in range(size)]
    assert size == len(d)
    assert order == [1, 2]
    assert [vals[i].value for i in order] == [id(v) for v in d.values()]


@settings(max_examples=80, deadline=None)
@given(st.dictionaries(st.text(max_size=5), st.integers()))
def test_dict_entries_match_items_property(d):
    """For any dict of str -> int: live entries are ``(id(k), id(v))`` for ``d.items()`` in
    order, indices map every key where CPython's lookup finds it, ``ma_used == len`` and the
    keys block size/ctypes headers agree (see ``check_combined_dict``); on 3.11+ the table is
    a unicode one."""
    check_combined_dict(d)
    if PY >= (3, 11):
        assert Keys(dict_keys_addr(d)).kind == DICT_KEYS_UNICODE
