"""Issue 11: the allocator tests hold under every allocator configuration.

CPython serves objects from pymalloc or straight from the C library's malloc, either with or
without its debug hooks (``PYTHONMALLOC=pymalloc|pymalloc_debug|malloc|malloc_debug``), and
tracemalloc wraps the allocator in hooks of its own while it traces. The tests of
``block_info``, ``footprint``, ``obmalloc_stats`` and ``track`` read the allocator's own
headers and counters, so each configuration runs them again, in a child interpreter: one test
per configuration runs ``python [-X tracemalloc] -m pytest`` on :data:`FILES` with
``PYTHONMALLOC`` set, and asserts that

- nothing fails, and at least 100 tests pass (about 130 to 250 do, depending on the
  version and the configuration);
- the child ran under the configuration asked for: conftest prints the one its tests saw at
  the end (after the last test: tracemalloc was still tracing then), and
  ``test_the_configuration_is_the_one_cpython_names`` checks it against CPython's own name;
- a test that makes sense only under another configuration skips, and says so: the reason
  begins with the configuration (``PYTHONMALLOC=malloc: pymalloc is off, ...``), and the
  tests written for pymalloc (or for its absence) are among those skipped.

Tests whose subject is a child interpreter with an allocator of its own choosing (marker
``child_allocator``) are deselected: they would run the same way in every configuration. The
configuration this process itself runs under is not run again: the suite's own run of these
files is its run. ``test_11_5_tracking.py`` is left out under tracemalloc: each snapshot
there would walk the traces of the whole pytest run (about 40 s), and it starts tracemalloc
itself where it is about tracing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tracemalloc
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import ALLOCATOR, FREE_THREADED

TESTS = Path(__file__).parent

#: The test files that read the allocator: block_info/footprint against pool headers and
#: malloc chunks, obmalloc_stats against sys._debugmallocstats(), track's block counts, and
#: deep_footprint and census, which size every object they reach the same way.
FILES = [
    "test_12_1_blocks.py",
    "test_12_1_obmalloc.py",
    "test_10_2_aged_instances.py",
    "test_11_3_identity_reuse.py",
    "test_11_5_tracking.py",
    "test_11_6_generators.py",
    "test_11_6_frames.py",
    "test_12_5_long_running.py",
    "test_11_5_deep_footprint.py",
    "test_12_5_census.py",
]

#: configuration -> (PYTHONMALLOC, interpreter options)
CONFIGURATIONS = {
    "pymalloc": ("pymalloc", []),
    "pymalloc_debug": ("pymalloc_debug", []),
    "malloc": ("malloc", []),
    "malloc_debug": ("malloc_debug", []),
    "tracemalloc": ("pymalloc", ["-X", "tracemalloc"]),
}

#: Tests that must skip under a configuration (pymalloc's own, or its absence's).
PYMALLOC_ONLY = [
    "test_12_1_blocks.py::test_small_objects_get_a_pymalloc_block_rounded_to_16",
    "test_12_1_obmalloc.py::test_the_arenas_add_up",
]
WITHOUT_PYMALLOC_ONLY = [
    "test_12_1_blocks.py::test_without_pymalloc_small_objects_are_malloc_chunks",
]
WITHOUT_REPORT_ONLY = ["test_12_1_obmalloc.py::test_without_a_report_here_obmalloc_stats_raises"]


def _label(allocator: str, options: list[str]) -> str:
    """The configuration as conftest's ``configuration()`` names it."""
    tracing = " with tracemalloc tracing" if "tracemalloc" in options else ""
    return f"PYTHONMALLOC={allocator}{tracing}"


def _results(junit: Path) -> dict[str, list[tuple[str, str]]]:
    """``file::test`` (parameters dropped) -> list of (outcome, message), from JUnit XML."""
    out: dict[str, list[tuple[str, str]]] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        module = case.get("classname", "").rsplit(".", 1)[-1]
        name = f"{module}.py::{case.get('name', '').split('[')[0]}"
        outcome, message = "passed", ""
        for kind in ("failure", "error", "skipped"):
            child = case.find(kind)
            if child is not None:
                outcome, message = kind, child.get("message", "")
        out.setdefault(name, []).append((outcome, message))
    return out


@pytest.mark.skipif(FREE_THREADED, reason="free-threaded builds use mimalloc")
@pytest.mark.parametrize("config", CONFIGURATIONS)
def test_allocator_tests_pass_under(config, tmp_path):
    """The allocator tests pass under ``config`` in a child interpreter; the ones that make
    sense only elsewhere skip, naming the configuration."""
    allocator, options = CONFIGURATIONS[config]
    label = _label(allocator, options)
    if ALLOCATOR == allocator and not options and not tracemalloc.is_tracing():
        pytest.skip(f"this process runs under {label}: the suite's own run is this one")
    files = [f for f in FILES if not (options and f == "test_11_5_tracking.py")]
    junit = tmp_path / "junit.xml"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONTRACEMALLOC", "PYTHONDEVMODE")}
    env["PYTHONMALLOC"] = allocator
    cmd = [
        sys.executable,
        *options,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:hypothesispytest",  # not used by these files; importing it costs seconds
        "-m",
        "not child_allocator",
        f"--junitxml={junit}",
        *files,
    ]
    proc = subprocess.run(
        cmd, cwd=TESTS, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert proc.returncode == 0, proc.stdout[-8000:] + proc.stderr[-2000:]
    assert f"allocator configuration: {label}\n" in proc.stdout, proc.stdout[-2000:]
    results = _results(junit)
    outcomes = [o for runs in results.values() for o, _ in runs]
    assert "failure" not in outcomes and "error" not in outcomes
    assert outcomes.count("passed") >= 100, proc.stdout[-2000:]
    # Skips for the allocator's sake name the configuration they skipped under.
    for name, runs in results.items():
        for outcome, message in runs:
            if outcome == "skipped" and message.startswith("PYTHONMALLOC="):
                assert message.startswith(label), (name, message)
    pymalloc = allocator.startswith("pymalloc")
    report = pymalloc and not options
    expected_skips = (
        (PYMALLOC_ONLY if not pymalloc else WITHOUT_PYMALLOC_ONLY)
        + (WITHOUT_REPORT_ONLY if report else [])
        + (["test_12_1_obmalloc.py::test_the_arenas_add_up"] if pymalloc and not report else [])
    )
    for name in expected_skips:
        assert results[name], name
        for outcome, message in results[name]:
            assert outcome == "skipped" and message.startswith(label), (name, outcome, message)
