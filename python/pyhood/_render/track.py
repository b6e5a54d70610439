"""``pyhood.track()``: what a ``with`` block did to memory (guide §11.5).

- ``Tracker``: :func:`tracker_text`, :func:`tracker_html` (the readings, each size class's
  change as a bar, the collections on a timeline), :func:`tracker_dict`,
  :func:`tracker_repr`;
- its ``Growth`` lines: :func:`growth_text`, :func:`growth_html`, :func:`growth_dict`.
"""

from __future__ import annotations

from typing import Any

from .collector import gc_event_dict, timeline
from .common import (
    BAR_WIDTH,
    CAPTION,
    GROW_COLOUR,
    LEFT,
    NOTE,
    SHRINK_COLOUR,
    esc,
    line,
    pairs_html,
    rect,
    svg,
    text,
)

#: Size classes a tracker's picture shows (those that changed most).
DELTA_ROWS = 24


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
    """A ``Tracker``'s report for notebooks: the readings as a table (what ``str()`` prints),
    then the change of each size class as a bar (blocks gained to the right, lost to the
    left) and the collections on a timeline of the block."""
    if t._state != "done":
        return f"<code>{esc(tracker_repr(t))}</code>"
    cells = "".join(
        f"<tr><th style='{LEFT};color:#555'>{esc(k)}</th><td style='{LEFT}'>{esc(v)}</td></tr>"
        for k, v in _tracker_rows(t)
    )
    caption = f"track: {t.elapsed_ns / 1e6:.3f} ms"
    parts = [
        f"<table style='border-collapse:collapse'><caption style='{CAPTION};text-align:left'>"
        f"{esc(caption)}</caption>{cells}</table>"
    ]
    if t.size_class_deltas:
        parts.append(f"<p style='{NOTE}'>blocks in use, change per size class</p>")
        parts.append(size_class_delta_bars(t.size_class_deltas))
    if t.collections:
        parts.append(f"<p style='{NOTE}'>collections during the block</p>")
        parts.append(timeline(t.collections, t.elapsed_ns))
    return f'<div class="pyhood-tracker">{"".join(parts)}</div>'


def size_class_delta_bars(deltas: dict[int, int]) -> str:
    """One row per size class that changed: its change of blocks in use as a bar, green to
    the right for more, red to the left for fewer (the largest change ``BAR_WIDTH / 2``),
    the most changed ``DELTA_ROWS`` classes in size order."""
    ranked = sorted(deltas.items(), key=lambda kv: (-abs(kv[1]), kv[0]))[:DELTA_ROWS]
    shown = sorted(ranked)
    top = max((abs(d) for _, d in shown), default=0) or 1
    half, label_w, row_h = BAR_WIDTH / 2, 64, 14
    parts = []
    for i, (size, d) in enumerate(shown):
        y = i * row_h
        w = half * abs(d) / top
        x = label_w + half - w if d < 0 else label_w + half
        colour = SHRINK_COLOUR if d < 0 else GROW_COLOUR
        attrs = f'class="ph-delta" data-size="{size}" data-delta="{d}"'
        parts.append(text(label_w - 6, y + 11, f"{size} B", size=10, anchor="end"))
        parts.append(
            rect(x, y + 2, max(w, 1.0), row_h - 4, colour, f"{size} B: {d:+,} blocks", None, attrs)
        )
        parts.append(text(label_w + BAR_WIDTH + 6, y + 11, f"{d:+,}", size=10, fill="#444"))
    axis = line(label_w + half, 0, label_w + half, len(shown) * row_h, "#999")
    label = f"change of blocks in use in {len(deltas)} size classes"
    return svg(
        label_w + BAR_WIDTH + 70,
        len(shown) * row_h + 2,
        "".join(parts) + axis,
        label,
        cls="ph-deltas",
    )


def growth_html(growth: Any) -> str:
    """One ``Growth`` line for notebooks."""
    pairs = [
        ("bytes", f"{growth.size_diff:+,}"),
        ("blocks", f"{growth.count_diff:+,}"),
    ]
    return pairs_html("growth", growth.where, pairs)


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


__all__ = [
    "DELTA_ROWS",
    "growth_dict",
    "growth_html",
    "growth_text",
    "size_class_delta_bars",
    "tracker_dict",
    "tracker_html",
    "tracker_repr",
    "tracker_text",
]
