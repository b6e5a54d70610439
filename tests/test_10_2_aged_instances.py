"""Guide §10.2, instances older than their class's shared keys.

From 3.11 an instance of a plain class keeps its attributes in a values array sized for its
class's cached (shared) keys *at the moment the instance was made*: ``init_inline_values``
(Objects/dictobject.c v3.11.7/v3.12.1) decrements the keys' ``dk_usable`` for every new
instance (while above 1) and allocates ``new_values(size)`` with ``size =
shared_keys_usable_size(keys)``: ``prefix_size = _Py_SIZE_ROUND_UP(size + 2, 8)`` bytes of
prefix, whose last byte (``values[-1]`` as bytes) records ``prefix_size``, then ``size``
pointers. The class's first instance therefore has a 264-byte array for 3 attributes
(prefix 32 + 29 slots) while its hundredth has a 40-byte one. The values pointer is in the
pre-header: 3.11 ``_PyObject_ValuesPointer`` is the word at ``obj - 4*8`` (the dict at
``obj - 3*8``, Include/internal/pycore_object.h v3.11.7); 3.12 ``_PyObject_DictOrValuesPointer``
is the word at ``obj - 3*8``: the values pointer minus 1 when its low bit is set
(``_PyDictOrValues_GetValues`` adds the 1 back, v3.12.1).

From 3.13 the values live inside the object (``_PyObject_InlineValues``: at
``obj + tp_basicsize``), and ``_PyType_AllocNoTrack`` (Objects/typeobject.c v3.13.0) sizes
the object with ``_PyInlineValuesSize`` — ``round_up(size, 8) + (size + 1) * 8`` for the
keys' usable size *before* ``_PyObject_InitInlineValues`` decrements it — so the
``capacity`` byte (``struct _dictvalues``, Include/internal/pycore_dict.h) is ``size`` or
``size - 1``.

None of this may be read from the class's state today: the array's (or object's) real size
is proven by its own prefix or capacity byte and by its pymalloc pool header (with the debug
hooks' 24 bytes under ``PYTHONMALLOC=pymalloc_debug``). Without pymalloc a malloc chunk states
its size too, but glibc may hand out a chunk up to 31 bytes larger than asked for, so it
cannot pin a request down: those proofs then skip.
"""

from __future__ import annotations

import sys

import pyhood
import pytest
from conftest import (
    DEBUG_PAD,
    PY,
    allocator_block,
    assert_tiles,
    skip_unless_pymalloc,
    u8,
    word,
)

pytestmark = pytest.mark.skipif(PY < (3, 11), reason="shared-keys values arrays from 3.11")


def round_up(n: int, k: int) -> int:
    return -(-n // k) * k


def block_size(addr: int, requested: int) -> int:
    """The allocator's block size: the pool header for pymalloc requests (<= 512 bytes),
    ``malloc_usable_size`` otherwise (conftest's ``allocator_block``)."""
    size = allocator_block(addr, requested)[1]
    assert size is not None, f"no pool header describes the block at {addr:#x}"
    return size


def pymalloc_block(request: int) -> int:
    """The pymalloc block a request of ``request`` bytes gets: its size class, with the
    debug hooks' bytes when they are on."""
    return round_up(request + DEBUG_PAD, 16)


def values_pointer(obj) -> int | None:
    """The instance's values array, read with ctypes from the pre-header (None when the
    instance has a materialised dict instead)."""
    if PY == (3, 11):
        return word(id(obj) - 32) or None
    dorv = word(id(obj) - 24)
    return dorv + 1 if dorv & 1 else None


class Point:
    def __init__(self):
        self.x, self.y, self.z = 1, 2, 3


def scenario(name: str):
    """(first instance, latest instance) of a fresh class after ``name`` happened."""
    cls = type("P", (Point,), {})
    first = cls()
    if name == "young":
        return first, first
    later = [cls() for _ in range(150)]
    last = later[-1]
    if name == "new attribute on first":
        first.w = 4
    elif name == "new attribute on last":
        last.w = 4
    elif name == "unshared":
        for i in range(40):
            setattr(first, f"a{i}", i)
            setattr(last, f"a{i}", i)
    elif name == "dict materialised":
        assert first.__dict__["x"] == 1 and last.__dict__["x"] == 1
    first.later = later  # kept alive with the object under test
    return first, last


SCENARIOS = [
    "young",
    "keys shrunk",
    "new attribute on first",
    "new attribute on last",
    "unshared",
    "dict materialised",
]


@pytest.fixture(
    params=[(s, who) for s in SCENARIOS for who in ("first", "last")],
    ids=lambda p: f"{p[0].replace(' ', '-')}-{p[1]}",
)
def instance(request, gc_disabled):
    name, who = request.param
    first, last = scenario(name)
    if name == "keys shrunk" and PY < (3, 13):
        # the premise: the class's first instance has the bigger array (pool headers)
        fv, lv = values_pointer(first), values_pointer(last)
        # (A prefix, at most 32 bytes, stands for the request: under 512 bytes either way.)
        assert block_size(fv - u8(fv - 1), 32) > block_size(lv - u8(lv - 1), 32)
    return first if who == "first" else last


def test_footprint_is_the_allocators_blocks(instance):
    """``footprint`` answers for an aged instance, and every allocation it lists has the
    block size its pool header (or ``malloc_usable_size``) states; the object's own
    allocation is ``sys.getsizeof`` bytes (3.11/3.12: pre-header, GC head and body)."""
    fp = pyhood.footprint(instance)
    for alloc in fp.allocations:
        assert alloc.allocated == block_size(alloc.block.block_address, alloc.requested)
    if PY < (3, 13):
        assert fp.allocations[0].requested == sys.getsizeof(instance)


def test_layout_spans_the_allocation(instance):
    """``layout`` spans the bytes requested for the object, and its fields tile it."""
    lay = pyhood.layout(instance)
    info = pyhood.block_info(instance)
    assert lay.end - lay.start == info.requested
    assert_tiles(lay)
    for block in lay.blocks:
        assert_tiles(block)


@pytest.mark.skipif(PY >= (3, 13), reason="values are inline from 3.13")
def test_values_array_is_sized_by_its_own_prefix_and_block(instance):
    """The values array (pointer read from the pre-header with ctypes) starts ``prefix``
    bytes before the pointer — the prefix byte at ``values[-1]`` says how many — and is
    ``prefix + 8*size`` bytes for a ``size`` with ``round_up(size + 2, 8) == prefix`` whose
    request the pool header's size class serves. footprint's allocation and layout's block
    for it are exactly that size, and the block's slots are the words ctypes reads."""
    values = values_pointer(instance)
    if values is None:
        pytest.skip("the instance has a materialised dict: no values array of its own")
    skip_unless_pymalloc("and a malloc chunk does not pin the request down")
    prefix = u8(values - 1)
    start = values - prefix
    real_block = block_size(start, prefix)
    sizes = [
        prefix + 8 * n
        for n in range(256)
        if round_up(n + 2, 8) == prefix and pymalloc_block(prefix + 8 * n) == real_block
    ]
    assert sizes, (prefix, real_block)
    fp = pyhood.footprint(instance)
    (alloc,) = [a for a in fp.allocations if a.block.block_address == start]
    assert alloc.allocated == real_block
    assert alloc.requested in sizes
    if len(sizes) == 1:
        assert alloc.requested == sizes[0]
    lay = pyhood.layout(instance)
    (block,) = [b for b in lay.blocks if b.address + b.start == start]
    assert block.end - block.start == alloc.requested
    for f in block.fields:
        if block.address + f.offset >= values and f.size == 8 and f.bits is None:
            assert f.value == word(block.address + f.offset), f.name


@pytest.mark.skipif(PY < (3, 13), reason="inline values from 3.13")
def test_inline_values_size_the_object(instance):
    """3.13+: the object is ``preheader + tp_basicsize + round_up(s, 8) + (s + 1)*8`` bytes
    for the usable size ``s`` its values were made for: its ``capacity`` byte (ctypes, at
    ``obj + tp_basicsize``) or one more; the pool header's size class picks which."""
    skip_unless_pymalloc("and a malloc chunk does not pin the request down")
    tp = type(instance)
    capacity = u8(id(instance) + tp.__basicsize__)
    info = pyhood.block_info(instance)
    pre = id(instance) - info.block_address
    real_block = block_size(info.block_address, info.requested)
    sizes = {
        pre + tp.__basicsize__ + round_up(s, 8) + (s + 1) * 8
        for s in (capacity, capacity + 1)
        if pymalloc_block(pre + tp.__basicsize__ + round_up(s, 8) + (s + 1) * 8) == real_block
    }
    assert sizes, (capacity, real_block)
    assert info.requested in sizes
    if len(sizes) == 1:
        assert info.requested == sizes.pop()
    assert info.block_size == real_block


def test_every_age_of_instance_is_measured(gc_disabled):
    """Each new instance of a class gets a values array one slot smaller than the one
    before (while the keys have usable slots left), so a run of instances covers every
    prefix and block size in turn: ``footprint`` answers for each of them, under every
    allocator configuration (its debug hooks' bytes included), and every allocation it
    lists has the block size its pool header or malloc chunk states."""
    cls = type("P", (Point,), {})
    instances = [cls() for _ in range(40)]
    for obj in instances:
        fp = pyhood.footprint(obj)
        for alloc in fp.allocations:
            assert alloc.allocated == block_size(alloc.block.block_address, alloc.requested)
