"""What every rendering shares: numbers in words, aligned text tables, HTML cells and bars,
inline SVG, colours, and the row limits that keep a large result's rendering bounded.

HTML renderings are self-contained fragments for a notebook's output cell: inline styles and
inline SVG only (no ``<style>``, which would leak into the notebook's other cells, and no
JavaScript), every text escaped.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

#: Rows of one HTML table shown before and after a "… N more …" row (polars-style): the
#: first ``HEAD_ROWS`` and the last ``TAIL_ROWS``.
HEAD_ROWS = 40
TAIL_ROWS = 10

#: Colours of the bars: bytes of a type, growth and shrinkage in a census diff.
BAR_COLOUR = "#6a9fd8"
GROW_COLOUR = "#3c9a5f"
SHRINK_COLOUR = "#d0493f"
#: Width in pixels of the longest bar (half of it each way for a census diff's bars).
BAR_WIDTH = 240
#: What is set aside but unused (allocator rounding, free blocks, headroom): a pale grey.
SPARE_COLOUR = "#e4e4e4"
#: Colours told apart by hue, for the allocations of a footprint and similar series.
SERIES = ("#6a9fd8", "#f2a65a", "#7cc47f", "#c58fd6", "#e8c547", "#5ec4c4", "#e57f7f")

FONT = "font:12px monospace"
CELL = f"padding:1px 8px;{FONT};white-space:nowrap;"
NUM = f"{CELL}text-align:right"
LEFT = f"{CELL}text-align:left"
CAPTION = f"{FONT};margin:4px 0"
NOTE = "font:11px monospace;color:#666;margin:2px 0"

_UNITS = ("KiB", "MiB", "GiB", "TiB")

esc = html.escape

__all__ = [
    "BAR_COLOUR",
    "BAR_WIDTH",
    "GROW_COLOUR",
    "HEAD_ROWS",
    "SHRINK_COLOUR",
    "TAIL_ROWS",
    "head_tail",
    "human",
    "nbytes",
    "pretty",
    "share",
]


def pretty(obj: Any, p: Any, cycle: bool) -> None:
    """IPython's ``_repr_pretty_``: ``str(obj)``, or its ``repr`` when IPython found a cycle."""
    p.text(repr(obj) if cycle else str(obj))


def human(n: int, sign: bool = False) -> str:
    """Bytes in the largest binary unit that keeps the figure at 1 or more: ``18.2 MiB``."""
    plus = "+" if sign and n > 0 else ""
    if abs(n) < 1024:
        return f"{plus}{n} B"
    value, i = n / 1024, 0
    while abs(value) >= 1024 and i < len(_UNITS) - 1:
        value, i = value / 1024, i + 1
    return f"{plus}{value:.1f} {_UNITS[i]}"


def nbytes(n: int, sign: bool = False) -> str:
    """A human unit and the exact figure: ``18.2 MiB (19,083,264 bytes)``; ``512 bytes``."""
    exact = f"{n:+,}" if sign else f"{n:,}"
    if abs(n) < 1024:
        return f"{exact} bytes"
    return f"{human(n, sign)} ({exact} bytes)"


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def table(rows: list[tuple[str, ...]], indent: str = "  ") -> list[str]:
    """Aligned text rows: the first column left-aligned, the others right-aligned."""
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = [r[0].ljust(widths[0])] + [r[c].rjust(widths[c]) for c in range(1, len(r))]
        out.append((indent + "  ".join(cells)).rstrip())
    return out


def pairs_text(title: str, pairs: Iterable[tuple[str, str]]) -> str:
    """A title, then one ``label  value`` line per pair, labels aligned."""
    shown = list(pairs)
    width = max((len(k) for k, _ in shown), default=0)
    return "\n".join([title, *(f"  {k:<{width}}  {v}".rstrip() for k, v in shown)])


def head_tail(items: Sequence[T], head: int = HEAD_ROWS, tail: int = TAIL_ROWS) -> tuple:
    """``(first, hidden, last)``: all of ``items`` in ``first`` when there are at most
    ``head + tail`` of them, else the first ``head``, how many are left out, and the last
    ``tail``."""
    if len(items) <= head + tail:
        return list(items), 0, []
    return list(items[:head]), len(items) - head - tail, list(items[len(items) - tail :])


def bar(width: float, colour: str, right: bool = False) -> str:
    """A bar ``width`` pixels long (at least 1 when not empty), in an inline-styled div."""
    px = max(width, 1.0) if width > 0 else 0.0
    align = "margin-left:auto;" if right else ""
    return f'<div style="{align}height:10px;width:{px:.1f}px;background:{colour}"></div>'


def th(text: str, right: bool = True) -> str:
    return f'<th style="{NUM if right else LEFT}">{esc(text)}</th>'


def td(text: str, right: bool = True, title: str | None = None) -> str:
    tip = f' title="{esc(title)}"' if title else ""
    return f'<td style="{NUM if right else LEFT}"{tip}>{esc(text)}</td>'


def code_td(text: str, style: str = "") -> str:
    return f"<td style='{LEFT}{style}'><code>{esc(text)}</code></td>"


def more_row(columns: int, text: str) -> str:
    """The row that stands for rows left out: ``… 3 more types …``."""
    return (
        f"<tr class='ph-more'><td colspan={columns} style='{LEFT};color:#666'>{esc(text)}</td></tr>"
    )


def html_table(
    head: Sequence[str], rows: list[str], style: str = "", left: Iterable[int] = (0,)
) -> str:
    """A table: a heading row (the columns ``left`` left-aligned, the others right-aligned,
    like their cells), then the given ``<tr>``s."""
    lefts = set(left)
    cells = "".join(th(h, right=i not in lefts) for i, h in enumerate(head))
    return (
        f'<table style="border-collapse:collapse{";" + style if style else ""}">'
        f"<tr>{cells}</tr>{''.join(rows)}</table>"
    )


def html_box(kind: str, summary: str, body: str) -> str:
    """The frame of every HTML rendering: a ``div`` of class ``pyhood-<kind>``, a summary line,
    the body."""
    return f'<div class="pyhood-{kind}"><p style="{CAPTION}">{esc(summary)}</p>{body}</div>'


def pairs_table(pairs: Iterable[tuple[str, str]]) -> str:
    """A two-column table of ``(label, value)`` pairs."""
    rows = "".join(
        f"<tr><th style='{LEFT};color:#555'>{esc(k)}</th>{code_td(v)}</tr>" for k, v in pairs
    )
    return f'<table class="ph-pairs" style="border-collapse:collapse">{rows}</table>'


def pairs_html(kind: str, title: str, pairs: Iterable[tuple[str, str]]) -> str:
    """A titled two-column table of ``(label, value)`` pairs (one-object results)."""
    return html_box(kind, title, pairs_table(pairs))


# --- inline SVG -------------------------------------------------------------------------------

#: Pixels one character of SVG's 11px monospace text takes (to fit labels in boxes).
CHAR_PX = 6.7


def svg(width: float, height: float, body: str, label: str, cls: str = "") -> str:
    """An inline SVG picture ``width`` x ``height`` pixels, described by ``label`` for screen
    readers (and tests)."""
    c = f' class="{cls}"' if cls else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg"{c} width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{esc(label)}" '
        f'style="display:block;margin:4px 0;font-family:monospace">{body}</svg>'
    )


def rect(
    x: float,
    y: float,
    w: float,
    h: float,
    fill: str,
    title: str | None = None,
    stroke: str | None = None,
    attrs: str = "",
) -> str:
    """A rectangle, with a tooltip when ``title`` is given."""
    line = f' stroke="{stroke}" stroke-width="1"' if stroke else ""
    tip = f"<title>{esc(title)}</title>" if title else ""
    extra = f" {attrs}" if attrs else ""
    shape = (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" '
        f'fill="{fill}"{line}{extra}'
    )
    return f"{shape}>{tip}</rect>" if tip else f"{shape}/>"


def text(
    x: float,
    y: float,
    s: str,
    size: int = 11,
    anchor: str = "start",
    fill: str = "#222",
    attrs: str = "",
) -> str:
    extra = f" {attrs}" if attrs else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{fill}"{extra}>{esc(s)}</text>'
    )


def line(x1: float, y1: float, x2: float, y2: float, stroke: str = "#888") -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}"/>'


def fit_name(name: str, width_px: float, char_px: float = CHAR_PX) -> str:
    """A field's name cut to ``width_px`` pixels, keeping what tells it from its neighbours:
    the whole name, else its last part after a dot (``long_value.ob_digit[0]`` →
    ``ob_digit[0]``), else that cut but keeping an index (``ob_d…[0]``)."""
    if len(name) * char_px <= width_px:
        return name
    tail = name.rsplit(".", 1)[-1]
    if len(tail) * char_px <= width_px:
        return tail
    base, bracket, index = tail.partition("[")
    room = int(width_px // char_px)
    if bracket and room >= len(index) + 3:
        return base[: room - len(index) - 2] + "…[" + index
    return fit(tail, width_px, char_px)


def fit(s: str, width_px: float, char_px: float = CHAR_PX) -> str:
    """``s`` cut to what ``width_px`` pixels hold, ending in "…" when cut ("" when not even
    one character and the ellipsis fit)."""
    room = int(width_px // char_px)
    if len(s) <= room:
        return s
    return s[: room - 1] + "…" if room >= 2 else ""


def legend(entries: Iterable[tuple[str, str]], attr: str = "data-key") -> str:
    """HTML swatches, one per ``(label, colour)``, each a ``span.ph-legend-item``."""
    items = "".join(
        f'<span class="ph-legend-item" {attr}="{esc(label)}" style="display:inline-block;'
        f'margin-right:10px;font:11px monospace"><span style="display:inline-block;width:10px;'
        f"height:10px;background:{colour};border:1px solid #888;margin-right:4px;"
        f'vertical-align:middle"></span>{esc(label)}</span>'
        for label, colour in entries
    )
    return f'<div class="ph-legend" style="margin:4px 0">{items}</div>'


def mix(a: str, b: str, t: float) -> str:
    """The colour ``t`` of the way from ``a`` to ``b`` (``#rrggbb``; ``t`` clamped to 0..1)."""
    t = min(max(t, 0.0), 1.0)
    ca = [int(a[i : i + 2], 16) for i in (1, 3, 5)]
    cb = [int(b[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(ca, cb, strict=True))


#: Colours of a fill fraction: empty to full.
FILL_EMPTY = "#eaf1fb"
FILL_FULL = "#1f4e8c"


def fill_colour(fraction: float) -> str:
    """The colour of a pool, list or bar ``fraction`` full (0 pale, 1 dark blue)."""
    return mix(FILL_EMPTY, FILL_FULL, fraction)
