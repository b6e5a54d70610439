"""pyhood's exceptions: one small hierarchy rooted at :class:`PyhoodError`."""

from __future__ import annotations

__all__ = ["LayoutError", "MemoryReadError", "PyhoodError", "UnsupportedInterpreterError"]


class PyhoodError(Exception):
    """Base class of every error pyhood raises on purpose."""


class MemoryReadError(PyhoodError):
    """Memory pyhood needed was not readable; nothing was read and nothing was changed."""


class LayoutError(PyhoodError):
    """A structure did not have the shape pyhood expects, so pyhood refuses to decode it."""


class UnsupportedInterpreterError(PyhoodError, ImportError):
    """The running interpreter is not one pyhood was built for or knows the layouts of."""
