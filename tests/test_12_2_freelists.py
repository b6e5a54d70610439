"""Guide §12.2 — small object optimisations: free lists.

When a float, a small tuple, a list or a dict dies, CPython keeps its memory on a per-type
free list (up to a limit) and hands it to the next object of that type, skipping the
allocator. ``pyhood.freelists()`` reads those lists; each count is proven by walking the
list it describes before it is reported.
"""

from __future__ import annotations

import gc
import re
import subprocess
import sys
import textwrap

import pyhood
import pytest


def test_freelists_report_count_and_limit():
    """Every list reports 0 <= count <= limit; float, list and dict lists exist everywhere."""
    lists = pyhood.freelists()
    for name in ("float", "list", "dict", "dict_keys", "tuple[1]"):
        assert name in lists
    for fl in lists.values():
        assert 0 <= fl.count <= fl.limit


def test_dead_floats_go_onto_the_float_free_list(gc_disabled):
    """Freeing N floats puts exactly N on the float free list (while below its limit),
    and the next float takes the most recently freed block (LIFO)."""
    gc.collect()  # earlier garbage must not reach the list mid-measurement
    floats = [float(i) + 0.5 for i in range(40)]
    before = pyhood.freelists()["float"].count
    assert before + 40 <= pyhood.freelists()["float"].limit
    last = id(floats[-1])
    del floats[-1]
    after_one = pyhood.freelists()["float"].count
    assert after_one == before + 1
    reborn = float("7.25")
    assert id(reborn) == last
    assert pyhood.freelists()["float"].count == before
    del floats
    assert pyhood.freelists()["float"].count == before + 39


def test_dead_lists_go_onto_the_list_free_list(gc_disabled):
    """Freeing a list of 20 empty lists puts 21 list objects on the list free list (the 20
    and the outer one), up to its limit of 80."""
    gc.collect()
    lists = [[] for _ in range(20)]  # may take list objects from the free list
    start = pyhood.freelists()["list"].count
    room = pyhood.freelists()["list"].limit - start
    del lists
    assert pyhood.freelists()["list"].count == start + min(21, room)


def test_float_count_agrees_with_debugmallocstats():
    """Where sys._debugmallocstats() prints the float free list ("free PyFloatObject"), its
    number equals pyhood's count read just before, with no float freed in between."""
    code = textwrap.dedent(
        """
        import sys, pyhood
        junk = [float(i) + 0.25 for i in range(30)]
        del junk
        print(pyhood.freelists()["float"].count, flush=True)
        sys._debugmallocstats()
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    match = re.search(r"(\d+)\s+free PyFloatObjects?", proc.stderr)
    if match is None:
        pytest.skip("this version's _debugmallocstats does not print the float free list")
    assert int(match.group(1)) == int(proc.stdout.split()[0])
