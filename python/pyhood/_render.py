"""Every rendering of pyhood's results as text, HTML or a dict, in one place.

- :class:`pyhood.Layout` (and ``FrameLayout``): a terminal table (:func:`layout_text`), a
  notebook byte map (:func:`layout_html`) and a JSON-ready dict (:func:`layout_dict`); the
  native module's ``__str__``, ``_repr_html_`` and ``to_dict`` call these.
- :class:`pyhood.Tracker` and its :class:`pyhood.Growth` lines (``pyhood.track()``):
  :func:`tracker_text`, :func:`tracker_html`, :func:`tracker_repr`, :func:`growth_text`.
- :class:`pyhood.GCWatch` and its :class:`pyhood.GCEvent` (``pyhood.gc_watch()``):
  :func:`gc_watch_text`, :func:`gc_watch_repr`, :func:`gc_event_text`.

- :class:`pyhood.Field`: :func:`field_dict` (``to_dict``).
- :class:`pyhood.Footprint` (``pyhood.footprint()``): :func:`footprint_text` (``__str__``).
- :class:`pyhood.GCGenerations` (``pyhood.gc_generations()``): :func:`gc_generations_text`.
- :class:`pyhood.ObmallocStats` and its :class:`pyhood.SizeClass` rows
  (``pyhood.obmalloc_stats()``): :func:`obmalloc_text`, :func:`obmalloc_dict`,
  :func:`size_class_dict`.

One-line ``__repr__``s stay beside their classes in the native module: they identify an object
(type, address, key figures), they do not render it. The classes' own ``__str__``,
``_repr_html_`` and ``to_dict`` only call these functions. This module imports nothing of pyhood's,
so every other module can import it. (The tour's narration, in :mod:`pyhood._tour.narrate`,
is not a rendering of results: it prints the tour's headings, paragraphs and checks.)
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

__all__ = [
    "field_dict",
    "fields_table",
    "footprint_text",
    "frame_summary",
    "gc_event_text",
    "gc_generations_text",
    "gc_watch_repr",
    "gc_watch_text",
    "growth_text",
    "layout_dict",
    "layout_html",
    "layout_text",
    "obmalloc_dict",
    "obmalloc_text",
    "size_class_dict",
    "tracker_html",
    "tracker_repr",
    "tracker_text",
]

#: Colours of the byte map, one per region.
REGION_COLOURS = {
    "gc_head": "#d9c8f0",
    "preheader": "#f7d2e4",
    "header": "#c9defa",
    "body": "#cfeccf",
    "inline_values": "#fff0b3",
    "items": "#ffd9b3",
    "data": "#e6e6e6",
    "padding": "#ffffff",
}

#: Bytes of one allocation drawn in the byte map; the rest is summarised.
MAP_LIMIT = 1024
#: Rows of one table printed in text; the rest is summarised.
TEXT_ROWS = 400


#: C types shown in hexadecimal: addresses and function pointers.
_FUNCTION_POINTERS = ("func", "proc", "destructor", "inquiry")


def _is_address(ctype: str) -> bool:
    return ctype.endswith("*") or ctype == "uintptr_t" or ctype.endswith(_FUNCTION_POINTERS)


def _value(field: Any) -> str:
    v = field.value
    if isinstance(v, bytes):
        shown = v[:16].hex(" ")
        return shown + (" …" if len(v) > 16 else "")
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int) and _is_address(field.ctype):
        return hex(v)
    return repr(v)


def _title(layout: Any) -> str:
    what = layout.type_name if layout.name is None else f"{layout.name} ({layout.type_name})"
    return (
        f"{what} at {layout.address:#x}: {layout.end - layout.start} bytes, "
        f"offsets [{layout.start}, {layout.end})"
    )


def fields_table(fields: Iterable[Any], indent: str = "") -> list[str]:
    """The rows of a layout's text table (a heading, then one row per ``Field``) for the given
    fields: what :func:`layout_text` prints for all of a layout's fields."""
    shown = tuple(fields)
    rows = [("offset", "size", "region", "field", "ctype", "value")]
    for i, f in enumerate(shown):
        if i == TEXT_ROWS:
            rows.append(("…", "", "", f"{len(shown) - TEXT_ROWS} more fields", "", ""))
            break
        value = _value(f) + (f"  {f.note}" if f.note else "")
        rows.append((str(f.offset), str(f.size), f.region, f.name, f.ctype, value))
    widths = [max(len(r[c]) for r in rows) for c in range(5)]
    out = []
    for r in rows:
        cells = [r[0].rjust(widths[0]), r[1].rjust(widths[1])]
        cells += [r[c].ljust(widths[c]) for c in (2, 3, 4)]
        out.append(indent + "  ".join(cells) + "  " + r[5])
    return out


def frame_summary(layout: Any) -> list[str]:
    """For a ``FrameLayout``: the code, instruction, state and variables, before the table."""
    if not hasattr(layout, "variables"):
        return []
    code = layout.code
    where = f"{code.co_qualname if hasattr(code, 'co_qualname') else code.co_name}"
    lines = [
        f"frame of {where} ({code.co_filename}:{code.co_firstlineno}): f_lasti={layout.f_lasti}"
        f", state={layout.state}"
        + (f", owner={layout.owner}" if layout.owner is not None else "")
        + (
            f", stack depth {layout.stack_depth}"
            if layout.stack_depth is not None
            else ", stack top not recorded (running)"
        )
    ]
    for v in (*layout.variables, *layout.stack):
        value = (
            f"{v.type_name} at {v.address:#x}"
            if v.address is not None
            else (f"tagged int {v.tagged_int}" if v.tagged_int is not None else "NULL")
        )
        cell = f" -> {v.cell_contents:#x}" if v.cell_contents is not None else ""
        lines.append(f"  [{v.index}] {v.name:<16} {v.kind:<11} {value}{cell}")
    return [*lines, ""]


def layout_text(layout: Any) -> str:
    """An aligned table a person reads in a terminal, blocks indented below."""
    lines = [*frame_summary(layout), _title(layout), *fields_table(layout.fields, "  ")]
    for block in layout.blocks:
        lines.append("")
        lines.append("  block " + _title(block))
        lines.extend(fields_table(block.fields, "    "))
    return "\n".join(line.rstrip() for line in lines)


def _byte_map(layout: Any) -> str:
    owner: dict[int, Any] = {}
    for f in layout.fields:
        for off in range(f.offset, f.offset + f.size):
            owner.setdefault(off, f)
    start = layout.start - (layout.start % 16)
    stop = min(layout.end, layout.start + MAP_LIMIT)
    rows = []
    for row in range(start, stop, 16):
        cells = []
        for off in range(row, row + 16):
            f = owner.get(off)
            if f is None or off >= stop:
                cells.append('<td class="ph-x"></td>')
                continue
            colour = REGION_COLOURS.get(f.region, "#fff")
            i = off - f.offset
            byte = f.raw[i] if i < len(f.raw) else 0
            label = html.escape(f"{f.name} @ {off} ({f.region}, {f.ctype})")
            cells.append(f'<td style="background:{colour}" title="{label}">{byte:02x}</td>')
        rows.append(f"<tr><th>{row:+d}</th>{''.join(cells)}</tr>")
    more = ""
    if layout.end - layout.start > MAP_LIMIT:
        more = f"<p>… {layout.end - layout.start - MAP_LIMIT} more bytes</p>"
    return f'<table class="ph-map">{"".join(rows)}</table>{more}'


def _html_table(layout: Any) -> str:
    cols = ("offset", "size", "region", "field", "ctype", "value")
    head = "<tr>" + "".join(f"<th>{c}</th>" for c in cols) + "</tr>"
    rows = []
    for i, f in enumerate(layout.fields):
        if i == TEXT_ROWS:
            rows.append(f"<tr><td colspan=6>… {len(layout.fields) - TEXT_ROWS} more</td></tr>")
            break
        colour = REGION_COLOURS.get(f.region, "#fff")
        value = html.escape(_value(f) + (f"  {f.note}" if f.note else ""))
        rows.append(
            f'<tr style="background:{colour}"><td>{f.offset}</td><td>{f.size}</td>'
            f"<td>{f.region}</td><td><code>{html.escape(f.name)}</code></td>"
            f"<td>{html.escape(f.ctype)}</td><td><code>{value}</code></td></tr>"
        )
    return f'<table class="ph-fields">{head}{"".join(rows)}</table>'


_STYLE = (
    "<style>.ph-map td,.ph-map th{font:11px monospace;padding:1px 3px;border:1px solid #eee}"
    ".ph-map th{color:#888;text-align:right}.ph-x{background:#fafafa}"
    ".ph-fields td,.ph-fields th{font:12px monospace;padding:1px 6px;text-align:left}"
    ".ph-legend span{font:11px monospace;padding:1px 6px;margin-right:4px}</style>"
)


def layout_html(layout: Any) -> str:
    """Self-contained HTML: a byte map coloured by region, then the field table."""
    legend = "".join(f'<span style="background:{c}">{r}</span>' for r, c in REGION_COLOURS.items())
    summary = "\n".join(frame_summary(layout))
    parts = [
        _STYLE,
        '<div class="pyhood-layout">',
        f"<pre>{html.escape(summary)}</pre>" if summary else "",
        f"<h4>{html.escape(_title(layout))}</h4>",
        f'<div class="ph-legend">{legend}</div>',
        _byte_map(layout),
        _html_table(layout),
    ]
    for block in layout.blocks:
        parts.append(f"<h5>block {html.escape(_title(block))}</h5>")
        parts.append(_byte_map(block))
        parts.append(_html_table(block))
    parts.append("</div>")
    return "".join(parts)


def field_dict(field: Any) -> dict[str, Any]:
    """A JSON-ready dict of one ``Field``: a bytes value and the raw bytes as hex."""
    value = field.value
    return {
        "name": field.name,
        "offset": field.offset,
        "size": field.size,
        "ctype": field.ctype,
        "value": value.hex() if isinstance(value, bytes) else value,
        "region": field.region,
        "raw": field.raw.hex(),
        "note": field.note,
        "bits": field.bits,
    }


def layout_dict(layout: Any) -> dict[str, Any]:
    """A JSON-ready dict of the layout, its fields and its blocks."""
    return {
        "name": layout.name,
        "address": layout.address,
        "type_name": layout.type_name,
        "basicsize": layout.basicsize,
        "itemsize": layout.itemsize,
        "start": layout.start,
        "end": layout.end,
        "fields": [field_dict(f) for f in layout.fields],
        "blocks": [layout_dict(b) for b in layout.blocks],
    }


# --- pyhood.track() ---------------------------------------------------------------------------


def growth_text(growth: Any) -> str:
    """One ``Growth`` line: ``file:line: +bytes in +blocks``."""
    return f"{growth.where}: {growth.size_diff:+,} bytes in {growth.count_diff:+,} blocks"


def _tracker_rows(t: Any) -> list[tuple[str, str]]:
    """The (label, reading) rows of a finished ``Tracker``'s report."""
    rows = [
        ("allocated blocks", f"{t.blocks_delta:+,} (sys.getallocatedblocks)"),
    ]
    if t.size_class_deltas is not None:
        if t.size_class_deltas:
            size, d = max(t.size_class_deltas.items(), key=lambda kv: abs(kv[1]))
            n = len(t.size_class_deltas)
            classes = f"{size} B {d:+,} (largest change of {n} classes)"
        else:
            classes = "no change"
        rows.append(("pymalloc blocks", f"{t.pymalloc_blocks_delta:+,} (obmalloc_stats)"))
        rows.append(("size classes", classes))
        rows.append(("arenas", f"{t.arenas_delta:+,}"))
    else:
        rows.append(("size classes", str(t.allocator_note)))
    per_gen = [sum(1 for e in t.collections if e.generation == g) for g in range(3)]
    ms = sum(e.duration_ns for e in t.collections) / 1e6
    rows.append(
        (
            "collections",
            f"{len(t.collections)} (gen 0/1/2: {'/'.join(map(str, per_gen))}), "
            f"{ms:.3f} ms, collected {sum(e.collected for e in t.collections):,}",
        )
    )
    rows.append(("gc.get_count()", f"{t._count0} -> {t._count1}"))
    if t.top_growth:
        top = t.top_growth[0]
        more = len(t.top_growth) - 1
        rows.append(("top growth", f"{top} (+{more} more lines)" if more else str(top)))
    elif t.top_growth is not None:
        rows.append(("top growth", "no traced line grew"))
    else:
        rows.append(("top growth", "tracemalloc not tracing"))
    return rows


def tracker_text(t: Any) -> str:
    """A ``Tracker``'s report, one reading per line (its ``repr`` until the block has ended)."""
    if t._state != "done":
        return tracker_repr(t)
    rows = _tracker_rows(t)
    width = max(len(k) for k, _ in rows)
    head = f"track: {t.elapsed_ns / 1e6:.3f} ms"
    return "\n".join([head, *(f"  {k:<{width}}  {v}" for k, v in rows)])


def tracker_html(t: Any) -> str:
    """A ``Tracker``'s report as an HTML table for notebooks."""
    if t._state != "done":
        return f"<code>{html.escape(tracker_repr(t))}</code>"
    cells = "".join(
        f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
        f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
        for k, v in _tracker_rows(t)
    )
    caption = f"track: {t.elapsed_ns / 1e6:.3f} ms"
    return f"<table><caption>{html.escape(caption)}</caption>{cells}</table>"


def tracker_repr(t: Any) -> str:
    """``<Tracker new>``, ``<Tracker active>`` or a one-line summary once done."""
    if t._state != "done":
        return f"<Tracker {t._state}>"
    return (
        f"<Tracker done: {t.blocks_delta:+,} blocks, "
        f"{len(t.collections)} collections, traced={t.traced}>"
    )


# --- pyhood.gc_watch() ------------------------------------------------------------------------


def gc_event_text(event: Any) -> str:
    """One collection: ``gen 1: 2.500 ms, collected 7, uncollectable 1``."""
    return (
        f"gen {event.generation}: {event.duration_ns / 1e6:.3f} ms, "
        f"collected {event.collected}, uncollectable {event.uncollectable}"
    )


def gc_watch_text(watch: Any) -> str:
    """A ``GCWatch``'s collections: totals, then one line per generation."""
    events = watch.events
    if not events:
        return "no collections"
    total = sum(e.duration_ns for e in events)
    lines = [
        f"{len(events)} collection{'s' if len(events) != 1 else ''} in "
        f"{total / 1e6:.3f} ms, collected {sum(e.collected for e in events)}, "
        f"uncollectable {sum(e.uncollectable for e in events)}"
    ]
    for gen, (n, ns, c, u) in watch.summary().items():
        lines.append(
            f"  gen {gen}: {n} collection{'s' if n != 1 else ''}, {ns / 1e6:.3f} ms, "
            f"collected {c}, uncollectable {u}"
        )
    return "\n".join(lines)


def gc_watch_repr(watch: Any) -> str:
    """``<GCWatch new|active|done: N events>``."""
    state = "active" if watch._active else "done" if watch._frozen is not None else "new"
    return f"<GCWatch {state}: {len(watch.events)} events>"


# --- pyhood.footprint() -----------------------------------------------------------------------


def footprint_text(fp: Any) -> str:
    """A ``Footprint``: the totals, then one line per allocation (name, bytes, domain, address)."""
    says = (
        f"sys.getsizeof says {fp.getsizeof}"
        if fp.getsizeof is not None
        else "sys.getsizeof not asked: the class's __sizeof__ is Python code"
    )
    lines = [f"footprint: {fp.total} bytes allocated for {fp.requested} requested ({says})"]
    for a in fp.allocations:
        b = a.block
        lines.append(
            f"  {a.name:<12} {a.requested:>8} requested {a.allocated:>8} allocated  "
            f"{b.domain:<8} at {b.block_address:#x}"
        )
    return "\n".join(lines).rstrip()


# --- pyhood.gc_generations() ------------------------------------------------------------------


def gc_generations_text(g: Any) -> str:
    """A ``GCGenerations``: where the GC state is, then threshold, count and objects per list."""
    lines = [
        f"GC state of CPython {g.release} at {g.address:#x} ({g.located_by}): "
        f"{'enabled' if g.enabled else 'disabled'}, debug flags {g.debug:#x}",
        f"  {'generation':<12} {'threshold':>9} {'count':>7} {'objects':>9}",
    ]
    for gen in (*g.generations, g.permanent):
        young = gen.index < 3
        t, c = (str(gen.threshold), str(gen.count)) if young else ("-", "-")
        label = str(gen.index) if young else "permanent"
        lines.append(f"  {label:<12} {t:>9} {c:>7} {gen.objects:>9}")
    return "\n".join(lines)


# --- pyhood.obmalloc_stats() ------------------------------------------------------------------

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


def obmalloc_text(s: Any) -> str:
    """A compact table: the arenas, then one row per size class, then where the bytes go.
    Numbers are grouped by thousands, as ``sys._debugmallocstats()`` prints them."""
    lines = [
        f"pymalloc: {s.arenas_in_use} arenas of {s.arena_size:,} bytes in use "
        f"({s.arenas_allocated_total} allocated in total, {s.arenas_reclaimed} reclaimed, "
        f"highwater {s.arenas_highwater})",
        f"pools of {s.pool_size:,} bytes; requests up to {s.small_request_threshold} bytes in "
        f"{s.num_size_classes} size classes, {s.alignment} bytes apart",
        "  class  size  pools  blocks in use  free blocks",
    ]
    for c in s.size_classes:
        lines.append(
            f"  {c.index:>5}  {c.size:>4}  {c.pools:>5}  {c.blocks_in_use:>13,}  "
            f"{c.free_blocks:>11,}"
        )
    rows = [
        ("bytes in allocated blocks", s.bytes_in_allocated_blocks),
        ("bytes in available blocks", s.bytes_in_available_blocks),
        (f"unused pools ({s.unused_pools})", s.unused_pools_bytes),
        ("lost to pool headers", s.pool_headers_bytes),
        ("lost to quantization", s.quantization_bytes),
        ("lost to arena alignment", s.arena_alignment_bytes),
        ("total", s.total),
    ]
    arena_map = s.arena_map_bytes if s.arena_map_bytes is not None else s.arena_map_root_bytes
    if arena_map is not None:
        rows.append(("arena map", arena_map))
    lines += [f"  {label:<26}{value:>15,}" for label, value in rows]
    return "\n".join(lines)
