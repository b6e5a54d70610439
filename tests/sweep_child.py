"""The child half of test_sweep.py: run as ``python sweep_child.py`` in a fresh interpreter.

It walks every object ``gc.get_objects()`` returns, everything those objects refer to, and a
``keep`` list of unusual objects, and checks what pyhood says about each against readings
independent of pyhood. It prints one JSON document: the object count and, per check, the
number of failures and the first 20 of them (type name and message).

The independent readings, with their sources:

- pymalloc pool headers (``struct pool_header``, ``Objects/obmalloc.c`` v3.10.13/v3.11.7,
  ``Include/internal/pycore_obmalloc.h`` v3.12.1/v3.13.0): ``szidx`` (uint) at +36 and
  ``maxnextoffset`` (uint) at +44 of the pool, which starts at ``block & ~(POOL_SIZE - 1)``
  with ``POOL_SIZE`` = 16 KiB (``POOL_BITS`` 14 with ``USE_LARGE_POOLS``, on by default on
  64-bit builds with the radix tree, 3.10+). The block size of the pool's size class is
  ``(szidx + 1) * ALIGNMENT`` with ``ALIGNMENT`` 16 (``ALIGNMENT_SHIFT`` 4 on 64-bit). The
  header proves itself: ``init_pool`` sets ``maxnextoffset = POOL_SIZE - size``, and blocks
  sit at ``POOL_OVERHEAD`` (48) + k * size.
- the C library's ``malloc_usable_size`` for blocks of more than ``SMALL_REQUEST_THRESHOLD``
  (512) bytes, or every block when ``PYTHONMALLOC=malloc``.
- ``/proc/self/maps`` for static objects: they live in a file-backed mapping.
- ctypes reads of ``ob_size`` (``PyVarObject``, +16) and ``len()``.
"""

from __future__ import annotations

import array
import asyncio
import bisect
import collections
import ctypes
import decimal
import functools
import gc
import io
import json
import os
import sys
import time
import types
import weakref

import pyhood

PY = sys.version_info[:2]
MALLOC_ONLY = os.environ.get("PYTHONMALLOC") == "malloc"
POOL_SIZE = 1 << 14
ALIGNMENT = 16
POOL_OVERHEAD = 48
SMALL_REQUEST_THRESHOLD = 512
HEAPTYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE, Include/object.h

libc = ctypes.CDLL(None)
libc.malloc_usable_size.argtypes = [ctypes.c_void_p]
libc.malloc_usable_size.restype = ctypes.c_size_t


def u32(addr):
    return ctypes.c_uint32.from_address(addr).value


def pool_block_size(block):
    """The block size the pool header of ``block`` states, or None if no pool header of a
    pool holding ``block`` sits there (the header does not describe itself consistently)."""
    pool = block & ~(POOL_SIZE - 1)
    szidx = u32(pool + 36)
    size = (szidx + 1) * ALIGNMENT
    if szidx >= SMALL_REQUEST_THRESHOLD // ALIGNMENT or u32(pool + 44) + size != POOL_SIZE:
        return None
    off = block - pool
    if off < POOL_OVERHEAD or (off - POOL_OVERHEAD) % size:
        return None
    return size


MAPPINGS = []  # (start, end, path) of /proc/self/maps, sorted


def mapping_of(addr):
    """The mapping holding ``addr`` and the one before it: (start, end, path), path "" if
    anonymous; (None, None) if no mapping holds it."""
    for attempt in range(2):
        i = bisect.bisect_right(MAPPINGS, (addr, float("inf"), "")) - 1
        if i >= 0 and MAPPINGS[i][0] <= addr < MAPPINGS[i][1]:
            return MAPPINGS[i], MAPPINGS[i - 1] if i else None
        if attempt == 0:  # the process has mapped more memory since: read the maps again
            MAPPINGS.clear()
            with open("/proc/self/maps") as maps:
                for line in maps:
                    parts = line.split()
                    lo, hi = (int(x, 16) for x in parts[0].split("-"))
                    MAPPINGS.append((lo, hi, parts[5] if len(parts) >= 6 else ""))
            MAPPINGS.sort()
    return None, None


def is_static(addr):
    """In the interpreter's or an extension module's image: a file-backed mapping, or the
    anonymous mapping right after one (its .bss)."""
    m, before = mapping_of(addr)
    if m is None:
        return False
    if m[2].startswith("/"):
        return True
    return m[2] == "" and before is not None and before[1] == m[0] and before[2].startswith("/")


def independent_block_size(alloc):
    """The allocator's own word on the allocation's block size, and how it was read.

    pymalloc holds a block iff the block is at most 512 bytes and sits in a pool whose
    header describes it (a block realloc'ed down from malloc stays with malloc:
    ``_PyObject_Realloc`` hands a pointer pymalloc does not own to ``PyMem_RawRealloc``);
    the brk heap ("[heap]") is malloc's alone (pymalloc's arenas are mmap'ed)."""
    block = alloc.block
    addr = block.block_address
    pymalloc_size = None
    if not MALLOC_ONLY and alloc.requested <= SMALL_REQUEST_THRESHOLD:
        m, _ = mapping_of(addr)
        pool = addr & ~(POOL_SIZE - 1)
        if m is not None and m[2] != "[heap]" and m[0] <= pool:
            pymalloc_size = pool_block_size(addr)
    if pymalloc_size is not None:
        if block.domain != "pymalloc":
            return None, f"domain {block.domain} for a block in a pymalloc pool"
        return pymalloc_size, "pool header"
    if block.domain != "malloc":
        return None, f"domain {block.domain} for a block outside every pymalloc pool"
    return libc.malloc_usable_size(addr), "malloc_usable_size"


# --- which types have ob_size -------------------------------------------------------------
GEN_TYPES = tuple(
    t
    for t in (types.GeneratorType, types.CoroutineType, types.AsyncGeneratorType)
    if isinstance(t, type)
)
#: Types whose C struct begins with PyObject_VAR_HEAD although tp_itemsize is 0:
#: PyListObject (Include/cpython/listobject.h), PyByteArrayObject
#: (Include/cpython/bytearrayobject.h), arrayobject (Modules/arraymodule.c), dequeobject
#: (Modules/_collectionsmodule.c).
VAR_WITHOUT_ITEMSIZE = (list, bytearray, array.array, collections.deque)
#: Types whose C struct begins with a plain PyObject_HEAD: PyDictObject, PySetObject,
#: PyFloatObject, PyComplexObject, PyASCIIObject, PyFunctionObject, PyModuleObject,
#: PyCellObject, PyMethodObject, PyCFunctionObject, PyWeakReference, slice, range,
#: property, staticmethod/classmethod, PyBaseExceptionObject, decimal's PyDecObject,
#: functools' partialobject, _PyNamespaceObject.
PLAIN_HEAD = (
    dict,
    set,
    frozenset,
    float,
    complex,
    str,
    types.FunctionType,
    types.ModuleType,
    types.CellType,
    types.MethodType,
    types.BuiltinFunctionType,
    slice,
    range,
    property,
    staticmethod,
    classmethod,
    BaseException,
    decimal.Decimal,
    functools.partial,
    types.SimpleNamespace,
    weakref.ref,
    type(None),
)


def expect_ob_size(t):
    """Whether type ``t``'s C struct has ``ob_size`` (True/False), or None when this rule
    cannot tell (an extension type with tp_itemsize 0 not listed above).

    - 3.12+ ``int``: ``struct _PyLongValue { uintptr_t lv_tag; digit ob_digit[1]; }``
      after a plain PyObject_HEAD (Include/cpython/longintrepr.h v3.12.1), itemsize 4.
    - 3.11+ generators, coroutines, async generators: ``_PyGenObject_HEAD`` starts with
      PyObject_HEAD and ends with the embedded ``_PyInterpreterFrame``
      (Include/cpython/genobject.h v3.11.7–v3.13.0), itemsize sizeof(PyObject *).
    - 3.11+ ``frame``: ``struct _frame`` starts with PyObject_HEAD, ``_f_frame_data`` trails
      (Include/internal/pycore_frame.h v3.11.7+), itemsize sizeof(PyObject *).
    - otherwise a nonzero tp_itemsize means a PyVarObject (tuple, bytes, int before 3.12,
      type, code 3.11+, memoryview, re.Pattern/re.Match, struct sequences, …).
    """
    if PY >= (3, 12) and issubclass(t, int):
        return False
    if PY >= (3, 11) and (issubclass(t, GEN_TYPES) or issubclass(t, types.FrameType)):
        return False
    if t.__itemsize__:
        return True
    if issubclass(t, VAR_WITHOUT_ITEMSIZE):
        return True
    if issubclass(t, PLAIN_HEAD):
        return False
    if t.__flags__ & HEAPTYPE and all(b.__itemsize__ == 0 for b in t.__mro__):
        # A class statement over object (or over a plain-head base): PyObject_HEAD.
        solid = [b for b in t.__mro__ if not b.__flags__ & HEAPTYPE]
        if solid and solid[0] is object:
            return False
    return None


# --- the unusual objects ------------------------------------------------------------------
class Slotted:
    __slots__ = ("a", "b")


class Aged:
    def __init__(self):
        self.x, self.y, self.z = 1, 2, 3


def gen():
    yield 1
    yield 2


async def coro():
    await asyncio.sleep(0)


async def agen():
    yield 1


def running_generator():
    """A generator inspected from inside its own body, while it runs."""

    def g():
        try:
            check(me)
        except Exception as e:
            fail("raises", me, f"while running: {type(e).__name__}: {e}"[:300])
        yield

    me = g()
    next(me)
    return me


def made_states(factory, step, close):
    created = factory()
    suspended = factory()
    step(suspended)
    closed = factory()
    step(closed)
    close(closed)
    return [created, suspended, closed]


def _next(g):
    next(g)


def _send(c):
    try:
        c.send(None)
    except StopIteration:
        pass


def _asend(a):
    try:
        a.asend(None).send(None)
    except StopIteration:
        pass


def walk(keep):
    seen, objects = set(), []
    for o in [*gc.get_objects(), keep, *keep]:
        for x in [o, *gc.get_referents(o)]:
            if id(x) not in seen:
                seen.add(id(x))
                objects.append(x)
    return objects


failures = collections.defaultdict(list)
failing_types = collections.defaultdict(collections.Counter)


def fail(check, x, message):
    name = f"{type(x).__module__}.{type(x).__qualname__}"
    failures[check].append(f"{name}: {message}")
    failing_types[check][name] += 1


def check_tiles(x, lay, where):
    cursor = lay.start
    for f in sorted((f for f in lay.fields if f.bits is None), key=lambda f: f.offset):
        if f.offset != cursor or f.size <= 0:
            fail("tiles", x, f"{where}{f.name} at {f.offset} size {f.size}, expected {cursor}")
            return
        cursor = f.offset + f.size
    if cursor != lay.end:
        fail("tiles", x, f"{where}fields end at {cursor}, layout at {lay.end}")


def check_padding(x, lay, where):
    """Padding only where alignment proves it: the fewest bytes that bring the offset to
    the next field's alignment (a scalar of 1, 2, 4 or 8 bytes is aligned to its size; an
    array, a struct or the end of the allocation to at most a word). So never 8 bytes or
    more, and none at all before a char."""
    fields = sorted((f for f in lay.fields if f.bits is None), key=lambda f: f.offset)
    for i, f in enumerate(fields):
        if f.region != "padding" and f.name != "(padding)":
            continue
        nxt = fields[i + 1] if i + 1 < len(fields) else None
        scalar = nxt is not None and nxt.size in (1, 2, 4, 8) and not nxt.ctype.endswith("]")
        align = nxt.size if scalar else 8
        if f.offset + f.size != -(-f.offset // align) * align:
            after = f"{nxt.size}-byte {nxt.name}" if nxt is not None else "the end"
            fail("padding", x, f"{where}{f.size} bytes of padding at {f.offset} before {after}")


def check(x):
    try:
        lay = pyhood.layout(x, max_items=8)
        info = pyhood.block_info(x)
        fp = pyhood.footprint(x)
    except Exception as e:
        fail("raises", x, f"{type(e).__name__}: {e}"[:300])
        return
    check_tiles(x, lay, "")
    check_padding(x, lay, "")
    for block in lay.blocks:
        check_tiles(x, block, f"block {block.name}: ")
        check_padding(x, block, f"block {block.name}: ")
    if info.domain == "static":
        if not is_static(id(x)):
            fail("static", x, f"{x!r:.80} static at {id(x):#x}, outside the images")
    elif info.requested != lay.end - lay.start:
        fail("extent", x, f"requested {info.requested}, layout [{lay.start}, {lay.end})")
    for alloc in fp.allocations:
        if alloc.block.domain == "static":
            continue
        size, how = independent_block_size(alloc)
        if size != alloc.allocated or alloc.block.block_size != alloc.allocated:
            fail(
                "block size",
                x,
                f"{alloc.name}: footprint says {alloc.allocated} "
                f"(block_size {alloc.block.block_size}), {how} says {size}",
            )
        elif alloc.requested > alloc.allocated:
            fail("fits", x, f"{alloc.name}: {alloc.requested} requested > {size}-byte block")
        elif (
            how == "pool header"
            and alloc is fp.allocations[0]
            and type(x).__itemsize__ == 0
            and not isinstance(x, str)
            and -(-alloc.requested // ALIGNMENT) * ALIGNMENT != size
        ):
            # pymalloc serves a request of n bytes from the class round_up(n, 16), and an
            # object of a fixed-size type is never reallocated (str, with tp_itemsize 0
            # but a variable size, is: resize_compact, Objects/unicodeobject.c).
            fail("fits", x, f"{alloc.requested} bytes requested, served by a {size}-byte block")
    if fp.allocations and fp.allocations[0].block.block_address != info.block_address:
        fail("block size", x, "footprint's object allocation is not block_info's block")
    expected = expect_ob_size(type(x))
    size = pyhood.header(x).size
    if expected is not None and (size is not None) != expected:
        fail("ob_size", x, f"header().size is {size}, C struct has ob_size: {expected}")
    if expected and size != ctypes.c_ssize_t.from_address(id(x) + 16).value:
        fail("ob_size", x, f"header().size {size} is not the word at +16")
    if type(x) in (list, tuple, bytes, bytearray) or isinstance(x, tuple):
        if ctypes.c_ssize_t.from_address(id(x) + 16).value != len(x):
            fail("ob_size", x, "ob_size at +16 is not len()")


def make_keep():
    """Objects the start-up heap may lack, each in the state that makes it unusual."""
    finished = gen()
    list(finished)
    aged = [Aged() for _ in range(200)]
    aged[-1].extra = 4
    shrunk = list(range(1000))
    del shrunk[10:]
    try:
        raise ValueError("kept")
    except ValueError as exc:
        with_tb = exc
    hostname = open("/etc/hostname")
    return [
        *made_states(gen, _next, lambda g: g.close()),
        *made_states(coro, _send, lambda c: c.close()),
        *made_states(agen, _asend, lambda a: a.aclose().close()),
        finished,
        running_generator(),
        aged,
        shrunk,
        os.stat("/"),
        sys.flags,
        time.localtime(),
        hostname,
        hostname.buffer,
        hostname.buffer.raw,
        io.BytesIO(b"abc"),
        io.StringIO("abc"),
        array.array("d", [1.0, 2.0]),
        memoryview(b"abcdef")[1:],
        functools.partial(print, 1),
        collections.deque(range(100)),
        collections.OrderedDict(a=1),
        decimal.Decimal("1.5"),
        with_tb,
        with_tb.__traceback__,
        types.SimpleNamespace(a=1),
        Slotted,
        Slotted(),
        Aged,
        types,
        gen.__code__,
        (lambda: shrunk).__closure__[0],
        sys._getframe(),
        bytearray(b"xyz" * 200),
        b"x" * 600,
        tuple(range(100)),
        2**1000,
        -(2**70),
        "é" * 10,
        "\U0001f600" * 3,
        {1, 2, 3},
        frozenset(range(50)),
        {i: i for i in range(100)},
    ]


def main():
    gc.disable()
    keep = make_keep()
    objects = walk(keep)
    for x in objects:
        check(x)
    print(
        json.dumps(
            {
                "objects": len(objects),
                "failures": {k: [len(v), v[:20]] for k, v in sorted(failures.items())},
                "types": {k: dict(v.most_common(30)) for k, v in sorted(failing_types.items())},
            }
        )
    )


if __name__ == "__main__":
    main()
