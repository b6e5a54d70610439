"""pyhood: look inside the running CPython interpreter.

``pyhood.header(obj)`` and ``pyhood.refcnt(obj)`` read the ``PyObject`` header every object
shares; ``pyhood.layout(obj)`` shows an object's memory field by field, with the blocks it
owns; ``pyhood.peek(obj)`` returns raw bytes of its allocation. Every call is read-only and
leaves the object exactly as it was.

pyhood is also a pytest plugin (:mod:`pyhood.pytest_plugin`). The marker PYTEST_DONT_REWRITE
asks pytest to leave this module's asserts alone (it has none) and not to warn when pyhood
was imported before pytest loaded the plugin.
"""

from __future__ import annotations

import sys

from ._errors import (
    AllocatorError,
    LayoutError,
    MemoryReadError,
    PyhoodError,
    StateValidationError,
    UnreachableStateError,
    UnsupportedInterpreterError,
)

try:
    from . import _pyhood
except ImportError as exc:  # built for another interpreter, or not built at all
    raise UnsupportedInterpreterError(str(exc)) from exc

from ._gcwatch import GCEvent, GCWatch, gc_watch
from ._pyhood import (
    Allocation,
    BlockInfo,
    Census,
    CensusDiff,
    DeepFootprint,
    Field,
    Footprint,
    FrameLayout,
    FrameSlot,
    FreeList,
    GCGenerations,
    GCInfo,
    Generation,
    Largest,
    Layout,
    ObjectHeader,
    ObmallocStats,
    Referrer,
    ReferrerChain,
    SizeClass,
    TypeDelta,
    TypeStat,
    block_info,
    census,
    deep_footprint,
    footprint,
    frame_layout,
    freelists,
    gc_generations,
    gc_info,
    header,
    intern_state,
    interned_count,
    is_immortal,
    is_small_int,
    layout,
    obmalloc_stats,
    peek,
    refcnt,
    referrers,
    weakref_count,
)
from ._track import Growth, Tracker, track

__all__ = [
    "Allocation",
    "AllocatorError",
    "BlockInfo",
    "Census",
    "CensusDiff",
    "DeepFootprint",
    "Field",
    "Footprint",
    "FrameLayout",
    "FrameSlot",
    "FreeList",
    "GCEvent",
    "GCGenerations",
    "GCInfo",
    "GCWatch",
    "Generation",
    "Growth",
    "Largest",
    "Layout",
    "LayoutError",
    "MemoryReadError",
    "ObjectHeader",
    "ObmallocStats",
    "PyhoodError",
    "Referrer",
    "ReferrerChain",
    "SizeClass",
    "StateValidationError",
    "Tracker",
    "TypeDelta",
    "TypeStat",
    "UnreachableStateError",
    "UnsupportedInterpreterError",
    "block_info",
    "census",
    "deep_footprint",
    "footprint",
    "frame_layout",
    "freelists",
    "gc_generations",
    "gc_info",
    "gc_watch",
    "header",
    "intern_state",
    "interned_count",
    "is_immortal",
    "is_small_int",
    "layout",
    "obmalloc_stats",
    "peek",
    "refcnt",
    "referrers",
    "track",
    "weakref_count",
]

__version__ = "0.1.0"

#: The interpreter version this build reads, e.g. ``"3.12"``.
BUILT_FOR: str = _pyhood.BUILT_FOR

if f"{sys.version_info[0]}.{sys.version_info[1]}" != BUILT_FOR:  # pragma: no cover
    raise UnsupportedInterpreterError(f"pyhood was built for CPython {BUILT_FOR}")
