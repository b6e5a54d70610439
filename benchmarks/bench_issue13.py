"""Issue 13's speed goals: deep size and census, pyhood against the tools users pick instead.

Run it with a *release* build of pyhood installed (see benchmarks/README.md):

    python benchmarks/bench_issue13.py                  # ~1 minute
    python benchmarks/bench_issue13.py --quick          # 3 repeats, scaling up to 100k
    python benchmarks/bench_issue13.py --markdown       # the tables as Markdown
    python benchmarks/bench_issue13.py --json out.json  # every figure as JSON as well
    python benchmarks/bench_issue13.py --max-n 10000000 # scaling up to 10M (~4 GB of heap)
    python benchmarks/bench_issue13.py --quick --max-n 1000 --no-peers   # the smoke test's run

Two goal rows, each timing pyhood and two peers on one input built once:

- deep size of ``{f"key{i}": (i, f"v{i}") for i in range(100_000)}`` (300,001 objects):
  ``pyhood.deep_footprint(d)`` against pympler's ``asizeof.asizeof(d)`` and
  ``objsize.get_deep_size(d)``; goal pyhood / asizeof <= 1/30.
- census of every live object while ``[(i + 1000, str(i), [float(i)]) for i in
  range(250_000)]`` is held alive: ``pyhood.census()`` against guppy3's
  ``guppy.hpy().heap()`` and objgraph's ``typestats()``; goal pyhood / guppy3 <= 1/10.

Every call here takes milliseconds to seconds, so ``timeit`` loops are not needed: each tool is
called once per round, the rounds interleave the tools (A, B, C, A, B, C, ...) so a slow patch
on a noisy machine hits all of them, and the median of the rounds is kept (7 rounds, 3 with
``--quick``; fewer when a round takes more than a few seconds). Before every call the collector
runs (untimed) and it stays off during the call, so one tool's garbage is not another's work.
Each table shows, per tool: the median time, what the tool reported (bytes for a deep size,
objects for a census), the peak RSS growth of its first call, and the ratio pyhood / tool.

Peak RSS growth is ``VmHWM`` after the call minus the RSS before it, with ``VmHWM`` reset to the
current RSS first (``/proc/self/clear_refs``, Linux 4.0+); where that reset is refused the figure
is the ``ru_maxrss`` delta of ``resource.getrusage``, which shows only a new process-wide peak.
tracemalloc stays off: it would slow every allocation down and could not see the native walk's
own allocations, which go straight to the C allocator.

Scaling rows run pyhood alone on the inputs above with N = 10 ... 1M entries (N keys of the
dict, N triples held alive, N instances of a two-attribute class held alive: what most heaps
of an application hold; ``--max-n`` sets the top, 10M only when asked, 100k at most with
``--quick``): objects counted, median time, time per object and peak RSS growth. The census's
objects include the interpreter's own (some tens of thousands), so its small-N times are those of
an almost empty heap.

``--max-n`` also caps the two goal rows' inputs (the smoke test runs them on 1,000 entries).
Every peer is optional: a peer that is not installed (or ``--no-peers``) shows "not
installed" in its column, and a call that raises is reported in its column. Nothing asserts a
timing: the script always exits 0.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import importlib
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyhood
from bench_header_layout import build_warning, fmt_time, try_import_asizeof
from bench_issue12 import label, mib, peak_rss_bytes, print_notes, reset_peak_rss
from bench_obmalloc import print_cells as print_table

SIZES = (10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000)
DEFAULT_MAX_N = 1_000_000
QUICK_MAX_N = 100_000
DEEP_N = 100_000  # keys of the deep-size row's dict
CENSUS_N = 250_000  # triples held alive in the census row
SLOW_ROUND = 5.0  # seconds: a round slower than this cuts the repeats to 3


def api(name: str) -> Callable:
    """``pyhood.<name>``; the native module's while the package does not re-export it."""
    return getattr(pyhood, name, None) or getattr(pyhood._pyhood, name)


def deep_input(n: int) -> dict:
    return {f"key{i}": (i, f"v{i}") for i in range(n)}


def census_input(n: int) -> list:
    return [(i + 1000, str(i), [float(i)]) for i in range(n)]


class Item:
    """What most heaps of an application hold: instances of its own classes."""

    def __init__(self, i: int):
        self.x = i + 1000
        self.y = float(i)


def instances_input(n: int) -> list:
    return [Item(i) for i in range(n)]


def optional(module: str) -> tuple[object | None, str | None]:
    """The module and None, or None and why not (any exception: a peer may fail on an
    interpreter newer than it)."""
    try:
        return importlib.import_module(module), None
    except Exception as exc:
        return None, f"{type(exc).__name__}: {exc}"[:80]


@dataclass
class Tool:
    name: str  # the column's heading
    call: str  # what is timed
    func: Callable[[], object] | None = None  # dropped once measured: it holds the input
    report: Callable[[object], tuple[int | None, int | None]] | None = None  # (bytes, objects)
    missing: str | None = None  # why the tool is not installed; None: it is
    times: list[float] = field(default_factory=list)
    bytes: int | None = None
    objects: int | None = None
    peak: int | None = None
    error: str = ""

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.times else None

    def to_json(self) -> dict:
        d = asdict(self)
        del d["func"], d["report"]
        return {**d, "median_s": self.median}


@dataclass
class Row:
    name: str
    tools: list[Tool]  # pyhood first, then the peers; the goal is against tools[1]
    goal: float
    goal_text: str
    note: str = ""

    @property
    def ratio(self) -> float | None:
        mine, peer = self.tools[0].median, self.tools[1].median
        return None if mine is None or not peer else mine / peer

    @property
    def met(self) -> bool | None:
        r = self.ratio
        return None if r is None else r <= self.goal

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "goal": self.goal,
            "ratio": self.ratio,
            "met": self.met,
            "note": self.note,
            "tools": [t.to_json() for t in self.tools],
        }


@dataclass
class Point:
    n: int
    objects: int | None = None
    times: list[float] = field(default_factory=list)
    peak: int | None = None
    error: str = ""

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.times else None


@dataclass
class Scaling:
    name: str
    points: list[Point] = field(default_factory=list)


def peak_source() -> str:
    """How peak RSS growth is measured here (see the module's docstring)."""
    how = peak_rss_bytes()[1]
    if reset_peak_rss():
        return f"{how} after the call - RSS before it, {how} reset by /proc/self/clear_refs"
    return f"{how} delta ({how} not resettable here: it shows only a new process-wide peak)"


def call_once(func: Callable[[], object]) -> tuple[float, object, int | None]:
    """One call after a collection, the collector off during it: seconds, result, peak RSS
    growth during the call."""
    gc.collect()
    reset_peak_rss()  # where it works, the peak is now the current RSS
    peak0, _ = peak_rss_bytes()
    gc.disable()
    try:
        start = time.perf_counter()
        result = func()
        seconds = time.perf_counter() - start
    finally:
        gc.enable()
    peak1, _ = peak_rss_bytes()
    peak = None if peak0 is None or peak1 is None else peak1 - peak0
    return seconds, result, peak


def measure(tools: list[Tool], repeat: int) -> None:
    """The first call of each tool gives its report and peak; then rounds, interleaved. The
    tools' callables are dropped at the end, and with them their inputs."""
    live = []
    for t in tools:
        if t.func is None or t.missing is not None:
            continue
        result = None
        try:
            seconds, result, t.peak = call_once(t.func)
            if t.report is not None:
                t.bytes, t.objects = t.report(result)
        except Exception as exc:
            t.error = f"raised {type(exc).__name__}: {str(exc)[:60]}"
            continue
        finally:
            del result
        t.times.append(seconds)
        live.append(t)
    if sum(t.times[0] for t in live) > SLOW_ROUND:
        repeat = min(repeat, 3)
    try:
        for _ in range(repeat - 1):  # the first call counts as one round
            for t in live:
                seconds, _result, _peak = call_once(t.func)
                del _result
                t.times.append(seconds)
    except Exception as exc:  # a call that worked once and then raised
        t.error = f"raised {type(exc).__name__} in a later round: {str(exc)[:50]}"
    for t in tools:
        t.func = t.report = None


def deep_row(n: int, args: argparse.Namespace, peers: dict) -> Row:
    d = deep_input(n)
    deep_footprint = api("deep_footprint")

    def mine(r):
        return r.total, r.objects

    tools = [
        Tool("pyhood", "pyhood.deep_footprint(d)", lambda: deep_footprint(d), mine),
        Tool("pympler", "asizeof.asizeof(d)", report=lambda b: (b, None)),
        Tool("objsize", "objsize.get_deep_size(d)", report=lambda b: (b, None)),
    ]
    (asizeof, tools[1].missing), (objsize, tools[2].missing) = peers["pympler"], peers["objsize"]
    if asizeof is not None:
        tools[1].func = lambda: asizeof.asizeof(d)
    if objsize is not None:
        tools[2].func = lambda: objsize.get_deep_size(d)
    row = Row(f"deep size, {label(n)}-key dict", tools, 1 / 30, "<= 1/30 of asizeof")
    measure(tools, args.repeat)
    return row


def census_row(n: int, args: argparse.Namespace, peers: dict) -> Row:
    kept = census_input(n)
    (guppy, no_guppy), (objgraph, no_objgraph) = peers["guppy3"], peers["objgraph"]

    def mine(c):
        return c.allocated, c.objects

    tools = [
        Tool("pyhood", "pyhood.census()", api("census"), mine),
        Tool("guppy3", "guppy.hpy().heap()", report=lambda h: (h.size, h.count)),
        Tool("objgraph", "objgraph.typestats()", report=lambda s: (None, sum(s.values()))),
    ]
    tools[1].missing, tools[2].missing = no_guppy, no_objgraph
    if guppy is not None:
        tools[1].func = lambda: guppy.hpy().heap()
    if objgraph is not None:
        tools[2].func = objgraph.typestats
    row = Row(f"census, {label(n)} triples alive", tools, 1 / 10, "<= 1/10 of guppy3")
    measure(tools, args.repeat)
    del kept
    return row


def scale(sizes: list[int], args: argparse.Namespace) -> list[Scaling]:
    deep = Scaling("deep_footprint(dict of N keys)")
    cen = Scaling("census() with N triples alive")
    inst = Scaling("census() with N instances alive")
    deep_footprint, census = api("deep_footprint"), api("census")
    for n in sizes:
        for sc, build, call in (
            (deep, deep_input, deep_footprint),
            (cen, census_input, lambda _x: census()),
            (inst, instances_input, lambda _x: census()),
        ):
            x = build(n)
            p = Point(n)
            tool = Tool(
                sc.name, sc.name, lambda x=x, call=call: call(x), lambda r: (None, r.objects)
            )
            measure([tool], args.repeat if n < 1_000_000 else min(args.repeat, 3))
            p.objects, p.times, p.peak, p.error = tool.objects, tool.times, tool.peak, tool.error
            sc.points.append(p)
            del x, tool
    return [deep, cen, inst]


def run(args: argparse.Namespace) -> tuple[list[Row], list[Scaling], list[str]]:
    names = {
        "pympler": "pympler.asizeof",
        "objsize": "objsize",
        "guppy3": "guppy",
        "objgraph": "objgraph",
    }
    peers: dict[str, tuple[object | None, str | None]] = {}
    for peer, module in names.items():
        if args.no_peers:
            peers[peer] = (None, "--no-peers")
        elif peer == "pympler":
            asizeof = try_import_asizeof()
            peers[peer] = (asizeof, None if asizeof is not None else "pympler not importable")
        else:
            peers[peer] = optional(module)
    notes = [f"peak RSS: {peak_source()}; tracemalloc off"]
    rows = [
        deep_row(min(DEEP_N, args.max_n), args, peers),
        census_row(min(CENSUS_N, args.max_n), args, peers),
    ]
    top = min(args.max_n, QUICK_MAX_N) if args.quick else args.max_n
    sizes = [n for n in SIZES if n <= top] or [top]
    return rows, scale(sizes, args), notes


def tool_cells(row: Row) -> tuple[list[str], list[list[str]]]:
    """One column per tool: time, what it reported, peak RSS, ratio pyhood / tool."""
    mine = row.tools[0].median
    header = ["measure", *(f"{t.name}: {t.call}" for t in row.tools)]

    def cell(t: Tool, text: str) -> str:
        if t.missing is not None:
            return f"not installed ({t.missing})"
        return t.error or text

    def size(n: int | None) -> str:
        return "-" if n is None else f"{n / 2**20:.1f} MiB ({n:,})"

    def ratio(t: Tool) -> str:
        return "-" if mine is None or not t.median else f"{mine / t.median:.3g}x"

    table = [
        ["median time", *(cell(t, fmt_time(t.median)) for t in row.tools)],
        ["rounds", *(cell(t, str(len(t.times))) for t in row.tools)],
        ["bytes reported", *(cell(t, size(t.bytes)) for t in row.tools)],
        [
            "objects counted",
            *(cell(t, "-" if t.objects is None else f"{t.objects:,}") for t in row.tools),
        ],
        ["peak RSS growth", *(cell(t, mib(t.peak)) for t in row.tools)],
        ["pyhood / tool", *(cell(t, ratio(t)) for t in row.tools)],
    ]
    return header, table


def scaling_cells(sc: Scaling) -> list[list[str]]:
    out = []
    for p in sc.points:
        t = p.median
        per = "-" if t is None or not p.objects else fmt_time(t / p.objects)
        objects = "-" if p.objects is None else f"{p.objects:,}"
        out.append([sc.name, label(p.n), objects, p.error or fmt_time(t), per, mib(p.peak)])
    return out


def report(rows: list[Row], scaling: list[Scaling], notes: list[str], args, env: dict) -> None:
    md = args.markdown
    bullet = "- " if md else ""
    print()
    if md:
        where = f"`{env['pyhood_path']}`"
        print(f"**pyhood {env['pyhood']}** ({where}), Python {env['python']}, {env['when']}")
        print(f"{env['platform']}, {env['cpus']} CPUs; timing: {env['timing']}\n")
    for row in rows:
        print(
            f"{'**' if md else ''}{row.name}{'**' if md else ''}"
            + (f" ({row.note})" if row.note else "")
        )
        if md:
            print()
        print_table(*tool_cells(row), md)
        print()
    goals = []
    for row in rows:
        met = {True: "yes", False: "NO", None: "not measured"}[row.met]
        ratio = "-" if row.ratio is None else f"{row.ratio:.3g}x"
        of = f"{row.tools[0].call} / {row.tools[1].call}"
        goals.append([row.name, of, ratio, row.goal_text, met])
    print_table(["goal row", "ratio of", "ratio", "goal", "met"], goals, md)
    print()
    table = [c for sc in scaling for c in scaling_cells(sc)]
    print_table(
        ["scaling", "N", "objects", "median time", "per object", "peak RSS growth"], table, md
    )
    print()
    print_notes(rows, notes, bullet)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds instead of 7, N <= 100k")
    parser.add_argument("--json", metavar="FILE", help="also write every figure to FILE as JSON")
    parser.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    parser.add_argument(
        "--max-n",
        type=int,
        default=DEFAULT_MAX_N,
        help="largest N of the scaling rows (default 1M, 10M only when asked); also caps the "
        "goal rows' 100k dict and 250k triples",
    )
    parser.add_argument(
        "--no-peers", action="store_true", help="import none of pympler, objsize, guppy3, objgraph"
    )
    args = parser.parse_args(argv)
    args.max_n = max(args.max_n, 10)
    args.repeat = 3 if args.quick else 7

    env = {
        "pyhood": pyhood.__version__,
        "pyhood_path": str(Path(pyhood._pyhood.__file__).resolve()),
        "python": sys.version.split()[0],
        "when": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "platform": f"{platform.platform()}, {platform.machine()}",
        "cpus": os.cpu_count(),
        "timing": f"median of {args.repeat} interleaved rounds"
        + (f" (3 when a round takes over {SLOW_ROUND:g} s)" if args.repeat > 3 else "")
        + "; gc.collect() before each call, gc off during it",
    }
    if not args.markdown:
        print(f"pyhood {env['pyhood']} from {env['pyhood_path']}")
        print(f"Python {env['python']} ({platform.python_implementation()}), {env['when']}")
        print(f"{env['platform']}, {env['cpus']} CPUs; timing: {env['timing']}")
    if warning := build_warning():
        print(warning)
    started = time.perf_counter()
    rows, scaling, notes = run(args)
    env["seconds"] = round(time.perf_counter() - started, 1)
    report(rows, scaling, notes, args, env)
    print(f"{'- ' if args.markdown else ''}run took {env['seconds']} s")
    if args.json:
        data = {
            "environment": env,
            "rows": [r.to_json() for r in rows],
            "scaling": [
                {
                    "name": sc.name,
                    "points": [{**asdict(p), "median_s": p.median} for p in sc.points],
                }
                for sc in scaling
            ],
            "notes": notes,
        }
        Path(args.json).write_text(json.dumps(data, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
