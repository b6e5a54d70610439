"""Under valgrind's memcheck, no memory error has one of pyhood's frames in its stack.

``valgrind/exercise.py`` makes every public call (and the test hooks' searches) on objects of
every decoder, in a child process run by ``valgrind --tool=memcheck`` with
``PYTHONMALLOC=malloc``, so that every object is a malloc block whose bounds memcheck knows,
and with CPython's own suppressions (``valgrind/valgrind-python.supp``). Memcheck's XML
report is read here. An error is pyhood's when a frame of its stack lies in pyhood's
extension module (pyhood's Rust code and the pyo3 code compiled into it).

What memcheck can see of pyhood's reads: pyhood copies memory through syscalls (see
``src/raw/mem.rs``), and under memcheck it asks memcheck to check that each range it relies
on is addressable, so a read that runs past the end of a block is reported in pyhood's
frames; padding bytes copied with a live object are not errors. The exercise ends with such
a read on purpose (a control), which must be the only error of pyhood's: a run reporting
nothing at all would not show that memcheck was watching.

Leak records (memcheck's XML report always has them) are set aside, so this test does not
check that pyhood leaks nothing: CPython leaves hundreds at exit by itself (375 "definitely
lost" for ``python -c pass``, 3.12.1 with ``PYTHONMALLOC=malloc``; tracemalloc's own records
of allocations made during a pyhood call are among them), and the type objects of pyhood's
module live as long as the process.

The test runs when ``PYHOOD_VALGRIND=1``, which ``ci/test.sh`` sets for one interpreter of
the matrix, and then fails if valgrind is not installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pyhood
import pytest

HERE = Path(__file__).parent / "valgrind"

pytestmark = pytest.mark.skipif(
    os.environ.get("PYHOOD_VALGRIND") != "1",
    reason="the memcheck run is selected by PYHOOD_VALGRIND=1 (ci/test.sh: one interpreter)",
)

#: The control's frame: the test hook that reads a dict's struct at any address.
CONTROL = "_interned_dict_size_at"


def memcheck_errors(tmp_path: Path) -> list[ET.Element]:
    """Run the exercise under memcheck and return the errors of its XML report."""
    valgrind = shutil.which("valgrind")
    assert valgrind, "PYHOOD_VALGRIND=1 but valgrind is not installed"
    report = tmp_path / "memcheck.xml"
    proc = subprocess.run(
        [
            valgrind,
            "--tool=memcheck",
            "--error-limit=no",
            "--num-callers=50",
            f"--suppressions={HERE / 'valgrind-python.supp'}",
            "--xml=yes",
            f"--xml-file={report}",
            sys.executable,
            str(HERE / "exercise.py"),
        ],
        env={**os.environ, "PYTHONMALLOC": "malloc"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert proc.stdout.strip().endswith("pyhood valgrind exercise: done"), proc.stdout
    return list(ET.parse(report).getroot().iter("error"))


def is_leak(error: ET.Element) -> bool:
    return error.findtext("kind", "").startswith("Leak_")


def frames(error: ET.Element) -> list[tuple[str, str]]:
    """(function, object file) of each frame of the error's first stack, innermost first."""
    stack = error.find("stack")
    assert stack is not None
    return [(f.findtext("fn", "?"), f.findtext("obj", "?")) for f in stack.iter("frame")]


def describe(error: ET.Element) -> str:
    what = error.findtext("what") or error.findtext("xwhat/text") or "?"
    where = " < ".join(fn for fn, _ in frames(error)[:10])
    return f"{error.findtext('kind')}: {what}\n    {where}\n    {error.findtext('auxwhat', '')}"


def test_memcheck_reports_no_error_in_pyhoods_frames_but_the_control(tmp_path):
    """Every error memcheck reports with a frame in pyhood's module is the control's read,
    and the control is reported: 'Syscall param read(buf) points to unaddressable byte(s)'
    (the range pyhood relies on, checked through read(2)), 13 bytes past a 35-byte block."""
    module = os.path.realpath(pyhood._pyhood.__file__)
    errors = [e for e in memcheck_errors(tmp_path) if not is_leak(e)]
    pyhoods = [e for e in errors if any(os.path.realpath(obj) == module for _, obj in frames(e))]
    control = [e for e in pyhoods if any(CONTROL in fn for fn, _ in frames(e))]
    others = [describe(e) for e in pyhoods if e not in control]
    assert not others, f"{len(others)} memcheck errors in pyhood's frames:\n" + "\n".join(others)
    assert len(control) == 1, [describe(e) for e in control]
    what = control[0].findtext("what", "")
    assert "read(buf)" in what and "unaddressable" in what, describe(control[0])
    assert "0 bytes after a block of size 35" in control[0].findtext("auxwhat", "")
