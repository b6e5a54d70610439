"""Shared helpers for pyhood's tests.

The independent source of truth for raw memory is :mod:`ctypes`: ``mem(addr, n)`` copies
bytes at an address with ``ctypes.string_at``. Offsets passed to it are taken from the
CPython headers of the running version and cited next to each use.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import shutil
import struct
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

#: The running interpreter's (major, minor).
PY = sys.version_info[:2]
#: Whether the interpreter is a free-threaded build.
FREE_THREADED = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
#: Py_TPFLAGS_HAVE_GC (Include/object.h, every version): 1 << 14.
TPFLAGS_HAVE_GC = 1 << 14
#: sizeof(PyGC_Head) on default builds (Include/internal/pycore_gc.h): two words.
GC_HEAD_SIZE = 0 if FREE_THREADED else 2 * ctypes.sizeof(ctypes.c_void_p)


def mem(addr: int, n: int) -> bytes:
    """Bytes at ``addr`` read by ctypes (independent of pyhood)."""
    return ctypes.string_at(addr, n)


def word(addr: int) -> int:
    """Unsigned machine word at ``addr`` read by ctypes."""
    return ctypes.c_size_t.from_address(addr).value


def sword(addr: int) -> int:
    """Signed machine word (Py_ssize_t) at ``addr`` read by ctypes."""
    return ctypes.c_ssize_t.from_address(addr).value


def u32(addr: int) -> int:
    return struct.unpack("<I", mem(addr, 4))[0]


def u8(addr: int) -> int:
    return mem(addr, 1)[0]


@pytest.fixture
def gc_disabled():
    """Automatic collections off for the test (restored afterwards): counts, lists and free
    lists then change only through what the test itself allocates, frees or collects."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        (gc.enable if was else gc.disable)()


def assert_tiles(lay) -> None:
    """The fields of ``lay`` (bit-field views aside) cover ``[start, end)`` exactly once."""
    cursor = lay.start
    for f in sorted((f for f in lay.fields if f.bits is None), key=lambda f: f.offset):
        assert f.offset == cursor, f"{f.name} at {f.offset}, expected {cursor}"
        assert len(f.raw) == f.size > 0
        cursor = f.offset + f.size
    assert cursor == lay.end


def requires(major_minor: tuple[int, int], reason: str = ""):
    """Skip unless the running interpreter is at least ``major_minor``."""
    return pytest.mark.skipif(PY < major_minor, reason=reason or f"needs {major_minor}")


def before(major_minor: tuple[int, int], reason: str = ""):
    """Skip unless the running interpreter is older than ``major_minor``."""
    return pytest.mark.skipif(PY >= major_minor, reason=reason or f"only before {major_minor}")


@functools.cache
def c_values(*exprs: str, headers: tuple[str, ...] = ()) -> tuple[int, ...]:
    """The values of C expressions (``offsetof``/``sizeof`` of interpreter structs) as the
    running interpreter's own installed headers define them: a small C program compiled
    with ``Py_BUILD_CORE`` against sysconfig's include dir (and its ``internal/``), run once.
    ``headers`` names further headers (``"internal/pycore_frame.h"``) to include last.
    Independent of pyhood: it is the compiler reading the headers."""
    gcc = shutil.which("gcc") or shutil.which("cc")
    assert gcc, "a C compiler is needed to ask the interpreter's headers"
    include = Path(sysconfig.get_paths()["include"])
    extra = []
    if PY >= (3, 14):
        extra = ["internal/pycore_debug_offsets.h", "internal/pycore_freelist_state.h"]
    elif PY >= (3, 12):
        extra = ["internal/pycore_typeobject.h"]
    lines = [
        "#define Py_BUILD_CORE 1",
        "#include <Python.h>",
        "#include <stddef.h>",
        "#include <stdio.h>",
        '#include "internal/pycore_interp.h"',
        '#include "internal/pycore_runtime.h"',
        *(f'#include "{h}"' for h in (*extra, *headers)),
        "int main(void) {",
        *(f'    printf("%lld\\n", (long long)({e}));' for e in exprs),
        "    return 0;",
        "}",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        src, exe = Path(tmp) / "probe.c", Path(tmp) / "probe"
        src.write_text("\n".join(lines) + "\n")
        cmd = [gcc, f"-I{include}", f"-I{include / 'internal'}", str(src), "-o", str(exe)]
        built = subprocess.run(cmd, capture_output=True, text=True, check=False)
        assert built.returncode == 0, f"{' '.join(cmd)} failed:\n{built.stderr}"
        out = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout
    return tuple(int(v) for v in out.split())


def _located_lines() -> list[str]:
    """Which release pyhood was built for, which one runs, and how each piece of interpreter
    state was located on it (on another patch release: re-established at run time)."""
    import pyhood._pyhood as native

    running = "{}.{}.{}".format(*sys.version_info[:3])
    first = f"wheel built with the headers of CPython {native.BUILT_RELEASE}, running {running}"
    if native.BUILT_HEXVERSION != sys.hexversion:
        first += ": interpreter state re-established at run time"
    lines = [first]
    for member, offset, built, how in native._located_state():
        moved = "" if offset == built else f" (build: +{built})"
        lines.append(f"  {member} at +{offset}{moved}: {how}")
    return lines


def pytest_report_header(config):
    return ["pyhood: " + line for line in _located_lines()]


def pytest_terminal_summary(terminalreporter):
    """The same at the end, where ``pytest -q`` (as CI runs it) shows it too."""
    terminalreporter.write_sep("-", "pyhood interpreter state")
    for line in _located_lines():
        terminalreporter.write_line(line)


#: pymalloc's geometry on 64-bit builds, 3.10+: POOL_SIZE 16 KiB (``POOL_BITS`` 14 under
#: ``USE_LARGE_POOLS``, on with the radix tree; Objects/obmalloc.c v3.10.13/v3.11.7,
#: Include/internal/pycore_obmalloc.h v3.12.1/v3.13.0), ALIGNMENT 16 (``ALIGNMENT_SHIFT``
#: 4), POOL_OVERHEAD 48 (sizeof(struct pool_header) rounded up to ALIGNMENT).
POOL_SIZE = 1 << 14
PYMALLOC_ALIGNMENT = 16
POOL_OVERHEAD = 48


def pool_block_size(block: int) -> int | None:
    """The block size the pymalloc pool header of ``block`` states, read with ctypes:
    ``szidx`` (uint, +36 in ``struct pool_header``) gives ``(szidx + 1) * ALIGNMENT``. The
    header proves it is one: ``init_pool`` sets ``maxnextoffset`` (+44) to ``POOL_SIZE -
    size``, and blocks start at ``POOL_OVERHEAD + k * size``. None if it does not."""
    pool = block & ~(POOL_SIZE - 1)
    szidx = u32(pool + 36)
    size = (szidx + 1) * PYMALLOC_ALIGNMENT
    if szidx >= 512 // PYMALLOC_ALIGNMENT or u32(pool + 44) + size != POOL_SIZE:
        return None
    off = block - pool
    if off < POOL_OVERHEAD or (off - POOL_OVERHEAD) % size:
        return None
    return size
