"""The heap as a whole: what one object reaches (``pyhood.deep_footprint()``, guide §11.5),
every live object (``census()``), what changed (``Census.diff()``) and what keeps an object
alive (``referrers()``, §12.5).

- ``DeepFootprint`` (its ``TypeStat`` and ``Largest`` rows): :func:`deep_footprint_text`,
  :func:`deep_footprint_html`, :func:`deep_footprint_dict`, :func:`type_stat_html`,
  :func:`type_stat_dict`, :func:`largest_html`, :func:`largest_dict`;
- ``Census``: :func:`census_text`, :func:`census_html` (a table of types with a bar each),
  :func:`census_dict`;
- ``CensusDiff`` and its ``TypeDelta`` rows: :func:`census_diff_text`,
  :func:`census_diff_html`, :func:`census_diff_dict`, :func:`type_delta_html`,
  :func:`type_delta_dict`;
- ``ReferrerChain`` and its ``Referrer`` links: :func:`referrers_text`,
  :func:`referrers_html`, :func:`referrers_dict`, :func:`referrer_html`,
  :func:`referrer_dict`.

Tables of types show the top ``TYPE_ROWS`` types and one row for the rest.
"""

from __future__ import annotations

import html
import sys
from collections.abc import Iterable
from typing import Any

from .common import (
    BAR_COLOUR,
    BAR_WIDTH,
    GROW_COLOUR,
    LEFT,
    SHRINK_COLOUR,
    bar,
    html_box,
    human,
    nbytes,
    pairs_html,
    share,
    table,
    td,
    th,
)

# --- tables of types -------------------------------------------------------------------------

#: Types shown by a text or HTML table of types (biggest first); the rest is summarised.
TYPE_ROWS = 20
#: Characters of a type key shown in a text table; a longer key ends in "…".
TYPE_NAME_WIDTH = 60


def _short(name: str) -> str:
    return name if len(name) <= TYPE_NAME_WIDTH else name[: TYPE_NAME_WIDTH - 1] + "…"


def _by_bytes(by_type: Any) -> list[tuple[str, Any]]:
    """``by_type``'s (type key, TypeStat) pairs, most allocated bytes first, then by name."""
    return sorted(by_type.items(), key=lambda kv: (-kv[1].allocated, kv[0]))


def _types_text(by_type: Any, total: int, top: int | None = TYPE_ROWS) -> list[str]:
    """A table of types, most allocated bytes first: the first ``top`` (every type when
    ``None``), then a line for the rest."""
    ranked = _by_bytes(by_type)
    if not ranked:
        return ["  (no objects)"]
    rows = [("type", "objects", "allocated", "requested", "share")]
    for name, s in ranked[:top]:
        rows.append(
            (
                _short(name),
                f"{s.count:,}",
                f"{s.allocated:,}",
                f"{s.requested:,}",
                share(s.allocated, total),
            )
        )
    lines = table(rows) if len(rows) > 1 else []
    rest = ranked[len(rows) - 1 :]
    if rest:
        lines.append(f"  … {len(rest)} more types: {_rest_summary(rest)}")
    return lines


def _rest_summary(rest: list[tuple[str, Any]]) -> str:
    objects = sum(s.count for _, s in rest)
    return f"{objects:,} objects, {nbytes(sum(s.allocated for _, s in rest))}"


def _types_html(by_type: Any, total: int) -> str:
    """An HTML table of types, most allocated bytes first, each with a bar proportional to its
    bytes (the biggest type's bar is ``BAR_WIDTH`` long)."""
    ranked = _by_bytes(by_type)
    head = "".join(
        [
            th("type", right=False),
            th("objects"),
            th("allocated"),
            th("requested"),
            th("share"),
            th("", right=False),
        ]
    )
    top = max((s.allocated for _, s in ranked), default=0)
    rows = []
    for name, s in ranked[:TYPE_ROWS]:
        width = BAR_WIDTH * s.allocated / top if top > 0 else 0.0
        rows.append(
            f"<tr><td style='{LEFT}'><code>{html.escape(name)}</code></td>"
            f"{td(f'{s.count:,}')}{td(f'{s.allocated:,}', title=human(s.allocated))}"
            f"{td(f'{s.requested:,}')}{td(share(s.allocated, total))}"
            f"<td style='{LEFT};width:{BAR_WIDTH}px'>{bar(width, BAR_COLOUR)}</td></tr>"
        )
    rest = ranked[TYPE_ROWS:]
    if rest:
        more = f"… {len(rest)} more types: {_rest_summary(rest)}"
        rows.append(f"<tr><td colspan=6 style='{LEFT}'>{html.escape(more)}</td></tr>")
    if not ranked:
        rows.append(f"<tr><td colspan=6 style='{LEFT}'>(no objects)</td></tr>")
    return f'<table style="border-collapse:collapse"><tr>{head}</tr>{"".join(rows)}</table>'


def type_stat_dict(s: Any) -> dict[str, Any]:
    """A JSON-ready dict of one ``TypeStat`` (``bytes`` is ``allocated``, not repeated)."""
    return {"count": s.count, "requested": s.requested, "allocated": s.allocated}


def _by_type_dict(by_type: Any) -> dict[str, dict[str, Any]]:
    """``by_type`` as a dict of dicts, most allocated bytes first."""
    return {name: type_stat_dict(s) for name, s in _by_bytes(by_type)}


# --- pyhood.deep_footprint() ------------------------------------------------------------------


def _deep_summary(d: Any) -> str:
    parts = [
        f"deep footprint: {nbytes(d.total)} allocated for {nbytes(d.requested)} requested "
        f"in {d.objects:,} objects"
    ]
    if d.shared.count:
        parts.append(f"{d.shared.count:,} shared (immortal or static) objects not counted")
    if d.not_followed:
        ranked = sorted(d.not_followed.items(), key=lambda kv: (-kv[1], kv[0]))
        parts.append("not followed: " + ", ".join(f"{n:,} {k}" for k, n in ranked))
    if d.truncated:
        parts.append("truncated at max_objects")
    if getattr(d, "unmeasured", 0):
        parts.append(f"{d.unmeasured:,} objects pyhood could not measure (bytes not counted)")
    return "; ".join(parts)


def _largest_text(d: Any) -> list[str]:
    if not d.largest:
        return []
    rows = [("largest", "allocated", "requested", "address")]
    for x in d.largest:
        rows.append((_short(x.type), f"{x.allocated:,}", f"{x.requested:,}", f"{x.address:#x}"))
    return ["", *table(rows)]


def deep_footprint_text(d: Any) -> str:
    """A ``DeepFootprint``: the totals on one line, a table of types (most allocated bytes
    first, the top ``TYPE_ROWS``), then the largest objects."""
    lines = [_deep_summary(d), *_types_text(d.by_type, d.total), *_largest_text(d)]
    return "\n".join(lines)


def deep_footprint_html(d: Any) -> str:
    """A ``DeepFootprint`` for notebooks: the totals, then a table of types with a bar each
    and the largest objects."""
    body = _types_html(d.by_type, d.total)
    if d.largest:
        head = "".join(
            [th("largest", right=False), th("allocated"), th("requested"), th("address")]
        )
        rows = "".join(
            f"<tr><td style='{LEFT}'><code>{html.escape(x.type)}</code></td>"
            f"{td(f'{x.allocated:,}')}{td(f'{x.requested:,}')}{td(f'{x.address:#x}')}</tr>"
            for x in d.largest
        )
        body += f'<table style="border-collapse:collapse;margin-top:6px"><tr>{head}</tr>{rows}'
        body += "</table>"
    return html_box("deep-footprint", _deep_summary(d), body)


def largest_dict(x: Any) -> dict[str, Any]:
    """A JSON-ready dict of one ``Largest`` object of a deep footprint."""
    return {
        "type": x.type,
        "address": x.address,
        "requested": x.requested,
        "allocated": x.allocated,
    }


def deep_footprint_dict(d: Any) -> dict[str, Any]:
    """A JSON-ready dict of a ``DeepFootprint``: ``by_type`` most allocated bytes first."""
    return {
        "total": d.total,
        "requested": d.requested,
        "objects": d.objects,
        "truncated": d.truncated,
        "unmeasured": getattr(d, "unmeasured", 0),
        "by_type": _by_type_dict(d.by_type),
        "shared": type_stat_dict(d.shared),
        "not_followed": dict(sorted(d.not_followed.items(), key=lambda kv: (-kv[1], kv[0]))),
        "largest": [largest_dict(x) for x in d.largest],
    }


# --- pyhood.census() --------------------------------------------------------------------------


def _census_summary(c: Any) -> str:
    line = (
        f"census: {c.objects:,} objects ({c.tracked:,} tracked, {c.untracked:,} untracked), "
        f"{nbytes(c.allocated)} allocated for {nbytes(c.requested)} requested"
    )
    if getattr(c, "unmeasured", 0):
        line += f"; {c.unmeasured:,} objects pyhood could not measure (bytes not counted)"
    if c.pymalloc_reached is None or c.pymalloc_in_use is None:
        return line + "; pymalloc is not the allocator"
    return (
        f"{line}; pymalloc blocks: {nbytes(c.pymalloc_reached)} reached of "
        f"{nbytes(c.pymalloc_in_use)} in use ({share(c.pymalloc_reached, c.pymalloc_in_use)})"
    )


def census_text(c: Any, top: int | None = TYPE_ROWS) -> str:
    """A ``Census``: the totals on one line, then a table of types (most allocated bytes
    first, the top ``top``, every type when ``None``)."""
    return "\n".join([_census_summary(c), *_types_text(c.by_type, c.allocated, top)])


def census_html(c: Any) -> str:
    """A ``Census`` for notebooks: the totals, then a table of types with a bar each."""
    return html_box("census", _census_summary(c), _types_html(c.by_type, c.allocated))


def census_dict(c: Any) -> dict[str, Any]:
    """A JSON-ready dict of a ``Census``: ``by_type`` most allocated bytes first."""
    return {
        "objects": c.objects,
        "requested": c.requested,
        "allocated": c.allocated,
        "tracked": c.tracked,
        "untracked": c.untracked,
        "unmeasured": getattr(c, "unmeasured", 0),
        "pymalloc_reached": c.pymalloc_reached,
        "pymalloc_in_use": c.pymalloc_in_use,
        "by_type": _by_type_dict(c.by_type),
    }


# --- Census.diff() ----------------------------------------------------------------------------


def _by_change(rows: Iterable[Any]) -> list[Any]:
    """``TypeDelta`` rows, largest change of allocated bytes first (either way), then by name."""
    return sorted(rows, key=lambda t: (-abs(t.allocated), -abs(t.count), t.type))


def _diff_summary(x: Any) -> str:
    count = sum(t.count for t in x.rows)
    allocated = sum(t.allocated for t in x.rows)
    requested = sum(t.requested for t in x.rows)
    if not x.rows:
        return "census diff: no type changed"
    return (
        f"census diff: {count:+,} objects, {nbytes(allocated, sign=True)} allocated, "
        f"{nbytes(requested, sign=True)} requested; {len(x.grew)} types grew, "
        f"{len(x.shrank)} shrank"
    )


def census_diff_text(x: Any) -> str:
    """A ``CensusDiff``: the net change on one line, then one row per type that changed
    (largest change of allocated bytes first, the top ``TYPE_ROWS``)."""
    ranked = _by_change(x.rows)
    lines = [_diff_summary(x)]
    if ranked:
        rows = [("type", "before", "after", "objects", "allocated", "requested")]
        for t in ranked[:TYPE_ROWS]:
            rows.append(
                (
                    _short(t.type),
                    f"{t.count_before:,}",
                    f"{t.count_after:,}",
                    f"{t.count:+,}",
                    f"{t.allocated:+,}",
                    f"{t.requested:+,}",
                )
            )
        lines += table(rows)
    rest = ranked[TYPE_ROWS:]
    if rest:
        lines.append(f"  … {len(rest)} more types: {_diff_rest(rest)}")
    return "\n".join(lines)


def _diff_rest(rest: list[Any]) -> str:
    objects = sum(t.count for t in rest)
    return f"{objects:+,} objects, {nbytes(sum(t.allocated for t in rest), sign=True)}"


def census_diff_html(x: Any) -> str:
    """A ``CensusDiff`` for notebooks: one row per type that changed, with a bar proportional
    to its change of allocated bytes, green to the right for growth, red to the left for
    shrinkage."""
    ranked = _by_change(x.rows)
    head = "".join(
        [
            th("type", right=False),
            th("before"),
            th("after"),
            th("objects"),
            th("allocated"),
            th("requested"),
            th("shrank | grew", right=False),
        ]
    )
    top = max((abs(t.allocated) for t in ranked), default=0)
    half = BAR_WIDTH / 2
    rows = []
    for t in ranked[:TYPE_ROWS]:
        width = half * abs(t.allocated) / top if top > 0 else 0.0
        shrink = bar(width, SHRINK_COLOUR, right=True) if t.allocated < 0 else ""
        grow = bar(width, GROW_COLOUR) if t.allocated > 0 else ""
        bars = (
            f'<div style="display:flex;width:{BAR_WIDTH}px">'
            f'<div style="display:flex;width:{half:g}px;min-height:10px;'
            f'border-right:1px solid #999">{shrink}'
            f'</div><div style="width:{half:g}px">{grow}</div></div>'
        )
        rows.append(
            f"<tr><td style='{LEFT}'><code>{html.escape(t.type)}</code></td>"
            f"{td(f'{t.count_before:,}')}{td(f'{t.count_after:,}')}{td(f'{t.count:+,}')}"
            f"{td(f'{t.allocated:+,}', title=human(t.allocated, sign=True))}"
            f"{td(f'{t.requested:+,}')}<td style='{LEFT}'>{bars}</td></tr>"
        )
    rest = ranked[TYPE_ROWS:]
    if rest:
        more = f"… {len(rest)} more types: {_diff_rest(rest)}"
        rows.append(f"<tr><td colspan=7 style='{LEFT}'>{html.escape(more)}</td></tr>")
    table = f'<table style="border-collapse:collapse"><tr>{head}</tr>{"".join(rows)}</table>'
    return html_box("census-diff", _diff_summary(x), table if ranked else "")


def type_delta_dict(t: Any) -> dict[str, Any]:
    """A JSON-ready dict of one ``TypeDelta`` (``bytes`` is ``allocated``, not repeated)."""
    return {
        "type": t.type,
        "count_before": t.count_before,
        "count_after": t.count_after,
        "count": t.count,
        "requested": t.requested,
        "allocated": t.allocated,
    }


def census_diff_dict(x: Any) -> dict[str, Any]:
    """A JSON-ready dict of a ``CensusDiff``: every row (largest change first), and the type
    keys that grew and shrank."""
    return {
        "rows": [type_delta_dict(t) for t in _by_change(x.rows)],
        "grew": [t.type for t in x.grew],
        "shrank": [t.type for t in x.shrank],
    }


# --- pyhood.referrers() -----------------------------------------------------------------------


def _module_name(address: int) -> str | None:
    """The name ``sys.modules`` has for the module at ``address``: keys and ``id`` only, so no
    attribute of the module (nor any hook of a module subclass) is looked up."""
    for name, module in list(sys.modules.items()):
        if id(module) == address and type(name) is str:
            return name
    return None


def _link_label(r: Any) -> str:
    """A link's type, a module's name when ``sys.modules`` knows it."""
    if r.type == "module":
        name = _module_name(r.address)
        if name is not None:
            return f"module {name!r}"
    return r.type


def _link_text(r: Any, last: bool) -> str:
    if last:
        return f"{_link_label(r)} at {r.address:#x}"
    return _link_label(r) + (f" {r.via}" if r.via else "")


def referrers_text(chain: Any) -> str:
    """A ``ReferrerChain`` on one line, root first:
    ``module 'leakmod' .cache → dict ['k'] → list [0] → leakmod.Leak at 0x7f…``."""
    links = chain.links
    if not links:
        return "no referrers"
    text = " → ".join(_link_text(r, i == len(links) - 1) for i, r in enumerate(links))
    return text if chain.rooted else f"{text}  (no module reached)"


def referrers_html(chain: Any) -> str:
    """A ``ReferrerChain`` for notebooks: one box per link, root first, joined by arrows."""
    links = chain.links
    boxes = []
    for i, r in enumerate(links):
        via = f" <b>{html.escape(r.via)}</b>" if r.via and i < len(links) - 1 else ""
        tip = html.escape(f"{r.type} at {r.address:#x}")
        boxes.append(
            f'<span title="{tip}" style="display:inline-block;padding:2px 6px;margin:2px;'
            f'border:1px solid #999;border-radius:3px;font:12px monospace">'
            f"<code>{html.escape(_link_label(r))}</code>{via}</span>"
        )
    body = " → ".join(boxes) if boxes else "no referrers"
    note = "" if chain.rooted else ' <span style="color:#888">(no module reached)</span>'
    return f'<div class="pyhood-referrers">{body}{note}</div>'


def referrer_dict(r: Any) -> dict[str, Any]:
    """A JSON-ready dict of one ``Referrer`` link."""
    return {"type": r.type, "address": r.address, "via": r.via}


def referrers_dict(chain: Any) -> dict[str, Any]:
    """A JSON-ready dict of a ``ReferrerChain``: its links, root first."""
    return {"rooted": chain.rooted, "links": [referrer_dict(r) for r in chain.links]}


# --- one row ----------------------------------------------------------------------------------


def type_stat_html(s: Any) -> str:
    """One ``TypeStat`` for notebooks."""
    pairs = [
        ("objects", f"{s.count:,}"),
        ("requested", nbytes(s.requested)),
        ("allocated", nbytes(s.allocated)),
    ]
    return pairs_html("type-stat", "objects of one type", pairs)


def largest_html(x: Any) -> str:
    """One ``Largest`` object of a deep footprint, for notebooks."""
    pairs = [
        ("address", f"{x.address:#x}"),
        ("requested", nbytes(x.requested)),
        ("allocated", nbytes(x.allocated)),
    ]
    return pairs_html("largest", x.type, pairs)


def type_delta_html(t: Any) -> str:
    """One ``TypeDelta`` of a census diff, for notebooks."""
    pairs = [
        ("objects", f"{t.count_before:,} -> {t.count_after:,} ({t.count:+,})"),
        ("allocated", nbytes(t.allocated, sign=True)),
        ("requested", nbytes(t.requested, sign=True)),
    ]
    return pairs_html("type-delta", t.type, pairs)


def referrer_html(r: Any) -> str:
    """One ``Referrer`` link, for notebooks."""
    pairs = [("address", f"{r.address:#x}"), ("via", r.via or "-")]
    return pairs_html("referrer", _link_label(r), pairs)


__all__ = [
    "TYPE_NAME_WIDTH",
    "TYPE_ROWS",
    "census_dict",
    "census_diff_dict",
    "census_diff_html",
    "census_diff_text",
    "census_html",
    "census_text",
    "deep_footprint_dict",
    "deep_footprint_html",
    "deep_footprint_text",
    "largest_dict",
    "largest_html",
    "referrer_dict",
    "referrer_html",
    "referrers_dict",
    "referrers_html",
    "referrers_text",
    "type_delta_dict",
    "type_delta_html",
    "type_stat_dict",
    "type_stat_html",
]
