"""Every live object can be inspected, and what pyhood says about it is what the allocator
and the headers say.

A child interpreter walks every object ``gc.get_objects()`` returns and everything those
objects refer to (``gc.get_referents``), calling ``header``, ``refcnt``, ``layout`` and
``peek`` on each. A segfault would kill the child, not the test run; the test then fails
with the child's exit status.

A second sweep (``sweep_child.py``, run once per allocator: pymalloc, and
``PYTHONMALLOC=malloc``) is a real heap: numpy and pandas are imported when installed (CI
installs their wheels where pip has them for the interpreter) with a few of their objects
(arrays of several dtypes, views, scalars, dtypes, ufuncs, a DataFrame with mixed columns,
a Series, indexes); it adds unusual objects (generators, coroutines and async generators in
every state, instances older than their class's shared keys, a shrunk list, struct
sequences, an open text file, io buffers, arrays, memoryviews, partials, deques, decimals,
an exception with its traceback, namespaces, heap classes with and without ``__slots__``,
modules, code, cells, frames), calls every per-object API on every type's objects (all of
a type's first 1000 objects, then every 8th: tens of thousands of objects in a few seconds)
and checks, for each object, against readings that do not go through pyhood (the child's
docstring gives their sources):

- no call raises anything but its documented exceptions for a live object (``layout``,
  ``block_info``, ``footprint``, ``peek`` inside the allocation, ``gc_info``,
  ``header``, ``refcnt`` never), and no call runs Python code;
- every allocation ``footprint`` lists has the block size its pymalloc pool header states
  (or ``malloc_usable_size`` for a malloc block), its request fits that block (exactly, for
  a fixed-size object's own pymalloc block); static objects lie in an image mapping;
- ``block_info(x).requested == layout(x).end - layout(x).start``;
- the fields of each layout tile ``[start, end)``;
- padding only where alignment proves it;
- ``header(x).size`` is None exactly for types whose C struct has no ``ob_size``, and is the
  ``ob_size`` word at +16 (``len()`` for lists, tuples, bytes, bytearrays) otherwise;
- ``refcnt`` is ``sys.getrefcount``; ``is_immortal`` and ``is_small_int`` agree with the
  refcount word and the small-int cache; ``gc_info`` with ``gc.is_tracked``,
  ``gc.is_finalized`` and ``gc.get_objects(generation)``; ``weakref_count`` with
  ``weakref.getweakrefcount``; an interned ``intern_state`` with ``sys.intern``; ``peek``
  with ctypes.

The sweep runs without the debug hooks: under ``PYTHONMALLOC=pymalloc_debug`` each block
starts two words before the object, which ``test_12_1_blocks`` covers on its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SWEEP = textwrap.dedent(
    """
    import gc, sys, collections, decimal, json, weakref, array, fractions
    import pyhood

    class Slot:
        __slots__ = ("a", "__dict__")

    keep = [Slot(), array.array("d", [1.0]), fractions.Fraction(1, 3), decimal.Decimal(2),
            collections.OrderedDict(a=1), collections.deque([1, 2]), memoryview(b"abc"),
            bytearray(b"xyz"), sys._getframe(), iter([1]), (x for x in "ab"), {1, 2}.__iter__()]
    roots = gc.get_objects()
    seen, objects = set(), []
    for o in roots:
        for x in [o, *gc.get_referents(o)]:
            if id(x) not in seen:
                seen.add(id(x))
                objects.append(x)
    errors = collections.Counter()
    for x in objects:
        h = pyhood.header(x)
        assert h.address == id(x), type(x)
        pyhood.refcnt(x)
        try:
            lay = pyhood.layout(x, max_items=64)
            pyhood.peek(x, lay.start, min(64, lay.end - lay.start))
            str(lay)
        except pyhood.PyhoodError as e:
            errors[type(e).__name__ + ": " + type(x).__name__] += 1
    print(len(objects), "objects")
    for k, v in errors.most_common():
        print(v, k)
    """
)


def test_sweep_over_every_live_object_and_its_referents():
    """header/refcnt/layout/peek succeed on every live object, or raise a PyhoodError."""
    proc = subprocess.run(
        [sys.executable, "-c", SWEEP], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    count = int(proc.stdout.split()[0])
    assert count > 10_000
    # Layout errors are allowed only for a handful of objects with foreign structure.
    error_lines = proc.stdout.strip().splitlines()[1:]
    assert sum(int(line.split()[0]) for line in error_lines) <= count // 1000, proc.stdout


CHILD = Path(__file__).with_name("sweep_child.py")


@pytest.fixture(scope="module", params=["pymalloc", "malloc"])
def sweep(request):
    """The checks' findings in one child interpreter per allocator (``PYTHONMALLOC`` unset,
    or ``malloc``): {check: (count, first 20 findings)}."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONMALLOC"}
    if request.param == "malloc":
        env["PYTHONMALLOC"] = "malloc"
    proc = subprocess.run(
        [sys.executable, str(CHILD)], capture_output=True, text=True, timeout=300, env=env
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    result = json.loads(proc.stdout)
    assert result["objects"] > 10_000
    findings = {k: (*v, result["failing"][k]) for k, v in result["failures"].items()}
    return result, findings


def _report(sweep, check) -> str:
    count, first, types = sweep[1].get(check, (0, [], {}))
    by_type = ", ".join(f"{t} {n}" for t, n in types.items())
    return f"{count} findings for '{check}' ({by_type}); the first {len(first)}:\n  " + "\n  ".join(
        first
    )


def test_the_heap_holds_numpy_and_pandas_when_installed(sweep):
    """The sweep covers numpy's and pandas' objects (arrays, dtypes and their metatype,
    ufuncs, DataFrames, Series, indexes, their Cython and C extension types) when they are
    installed; without them it covers the standard library's heap and says so here."""
    result = sweep[0]
    missing = {"numpy", "pandas"} - set(result["modules"])
    swept = result["swept"]
    if "numpy" in result["modules"]:
        assert {"numpy.ndarray", "numpy._DTypeMeta", "numpy.ufunc"} <= set(swept)
    if "pandas" in result["modules"]:
        assert {"pandas.DataFrame", "pandas.Series"} <= {
            n.replace("core.frame.", "").replace("core.series.", "") for n in swept
        }
    if missing:
        pytest.skip(
            f"{', '.join(sorted(missing))} not installed for this interpreter: the sweep "
            f"covered {result['objects']} objects without them"
        )


def test_calls_raise_only_documented_exceptions(sweep):
    """For every live object ``layout``, ``block_info``, ``footprint``, ``header``,
    ``refcnt``, ``is_immortal``, ``is_small_int``, ``gc_info``, ``peek`` (inside the
    allocation) and ``frame_layout`` (of a frame) give an answer: a live object is by
    definition in a block the allocator handed out. ``peek`` past the allocation raises
    ``ValueError``; ``intern_state`` of a non-str and ``frame_layout`` of a non-frame
    ``TypeError``; ``weakref_count`` only ``UnreachableStateError``, and only for a 3.12+
    static builtin type."""
    assert "raises" not in sweep[1], _report(sweep, "raises")


def test_every_allocation_has_the_allocators_block_size(sweep):
    """Each allocation ``footprint`` lists has the size of the block it is in, as the
    allocator itself records it: the pool header's size class for a pymalloc block,
    ``malloc_usable_size`` for a malloc block; a static object is in an image mapping."""
    assert "block size" not in sweep[1], _report(sweep, "block size")
    assert "static" not in sweep[1], _report(sweep, "static")


def test_every_request_fits_its_block(sweep):
    """The requested size ``footprint`` reports fits the block (never more than it), and a
    fixed-size object's own pymalloc block is exactly its request rounded up to 16."""
    assert "fits" not in sweep[1], _report(sweep, "fits")


def test_extent_is_the_allocators_requested_size(sweep):
    """``layout(x)`` spans exactly the bytes requested from the allocator for ``x``."""
    assert "extent" not in sweep[1], _report(sweep, "extent")


def test_fields_tile_every_layout(sweep):
    """The fields of each layout and of each block in it (bit-field views aside) cover
    ``[start, end)`` once, without gaps or overlaps."""
    assert "tiles" not in sweep[1], _report(sweep, "tiles")


def test_padding_only_where_alignment_proves_it(sweep):
    """Bytes no known field names are padding only if they are the fewest bytes that align
    the next field; any other unnamed bytes are unnamed, not padding."""
    assert "padding" not in sweep[1], _report(sweep, "padding")


def test_header_size_exactly_for_var_objects(sweep):
    """``header(x).size`` is None exactly for types whose C struct has no ``ob_size``, and
    otherwise the ``ob_size`` word at +16 (``len(x)`` for lists, tuples, bytes)."""
    assert "ob_size" not in sweep[1], _report(sweep, "ob_size")


def test_no_call_runs_python_code(sweep):
    """No call starts a Python function (``sys.setprofile`` sees every frame start): not an
    object's own ``__sizeof__``, ``__len__``, ``__eq__`` or ``__getattr__``, not a lazy
    container's filling. Watched for the first object of each type and every object of a
    heap type or of a heap metatype, the only ones a class statement gives Python methods."""
    assert "runs code" not in sweep[1], _report(sweep, "runs code")


def test_refcounts_and_immortality(sweep):
    """``refcnt(x)`` is ``sys.getrefcount(x)`` called in the same position;
    ``is_immortal(x)`` is ``(int32_t)ob_refcnt < 0`` on 3.12/3.13 (``sys._is_immortal`` on
    3.14+, never before 3.12); ``is_small_int(x)`` exactly for the cached small ints."""
    for check in ("refcnt", "immortal", "small int", "header"):
        assert check not in sweep[1], _report(sweep, check)


def test_gc_info_agrees_with_the_collector(sweep):
    """``gc_info(x).tracked`` is ``gc.is_tracked(x)``, ``finalized`` is
    ``gc.is_finalized(x)``, and a tracked object's generation is the one
    ``gc.get_objects(generation)`` listed it in. A tracked object's generation is found by
    walking its list to the head, so among the objects already listed it is asked of the
    youngest of each generation and, type by type, of the youngest object of the type, within
    a bounded walk; untracked objects and newer ones are all asked."""
    assert "gc_info" not in sweep[1], _report(sweep, "gc_info")
    coverage = sweep[0]["gc_info"]
    assert coverage["covered"] >= coverage["types"] // 2, coverage


def test_weakrefs_interning_and_peek(sweep):
    """``weakref_count(x)`` is ``weakref.getweakrefcount(x)``; a string ``intern_state``
    calls interned is what ``sys.intern`` returns for it; ``peek`` returns the whole
    allocation from its start, its ``ob_type`` word as ctypes reads it, and refuses a range
    past the end."""
    for check in ("weakref_count", "interned", "peek"):
        assert check not in sweep[1], _report(sweep, check)


def test_heap_walks_price_each_object_as_footprint_does(sweep):
    """A heap walk sizes an object from its header, with what it learned of its type and
    pools once (a class's instances, a pool's size class), where ``footprint`` describes
    it in full: for every object checked, ``deep_footprint`` of it alone costs exactly
    ``footprint``'s bytes, allocated and requested."""
    assert "walk price" not in sweep[1], _report(sweep, "walk price")


def test_heap_walks_measure_every_object(sweep):
    """``census()`` and ``deep_footprint`` of every object the sweep walked (numpy's and
    pandas' among them) answer, and leave no object unmeasured."""
    assert "heap walks" not in sweep[1], _report(sweep, "heap walks")
