"""The child half of test_sweep.py: run as ``python sweep_child.py`` in a fresh interpreter.

It imports numpy and pandas when they are installed (and builds a few of their objects:
arrays of several dtypes, views, scalars, dtypes, ufuncs, a DataFrame with mixed columns, a
Series, indexes), then walks every object ``gc.get_objects()`` returns, everything those
objects refer to, and a ``keep`` list of unusual objects, calls every public per-object API
of pyhood on each (``header``, ``refcnt``, ``is_immortal``, ``is_small_int``, ``layout``,
``block_info``, ``footprint``, ``peek``, ``gc_info``, ``weakref_count``, ``intern_state``
for str, ``frame_layout`` for frames; the renderings once per type), then ``census()`` and
``deep_footprint`` of every object walked, and checks what pyhood
says against readings independent of pyhood. It prints one JSON document: the object count,
the modules it imported, the types it swept and, per check, the number of failures, the
first 20 of them (type name and message) and the failing types.

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
- ctypes reads of ``ob_size`` (``PyVarObject``, +16) and of ``ob_type`` (+8), the base
  type's own ``__len__`` (``tuple.__len__(x)``: a subclass may define its own).
- ``sys.getrefcount``, ``gc.is_tracked``, ``gc.get_objects(generation)`` (taken before the
  sweep, with automatic collections off, so no object changes generation meanwhile),
  ``weakref.getweakrefcount``, ``sys.intern`` (asked only of strings pyhood says are
  interned: it then changes nothing), and immortality from the refcount word (3.12/3.13:
  ``_Py_IsImmortal`` is ``(int32_t)ob_refcnt < 0``, Include/object.h v3.12.1/v3.13.0;
  3.14+: ``sys._is_immortal``).

Only documented exceptions are allowed: ``TypeError`` from ``intern_state`` for a non-str
and from ``frame_layout`` for a non-frame, ``UnreachableStateError`` from ``weakref_count``
for a 3.12+ static builtin type (``_Py_TPFLAGS_STATIC_BUILTIN``, 1 << 1,
Include/internal/pycore_typeobject.h v3.12.1+). Anything else any call raises for a live
object is a finding.
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
            check(me, True)
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
    """Every object ``gc.get_objects()`` returns and its referents, but not the sweep's own
    tables of ids (a dict is tracked from its creation on 3.14+, and their ints would be
    swept as a heap's)."""
    roots = [*gc.get_objects(), keep, *keep]  # before the walk's own set and list exist
    own = {id(GENERATION), id(GC_SAMPLE)}
    seen, objects = set(own), []
    for o in roots:
        if id(o) in own:
            continue
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


def check_fields(x, lay, where):
    """The fields, in address order, tile ``[start, end)`` (bit-field views aside: they
    follow their container), each with as many raw bytes as its size.

    Padding only where alignment proves it: the fewest bytes that bring the offset to the
    next field's alignment (a scalar of 1, 2, 4 or 8 bytes is aligned to its size; an
    array, a struct or the end of the allocation to at most a word). So never 8 bytes or
    more, and none at all before a char."""
    fields = [f for f in lay.fields if f.bits is None]
    cursor = lay.start
    for f in fields:
        not_read = f.note == "not read: past max_items" and f.raw == b"" and ".." in f.name
        if f.offset != cursor or f.size <= 0 or (len(f.raw) != f.size and not not_read):
            fail(
                "tiles",
                x,
                f"{where}{f.name} at {f.offset} size {f.size} ({len(f.raw)} raw bytes), "
                f"expected at {cursor}",
            )
            return
        cursor = f.offset + f.size
    if cursor != lay.end:
        fail("tiles", x, f"{where}fields end at {cursor}, layout at {lay.end}")
    for i, f in enumerate(fields):
        if f.region != "padding" and f.name != "(padding)":
            continue
        nxt = fields[i + 1] if i + 1 < len(fields) else None
        scalar = nxt is not None and nxt.size in (1, 2, 4, 8) and not nxt.ctype.endswith("]")
        align = nxt.size if scalar else 8
        if f.offset + f.size != -(-f.offset // align) * align:
            after = f"{nxt.size}-byte {nxt.name}" if nxt is not None else "the end"
            fail("padding", x, f"{where}{f.size} bytes of padding at {f.offset} before {after}")


# --- the independent readings of the other calls ---------------------------------------
STATIC_BUILTIN = 1 << 1  # _Py_TPFLAGS_STATIC_BUILTIN, Include/object.h v3.12.1/v3.13.0
_flags = vars(type)["__flags__"].__get__  # type.__flags__ without a metaclass's override
#: Generation of each object gc.get_objects(generation) listed before the sweep (automatic
#: collections are off from before that, and nothing here collects, so none moves); the
#: lists are kept, so that no address in it is reused by another object meanwhile.
GENERATION = {}
GENERATION_LISTS = []
#: ``gc_info`` finds a tracked object's generation by following ``_gc_next`` to a list
#: head, one read per object on the way (a few microseconds each). So of the objects in
#: those lists, it is asked about the youngest ``GC_YOUNGEST`` of each generation and, type
#: by type, the youngest object of the type, cheapest types first, while the walks stay
#: under ``GC_BUDGET`` steps in all (``choose_gc_sample``). Untracked objects and objects
#: tracked after the snapshot (at the young end of generation 0) are all asked about.
GC_YOUNGEST = 300
GC_BUDGET = 800_000
GC_SAMPLE = set()
GC_COVERAGE = {}


def choose_gc_sample():
    cheapest = {}  # type -> (steps to the list head, id)
    for objects in GENERATION_LISTS:
        for i, o in enumerate(objects):
            steps = len(objects) - i
            if steps <= GC_YOUNGEST:
                GC_SAMPLE.add(id(o))
            if steps < cheapest.get(type(o), (1 << 62,))[0]:
                cheapest[type(o)] = (steps, id(o))
    spent = 0
    covered = 0
    for steps, oid in sorted(cheapest.values()):
        if spent + steps > GC_BUDGET:
            break
        spent += steps
        covered += 1
        GC_SAMPLE.add(oid)
    GC_COVERAGE.update(types=len(cheapest), covered=covered, objects=len(GC_SAMPLE))


def expected_immortal(x):
    if PY < (3, 12):
        return False
    if PY >= (3, 14):
        return sys._is_immortal(x)
    return ctypes.c_int32.from_address(id(x)).value < 0


def expected_small_int(x):
    """The interpreter's cached small int: ``int(str(x))`` of a value in the cache returns
    the cached object (``_PyLong_FromSTwoDigits``/``get_small_int``), of any other value a
    new one."""
    return type(x) is int and -10 <= x <= 5000 and x is int(str(x))


def base_len(x):
    for t in (list, tuple, bytes, bytearray):
        if issubclass(type(x), t):
            return t.__len__(x)
    return None


RAN_PYTHON = []  # frames the profile hook saw start while a pyhood call ran


def _watch(frame, event, arg):
    if event == "call":
        RAN_PYTHON.append(f"{frame.f_code.co_qualname if PY >= (3, 11) else frame.f_code.co_name}")


#: Whether ``call`` watches for Python code (set per object by ``check``: the hook costs a
#: Python call per C call, so it watches the first object of every type and every object
#: whose type or metatype is a heap type, the only ones a class statement can give Python
#: methods to).
WATCH = [True]


def call(api, x, fn, *args, allowed=(), **kwargs):
    """``fn(*args)``, or None after recording any exception not in ``allowed``; a Python
    function that starts while it runs is a finding (pyhood runs no code of the object's:
    ``sys.setprofile`` sees every Python frame start)."""
    result = error = None
    if WATCH[0]:
        sys.setprofile(_watch)
    try:
        result = fn(*args, **kwargs)
    except allowed:
        pass
    except Exception as e:
        error = e
    finally:
        if WATCH[0]:
            sys.setprofile(None)
    if RAN_PYTHON:
        fail("runs code", x, f"{api} ran {', '.join(RAN_PYTHON[:3])}"[:300])
        RAN_PYTHON.clear()
    if error is not None:
        fail("raises", x, f"{api}: {type(error).__name__}: {error}"[:300])
    return result


def check(x, first_of_type):
    """Every call on ``x``. (``issubclass(type(x), T)`` rather than ``isinstance``, which
    may ask the object for its ``__class__``.)"""
    WATCH[0] = first_of_type or (_flags(type(x)) | _flags(type(type(x)))) & HEAPTYPE != 0
    h = call("header", x, pyhood.header, x)
    lay = call("layout", x, pyhood.layout, x, max_items=8)
    info = call("block_info", x, pyhood.block_info, x)
    fp = call("footprint", x, pyhood.footprint, x)
    check_calls(x, h, lay, first_of_type)
    if lay is None or info is None or fp is None:
        return
    check_fields(x, lay, "")
    for block in lay.blocks:
        check_fields(x, block, f"block {block.name}: ")
    if info.domain == "static":
        if not is_static(id(x)):
            fail("static", x, f"static at {id(x):#x}, outside the images")
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
            and not issubclass(type(x), str)
            and -(-alloc.requested // ALIGNMENT) * ALIGNMENT != size
        ):
            # pymalloc serves a request of n bytes from the class round_up(n, 16), and an
            # object of a fixed-size type is never reallocated (str, with tp_itemsize 0
            # but a variable size, is: resize_compact, Objects/unicodeobject.c).
            fail("fits", x, f"{alloc.requested} bytes requested, served by a {size}-byte block")
    if fp.allocations and fp.allocations[0].block.block_address != info.block_address:
        fail("block size", x, "footprint's object allocation is not block_info's block")
    check_peek(x, lay, first_of_type)
    if first_of_type:
        check_renderings(x, lay, info, fp)


def check_calls(x, h, lay, first_of_type):
    """header's ob_size, refcnt, is_immortal, is_small_int, gc_info, weakref_count,
    intern_state and frame_layout, each against its independent reading."""
    if h is not None:
        if h.address != id(x) or h.type is not type(x) or h.type_address != id(type(x)):
            fail("header", x, f"address {h.address:#x}, type at {h.type_address:#x}")
        expected = expect_ob_size(type(x))
        if expected is not None and (h.size is not None) != expected:
            fail("ob_size", x, f"header().size is {h.size}, C struct has ob_size: {expected}")
        if expected and h.size != ctypes.c_ssize_t.from_address(id(x) + 16).value:
            fail("ob_size", x, f"header().size {h.size} is not the word at +16")
    n = base_len(x)
    if n is not None and ctypes.c_ssize_t.from_address(id(x) + 16).value != n:
        fail("ob_size", x, f"ob_size at +16 is not the base type's len(), {n}")
    try:  # called directly, as sys.getrefcount is: the same references to x are held
        if WATCH[0]:
            sys.setprofile(_watch)
        refs = pyhood.refcnt(x)
        sys.setprofile(None)
        expected = sys.getrefcount(x)
    except Exception as e:
        sys.setprofile(None)
        RAN_PYTHON.clear()
        fail("raises", x, f"refcnt: {type(e).__name__}: {e}"[:300])
    else:
        if RAN_PYTHON:
            fail("runs code", x, f"refcnt ran {', '.join(RAN_PYTHON[:3])}"[:300])
            RAN_PYTHON.clear()
        held = (pyhood.refcnt, sys.getrefcount, _watch, refs)
        if refs != expected and not any(x is f for f in held):
            # (the first two hold one reference more to themselves while they run, the
            # profile hook is referenced by the thread state while it is set, and a cached
            # small int whose count equals its value is ``refs`` itself, one reference more)
            fail("refcnt", x, f"refcnt {refs}, sys.getrefcount {expected}")
    immortal = call("is_immortal", x, pyhood.is_immortal, x)
    if immortal is not None and immortal != expected_immortal(x):
        fail("immortal", x, f"is_immortal says {immortal}")
    small = call("is_small_int", x, pyhood.is_small_int, x)
    if small is not None and small != expected_small_int(x):
        value = f"({int.__repr__(x)[:40]})" if type(x) is int else ""
        fail("small int", x, f"is_small_int{value} says {small}")
    sampled = not gc.is_tracked(x) or id(x) not in GENERATION or id(x) in GC_SAMPLE
    g = call("gc_info", x, pyhood.gc_info, x) if sampled else None
    if g is not None:
        if g.address != id(x) or g.tracked != gc.is_tracked(x):
            fail("gc_info", x, f"tracked {g.tracked}, gc.is_tracked {gc.is_tracked(x)}")
        elif g.finalized != gc.is_finalized(x):
            fail("gc_info", x, f"finalized {g.finalized}, gc.is_finalized {gc.is_finalized(x)}")
        elif g.tracked != (g.generation is not None):
            fail("gc_info", x, f"tracked {g.tracked} in generation {g.generation}")
        elif id(x) in GENERATION and g.generation != GENERATION[id(x)]:
            fail("gc_info", x, f"generation {g.generation}, gc says {GENERATION[id(x)]}")
    static_builtin = PY >= (3, 12) and issubclass(type(x), type) and _flags(x) & STATIC_BUILTIN
    allowed = pyhood.UnreachableStateError if static_builtin else ()
    weak = call("weakref_count", x, pyhood.weakref_count, x, allowed=allowed)
    if weak is not None and weak != weakref.getweakrefcount(x):
        fail("weakref_count", x, f"{weak}, weakref.getweakrefcount {weakref.getweakrefcount(x)}")
    if issubclass(type(x), str):
        state = call("intern_state", x, pyhood.intern_state, x)
        if state not in (None, "not_interned", "mortal", "immortal", "static"):
            fail("interned", x, f"intern_state says {state!r}")
        elif state not in (None, "not_interned") and type(x) is str and sys.intern(x) is not x:
            fail("interned", x, f"intern_state says {state}, sys.intern returns another str")
    elif first_of_type:
        call("intern_state", x, pyhood.intern_state, x, allowed=TypeError)
    if issubclass(type(x), types.FrameType):
        fl = call("frame_layout", x, pyhood.frame_layout, x, max_items=8)
        if fl is not None:
            check_fields(x, fl, "frame_layout: ")
            try:
                fl.variables, fl.stack, str(fl), repr(fl)
            except Exception as e:
                fail("raises", x, f"frame_layout: {type(e).__name__}: {e}"[:300])
            if lay is not None and (fl.start, fl.end) != (lay.start, lay.end):
                fail("extent", x, "frame_layout and layout disagree")
    elif first_of_type:
        call("frame_layout", x, pyhood.frame_layout, x, allowed=TypeError)


def check_peek(x, lay, first_of_type):
    """peek returns the allocation's bytes: all of them from its start, the ob_type word as
    ctypes reads it; a range past the end is a ValueError."""
    whole = call("peek", x, pyhood.peek, x, lay.start)
    if whole is not None and len(whole) != lay.end - lay.start:
        fail("peek", x, f"{len(whole)} bytes from {lay.start}, allocation [{lay.start}, {lay.end})")
    ob_type = call("peek", x, pyhood.peek, x, 8, 8)
    if ob_type is not None and ob_type != ctypes.string_at(id(x) + 8, 8):
        fail("peek", x, "peek(x, 8, 8) is not the ob_type word ctypes reads")
    if first_of_type:
        beyond = call("peek", x, pyhood.peek, x, lay.end - 1, 2, allowed=ValueError)
        if beyond is not None:
            fail("peek", x, f"peek past the end ({lay.end}) returned bytes")


def check_renderings(x, lay, info, fp):
    """The text, HTML and dict renderings of one object per type, and every repr."""

    def render():
        json.dumps(lay.to_dict())
        for block in lay.blocks:
            str(block)
        return str(lay), lay._repr_html_(), repr(lay), repr(info), str(fp), repr(fp)

    try:  # (the renderings are pyhood's own Python code: not watched)
        render()
        [repr(a) for a in fp.allocations] + [repr(f) for f in lay.fields]
    except Exception as e:
        fail("raises", x, f"render: {type(e).__name__}: {e}"[:300])


# --- the objects the sweep adds ----------------------------------------------------------
def check_walk_price(x):
    """A heap walk prices each object as ``footprint`` does: the walk sizes it from its
    header with what it learned of its type and pools (or describes it), ``footprint``
    from its full description. ``deep_footprint`` of ``x`` alone (its walk cut below it)
    costs ``footprint(x)``'s bytes, in ``shared`` for an immortal or static object."""
    try:
        fp = pyhood.footprint(x)
    except pyhood.PyhoodError:
        return  # refused: its own check says whether that was allowed
    d = pyhood.deep_footprint(x, stop=lambda y: y is not x)
    got = (d.shared.allocated, d.shared.requested) if d.shared.count else (d.total, d.requested)
    if d.unmeasured or got != (fp.total, fp.requested):
        fail(
            "walk price",
            x,
            f"deep_footprint {got} (unmeasured {d.unmeasured}), footprint "
            f"{(fp.total, fp.requested)}",
        )


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


def numpy_objects(np):
    """Arrays of several dtypes and shapes, views, scalars, dtypes, ufuncs, iterators."""
    a = np.arange(24, dtype=np.int64).reshape(4, 6)
    structured = np.array([(1, 2.5, b"ab")], dtype=[("i", "i4"), ("f", "f8"), ("s", "S2")])
    return [
        a,
        a[::2, 1:],
        a.T,
        a.ravel(),
        a.flat,
        iter(a),
        np.zeros((3, 4), dtype=np.float32),
        np.array([True, False]),
        np.array([1 + 2j, 3j]),
        np.array(["ab", "cde"]),
        np.array([b"x", b"yz"], dtype="S3"),
        np.array(["2024-01-01", "NaT"], dtype="datetime64[s]"),
        np.array([1, 2], dtype="timedelta64[ms]"),
        structured,
        structured[0],
        np.array([object(), None, "s"], dtype=object),
        np.array(5),
        np.empty(0),
        np.float64(1.5),
        np.float16(2.0),
        np.int32(7),
        np.uint8(255),
        np.bool_(True),
        np.complex128(1j),
        np.str_("x"),
        np.bytes_(b"y"),
        np.datetime64("2024-01-01"),
        np.void(b"\x00\x01"),
        np.dtype("f8"),
        np.dtype(">i2"),
        structured.dtype,
        type(np.dtype("f8")),
        np.add,
        np.sin,
        np.add.reduce,
        np.random.default_rng(0),
        memoryview(a),
        np.broadcast(a, a),
        np.nditer(a),
        np.finfo(np.float64),
    ]


def pandas_objects(pd):
    """A DataFrame with mixed columns, its Series, indexes, blocks, and pandas scalars."""
    df = pd.DataFrame(
        {
            "i": [1, 2, 3],
            "f": [1.5, 2.5, None],
            "s": ["a", "b", "c"],
            "b": [True, False, True],
            "c": pd.Categorical(["x", "y", "x"]),
            "t": pd.date_range("2024-01-01", periods=3),
            "n": pd.array([1, None, 3], dtype="Int64"),
        }
    )
    series = df["f"]
    return [
        df,
        series,
        df.index,
        df.columns,
        df.dtypes,
        df.values,
        df._mgr,
        *df._mgr.blocks,
        series._mgr,
        pd.Index(["a", "b", "c"]),
        pd.Index([1.5, 2.5]),
        pd.MultiIndex.from_tuples([(1, "a"), (2, "b")]),
        pd.DatetimeIndex(["2024-01-01", "2024-06-01"]),
        pd.CategoricalDtype(["x", "y"]),
        pd.Timestamp("2024-01-01 12:00"),
        pd.Timedelta("1D"),
        pd.Period("2024-01"),
        pd.NaT,
        pd.NA,
        df.groupby("s"),
        df.iloc,
        df["s"].str,
    ]


#: Every object of a type is checked up to the first SAMPLE_ALL of it in walk order, then
#: every SAMPLE_EVERY-th (and every object of ``keep`` or ``GC_SAMPLE``): each type is
#: covered, and the few types with tens of thousands of objects (str, tuple, function,
#: code, dict) are checked on several thousand of them each, in a bounded time.
SAMPLE_ALL = 1000
SAMPLE_EVERY = 8


def main():
    gc.disable()
    modules = {}
    extra = []
    for name, build in (("numpy", numpy_objects), ("pandas", pandas_objects)):
        try:
            module = __import__(name)
        except ImportError:
            continue
        modules[name] = module.__version__
        extra += build(module)
    keep = [*make_keep(), *extra]
    try:
        for g in range(3):
            GENERATION_LISTS.append(gc.get_objects(generation=g))
            GENERATION.update((id(o), g) for o in GENERATION_LISTS[-1])
    except (TypeError, ValueError):
        GENERATION.clear()
    choose_gc_sample()
    objects = walk(keep)
    always = {id(x) for x in keep} | GC_SAMPLE
    seen = collections.Counter()  # objects of each type met so far
    swept = collections.Counter()  # objects of each type checked, by name
    checked = []
    start = time.process_time()
    for x in objects:
        t = type(x)
        seen[t] += 1
        n = seen[t]
        if n > SAMPLE_ALL and n % SAMPLE_EVERY and id(x) not in always:
            continue
        swept[f"{t.__module__}.{t.__qualname__}"] += 1
        check(x, n == 1)
        checked.append(x)
    elapsed = time.process_time() - start
    for x in checked:
        check_walk_price(x)
    # The heap walks size every object they reach: none may be refused or left unmeasured.
    for name, f in (
        ("census", pyhood.census),
        ("deep_footprint", lambda: pyhood.deep_footprint(objects)),
    ):
        try:
            result = f()
            if result.unmeasured:
                fail("heap walks", f, f"{name}: {result.unmeasured} objects unmeasured")
        except Exception as e:
            fail("heap walks", f, f"{name}: {type(e).__name__}: {e}"[:300])
    for f in (pyhood.gc_generations, pyhood.obmalloc_stats, pyhood.freelists):
        try:
            repr(f())
        except pyhood.AllocatorError:
            pass  # obmalloc_stats under PYTHONMALLOC=malloc: documented
        except Exception as e:
            fail("raises", f, f"{f.__name__}: {type(e).__name__}: {e}"[:300])
    print(
        json.dumps(
            {
                "objects": len(objects),
                "checked": sum(swept.values()),
                "types": len(seen),
                "cpu_seconds": round(elapsed, 1),
                "modules": modules,
                "gc_info": GC_COVERAGE,
                "swept": dict(swept.most_common()),
                "failures": {k: [len(v), v[:20]] for k, v in sorted(failures.items())},
                "failing": {k: dict(v.most_common(30)) for k, v in sorted(failing_types.items())},
            }
        )
    )


if __name__ == "__main__":
    main()
