"""Every live object can be inspected, and what pyhood says about it is what the allocator
and the headers say.

A child interpreter walks every object ``gc.get_objects()`` returns and everything those
objects refer to (``gc.get_referents``), calling ``header``, ``refcnt``, ``layout`` and
``peek`` on each. A segfault would kill the child, not the test run; the test then fails
with the child's exit status.

A second sweep (``sweep_child.py``, run once per allocator: pymalloc, and
``PYTHONMALLOC=malloc``) adds unusual objects (generators, coroutines and async generators
in every state, instances older than their class's shared keys, a shrunk list, struct
sequences, an open text file, io buffers, arrays, memoryviews, partials, deques, decimals,
an exception with its traceback, namespaces, heap classes with and without ``__slots__``,
modules, code, cells, frames) and checks, for each object, against readings that do not go
through pyhood (the child's docstring gives their sources):

- ``layout``, ``block_info`` and ``footprint`` never raise for a live object;
- every allocation ``footprint`` lists has the block size its pymalloc pool header states
  (or ``malloc_usable_size`` for a malloc block), its request fits that block (exactly, for
  a fixed-size object's own pymalloc block); static objects lie in an image mapping;
- ``block_info(x).requested == layout(x).end - layout(x).start``;
- the fields of each layout tile ``[start, end)``;
- padding only where alignment proves it;
- ``header(x).size`` is None exactly for types whose C struct has no ``ob_size``, and is the
  ``ob_size`` word at +16 (``len()`` for lists, tuples, bytes, bytearrays) otherwise.

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
    return {k: (*v, result["types"][k]) for k, v in result["failures"].items()}


def _report(sweep, check) -> str:
    count, first, types = sweep.get(check, (0, [], {}))
    by_type = ", ".join(f"{t} {n}" for t, n in types.items())
    return f"{count} findings for '{check}' ({by_type}); the first {len(first)}:\n  " + "\n  ".join(
        first
    )


def test_layout_block_info_and_footprint_never_raise(sweep):
    """For every live object ``layout``, ``block_info`` and ``footprint`` give an answer:
    a live object is by definition in a block the allocator handed out."""
    assert "raises" not in sweep, _report(sweep, "raises")


def test_every_allocation_has_the_allocators_block_size(sweep):
    """Each allocation ``footprint`` lists has the size of the block it is in, as the
    allocator itself records it: the pool header's size class for a pymalloc block,
    ``malloc_usable_size`` for a malloc block; a static object is in an image mapping."""
    assert "block size" not in sweep, _report(sweep, "block size")
    assert "static" not in sweep, _report(sweep, "static")


def test_every_request_fits_its_block(sweep):
    """The requested size ``footprint`` reports fits the block (never more than it), and a
    fixed-size object's own pymalloc block is exactly its request rounded up to 16."""
    assert "fits" not in sweep, _report(sweep, "fits")


def test_extent_is_the_allocators_requested_size(sweep):
    """``layout(x)`` spans exactly the bytes requested from the allocator for ``x``."""
    assert "extent" not in sweep, _report(sweep, "extent")


def test_fields_tile_every_layout(sweep):
    """The fields of each layout and of each block in it (bit-field views aside) cover
    ``[start, end)`` once, without gaps or overlaps."""
    assert "tiles" not in sweep, _report(sweep, "tiles")


def test_padding_only_where_alignment_proves_it(sweep):
    """Bytes no known field names are padding only if they are the fewest bytes that align
    the next field; any other unnamed bytes are unnamed, not padding."""
    assert "padding" not in sweep, _report(sweep, "padding")


def test_header_size_exactly_for_var_objects(sweep):
    """``header(x).size`` is None exactly for types whose C struct has no ``ob_size``, and
    otherwise the ``ob_size`` word at +16 (``len(x)`` for lists, tuples, bytes)."""
    assert "ob_size" not in sweep, _report(sweep, "ob_size")
