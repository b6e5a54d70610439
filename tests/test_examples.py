"""The runnable examples of guide §10.1–10.4 and the ``python -m pyhood`` command line.

Each example (``examples/ex_10_*.py``) and the tour print, next to what they show, checks that
compare pyhood's reading with something pyhood does not compute (``id()``, ``len()``,
``sys.getsizeof``, ``sys.getrefcount``); a check that fails prints ``[MISMATCH]``. These tests
run every script in a fresh interpreter, the one running pytest, with warnings as errors, and
require a clean exit, no ``[MISMATCH]``, nothing on stderr and the section's key fields in
the output for this CPython version.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PY

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.py") if not p.name.startswith("_"))

#: Field names and sentences each example must print on the running version.
EXPECTED: dict[str, list[str]] = {
    "ex_10_1_pyobject.py": [
        "§10.1",
        "ob_refcnt",
        "ob_type",
        "ob_size",
        "[ok] header(obj).address == id(obj) for every object",
        "[ok] ob_type == id(type(obj)) for every object",
        "[ok] pyhood.refcnt agrees with sys.getrefcount at every step",
        "[ok] each binding adds one and each unbinding removes one",
        "[ok] header(None).immortal" if PY >= (3, 12) else "[ok] header(None).immortal is False",
    ],
    "ex_10_2_user_classes.py": [
        "§10.2",
        "_gc_next",
        "_gc_prev",
        {(3, 10): "__dict__", (3, 11): "managed_values", (3, 12): "dict_or_values"}.get(
            PY, "managed_dict"
        ),
        "__weakref__" if PY < (3, 12) else "managed_weakref",
        "[ok] the value named x is id(p.x) and y is id(p.y)",
        "now points at the weakref",
        "[ok] pyhood's reads left the word unchanged",
        *(["inline_values  values[0]", '"x"'] if PY >= (3, 13) else []),
    ],
    "ex_10_3_slots.py": [
        "§10.3",
        "member",
        "[ok] members x, y, z at offsets 16, 24, 32",
        "[ok] no __dict__ attribute",
        "[ok] weakref.ref(s) raises TypeError",
        "__slots__ saves",
        "[ok] the slotted instance is smaller",
    ],
    "ex_10_4_builtins.py": [
        "§10.4",
        "long_value.lv_tag" if PY >= (3, 12) else "ob_digit[0]",
        "[ok] sign * sum(digit[i] << 30*i) rebuilds every value",
        "ob_fval",
        "state.kind",
        "[ok] kinds are 1, 1, 2, 4",
        "[ok] the hash is computed on first use and cached in the object",
        "[ok] the UTF-8 copy is made on demand and kept",
        "[ok] each growth matches (n + (n >> 3) + 6) & ~3",
        "spare (allocated, not in use)",
        f"[ok] ob_item[i] == id(t[i]) at offset {32 if PY >= (3, 14) else 24} + 8 * i",
        "smalltable",
        "[ok] discard leaves a dummy",
        "dk_indices",
        "[ok] combined: ma_values is NULL",
        "[ok] split: ma_values is not NULL",
    ],
    "ex_12_1_obmalloc.py": [
        "§12.1",
        "class  size  blocks/pool  pools  blocks in use  free blocks",
        "[ok] every row is the one sys._debugmallocstats() printed",
        "[ok] the four arena counts are the ones sys._debugmallocstats() printed",
        "[ok] allocated bytes = sum(blocks in use * size), as printed",
        "[ok] the six parts add up to arenas in use * arena size",
        "[ok] the class gained at least 10,000 blocks",
        "[ok] small objects get getsizeof rounded up to 16; 100 KB goes to malloc; None is static",
        "[ok] a list's object and item array add up to sys.getsizeof",
    ],
    "ex_11_1_header.py": [
        "§11.1",
        "[ok] header(obj).address == id(obj) for every object",
        "[ok] header(obj).type_address == id(type(obj)) for every object",
        "[ok] pyhood.refcnt agrees with sys.getrefcount at every step",
        "[ok] each binding adds one and each unbinding removes one",
        "[ok] equal objects have their own headers; one object has one header",
    ],
    "ex_11_2_refcount_gc.py": [
        "§11.2",
        "_gc_next=",
        "[ok] after del, the cycle is still alive (no callback yet)",
        "[ok] gc.collect() frees the cycle (the weakref callback fired)",
        "[ok] a fresh object is in generation 0, as gc.get_objects(generation=0) shows",
        "[ok] after gc.collect() it is in generation 2, as gc.get_objects(generation=2) shows",
        "[ok] after gc.freeze() it is in the permanent generation",
        "[ok] ints, floats and strs are untracked, as gc.is_tracked says",
    ],
    "ex_11_3_identity.py": [
        "§11.3",
        f"from -5 to {1024 if PY >= (3, 15) else 256}",
        "[ok] is_small_int agrees with identity at the low end of the cache",
        "[ok] is_small_int agrees with identity at the high end of the cache",
        "[ok] sys.intern returns one object for equal strings",
        "the next object took the dead one's block and id in",
        "[ok] every new object's block is in the dead one's size class",
        "[ok] whenever the new object has the dead one's id, it has its block",
        "[ok] two live objects never share an id",
        {(3, 10): "[ok] nothing is immortal", (3, 11): "[ok] nothing is immortal"}.get(
            PY,
            "[ok] is_immortal equals sys._is_immortal"
            if PY >= (3, 14)
            else "[ok] None is immortal and binding",
        ),
    ],
    "ex_11_4_weakrefs.py": [
        "§11.4",
        "[ok] weakref_count equals weakref.getweakrefcount for 0, 1 and 3 references",
        "[ok] weak references leave the reference count unchanged",
        "[ok] after two references die the count is 1",
        "[ok] an int cannot be weakly referenced: its count is 0",
        "[ok] the callback fires when the object dies",
    ],
    "ex_11_6_frames.py": [
        "§11.6",
        "--- A running frame, seen from inside ---",
        "[ok] every bound variable's slot holds the object f_locals shows",
        "[ok] the cell variable's slot holds the cell in the closure of the inner function",
        "[ok] variables not yet bound are empty slots (seen, shout)",
        "[ok] its previous frame is the caller's (frame.f_back)",
        "[ok] a running frame records no stack top: the evaluation loop holds it",
        "[ok] state is suspended, as inspect.getgeneratorstate says",
        "[ok] the for loop's range_iterator (found by gc.get_referents) is on the stack",
        "[ok] f_lasti equals gen.gi_frame.f_lasti",
        "[ok] the finished frames' f_lasti equal what the frames report",
        "[ok] the frame that raised still holds its arguments (denominator is 0)",
        "[ok] the store the division never reached left 'ratio' empty",
    ],
    "ex_11_5_tracking.py": [
        "§11.5",
        "pymalloc blocks",
        "gc: collecting generation",
        "(53 bytes each) added at least 10,000 blocks to the 64-byte size class",
        "[ok] track recorded the collections gc.get_stats() counted, per generation",
        "[ok] the DEBUG_STATS log names the same collections, in order",
        "[ok] each log's unreachable count is the event's collected + uncollectable",
        "[ok] the gc callback is gone after the block",
        "[ok] under tracemalloc, only sys.getallocatedblocks() counts blocks; the note says why",
        "[ok] top_growth[0] is the line tracemalloc's own compare_to puts first: the list above",
        "[ok] 1 dict, 1,000 tuples, 1,000 ints and 2,000 strs: the structure's own make-up",
        "[ok] the total is footprint() summed over a gc.get_referents walk (keys included)",
    ],
    "ex_12_5_long_running.py": [
        "§12.5",
        "[ok] gc_watch saw the collections gc.get_stats() counted",
        "[ok] a 10x higher threshold ran fewer collections",
        "[ok] at least one block per live float",
        "[ok] tracemalloc traced at least 24 bytes per float",
        "[ok] while tracemalloc traces, its hooks replace pymalloc: obmalloc_stats refuses",
        "[ok] the diff counts the 2,000 new sessions, exactly",
        "[ok] what keeps one alive: this module's _SESSIONS dict",
    ],
    "ex_12_2_freelists.py": [
        "§12.2",
        "[ok] freeing 30 floats puts 30 on the float free list",
        "[ok] the next float takes the block freed last (the list is LIFO)",
        "[ok] 11 list objects went onto the list free list",
        "[ok] five 3-tuples went onto the tuple[3] free list",
        "[ok] 0 <= count <= limit for every free list",
    ],
    "ex_12_3_interning.py": [
        "§12.3",
        "intern_state",
        "[ok] pyhood reads the same state bits as ctypes for every string",
        "[ok] compiled code interns its names",
        "[ok] sys.intern keeps the first object",
        "[ok] interning the copy returns the first object",
        *(
            [
                "[ok] interned_count() equals sys.getunicodeinternedsize()",
                "[ok] interning a new string adds one",
            ]
            if PY >= (3, 12)
            else ["[ok] 3.10/3.11: the count is refused, not guessed"]
        ),
        *(["[ok] interned exactly when sys._is_interned says so"] if PY >= (3, 13) else []),
    ],
    "ex_12_4_gc_thresholds.py": [
        "§12.4",
        "generation   threshold   count   objects",
        "[ok] thresholds are gc.get_threshold()",
        "[ok] objects on each list == len(gc.get_objects(generation=i))",
        "[ok] generations 0 and 1 are empty after a full collection",
        "[ok] permanent == gc.get_freeze_count()",
        "[ok] pyhood reads the new thresholds",
    ],
    "ex_12_6_gc_callbacks.py": [
        "§12.6",
        "[ok] one event per gc.collect(i), with generation i",
        "[ok] collected + uncollectable == what gc.collect returned",
        "[ok] the collection freed at least the 2 000 objects in cycles",
        "[ok] the threshold alone triggered generation-0 collections",
        "[ok] every watch removed its callback from gc.callbacks",
    ],
}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """Run this interpreter with warnings as errors and UTF-8 output; capture both streams."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-W", "error", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT / "tests",
        env=env,
        timeout=60,
        check=False,
    )


def assert_clean(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert "[MISMATCH]" not in proc.stdout, proc.stdout


def shape(text: str) -> list[str]:
    """Output with addresses and numbers blanked: what must not vary between runs.

    A number is blanked whatever its width (``9``, ``49,152``, a hex byte ``e9``), and runs of
    spaces count as one, so that right-aligned columns of counts (§12.1's size-class table)
    keep their shape when a count gains a digit."""
    text = re.sub(r"0x[0-9a-f]+", "ADDR", text)
    text = re.sub(r"\b[0-9a-f]{2}\b", "N", text)  # hex bytes of peek()
    text = re.sub(r"-?\d+", "N", text)
    text = re.sub(r"N(?:,N)+", "N", text)  # thousands separators
    return [re.sub(r" +", " ", line).rstrip() for line in text.splitlines()]


def test_every_section_has_an_example():
    """There is exactly one example per section of §10.1–10.4, each with expectations here."""
    assert [p.name for p in EXAMPLES] == sorted(EXPECTED)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_and_its_checks_hold(path: Path):
    """The example exits 0 without warnings, every check it prints holds on this interpreter,
    and it shows the section's fields as this version names them."""
    proc = run(str(path))
    assert_clean(proc)
    assert proc.stdout.count("[ok]") >= 5
    for text in EXPECTED[path.name]:
        assert text in proc.stdout, text


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_output_has_a_fixed_shape(path: Path):
    """Two runs (different hash seeds, so different addresses and hashes) print the same lines
    once numbers are blanked: the example is deterministic in shape."""
    first = run(str(path)).stdout
    env_seed = dict(os.environ, PYTHONHASHSEED="12345", PYTHONIOENCODING="utf-8")
    second = subprocess.run(
        [sys.executable, str(path)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT / "tests",
        env=env_seed,
        timeout=60,
        check=True,
    ).stdout
    assert shape(first) == shape(second)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_is_the_tour_section(path: Path):
    """Each example prints what ``python -m pyhood tour --section`` prints for its section:
    the two share one implementation."""
    section = re.match(r"ex_(\d+)_(\d+)_", path.name)
    assert section is not None
    number = f"{section[1]}.{section[2]}"
    tour = run("-m", "pyhood", "tour", "--section", number)
    assert_clean(tour)
    *lines, blank, summary = shape(tour.stdout)  # the tour ends with its summary line
    assert (blank, summary) == ("", "tour: N section, N checks, N mismatches")
    assert lines == shape(run(str(path)).stdout)


def test_tour_walks_every_section_in_order():
    """``python -m pyhood tour`` runs every section with an example, in guide order, and
    every check holds."""
    proc = run("-m", "pyhood", "tour")
    assert_clean(proc)
    headings = re.findall(r"^§(\d+\.\d)  ", proc.stdout, flags=re.MULTILINE)
    expected = [re.sub(r"ex_(\d+)_(\d+)_.*", r"\1.\2", p.name) for p in EXAMPLES]
    assert headings == expected
    assert proc.stdout.count("[ok]") >= 50


def test_tour_runs_one_section():
    """``--section 10.2`` prints that section only."""
    proc = run("-m", "pyhood", "tour", "--section", "10.2")
    assert_clean(proc)
    assert re.findall(r"^§(10\.\d)  ", proc.stdout, flags=re.MULTILINE) == ["10.2"]


def test_tour_rejects_an_unknown_section():
    """An unknown section is a usage error (exit status 2), not a traceback."""
    proc = run("-m", "pyhood", "tour", "--section", "9.9")
    assert proc.returncode == 2
    assert "invalid choice" in proc.stderr


def test_layout_command_prints_the_layout_of_the_expression():
    """``python -m pyhood layout "[1, 2]"`` prints the list's table: header, ``allocated``,
    and its item block with two pointers."""
    proc = run("-m", "pyhood", "layout", "[1, 2]")
    assert_clean(proc)
    out = proc.stdout
    assert out.startswith("list at 0x")
    for field in ("ob_refcnt", "ob_type", "ob_size", "allocated", "ob_item[0]", "ob_item[1]"):
        assert field in out, field
    assert "ob_item[2]" not in out


def test_layout_command_honours_max_items():
    """``--max-items`` is passed to ``pyhood.layout``: a long tuple's items are summarised."""
    proc = run("-m", "pyhood", "layout", "tuple(range(100))", "--max-items", "3")
    assert_clean(proc)
    assert "ob_item[2]" in proc.stdout
    assert "ob_item[3]" not in proc.stdout.replace("ob_item[3..100]", "")


def test_layout_command_reports_a_failing_expression():
    """An expression that raises gives exit status 1 and a one-line message, no traceback."""
    proc = run("-m", "pyhood", "layout", "1 / 0")
    assert proc.returncode == 1
    assert "ZeroDivisionError" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_help_lists_both_commands():
    """``python -m pyhood --help`` exits 0 and names the ``tour`` and ``layout`` commands."""
    proc = run("-m", "pyhood", "--help")
    assert_clean(proc)
    assert "tour" in proc.stdout and "layout" in proc.stdout
