"""The issue-12 benchmark script runs: a smoke test, never a timing check.

``benchmarks/bench_issue12.py`` is run in a fresh interpreter (the one running pytest, warnings
as errors) in its smallest setting: ``--quick``, ``--max-n 1000`` (inputs and GC heap of at most
1 000 elements instead of 1M and 300k) and ``--no-peers`` (einspect and pympler are not
imported, so their rows must say "peer not installed"). The test requires a clean exit, nothing
on stderr, and a JSON file listing exactly the goal rows and scaling series the script is
meant to report for that setting; each goal row is timed on pyhood's side or says why not.
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


def test_bench_issue12_smoke(tmp_path: Path) -> None:
    """The script exits 0 with nothing on stderr and reports every row of issue 12's table."""
    out = tmp_path / "rows.json"
    args = ["--quick", "--max-n", "1000", "--no-peers", "--json", str(out)]
    proc = subprocess.run(
        [sys.executable, "-W", "error", str(SCRIPT), *args],
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
    data = json.loads(out.read_text(encoding="utf-8"))

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
