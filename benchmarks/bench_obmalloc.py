"""Time ``pyhood.obmalloc_stats()`` against capturing ``sys._debugmallocstats()``'s output.

Run it with a *release* build of pyhood installed (see benchmarks/README.md):

    python benchmarks/bench_obmalloc.py           # ~15 seconds
    python benchmarks/bench_obmalloc.py --quick   # ~3 seconds, noisier

``sys._debugmallocstats()`` prints to the C-level ``stderr`` (file descriptor 2), so
``contextlib.redirect_stderr`` cannot catch it: a user who wants the numbers must point fd 2
somewhere else with ``os.dup2``, call it, point fd 2 back and read what was written. pyhood
calls the same C function, ``_PyObject_DebugMallocStats``, into an in-memory ``FILE``
(``open_memstream``) and parses the text in Rust into a frozen ``ObmallocStats``.

Rows (each: best per-call time of N interleaved repeats, net of timeit's empty-loop cost):

* **target** ``pyhood.obmalloc_stats()`` vs the fd-level capture into a temporary file that is
  opened once and reused (truncate, ``dup2``, call, ``dup2`` back, seek, read): pyhood must
  cost at most 0.5x as much. This baseline yields only text, not numbers.
* info: the same capture through a pipe (reused) instead of a file.
* info: the tempfile capture *plus* parsing the text with regular expressions into a dict of
  the figures and size-class rows, i.e. what a user needs to get what pyhood returns.
* info: ``sys._debugmallocstats()`` with fd 2 pointing at ``/dev/null`` (the C work alone;
  it also prints the free lists of dicts, floats, lists and tuples, which pyhood skips).

Both sides walk every arena and pool, so the cost grows with the heap: each row is timed on the
interpreter as it is after start-up ("small heap") and again after allocating 1.5 million small
objects ("large heap", a few dozen arenas). Nothing here asserts a timing; the script always
exits 0.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import platform
import re
import sys
import tempfile
import time
import timeit
from collections.abc import Callable
from pathlib import Path

import pyhood

REPO = Path(__file__).resolve().parent.parent
TARGET = 0.5  # pyhood may cost at most this fraction of the fd-level capture


class Capture:
    """The ways a user can capture ``sys._debugmallocstats()``; file descriptors reused."""

    def __init__(self) -> None:
        self.tmp = tempfile.TemporaryFile(mode="w+b")
        self.rfd, self.wfd = os.pipe()
        os.set_blocking(self.rfd, False)
        self.null = os.open(os.devnull, os.O_WRONLY)
        self.saved = os.dup(2)

    def close(self) -> None:
        self.tmp.close()
        for fd in (self.rfd, self.wfd, self.null, self.saved):
            os.close(fd)

    def _call_with_fd2(self, fd: int) -> None:
        os.dup2(fd, 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(self.saved, 2)

    def via_tempfile(self) -> bytes:
        tmp = self.tmp
        tmp.seek(0)
        tmp.truncate()
        self._call_with_fd2(tmp.fileno())
        tmp.seek(0)
        return tmp.read()

    def via_pipe(self) -> bytes:
        # The report is ~5 KiB, far below a pipe's 64 KiB buffer, so the write cannot block.
        self._call_with_fd2(self.wfd)
        chunks = []
        while True:
            try:
                chunk = os.read(self.rfd, 65536)
            except BlockingIOError:
                break
            chunks.append(chunk)
            if len(chunk) < 65536:
                break
        return b"".join(chunks)

    def to_devnull(self) -> None:
        self._call_with_fd2(self.null)

    def and_parse(self) -> dict:
        return parse(self.via_tempfile().decode())


ROW = re.compile(r"^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$", re.MULTILINE)
VALUE = re.compile(r"^([#\w][^=\n]*?)\s*=\s*([\d,]+)$", re.MULTILINE)


def parse(text: str) -> dict:
    """A user's parser: every ``label = value`` line of the pymalloc part and the table."""
    return {
        "values": {k: int(v.replace(",", "")) for k, v in VALUE.findall(text)},
        "classes": [tuple(map(int, r)) for r in ROW.findall(text)],
    }


def best(funcs: list[Callable[[], object]], repeat: int, min_time: float) -> list[float]:
    """Best per-call seconds of each function, repeats interleaved, empty loop subtracted."""
    timers = [timeit.Timer(f) for f in funcs]
    empty = timeit.Timer(lambda: None)
    numbers = []
    for t in timers:
        n = 1
        while t.timeit(n) < min_time:
            n *= 2
        numbers.append(n)
    loop = min(empty.timeit(10_000) / 10_000 for _ in range(repeat))
    out = [float("inf")] * len(timers)
    for _ in range(repeat):
        for i, (t, n) in enumerate(zip(timers, numbers, strict=True)):
            out[i] = min(out[i], t.timeit(n) / n)
    return [max(b - loop, 1e-9) for b in out]


def fmt(seconds: float) -> str:
    us = seconds * 1e6
    return f"{us:.1f} µs" if us < 1000 else f"{us / 1000:.2f} ms"


def measure(heap: str, cap: Capture, repeat: int, min_time: float) -> list[list[str]]:
    stats = pyhood.obmalloc_stats()
    others = [
        ("fd-level capture, tempfile", cap.via_tempfile, True),
        ("fd-level capture, pipe", cap.via_pipe, False),
        ("tempfile capture + regex parse", cap.and_parse, False),
        ("_debugmallocstats to /dev/null", cap.to_devnull, False),
    ]
    times = best([pyhood.obmalloc_stats] + [f for _, f, _ in others], repeat, min_time)
    mine = times[0]
    rows = []
    for (name, _, is_target), other in zip(others, times[1:], strict=True):
        ratio = mine / other
        met = ("yes" if ratio <= TARGET else "NO") if is_target else "-"
        target = f"<= {TARGET}x" if is_target else "info"
        rows.append(
            [
                f"{heap} ({stats.arenas_in_use} arenas)",
                name,
                fmt(mine),
                fmt(other),
                f"{ratio:.2f}x",
                target,
                met,
            ]
        )
    return rows


def print_cells(header: list[str], table: list[list[str]], markdown: bool = False) -> None:
    """A table of text cells: aligned for a terminal, or as Markdown."""
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "|".join("---" for _ in header) + "|")
        for cells in table:
            print("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        return
    widths = [max(len(c) for c in col) for col in zip(header, *table, strict=True)]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for cells in table:
        print(line(cells))


def print_table(rows: list[list[str]]) -> None:
    print_cells(["heap", "compared with", "pyhood", "other", "pyhood/other", "target", "met"], rows)


def check_same_figures(cap: Capture) -> None:
    """A sanity check on what is timed: both sides report the same size-class rows."""
    text = cap.via_tempfile().decode()
    stats = pyhood.obmalloc_stats()
    ours = [(c.index, c.size, c.pools) for c in stats.size_classes]
    theirs = [r[:3] for r in parse(text)["classes"]]
    if ours != theirs:
        print("NOTE: pyhood and sys._debugmallocstats() list different size classes")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 short repeats instead of 7")
    args = parser.parse_args(argv)
    repeat, min_time = (3, 0.02) if args.quick else (7, 0.1)

    now = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    print(f"pyhood {pyhood.__version__} from {Path(pyhood._pyhood.__file__).resolve()}")
    print(f"Python {sys.version.split()[0]} ({platform.python_implementation()}), {now}")
    print(f"{platform.platform()}, {platform.machine()}, {os.cpu_count()} CPUs")
    print(f"timing: best of {repeat}, >= {min_time} s each; gc disabled while timing")
    so = Path(pyhood._pyhood.__file__).resolve()
    if so.is_relative_to(REPO / "python"):
        print("WARNING: pyhood is the editable (debug) build from the source tree; install a")
        print("release wheel for meaningful times (see benchmarks/README.md).")
    try:
        pyhood.obmalloc_stats()
    except pyhood.AllocatorError as exc:
        print(f"nothing to time: {exc}")
        return 0

    cap = Capture()
    try:
        check_same_figures(cap)
        end = time.perf_counter() + 0.5  # warm up: the first row timed cold came out skewed
        while time.perf_counter() < end:
            pyhood.obmalloc_stats()
            cap.via_tempfile()
        rows = measure("small heap", cap, repeat, min_time)
        gc.collect()
        keep = [(i, str(i)) for i in range(500_000)]  # tuples, ints and strs: 1.5M blocks
        rows += measure("large heap", cap, repeat, min_time)
        del keep
    finally:
        cap.close()
    print()
    print_table(rows)
    print()
    target_rows = [r for r in rows if r[5] != "info"]
    met = sum(r[6] == "yes" for r in target_rows)
    print(f"target pyhood <= {TARGET}x the fd-level tempfile capture: met {met}/{len(target_rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
