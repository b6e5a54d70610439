"""``pyhood.layout()`` and ``frame_layout()``: an allocation field by field (guide §10, §11.6).

- text: :func:`layout_text`, an aligned table, blocks indented below (``__str__``);
- HTML: :func:`layout_html`, a byte map per allocation (16 bytes a row, each field a box
  with its name in it and a visible boundary, coloured by region, a legend of the regions
  drawn), then the field table (``_repr_html_``);
- dict: :func:`layout_dict`, every field and block (``to_dict``); a ``FrameLayout``'s adds
  what the frame says.

The byte map stays bounded whatever the allocation's size: runs of three or more rows of
zero bytes, or of bytes pyhood did not read (items past ``max_items``), are one row saying
how many; past ``MAP_HEAD_ROWS`` rows it shows the last ``MAP_TAIL_ROWS`` rows and one row
for what is between. It reads each field's bytes through slices and searches, never byte by
byte over a whole allocation, so an 8-million-item list's 64 MB item array renders as fast
as a small one.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from typing import Any

from .common import (
    NOTE,
    code_td,
    esc,
    fit,
    fit_name,
    head_tail,
    html_table,
    legend,
    more_row,
    pairs_html,
    rect,
    svg,
    td,
    text,
)

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

#: Rows of one table printed in text; the rest is summarised.
TEXT_ROWS = 400
#: Bytes per row of the byte map, and pixels per byte.
ROW_BYTES = 16
CELL_PX = 26
#: Rows of the byte map drawn before and after the row that stands for the rest.
MAP_HEAD_ROWS = 48
MAP_TAIL_ROWS = 8
#: A run of at least this many rows of zero bytes (or of bytes not read) is one row.
COLLAPSE_ROWS = 3

_GUTTER = 56
_ROW_PX = 30
_RUN_PX = 20
_MAP_WIDTH = _GUTTER + ROW_BYTES * CELL_PX + 4
_H5 = "font:bold 12px monospace;margin:10px 0 4px"
_NONZERO = re.compile(rb"[^\x00]")

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


def _slot_value(v: Any) -> str:
    if v.address is not None:
        value = f"{v.type_name} at {v.address:#x}"
    elif v.tagged_int is not None:
        value = f"tagged int {v.tagged_int}"
    else:
        value = "NULL"
    return value + (f" -> {v.cell_contents:#x}" if v.cell_contents is not None else "")


def _frame_line(layout: Any) -> str:
    code = layout.code
    where = f"{code.co_qualname if hasattr(code, 'co_qualname') else code.co_name}"
    return (
        f"frame of {where} ({code.co_filename}:{code.co_firstlineno}): f_lasti={layout.f_lasti}"
        f", state={layout.state}"
        + (f", owner={layout.owner}" if layout.owner is not None else "")
        + (
            f", stack depth {layout.stack_depth}"
            if layout.stack_depth is not None
            else ", stack top not recorded (running)"
        )
    )


def frame_summary(layout: Any) -> list[str]:
    """For a ``FrameLayout``: the code, instruction, state and variables, before the table."""
    if not hasattr(layout, "variables"):
        return []
    lines = [_frame_line(layout)]
    for v in (*layout.variables, *layout.stack):
        lines.append(f"  [{v.index}] {v.name:<16} {v.kind:<11} {_slot_value(v)}")
    return [*lines, ""]


def layout_text(layout: Any) -> str:
    """An aligned table a person reads in a terminal, blocks indented below."""
    lines = [*frame_summary(layout), _title(layout), *fields_table(layout.fields, "  ")]
    for block in layout.blocks:
        lines.append("")
        lines.append("  block " + _title(block))
        lines.extend(fields_table(block.fields, "    "))
    return "\n".join(line.rstrip() for line in lines)


# --- the byte map -----------------------------------------------------------------------------


class _Bytes:
    """A layout's fields as spans of bytes, in address order (bit-field views, which share
    their container's bytes, and empty fields left out), with what was read of each."""

    def __init__(self, layout: Any) -> None:
        self.start, self.end = layout.start, layout.end
        spans = [f for f in layout.fields if f.bits is None and f.size > 0]
        spans.sort(key=lambda f: f.offset)
        self.fields = spans
        self.offsets = [f.offset for f in spans]
        self.raws = [f.raw for f in spans]

    def at(self, off: int) -> int:
        """Index of the field holding byte ``off``, or -1."""
        i = bisect.bisect_right(self.offsets, off) - 1
        if i >= 0 and off < self.fields[i].offset + self.fields[i].size:
            return i
        return -1

    def byte(self, off: int) -> int | None:
        """The byte at ``off``: its value, ``None`` if it was not read, -1 if no field has it."""
        i = self.at(off)
        if i < 0:
            return -1
        k = off - self.offsets[i]
        raw = self.raws[i]
        return raw[k] if k < len(raw) else None

    def kind(self, row: int) -> str:
        """ "zero", "unread" or "data": what a full row's 16 bytes are."""
        values = [self.byte(off) for off in range(row, row + ROW_BYTES)]
        if all(v is None for v in values):
            return "unread"
        if all(v == 0 for v in values):
            return "zero"
        return "data"

    def run_end(self, row: int, kind: str, stop: int) -> int:
        """The first row at or after ``row`` (and before ``stop``) whose bytes are not all
        ``kind``; inside one field, by a search of its bytes rather than row by row."""
        while row < stop:
            i = self.at(row)
            f = self.fields[i] if i >= 0 else None
            if f is not None and row + ROW_BYTES <= f.offset + f.size:
                read_end = f.offset + len(self.raws[i])
                if kind == "unread" and row >= read_end:
                    end = f.offset + f.size
                elif kind == "zero" and row + ROW_BYTES <= read_end:
                    m = _NONZERO.search(self.raws[i], row - f.offset)
                    end = read_end if m is None else f.offset + m.start()
                else:
                    end = row
                jump = row + (min(end, stop) - row) // ROW_BYTES * ROW_BYTES
                if jump > row:
                    row = jump
                    continue
            if self.kind(row) != kind:
                return row
            row += ROW_BYTES
        return stop

    def name_at(self, off: int) -> str:
        i = self.at(off)
        return self.fields[i].name if i >= 0 else "(no field)"

    def names(self, lo: int, hi: int) -> str:
        """The fields of ``[lo, hi)``: one name, or the first and the last."""
        first, last = self.name_at(lo), self.name_at(hi - 1)
        return first if first == last else f"{first} … {last}"


def _map_items(b: _Bytes) -> list[tuple]:
    """The byte map's rows: ``("row", offset)``, ``("run", lo, hi, kind)`` for a collapsed
    run, ``("gap", lo, hi)`` for the rows not shown; at most ``MAP_HEAD_ROWS`` items, a gap,
    and at most ``MAP_TAIL_ROWS`` rows."""
    first = b.start - b.start % ROW_BYTES
    stop = b.end + (-b.end) % ROW_BYTES

    def walk(row: int, until: int, limit: int) -> tuple[list[tuple], int]:
        items: list[tuple] = []
        while row < until and len(items) < limit:
            full = row >= b.start and row + ROW_BYTES <= b.end
            kind = b.kind(row) if full else "data"
            if kind != "data":
                end = b.run_end(row, kind, min(until, b.end - b.end % ROW_BYTES))
                if (end - row) // ROW_BYTES >= COLLAPSE_ROWS:
                    items.append(("run", row, end, kind))
                    row = end
                    continue
            items.append(("row", row))
            row += ROW_BYTES
        return items, row

    items, row = walk(first, stop, MAP_HEAD_ROWS)
    if row >= stop:
        return items
    tail_from = max(row, stop - MAP_TAIL_ROWS * ROW_BYTES)
    if tail_from > row:
        items.append(("gap", row, tail_from))
    tail, _ = walk(tail_from, stop, MAP_TAIL_ROWS + 1)
    return items + tail


def _byte_row(b: _Bytes, row: int, y: float) -> list[str]:
    out = [text(_GUTTER - 6, y + 19, f"{row:+d}", size=10, anchor="end", fill="#888")]
    lo, hi = max(row, b.start), min(row + ROW_BYTES, b.end)
    off = lo
    while off < hi:
        i = b.at(off)
        if i < 0:  # bytes no field names: up to the next field
            nxt = bisect.bisect_right(b.offsets, off)
            seg_hi = min(hi, b.offsets[nxt]) if nxt < len(b.offsets) else hi
            x = _GUTTER + (off - row) * CELL_PX
            out.append(
                rect(
                    x, y + 1, (seg_hi - off) * CELL_PX, _ROW_PX - 2, "#f4f4f4", "(no field)", "#bbb"
                )
            )
            off = seg_hi
            continue
        f = b.fields[i]
        seg_hi = min(hi, f.offset + f.size)
        x, w = _GUTTER + (off - row) * CELL_PX, (seg_hi - off) * CELL_PX
        colour = REGION_COLOURS.get(f.region, "#fff")
        tip = f"{f.name} @ {f.offset}, {f.size} bytes ({f.region}, {f.ctype}): {_value(f)}"
        attrs = f'class="ph-field" data-field="{esc(f.name)}" data-region="{esc(f.region)}"'
        out.append(rect(x, y + 1, w, _ROW_PX - 2, colour, tip, "#555", attrs))
        shown = fit_name(f.name, w - 4, 6.1) if off == f.offset else fit("↳ " + f.name, w - 4, 6.1)
        if shown:
            out.append(text(x + 3, y + 11, shown, size=10, attrs='class="ph-label"'))
        raw, base = b.raws[i], f.offset
        for k in range(off, seg_hi):
            j = k - base
            cell = f"{raw[j]:02x}" if j < len(raw) else "··"
            cx = _GUTTER + (k - row) * CELL_PX + CELL_PX / 2
            out.append(text(cx, y + 25, cell, size=10, anchor="middle", fill="#333"))
        off = seg_hi
    return out


def _run_row(b: _Bytes, item: tuple, y: float) -> list[str]:
    lo, hi = item[1], item[2]
    rows = (hi - lo) // ROW_BYTES
    if item[0] == "gap":
        what = f"… {rows:,} rows ({hi - lo:,} bytes) not shown: {b.names(lo, hi)} …"
        fill = "#fafafa"
    elif item[3] == "zero":
        what = f"{rows:,} rows ({hi - lo:,} bytes) of zeros: {b.names(lo, hi)}"
        fill = "#f6f6f6"
    else:
        what = f"{rows:,} rows ({hi - lo:,} bytes) not read: {b.names(lo, hi)}"
        fill = "#f6f6f6"
    attrs = (
        f'class="ph-run" data-rows="{rows}" data-kind="{item[0] if item[0] == "gap" else item[3]}"'
    )
    return [
        text(_GUTTER - 6, y + 14, f"{lo:+d}", size=10, anchor="end", fill="#888"),
        rect(_GUTTER, y + 1, ROW_BYTES * CELL_PX, _RUN_PX - 2, fill, what, "#bbb", attrs),
        text(_GUTTER + 6, y + 14, fit(what, ROW_BYTES * CELL_PX - 10), size=10, fill="#555"),
    ]


def byte_map(layout: Any) -> str:
    """One allocation's bytes as an SVG picture, 16 a row: each field a box with a boundary,
    its name (cut to fit; the whole name, offset, type and value in its tooltip) and its bytes
    in hex (``··`` where pyhood did not read them), filled with its region's colour."""
    b = _Bytes(layout)
    parts: list[str] = []
    y = 0.0
    for item in _map_items(b):
        if item[0] == "row":
            parts += _byte_row(b, item[1], y)
            y += _ROW_PX
        else:
            parts += _run_row(b, item, y)
            y += _RUN_PX
    label = f"byte map of {_title(layout)}"
    return svg(_MAP_WIDTH, y + 2, "".join(parts), label, cls="ph-bytemap")


def _legend(layout: Any) -> str:
    present = {f.region for f in layout.fields if f.bits is None and f.size > 0}
    return legend(((r, c) for r, c in REGION_COLOURS.items() if r in present), "data-region")


def _field_row(f: Any) -> str:
    colour = REGION_COLOURS.get(f.region, "#fff")
    value = _value(f) + (f"  {f.note}" if f.note else "")
    return (
        f'<tr style="background:{colour}">{td(str(f.offset))}{td(str(f.size))}'
        f"{td(f.region, right=False)}{code_td(f.name)}{td(f.ctype, right=False)}"
        f"{code_td(value)}</tr>"
    )


def _zero(f: Any) -> bool:
    """A field worth folding into a run: all its bytes read and zero, nothing noted."""
    return f.bits is None and len(f.raw) == f.size > 0 and not f.note and not any(f.raw)


def _field_rows(fields: Any) -> list[Any]:
    """The table's rows: a field, or a run ``(first, last, n)`` of at least
    ``COLLAPSE_ROWS`` neighbouring zero fields of one region and C type."""
    rows: list[Any] = []
    i, n = 0, len(fields)
    while i < n:
        f = fields[i]
        j = i + 1
        if _zero(f):
            while (
                j < n
                and _zero(fields[j])
                and (fields[j].region, fields[j].ctype)
                == (
                    f.region,
                    f.ctype,
                )
            ):
                j += 1
        if j - i >= COLLAPSE_ROWS:
            rows.append((f, fields[j - 1], j - i))
        else:
            rows.append(f)
            j = i + 1
        i = j
    return rows


def _run_field_row(run: tuple) -> str:
    first, last, n = run
    colour = REGION_COLOURS.get(first.region, "#fff")
    size = last.offset + last.size - first.offset
    return (
        f'<tr class="ph-zero-run" style="background:{colour}">{td(str(first.offset))}'
        f"{td(str(size))}{td(first.region, right=False)}{code_td(f'{first.name} … {last.name}')}"
        f"{td(first.ctype, right=False)}{code_td(f'{n} fields, all zero')}</tr>"
    )


def _fields_html(layout: Any) -> str:
    """The field table: neighbouring zero fields as one row, then the first ``HEAD_ROWS``
    and last ``TAIL_ROWS`` rows."""
    first, hidden, last = head_tail(_field_rows(layout.fields))

    def row(r: Any) -> str:
        return _run_field_row(r) if isinstance(r, tuple) else _field_row(r)

    rows = [row(r) for r in first]
    if hidden:
        rows.append(more_row(6, f"… {hidden:,} more rows of fields …"))
    rows += [row(r) for r in last]
    head = ("offset", "size", "region", "field", "ctype", "value")
    table = html_table(head, rows, left=(2, 3, 4, 5))
    return table.replace("<table", '<table class="ph-fields"', 1)


def _slots_html(layout: Any) -> str:
    slots = (*layout.variables, *layout.stack)
    first, hidden, last = head_tail(slots)

    def row(v: Any) -> str:
        cells = td(str(v.index)) + code_td(v.name) + td(v.kind, right=False)
        return f"<tr>{cells}{code_td(_slot_value(v))}</tr>"

    rows = [row(v) for v in first]
    if hidden:
        rows.append(more_row(4, f"… {hidden:,} more slots …"))
    rows += [row(v) for v in last]
    return html_table(("index", "name", "kind", "value"), rows, left=(1, 2, 3))


def _allocation_html(layout: Any, heading: str) -> str:
    return f"{heading}{_legend(layout)}{byte_map(layout)}{_fields_html(layout)}"


def layout_html(layout: Any) -> str:
    """Self-contained HTML: for the object and each block it owns, a byte map (fields boxed,
    named and coloured by region, a legend of the regions there), then the field table (the
    first ``HEAD_ROWS`` and last ``TAIL_ROWS`` fields). A frame's code, state and variables
    come first."""
    parts = ['<div class="pyhood-layout">']
    if hasattr(layout, "variables"):
        parts.append(f'<p style="{NOTE}">{esc(_frame_line(layout))}</p>{_slots_html(layout)}')
    h = f"<h4 style='font:bold 13px monospace;margin:6px 0'>{esc(_title(layout))}</h4>"
    parts.append(_allocation_html(layout, h))
    for block in layout.blocks:
        h = f"<h5 style='{_H5}'>block {esc(_title(block))}</h5>"
        parts.append(_allocation_html(block, h))
    parts.append("</div>")
    return "".join(parts)


def field_html(f: Any) -> str:
    """One ``Field`` for notebooks: its offset, size, C type, value, region and bytes."""
    pairs = [
        ("offset", f"{f.offset} .. {f.offset + f.size}"),
        ("size", str(f.size)),
        ("ctype", f.ctype),
        ("value", _value(f) + (f"  {f.note}" if f.note else "")),
        ("region", f.region),
        ("raw", f.raw[:64].hex(" ") + (" …" if len(f.raw) > 64 else "")),
    ]
    if f.bits is not None:
        pairs.append(("bits", f"shift {f.bits[0]}, width {f.bits[1]}"))
    return pairs_html("field", f"field {f.name}", pairs)


def frame_slot_html(v: Any) -> str:
    """One ``FrameSlot`` for notebooks."""
    pairs = [
        ("kind", v.kind),
        ("index", str(v.index)),
        ("offset", str(v.offset)),
        ("value", _slot_value(v)),
    ]
    return pairs_html("frame-slot", f"frame slot {v.name}", pairs)


# --- dicts ------------------------------------------------------------------------------------


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
        "bits": None if field.bits is None else list(field.bits),
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


__all__ = [
    "COLLAPSE_ROWS",
    "MAP_HEAD_ROWS",
    "MAP_TAIL_ROWS",
    "REGION_COLOURS",
    "TEXT_ROWS",
    "byte_map",
    "field_dict",
    "field_html",
    "fields_table",
    "frame_slot_dict",
    "frame_slot_html",
    "frame_summary",
    "layout_dict",
    "layout_html",
    "layout_text",
]
