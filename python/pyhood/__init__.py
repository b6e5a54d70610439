"""pyhood: look inside the running CPython interpreter.

``pyhood.header(obj)`` and ``pyhood.refcnt(obj)`` read the ``PyObject`` header every object
shares; ``pyhood.layout(obj)`` shows an object's memory field by field, with the blocks it
owns; ``pyhood.peek(obj)`` returns raw bytes of its allocation. Every call is read-only and
leaves the object exactly as it was.
"""

from __future__ import annotations

import sys

from ._errors import LayoutError, MemoryReadError, PyhoodError, UnsupportedInterpreterError

try:
    from . import _pyhood
except ImportError as exc:  # built for another interpreter, or not built at all
    raise UnsupportedInterpreterError(str(exc)) from exc

from ._pyhood import Field, Layout, ObjectHeader, header, layout, peek, refcnt

__all__ = [
    "Field",
    "Layout",
    "LayoutError",
    "MemoryReadError",
    "ObjectHeader",
    "PyhoodError",
    "UnsupportedInterpreterError",
    "header",
    "layout",
    "peek",
    "refcnt",
]

__version__ = "0.1.0"

#: The interpreter version this build reads, e.g. ``"3.12"``.
BUILT_FOR: str = _pyhood.BUILT_FOR

if f"{sys.version_info[0]}.{sys.version_info[1]}" != BUILT_FOR:  # pragma: no cover
    raise UnsupportedInterpreterError(f"pyhood was built for CPython {BUILT_FOR}")
