"""The pictures as a browser shows them: every result type's ``_repr_html_`` in headless
Chromium.

A representative result of each type is rendered into its own page under
``target/pictures/`` (``NAME.html``), and all of them into ``index.html``. Chromium is asked
twice (Debian's ``chromium`` package; ``ci/test.sh`` installs it where it can):

- ``chromium --headless --dump-dom file://…/index.html``: the document as the browser built
  it, in which each picture's section must have the elements its figures need (an ``svg``,
  a box and a name per field, a legend entry per region, table rows, bars);
- one session driven over ``--remote-debugging-pipe`` (Chrome's DevTools protocol on file
  descriptors 3 and 4, JSON messages ending in a NUL byte) that opens each page, checks that
  every field's name drawn in a box fits inside it, and writes ``NAME.png``, a screenshot of
  the whole picture.

The numbers in the pictures are checked in ``test_render_html.py``; this module checks that
the browser sees what those numbers were drawn as. It skips, saying so, only where no
Chromium is installed.
"""

from __future__ import annotations

import base64
import fcntl
import gc
import html
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pyhood
import pytest
from conftest import FREE_THREADED, PYMALLOC, TPFLAGS_HAVE_GC
from pyhood import _render

#: Where the pictures go (gitignored, with the rest of target/).
PICTURES = Path(__file__).resolve().parents[1] / "target" / "pictures"
#: Seconds Chromium may take for one answer before the test gives up on it.
TIMEOUT = 30
#: Width of the browser window the screenshots are taken in.
WIDTH = 960


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Point:
    def __init__(self) -> None:
        self.x, self.y = 1, 2


def _frame() -> Any:
    point, items = Point(), [1, 2, 3]  # noqa: F841 (variables for the picture)
    return pyhood.frame_layout(sys._getframe())


def _watch() -> Any:
    """A watch over 40 collections (automatic ones off meanwhile)."""
    was = gc.isenabled()
    gc.disable()
    try:
        with pyhood.gc_watch() as w:
            for i in range(40):
                junk = [[] for _ in range(3000)]
                gc.collect(i % 3)
            del junk
    finally:
        if was:
            gc.enable()
    return w


def _tracker() -> Any:
    with pyhood.track() as t:
        kept = [bytes(20) for _ in range(2000)] + [bytes(100) for _ in range(300)]
        gc.collect(0)
    del kept
    return t


def _census_pair() -> tuple[Any, Any]:
    before = pyhood.census()
    grown = [Point() for _ in range(500)]
    after = pyhood.census()
    del grown
    return before, after


#: name → (what makes the result, one sentence on what its picture shows). The entries whose
#: maker returns None are not available in this process (free-threaded build, no pymalloc).
SUBJECTS: dict[str, tuple[Callable[[], Any], str]] = {
    "layout_int": (
        lambda: pyhood.layout(10**20),
        "An int's byte map: header and digit fields boxed, named and coloured, legend of the "
        "two regions present.",
    ),
    "layout_instance": (
        lambda: pyhood.layout(Point()),
        "An instance with two attributes: its own allocation (pre-header, GC head, header) "
        "and, on 3.11/3.12, its values block with the NULL slots folded into one row.",
    ),
    "layout_huge_list": (
        lambda: pyhood.layout([None] * 8_000_000),
        "[None] * 8_000_000: the list object, then the 64 MB item array's first 48 rows, one "
        "row for the 3,999,944 left out, and the last rows (not read past max_items).",
    ),
    "frame_layout": (
        lambda: _frame(),
        "A running frame: code, state and variables table, then the frame object's byte map "
        "and its _PyInterpreterFrame block.",
    ),
    "field": (
        lambda: pyhood.layout([1]).field("ob_refcnt"),
        "One Field: offset, size, C type, value, region and raw bytes.",
    ),
    "frame_slot": (
        lambda: _frame().variables[0],
        "One frame slot: kind, index, offset and the object it holds.",
    ),
    "header": (
        lambda: pyhood.header([1, 2, 3]),
        "A list's header: ob_refcnt, ob_type and ob_size as boxes in memory order, then a table.",
    ),
    "block_info": (
        lambda: pyhood.block_info(Point()),
        "The block an instance lives in: requested bytes against the block size, and its "
        "pool's fill.",
    ),
    "footprint": (
        lambda: pyhood.footprint({i: str(i) for i in range(100)}),
        "A 100-key dict's footprint: a stacked bar of its allocations (object, keys table) "
        "with the sys.getsizeof mark, a legend and the allocation table.",
    ),
    "allocation": (
        lambda: pyhood.footprint([1, 2]).allocations[1],
        "One allocation of a footprint.",
    ),
    "obmalloc": (
        lambda: pyhood.obmalloc_stats() if PYMALLOC else None,
        "pymalloc: a square per pool of the arenas in use grouped by size class and coloured "
        "by fill, a bar per size class, and where the total's bytes go.",
    ),
    "size_class": (
        lambda: pyhood.obmalloc_stats().size_classes[3] if PYMALLOC else None,
        "One size class: block size, pools, blocks in use and free.",
    ),
    "freelists": (
        lambda: pyhood.freelists(),
        "freelists() (via pyhood._render.freelists_html): a row per free list, its count "
        "against its limit as a bar.",
    ),
    "freelist": (
        lambda: pyhood.freelists()["float"],
        "The float free list's count against its limit.",
    ),
    "gc_info": (
        lambda: pyhood.gc_info(Point()),
        "The collector's view of an instance: the four lists with its own filled in, then "
        "its GC-head words.",
    ),
    "gc_generations": (
        lambda: None if FREE_THREADED else pyhood.gc_generations(),
        "Generations 0-2: count against threshold as bars, objects on each list (and the "
        "permanent one) as bars, then the table.",
    ),
    "generation": (
        lambda: None if FREE_THREADED else pyhood.gc_generations()[0],
        "Generation 0's threshold, count, objects and list head.",
    ),
    "gc_watch": (
        _watch,
        "40 collections on a timeline, a lane per generation, then per-generation totals.",
    ),
    "gc_event": (
        lambda: _watch().events[0],
        "One collection: start, duration, collected.",
    ),
    "tracker": (
        _tracker,
        "track(): the readings' table, the size classes' changes as bars (2,000 20-byte and "
        "300 100-byte objects kept), and the collection on a timeline.",
    ),
    "growth": (
        lambda: pyhood.Growth("example.py", 12, 48_000, 1_000),
        "One growing source line.",
    ),
    "deep_footprint": (
        lambda: pyhood.deep_footprint({"a": list(range(100)), "b": "x" * 1000}),
        "Everything a dict reaches: a table of types with a bar each, and the largest objects.",
    ),
    "type_stat": (
        lambda: pyhood.deep_footprint([1.5, 2.5]).by_type["float"],
        "One type's objects and bytes.",
    ),
    "largest": (
        lambda: pyhood.deep_footprint([1.5, 2.5]).largest[0],
        "One of a deep footprint's largest objects.",
    ),
    "census": (
        lambda: None if FREE_THREADED else pyhood.census(),
        "Every live object: the totals, then the top 20 types with a bar each.",
    ),
    "census_diff": (
        lambda: None if FREE_THREADED else (lambda b, a: b.diff(a))(*_census_pair()),
        "What changed between two censuses around 500 new instances: a row per type, growth "
        "as green bars to the right.",
    ),
    "type_delta": (
        lambda: None if FREE_THREADED else (lambda b, a: b.diff(a).rows[0])(*_census_pair()),
        "One type's change between two censuses.",
    ),
    "referrers": (
        lambda: pyhood.referrers(Point),
        "What keeps a class alive: a chain of boxes from its module.",
    ),
    "referrer": (
        lambda: pyhood.referrers(Point).links[0],
        "One link of a referrer chain.",
    ),
}


def page_of(obj: Any) -> str:
    if isinstance(obj, dict):  # freelists(): a plain dict
        return _render.freelists_html(obj)
    return obj._repr_html_()


def document(title: str, body: str) -> str:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"</head><body style='margin:8px;background:#fff'>{body}</body></html>"
    )


class Sections(HTMLParser):
    """Counts of ``(tag, class)`` and the label texts in each ``<section id="pic-…">``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.counts: dict[str, Counter] = {}
        self.labels: dict[str, list[str]] = {}
        self.attrs: dict[str, list[dict[str, str]]] = {}
        self.section: str | None = None
        self.depth = 0
        self.in_label = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "section" and a.get("id", "").startswith("pic-"):
            self.section = a["id"][4:]
            self.counts[self.section] = Counter()
            self.labels[self.section] = []
            self.attrs[self.section] = []
            return
        if self.section is None:
            return
        cls = a.get("class", "")
        self.counts[self.section][(tag, "")] += 1  # every element, then by class
        if cls:
            self.counts[self.section][(tag, cls)] += 1
        if cls:
            self.attrs[self.section].append({"tag": tag, **a})
        self.in_label = tag == "text" and cls == "ph-label"

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self.section = None
        self.in_label = False

    def handle_data(self, data: str) -> None:
        if self.section is not None and self.in_label:
            self.labels[self.section].append(data)


#: Run as ``python -c``: put the two pipe ends given on file descriptors 3 and 4, where
#: ``--remote-debugging-pipe`` looks for them, and become Chromium.
_TRAMPOLINE = (
    "import os, sys\n"
    "r, w = int(sys.argv[1]), int(sys.argv[2])\n"
    "os.dup2(r, 3)\n"
    "os.dup2(w, 4)\n"
    "os.close(r)\n"
    "os.close(w)\n"
    "os.execv(sys.argv[3], sys.argv[3:])\n"
)


class Browser:
    """One headless Chromium driven over ``--remote-debugging-pipe``."""

    def __init__(self, exe: str, profile: str) -> None:
        cmd_r, self._cmd_w = os.pipe()
        self._evt_r, evt_w = os.pipe()
        # Above 4, so that moving them to 3 and 4 clobbers neither.
        child_r = fcntl.fcntl(cmd_r, fcntl.F_DUPFD, 10)
        child_w = fcntl.fcntl(evt_w, fcntl.F_DUPFD, 10)
        os.close(cmd_r)
        os.close(evt_w)
        flags = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--remote-debugging-pipe",
            f"--user-data-dir={profile}",
            "about:blank",
        ]
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _TRAMPOLINE, str(child_r), str(child_w), exe, *flags],
            pass_fds=(child_r, child_w),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(child_r)
        os.close(child_w)
        self._buf = b""
        self._id = 0
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        attached = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})
        self.session = attached["sessionId"]

    def send(self, method: str, params: dict | None = None, session: bool = False) -> dict:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            while b"\0" not in self._buf:
                left = deadline - time.monotonic()
                ready, _, _ = select.select([self._evt_r], [], [], max(left, 0))
                if not ready:
                    raise TimeoutError(f"Chromium did not answer {method} in {TIMEOUT} s")
                chunk = os.read(self._evt_r, 1 << 20)
                if not chunk:
                    raise RuntimeError(f"Chromium closed its pipe during {method}")
                self._buf += chunk
            raw, self._buf = self._buf.split(b"\0", 1)
            answer = json.loads(raw)
            if answer.get("id") == self._id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer["result"]

    def evaluate(self, expression: str) -> Any:
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, True)
        return r["result"].get("value")

    def open(self, url: str) -> None:
        self.send("Page.navigate", {"url": url}, True)
        deadline = time.monotonic() + TIMEOUT
        while self.evaluate("document.readyState") != "complete":
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not load in {TIMEOUT} s")
            time.sleep(0.02)

    def resize(self, width: int, height: int) -> None:
        metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
        self.send("Emulation.setDeviceMetricsOverride", metrics, True)

    def screenshot(self, path: Path) -> tuple[int, int]:
        """The whole page as a PNG at ``path``; its (width, height) in pixels."""
        size = "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
        self.resize(WIDTH, 600)
        w = max(int(self.evaluate(size)[0]), WIDTH)
        self.resize(w, 600)  # the width first: a narrower window wraps text into more lines
        h = min(int(self.evaluate(size)[1]), 8000)
        self.resize(w, h)
        clip = {"x": 0, "y": 0, "width": w, "height": h, "scale": 1}
        shot = self.send("Page.captureScreenshot", {"format": "png", "clip": clip}, True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return w, h

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._cmd_w)
        os.close(self._evt_r)


#: JavaScript: the labels drawn in a box (``text.ph-label`` after its ``rect``) that reach
#: past the box's right edge, as "label: text width > box width".
OVERFLOWING = """
(() => {
  const bad = [];
  for (const t of document.querySelectorAll('text.ph-label')) {
    let r = t.previousElementSibling;
    while (r && !(r.tagName === 'rect' && r.getAttribute('class'))) r = r.previousElementSibling;
    if (!r) continue;
    const tb = t.getBBox(), rb = r.getBBox();
    if (tb.x + tb.width > rb.x + rb.width + 1)
      bad.push(`${t.textContent}: ${tb.width.toFixed(1)} > ${rb.width.toFixed(1)}`);
  }
  return bad;
})()
"""


@pytest.fixture(scope="module")
def rendered() -> dict[str, Any]:
    """Every subject rendered: its object, the dumped DOM's counts for its section, the labels
    that overflow their boxes, and its screenshot's size."""
    exe = chromium()
    if exe is None:
        pytest.skip(
            "no Chromium here: ci/test.sh installs Debian's chromium package on the host when "
            "it runs as root (apt-get install chromium); the offline Debian sid root of "
            "ci/debian-sid.sh has none"
        )
    PICTURES.mkdir(parents=True, exist_ok=True)
    objects = {name: make() for name, (make, _) in SUBJECTS.items()}
    objects = {k: v for k, v in objects.items() if v is not None}
    pages = {name: page_of(obj) for name, obj in objects.items()}
    for name, page in pages.items():
        (PICTURES / f"{name}.html").write_text(document(name, page), encoding="utf-8")
    index = "".join(
        f'<section id="pic-{name}"><h3>{name}</h3>{page}</section>' for name, page in pages.items()
    )
    (PICTURES / "index.html").write_text(document("pyhood pictures", index), encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        flags = ["--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}"]
        dom = subprocess.run(
            [exe, *flags, "--dump-dom", (PICTURES / "index.html").as_uri()],
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
    parsed = Sections()
    parsed.feed(dom)
    overflow: dict[str, list[str]] = {}
    sizes: dict[str, tuple[int, int]] = {}
    with tempfile.TemporaryDirectory() as profile:
        browser = Browser(exe, profile)
        try:
            for name in pages:
                browser.open((PICTURES / f"{name}.html").as_uri())
                overflow[name] = browser.evaluate(OVERFLOWING) or []
                sizes[name] = browser.screenshot(PICTURES / f"{name}.png")
        finally:
            browser.close()
    notes = [f"{name}.png: {SUBJECTS[name][1]}" for name in pages]
    (PICTURES / "README.txt").write_text("\n".join(notes) + "\n", encoding="utf-8")
    return {
        "objects": objects,
        "counts": parsed.counts,
        "labels": parsed.labels,
        "attrs": parsed.attrs,
        "overflow": overflow,
        "sizes": sizes,
    }


def count(r: dict, name: str, tag: str, cls: str = "") -> int:
    return r["counts"][name][(tag, cls)]


def fields_drawn(lay: Any) -> list[Any]:
    return [f for f in lay.fields if f.bits is None and f.size > 0]


@pytest.mark.parametrize("name", list(SUBJECTS))
def test_each_picture_is_in_the_dom_and_fits(rendered, name):
    """Each picture's section of the dumped DOM has a heading or caption and, for the
    pictures with SVG, an ``svg`` with boxes; no field name reaches out of its box; its
    screenshot was written."""
    if name not in rendered["objects"]:
        pytest.skip(f"{name}: not available in this process (free-threaded build or no pymalloc)")
    assert name in rendered["counts"], f"{name}: section missing from the DOM"
    assert rendered["overflow"][name] == []
    png = PICTURES / f"{name}.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = rendered["sizes"][name]
    assert w >= WIDTH and h > 0
    assert sum(rendered["counts"][name].values()) > 0


def test_byte_maps_box_and_name_every_field(rendered):
    """In the browser's DOM, an int's byte map has a box and a name per field, and a legend
    entry per region present: no GC head (int's type lacks ``Py_TPFLAGS_HAVE_GC``), no
    pre-header; the field table has a row per field."""
    lay = rendered["objects"]["layout_int"]
    drawn = fields_drawn(lay)
    assert count(rendered, "layout_int", "svg", "ph-bytemap") == 1
    assert count(rendered, "layout_int", "rect", "ph-field") >= len(drawn)
    assert set(rendered["labels"]["layout_int"]) >= {"ob_refcnt", "ob_type"}
    legend = [
        a["data-region"]
        for a in rendered["attrs"]["layout_int"]
        if a["tag"] == "span" and a.get("class") == "ph-legend-item"
    ]
    assert not int.__flags__ & TPFLAGS_HAVE_GC
    assert "gc_head" not in legend and "preheader" not in legend
    assert set(legend) == {f.region for f in drawn}
    assert count(rendered, "layout_int", "table", "ph-fields") == 1


def test_the_huge_list_is_bounded_in_the_browser(rendered):
    """The 8-million-item list's page has a bounded number of boxes and rows, and a row for
    the rows left out that names how many."""
    n = "layout_huge_list"
    assert count(rendered, n, "rect", "ph-field") < 400
    assert count(rendered, n, "tr") < 2 * (1 + _render.HEAD_ROWS + 1 + _render.TAIL_ROWS) + 10
    gaps = [a for a in rendered["attrs"][n] if a.get("data-kind") == "gap"]
    assert len(gaps) == 1 and int(gaps[0]["data-rows"]) > 3_900_000


def test_charts_have_their_bars(rendered):
    """Footprint: a segment per allocation; obmalloc: a bar per size class with pools and six
    parts of the bytes bar; generations: three threshold bars and four object bars; the
    watch: its collections on the timeline; free lists: a bar per list."""
    fp = rendered["objects"]["footprint"]
    assert count(rendered, "footprint", "rect", "ph-alloc") == len(fp.allocations)
    if "obmalloc" in rendered["objects"]:
        s = rendered["objects"]["obmalloc"]
        with_pools = sum(1 for c in s.size_classes if c.pools)
        assert count(rendered, "obmalloc", "rect", "ph-class") == with_pools
        assert count(rendered, "obmalloc", "rect", "ph-bytes") == 6
        assert count(rendered, "obmalloc", "svg", "ph-pool-map") == 1
    if "gc_generations" in rendered["objects"]:
        assert count(rendered, "gc_generations", "rect", "ph-threshold") == 3
        assert count(rendered, "gc_generations", "rect", "ph-objects") == 4
    boxes = [a for a in rendered["attrs"]["gc_watch"] if a.get("class") == "ph-collection"]
    assert sum(int(a["data-count"]) for a in boxes) == 40
    lists = rendered["objects"]["freelists"]
    assert count(rendered, "freelists", "rect", "ph-freelist") == len(lists)
    assert count(rendered, "tracker", "svg", "ph-deltas") == 1
