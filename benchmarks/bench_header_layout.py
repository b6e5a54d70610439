"""Time pyhood's header/refcnt/layout against the standard library, einspect and pympler.

Run it with a *release* build of pyhood installed (see benchmarks/README.md):

    python benchmarks/bench_header_layout.py           # ~1.5 minutes
    python benchmarks/bench_header_layout.py --quick   # ~10 seconds, noisier

Every row times two callables, one from pyhood and one from another tool, on the same object,
and reports the best per-call time of each (the smallest of N ``timeit`` repeats, each repeat
looping as often as ``Timer.autorange`` would, to last at least 0.1 s) and their ratio. Repeats
of the two sides alternate (A, B, A, B, ...) so that a slow patch of a noisy machine hits both.
Times are net of timeit's empty-loop cost, which is measured once and printed. Nothing here
asserts a timing: targets are reported as met or not, and the script always exits 0.

What the rows compare:

* ``pyhood.refcnt(x)`` vs ``sys.getrefcount(x)``: the same number, read the same way; target
  pyhood at most 1.5x the time of ``sys.getrefcount``.
* ``pyhood.header(x)`` vs ``sys.getrefcount(x); id(x); type(x)``: the three header facts that
  the standard library can give (informational).
* ``pyhood.layout(x)`` vs ``einspect.view(x).info()``: target pyhood at least 20x faster.
  ``view(obj)`` wraps the object in a ctypes-structure view (``ref=True``, its default, which
  holds a reference for the view's lifetime) and ``info()`` reads every field of the struct
  through ctypes and *returns* a formatted ``str`` (``Formatter.format_view``; it does not
  print, so nothing needs redirecting). einspect has no public call that lists the field values
  without formatting them, so this is its nearest equivalent of ``layout``: both read every
  field of the object and of what it points to (a list's item array, a dict's keys table).
  ``layout`` stops at ``Field`` objects and does not render text, so a second, informational
  row times ``str(pyhood.layout(x))`` (rendered text, like ``info()``) against the same call.
* ``pyhood.layout(x)`` vs ``sys.getsizeof(x)`` (informational): the cheapest "how big is it".
* ``pyhood.frame_layout(f)`` vs ``dict(f.f_locals); f.f_lasti; f.f_code; f.f_back``
  (informational): what the standard library tells about a frame, on a suspended generator's
  frame and on a traceback's frame. (einspect and pympler have no frame view.)
* ``pyhood.layout(x)`` vs ``pympler.asizeof.asizeof(x)`` (informational, only when pympler is
  installed): a deep size, which also walks what the object refers to.

einspect is not installable on CPython 3.13+; its rows then say so and are skipped. A call that
raises on some object (einspect 0.5.16 fails on the ``str`` here on 3.12) is reported in its
row, and the other rows still run. The script also prints, for context, what the syscalls behind
pyhood's fault-free reads cost on this machine (see ``syscall_costs``).

Caveat: ``einspect``'s ``info()`` on a list leaves one extra reference on each element per call
(its formatter increfs the items it renders). The objects below hold only small ints and short
interned strings, so the leak costs no memory during the run.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import platform
import sys
import time
import timeit
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyhood

REPO = Path(__file__).resolve().parent.parent

REFCNT_TARGET = 1.5  # pyhood.refcnt may take at most this many times sys.getrefcount
EINSPECT_TARGET = 20.0  # pyhood.layout must be at least this many times faster than einspect


def _counter(n: int):
    total = 0
    for i in range(n):
        total += i
        yield total


def _fails(n: int) -> float:
    half = n / 2
    return half / 0


def sample_frames() -> list[tuple[str, object]]:
    """A suspended generator's frame and the innermost frame of a traceback."""
    gen = _counter(10)
    next(gen)
    try:
        _fails(3)
    except ZeroDivisionError as e:
        tb = e.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    # Keep the generator alive with its frame for the whole run.
    SAMPLES_KEPT.append(gen)
    return [("generator frame", gen.gi_frame), ("traceback frame", tb.tb_frame)]


SAMPLES_KEPT: list[object] = []


def sample_objects() -> list[tuple[str, object]]:
    """Small built-ins, built at run time (not shared code-object constants)."""
    return [
        ("int", int("123456789")),
        ("float", float("3.14")),
        ("list[3]", [1, 2, 3]),
        ("str", "".join(["hel", "lo"])),
        ("dict[2]", {"a": 1, "b": 2}),
    ]


@dataclass
class Row:
    operation: str
    obj: str
    pyhood_s: float | None = None
    other_s: float | None = None
    # "slower": target is pyhood_time <= target * other_time
    # "faster": target is other_time >= target * pyhood_time
    # None: informational
    target_kind: str | None = None
    target: float | None = None
    note: str = ""

    def ratio_text(self) -> str:
        if self.pyhood_s is None or self.other_s is None:
            return "-"
        r = self.pyhood_s / self.other_s
        return f"{r:.2f}x slower" if r >= 1 else f"{1 / r:.1f}x faster"

    def target_text(self) -> str:
        if self.target_kind == "slower":
            return f"<= {self.target:g}x slower"
        if self.target_kind == "faster":
            return f">= {self.target:g}x faster"
        return "info"

    def met(self) -> bool | None:
        if self.target_kind is None or self.pyhood_s is None or self.other_s is None:
            return None
        if self.target_kind == "slower":
            return self.pyhood_s <= self.target * self.other_s
        return self.other_s >= self.target * self.pyhood_s

    def met_text(self) -> str:
        m = self.met()
        if m is None:
            return "skipped" if self.target_kind and self.note else "-"
        return "yes" if m else "NO"


class Bench:
    def __init__(self, repeat: int, min_time: float) -> None:
        self.repeat = repeat
        self.min_time = min_time
        self.loop_s = 0.0
        self._warm_up(0.5 if min_time < 0.1 else 1.0)
        self.loop_s = self._best([self._timer("pass", None)])[0]

    def _warm_up(self, seconds: float) -> None:
        """Busy-loop first: the first row measured on a cold start came out skewed."""
        timer = self._timer("f(x)", self, f=id)
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            timer.timeit(10_000)

    @staticmethod
    def _timer(stmt: str, x: object, **funcs: Callable) -> timeit.Timer:
        # The setup binds everything to locals of timeit's inner function, so the loop body is
        # just LOAD_FAST + CALL: no global or attribute look-ups are timed.
        names = {f"_bench_{k}": v for k, v in funcs.items()}
        setup = "; ".join([f"{k} = _bench_{k}" for k in funcs] + ["x = _bench_x"])
        return timeit.Timer(stmt, setup=setup, globals={**names, "_bench_x": x})

    def _number(self, timer: timeit.Timer) -> int:
        """Timer.autorange's loop count (1, 2, 5, 10, 20, 50, ...) for our own minimum time."""
        i = 1
        while True:
            for j in (1, 2, 5):
                number = i * j
                if timer.timeit(number) >= self.min_time:
                    return number
            i *= 10

    def _best(self, timers: list[timeit.Timer]) -> list[float]:
        """Best per-call seconds of each timer, repeats interleaved across the timers."""
        numbers = [self._number(t) for t in timers]
        best = [float("inf")] * len(timers)
        for _ in range(self.repeat):
            for i, (t, n) in enumerate(zip(timers, numbers, strict=True)):
                best[i] = min(best[i], t.timeit(n) / n)
        return [max(b - self.loop_s, 1e-10) for b in best]

    def pair(self, row: Row, x: object, mine: tuple[str, dict], other: tuple[str, dict]) -> Row:
        """Time ``mine`` and ``other`` (each: statement, {name: callable}) on ``x``."""
        timers = []
        for who, (stmt, funcs) in (("pyhood", mine), ("other tool", other)):
            timer = self._timer(stmt, x, **funcs)
            try:
                timer.timeit(1)  # warm up, and find out now if the call fails on this object
            except Exception as exc:
                row.note = f"{who} raised {type(exc).__name__}: {str(exc)[:60]}".strip()
                return row
            timers.append(timer)
        row.pyhood_s, row.other_s = self._best(timers)
        return row


def fmt_time(seconds: float | None) -> str:
    """A time in ns, µs or ms; "-" for none."""
    if seconds is None:
        return "-"
    ns = seconds * 1e9
    if ns < 100:
        return f"{ns:.1f} ns"
    if ns < 1000:
        return f"{ns:.0f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns / 1e6:.2f} ms"


def try_import_einspect():
    try:
        import einspect
    except Exception as exc:  # ImportError, or einspect failing on an interpreter it predates
        return None, f"einspect not importable on {platform.python_version()}: {exc}"[:90]
    return einspect, None


def try_import_asizeof():
    try:
        from pympler import asizeof
    except Exception:
        return None
    return asizeof


def syscall_costs(bench: Bench) -> list[tuple[str, float]]:
    """Context for layout's times: what the syscalls behind a fault-free read cost here.

    pyhood.layout copies memory it reaches through pointers without ever faulting: small reads
    go through write(2) + read(2) on a private pipe, larger ones through process_vm_readv(2)
    (as of pyhood 0.1.0; see src/raw/mem.rs). Each such read is a floor under layout's time.
    Both are timed here from Python, so the call overhead (~0.1-0.3 us) is included. Linux
    only; anything that fails is left out.
    """
    costs: list[tuple[str, float]] = []
    if not sys.platform.startswith("linux"):
        return costs
    rfd, wfd = os.pipe()
    try:
        data = bytes(32)

        def pipe_round_trip() -> None:
            os.write(wfd, data)
            os.read(rfd, 32)

        costs.append(
            (
                "32-byte pipe write+read",
                bench._best([bench._timer("f()", None, f=pipe_round_trip)])[0],
            )
        )
    except Exception:
        pass
    finally:
        os.close(rfd)
        os.close(wfd)
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)

        class Iovec(ctypes.Structure):
            _fields_ = (("base", ctypes.c_void_p), ("len", ctypes.c_size_t))

        readv = libc.process_vm_readv
        readv.restype = ctypes.c_ssize_t
        ulong, ptr = ctypes.c_ulong, ctypes.c_void_p
        readv.argtypes = [ctypes.c_int, ptr, ulong, ptr, ulong, ulong]
        buf = ctypes.create_string_buffer(32)
        src = float("2.5")
        local, remote = Iovec(ctypes.addressof(buf), 32), Iovec(id(src), 32)
        args = (os.getpid(), ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
        if readv(*args) == 32:
            timer = bench._timer("f(*x)", args, f=readv)
            costs.append(("32-byte process_vm_readv (ctypes)", bench._best([timer])[0]))
    except Exception:
        pass
    return costs


def build_warning() -> str | None:
    so = Path(pyhood._pyhood.__file__).resolve()
    if so.is_relative_to(REPO / "python"):
        return (
            f"WARNING: pyhood is loaded from the source tree ({so.relative_to(REPO)}), i.e. the "
            "editable development build, probably a debug build. Its times are not meaningful; "
            "install a release wheel (see benchmarks/README.md)."
        )
    return None


def run(quick: bool) -> list[Row]:
    bench = Bench(repeat=3 if quick else 7, min_time=0.02 if quick else 0.1)
    einspect, einspect_missing = try_import_einspect()
    asizeof = try_import_asizeof()
    objects = sample_objects()
    rows: list[Row] = []
    disagree = [name for name, x in objects if pyhood.refcnt(x) != sys.getrefcount(x)]
    if disagree:  # a sanity check on what is being timed; reported, never fatal
        print(f"NOTE: pyhood.refcnt and sys.getrefcount disagree on {disagree}")

    print(f"(timeit empty-loop cost, subtracted from every time: {fmt_time(bench.loop_s)})")
    for name, x in objects:
        rows.append(
            bench.pair(
                Row("refcnt vs sys.getrefcount", name, target_kind="slower", target=REFCNT_TARGET),
                x,
                ("f(x)", {"f": pyhood.refcnt}),
                ("f(x)", {"f": sys.getrefcount}),
            )
        )
    for name, x in objects:
        rows.append(
            bench.pair(
                Row("header vs getrefcount+id+type", name),
                x,
                ("f(x)", {"f": pyhood.header}),
                ("g(x); i(x); t(x)", {"g": sys.getrefcount, "i": id, "t": type}),
            )
        )
    einspect_op = "layout vs einspect view().info()"
    render_op = "str(layout) vs einspect view().info()"
    if einspect is None:  # one row per operation says so; the per-object rows are skipped
        rows.append(Row(einspect_op, "-", target_kind="faster", target=EINSPECT_TARGET))
        rows[-1].note = einspect_missing
        rows.append(Row(render_op, "-", note="skipped, as above"))
    else:
        info = ("v(x).info()", {"v": einspect.view})
        for name, x in objects:
            row = Row(einspect_op, name, target_kind="faster", target=EINSPECT_TARGET)
            rows.append(bench.pair(row, x, ("f(x)", {"f": pyhood.layout}), info))
        for name, x in objects:
            rendered = ("s(f(x))", {"f": pyhood.layout, "s": str})
            rows.append(bench.pair(Row(render_op, name), x, rendered, info))
    for name, x in objects:
        rows.append(
            bench.pair(
                Row("layout vs sys.getsizeof", name),
                x,
                ("f(x)", {"f": pyhood.layout}),
                ("f(x)", {"f": sys.getsizeof}),
            )
        )
    if asizeof is not None:
        for name, x in objects:
            rows.append(
                bench.pair(
                    Row("layout vs pympler asizeof", name),
                    x,
                    ("f(x)", {"f": pyhood.layout}),
                    ("f(x)", {"f": asizeof.asizeof}),
                )
            )
    else:
        rows.append(Row("layout vs pympler asizeof", "-", note="skipped (pympler not installed)"))

    for name, frame in sample_frames():
        rows.append(
            bench.pair(
                Row("frame_layout vs f_locals+f_lasti+f_code+f_back", name),
                frame,
                ("f(x)", {"f": pyhood.frame_layout}),
                ("d(x.f_locals); x.f_lasti; x.f_code; x.f_back", {"d": dict}),
            )
        )

    costs = syscall_costs(bench)
    if costs:
        each = "; ".join(f"{what} {fmt_time(t)}" for what, t in costs)
        print(f"(syscalls behind layout's fault-free reads, timed from Python: {each})")
    return rows


def print_table(rows: list[Row]) -> None:
    header = ["operation", "object", "pyhood", "other", "ratio", "target", "met", "note"]
    table = [
        [
            r.operation,
            r.obj,
            fmt_time(r.pyhood_s),
            fmt_time(r.other_s),
            r.ratio_text(),
            r.target_text(),
            r.met_text(),
            r.note,
        ]
        for r in rows
    ]
    widths = [max(len(str(c)) for c in col) for col in zip(header, *table, strict=True)]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for cells in table:
        print(line(cells))


def print_summary(rows: list[Row]) -> None:
    for op in ("refcnt vs sys.getrefcount", "layout vs einspect view().info()"):
        mine = [r for r in rows if r.operation == op]
        measured = [r for r in mine if r.met() is not None]
        met = sum(bool(r.met()) for r in measured)
        target = mine[0].target_text() if mine else ""
        if not measured:
            print(f"target {op} ({target}): not measured ({mine[0].note if mine else ''})")
            continue
        skipped = len(mine) - len(measured)
        extra = f", {skipped} skipped (see note)" if skipped else ""
        print(f"target {op} ({target}): met on {met}/{len(measured)} objects{extra}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="3 short repeats per timing instead of 7"
    )
    args = parser.parse_args(argv)

    now = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    print(f"pyhood {pyhood.__version__} from {Path(pyhood._pyhood.__file__).resolve()}")
    print(f"Python {sys.version.split()[0]} ({platform.python_implementation()}), {now}")
    print(f"{platform.platform()}, {platform.machine()}, {os.cpu_count()} CPUs")
    mode = "quick: best of 3, >= 0.02 s each" if args.quick else "best of 7, >= 0.1 s each"
    print(f"timing: {mode}; gc disabled while timing (timeit's default)")
    if warning := build_warning():
        print(warning)
    gc.collect()
    rows = run(args.quick)
    print()
    print_table(rows)
    print()
    print_summary(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
