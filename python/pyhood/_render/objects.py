"""One object's facts: its header (``pyhood.header()``, guide §10.1), the block it lives in
(``block_info()``, §12.1) and every allocation it owns (``footprint()``, §10.2-10.4).

- ``ObjectHeader``: :func:`header_text`, :func:`header_html`, :func:`header_dict`;
- ``BlockInfo``: :func:`block_info_text`, :func:`block_info_html`, :func:`block_info_dict`;
- ``Footprint`` and its ``Allocation`` rows: :func:`footprint_text`, :func:`footprint_html`
  (a stacked bar of the allocations, then their table), :func:`footprint_dict`,
  :func:`allocation_html`, :func:`allocation_dict`.
"""

from __future__ import annotations

from typing import Any

from .common import (
    NOTE,
    SERIES,
    SPARE_COLOUR,
    code_td,
    esc,
    fill_colour,
    fit,
    head_tail,
    html_box,
    html_table,
    legend,
    mix,
    more_row,
    pairs_html,
    pairs_table,
    pairs_text,
    rect,
    svg,
    td,
    text,
)

#: Width in pixels of a footprint's stacked bar, a block's bar and a pool's bar.
STACK_WIDTH = 600
#: Allocations drawn as segments of a footprint's bar; the rest are one segment.
STACK_SEGMENTS = 60


def type_name(t: type) -> str:
    """A type's name as a census keys it: ``int``, ``collections.OrderedDict``,
    ``__main__.Point`` (the ``builtins`` module left out). Read through ``type``'s own
    descriptors, so no metaclass attribute hook runs."""
    qualname = type.__dict__["__qualname__"].__get__(t, type)
    module = type.__dict__["__module__"].__get__(t, type)
    if not isinstance(module, str) or module == "builtins":
        return str(qualname)
    return f"{module}.{qualname}"


# --- pyhood.header() --------------------------------------------------------------------------


def _header_pairs(h: Any) -> list[tuple[str, str]]:
    immortal = " (immortal)" if h.immortal else ""
    pairs = [
        ("ob_refcnt", f"{h.refcnt:,}{immortal}"),
        ("ob_type", f"{h.type_address:#x} ({type_name(h.type)})"),
    ]
    if h.size is not None:
        pairs.append(("ob_size", f"{h.size:,}"))
    if h.flags is not None:
        pairs.append(("ob_flags", f"{h.flags:#x}"))
    for label, value in (
        ("ob_tid", h.tid),
        ("ob_ref_local", h.ref_local),
        ("ob_ref_shared", h.ref_shared),
        ("ob_gc_bits", h.gc_bits),
    ):
        if value is not None:
            pairs.append(
                (label, f"{value:#x}" if label in ("ob_tid", "ob_gc_bits") else str(value))
            )
    return pairs


def _header_title(h: Any) -> str:
    return f"object header of a {type_name(h.type)} at {h.address:#x}"


def header_text(h: Any) -> str:
    """An ``ObjectHeader``: one line per header field."""
    return pairs_text(_header_title(h), _header_pairs(h))


def header_html(h: Any) -> str:
    """An ``ObjectHeader`` for notebooks: the header's fields as boxes in memory order (their
    names and values), then the same as a table."""
    pairs = _header_pairs(h)
    w = STACK_WIDTH / max(len(pairs), 1)
    parts = []
    for i, (name, value) in enumerate(pairs):
        x = i * w
        attrs = f'class="ph-field" data-field="{esc(name)}"'
        parts.append(rect(x + 1, 1, w - 2, 38, "#c9defa", f"{name}: {value}", "#555", attrs))
        parts.append(text(x + 5, 15, fit(name, w - 8), size=11))
        parts.append(text(x + 5, 31, fit(value, w - 8), size=11, fill="#333"))
    picture = svg(STACK_WIDTH, 41, "".join(parts), _header_title(h), cls="ph-header")
    return html_box("header", _header_title(h), picture + pairs_table(pairs))


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


# --- pyhood.block_info() ----------------------------------------------------------------------

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


def _block_pairs(b: Any) -> list[tuple[str, str]]:
    pairs = [("domain", b.domain), ("block address", f"{b.block_address:#x}")]
    pairs.append(("requested", f"{b.requested:,} bytes"))
    if b.block_size is not None:
        spare = b.block_size - b.requested
        pairs.append(("block size", f"{b.block_size:,} bytes ({spare:,} more than requested)"))
    if b.size_class is not None:
        pairs.append(("size class", str(b.size_class)))
    if b.pool_address is not None:
        pairs.append(("pool", f"{b.pool_address:#x}"))
    if b.pool_blocks_in_use is not None and b.pool_capacity is not None:
        pairs.append(("pool blocks in use", f"{b.pool_blocks_in_use} of {b.pool_capacity}"))
    if b.arena_index is not None:
        pairs.append(("arena index", str(b.arena_index)))
    pairs.append(("debug hooks", "yes" if b.debug_hooks else "no"))
    return pairs


def _block_title(b: Any) -> str:
    return f"{b.domain} block at {b.block_address:#x}"


def block_info_text(b: Any) -> str:
    """A ``BlockInfo``: where the block is, its sizes, and its pool."""
    return pairs_text(_block_title(b), _block_pairs(b))


def _block_bar(b: Any, y: float) -> list[str]:
    """The block as a bar: the bytes requested, then what the allocator added."""
    size = b.block_size if b.block_size is not None else b.requested
    if size <= 0:
        return []
    scale = STACK_WIDTH / size
    req = min(b.requested, size) * scale
    tip = f"requested {b.requested:,} bytes"
    parts = [rect(0, y, req, 18, SERIES[0], tip, "#444", 'class="ph-requested"')]
    if size > b.requested:
        parts.append(
            rect(
                req,
                y,
                STACK_WIDTH - req,
                18,
                SPARE_COLOUR,
                f"{size - b.requested:,} bytes of rounding",
                "#444",
                'class="ph-spare"',
            )
        )
    parts.append(
        text(4, y + 13, fit(f"requested {b.requested:,} of {size:,} bytes", STACK_WIDTH - 8))
    )
    return parts


def _pool_bar(b: Any, y: float) -> list[str]:
    used, cap = b.pool_blocks_in_use, b.pool_capacity
    if used is None or not cap:
        return []
    w = STACK_WIDTH * used / cap
    tip = f"pool {b.pool_address:#x}: {used} of {cap} blocks in use"
    return [
        rect(0, y, STACK_WIDTH, 18, "#f4f4f4", None, "#444"),
        rect(0, y, w, 18, fill_colour(used / cap), tip, "#444", 'class="ph-pool-fill"'),
        text(4, y + 13, tip, fill="#fff" if used / cap > 0.5 else "#222"),
    ]


def block_info_html(b: Any) -> str:
    """A ``BlockInfo`` for notebooks: the block as a bar (requested bytes, then the allocator's
    rounding), its pool's fill (pymalloc), then the figures."""
    parts = _block_bar(b, 1)
    pool = _pool_bar(b, 24)
    height = 44 if pool else 21
    picture = svg(STACK_WIDTH, height, "".join(parts + pool), _block_title(b), cls="ph-block")
    return html_box("block-info", _block_title(b), picture + pairs_table(_block_pairs(b)))


def block_info_dict(b: Any) -> dict[str, Any]:
    """A JSON-ready dict of a ``BlockInfo``: every attribute (``None`` where it does not
    apply, e.g. the pool of a malloc block)."""
    return {key: getattr(b, key) for key in BLOCK_INFO_FIGURES}


# --- pyhood.footprint() -----------------------------------------------------------------------


def _footprint_summary(fp: Any) -> str:
    if fp.getsizeof is None:
        claim = "sys.getsizeof not asked: the class's __sizeof__ is Python code"
    else:
        claim = f"sys.getsizeof, the object's own claim: {fp.getsizeof}"
    return f"footprint: {fp.total} bytes allocated for {fp.requested} requested ({claim})"


def footprint_text(fp: Any) -> str:
    """A ``Footprint``: the totals, then one line per allocation (name, bytes, domain, address)."""
    lines = [_footprint_summary(fp)]
    for a in fp.allocations:
        b = a.block
        lines.append(
            f"  {a.name:<12} {a.requested:>8} requested {a.allocated:>8} allocated  "
            f"{b.domain:<8} at {b.block_address:#x}"
        )
    return "\n".join(lines).rstrip()


def _segments(allocs: list[Any]) -> list[tuple[str, int, int, str]]:
    """(name, requested, allocated, colour) of each segment of the bar: the first
    ``STACK_SEGMENTS`` allocations, then one for the rest."""
    segs = [
        (a.name, a.requested, a.allocated, SERIES[i % len(SERIES)])
        for i, a in enumerate(allocs[:STACK_SEGMENTS])
    ]
    rest = allocs[STACK_SEGMENTS:]
    if rest:
        segs.append(
            (
                f"{len(rest)} more",
                sum(a.requested for a in rest),
                sum(a.allocated for a in rest),
                "#bbbbbb",
            )
        )
    return segs


def footprint_bar(fp: Any) -> str:
    """The footprint as one stacked bar, ``STACK_WIDTH`` pixels for ``total``: a segment per
    allocation (its requested bytes in its colour, the allocator's rounding paler), each
    named when its name fits, and a mark at ``sys.getsizeof``."""
    allocs = list(fp.allocations)
    total = max(fp.total, sum(a.allocated for a in allocs), 1)
    scale = STACK_WIDTH / total
    parts, x = [], 0.0
    for name, req, alloc, colour in _segments(allocs):
        w = max(alloc * scale, 2.0)
        tip = f"{name}: {req:,} requested, {alloc:,} allocated"
        attrs = f'class="ph-alloc" data-name="{esc(name)}"'
        parts.append(rect(x, 1, w, 24, mix(colour, "#ffffff", 0.55), tip, "#333", attrs))
        parts.append(rect(x, 1, min(req * scale, w), 24, colour, tip))
        label = fit(name, w - 6)
        if label:
            parts.append(text(x + 3, 17, label, attrs='class="ph-label"'))
        x += w
    if fp.getsizeof is not None:
        gx = min(fp.getsizeof * scale, x)
        parts.append(rect(gx - 1, 0, 2, 34, "#d0493f", f"sys.getsizeof: {fp.getsizeof:,}"))
        anchor = "end" if gx > STACK_WIDTH / 2 else "start"
        parts.append(
            text(
                gx + (-4 if anchor == "end" else 4),
                44,
                f"sys.getsizeof {fp.getsizeof:,}",
                10,
                anchor,
                "#d0493f",
            )
        )
    width = max(x, STACK_WIDTH)
    return svg(width + 2, 48, "".join(parts), _footprint_summary(fp), cls="ph-footprint")


def _allocation_row(a: Any) -> str:
    b = a.block
    size = "" if b.block_size is None else f"{b.block_size:,}"
    return (
        f"<tr>{code_td(a.name)}{td(f'{a.requested:,}')}{td(f'{a.allocated:,}')}"
        f"{td(f'{a.allocated - a.requested:,}')}{td(b.domain, right=False)}"
        f"{td(f'{b.block_address:#x}')}{td(size)}</tr>"
    )


def footprint_html(fp: Any) -> str:
    """A ``Footprint`` for notebooks: the totals, a stacked bar of the allocations, a legend,
    and the allocations' table (what ``str()`` lists)."""
    allocs = list(fp.allocations)
    first, hidden, last = head_tail(allocs)
    rows = [_allocation_row(a) for a in first]
    if hidden:
        rows.append(more_row(7, f"… {hidden:,} more allocations …"))
    rows += [_allocation_row(a) for a in last]
    head = ("allocation", "requested", "allocated", "rounding", "domain", "address", "block")
    keys = legend(((n, c) for n, _, _, c in _segments(allocs)), "data-name")
    note = f'<p style="{NOTE}">solid: bytes requested; pale: what the allocator added</p>'
    body = footprint_bar(fp) + keys + note + html_table(head, rows)
    return html_box("footprint", _footprint_summary(fp), body)


def allocation_html(a: Any) -> str:
    """One ``Allocation`` for notebooks."""
    b = a.block
    pairs = [
        ("requested", f"{a.requested:,} bytes"),
        ("allocated", f"{a.allocated:,} bytes"),
        ("domain", b.domain),
        ("block address", f"{b.block_address:#x}"),
    ]
    return pairs_html("allocation", f"allocation {a.name}", pairs)


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


__all__ = [
    "BLOCK_INFO_FIGURES",
    "STACK_WIDTH",
    "allocation_dict",
    "allocation_html",
    "block_info_dict",
    "block_info_html",
    "block_info_text",
    "footprint_bar",
    "footprint_dict",
    "footprint_html",
    "footprint_text",
    "header_dict",
    "header_html",
    "header_text",
    "type_name",
]
