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
- :class:`pyhood.DeepFootprint` (``pyhood.deep_footprint()``), its :class:`pyhood.TypeStat`
  and :class:`pyhood.Largest` rows: :func:`deep_footprint_text`, :func:`deep_footprint_html`,
  :func:`deep_footprint_dict`, :func:`type_stat_dict`, :func:`largest_dict`.
- :class:`pyhood.Census` (``pyhood.census()``): :func:`census_text`, :func:`census_html`,
  :func:`census_dict`; a :class:`pyhood.CensusDiff` (``Census.diff()``) and its
  :class:`pyhood.TypeDelta` rows: :func:`census_diff_text`, :func:`census_diff_html`,
  :func:`census_diff_dict`, :func:`type_delta_dict`.
- :class:`pyhood.ReferrerChain` (``pyhood.referrers()``) and its :class:`pyhood.Referrer`
  links: :func:`referrers_text`, :func:`referrers_html`, :func:`referrers_dict`,
  :func:`referrer_dict`.

One-line ``__repr__``s stay beside their classes in the native module: they identify an object
(type, address, key figures), they do not render it. The classes' own ``__str__``,
``_repr_html_`` and ``to_dict`` only call these functions. This module imports nothing of pyhood's,
so every other module can import it. (The tour's narration, in :mod:`pyhood._tour.narrate`,
is not a rendering of results: it prints the tour's headings, paragraphs and checks.)
"""

from __future__ import annotations

import html
import sys
from collections.abc import Iterable
from typing import Any

__all__ = [
    "census_dict",
    "census_diff_dict",
    "census_diff_html",
    "census_diff_text",
    "census_html",
    "census_text",
    "deep_footprint_dict",
    "deep_footprint_html",
    "deep_footprint_text",
    "field_dict",
    "fields_table",
    "footprint_text",
    "frame_summary",
    "gc_event_text",
    "gc_generations_text",
    "gc_watch_repr",
    "gc_watch_text",
    "growth_text",
    "largest_dict",
    "layout_dict",
    "layout_html",
    "layout_text",
    "obmalloc_dict",
    "obmalloc_text",
    "referrer_dict",
    "referrers_dict",
    "referrers_html",
    "referrers_text",
    "size_class_dict",
    "tracker_html",
    "tracker_repr",
    "tracker_text",
    "type_delta_dict",
    "type_stat_dict",
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
        **_frame_dict(layout),
    }


def frame_slot_dict(slot: Any) -> dict[str, Any]:
    """A JSON-ready dict of one ``FrameSlot`` (a variable or a value-stack entry)."""
    return {
        "name": slot.name,
        "kind": slot.kind,
        "index": slot.index,
        "offset": slot.offset,
        "address": slot.address,
        "type_name": slot.type_name,
        "cell_contents": slot.cell_contents,
        "tagged_int": slot.tagged_int,
    }


def _code_dict(code: Any) -> dict[str, Any]:
    return {
        "name": code.co_name,
        "qualname": getattr(code, "co_qualname", code.co_name),
        "filename": code.co_filename,
        "firstlineno": code.co_firstlineno,
    }


def _frame_dict(layout: Any) -> dict[str, Any]:
    """For a ``FrameLayout``: what the frame says about its code, variables and stack (the
    attributes' names); nothing for other layouts."""
    if not hasattr(layout, "variables"):
        return {}
    return {
        "code": _code_dict(layout.code),
        "f_lasti": layout.f_lasti,
        "instr_address": layout.instr_address,
        "interpreter_frame": layout.interpreter_frame,
        "previous": layout.previous,
        "owner": layout.owner,
        "state": layout.state,
        "stack_depth": layout.stack_depth,
        "variables": [frame_slot_dict(v) for v in layout.variables],
        "stack": [frame_slot_dict(v) for v in layout.stack],
    }


# --- pyhood.header(), block_info(), gc_info() --------------------------------------------------


def type_name(t: type) -> str:
    """A type's name as a census keys it: ``int``, ``collections.OrderedDict``,
    ``__main__.Point`` (the ``builtins`` module left out). Read through ``type``'s own
    descriptors, so no metaclass attribute hook runs."""
    qualname = type.__dict__["__qualname__"].__get__(t, type)
    module = type.__dict__["__module__"].__get__(t, type)
    if not isinstance(module, str) or module == "builtins":
        return str(qualname)
    return f"{module}.{qualname}"


def header_dict(h: Any) -> dict[str, Any]:
    """A JSON-ready dict of an ``ObjectHeader``: ``type`` as its name (:func:`type_name`)."""
    return {
        "address": h.address,
        "refcnt": h.refcnt,
        "type": type_name(h.type),
        "type_address": h.type_address,
        "size": h.size,
        "immortal": h.immortal,
        "flags": h.flags,
        "tid": h.tid,
        "ref_local": h.ref_local,
        "ref_shared": h.ref_shared,
        "gc_bits": h.gc_bits,
    }


#: ``BlockInfo``'s attributes, in ``to_dict`` order.
BLOCK_INFO_FIGURES = (
    "domain",
    "block_address",
    "requested",
    "block_size",
    "debug_hooks",
    "pool_address",
    "size_class",
    "pool_blocks_in_use",
    "pool_capacity",
    "arena_index",
)


def block_info_dict(b: Any) -> dict[str, Any]:
    """A JSON-ready dict of a ``BlockInfo``: every attribute (``None`` where it does not
    apply, e.g. the pool of a malloc block)."""
    return {key: getattr(b, key) for key in BLOCK_INFO_FIGURES}


def gc_info_dict(g: Any) -> dict[str, Any]:
    """A JSON-ready dict of a ``GCInfo``: ``generation`` is 0, 1, 2, ``"permanent"`` or
    ``None``."""
    return {
        "address": g.address,
        "tracked": g.tracked,
        "generation": g.generation,
        "finalized": g.finalized,
        "collecting": g.collecting,
        "gc_next": g.gc_next,
        "gc_prev": g.gc_prev,
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


def growth_dict(growth: Any) -> dict[str, Any]:
    """A JSON-ready dict of one ``Growth`` line."""
    return {
        "filename": growth.filename,
        "lineno": growth.lineno,
        "size_diff": growth.size_diff,
        "count_diff": growth.count_diff,
    }


def tracker_dict(t: Any) -> dict[str, Any]:
    """A JSON-ready dict of a ``Tracker``: every reading (``None`` until the block has ended,
    or where it could not be read), ``size_class_deltas`` as a list of ``{"size", "delta"}``
    rows, and the collections and growing lines as lists of dicts."""
    done = t._state == "done"
    deltas = t.size_class_deltas
    return {
        "state": t._state,
        "elapsed_ns": t.elapsed_ns,
        "blocks_delta": t.blocks_delta,
        "pymalloc_blocks_delta": t.pymalloc_blocks_delta,
        "size_class_deltas": (
            None if deltas is None else [{"size": s, "delta": d} for s, d in deltas.items()]
        ),
        "arenas_delta": t.arenas_delta,
        "allocator_note": t.allocator_note,
        "gc_count_before": list(t._count0) if done else None,
        "gc_count_after": list(t._count1) if done else None,
        "gc_count_delta": None if t.gc_count_delta is None else list(t.gc_count_delta),
        "collections": [gc_event_dict(e) for e in t.collections],
        "traced": t.traced,
        "top_growth": None if t.top_growth is None else [growth_dict(g) for g in t.top_growth],
    }


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


def gc_event_dict(event: Any) -> dict[str, Any]:
    """A JSON-ready dict of one ``GCEvent``."""
    return {
        "generation": event.generation,
        "start_ns": event.start_ns,
        "duration_ns": event.duration_ns,
        "collected": event.collected,
        "uncollectable": event.uncollectable,
    }


def _watch_state(watch: Any) -> str:
    return "active" if watch._active else "done" if watch._frozen is not None else "new"


def gc_watch_dict(watch: Any) -> dict[str, Any]:
    """A JSON-ready dict of a ``GCWatch``: its state, every event, and per generation the
    totals of ``summary()``."""
    return {
        "state": _watch_state(watch),
        "elapsed_ns": watch.elapsed_ns,
        "events": [gc_event_dict(e) for e in watch.events],
        "summary": [
            {
                "generation": gen,
                "collections": n,
                "duration_ns": ns,
                "collected": c,
                "uncollectable": u,
            }
            for gen, (n, ns, c, u) in watch.summary().items()
        ],
    }


def gc_watch_repr(watch: Any) -> str:
    """``<GCWatch new|active|done: N events>``."""
    return f"<GCWatch {_watch_state(watch)}: {len(watch.events)} events>"


# --- pyhood.footprint() -----------------------------------------------------------------------


def footprint_text(fp: Any) -> str:
    """A ``Footprint``: the totals, then one line per allocation (name, bytes, domain, address)."""
    if fp.getsizeof is None:
        claim = "sys.getsizeof not asked: the class's __sizeof__ is Python code"
    else:
        claim = f"sys.getsizeof, the object's own claim: {fp.getsizeof}"
    lines = [f"footprint: {fp.total} bytes allocated for {fp.requested} requested ({claim})"]
    for a in fp.allocations:
        b = a.block
        lines.append(
            f"  {a.name:<12} {a.requested:>8} requested {a.allocated:>8} allocated  "
            f"{b.domain:<8} at {b.block_address:#x}"
        )
    return "\n".join(lines).rstrip()


def allocation_dict(a: Any) -> dict[str, Any]:
    """A JSON-ready dict of one ``Allocation``: its ``block`` as :func:`block_info_dict`."""
    return {
        "name": a.name,
        "requested": a.requested,
        "allocated": a.allocated,
        "block": block_info_dict(a.block),
    }


def footprint_dict(fp: Any) -> dict[str, Any]:
    """A JSON-ready dict of a ``Footprint``: the totals, then every allocation (the object's
    own block first)."""
    return {
        "total": fp.total,
        "requested": fp.requested,
        "getsizeof": fp.getsizeof,
        "allocations": [allocation_dict(a) for a in fp.allocations],
    }


# --- pyhood.gc_generations() ------------------------------------------------------------------


def generation_dict(gen: Any) -> dict[str, Any]:
    """A JSON-ready dict of one ``Generation``."""
    return {
        "index": gen.index,
        "name": gen.name,
        "threshold": gen.threshold,
        "count": gen.count,
        "objects": gen.objects,
        "head": gen.head,
    }


def gc_generations_dict(g: Any) -> dict[str, Any]:
    """A JSON-ready dict of a ``GCGenerations``: where the state is, generations 0-2 as a list
    of dicts, and the permanent generation."""
    return {
        "release": g.release,
        "address": g.address,
        "located_by": g.located_by,
        "enabled": g.enabled,
        "debug": g.debug,
        "total": g.total,
        "generations": [generation_dict(gen) for gen in g.generations],
        "permanent": generation_dict(g.permanent),
    }


# --- pyhood.freelists() -----------------------------------------------------------------------


def freelist_dict(fl: Any) -> dict[str, Any]:
    """A JSON-ready dict of one ``FreeList``."""
    return {"name": fl.name, "count": fl.count, "limit": fl.limit}


def freelists_dict(lists: Any) -> dict[str, dict[str, Any]]:
    """``pyhood.freelists()``'s dict (which, being a plain dict, has no ``to_dict``) as a
    JSON-ready dict: ``{name: freelist_dict(...)}`` in the same order."""
    return {name: freelist_dict(fl) for name, fl in lists.items()}


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


# --- pyhood.deep_footprint() and pyhood.census(): tables of types ----------------------------

#: Types shown by a text or HTML table of types (biggest first); the rest is summarised.
TYPE_ROWS = 20
#: Characters of a type key shown in a text table; a longer key ends in "…".
TYPE_NAME_WIDTH = 60
#: Colours of the HTML bars: bytes of a type, growth and shrinkage in a census diff.
BAR_COLOUR = "#6a9fd8"
GROW_COLOUR = "#3c9a5f"
SHRINK_COLOUR = "#d0493f"
#: Width in pixels of the longest bar (half of it each way for a census diff's bars).
BAR_WIDTH = 240

_UNITS = ("KiB", "MiB", "GiB", "TiB")


def _human(n: int, sign: bool = False) -> str:
    """Bytes in the largest binary unit that keeps the figure at 1 or more: ``18.2 MiB``."""
    plus = "+" if sign and n > 0 else ""
    if abs(n) < 1024:
        return f"{plus}{n} B"
    value, i = n / 1024, 0
    while abs(value) >= 1024 and i < len(_UNITS) - 1:
        value, i = value / 1024, i + 1
    return f"{plus}{value:.1f} {_UNITS[i]}"


def _bytes(n: int, sign: bool = False) -> str:
    """A human unit and the exact figure: ``18.2 MiB (19,083,264 bytes)``; ``512 bytes``."""
    exact = f"{n:+,}" if sign else f"{n:,}"
    if abs(n) < 1024:
        return f"{exact} bytes"
    return f"{_human(n, sign)} ({exact} bytes)"


def _short(name: str) -> str:
    return name if len(name) <= TYPE_NAME_WIDTH else name[: TYPE_NAME_WIDTH - 1] + "…"


def _by_bytes(by_type: Any) -> list[tuple[str, Any]]:
    """``by_type``'s (type key, TypeStat) pairs, most allocated bytes first, then by name."""
    return sorted(by_type.items(), key=lambda kv: (-kv[1].allocated, kv[0]))


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def _table(rows: list[tuple[str, ...]], indent: str = "  ") -> list[str]:
    """Aligned text rows: the first column left-aligned, the others right-aligned."""
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = [r[0].ljust(widths[0])] + [r[c].rjust(widths[c]) for c in range(1, len(r))]
        out.append((indent + "  ".join(cells)).rstrip())
    return out


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
                _share(s.allocated, total),
            )
        )
    lines = _table(rows) if len(rows) > 1 else []
    rest = ranked[len(rows) - 1 :]
    if rest:
        lines.append(f"  … {len(rest)} more types: {_rest_summary(rest)}")
    return lines


def _rest_summary(rest: list[tuple[str, Any]]) -> str:
    objects = sum(s.count for _, s in rest)
    return f"{objects:,} objects, {_bytes(sum(s.allocated for _, s in rest))}"


def _bar(width: float, colour: str, right: bool = False) -> str:
    """A bar ``width`` pixels long (at least 1 when not empty), in an inline-styled div."""
    px = max(width, 1.0) if width > 0 else 0.0
    align = "margin-left:auto;" if right else ""
    return f'<div style="{align}height:10px;width:{px:.1f}px;background:{colour}"></div>'


_CELL = "padding:1px 8px;font:12px monospace;"
_NUM = f"{_CELL}text-align:right"
_LEFT = f"{_CELL}text-align:left"


def _th(text: str, right: bool = True) -> str:
    return f'<th style="{_NUM if right else _LEFT}">{html.escape(text)}</th>'


def _td(text: str, right: bool = True, title: str | None = None) -> str:
    tip = f' title="{html.escape(title)}"' if title else ""
    return f'<td style="{_NUM if right else _LEFT}"{tip}>{html.escape(text)}</td>'


def _types_html(by_type: Any, total: int) -> str:
    """An HTML table of types, most allocated bytes first, each with a bar proportional to its
    bytes (the biggest type's bar is ``BAR_WIDTH`` long)."""
    ranked = _by_bytes(by_type)
    head = "".join(
        [
            _th("type", right=False),
            _th("objects"),
            _th("allocated"),
            _th("requested"),
            _th("share"),
            _th("", right=False),
        ]
    )
    top = max((s.allocated for _, s in ranked), default=0)
    rows = []
    for name, s in ranked[:TYPE_ROWS]:
        width = BAR_WIDTH * s.allocated / top if top > 0 else 0.0
        rows.append(
            f"<tr><td style='{_LEFT}'><code>{html.escape(name)}</code></td>"
            f"{_td(f'{s.count:,}')}{_td(f'{s.allocated:,}', title=_human(s.allocated))}"
            f"{_td(f'{s.requested:,}')}{_td(_share(s.allocated, total))}"
            f"<td style='{_LEFT};width:{BAR_WIDTH}px'>{_bar(width, BAR_COLOUR)}</td></tr>"
        )
    rest = ranked[TYPE_ROWS:]
    if rest:
        more = f"… {len(rest)} more types: {_rest_summary(rest)}"
        rows.append(f"<tr><td colspan=6 style='{_LEFT}'>{html.escape(more)}</td></tr>")
    if not ranked:
        rows.append(f"<tr><td colspan=6 style='{_LEFT}'>(no objects)</td></tr>")
    return f'<table style="border-collapse:collapse"><tr>{head}</tr>{"".join(rows)}</table>'


def _html_box(kind: str, summary: str, body: str) -> str:
    return (
        f'<div class="pyhood-{kind}"><p style="font:12px monospace;margin:4px 0">'
        f"{html.escape(summary)}</p>{body}</div>"
    )


def type_stat_dict(s: Any) -> dict[str, Any]:
    """A JSON-ready dict of one ``TypeStat`` (``bytes`` is ``allocated``, not repeated)."""
    return {"count": s.count, "requested": s.requested, "allocated": s.allocated}


def _by_type_dict(by_type: Any) -> dict[str, dict[str, Any]]:
    """``by_type`` as a dict of dicts, most allocated bytes first."""
    return {name: type_stat_dict(s) for name, s in _by_bytes(by_type)}


# --- pyhood.deep_footprint() ------------------------------------------------------------------


def _deep_summary(d: Any) -> str:
    parts = [
        f"deep footprint: {_bytes(d.total)} allocated for {_bytes(d.requested)} requested "
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
    return ["", *_table(rows)]


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
            [_th("largest", right=False), _th("allocated"), _th("requested"), _th("address")]
        )
        rows = "".join(
            f"<tr><td style='{_LEFT}'><code>{html.escape(x.type)}</code></td>"
            f"{_td(f'{x.allocated:,}')}{_td(f'{x.requested:,}')}{_td(f'{x.address:#x}')}</tr>"
            for x in d.largest
        )
        body += f'<table style="border-collapse:collapse;margin-top:6px"><tr>{head}</tr>{rows}'
        body += "</table>"
    return _html_box("deep-footprint", _deep_summary(d), body)


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
        f"{_bytes(c.allocated)} allocated for {_bytes(c.requested)} requested"
    )
    if getattr(c, "unmeasured", 0):
        line += f"; {c.unmeasured:,} objects pyhood could not measure (bytes not counted)"
    if c.pymalloc_reached is None or c.pymalloc_in_use is None:
        return line + "; pymalloc is not the allocator"
    return (
        f"{line}; pymalloc blocks: {_bytes(c.pymalloc_reached)} reached of "
        f"{_bytes(c.pymalloc_in_use)} in use ({_share(c.pymalloc_reached, c.pymalloc_in_use)})"
    )


def census_text(c: Any, top: int | None = TYPE_ROWS) -> str:
    """A ``Census``: the totals on one line, then a table of types (most allocated bytes
    first, the top ``top``, every type when ``None``)."""
    return "\n".join([_census_summary(c), *_types_text(c.by_type, c.allocated, top)])


def census_html(c: Any) -> str:
    """A ``Census`` for notebooks: the totals, then a table of types with a bar each."""
    return _html_box("census", _census_summary(c), _types_html(c.by_type, c.allocated))


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
        f"census diff: {count:+,} objects, {_bytes(allocated, sign=True)} allocated, "
        f"{_bytes(requested, sign=True)} requested; {len(x.grew)} types grew, "
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
        lines += _table(rows)
    rest = ranked[TYPE_ROWS:]
    if rest:
        lines.append(f"  … {len(rest)} more types: {_diff_rest(rest)}")
    return "\n".join(lines)


def _diff_rest(rest: list[Any]) -> str:
    objects = sum(t.count for t in rest)
    return f"{objects:+,} objects, {_bytes(sum(t.allocated for t in rest), sign=True)}"


def census_diff_html(x: Any) -> str:
    """A ``CensusDiff`` for notebooks: one row per type that changed, with a bar proportional
    to its change of allocated bytes, green to the right for growth, red to the left for
    shrinkage."""
    ranked = _by_change(x.rows)
    head = "".join(
        [
            _th("type", right=False),
            _th("before"),
            _th("after"),
            _th("objects"),
            _th("allocated"),
            _th("requested"),
            _th("shrank | grew", right=False),
        ]
    )
    top = max((abs(t.allocated) for t in ranked), default=0)
    half = BAR_WIDTH / 2
    rows = []
    for t in ranked[:TYPE_ROWS]:
        width = half * abs(t.allocated) / top if top > 0 else 0.0
        shrink = _bar(width, SHRINK_COLOUR, right=True) if t.allocated < 0 else ""
        grow = _bar(width, GROW_COLOUR) if t.allocated > 0 else ""
        bars = (
            f'<div style="display:flex;width:{BAR_WIDTH}px">'
            f'<div style="display:flex;width:{half:g}px;border-right:1px solid #999">{shrink}'
            f'</div><div style="width:{half:g}px">{grow}</div></div>'
        )
        rows.append(
            f"<tr><td style='{_LEFT}'><code>{html.escape(t.type)}</code></td>"
            f"{_td(f'{t.count_before:,}')}{_td(f'{t.count_after:,}')}{_td(f'{t.count:+,}')}"
            f"{_td(f'{t.allocated:+,}', title=_human(t.allocated, sign=True))}"
            f"{_td(f'{t.requested:+,}')}<td style='{_LEFT}'>{bars}</td></tr>"
        )
    rest = ranked[TYPE_ROWS:]
    if rest:
        more = f"… {len(rest)} more types: {_diff_rest(rest)}"
        rows.append(f"<tr><td colspan=7 style='{_LEFT}'>{html.escape(more)}</td></tr>")
    table = f'<table style="border-collapse:collapse"><tr>{head}</tr>{"".join(rows)}</table>'
    return _html_box("census-diff", _diff_summary(x), table if ranked else "")


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
