"""Every result's pictures and text for notebooks: ``_repr_html_`` and ``_repr_pretty_``.

Each result type renders as self-contained HTML (inline styles and SVG, no ``<style>``, no
JavaScript) and, for IPython's pretty printer, as the same text as ``str()``. The pictures'
figures are checked against what CPython says without pyhood (``sys.getsizeof``, the item
array's 8 bytes per item, ``gc.get_threshold()``, the type's ``Py_TPFLAGS_HAVE_GC`` flag, the
number of ``gc.collect`` calls) or against the numbers a stand-in result was given. Large
results render bounded: an 8-million-item list's byte map and field table have as many rows
as a 100-item list's, and say how many rows they leave out.
"""

from __future__ import annotations

import ctypes
import gc
import re
import sys
import tracemalloc
from types import SimpleNamespace as NS

import pyhood
import pytest
from conftest import FREE_THREADED, PY, PYMALLOC, TPFLAGS_HAVE_GC
from pyhood import _render
from pyhood._render import layout as layout_render


class Printer:
    """What ``_repr_pretty_`` is given by IPython: something with ``text()``."""

    def __init__(self) -> None:
        self.out: list[str] = []

    def text(self, s: str) -> None:
        self.out.append(s)


def pretty(obj: object, cycle: bool = False) -> str:
    p = Printer()
    obj._repr_pretty_(p, cycle)  # type: ignore[attr-defined]
    return "".join(p.out)


def attr(html: str, cls: str, name: str) -> list[str]:
    """The values of attribute ``name`` of every element of class ``cls``."""
    return re.findall(rf'class="{cls}"[^>]*?\b{name}="([^"]*)"', html)


def pool_runs(html: str) -> set[tuple[str, str]]:
    """(kind, pools) of the pool map's runs."""
    kinds, pools = attr(html, "ph-pools", "data-kind"), attr(html, "ph-pools", "data-pools")
    return set(zip(kinds, pools, strict=True))


def widths(html: str, cls: str) -> list[float]:
    return [float(w) for w in re.findall(rf'width="([\d.]+)"[^>]*class="{cls}"', html)]


#: The offset at the left of each row of a byte map.
ROW_LABEL = re.compile(r'text-anchor="end" fill="#888">[+-]\d+</text>')


class Point:
    def __init__(self) -> None:
        self.x, self.y = 1, 2


def results() -> dict[str, object]:
    """One result of each type pyhood returns."""
    xs = [1, 2, 3]
    with pyhood.gc_watch() as watch:
        gc.collect(0)
    with pyhood.track() as tracker:
        kept = [bytes(20) for _ in range(100)]
    del kept
    out: dict[str, object] = {
        "Layout": pyhood.layout(Point()),
        "Field": pyhood.layout(xs).fields[0],
        "FrameLayout": pyhood.frame_layout(sys._getframe()),
        "ObjectHeader": pyhood.header(xs),
        "BlockInfo": pyhood.block_info(xs),
        "Footprint": pyhood.footprint(xs),
        "Allocation": pyhood.footprint(xs).allocations[0],
        "FreeList": pyhood.freelists()["float"],
        "GCInfo": pyhood.gc_info(xs),
        "GCWatch": watch,
        "GCEvent": watch.events[0],
        "Tracker": tracker,
        "DeepFootprint": pyhood.deep_footprint({"a": [1, 2]}),
        "ReferrerChain": pyhood.referrers(Point),
    }
    out["FrameSlot"] = out["FrameLayout"].variables[0]  # type: ignore[attr-defined]
    out["TypeStat"] = next(iter(out["DeepFootprint"].by_type.values()))  # type: ignore[attr-defined]
    out["Largest"] = out["DeepFootprint"].largest[0]  # type: ignore[attr-defined]
    out["Referrer"] = out["ReferrerChain"].links[0]  # type: ignore[attr-defined]
    if not FREE_THREADED:
        gens = pyhood.gc_generations()
        out["GCGenerations"], out["Generation"] = gens, gens[0]
        before = pyhood.census()
        out["Census"] = before
        diff = before.diff(pyhood.census())
        out["CensusDiff"] = diff
        if diff.rows:
            out["TypeDelta"] = diff.rows[0]
    if PYMALLOC and not tracemalloc.is_tracing():
        stats = pyhood.obmalloc_stats()
        out["ObmallocStats"], out["SizeClass"] = stats, stats.size_classes[0]
    with pyhood.track() as t:
        pass
    out["Growth"] = pyhood.Growth("x.py", 3, 100, 2)
    del t
    return out


def test_every_result_renders_as_html_and_pretty_text():
    """Every result type has ``_repr_html_`` (HTML with neither ``<script>`` nor ``<style>``)
    and ``_repr_pretty_``, which prints ``str()`` (the ``repr`` for a cycle); the native
    classes all have both."""
    native = [
        getattr(pyhood._pyhood, n)
        for n in pyhood._pyhood.__all__
        if isinstance(getattr(pyhood._pyhood, n), type)
    ]
    for cls in [*native, pyhood.Tracker, pyhood.Growth, pyhood.GCWatch, pyhood.GCEvent]:
        assert callable(getattr(cls, "_repr_html_", None)), cls
        assert callable(getattr(cls, "_repr_pretty_", None)), cls
    for name, obj in results().items():
        page = obj._repr_html_()  # type: ignore[attr-defined]
        assert page.startswith("<") and "<script" not in page and "<style" not in page, name
        assert pretty(obj) == str(obj), name
        assert pretty(obj, cycle=True) == repr(obj), name


def test_byte_map_boxes_every_field_and_folds_zero_rows():
    """``bytes(1000)`` is ``sys.getsizeof`` = 1033 bytes, 65 rows of 16: the header's two
    rows, 62 rows of zeros folded into one, and the last partial row. Each field's boxes
    together are ``size`` bytes wide, and each field is named in the map."""
    b = bytes(1000)
    lay = pyhood.layout(b)
    assert lay.size == sys.getsizeof(b) == 1033
    page = lay._repr_html_()
    runs = attr(page, "ph-run", "data-rows")
    assert runs == ["62"] and attr(page, "ph-run", "data-kind") == ["zero"]
    drawn = len(ROW_LABEL.findall(page)) - len(runs)  # every row and run has its offset
    assert drawn == 3
    assert drawn + 62 == -(-sys.getsizeof(b) // 16)
    header = [f for f in lay.fields if f.region == "header" and f.bits is None]
    for f in header:
        ws = re.findall(rf'width="([\d.]+)"[^>]*data-field="{re.escape(f.name)}"', page)
        assert sum(float(w) for w in ws) == f.size * layout_render.CELL_PX
        # A field too narrow for its name (3.14's 2-byte ob_overflow, ob_flags) shows a
        # shortened label; its whole name is in the box's tooltip.
        if f.size >= 8:
            assert f">{f.name}</text>" in page
        else:
            assert f"<title>{f.name}" in page or f'data-field="{f.name}"' in page


def test_legend_lists_only_the_regions_present():
    """An int is not a GC object (its type lacks ``Py_TPFLAGS_HAVE_GC``) and has no
    pre-header: its legend has neither; a list's legend has the GC head."""
    assert not type(10**20).__flags__ & TPFLAGS_HAVE_GC
    regions = attr(pyhood.layout(10**20)._repr_html_(), "ph-legend-item", "data-region")
    assert "gc_head" not in regions and "preheader" not in regions
    assert "header" in regions and len(regions) == len(set(regions))
    assert list.__flags__ & TPFLAGS_HAVE_GC
    assert "gc_head" in attr(pyhood.layout([1])._repr_html_(), "ph-legend-item", "data-region")


@pytest.mark.skipif(PY != (3, 12), reason="3.12 keeps an instance's values in a block")
def test_a_312_instance_values_block_folds_its_zero_slots():
    """A 3.12 instance with two attributes keeps them in a values block whose other slots are
    NULL (read with ctypes): the map folds their rows into one, and the table folds those
    slots into one row saying how many."""
    p = Point()
    lay = pyhood.layout(p)
    block = lay.block("values")
    page = lay._repr_html_()
    null = [
        f
        for f in block.fields
        if f.name.startswith("values[")
        and ctypes.string_at(block.address + f.offset, f.size) == bytes(f.size)
    ]
    assert len(null) >= 3 and null[0].name == "values[2]"
    assert attr(page, "ph-run", "data-kind") == ["zero"]
    assert f"{len(null)} fields, all zero" in page
    assert f"{null[0].name} … {null[-1].name}" in page


N = 8_000_000


def test_a_huge_list_renders_bounded():
    """``[None] * 8_000_000`` has an item array of 8 bytes per item (64,000,000 bytes, 4
    million rows of 16): its HTML has no more rows than a 100-item list's item array would
    at most, and the rows it draws plus those it stands for add up to all 4 million. Made
    under tracemalloc, the rendering's peak memory is a few MB, not the array's size."""
    xs = [None] * N
    lay = pyhood.layout(xs)
    block = lay.block("ob_item")
    assert block.size == 8 * N
    tracemalloc.start()
    try:
        page = lay._repr_html_()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 32 * 2**20
    assert len(page) < 400_000
    item_map = page[page.index("block ob_item") :]
    drawn = len(ROW_LABEL.findall(item_map)) - len(attr(item_map, "ph-run", "data-rows"))
    folded = sum(int(n) for n in attr(item_map, "ph-run", "data-rows"))
    assert drawn <= layout_render.MAP_HEAD_ROWS + layout_render.MAP_TAIL_ROWS
    assert drawn + folded == 8 * N // 16
    rows = item_map.count("<tr")
    assert rows <= 1 + _render.HEAD_ROWS + 1 + _render.TAIL_ROWS
    assert "more rows of fields" in item_map


def test_field_and_block_key_errors_list_the_names_there_are():
    """``layout(obj).field(name)`` with a name the layout lacks raises a ``KeyError`` whose
    message names the layout and lists its fields (runs of items as first…last); so does
    ``block``."""
    lay = pyhood.layout(list(range(10)))
    with pytest.raises(KeyError) as e:
        lay.field("managed_dict")
    msg = str(e.value)
    assert "managed_dict" in msg and "list" in msg
    for name in ("ob_refcnt", "ob_type", "ob_item", "allocated"):
        assert name in msg
    with pytest.raises(KeyError) as e:
        lay.block("ma_keys")
    assert "ob_item" in str(e.value)
    block = lay.block("ob_item")
    with pytest.raises(KeyError) as e:
        block.field("ob_item[99]")
    assert "ob_item[0]…ob_item[9]" in str(e.value)


def test_footprint_bar_is_proportional_to_the_allocations():
    """A list's footprint bar has one segment per allocation, ``STACK_WIDTH`` pixels for the
    total, each segment as wide as its allocated share, and a mark at ``sys.getsizeof``; the
    table lists every allocation (what ``str()`` lists)."""
    xs = list(range(100))
    fp = pyhood.footprint(xs)
    page = fp._repr_html_()
    names = attr(page, "ph-alloc", "data-name")
    assert names == [a.name for a in fp.allocations] == ["object", "ob_item"]
    ws = widths(page, "ph-alloc")
    scale = _render.STACK_WIDTH / fp.total
    assert ws == [pytest.approx(max(a.allocated * scale, 2.0), abs=0.05) for a in fp.allocations]
    assert f"sys.getsizeof {sys.getsizeof(xs):,}" in page
    for a in fp.allocations:
        assert f"{a.block.block_address:#x}" in page


def test_real_obmalloc_picture_adds_up():
    """The bytes bar of this process's ``obmalloc_stats()`` adds up to its total, and its
    pool map holds ``arenas_in_use * arena_size // pool_size`` pool slots."""
    if not PYMALLOC or tracemalloc.is_tracing():
        pytest.skip("pymalloc's statistics are not readable here")
    s = pyhood.obmalloc_stats()
    page = s._repr_html_()
    assert sum(int(b) for b in attr(page, "ph-bytes", "data-bytes")) == s.total
    slots = s.arenas_in_use * s.arena_size // s.pool_size
    runs = pool_runs(page)
    assert (
        sum(int(n) for k, n in runs if k != "class") + sum(c.pools for c in s.size_classes) == slots
    )


def test_obmalloc_picture_counts_every_pool_and_byte():
    """A stand-in for two 1 MiB arenas of 16 KiB pools (128 pool slots), two size classes
    with 10 and 20 pools and 90 unused pools: the map has 130 squares' worth of runs (8 slots
    lost to alignment), one bar per class with pools, and the bytes bar's parts add up to the
    total."""
    classes = (
        NS(index=0, size=16, pools=10, blocks_in_use=9_000, free_blocks=1_210),
        NS(index=1, size=32, pools=20, blocks_in_use=100, free_blocks=10_100),
        NS(index=2, size=48, pools=0, blocks_in_use=0, free_blocks=0),
    )
    s = NS(
        arena_size=2**20,
        pool_size=2**14,
        alignment=16,
        small_request_threshold=512,
        num_size_classes=32,
        arenas_allocated_total=2,
        arenas_reclaimed=0,
        arenas_highwater=2,
        arenas_in_use=2,
        bytes_in_allocated_blocks=9_000 * 16 + 100 * 32,
        bytes_in_available_blocks=1_210 * 16 + 10_100 * 32,
        unused_pools=90,
        unused_pools_bytes=90 * 2**14,
        pool_headers_bytes=30 * 48,
        quantization_bytes=320,
        arena_alignment_bytes=8 * 2**14,
        total=2 * 2**20,
        size_classes=classes,
        arena_map_bytes=None,
        arena_map_root_bytes=None,
    )
    page = _render.obmalloc_html(s)
    runs = pool_runs(page)
    assert runs == {("class", "10"), ("class", "20"), ("unused", "90"), ("lost", "8")}
    cells = sum(widths(page, "ph-pools")) / _render.allocator.POOL_PX
    assert cells == 2 * 64
    assert attr(page, "ph-class", "data-size") == ["16", "32"]
    parts = [int(b) for b in attr(page, "ph-bytes", "data-bytes")]
    assert len(parts) == 6 and sum(parts) == s.total


@pytest.mark.skipif(FREE_THREADED, reason="free-threaded builds keep no generation lists")
def test_generation_bars_are_count_against_threshold(gc_disabled):
    """Each generation's bar is its count against ``gc.get_threshold()``: the filled part is
    ``count / threshold`` of the bar."""
    gc.collect()
    page = pyhood.gc_generations()._repr_html_()
    assert [int(t) for t in attr(page, "ph-threshold", "data-threshold")] == list(
        gc.get_threshold()
    )
    counts = [int(c) for c in attr(page, "ph-threshold", "data-count")]
    fills = widths(page, "ph-threshold")
    for c, t, w in zip(counts, gc.get_threshold(), fills, strict=True):
        assert w == pytest.approx(_render.collector.GEN_BAR * min(c / t, 1.0), abs=0.05)
    assert attr(page, "ph-objects", "data-gen") == ["0", "1", "2", "3"]


def test_gc_watch_timeline_stays_bounded_and_counts_every_collection(gc_disabled):
    """A watch over 1,000 ``gc.collect(0)`` calls and one ``gc.collect(1)``: the timeline
    has at most a box per pixel of its width, its boxes count all 1,000 generation-0
    collections, and the one of generation 1."""
    with pyhood.gc_watch() as w:
        for _ in range(1000):
            gc.collect(0)
        gc.collect(1)
    page = w._repr_html_()
    gens = attr(page, "ph-collection", "data-gen")
    counts = [int(n) for n in attr(page, "ph-collection", "data-count")]
    assert len(gens) <= _render.collector.TIMELINE_WIDTH
    assert sum(n for g, n in zip(gens, counts, strict=True) if g == "0") == 1000
    assert [n for g, n in zip(gens, counts, strict=True) if g == "1"] == [1]
    assert len(page) < 200_000


def test_freelists_html_has_a_row_per_list():
    """``freelists()`` is a plain dict: ``freelists_html`` draws a bar per list with its
    count, ``freelists_text`` a row per list."""
    lists = pyhood.freelists()
    page = _render.freelists_html(lists)
    assert attr(page, "ph-freelist", "data-name") == list(lists)
    assert [int(c) for c in attr(page, "ph-freelist", "data-count")] == [
        fl.count for fl in lists.values()
    ]
    text = _render.freelists_text(lists)
    assert len(text.splitlines()) == len(lists) + 1
    assert lists["float"]._repr_html_().count("ph-freelist") == 1


def test_long_tables_keep_their_first_and_last_rows():
    """A table longer than ``HEAD_ROWS + TAIL_ROWS`` rows shows the first ``HEAD_ROWS``, one
    row saying how many are left out, and the last ``TAIL_ROWS``."""
    first, hidden, last = _render.head_tail(list(range(1000)))
    assert first == list(range(_render.HEAD_ROWS))
    assert last == list(range(1000 - _render.TAIL_ROWS, 1000))
    assert hidden == 1000 - _render.HEAD_ROWS - _render.TAIL_ROWS
    assert _render.head_tail([1, 2, 3]) == ([1, 2, 3], 0, [])


def test_header_block_and_gc_info_have_text_and_pictures():
    """``str()`` of a header, a block and a GC view lists their figures (the reference count
    ``sys.getrefcount`` reports, the block's requested size ``sys.getsizeof``); their HTML
    draws them."""
    xs = [1, 2, 3]
    h = pyhood.header(xs)
    assert re.search(rf"^  ob_refcnt +{sys.getrefcount(xs)}$", str(h), re.M)  # both count their arg
    assert re.search(rf"^  ob_size +{len(xs)}$", str(h), re.M) and "ph-field" in h._repr_html_()
    x = 1.5
    info = pyhood.block_info(x)
    assert re.search(rf"^  requested +{sys.getsizeof(x)} bytes$", str(info), re.M)
    assert "ph-requested" in info._repr_html_()
    g = pyhood.gc_info(xs)
    assert re.search(r"^  tracked +yes$", str(g), re.M) and gc.is_tracked(xs)
    assert attr(g._repr_html_(), "ph-gen", "data-here").count("1") == 1


EVIL = "<script>alert('x')</script>&\"q\""


def test_names_from_the_program_are_escaped():
    """A class whose name (and module) are HTML renders as text in every picture of its
    instance: no tag of it reaches the page, and no attribute hook of its module runs."""

    class Module:
        @property
        def __class__(self):  # an isinstance() on it would run this
            raise AssertionError("pyhood ran the module object's __class__")

    cls = type(EVIL, (), {"__module__": Module()})
    obj = cls()
    for page in (
        pyhood.layout(obj)._repr_html_(),
        pyhood.header(obj)._repr_html_(),
        pyhood.block_info(obj)._repr_html_(),
        pyhood.footprint(obj)._repr_html_(),
        pyhood.gc_info(obj)._repr_html_(),
    ):
        assert "<script" not in page
    assert "&lt;script&gt;" in pyhood.layout(obj)._repr_html_()
    assert pyhood.header(obj).to_dict()["type"] == EVIL
    assert EVIL in str(pyhood.header(obj))
