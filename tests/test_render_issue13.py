"""Issue 13's renderings (``pyhood._render``), on stand-in objects.

The native ``DeepFootprint``, ``Census``, ``CensusDiff`` and ``ReferrerChain`` call these
functions with themselves as the only argument, and the functions read only the attributes the
API contract names; so ``types.SimpleNamespace`` stand-ins with those attributes test every
rendering without a walk of the heap: sorting by bytes, the "… N more types" line, HTML escaping
of type keys, the bars, and that every dict goes through ``json.dumps``.
"""

from __future__ import annotations

import json
import re
import sys
from types import SimpleNamespace as NS

from pyhood import _render


def stat(count: int, allocated: int, requested: int | None = None) -> NS:
    requested = allocated - count if requested is None else requested
    return NS(count=count, requested=requested, allocated=allocated, bytes=allocated)


def deep(by_type: dict, **kw) -> NS:
    fields = {
        "total": sum(s.allocated for s in by_type.values()),
        "requested": sum(s.requested for s in by_type.values()),
        "objects": sum(s.count for s in by_type.values()),
        "by_type": by_type,
        "shared": stat(0, 0, 0),
        "not_followed": {},
        "largest": (),
        "truncated": False,
    }
    return NS(**{**fields, **kw})


def census(by_type: dict, **kw) -> NS:
    objects = sum(s.count for s in by_type.values())
    fields = {
        "objects": objects,
        "requested": sum(s.requested for s in by_type.values()),
        "allocated": sum(s.allocated for s in by_type.values()),
        "tracked": objects // 2,
        "untracked": objects - objects // 2,
        "by_type": by_type,
        "pymalloc_reached": 1_000_000,
        "pymalloc_in_use": 4_000_000,
    }
    return NS(**{**fields, **kw})


def delta(name: str, before: int, after: int, allocated: int) -> NS:
    return NS(
        type=name,
        count_before=before,
        count_after=after,
        count=after - before,
        requested=allocated,
        allocated=allocated,
        bytes=allocated,
    )


def diff(rows: list[NS]) -> NS:
    ordered = tuple(sorted(rows, key=lambda t: -abs(t.allocated)))
    grew = tuple(t for t in ordered if t.count > 0 or t.allocated > 0)
    return NS(rows=ordered, grew=grew, shrank=tuple(t for t in ordered if t not in grew))


#: 25 types, "t00" the smallest: the text and HTML tables show 20 and summarise 5.
MANY = {f"t{i:02d}": stat(i + 1, 100 * (i + 1)) for i in range(25)}
EVIL = "<script>alert('x')</script>&\"q\""


def table_names(text: str) -> list[str]:
    """The first column of a text table's rows, after its heading row."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:1] == ["type"])
    return [line.split()[0] for line in lines[start + 1 :] if line.startswith("  t")]


def test_deep_footprint_text_sorts_by_bytes_and_summarises_the_rest():
    d = deep(MANY)
    text = _render.deep_footprint_text(d)
    first = text.splitlines()[0]
    assert first.startswith("deep footprint: ")
    assert f"({d.total:,} bytes) allocated" in first  # the exact figure beside the human unit
    assert "KiB" in first and f"{d.objects:,} objects" in first
    assert table_names(text) == [f"t{i:02d}" for i in range(24, 4, -1)]
    assert "  … 5 more types: 15 objects, 1.5 KiB (1,500 bytes)" in text.splitlines()


def test_ties_sort_by_name_and_small_tables_have_no_more_line():
    d = deep({"b": stat(1, 64), "a": stat(2, 64), "c": stat(1, 128)})
    text = _render.deep_footprint_text(d)
    assert [line.split()[0] for line in text.splitlines()[2:5]] == ["c", "a", "b"]
    assert "more types" not in text
    assert "256 bytes allocated" in text.splitlines()[0]  # under 1 KiB: the figure alone


def test_deep_footprint_text_shared_not_followed_truncated_largest():
    d = deep(
        {"dict": stat(1, 4_000), "str": stat(3, 200)},
        shared=stat(7, 0, 0),
        not_followed={"type": 2, "module": 5},
        truncated=True,
        largest=(NS(type="dict", address=0x7F0012345678, requested=3_900, allocated=4_000),),
    )
    text = _render.deep_footprint_text(d)
    first = text.splitlines()[0]
    assert "7 shared (immortal or static) objects not counted" in first
    assert "not followed: 5 module, 2 type" in first
    assert "truncated" in first
    assert "0x7f0012345678" in text and "largest" in text


def test_deep_footprint_html_bars_escape_and_more_row():
    by_type = {**MANY, EVIL: stat(1, 10_000)}
    html = _render.deep_footprint_html(deep(by_type))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&amp;&quot;q&quot;" in html
    widths = [float(w) for w in re.findall(r"width:([\d.]+)px;background", html)]
    assert len(widths) == 20
    assert widths == sorted(widths, reverse=True)
    assert widths[0] == _render.BAR_WIDTH
    assert widths[1] == _render.BAR_WIDTH * MANY["t24"].allocated / 10_000  # proportional
    assert "… 6 more types" in html
    assert "<style" not in html  # inline styles only


def test_deep_footprint_dict_is_json_and_ordered():
    d = deep(
        {"a": stat(1, 10), "b": stat(1, 30)},
        shared=stat(2, 64, 56),
        not_followed={"type": 1},
        largest=(NS(type="b", address=4096, requested=29, allocated=30),),
    )
    out = _render.deep_footprint_dict(d)
    assert json.loads(json.dumps(out)) == out
    assert list(out["by_type"]) == ["b", "a"]
    assert out["by_type"]["b"] == {"count": 1, "requested": 29, "allocated": 30}
    assert out["shared"] == {"count": 2, "requested": 56, "allocated": 64}
    assert out["largest"] == [{"type": "b", "address": 4096, "requested": 29, "allocated": 30}]
    assert out["truncated"] is False and out["not_followed"] == {"type": 1}


def test_census_text_html_dict():
    c = census(MANY)
    text = _render.census_text(c)
    first = text.splitlines()[0]
    assert first.startswith(f"census: {c.objects:,} objects ({c.tracked:,} tracked")
    assert "pymalloc blocks: 976.6 KiB (1,000,000 bytes) reached of" in first
    assert "(25.0%)" in first
    assert table_names(text)[0] == "t24" and len(table_names(text)) == 20
    assert "… 5 more types" in text
    off = _render.census_text(census(MANY, pymalloc_reached=None, pymalloc_in_use=None))
    assert "pymalloc is not the allocator" in off.splitlines()[0]

    html = _render.census_html(census({EVIL: stat(1, 10)}))
    assert "<script>" not in html and "&lt;script&gt;" in html

    out = _render.census_dict(census(MANY, pymalloc_reached=None, pymalloc_in_use=None))
    assert json.loads(json.dumps(out)) == out
    assert list(out["by_type"])[:2] == ["t24", "t23"] and len(out["by_type"]) == 25
    assert out["pymalloc_reached"] is None


def test_empty_census_renders():
    c = census({}, pymalloc_reached=0, pymalloc_in_use=0)
    assert "(no objects)" in _render.census_text(c)
    assert "(no objects)" in _render.census_html(c)
    assert json.dumps(_render.census_dict(c))


def test_census_diff_sorted_by_change_with_growth_and_shrink_bars():
    rows = [delta(f"g{i:02d}", 0, i + 1, 1_000 * (i + 1)) for i in range(22)]
    rows.append(delta("lost", 50, 10, -40_000))
    rows.append(delta(EVIL, 1, 3, 500))
    x = diff(rows)
    text = _render.census_diff_text(x)
    first = text.splitlines()[0]
    assert first.startswith("census diff: ")
    assert "23 types grew, 1 shrank" in first
    names = [line.split()[0] for line in text.splitlines()[2:22]]
    assert names[0] == "lost" and names[1] == "g21"  # by |allocated delta|
    assert re.search(r"^  lost +50 +10 +-40 +-40,000 +-40,000$", text, re.MULTILINE)
    assert "… 4 more types" in text

    html = _render.census_diff_html(x)
    assert "<script>" not in html
    green = re.findall(rf"width:([\d.]+)px;background:{_render.GROW_COLOUR}", html)
    red = re.findall(rf"width:([\d.]+)px;background:{_render.SHRINK_COLOUR}", html)
    assert [float(w) for w in red] == [_render.BAR_WIDTH / 2]  # the largest change
    assert len(green) == 19
    assert float(green[0]) == _render.BAR_WIDTH / 2 * 22_000 / 40_000
    assert "… 4 more types" in html

    out = _render.census_diff_dict(x)
    assert json.loads(json.dumps(out)) == out
    assert out["rows"][0] == {
        "type": "lost",
        "count_before": 50,
        "count_after": 10,
        "count": -40,
        "requested": -40_000,
        "allocated": -40_000,
    }
    assert out["shrank"] == ["lost"] and len(out["grew"]) == 23


def test_empty_census_diff():
    x = diff([])
    assert _render.census_diff_text(x) == "census diff: no type changed"
    assert "no type changed" in _render.census_diff_html(x)
    assert _render.census_diff_dict(x) == {"rows": [], "grew": [], "shrank": []}


def link(type_: str, address: int, via: str | None) -> NS:
    return NS(type=type_, address=address, via=via)


def test_referrers_text_names_the_module_and_shows_via():
    module = sys.modules[__name__]
    chain = NS(
        rooted=True,
        links=(
            link("module", id(module), None),
            link("dict", 0x1000, "['cache']"),
            link("dict", 0x2000, "['k']"),
            link("list", 0x3000, "[0]"),
            link("leakmod.Leak", 0x7F00DEADBEEF, None),
        ),
    )
    assert _render.referrers_text(chain) == (
        f"module {__name__!r} → dict ['cache'] → dict ['k'] → list [0] "
        "→ leakmod.Leak at 0x7f00deadbeef"
    )
    attr = NS(rooted=True, links=(link("module", id(module), ".cache"), link("list", 16, None)))
    assert _render.referrers_text(attr) == f"module {__name__!r} .cache → list at 0x10"


def test_referrers_unrooted_unknown_module_html_and_dict():
    chain = NS(
        rooted=False, links=(link("module", 8, None), link(EVIL, 0x40, "[1]"), link("x", 1, None))
    )
    text = _render.referrers_text(chain)
    assert text.startswith("module → ")  # not in sys.modules: the type alone
    assert text.endswith("(no module reached)")
    html = _render.referrers_html(chain)
    assert "<script>" not in html and "&lt;script&gt;" in html and "[1]" in html
    out = _render.referrers_dict(chain)
    assert json.loads(json.dumps(out)) == out
    assert out["links"][1] == {"type": EVIL, "address": 0x40, "via": "[1]"}
    assert _render.referrers_text(NS(rooted=False, links=())) == "no referrers"


def test_human_units():
    assert _render._bytes(0) == "0 bytes"
    assert _render._bytes(1023) == "1,023 bytes"
    assert _render._bytes(1024) == "1.0 KiB (1,024 bytes)"
    assert _render._bytes(24_564_864) == "23.4 MiB (24,564,864 bytes)"
    assert _render._bytes(-3 * 2**30, sign=True) == "-3.0 GiB (-3,221,225,472 bytes)"
    assert _render._bytes(5 * 2**50) == "5120.0 TiB (5,629,499,534,213,120 bytes)"
