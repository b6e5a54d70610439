"""The allocator's own state: pymalloc's statistics (``pyhood.obmalloc_stats()``, guide
§12.1) and the free lists (``pyhood.freelists()``, §12.2).

- ``ObmallocStats``: :func:`obmalloc_text`, :func:`obmalloc_html` (a map of the arenas' pools,
  the size classes as bars, where the bytes go), :func:`obmalloc_dict`; its ``SizeClass``
  rows: :func:`size_class_html`, :func:`size_class_dict`.
- ``FreeList``: :func:`freelist_html`, :func:`freelist_dict`. ``freelists()`` returns a plain
  dict, whose ``repr`` pyhood cannot change: :func:`freelists_text`, :func:`freelists_html`
  and :func:`freelists_dict` render the whole dict (``IPython.display.HTML(
  pyhood._render.freelists_html(pyhood.freelists()))`` in a notebook).
"""

from __future__ import annotations

import math
from typing import Any

from .common import (
    NOTE,
    SPARE_COLOUR,
    code_td,
    esc,
    fill_colour,
    fit,
    head_tail,
    html_box,
    html_table,
    legend,
    line,
    more_row,
    nbytes,
    pairs_html,
    rect,
    share,
    svg,
    table,
    td,
    text,
)

#: ``ObmallocStats``' figures in ``to_dict`` order: always printed, then printed by some
#: builds or versions only (None when absent).
OBMALLOC_FIGURES = (
    "arena_size",
    "pool_size",
    "alignment",
    "small_request_threshold",
    "num_size_classes",
    "arenas_allocated_total",
    "arenas_reclaimed",
    "arenas_highwater",
    "arenas_in_use",
    "bytes_in_allocated_blocks",
    "bytes_in_available_blocks",
    "unused_pools",
    "unused_pools_bytes",
    "pool_headers_bytes",
    "quantization_bytes",
    "arena_alignment_bytes",
    "total",
    "malloc_calls",
    "arena_map_mid_nodes",
    "arena_map_bot_nodes",
    "arena_map_root_bytes",
    "arena_map_mid_bytes",
    "arena_map_bot_bytes",
    "arena_map_bytes",
)

#: Squares of the pool map drawn at most; past it each square stands for several pools.
POOL_CELLS = 64 * 48
#: Pixels of one square of the pool map (a 1-pixel gap included).
POOL_PX = 10
#: Width in pixels of the longest size-class bar and of the bytes bar.
CLASS_BAR = 360
UNUSED_POOL = "#ffffff"
LOST_POOL = "#bdbdbd"


def size_class_dict(c: Any) -> dict[str, Any]:
    """A JSON-ready dict of one ``SizeClass``'s five figures."""
    return {
        "index": c.index,
        "size": c.size,
        "pools": c.pools,
        "blocks_in_use": c.blocks_in_use,
        "free_blocks": c.free_blocks,
    }


def obmalloc_dict(stats: Any) -> dict[str, Any]:
    """A JSON-ready dict of an ``ObmallocStats``: every figure, and ``size_classes`` as a list
    of dicts."""
    d = {key: getattr(stats, key) for key in OBMALLOC_FIGURES}
    d["size_classes"] = [size_class_dict(c) for c in stats.size_classes]
    return d


def _where_bytes_go(s: Any) -> list[tuple[str, int]]:
    return [
        ("bytes in allocated blocks", s.bytes_in_allocated_blocks),
        ("bytes in available blocks", s.bytes_in_available_blocks),
        (f"unused pools ({s.unused_pools})", s.unused_pools_bytes),
        ("lost to pool headers", s.pool_headers_bytes),
        ("lost to quantization", s.quantization_bytes),
        ("lost to arena alignment", s.arena_alignment_bytes),
    ]


def _arenas_line(s: Any) -> str:
    return (
        f"pymalloc: {s.arenas_in_use} arenas of {s.arena_size:,} bytes in use "
        f"({s.arenas_allocated_total} allocated in total, {s.arenas_reclaimed} reclaimed, "
        f"highwater {s.arenas_highwater})"
    )


def obmalloc_text(s: Any) -> str:
    """A compact table: the arenas, then one row per size class, then where the bytes go.
    Numbers are grouped by thousands, as ``sys._debugmallocstats()`` prints them."""
    lines = [
        _arenas_line(s),
        f"pools of {s.pool_size:,} bytes; requests up to {s.small_request_threshold} bytes in "
        f"{s.num_size_classes} size classes, {s.alignment} bytes apart",
        "  class  size  pools  blocks in use  free blocks",
    ]
    for c in s.size_classes:
        lines.append(
            f"  {c.index:>5}  {c.size:>4}  {c.pools:>5}  {c.blocks_in_use:>13,}  "
            f"{c.free_blocks:>11,}"
        )
    rows = [*_where_bytes_go(s), ("total", s.total)]
    arena_map = s.arena_map_bytes if s.arena_map_bytes is not None else s.arena_map_root_bytes
    if arena_map is not None:
        rows.append(("arena map", arena_map))
    lines += [f"  {label:<26}{value:>15,}" for label, value in rows]
    return "\n".join(lines)


def _pools(n: int) -> str:
    return f"{n:,} pool{'s' if n != 1 else ''}"


def _fill(c: Any) -> float:
    blocks = c.blocks_in_use + c.free_blocks
    return c.blocks_in_use / blocks if blocks else 0.0


def _class_tip(c: Any) -> str:
    blocks = c.blocks_in_use + c.free_blocks
    return (
        f"size class {c.index} ({c.size} B): {_pools(c.pools)}, {c.blocks_in_use:,} of "
        f"{blocks:,} blocks in use ({share(c.blocks_in_use, blocks)})"
    )


def pool_runs(s: Any) -> list[tuple[str, int, str, str]]:
    """The pool slots of the arenas in use as runs ``(kind, pools, colour, tooltip)``: the
    pools of each size class (in class order, coloured by how full that class's pools are),
    then the unused pools, then the slots no whole pool fits in (arena alignment)."""
    per_arena = s.arena_size // s.pool_size if s.pool_size else 0
    slots = s.arenas_in_use * per_arena
    runs = [
        ("class", c.pools, fill_colour(_fill(c)), _class_tip(c)) for c in s.size_classes if c.pools
    ]
    used = sum(r[1] for r in runs)
    if s.unused_pools:
        runs.append(("unused", s.unused_pools, UNUSED_POOL, f"{s.unused_pools:,} unused pools"))
    lost = slots - used - s.unused_pools
    if lost > 0:
        runs.append(("lost", lost, LOST_POOL, f"{lost:,} pool slots lost to arena alignment"))
    return runs


def pool_map(s: Any) -> str:
    """The arenas' pools as squares, one row per arena's worth of pools (``arena_size //
    pool_size``, at most 64 a row): each size class's pools together, coloured by the class's
    fill; unused pools white; slots lost to alignment grey. pymalloc reports its pools per
    class, not per arena, so the squares are grouped by class, not in address order. Past
    ``POOL_CELLS`` pools each square stands for several."""
    runs = pool_runs(s)
    pools = sum(r[1] for r in runs)
    per_arena = s.arena_size // s.pool_size if s.pool_size else 64
    cols = max(1, min(per_arena, 64))
    scale = max(1, math.ceil(pools / POOL_CELLS))
    parts: list[str] = []
    outlines: list[str] = []
    cell = 0
    for kind, n, colour, tip in runs:
        m = max(1, math.ceil(n / scale))
        start = cell
        while cell < start + m:
            row, col = divmod(cell, cols)
            piece = min(cols - col, start + m - cell)
            x, y, w = col * POOL_PX, row * POOL_PX, piece * POOL_PX
            attrs = f'class="ph-pools" data-kind="{kind}" data-pools="{n}"'
            parts.append(rect(x, y, w, POOL_PX, colour, tip, None, attrs))
            outlines.append(rect(x + 0.5, y + 0.5, w - 1, POOL_PX - 1, "none", None, "#333"))
            cell += piece
    rows = max(1, math.ceil(cell / cols))
    width, height = cols * POOL_PX, rows * POOL_PX
    grid = [line(x * POOL_PX, 0, x * POOL_PX, height, "#fff") for x in range(1, cols)]
    grid += [line(0, y * POOL_PX, width, y * POOL_PX, "#fff") for y in range(1, rows)]
    frame = rect(0, 0, width, height, "none", None, "#888")
    what = f"{pools:,} pool slots in {s.arenas_in_use} arenas"
    label = what + (f", {scale} pools a square" if scale > 1 else "")
    body = "".join(parts + grid + outlines) + frame
    return svg(width + 1, height + 1, body, label, cls="ph-pool-map")


def class_bars(s: Any) -> str:
    """One bar per size class with pools: its pools' bytes (the longest ``CLASS_BAR``
    pixels), of which the blocks in use dark, the free blocks pale, and pool headers and
    leftovers grey; the figures beside it."""
    classes = [c for c in s.size_classes if c.pools]
    if not classes:
        return f'<p style="{NOTE}">no size class has a pool</p>'
    top = max(c.pools for c in classes) * s.pool_size
    row_h, label_w = 16, 64
    parts = []
    for i, c in enumerate(classes):
        y = i * row_h
        scale = CLASS_BAR / top
        used, free = c.blocks_in_use * c.size * scale, c.free_blocks * c.size * scale
        whole = c.pools * s.pool_size * scale
        tip = _class_tip(c)
        attrs = f'class="ph-class" data-size="{c.size}"'
        parts.append(text(label_w - 6, y + 12, f"{c.size} B", anchor="end"))
        parts.append(rect(label_w, y + 2, whole, row_h - 4, SPARE_COLOUR, tip, "#999", attrs))
        parts.append(rect(label_w, y + 2, used, row_h - 4, fill_colour(0.85), tip))
        parts.append(rect(label_w + used, y + 2, free, row_h - 4, fill_colour(0.25), tip))
        figures = f"{c.blocks_in_use:,} in use, {c.free_blocks:,} free, {_pools(c.pools)}"
        parts.append(text(label_w + CLASS_BAR + 8, y + 12, figures, fill="#444"))
    width = label_w + CLASS_BAR + 8 + 36 * 6.7
    label = f"{len(classes)} size classes with pools"
    return svg(width, len(classes) * row_h + 2, "".join(parts), label, cls="ph-classes")


#: Colours of the bytes bar, in the order of ``_where_bytes_go``.
_BYTES_COLOURS = (
    fill_colour(0.85),
    fill_colour(0.25),
    UNUSED_POOL,
    "#9e9e9e",
    "#cfcfcf",
    LOST_POOL,
)


def bytes_bar(s: Any) -> str:
    """``total`` as one stacked bar of where its bytes go, as ``_debugmallocstats`` splits it."""
    parts_of = _where_bytes_go(s)
    total = max(s.total, sum(v for _, v in parts_of), 1)
    scale = 2 * CLASS_BAR / total
    parts, x = [], 0.0
    for (label, value), colour in zip(parts_of, _BYTES_COLOURS, strict=True):
        w = value * scale
        attrs = f'class="ph-bytes" data-part="{esc(label)}" data-bytes="{value}"'
        parts.append(rect(x, 1, w, 20, colour, f"{label}: {value:,}", "#666", attrs))
        x += w
    return svg(
        2 * CLASS_BAR + 2,
        23,
        "".join(parts),
        f"where pymalloc's {s.total:,} bytes go",
        cls="ph-bytes-bar",
    )


def obmalloc_html(s: Any) -> str:
    """An ``ObmallocStats`` for notebooks: a map of the arenas' pools (each size class's pools
    coloured by how full they are), a bar per size class, and where the bytes go."""
    pools = legend(
        [
            ("empty class pools", fill_colour(0.0)),
            ("full class pools", fill_colour(1.0)),
            ("unused pools", UNUSED_POOL),
            ("lost to alignment", LOST_POOL),
        ]
    )
    note = (
        f'<p style="{NOTE}">one square per pool, one row per arena\'s worth; pools grouped by '
        "size class (pymalloc counts them per class, not per arena)</p>"
    )
    where = _where_bytes_go(s)
    keys = legend(
        (f"{label}: {nbytes(v)}", c) for (label, v), c in zip(where, _BYTES_COLOURS, strict=True)
    )
    body = (
        f'<p style="{NOTE}">pools of {s.pool_size:,} bytes; requests up to '
        f"{s.small_request_threshold} bytes in {s.num_size_classes} size classes, "
        f"{s.alignment} bytes apart</p>"
        f"{pool_map(s)}{pools}{note}"
        f"<h5 style='font:bold 12px monospace;margin:8px 0 2px'>size classes</h5>{class_bars(s)}"
        f"<h5 style='font:bold 12px monospace;margin:8px 0 2px'>where the {nbytes(s.total)} go</h5>"
        f"{bytes_bar(s)}{keys}"
    )
    return html_box("obmalloc", _arenas_line(s), body)


def size_class_html(c: Any) -> str:
    """One ``SizeClass`` for notebooks."""
    pairs = [
        ("block size", f"{c.size} bytes"),
        ("pools", f"{c.pools:,}"),
        ("blocks in use", f"{c.blocks_in_use:,}"),
        ("free blocks", f"{c.free_blocks:,}"),
        ("fill", share(c.blocks_in_use, c.blocks_in_use + c.free_blocks)),
    ]
    return pairs_html("size-class", f"size class {c.index}", pairs)


# --- pyhood.freelists() -----------------------------------------------------------------------

#: Width in pixels of a free list's bar (its limit).
FREELIST_BAR = 200


def freelist_dict(fl: Any) -> dict[str, Any]:
    """A JSON-ready dict of one ``FreeList``."""
    return {"name": fl.name, "count": fl.count, "limit": fl.limit}


def freelists_dict(lists: Any) -> dict[str, dict[str, Any]]:
    """``pyhood.freelists()``'s dict (which, being a plain dict, has no ``to_dict``) as a
    JSON-ready dict: ``{name: freelist_dict(...)}`` in the same order."""
    return {name: freelist_dict(fl) for name, fl in lists.items()}


def _freelist_bar(fl: Any) -> str:
    frac = fl.count / fl.limit if fl.limit else 0.0
    tip = f"{fl.name}: {fl.count} of {fl.limit}"
    attrs = f'class="ph-freelist" data-name="{esc(fl.name)}" data-count="{fl.count}"'
    body = rect(0, 1, FREELIST_BAR, 10, "#f4f4f4", None, "#999") + rect(
        0, 1, FREELIST_BAR * min(frac, 1.0), 10, fill_colour(0.3 + 0.7 * frac), tip, None, attrs
    )
    return svg(FREELIST_BAR + 1, 12, body, tip)


def freelist_html(fl: Any) -> str:
    """One ``FreeList`` for notebooks: its count against its limit, as a bar."""
    summary = f"free list {fl.name}: {fl.count} dead objects kept, of at most {fl.limit}"
    return html_box("freelist", summary, _freelist_bar(fl))


def freelists_text(lists: Any) -> str:
    """``pyhood.freelists()``'s dict as a table: name, count, limit."""
    rows = [("free list", "count", "limit")]
    rows += [(name, f"{fl.count:,}", f"{fl.limit:,}") for name, fl in lists.items()]
    return "\n".join(table(rows, indent=""))


def freelists_html(lists: Any) -> str:
    """``pyhood.freelists()``'s dict for notebooks: one row per list with its count against its
    limit as a bar (the first ``HEAD_ROWS`` and last ``TAIL_ROWS`` lists)."""
    items = list(lists.items())

    def row(name: str, fl: Any) -> str:
        return (
            f"<tr>{code_td(name)}{td(f'{fl.count:,}')}{td(f'{fl.limit:,}')}"
            f"<td style='padding:1px 8px'>{_freelist_bar(fl)}</td></tr>"
        )

    first, hidden, last = head_tail(items)
    rows = [row(*kv) for kv in first]
    if hidden:
        rows.append(more_row(4, f"… {hidden:,} more free lists …"))
    rows += [row(*kv) for kv in last]
    kept = sum(fl.count for _, fl in items)
    summary = f"{len(items)} free lists holding {kept:,} dead objects"
    return html_box("freelists", summary, html_table(("free list", "count", "limit", ""), rows))


__all__ = [
    "OBMALLOC_FIGURES",
    "POOL_CELLS",
    "bytes_bar",
    "class_bars",
    "freelist_dict",
    "freelist_html",
    "freelists_dict",
    "freelists_html",
    "freelists_text",
    "obmalloc_dict",
    "obmalloc_html",
    "obmalloc_text",
    "pool_map",
    "pool_runs",
    "size_class_dict",
    "size_class_html",
]
_ = fit
