"""Shared helpers for pyhood's tests.

The independent source of truth for raw memory is :mod:`ctypes`: ``mem(addr, n)`` copies
bytes at an address with ``ctypes.string_at``. Offsets passed to it are taken from the
CPython headers of the running version and cited next to each use.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import os
import shutil
import struct
import subprocess
import sys
import sysconfig
import tempfile
import tracemalloc
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


def _allocator() -> str:
    """The allocator this interpreter was started with, as CPython picks it (Python/
    preconfig.c, Objects/obmalloc.c ``_PyMem_SetupAllocators``, 3.10–3.15): ``PYTHONMALLOC``
    (ignored under ``-E``/``-I``); unset, ``-X dev`` asks for ``debug``; ``default`` is
    pymalloc (mimalloc on free-threaded builds), with the debug hooks on a debug build, and
    ``debug`` is the default allocator with the hooks. test_12_1_blocks checks the answer
    against ``_PyMem_GetCurrentAllocatorName()``."""
    name = "" if sys.flags.ignore_environment else os.environ.get("PYTHONMALLOC", "")
    if not name:
        name = "debug" if sys.flags.dev_mode else "default"
    if name in ("default", "debug"):
        hooks = name == "debug" or hasattr(sys, "gettotalrefcount")
        return ("mimalloc" if FREE_THREADED else "pymalloc") + ("_debug" if hooks else "")
    return name


#: The allocator configuration of this process: "pymalloc", "pymalloc_debug", "malloc",
#: "malloc_debug" (tests/test_allocators.py runs the allocator tests under each, and under
#: tracemalloc).
ALLOCATOR = _allocator()
#: Whether pymalloc serves requests of up to 512 bytes.
PYMALLOC = ALLOCATOR in ("pymalloc", "pymalloc_debug")
#: Whether CPython's debug hooks wrap the allocator: each block then starts with two words
#: (the requested size, the API id and 7 forbidden bytes) and ends with one (forbidden
#: bytes), ``_PyMem_DebugRawAlloc`` in Objects/obmalloc.c v3.10–v3.15: the object starts
#: ``DEBUG_HEAD`` bytes into a block of ``DEBUG_PAD`` more bytes than it asked for.
DEBUG_HOOKS = ALLOCATOR.endswith("_debug")
DEBUG_HEAD = 16 if DEBUG_HOOKS else 0
DEBUG_PAD = 24 if DEBUG_HOOKS else 0


def configuration() -> str:
    """This process's allocator configuration, as the skip reasons of allocator tests
    begin: ``PYTHONMALLOC=malloc``, ``PYTHONMALLOC=pymalloc with tracemalloc tracing``."""
    tracing = " with tracemalloc tracing" if tracemalloc.is_tracing() else ""
    return f"PYTHONMALLOC={ALLOCATOR}{tracing}"


def skip_unless_pymalloc(why: str) -> None:
    """Skip, naming the configuration and ``why``, unless pymalloc serves small requests."""
    if not PYMALLOC:
        pytest.skip(f"{configuration()}: pymalloc is off, {why}")


def pymalloc_reported() -> bool:
    """Whether CPython reports pymalloc here now (``sys._debugmallocstats()``, which
    ``obmalloc_stats()`` reads): ``_PyMem_PymallocEnabled()`` (Objects/obmalloc.c) must hold.
    It does when pymalloc is the object allocator, under the debug hooks too, but not while
    tracemalloc's hooks wrap it, except from 3.13 on under the debug hooks: there
    ``_PyMem_DebugEnabled()`` reads a flag (``_PyRuntime.allocators.is_debug_enabled``) and
    looks at the allocator the hooks wrap, where 3.10–3.12 compared ``_PyObject.malloc``,
    which tracemalloc's hooks replace, with the debug hooks' function."""
    return PYMALLOC and (not tracemalloc.is_tracing() or (DEBUG_HOOKS and PY >= (3, 13)))


@pytest.fixture
def needs_pymalloc() -> None:
    """Skip unless pymalloc is the allocator: ``sys.getallocatedblocks()`` counts its blocks
    only (it stays 0 under ``PYTHONMALLOC=malloc``)."""
    skip_unless_pymalloc("and sys.getallocatedblocks() stays 0 without it")


@pytest.fixture
def needs_pymalloc_report() -> None:
    """Skip unless CPython reports pymalloc here (:func:`pymalloc_reported`): pymalloc must
    be the object allocator, possibly under the debug hooks, and tracemalloc not tracing
    (unless the debug hooks are on, from 3.13)."""
    skip_unless_pymalloc(
        "so there is no pymalloc report (test_without_pymalloc_obmalloc_stats_raises)"
    )
    if not pymalloc_reported():
        pytest.skip(
            f"{configuration()}: tracemalloc's hooks wrap pymalloc, so CPython prints no "
            "pymalloc report (test_no_pymalloc_statistics_while_tracemalloc_traces)"
        )


def allocator_block(address: int, requested: int) -> tuple[str, int | None]:
    """(domain, block size) of a ``requested``-byte allocation whose caller's part starts at
    ``address``, from the allocator's own header under this configuration: the pymalloc
    pool header (:func:`pool_block_size`) when pymalloc serves the request with the debug
    hooks' ``DEBUG_PAD`` (at most 512 bytes), else ``malloc_usable_size`` of the C
    library's chunk. With pymalloc's debug hooks a larger request is wrapped twice: the
    object domain's hooks, then the raw domain's hooks of the ``PyMem_RawMalloc`` that
    pymalloc passes it to (``_PyObject_Malloc``, Objects/obmalloc.c)."""
    raw, n = address - DEBUG_HEAD, requested + DEBUG_PAD
    if PYMALLOC and 0 < n <= 512:
        return "pymalloc", pool_block_size(raw)
    if PYMALLOC and DEBUG_HOOKS:
        raw -= DEBUG_HEAD
    return "malloc", _malloc_usable_size(raw)


def _malloc_usable_size(address: int) -> int:
    libc = ctypes.CDLL(None)
    libc.malloc_usable_size.argtypes = [ctypes.c_void_p]
    libc.malloc_usable_size.restype = ctypes.c_size_t
    return libc.malloc_usable_size(address)


def mem(addr: int, n: int) -> bytes:
    """Bytes at ``addr`` read by ctypes (independent of pyhood)."""
    return ctypes.string_at(addr, n)


def word(addr: int) -> int:
    """Unsigned machine word at ``addr`` read by ctypes."""
    return ctypes.c_size_t.from_address(addr).value


def sword(addr: int) -> int:
    """Signed machine word (Py_ssize_t) at ``addr`` read by ctypes."""
    return ctypes.c_ssize_t.from_address(addr).value


def dict_word(obj) -> int:
    """The word where an instance of a plain class keeps its ``__dict__`` pointer, read by
    ctypes: 3.10 the ``tp_dictoffset`` slot in the object (``type(obj).__dictoffset__``,
    NULL until a dict is made); 3.11+ the pre-header word 24 bytes before the object (3.11
    the dict pointer, NULL while a values array holds the attributes; 3.12 dict-or-values,
    bit 0 set for a values array; 3.13+ the managed dict, NULL while the values are inline:
    Include/internal/pycore_object.h). Any change means a dict was materialised."""
    if PY < (3, 11):
        return word(id(obj) + type(obj).__dictoffset__)
    return word(id(obj) - 24)


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


#: The note of a summary field (the items past ``max_items``) whose bytes pyhood did not read.
NOT_READ = "not read: past max_items"


def read_as_shown(f) -> bool:
    """Whether a field holds its bytes: every field does, but the summary of items past
    ``max_items``, which holds none and says so in its note."""
    if f.note == NOT_READ:
        return f.raw == b"" and f.name.endswith("]") and ".." in f.name
    return len(f.raw) == f.size


def assert_tiles(lay) -> None:
    """The fields of ``lay`` (bit-field views aside) cover ``[start, end)`` exactly once."""
    cursor = lay.start
    for f in sorted((f for f in lay.fields if f.bits is None), key=lambda f: f.offset):
        assert f.offset == cursor, f"{f.name} at {f.offset}, expected {cursor}"
        assert f.size > 0 and read_as_shown(f), f
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


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "child_allocator: the test's subject is a child interpreter whose allocator the test "
        "sets itself, the same under every configuration (test_allocators.py deselects it)",
    )


def pytest_report_header(config):
    return ["pyhood: " + line for line in _located_lines()]


def pytest_terminal_summary(terminalreporter):
    """The same at the end, where ``pytest -q`` (as CI runs it) shows it too, and the
    allocator configuration the tests ran under."""
    terminalreporter.write_sep("-", "pyhood interpreter state")
    for line in _located_lines():
        terminalreporter.write_line(line)
    terminalreporter.write_line(f"allocator configuration: {configuration()}")


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


#: Every Python-level method a ``Recording`` instance ran, in order (tests clear it first).
RECORDED: list[str] = []


class Recording:
    """An instance that records, in :data:`RECORDED`, every Python-level method the
    interpreter could run on it while pyhood looks at it (pyhood must run none)."""

    def __getattribute__(self, name):
        RECORDED.append(f"__getattribute__ {name}")
        return object.__getattribute__(self, name)

    def __sizeof__(self):
        RECORDED.append("__sizeof__")
        return 0

    def __eq__(self, other):
        RECORDED.append("__eq__")
        return self is other

    def __hash__(self):
        RECORDED.append("__hash__")
        return 0
