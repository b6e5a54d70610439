"""Issue 12's speed goals: every row a ratio (pyhood time / peer time) measured in one run.

Run it with a *release* build of pyhood installed (see benchmarks/README.md):

    python benchmarks/bench_issue12.py                  # ~2-3 minutes
    python benchmarks/bench_issue12.py --quick          # fewer, shorter repeats; noisier
    python benchmarks/bench_issue12.py --markdown       # the tables as Markdown
    python benchmarks/bench_issue12.py --json out.json  # every row as JSON as well
    python benchmarks/bench_issue12.py --quick --max-n 1000 --no-peers   # the smoke test's run

Each goal row times pyhood and a peer (einspect, pympler, the standard library, or pyhood
itself on a small input) with ``timeit``, the two sides' repeats interleaved (A, B, A, B, ...)
so a slow patch on a noisy machine hits both; the best per-call time of each side is kept, net
of timeit's empty-loop cost. A side whose calls are slow (the 1M-element and 300k-object rows)
gets fewer repeats, so one run stays within a few minutes. The ratio is pyhood / peer, and the
goal is met when the ratio is at most the goal. Scaling rows time pyhood alone on inputs of 10
to 1M elements (``--max-n`` lowers the top), each as microseconds and as a ratio to N=10: with
``max_items=64`` a layout's cost should follow ``max_items``, not N. Then the resident-memory
growth of one ``layout(d1m, max_items=64)`` call.

Big structures are built once. GC heaps are made of empty lists (always tracked; tuples of
untracked items would be untracked by the next collection), moved to the oldest generation by
``gc.collect()``, and the collector stays off while anything is timed. "Oldest" and "middle"
mean positions in generation 2's list as ``gc.get_objects(2)`` returns it: CPython walks that
list from its head along ``_gc_next``, and a collection appends survivors at the tail, so the
first heap object in that order is the heap's oldest one. The "head-most" row times
``gc.get_objects(2)[0]``, the oldest tracked object of the process, right after the list head:
the longest walk for a walk along ``_gc_next`` alone (what pyhood did before), one step for a
walk both ways. The heap's oldest object has the interpreter's own older objects (about 20k)
between it and the head, which a walk from both ends covers half each. On 3.14+ (incremental
collector: young and old spaces) the script
simply reports what ``gc.get_objects(g)`` gives and says so.

Missing peers (einspect exists only for 3.10-3.12; pympler may be absent) turn their rows into
"peer not installed"; a call that raises is reported in its row. Nothing asserts a timing: the
script always exits 0.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import resource
import sys
import time
import timeit
import weakref
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyhood
from bench_header_layout import build_warning, fmt_time, try_import_asizeof, try_import_einspect
from bench_obmalloc import Capture
from bench_obmalloc import print_cells as print_table

SIZES = (10, 100, 1_000, 10_000, 100_000, 1_000_000)
GC_HEAP = 300_000  # objects in the heap of the gc rows (capped by --max-n)
MAX_ITEMS = 64
WEAKREFS = 100


class Point:
    def __init__(self, x: int, y: int) -> None:
        self.x = x
        self.y = y


def label(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


@dataclass
class Row:
    name: str
    pyhood: str
    peer: str
    goal: float
    pyhood_s: float | None = None
    peer_s: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.pyhood_s is None or self.peer_s is None:
            return None
        return self.pyhood_s / self.peer_s

    @property
    def met(self) -> bool | None:
        r = self.ratio
        return None if r is None else r <= self.goal

    def cells(self) -> list[str]:
        r = self.ratio
        met = {True: "yes", False: "NO", None: "not measured"}[self.met]
        return [
            self.name,
            fmt_time(self.pyhood_s),
            fmt_time(self.peer_s),
            "-" if r is None else f"{r:.3g}x",
            f"<= {self.goal:g}x",
            met,
            self.note,
        ]

    def to_json(self) -> dict:
        return {**asdict(self), "ratio": self.ratio, "met": self.met}


@dataclass
class Scaling:
    name: str
    unit: str  # "call" or "node"
    times: dict[int, float | None] = field(default_factory=dict)  # N -> seconds per unit
    note: str = ""


class Bench:
    """Interleaved timeit repeats, as in bench_header_layout.py, with a time budget per side."""

    def __init__(self, quick: bool) -> None:
        self.repeat = 3 if quick else 7
        self.min_time = 0.02 if quick else 0.1
        self.budget = 0.3 if quick else 1.5  # seconds per side before repeats are cut
        self.loop_s = 0.0
        self._warm_up(0.3 if quick else 1.0)
        self.loop_s = self.best([self.timer("pass")])[0]

    def _warm_up(self, seconds: float) -> None:
        """Busy-loop first: the first row measured on a cold start came out skewed."""
        timer = self.timer("f(x)", f=id, x=self)
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            timer.timeit(10_000)

    @staticmethod
    def timer(stmt: str, **names: object) -> timeit.Timer:
        # Everything is bound to locals of timeit's inner function in the setup, so the loop
        # body is only LOAD_FAST + CALL: no global or attribute look-ups are timed.
        setup = "; ".join(f"{k} = _bench_{k}" for k in names) or "pass"
        return timeit.Timer(stmt, setup=setup, globals={f"_bench_{k}": v for k, v in names.items()})

    def _number(self, timer: timeit.Timer) -> tuple[int, float]:
        """Timer.autorange's loop count for our minimum time, and that run's seconds per call."""
        i = 1
        while True:
            for j in (1, 2, 5):
                number = i * j
                t = timer.timeit(number)
                if t >= self.min_time:
                    return number, t / number
            i *= 10

    def best(self, timers: list[timeit.Timer]) -> list[float]:
        """Best per-call seconds of each timer, repeats interleaved across the timers."""
        calibrated = [self._number(t) for t in timers]
        numbers = [n for n, _ in calibrated]
        best = [per_call for _, per_call in calibrated]
        round_s = sum(n * per_call for n, per_call in calibrated) / len(timers)
        repeat = max(1, min(self.repeat, int(self.budget / round_s)))
        for _ in range(repeat - 1):  # the calibration run counts as one repeat
            for i, (t, n) in enumerate(zip(timers, numbers, strict=True)):
                best[i] = min(best[i], t.timeit(n) / n)
        return [max(b - self.loop_s, 1e-10) for b in best]

    def pair(self, row: Row, mine: tuple[str, dict], peer: tuple[str, dict] | None) -> Row:
        """Time ``mine`` and ``peer`` (each: statement, {name: value}); no peer: pyhood only."""
        timers = []
        sides = [("pyhood", mine)] + ([("peer", peer)] if peer is not None else [])
        for who, (stmt, names) in sides:
            timer = self.timer(stmt, **names)
            try:
                timer.timeit(1)  # warm up, and find out now if the call fails here
            except Exception as exc:
                row.note = f"{who} raised {type(exc).__name__}: {str(exc)[:70]}".strip()
                return row
            timers.append(timer)
        times = self.best(timers)
        row.pyhood_s = times[0]
        if peer is not None:
            row.peer_s = times[1]
        return row

    def single(self, stmt: str, **names: object) -> tuple[float | None, str]:
        timer = self.timer(stmt, **names)
        try:
            timer.timeit(1)
        except Exception as exc:
            return None, f"raised {type(exc).__name__}: {str(exc)[:70]}"
        return self.best([timer])[0], ""


def gc_heap(n: int) -> list[list]:
    """``n`` GC-tracked objects, collected once so that they sit in the oldest generation."""
    heap = [[] for _ in range(n)]
    gc.collect()
    return heap


def gen2_positions(heap: list) -> tuple[object, object, str]:
    """The heap's oldest object and the one in the middle, by their place in gc.get_objects(2)."""
    order = gc.get_objects(2)
    where = {id(o): i for i, o in enumerate(order)}
    placed = sorted((where[id(o)], k) for k, o in enumerate(heap) if id(o) in where)
    total = len(order)
    del order, where
    if len(placed) < len(heap):
        note = (
            f"only {len(placed)} of {len(heap)} heap objects in gc.get_objects(2); "
            "oldest/middle taken as heap[0] and heap[n//2]"
        )
        return heap[0], heap[len(heap) // 2], note
    (p0, k0), (pm, km) = placed[0], placed[len(placed) // 2]
    note = f"gen 2 holds {total} objects; oldest at index {p0}, middle at index {pm}"
    return heap[k0], heap[km], note


def rss_bytes() -> int | None:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return None


def peak_rss_bytes() -> tuple[int | None, str]:
    """Peak RSS so far: VmHWM (resettable through clear_refs), else ru_maxrss."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024, "VmHWM"
    except (OSError, ValueError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "ru_maxrss"


def reset_peak_rss() -> bool:
    """Linux 4.0+: writing 5 to clear_refs resets the peak RSS to the current RSS."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def layout_rss(d: dict) -> dict:
    """Memory taken by one ``layout(d, max_items=64)``: RSS growth (with the result held, and
    after dropping it) and peak growth during the call."""
    gc.collect()
    before = rss_bytes()
    reset = reset_peak_rss()
    peak0, how = peak_rss_bytes()
    result = pyhood.layout(d, max_items=MAX_ITEMS)
    peak1, _ = peak_rss_bytes()
    after = rss_bytes()
    fields = len(result)
    del result
    dropped = rss_bytes()
    return {
        "items": len(d),
        "fields": fields,
        "rss_delta": None if before is None or after is None else after - before,
        "rss_delta_after_drop": None if before is None or dropped is None else dropped - before,
        "peak_delta": None if peak0 is None or peak1 is None else peak1 - peak0,
        "peak_source": how + ("" if reset else " (not reset: the build's peak may hide it)"),
    }


def run(args: argparse.Namespace) -> tuple[list[Row], list[Scaling], dict, list[str]]:
    bench = Bench(args.quick)
    notes: list[str] = []
    einspect, einspect_missing = (None, "--no-peers")
    asizeof = None
    if not args.no_peers:
        einspect, einspect_missing = try_import_einspect()
        asizeof = try_import_asizeof()
    no_einspect = "peer not installed" + (f" ({einspect_missing})" if einspect_missing else "")
    no_pympler = "peer not installed" + (" (--no-peers)" if args.no_peers else " (pympler)")
    sizes = [n for n in SIZES if n <= args.max_n] or [args.max_n]
    big = sizes[-1]
    lists = {n: list(range(n)) for n in sizes}
    dicts = {n: dict(zip(range(n), range(n), strict=True)) for n in sizes}
    small_list, small_dict = list(range(MAX_ITEMS)), dict.fromkeys(range(MAX_ITEMS), 0)
    p = Point(1, 2)
    rows: list[Row] = []
    notes.append(f"timeit's empty-loop cost, subtracted from every time: {fmt_time(bench.loop_s)}")

    def einspect_row(name: str, x: object, goal: float) -> None:
        row = Row(name, "pyhood.layout(x)", "einspect view(x).info()", goal)
        if einspect is None:
            row.note = no_einspect
            rows.append(row)
            return
        rows.append(
            bench.pair(
                row,
                ("f(x)", {"f": pyhood.layout, "x": x}),
                ("v(x).info()", {"v": einspect.view, "x": x}),
            )
        )

    for name, x in (
        ("layout int", int("123456789")),
        ("layout float", float("3.14")),
        ("layout 3-list", [1, 2, 3]),
        ("layout 2-key dict", {"a": 1, "b": 2}),
    ):
        einspect_row(name, x, 0.05)
    einspect_row("layout user instance", p, 0.1)

    for name, x, small in (
        (f"layout {label(big)}-key dict, max_items=64", dicts[big], small_dict),
        (f"layout {label(big)}-item list, max_items=64", lists[big], small_list),
    ):
        row = Row(name, "pyhood.layout(x, max_items=64)", "the same on 64 items", 3.0)
        call = "f(x, max_items=m)"
        rows.append(
            bench.pair(
                row,
                (call, {"f": pyhood.layout, "x": x, "m": MAX_ITEMS}),
                (call, {"f": pyhood.layout, "x": small, "m": MAX_ITEMS}),
            )
        )

    def footprint_row(name: str, x: object) -> Row:
        row = Row(name, "pyhood.footprint(x)", "asizeof(x, limit=0)", 0.5)
        if asizeof is None:
            row.note = no_pympler
            row.pyhood_s, err = bench.single("f(x)", f=pyhood.footprint, x=x)
            row.note += f"; pyhood {err}" if err else ""
            return row
        peer = ("a(x, limit=0)", {"a": asizeof.asizeof, "x": x})
        return bench.pair(row, ("f(x)", {"f": pyhood.footprint, "x": x}), peer)

    rows.append(footprint_row("footprint(instance)", p))
    scaling = [
        Scaling("layout(list of N, max_items=64)", "call"),
        Scaling("layout(dict of N, max_items=64)", "call"),
        Scaling("footprint(list of N)", "call"),
        Scaling("footprint(dict of N)", "call"),
        Scaling("gc_generations(), per node, heap of N extra objects", "node"),
    ]
    for n in sizes:
        for kind, x, sc in (("list", lists[n], scaling[2]), ("dict", dicts[n], scaling[3])):
            row = footprint_row(f"footprint {kind} of {label(n)}", x)
            rows.append(row)
            sc.times[n] = row.pyhood_s
        for x, sc in ((lists[n], scaling[0]), (dicts[n], scaling[1])):
            sc.times[n], err = bench.single("f(x, max_items=m)", f=pyhood.layout, x=x, m=MAX_ITEMS)
            sc.note = sc.note or err

    rss = layout_rss(dicts[big])
    del lists, dicts, small_list, small_dict

    # The collector stays off from here on (timeit turns it off only inside its loops), so the
    # heaps stay in generation 2 and the generations' lists do not change between repeats.
    gc.disable()
    try:
        heap_n = min(GC_HEAP, args.max_n)
        heap = gc_heap(heap_n)
        if sys.version_info >= (3, 14):
            notes.append(
                "3.14+: incremental collector; the gc rows use what gc.get_objects(g) reports "
                "for g = 0, 1, 2 (young and the old spaces), and oldest/middle are positions "
                "in gc.get_objects(2)"
            )
        h = f"{label(heap_n)}-object heap"
        row = Row(
            f"gc_generations, {h}", "pyhood.gc_generations()", "len(gc.get_objects(g)) x3", 1.0
        )
        peer = ("[len(o(g)) for g in r]", {"o": gc.get_objects, "r": range(3)})
        rows.append(bench.pair(row, ("f()", {"f": pyhood.gc_generations}), peer))
        oldest, middle, where = gen2_positions(heap)
        notes.append(f"gc_info rows ({h}): {where}")
        # The head-most node of generation 2 (the oldest tracked object of the process):
        # the longest walk for a walk along _gc_next alone, one step for a walk both ways.
        first = gc.get_objects(2)[0]
        for which, obj, goal in (
            ("head-most object of gen 2 in a", first, 0.01),
            ("oldest of", oldest, 0.01),
            ("middle of", middle, 0.2),
        ):
            row = Row(
                f"gc_info {which} {h}",
                "pyhood.gc_info(o).generation",
                "get_objects(2) + `is` scan",
                goal,
            )
            scan = ("any(o is x for o in g(2))", {"g": gc.get_objects, "x": obj})
            rows.append(bench.pair(row, ("f(x).generation", {"f": pyhood.gc_info, "x": obj}), scan))
            try:
                generation = pyhood.gc_info(obj).generation
                if generation != 2:
                    row.note = f"gc_info says generation {generation!r}"
            except Exception:
                pass
        del heap, oldest, middle, first
        gc.collect()

        sc = scaling[4]
        for n in sizes:
            extra = gc_heap(n)
            nodes = sum(len(gc.get_objects(g)) for g in range(3))
            t, err = bench.single("f()", f=pyhood.gc_generations)
            sc.times[n] = None if t is None else t / nodes
            sc.note = sc.note or err
            del extra
            gc.collect()
    finally:
        gc.enable()

    o = Point(3, 4)
    callbacks = [lambda _r, i=i: i for i in range(WEAKREFS)]
    refs = [weakref.ref(o, cb) for cb in callbacks]  # a callback makes each ref a new object
    row = Row(
        f"weakref_count with {WEAKREFS} weakrefs",
        "pyhood.weakref_count(o)",
        "weakref.getweakrefcount(o)",
        5.0,
    )
    rows.append(
        bench.pair(
            row,
            ("f(x)", {"f": pyhood.weakref_count, "x": o}),
            ("f(x)", {"f": weakref.getweakrefcount, "x": o}),
        )
    )
    if weakref.getweakrefcount(o) != WEAKREFS:
        row.note = f"getweakrefcount says {weakref.getweakrefcount(o)}"
    del refs

    row = Row("refcnt", "pyhood.refcnt(x)", "sys.getrefcount(x)", 1.5)
    rows.append(
        bench.pair(
            row, ("f(x)", {"f": pyhood.refcnt, "x": p}), ("f(x)", {"f": sys.getrefcount, "x": p})
        )
    )

    capture = Capture()
    try:
        row = Row(
            "obmalloc_stats",
            "pyhood.obmalloc_stats()",
            "sys._debugmallocstats(), fd 2 to a file",
            0.5,
        )
        peer = ("f()", {"f": capture.via_tempfile})
        rows.append(bench.pair(row, ("f()", {"f": pyhood.obmalloc_stats}), peer))
    finally:
        capture.close()
    return rows, scaling, rss, notes


def scaling_cells(sc: Scaling, sizes: list[int]) -> list[list[str]]:
    base = sc.times.get(sizes[0])
    out = []
    for n in sizes:
        t = sc.times.get(n)
        ratio = "-" if t is None or not base else f"{t / base:.3g}x"
        out.append([sc.name, label(n), fmt_time(t), ratio])
    return out


def mib(n: int | None) -> str:
    return "-" if n is None else f"{n / 2**20:+.1f} MiB"


def report(rows, scaling, rss, notes, args, env: dict) -> None:
    md = args.markdown
    sizes = sorted({n for sc in scaling for n in sc.times})
    print()
    if md:
        where = f"`{env['pyhood_path']}`"
        print(f"**pyhood {env['pyhood']}** ({where}), Python {env['python']}, {env['when']}")
        print(f"{env['platform']}, {env['cpus']} CPUs; timing: {env['timing']}\n")
    print_table(
        ["row", "pyhood", "peer", "ratio", "goal", "met", "note"], [r.cells() for r in rows], md
    )
    print()
    table = [c for sc in scaling for c in scaling_cells(sc, sizes)]
    print_table(["scaling", "N", "time per call (per node for gc)", "vs N=10"], table, md)
    notes = notes + [s.name + ": " + s.note for s in scaling if s.note]
    bullet = "- " if md else ""
    print()
    print(
        f"{bullet}RSS growth of one layout({label(rss['items'])}-key dict, max_items=64): "
        f"RSS {mib(rss['rss_delta'])} with the result held, {mib(rss['rss_delta_after_drop'])} "
        f"after dropping it (/proc/self/statm); peak {mib(rss['peak_delta'])} during the call "
        f"({rss['peak_source']}); the result has {rss['fields']} fields"
    )
    print_notes(rows, notes, bullet)


def print_notes(rows: list, notes: list[str], bullet: str) -> None:
    """The notes, one per line, then how many of the rows with a goal met it (rows whose
    ``met`` is None were not measured)."""
    for note in notes:
        print(f"{bullet}{note}")
    measured = [r for r in rows if r.met is not None]
    met = sum(bool(r.met) for r in measured)
    unmeasured = len(rows) - len(measured)
    print(f"{bullet}goals met: {met}/{len(measured)} measured rows ({unmeasured} not measured)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 short repeats instead of 7")
    parser.add_argument("--json", metavar="FILE", help="also write every row to FILE as JSON")
    parser.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    parser.add_argument(
        "--max-n",
        type=int,
        default=SIZES[-1],
        help="largest N (default 1M; also caps the 300k heap)",
    )
    parser.add_argument("--no-peers", action="store_true", help="do not import einspect or pympler")
    args = parser.parse_args(argv)
    args.max_n = max(args.max_n, 10)

    env = {
        "pyhood": pyhood.__version__,
        "pyhood_path": str(Path(pyhood._pyhood.__file__).resolve()),
        "python": sys.version.split()[0],
        "when": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "platform": f"{platform.platform()}, {platform.machine()}",
        "cpus": os.cpu_count(),
        "timing": (
            "quick: up to 3 repeats, >= 0.02 s each"
            if args.quick
            else "best of up to 7, >= 0.1 s each"
        )
        + "; fewer repeats for slow calls; gc off while timing",
    }
    if not args.markdown:
        print(f"pyhood {env['pyhood']} from {env['pyhood_path']}")
        print(f"Python {env['python']} ({platform.python_implementation()}), {env['when']}")
        print(f"{env['platform']}, {env['cpus']} CPUs; timing: {env['timing']}")
    if warning := build_warning():
        print(warning)
    started = time.perf_counter()
    gc.collect()
    rows, scaling, rss, notes = run(args)
    env["seconds"] = round(time.perf_counter() - started, 1)
    report(rows, scaling, rss, notes, args, env)
    print(f"{'- ' if args.markdown else ''}run took {env['seconds']} s")
    if args.json:
        data = {
            "environment": env,
            "rows": [r.to_json() for r in rows],
            "scaling": [
                {**asdict(s), "times": {str(k): v for k, v in s.times.items()}} for s in scaling
            ],
            "rss": rss,
            "notes": notes,
        }
        Path(args.json).write_text(json.dumps(data, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
