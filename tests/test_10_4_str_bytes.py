"""Guide §10.4, memory layout of core built-ins: ``str`` and ``bytes``.

Every test checks ``pyhood.layout`` / ``pyhood.peek`` against something that does not go
through pyhood: ``len``, ``hash``, ``str.encode``, ``sys.getsizeof``,
``type.__basicsize__``, ``PyUnicode_AsUTF8`` called through ctypes, and ctypes reads at
offsets taken from the CPython headers of the running version (cited where used).
"""

from __future__ import annotations

import ctypes
import itertools
import sys

import pyhood
import pytest
from conftest import PY, TPFLAGS_HAVE_GC, allocator_block, mem, sword, u32, word
from hypothesis import given, settings
from hypothesis import strategies as st

# Include/object.h (every version): ob_refcnt at 0, ob_type at 8; PyObject_VAR_HEAD adds
# Py_ssize_t ob_size at 16.
OB_TYPE_AT = 8
OB_SIZE_AT = 16

# ---------------------------------------------------------------------------------------
# str offsets
# ---------------------------------------------------------------------------------------
# Include/cpython/unicodeobject.h v3.10.13 / v3.11.7:
#   PyASCIIObject { PyObject_HEAD; Py_ssize_t length; Py_hash_t hash;
#                   struct { unsigned int interned:2, kind:3, compact:1, ascii:1, ready:1,
#                            :24; } state; wchar_t *wstr; }
#     -> length 16, hash 24, state 32 (one 4-byte unit, padded to 8), wstr 40, size 48.
#   PyCompactUnicodeObject { PyASCIIObject _base; Py_ssize_t utf8_length; char *utf8;
#                            Py_ssize_t wstr_length; } -> utf8_length 48, utf8 56, size 72.
#   PyUnicodeObject { PyCompactUnicodeObject _base; union {...} data; } -> data 72, size 80.
# Include/cpython/unicodeobject.h v3.12.1 / v3.13.0: wstr and wstr_length are gone and
#   `ready` became `statically_allocated`:
#     PyASCIIObject size 40; utf8_length 40, utf8 48, PyCompactUnicodeObject size 56;
#     PyUnicodeObject data 56, size 64.
# Compact strings keep their characters right after the struct: PyASCIIObject for ASCII,
# PyCompactUnicodeObject otherwise (the _PyUnicode_COMPACT_DATA macro / inline function).
LENGTH_AT = 16
HASH_AT = 24
STATE_AT = 32
if PY >= (3, 12):
    ASCII_SIZE, UTF8_LENGTH_AT, UTF8_AT, COMPACT_SIZE, DATA_PTR_AT = 40, 40, 48, 56, 56
    LAST_FLAG = "statically_allocated"
else:
    ASCII_SIZE, UTF8_LENGTH_AT, UTF8_AT, COMPACT_SIZE, DATA_PTR_AT = 48, 48, 56, 72, 72
    LAST_FLAG = "ready"
# sizeof(PyUnicodeObject) is str's tp_basicsize (Objects/unicodeobject.c PyUnicode_Type).
UNICODE_OBJECT_SIZE = DATA_PTR_AT + 8

CODEC = {1: "latin-1", 2: "utf-16-le", 4: "utf-32-le"}

# (text, kind): one sample per storage kind.
SAMPLES = [("abc", 1), ("héllo", 1), ("日本", 2), ("😀x", 4)]
SAMPLE_IDS = ["ascii", "latin1", "ucs2", "ucs4"]

_counter = itertools.count()


def fresh(text: str) -> str:
    """A new, never-hashed, non-interned str equal to ``text`` (len(text) >= 2)."""
    s = text.encode("utf-8").decode("utf-8")
    assert s is not text or len(text) < 2
    return s


def unique(text: str) -> str:
    """A fresh str that starts with ``text`` and equals no other string in the process."""
    return fresh(f"{text}-{next(_counter)}-{id(object())}")


def expected_kind(s: str) -> int:
    """PyUnicode_1BYTE/2BYTE/4BYTE_KIND from the largest code point."""
    m = max(map(ord, s), default=0)
    return 1 if m < 0x100 else 2 if m < 0x10000 else 4


def encode_data(s: str, kind: int) -> bytes:
    """The canonical character buffer CPython keeps: kind-wide code units plus a NUL."""
    return s.encode(CODEC[kind], "surrogatepass") + b"\0" * kind


def c_state(s: str) -> dict[str, int]:
    """The state bit-fields from the unsigned int ctypes reads at offset 32. GCC on
    little-endian x86-64 allocates bit-fields from the least significant bit, in
    declaration order: interned:2, kind:3, compact:1, ascii:1, ready/statically_allocated:1.
    """
    w = u32(id(s) + STATE_AT)
    return {
        "interned": w & 3,
        "kind": (w >> 2) & 7,
        "compact": (w >> 5) & 1,
        "ascii": (w >> 6) & 1,
        LAST_FLAG: (w >> 7) & 1,
    }


def block_bytes(block: pyhood.Layout) -> bytes:
    """All bytes of a block, concatenated from its fields in address order."""
    return b"".join(f.raw for f in sorted(block.fields, key=lambda f: f.offset))


# PyUnicode_AsUTF8 fills a non-ASCII str's utf8 cache (Objects/unicodeobject.c); a private
# prototype so that ctypes.pythonapi's shared function object is left untouched.
_as_utf8 = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.py_object)(
    ("PyUnicode_AsUTF8", ctypes.pythonapi)
)


# ---------------------------------------------------------------------------------------
# str
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "kind"), SAMPLES, ids=SAMPLE_IDS)
def test_str_kind_and_flags(text, kind):
    """state.kind is 1, 2 or 4 after the largest code point, state.ascii says whether every
    code point is below 128, an exact str is compact, and every view agrees with the bits
    of the unsigned int ctypes reads at offset 32."""
    s = fresh(text)
    lay = pyhood.layout(s)
    assert expected_kind(s) == kind
    state = lay.field("state")
    assert state.offset == STATE_AT
    assert state.size == 4
    # The bit-fields occupy the low 8 bits; the anonymous `unsigned int :24` above them is
    # never initialised (Include/cpython/unicodeobject.h), so value shows the defined bits
    # while raw keeps all four bytes.
    assert state.value == u32(id(s) + STATE_AT) & 0xFF
    assert state.raw == mem(id(s) + STATE_AT, 4)
    assert lay.field("state.kind").value == kind
    assert bool(lay.field("state.ascii").value) is s.isascii()
    assert bool(lay.field("state.compact").value) is True
    assert lay.field("state.interned").value == 0
    for name, bit in c_state(s).items():
        assert int(lay.field(f"state.{name}").value) == bit, name
    if PY < (3, 12):
        # v3.10.13 / v3.11.7: "ready = 1" for every compact string.
        assert lay.field("state.ready").value
    else:
        assert not lay.field("state.statically_allocated").value


@pytest.mark.parametrize(("text", "kind"), SAMPLES, ids=SAMPLE_IDS)
def test_str_inline_data(text, kind):
    """A compact str's characters follow the struct (PyASCIIObject for ASCII,
    PyCompactUnicodeObject otherwise) as kind-wide code units ending in a NUL of that
    width: s.encode('latin-1' / 'utf-16-le' / 'utf-32-le') + NUL, as ctypes reads."""
    s = fresh(text)
    lay = pyhood.layout(s)
    data = lay.field("data")
    assert data.region == "data"
    assert data.offset == (ASCII_SIZE if s.isascii() else COMPACT_SIZE)
    assert data.size == (len(s) + 1) * kind
    assert data.raw == encode_data(s, kind)
    assert data.raw == mem(id(s) + data.offset, data.size)
    assert data.value == data.raw


@pytest.mark.parametrize(("text", "kind"), SAMPLES, ids=SAMPLE_IDS)
def test_str_length(text, kind):
    """length is len(s), the Py_ssize_t ctypes reads at offset 16."""
    s = fresh(text)
    f = pyhood.layout(s).field("length")
    assert f.offset == LENGTH_AT
    assert f.value == len(s) == sword(id(s) + LENGTH_AT)


@pytest.mark.parametrize(("text", "kind"), SAMPLES, ids=SAMPLE_IDS)
def test_str_size_matches_getsizeof(text, kind):
    """An exact str is not a GC object and, without a UTF-8 cache, its one allocation is
    sys.getsizeof(s) bytes from id(s)."""
    assert not str.__flags__ & TPFLAGS_HAVE_GC
    s = fresh(text)
    lay = pyhood.layout(s)
    assert lay.address == id(s)
    assert lay.start == 0
    assert lay.end - lay.start == sys.getsizeof(s)
    assert lay.field("ob_type").value == id(str) == word(id(s) + OB_TYPE_AT)


@pytest.mark.parametrize(("text", "kind"), SAMPLES, ids=SAMPLE_IDS)
def test_str_hash_cache(text, kind):
    """hash is -1 in a freshly built str and hash(s) once hash(s) has been called, as
    ctypes reads the Py_hash_t at offset 24."""
    s = unique(text)
    f = pyhood.layout(s).field("hash")
    assert f.offset == HASH_AT
    assert f.value == -1 == sword(id(s) + HASH_AT)
    h = hash(s)
    assert pyhood.layout(s).field("hash").value == h == sword(id(s) + HASH_AT)


@pytest.mark.parametrize(("text", "kind"), SAMPLES, ids=SAMPLE_IDS)
def test_str_interned_flag(text, kind):
    """state.interned is 0 for a new str and non-zero once sys.intern(s) has interned
    that very object, matching the low two bits ctypes reads at offset 32."""
    s = unique(text)
    assert pyhood.layout(s).field("state.interned").value == 0 == c_state(s)["interned"]
    assert sys.intern(s) is s
    lay = pyhood.layout(s)
    assert lay.field("state.interned").value == c_state(s)["interned"] != 0
    assert lay.field("hash").value == hash(s)


def test_str_ascii_utf8_is_the_data():
    """For a compact ASCII str, PyUnicode_AsUTF8 returns the inline character data itself:
    the address of pyhood's `data` field."""
    s = fresh("plain ascii text")
    lay = pyhood.layout(s)
    assert _as_utf8(s) == id(s) + lay.field("data").offset == id(s) + ASCII_SIZE
    assert "utf8" not in [b.name for b in lay.blocks]


@pytest.mark.parametrize(("text", "kind"), SAMPLES[1:], ids=SAMPLE_IDS[1:])
def test_str_utf8_cache(text, kind):
    """A non-ASCII str has no UTF-8 copy until PyUnicode_AsUTF8 makes one; then the utf8
    pointer (ctypes at its header offset) is the returned address, the "utf8" block holds
    s.encode('utf-8') + NUL, utf8_length is its length, and sys.getsizeof(s) counts it."""
    s = fresh(text)
    lay = pyhood.layout(s)
    assert lay.field("utf8").offset == UTF8_AT
    assert lay.field("utf8").value == 0 == word(id(s) + UTF8_AT)
    assert lay.field("utf8_length").value == 0 == sword(id(s) + UTF8_LENGTH_AT)
    assert "utf8" not in [b.name for b in lay.blocks]

    p = _as_utf8(s)
    assert p
    lay = pyhood.layout(s)
    encoded = s.encode("utf-8")
    assert lay.field("utf8").value == p == word(id(s) + UTF8_AT)
    assert lay.field("utf8_length").offset == UTF8_LENGTH_AT
    assert lay.field("utf8_length").value == len(encoded) == sword(id(s) + UTF8_LENGTH_AT)
    blk = lay.block("utf8")
    assert blk.address == p
    assert blk.end - blk.start == len(encoded) + 1
    assert block_bytes(blk) == encoded + b"\0" == mem(p, len(encoded) + 1)
    # str.__sizeof__ adds the UTF-8 buffer to the object (Objects/unicodeobject.c).
    assert sys.getsizeof(s) == (lay.end - lay.start) + (blk.end - blk.start)


class MyStr(str):
    pass


@pytest.mark.parametrize(("text", "kind"), SAMPLES, ids=SAMPLE_IDS)
def test_str_subclass_is_not_compact(text, kind):
    """An instance of a str subclass is a legacy (non-compact) string: state.compact is 0,
    its `data` field is the pointer ctypes reads at offsetof(PyUnicodeObject, data), and
    the "data" block there holds the kind-wide characters plus a NUL."""

    class Fresh(str):
        """A class with one instance: its shared keys still have usable slots."""

    s = Fresh(text)
    lay = pyhood.layout(s)
    assert c_state(s)["compact"] == 0
    assert not lay.field("state.compact").value
    assert lay.field("state.kind").value == kind == c_state(s)["kind"]
    assert lay.field("length").value == len(s)
    ptr = lay.field("data")
    assert ptr.offset == DATA_PTR_AT
    assert ptr.region == "body"
    assert ptr.value == word(id(s) + DATA_PTR_AT) != 0
    blk = lay.block("data")
    assert blk.address == ptr.value
    assert blk.end - blk.start == (len(text) + 1) * kind
    assert block_bytes(blk) == encode_data(text, kind) == mem(ptr.value, blk.end - blk.start)
    if Fresh.__flags__ & (1 << 2):  # Py_TPFLAGS_INLINE_VALUES (object.h v3.14.10)
        # 3.14: the instance's values follow tp_basicsize (_PyObject_InlineValues, v3.14.10);
        # capacity is their first byte. _PyType_AllocNoTrack (Objects/typeobject.c v3.14.10)
        # sized them (_PyInlineValuesSize, pycore_dict.h) for the class's shared keys before
        # _PyObject_InitInlineValues took one usable slot: capacity + 1 values.
        size = mem(id(s) + Fresh.__basicsize__, 1)[0] + 1
        inline = (size + 7) // 8 * 8 + (size + 1) * 8
        assert lay.end == Fresh.__basicsize__ + inline
    else:
        assert lay.end == Fresh.__basicsize__
    assert str.__basicsize__ == UNICODE_OBJECT_SIZE


def test_str_subclass_ascii_shares_utf8():
    """An ASCII str-subclass instance shares its character buffer as its UTF-8 form
    ("utf8 is shared and utf8_length = length with data.any if ascii = 1", unicodeobject.h):
    the utf8 and data pointers are equal and both blocks hold s.encode() + NUL."""
    s = MyStr("shared ascii")
    lay = pyhood.layout(s)
    assert lay.field("utf8").value == lay.field("data").value == word(id(s) + UTF8_AT)
    assert word(id(s) + UTF8_AT) == word(id(s) + DATA_PTR_AT)
    assert lay.field("utf8_length").value == len(s) == sword(id(s) + UTF8_LENGTH_AT)
    expected = str(s).encode() + b"\0"
    assert block_bytes(lay.block("utf8")) == expected
    assert block_bytes(lay.block("data")) == expected


@settings(max_examples=100, deadline=None, database=None)
@given(st.text(max_size=40))
def test_str_property(s):
    """For any str: state.kind follows the largest code point, state.ascii follows
    str.isascii, length is len(s), the inline data decodes back to s, and the allocation
    plus any UTF-8 cache is sys.getsizeof(s)."""
    lay = pyhood.layout(s)
    kind = expected_kind(s)
    assert lay.field("state.kind").value == kind == c_state(s)["kind"]
    assert bool(lay.field("state.ascii").value) is s.isascii()
    assert lay.field("length").value == len(s)
    raw = lay.field("data").raw
    assert raw[-kind:] == b"\0" * kind
    assert raw[:-kind].decode(CODEC[kind], "surrogatepass") == s
    assert raw == encode_data(s, kind)
    utf8 = sum(b.end - b.start for b in lay.blocks if b.name == "utf8")
    assert (lay.end - lay.start) + utf8 == sys.getsizeof(s)


def test_peek_str_matches_ctypes():
    """peek(s) returns the str's allocation, sys.getsizeof(s) bytes from id(s), as ctypes
    reads them (compared past the refcount word)."""
    s = fresh("日本語のテキスト")
    n = sys.getsizeof(s)
    whole = pyhood.peek(s)
    assert len(whole) == n
    assert whole[8:] == mem(id(s) + 8, n - 8)
    assert pyhood.peek(s, STATE_AT, 4) == mem(id(s) + STATE_AT, 4)
    assert pyhood.peek(s, COMPACT_SIZE) == s.encode("utf-16-le") + b"\0\0"


# ---------------------------------------------------------------------------------------
# bytes
# ---------------------------------------------------------------------------------------
# Include/cpython/bytesobject.h v3.10.13 / v3.11.7 / v3.12.1 / v3.13.0:
#   typedef struct { PyObject_VAR_HEAD; Py_hash_t ob_shash; char ob_sval[1]; } PyBytesObject;
#   -> ob_size 16, ob_shash 24, ob_sval 32; "ob_sval contains space for 'ob_size+1'
#   elements. ob_sval[ob_size] == 0."
OB_SHASH_AT = 24
OB_SVAL_AT = 32

BYTES = [b"", b"\x00", b"xyz", b"a\x00b\x00", bytes(range(256))]


def fresh_bytes(b: bytes) -> bytes:
    """A new, never-hashed bytes object equal to ``b`` (len(b) >= 2)."""
    out = bytes(bytearray(b))
    assert out is not b or len(b) < 2
    return out


@pytest.mark.parametrize("b", BYTES, ids=lambda b: f"len{len(b)}")
def test_bytes_layout(b):
    """ob_size is len(b), ob_sval is b plus its terminating NUL, both as ctypes reads them
    at their header offsets; a bytes object is not GC and ends at sys.getsizeof(b) ==
    bytes.__basicsize__ + len(b)."""
    assert not bytes.__flags__ & TPFLAGS_HAVE_GC
    lay = pyhood.layout(b)
    assert lay.address == id(b)
    size = lay.field("ob_size")
    assert size.offset == OB_SIZE_AT
    assert size.value == len(b) == sword(id(b) + OB_SIZE_AT)
    sval = lay.field("ob_sval")
    assert sval.offset == OB_SVAL_AT
    assert sval.region == "data"
    assert sval.value == sval.raw == b + b"\0" == mem(id(b) + OB_SVAL_AT, len(b) + 1)
    assert lay.start == 0
    assert lay.end - lay.start == sys.getsizeof(b) == bytes.__basicsize__ + len(b)
    assert lay.field("ob_type").value == id(bytes) == word(id(b) + OB_TYPE_AT)


@pytest.mark.parametrize("b", BYTES[2:], ids=lambda b: f"len{len(b)}")
def test_bytes_hash_cache(b):
    """ob_shash is -1 in a new bytes object and hash(b) after hashing. The field has been
    Py_DEPRECATED(3.11) for C readers (Include/cpython/bytesobject.h v3.11.7), but
    bytes_hash in Objects/bytesobject.c still stores the hash there on 3.10 to 3.13: the
    ctypes read at offset 24 shows it."""
    b = fresh_bytes(b)
    f = pyhood.layout(b).field("ob_shash")
    assert f.offset == OB_SHASH_AT
    assert f.value == -1 == sword(id(b) + OB_SHASH_AT)
    h = hash(b)
    assert sword(id(b) + OB_SHASH_AT) == h
    assert pyhood.layout(b).field("ob_shash").value == h


def test_peek_bytes_matches_ctypes():
    """peek(b) returns the bytes object's allocation, sys.getsizeof(b) bytes from id(b),
    and peek(b, 32) is b + NUL."""
    b = fresh_bytes(b"some bytes \x00\xff")
    n = sys.getsizeof(b)
    whole = pyhood.peek(b)
    assert len(whole) == n
    assert whole[8:] == mem(id(b) + 8, n - 8)
    assert pyhood.peek(b, OB_SVAL_AT) == b + b"\0"


# ---------------------------------------------------------------------------------------
# bytearray
# ---------------------------------------------------------------------------------------
# Include/cpython/bytearrayobject.h v3.10.13–v3.15.2: PyByteArrayObject { PyObject_VAR_HEAD;
#   Py_ssize_t ob_alloc; char *ob_bytes; char *ob_start; Py_ssize_t ob_exports;
#   (3.15:) PyObject *ob_bytes_object; } -> ob_alloc 24, ob_bytes 32, ob_start 40,
#   ob_exports 48, ob_bytes_object 56.
BA_ALLOC_AT, BA_BYTES_AT, BA_START_AT, BA_EXPORTS_AT = 24, 32, 40, 48


def buffer_size(alloc: int) -> int:
    """What ``sys.getsizeof`` adds to ``bytearray.__basicsize__`` for an ``ob_alloc``-byte
    buffer: the buffer itself up to 3.14; from 3.15 the bytes object holding it
    (``bytes.__basicsize__ + ob_alloc``), or nothing while there is none."""
    if PY >= (3, 15):
        return bytes.__basicsize__ + alloc if alloc else 0
    return alloc


@pytest.mark.parametrize("n", [0, 1, 100, 5000, 300_000])
def test_bytearray_fields_and_buffer(n):
    """A bytearray's header fields are what ctypes reads at their offsets; its buffer is
    what ``sys.getsizeof`` adds to ``bytearray.__basicsize__``, and holds the data from
    ``ob_start`` followed by the trailing NUL (``PyByteArray_Resize``). From 3.15 the buffer
    is a bytes object, shown like any bytes: its first ``max_items`` bytes."""
    ba = bytearray(bytes(range(256)) * (n // 256) + b"x" * (n % 256))
    lay = pyhood.layout(ba, max_items=16)
    value = {f.name: f.value for f in lay.fields}
    assert value["ob_size"] == len(ba) == sword(id(ba) + OB_SIZE_AT)
    assert value["ob_alloc"] == sword(id(ba) + BA_ALLOC_AT)
    assert sys.getsizeof(ba) - bytearray.__basicsize__ == buffer_size(value["ob_alloc"])
    assert value["ob_bytes"] == word(id(ba) + BA_BYTES_AT)
    assert value["ob_start"] == word(id(ba) + BA_START_AT)
    assert value["ob_exports"] == 0
    assert lay.end - lay.start == bytearray.__basicsize__
    if n == 0 and value["ob_alloc"] == 0:
        return
    if PY >= (3, 15):
        block = lay.block("ob_bytes_object")
        assert block.type_name == "bytes"
        assert block.field("ob_size").value == value["ob_alloc"]
        assert value["ob_bytes"] == block.address + block.field("ob_sval").offset
        # A bytes object shows its first max_items bytes (16); the rest are not read.
        data = block.field("ob_sval").raw
        assert len(data) == min(16, value["ob_alloc"] + 1)
        assert data == mem(value["ob_bytes"], len(data))
        lead = value["ob_start"] - value["ob_bytes"]
        assert data[lead:] == (bytes(ba) + b"\0")[: len(data) - lead]
        return
    block = lay.block("ob_bytes")
    assert block.address == value["ob_bytes"]
    assert block.end - block.start == value["ob_alloc"]
    data = b"".join(f.raw for f in sorted(block.fields, key=lambda f: f.offset))
    lead = value["ob_start"] - value["ob_bytes"]
    assert data[lead : lead + n] == bytes(ba) == mem(value["ob_start"], n)
    assert data[lead + n] == 0


def test_bytearray_front_deletion_moves_ob_start():
    """Deleting from the front of a bytearray moves ``ob_start`` instead of the data
    (Objects/bytearrayobject.c ``bytearray_setslice_linear``): the layout shows the
    skipped bytes before ``ob_start`` and the data after them, as ctypes reads them."""
    ba = bytearray(b"0123456789" * 100)
    before = pyhood.layout(ba).field("ob_start").value
    del ba[:10]
    lay = pyhood.layout(ba)
    start, bytes_at = lay.field("ob_start").value, lay.field("ob_bytes").value
    assert start == word(id(ba) + BA_START_AT)
    assert start - bytes_at == 10 and bytes_at == before
    assert mem(start, len(ba)) == bytes(ba)
    if PY < (3, 15):
        skipped = lay.block("ob_bytes").field("(before ob_start)")
        assert (skipped.offset, skipped.size) == (0, 10)
        assert lay.block("ob_bytes").field("data").raw == bytes(ba)


@pytest.mark.parametrize("n", [3, 200, 5000, 300_000])
def test_bytearray_footprint_counts_its_buffer(n):
    """``footprint`` counts a bytearray's buffer: up to 3.14 it is its own block of
    ``ob_alloc`` bytes, so the requested total is ``sys.getsizeof`` (``__basicsize__ +
    ob_alloc``); from 3.15 it is a bytes object of ``ob_alloc`` bytes, whose own size is
    ``bytes.__basicsize__ + ob_alloc``. Each block is where the layout says, and as large
    as the allocator's own header (pool header, malloc_usable_size) says."""
    ba = bytearray(n)
    fp = pyhood.footprint(ba)
    names = [a.name for a in fp.allocations]
    alloc = sword(id(ba) + BA_ALLOC_AT)
    if PY >= (3, 15):
        assert names == ["object", "ob_bytes_object"]
        assert fp.allocations[1].requested == bytes.__basicsize__ + alloc
    else:
        assert names == ["object", "ob_bytes"]
        assert fp.allocations[1].block.block_address == word(id(ba) + BA_BYTES_AT)
    assert fp.requested == sys.getsizeof(ba) == bytearray.__basicsize__ + buffer_size(alloc)
    for a in fp.allocations:
        assert (a.block.domain, a.allocated) == allocator_block(a.block.block_address, a.requested)
    assert fp.getsizeof == sys.getsizeof(ba)
