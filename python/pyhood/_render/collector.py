"""The cyclic garbage collector: one object's membership (``pyhood.gc_info()``, guide §11.2),
the generations (``gc_generations()``, §12.4) and the collections a block ran
(``gc_watch()``, §12.6).

- ``GCInfo``: :func:`gc_info_text`, :func:`gc_info_html`, :func:`gc_info_dict`;
- ``GCGenerations`` and its ``Generation`` rows: :func:`gc_generations_text`,
  :func:`gc_generations_html` (each generation's count against its threshold as a bar, and
  its objects), :func:`gc_generations_dict`, :func:`generation_html`,
  :func:`generation_dict`;
- ``GCWatch`` and its ``GCEvent`` rows: :func:`gc_watch_text`, :func:`gc_watch_html` (a
  timeline, a lane per generation), :func:`gc_watch_dict`, :func:`gc_watch_repr`,
  :func:`gc_event_text`, :func:`gc_event_html`, :func:`gc_event_dict`;
  :func:`timeline` draws the collections of a ``Tracker`` too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .common import (
    NOTE,
    SHRINK_COLOUR,
    code_td,
    esc,
    fill_colour,
    html_box,
    html_table,
    line,
    pairs_html,
    pairs_table,
    pairs_text,
    rect,
    share,
    svg,
    td,
    text,
)

#: Colours of the three generations' collections on a timeline.
GEN_COLOURS = ("#6a9fd8", "#f2a65a", "#c0504d")
#: Width in pixels of a timeline and of a generation's bars.
TIMELINE_WIDTH = 600
GEN_BAR = 260

# --- pyhood.gc_info() -------------------------------------------------------------------------


def _gc_pairs(g: Any) -> list[tuple[str, str]]:
    generation = "untracked" if g.generation is None else str(g.generation)
    pairs = [
        ("tracked", "yes" if g.tracked else "no"),
        ("generation", generation),
        ("finalized", "yes" if g.finalized else "no"),
        ("collecting", "yes" if g.collecting else "no"),
    ]
    if g.gc_next is not None:
        pairs.append(("_gc_next", f"{g.gc_next:#x}"))
    if g.gc_prev is not None:
        pairs.append(("_gc_prev", f"{g.gc_prev:#x}"))
    return pairs


def _gc_title(g: Any) -> str:
    where = "not tracked" if g.generation is None else f"generation {g.generation}"
    return f"collector's view of the object at {g.address:#x}: {where}"


def gc_info_text(g: Any) -> str:
    """A ``GCInfo``: tracked, generation, finalized, and the GC-head words."""
    return pairs_text(_gc_title(g), _gc_pairs(g))


def gc_info_html(g: Any) -> str:
    """A ``GCInfo`` for notebooks: the four lists (generations 0-2 and the permanent one)
    as boxes, the object's own filled in, then the figures."""
    names = [0, 1, 2, "permanent"]
    w = 120
    parts = []
    for i, gen in enumerate(names):
        here = g.generation == gen
        label = f"generation {gen}" if gen != "permanent" else "permanent"
        attrs = f'class="ph-gen" data-gen="{gen}" data-here="{int(here)}"'
        fill = fill_colour(0.7) if here else "#f4f4f4"
        parts.append(rect(i * w + 1, 1, w - 6, 26, fill, label, "#666", attrs))
        parts.append(
            text(i * w + w / 2 - 2, 18, label, anchor="middle", fill="#fff" if here else "#444")
        )
    if g.generation is None:
        parts.append(text(4 * w + 4, 18, "untracked: on no list", fill="#666"))
    picture = svg(4 * w + 180, 29, "".join(parts), _gc_title(g), cls="ph-gc-info")
    return html_box("gc-info", _gc_title(g), picture + pairs_table(_gc_pairs(g)))


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


# --- pyhood.gc_generations() ------------------------------------------------------------------


def _gc_state_line(g: Any) -> str:
    return (
        f"GC state of CPython {g.release} at {g.address:#x} ({g.located_by}): "
        f"{'enabled' if g.enabled else 'disabled'}, debug flags {g.debug:#x}"
    )


def gc_generations_text(g: Any) -> str:
    """A ``GCGenerations``: where the GC state is, then threshold, count and objects per list."""
    lines = [
        _gc_state_line(g),
        f"  {'generation':<12} {'threshold':>9} {'count':>7} {'objects':>9}",
    ]
    for gen in (*g.generations, g.permanent):
        young = gen.index < 3
        t, c = (str(gen.threshold), str(gen.count)) if young else ("-", "-")
        label = str(gen.index) if young else "permanent"
        lines.append(f"  {label:<12} {t:>9} {c:>7} {gen.objects:>9}")
    return "\n".join(lines)


def generation_bars(g: Any) -> str:
    """Per generation a bar of its count against its threshold (the bar's whole length; a
    count past it is drawn red to the end), and a bar of the objects on its list (the
    longest list's ``GEN_BAR`` pixels); the permanent generation has objects only."""
    gens = [*g.generations, g.permanent]
    top = max((gen.objects for gen in gens), default=0) or 1
    row_h, label_w = 24, 92
    x_objects = label_w + GEN_BAR + 120
    parts = [
        text(label_w, 11, "count / threshold", size=10, fill="#666"),
        text(x_objects, 11, "objects on the list", size=10, fill="#666"),
    ]
    for i, gen in enumerate(gens):
        y = 16 + i * row_h
        young = gen.index < 3
        parts.append(
            text(
                label_w - 6, y + 13, "permanent" if not young else f"gen {gen.index}", anchor="end"
            )
        )
        if young:
            frac = gen.count / gen.threshold if gen.threshold > 0 else 0.0
            over = frac > 1
            tip = f"generation {gen.index}: count {gen.count:,} of threshold {gen.threshold:,}"
            attrs = (
                f'class="ph-threshold" data-gen="{gen.index}" data-count="{gen.count}" '
                f'data-threshold="{gen.threshold}"'
            )
            parts.append(rect(label_w, y + 2, GEN_BAR, 14, "#f4f4f4", tip, "#999"))
            colour = SHRINK_COLOUR if over else fill_colour(0.3 + 0.7 * min(frac, 1.0))
            parts.append(
                rect(label_w, y + 2, GEN_BAR * min(frac, 1.0), 14, colour, tip, None, attrs)
            )
            figure = f"{gen.count:,} / {gen.threshold:,} ({share(gen.count, gen.threshold)})"
            parts.append(text(label_w + GEN_BAR + 6, y + 13, figure, size=10, fill="#444"))
        w = GEN_BAR * gen.objects / top
        tip = f"{gen.name}: {gen.objects:,} objects"
        attrs = f'class="ph-objects" data-gen="{gen.index}" data-objects="{gen.objects}"'
        parts.append(
            rect(
                x_objects,
                y + 2,
                max(w, 1.0 if gen.objects else 0.0),
                14,
                GEN_COLOURS[0],
                tip,
                None,
                attrs,
            )
        )
        parts.append(text(x_objects + w + 6, y + 13, f"{gen.objects:,}", size=10, fill="#444"))
    width = x_objects + GEN_BAR + 70
    label = "generations: count against threshold, objects per list"
    return svg(width, 16 + len(gens) * row_h, "".join(parts), label, cls="ph-generations")


def gc_generations_html(g: Any) -> str:
    """A ``GCGenerations`` for notebooks: where the state is, then per generation its count
    against its threshold and the objects on its list, as bars and as a table."""
    rows = []
    for gen in (*g.generations, g.permanent):
        young = gen.index < 3
        rows.append(
            f"<tr>{td(gen.name, right=False)}{td(f'{gen.threshold:,}' if young else '-')}"
            f"{td(f'{gen.count:,}' if young else '-')}{td(f'{gen.objects:,}')}"
            f"{td(f'{gen.head:#x}')}</tr>"
        )
    note = (
        f'<p style="{NOTE}">a collection of a generation runs when its count exceeds its '
        f"threshold; {g.total:,} objects on the four lists</p>"
    )
    table = html_table(("generation", "threshold", "count", "objects", "list head"), rows)
    return html_box("gc-generations", _gc_state_line(g), generation_bars(g) + note + table)


def generation_html(gen: Any) -> str:
    """One ``Generation`` for notebooks."""
    pairs = [
        ("threshold", f"{gen.threshold:,}"),
        ("count", f"{gen.count:,}"),
        ("objects", f"{gen.objects:,}"),
        ("list head", f"{gen.head:#x}"),
    ]
    return pairs_html("generation", gen.name, pairs)


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


# --- pyhood.gc_watch() ------------------------------------------------------------------------


def gc_event_text(event: Any) -> str:
    """One collection: ``gen 1: 2.500 ms, collected 7, uncollectable 1``."""
    return (
        f"gen {event.generation}: {event.duration_ns / 1e6:.3f} ms, "
        f"collected {event.collected}, uncollectable {event.uncollectable}"
    )


def gc_event_html(event: Any) -> str:
    """One ``GCEvent`` for notebooks."""
    pairs = [
        ("started", f"{event.start_ns / 1e6:.3f} ms after the watch's entry"),
        ("duration", f"{event.duration_ns / 1e6:.3f} ms"),
        ("collected", f"{event.collected:,}"),
        ("uncollectable", f"{event.uncollectable:,}"),
    ]
    return pairs_html("gc-event", f"collection of generation {event.generation}", pairs)


def gc_event_dict(event: Any) -> dict[str, Any]:
    """A JSON-ready dict of one ``GCEvent``."""
    return {
        "generation": event.generation,
        "start_ns": event.start_ns,
        "duration_ns": event.duration_ns,
        "collected": event.collected,
        "uncollectable": event.uncollectable,
    }


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


def _ms(ns: float) -> str:
    ms = ns / 1e6
    return f"{ms:.3f} ms" if ms < 10 else f"{ms:,.1f} ms"


def timeline(events: Sequence[Any], span_ns: int) -> str:
    """Collections on a time axis ``span_ns`` long, ``TIMELINE_WIDTH`` pixels: a lane per
    generation, each collection a box from its start, as wide as it lasted (at least a
    pixel). Collections that fall on the same pixels of a lane are one box saying how many,
    so the picture stays bounded however many there were."""
    span = max(span_ns, max((e.start_ns + e.duration_ns for e in events), default=0), 1)
    scale = TIMELINE_WIDTH / span
    label_w, lane_h = 52, 20
    parts = []
    for gen in range(3):
        y = gen * lane_h
        parts.append(text(label_w - 6, y + 14, f"gen {gen}", anchor="end"))
        parts.append(rect(label_w, y + 2, TIMELINE_WIDTH, lane_h - 4, "#f7f7f7", None, "#ddd"))
        boxes: list[list[Any]] = []  # [x0, x1, count, ns, collected, uncollectable]
        for e in sorted((e for e in events if e.generation == gen), key=lambda e: e.start_ns):
            x0 = e.start_ns * scale
            x1 = max(x0 + 1.0, (e.start_ns + e.duration_ns) * scale)
            if boxes and x0 <= boxes[-1][1] + 1.0:
                b = boxes[-1]
                b[1] = max(b[1], x1)
                b[2] += 1
                b[3] += e.duration_ns
                b[4] += e.collected
                b[5] += e.uncollectable
            else:
                boxes.append([x0, x1, 1, e.duration_ns, e.collected, e.uncollectable])
        for x0, x1, n, ns, c, u in boxes:
            what = "collection" if n == 1 else f"{n} collections"
            tip = f"{what} of generation {gen}: {_ms(ns)}, collected {c:,}, uncollectable {u:,}"
            attrs = f'class="ph-collection" data-gen="{gen}" data-count="{n}"'
            parts.append(
                rect(label_w + x0, y + 3, x1 - x0, lane_h - 6, GEN_COLOURS[gen], tip, None, attrs)
            )
    axis_y = 3 * lane_h + 12
    for k in range(5):
        x = label_w + TIMELINE_WIDTH * k / 4
        parts.append(line(x, 3 * lane_h, x, 3 * lane_h + 4))
        anchor = "start" if k == 0 else "end" if k == 4 else "middle"
        digits = 3 if span < 1e6 else 2 if span < 1e7 else 1
        tick = f"{span * k / 4 / 1e6:,.{digits}f} ms"
        parts.append(text(x, axis_y + 2, tick, size=10, anchor=anchor, fill="#666"))
    label = f"{len(events)} collections over {_ms(span)}"
    return svg(label_w + TIMELINE_WIDTH + 4, axis_y + 6, "".join(parts), label, cls="ph-timeline")


def _watch_state(watch: Any) -> str:
    return "active" if watch._active else "done" if watch._frozen is not None else "new"


def gc_watch_html(watch: Any) -> str:
    """A ``GCWatch`` for notebooks: its collections on a timeline from the watch's entry to
    its exit (a lane per generation), then per generation the totals of ``summary()``."""
    events = watch.events
    summary = f"gc_watch ({_watch_state(watch)}): {gc_watch_text(watch).splitlines()[0]}"
    if watch.elapsed_ns:
        summary += f" during {_ms(watch.elapsed_ns)}"
    rows = [
        f"<tr>{td(str(gen))}{td(f'{n:,}')}{td(_ms(ns))}{td(f'{c:,}')}{td(f'{u:,}')}</tr>"
        for gen, (n, ns, c, u) in watch.summary().items()
    ]
    table = html_table(("generation", "collections", "time", "collected", "uncollectable"), rows)
    return html_box(
        "gc-watch", summary, timeline(events, watch.elapsed_ns) + (table if rows else "")
    )


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


__all__ = [
    "GEN_COLOURS",
    "gc_event_dict",
    "gc_event_html",
    "gc_event_text",
    "gc_generations_dict",
    "gc_generations_html",
    "gc_generations_text",
    "gc_info_dict",
    "gc_info_html",
    "gc_info_text",
    "gc_watch_dict",
    "gc_watch_html",
    "gc_watch_repr",
    "gc_watch_text",
    "generation_bars",
    "generation_dict",
    "generation_html",
    "timeline",
]
_ = (code_td, esc)
