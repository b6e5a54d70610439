"""The issue-12 and issue-13 benchmark scripts run: smoke tests, never timing checks.

``benchmarks/bench_issue12.py`` is run in a fresh interpreter (the one running pytest, warnings
as errors) in its smallest setting: ``--quick``, ``--max-n 1000`` (inputs and GC heap of at most
1 000 elements instead of 1M and 300k) and ``--no-peers`` (einspect and pympler are not
imported, so their rows must say "peer not installed"). The test requires a clean exit, nothing
on stderr, and a JSON file listing exactly the goal rows and scaling series the script is
meant to report for that setting; each goal row is timed on pyhood's side or says why not.
``benchmarks/bench_issue13.py`` runs the same way (``--max-n 1000`` caps its 100k-key dict,
its 250k triples and its scaling inputs at 1 000; ``--no-peers`` leaves pympler, objsize, guppy3
and objgraph out, so their columns must say "not installed").
No time, ratio or goal outcome is checked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "bench_issue12.py"
SCRIPT13 = ROOT / "benchmarks" / "bench_issue13.py"


def run_quick(script: Path, tmp_path: Path) -> tuple[dict, str]:
    """Run ``script --quick --max-n 1000 --no-peers`` with warnings as errors; it must exit 0
    with nothing on stderr. Returns the JSON it wrote and what it printed."""
    out = tmp_path / "rows.json"
    args = ["--quick", "--max-n", "1000", "--no-peers", "--json", str(out)]
    proc = subprocess.run(
        [sys.executable, "-W", "error", str(script), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT / "tests",
        env=dict(os.environ, PYTHONIOENCODING="utf-8"),
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return json.loads(out.read_text(encoding="utf-8")), proc.stdout


def test_bench_issue12_smoke(tmp_path: Path) -> None:
    """The script exits 0 with nothing on stderr and reports every row of issue 12's table."""
    data, _ = run_quick(SCRIPT, tmp_path)

    einspect_rows = [
        "layout int",
        "layout float",
        "layout 3-list",
        "layout 2-key dict",
        "layout user instance",
    ]
    footprints = [f"footprint {k} of {n}" for n in ("10", "100", "1k") for k in ("list", "dict")]
    expected = [
        *einspect_rows,
        "layout 1k-key dict, max_items=64",
        "layout 1k-item list, max_items=64",
        "footprint(instance)",
        *footprints,
        "gc_generations, 1k-object heap",
        "gc_info head-most object of gen 2 in a 1k-object heap",
        "gc_info oldest of 1k-object heap",
        "gc_info middle of 1k-object heap",
        "weakref_count with 100 weakrefs",
        "refcnt",
        "obmalloc_stats",
    ]
    rows = {r["name"]: r for r in data["rows"]}
    assert [r["name"] for r in data["rows"]] == expected
    for name in einspect_rows:
        assert rows[name]["note"].startswith("peer not installed"), rows[name]
    for name in ["footprint(instance)", *footprints]:
        assert rows[name]["note"].startswith("peer not installed"), rows[name]
    for row in data["rows"]:
        if row["name"] not in einspect_rows:
            assert row["pyhood_s"] is not None or row["note"], row
    assert [s["name"] for s in data["scaling"]] == [
        "layout(list of N, max_items=64)",
        "layout(dict of N, max_items=64)",
        "footprint(list of N)",
        "footprint(dict of N)",
        "gc_generations(), per node, heap of N extra objects",
    ]
    for series in data["scaling"]:
        assert sorted(series["times"], key=int) == ["10", "100", "1000"], series
    assert data["rss"]["items"] == 1000


def test_bench_issue13_smoke(tmp_path: Path) -> None:
    """The script exits 0 with nothing on stderr and reports both goal rows of issue 13 and
    its three scaling series."""
    data, stdout = run_quick(SCRIPT13, tmp_path)

    assert [r["name"] for r in data["rows"]] == [
        "deep size, 1k-key dict",
        "census, 1k triples alive",
    ]
    tools = {r["name"]: [t["name"] for t in r["tools"]] for r in data["rows"]}
    assert tools == {
        "deep size, 1k-key dict": ["pyhood", "pympler", "objsize"],
        "census, 1k triples alive": ["pyhood", "guppy3", "objgraph"],
    }
    for row in data["rows"]:
        mine, *peers = row["tools"]
        assert mine["median_s"] is not None or mine["error"], mine
        assert mine["missing"] is None, mine
        for peer in peers:
            assert peer["missing"] == "--no-peers", peer
            assert peer["median_s"] is None, peer
        assert row["met"] is None, row
    assert "not installed (--no-peers)" in stdout
    assert [s["name"] for s in data["scaling"]] == [
        "deep_footprint(dict of N keys)",
        "census() with N triples alive",
        "census() with N instances alive",
    ]
    for series in data["scaling"]:
        assert [p["n"] for p in series["points"]] == [10, 100, 1000], series
        for p in series["points"]:
            assert p["median_s"] is not None or p["error"], p
