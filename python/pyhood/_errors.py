"""pyhood's exceptions: one small hierarchy rooted at :class:`PyhoodError`."""

from __future__ import annotations

__all__ = [
    "AllocatorError",
    "LayoutError",
    "MemoryReadError",
    "PyhoodError",
    "StateValidationError",
    "UnreachableStateError",
    "UnsupportedInterpreterError",
]


class PyhoodError(Exception):
    """Base class of every error pyhood raises on purpose."""


class MemoryReadError(PyhoodError):
    """Memory pyhood needed was not readable; nothing was read and nothing was changed."""


class LayoutError(PyhoodError):
    """A structure did not have the shape pyhood expects, so pyhood refuses to decode it."""


class UnsupportedInterpreterError(PyhoodError, ImportError):
    """The running interpreter is not one pyhood was built for or knows the layouts of."""


class AllocatorError(PyhoodError):
    """The allocator pyhood was asked about is not the one in use (e.g. ``obmalloc_stats()``
    under ``PYTHONMALLOC=malloc`` or ``mimalloc``, where pymalloc has no arenas to report)."""


class StateValidationError(PyhoodError):
    """Interpreter state located by an offset failed its check against a public signal, so
    pyhood refuses to report numbers from it."""


class UnreachableStateError(PyhoodError):
    """This interpreter keeps the requested state where no extension can reach it (e.g.
    file-static variables in 3.10/3.11, or per-thread state on free-threaded builds). A patch
    release whose interpreter-state offsets pyhood does not know raises
    :class:`StateValidationError` instead."""
