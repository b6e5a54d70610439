"""pyhood's pytest plugin: memory assertions from the interpreter's own records.

Installed with pyhood as the ``pytest11`` entry point ``pyhood`` (``-p no:pyhood`` turns it
off); ``import pyhood`` alone never imports pytest. Nothing is traced: the checks read what
pyhood reads anywhere else.

``@pytest.mark.pyhood_no_leaks(types=None)``
    A census (:func:`pyhood.census`) after the test's setup and another after its body and a
    :func:`gc.collect`: the test fails when objects of the checked types are more numerous
    afterwards. ``types`` is a type, a type key as ``Census.by_type`` spells it
    (``"mymod.Point"``), or an iterable of them; without it every *user-defined* type is
    checked (:func:`user_defined`). The failure shows the growth table of those types and,
    for each (the first :data:`CHAINS`), what keeps one surviving object alive
    (:meth:`CensusDiff.examples <pyhood.CensusDiff.examples>` and :func:`pyhood.referrers`).
``@pytest.mark.pyhood_limit(blocks=None, bytes=None)``
    ``blocks``: the change of :func:`sys.getallocatedblocks` (pymalloc's blocks in use) from
    the start of the test body to its end, read inside a :func:`pyhood.track` block, which
    supplies the contributors (and keeps its own bookkeeping, some 7 blocks, out of the
    figure); a :func:`gc.collect` first, so that no older garbage is freed inside. Cyclic
    garbage the body leaves uncollected holds blocks and counts. ``bytes``: the change of the
    bytes of every live object, as two censuses price them (each object at its
    allocator-true cost with the blocks it owns, large buffers from ``malloc`` included; the
    second after a :func:`gc.collect`; pyhood's own objects left out). Both are net: what
    the body freed of older objects counts against them. ``blocks`` is an int, ``bytes`` an
    int or a size string (:func:`parse_size`). Over a limit the test fails with the limit,
    the measure and the biggest contributors: the types that grew, pymalloc size classes,
    blocks passed on to ``malloc``, and the source lines when :mod:`tracemalloc` traces. An
    empty body measures a handful of blocks and a few hundred bytes: pytest's own call of
    the test function (pluggy's result objects), so set limits with room for that.
``--pyhood-leaks`` (ini ``pyhood_leaks = true``)
    Every test without a ``pyhood_no_leaks`` marker of its own is checked as if it had
    ``pyhood_no_leaks()``.
``--pyhood-top N`` (ini ``pyhood_top``), ``--pyhood-hide-summary``
    The "pyhood" section at the end lists the N checked tests that kept the most bytes
    (default 5, 0 for all); ``--pyhood-hide-summary`` leaves it out.
the ``pyhood`` fixture
    :class:`PyhoodFixture`: ``track()``, ``census()``, ``referrers()``, and the context
    managers ``assert_no_leaks(types=None)`` and ``assert_limit(blocks=None, bytes=None)``
    that check a block of the test as the markers check its body.

Only a body that passed is checked (a failing test keeps its locals in its traceback). When
pyhood cannot take a census (free-threaded builds have no collector lists), a marked test is
skipped with pyhood's reason and ``--pyhood-leaks`` is a usage error; a ``blocks`` limit
without pymalloc (``PYTHONMALLOC=malloc``: :func:`sys.getallocatedblocks` stays 0) is skipped
too. The plugin keeps no reference to any object of the test: a census holds addresses, a
referrer chain type names and addresses, and each example is dropped as soon as its chain is
built.

Tests: ``tests/test_pytest_plugin.py``.
"""

from __future__ import annotations

import functools
import gc
import os
import re
import site
import sys
import sysconfig
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest

import pyhood
from pyhood import _render
from pyhood._render import common as _common

__all__ = [
    "CHAINS",
    "LeakResult",
    "LimitResult",
    "PyhoodFixture",
    "parse_size",
    "type_key",
    "user_defined",
]

#: How many growing types a leak report shows a referrer chain for.
CHAINS = 3
#: How many links a referrer chain may have (``pyhood.referrers``' ``depth``).
CHAIN_DEPTH = 8
#: How many contributors (types, size classes, source lines) a limit report lists.
CONTRIBUTORS = 5
#: How many tests the summary lists unless ``--pyhood-top`` says otherwise.
TOP = 5
#: The summary's title.
SECTION = "pyhood"

#: Py_TPFLAGS_HEAPTYPE (Include/object.h, 3.10-3.15): the type was made at run time.
_HEAPTYPE = 1 << 9

# --- type keys and what "user-defined" means ---------------------------------------------------


def type_key(tp: type) -> str:
    """The key ``Census.by_type`` files ``tp``'s objects under: a class's
    ``module.qualname`` (just the qualname when its module is ``builtins``), a static type's
    ``tp_name`` (``"int"``, ``"collections.OrderedDict"``)."""
    if tp.__flags__ & _HEAPTYPE:  # ``__module__`` as pyhood finds it: along the MRO
        module = next(
            (c.__dict__["__module__"] for c in tp.__mro__ if "__module__" in c.__dict__), None
        )
        name = tp.__qualname__
    else:
        module, name = tp.__module__, tp.__name__
    if not isinstance(module, str) or module == "builtins":
        return name
    return f"{module}.{name}"


@functools.cache
def _library_dirs() -> tuple[str, ...]:
    """The directories the standard library and installed distributions live in (this
    interpreter's sysconfig paths and ``site``'s site-packages), resolved, each ending in a
    separator."""
    paths = sysconfig.get_paths()
    dirs = [paths.get(name) for name in ("stdlib", "platstdlib", "purelib", "platlib")]
    dirs += site.getsitepackages() if hasattr(site, "getsitepackages") else []
    dirs.append(site.getusersitepackages())
    return tuple(sorted({os.path.join(os.path.realpath(d), "") for d in dirs if d}))


def _module_of(key: str) -> str | None:
    """The longest dotted prefix of ``key`` that names an imported module."""
    parts = key.split(".")
    for i in range(len(parts) - 1, 0, -1):
        name = ".".join(parts[:i])
        if name in sys.modules:
            return name
    return None


def user_defined(key: str) -> bool:
    """Whether a type key names a type of the code under test, as ``pyhood_no_leaks()``
    without ``types`` decides it: the key starts with the name of an imported module (the
    longest such prefix) that is not pyhood (``pyhood`` or ``pyhood.*``: the instrument's own
    objects) and has a ``__file__`` outside the standard library and site-packages
    (:func:`_library_dirs`). So built-in types (no module prefix), types of built-in and
    frozen modules (no file), of the standard library and of installed distributions are
    not user-defined; those of the test modules, their conftests and the project's own
    packages (installed editable or imported from the source tree) are. A type whose module
    is not in ``sys.modules`` (a class made by ``exec`` in a namespace of its own, say) is not
    user-defined: the answer depends only on the key and the imported modules, never on the
    objects."""
    name = _module_of(key)
    if name is None or _pyhood_own(name):
        return False
    try:
        file = vars(sys.modules[name]).get("__file__")
    except TypeError:  # not a module (sys.modules may hold anything)
        return False
    if not isinstance(file, str):
        return False
    path = os.path.realpath(file)
    return not any(path.startswith(d) for d in _library_dirs())


def _pyhood_own(key: str) -> bool:
    """Whether a type key (or module name) is pyhood's own: the first census, alive while the
    second counts, and the plugin's results are the instrument, not the code under test."""
    return key.split(".", 1)[0] == "pyhood"


def _type_keys(types: Any, what: str) -> frozenset[str] | None:
    """The type keys ``types`` names (a type, a key, or an iterable of them); None for None."""
    if types is None:
        return None
    items = [types] if isinstance(types, (str, type)) else types
    try:
        items = list(items)
    except TypeError:
        raise TypeError(
            f"{what}: types must be a type, a type key or an iterable of them, not "
            f"{type(types).__name__}"
        ) from None
    keys = set()
    for t in items:
        if isinstance(t, type):
            keys.add(type_key(t))
        elif isinstance(t, str) and t:
            keys.add(t)
        else:
            raise TypeError(f"{what}: {t!r} is neither a type nor a type key")
    if not keys:
        raise ValueError(f"{what}: types is empty; leave it out to check every user-defined type")
    return frozenset(keys)


# --- sizes -------------------------------------------------------------------------------------

#: Multiples of a byte, as pytest-memray reads them: every unit a power of 1024, ``KB`` the
#: same as ``KiB``.
_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
_SIZE = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*(?:([kmgt])(?:i?b)?|(b))?\s*", re.IGNORECASE)


def parse_size(size: int | str, what: str = "bytes") -> int:
    """A byte count from an int or a string such as ``"512 KiB"``, ``"1 MB"``, ``"1.5GB"``,
    ``"100 B"`` or ``"100"``: units ``B``, ``K``/``KB``/``KiB``, ``M``/``MB``/``MiB``,
    ``G``/``GB``/``GiB``, ``T``/``TB``/``TiB``, any case, each a power of 1024 (as
    pytest-memray reads them: ``"1 MB"`` is 1,048,576 bytes), rounded down to a whole byte."""
    if isinstance(size, bool) or not isinstance(size, (int, str)):
        raise TypeError(f"{what} must be an int or a size string such as '1 MB', not {size!r}")
    if isinstance(size, int):
        n = size
    else:
        m = _SIZE.fullmatch(size)
        if not m:
            raise ValueError(
                f"{what}={size!r} is not a size: use a number and a unit of B, KB (KiB), "
                "MB (MiB), GB (GiB), TB (TiB), each a power of 1024, e.g. '512 KiB'"
            )
        number, prefix, _ = m.groups()
        n = int(float(number) * _UNITS[(prefix or "").lower()])
    if n < 0:
        raise ValueError(f"{what}={size!r} is negative")
    return n


def _count(n: int | None, what: str) -> int | None:
    if n is None:
        return None
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{what} must be an int, not {n!r}")
    if n < 0:
        raise ValueError(f"{what}={n} is negative")
    return n


# --- the leak check ----------------------------------------------------------------------------


def _chain_text(diff: Any, key: str) -> str:
    """What keeps one surviving object of ``key`` alive, on one line. The example is held by
    this frame alone while its chain is built, and dropped before returning."""
    found = diff.examples(key, 1)
    if not found:
        return (
            "no example: every survivor sits at an address the first census counted "
            "(an older object's memory, reused)"
        )
    obj = found.pop()
    del found
    try:
        chain = pyhood.referrers(obj, CHAIN_DEPTH)
    finally:
        del obj
    return str(chain)


def _span(what: str) -> str:
    """What a check measured: a marker the test body, a fixture's context manager its block."""
    return "the block" if what.startswith("assert_") else "the test body"


def _diff_table(rows: tuple[Any, ...]) -> str:
    """The census diff's text for the given rows only (``_render.census_diff_text``)."""
    return _render.census_diff_text(SimpleNamespace(rows=rows, grew=rows, shrank=()))


@dataclass(frozen=True)
class LeakResult:
    """What a leak check found: the checked types that have more live objects afterwards."""

    #: The ``TypeDelta`` rows of the checked types whose count grew, most bytes first.
    rows: tuple[Any, ...]
    #: (type key, referrer chain text) for the first :data:`CHAINS` rows.
    chains: tuple[tuple[str, str], ...]
    #: The type keys checked; None for every user-defined type.
    types: frozenset[str] | None
    #: Where the check ran ("pyhood_no_leaks", "assert_no_leaks").
    what: str = "pyhood_no_leaks"

    @property
    def failed(self) -> bool:
        return bool(self.rows)

    @property
    def objects(self) -> int:
        """The surviving objects of the checked types (the sum of the rows' counts)."""
        return sum(r.count for r in self.rows)

    @property
    def bytes(self) -> int:
        """Their bytes, as the census prices them."""
        return sum(r.allocated for r in self.rows)

    def checked(self) -> str:
        if self.types is None:
            return (
                "user-defined types (not built in, nor from the standard library, "
                "site-packages or pyhood)"
            )
        return "types " + ", ".join(sorted(self.types))

    def message(self) -> str:
        """The failure report: the growth table and what keeps one object of each type alive."""
        if not self.rows:
            return f"{self.what}: no object of the checked {self.checked()} survived"
        n = len(self.rows)
        lines = [
            f"{self.what}: {self.objects:,} object{'s' * (self.objects != 1)} of {n} "
            f"type{'s' * (n != 1)} survived {_span(self.what)}",
            f"  checked: {self.checked()}",
            f"  censuses: at the start of {_span(self.what)}, and at its end after gc.collect()",
            _diff_table(self.rows),
            "what keeps them alive (one example per type, root first):",
        ]
        lines += [f"  {key}: {text}" for key, text in self.chains]
        if len(self.rows) > len(self.chains):
            lines.append(f"  … and {len(self.rows) - len(self.chains)} more types")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (what the report's ``user_properties`` carry)."""
        return {
            "check": self.what,
            "failed": self.failed,
            "types": None if self.types is None else sorted(self.types),
            "objects": self.objects,
            "bytes": self.bytes,
            "rows": [_render.type_delta_dict(r) for r in self.rows],
            "chains": dict(self.chains),
        }


class _LeakCheck:
    """A census at ``start`` and another at ``stop`` (each after a ``gc.collect()``)."""

    def __init__(self, types: Any, what: str = "pyhood_no_leaks") -> None:
        self.types = _type_keys(types, what)
        self.what = what
        self._before: Any = None

    def _checked(self, key: str) -> bool:
        return key in self.types if self.types is not None else user_defined(key)

    def start(self) -> None:
        gc.collect()
        self._before = pyhood.census()

    def stop(self) -> LeakResult:
        gc.collect()
        after = pyhood.census()
        diff, self._before = self._before.diff(after), None
        del after
        rows = tuple(r for r in diff.grew if r.count > 0 and self._checked(r.type))
        chains = tuple((r.type, _chain_text(diff, r.type)) for r in rows[:CHAINS])
        return LeakResult(rows, chains, self.types, self.what)


# --- the limit check ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LimitResult:
    """What a limit check measured over the body, and its limits."""

    blocks_limit: int | None
    bytes_limit: int | None
    #: The change of ``sys.getallocatedblocks()`` from the start of the body to its end.
    blocks: int
    #: The change of the bytes of every live object (pyhood's own left out).
    bytes: int
    #: The ``TypeDelta`` rows that grew (pyhood's own left out), most bytes first.
    types: tuple[Any, ...]
    #: The tracker's report (``str(tracker)``).
    tracker_text: str
    #: (block size, change of blocks in use), most bytes first; None without pymalloc's stats.
    size_classes: tuple[tuple[int, int], ...] | None
    #: Blocks not from pymalloc's size classes (requests over 512 bytes passed to malloc).
    large_blocks: int | None
    #: ``Growth`` lines when tracemalloc traced the body, else None.
    lines: tuple[Any, ...] | None
    what: str = "pyhood_limit"
    #: The ``bytes`` limit as it was written (``"64 KiB"``), for the report's first line.
    bytes_given: Any = None

    @property
    def over(self) -> tuple[str, ...]:
        """The measures over their limits: ``"blocks"``, ``"bytes"``."""
        found = []
        if self.blocks_limit is not None and self.blocks > self.blocks_limit:
            found.append("blocks")
        if self.bytes_limit is not None and self.bytes > self.bytes_limit:
            found.append("bytes")
        return tuple(found)

    @property
    def failed(self) -> bool:
        return bool(self.over)

    def _limits(self) -> str:
        parts = []
        if self.blocks_limit is not None:
            parts.append(f"blocks={self.blocks_limit!r}")
        if self.bytes_limit is not None:
            given = self.bytes_limit if self.bytes_given is None else self.bytes_given
            parts.append(f"bytes={given!r}")
        return ", ".join(parts)

    def _against(self, name: str, limit: int | None, shown: str) -> str:
        if limit is None:
            return "no limit"
        verdict = "OVER the limit of" if name in self.over else "within the limit of"
        return f"{verdict} {shown}"

    def message(self) -> str:
        """The report: each measure against its limit, then the biggest contributors."""
        over = " and ".join(self.over)
        head = f"more {over} than its limit allows" if over else "within its limits"
        lines = [f"{self.what}({self._limits()}): {_span(self.what)} left {head}"]
        limit = None if self.blocks_limit is None else f"{self.blocks_limit:,}"
        lines.append(
            f"  blocks: {self.blocks:+,}, {self._against('blocks', self.blocks_limit, limit or '')}"
            " (sys.getallocatedblocks() at its end minus at its start)"
        )
        limit = None if self.bytes_limit is None else _common.nbytes(self.bytes_limit)
        lines.append(
            f"  bytes:  {_common.nbytes(self.bytes, sign=True)} in live objects, "
            f"{self._against('bytes', self.bytes_limit, limit or '')} (two censuses, the second "
            "after gc.collect())"
        )
        lines.append("biggest contributors:")
        if self.types:
            lines.append(f"  types whose live objects grew (the top {CONTRIBUTORS}):")
            table = _diff_table(self.types[:CONTRIBUTORS]).splitlines()[1:]
            lines += ["  " + line for line in table]
        else:
            lines.append("  no type has more live bytes")
        if self.size_classes:
            classes = ", ".join(f"{s} B {d:+,}" for s, d in self.size_classes[:CONTRIBUTORS])
            lines.append(f"  pymalloc size classes (block size, blocks): {classes}")
        if self.large_blocks:
            lines.append(
                f"  {self.large_blocks:+,} blocks not from pymalloc's size classes "
                "(requests over 512 bytes, passed to malloc)"
            )
        if self.lines:
            lines.append("  source lines (tracemalloc):")
            lines += [f"    {g}" for g in self.lines[:CONTRIBUTORS]]
        elif self.lines is None:
            lines.append(
                "  source lines: run with tracemalloc (python -X tracemalloc) to list them"
            )
        lines.append("track() report:")
        lines += ["  " + line for line in self.tracker_text.splitlines()]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (what the report's ``user_properties`` carry)."""
        return {
            "check": self.what,
            "failed": self.failed,
            "blocks_limit": self.blocks_limit,
            "bytes_limit": self.bytes_limit,
            "blocks": self.blocks,
            "bytes": self.bytes,
            "types": [_render.type_delta_dict(r) for r in self.types],
            "size_classes": None if self.size_classes is None else dict(self.size_classes),
            "large_blocks": self.large_blocks,
        }


class _LimitCheck:
    """In order: ``gc.collect()``, a census, ``track()``'s entry and a first reading of
    ``sys.getallocatedblocks()`` at ``start``; the second reading, the tracker's exit,
    ``gc.collect()`` and a second census at ``stop``. Each census sits outside the tracked
    block, the readings inside it."""

    def __init__(self, blocks: Any, bytes: Any, what: str = "pyhood_limit") -> None:
        self.blocks_limit = _count(blocks, f"{what}: blocks")
        self.bytes_limit = None if bytes is None else parse_size(bytes, f"{what}: bytes")
        self.bytes_given = bytes
        if self.blocks_limit is None and self.bytes_limit is None:
            raise TypeError(f"{what} needs blocks=, bytes= or both")
        self.what = what
        self._before: Any = None
        self._tracker: Any = None
        self._blocks0 = 0

    def unmeasurable(self) -> str | None:
        """Why the limits cannot be measured here, or None."""
        if self.blocks_limit is not None and sys.getallocatedblocks() == 0:
            return (
                f"{self.what}(blocks=...) reads sys.getallocatedblocks(), which counts "
                "pymalloc's blocks and stays 0: pymalloc is not the allocator"
            )
        return None

    def start(self) -> None:
        gc.collect()
        self._before = pyhood.census()
        self._tracker = pyhood.track(CONTRIBUTORS)
        self._tracker.__enter__()
        self._blocks0 = sys.getallocatedblocks()

    def abort(self) -> None:
        """End the measure without a result (the body raised)."""
        if self._tracker is not None:
            self._tracker.__exit__(None, None, None)
        self._tracker = self._before = None

    def stop(self) -> LimitResult:
        # The first reading is an int of one block, made after it counted: the second counts it.
        blocks = sys.getallocatedblocks() - self._blocks0 - 1
        t, self._tracker = self._tracker, None
        t.__exit__(None, None, None)
        gc.collect()
        after = pyhood.census()
        diff, self._before = self._before.diff(after), None
        del after
        rows = [r for r in diff.rows if not _pyhood_own(r.type)]
        grew = tuple(r for r in diff.grew if not _pyhood_own(r.type) and r.allocated > 0)
        measured = sum(r.allocated for r in rows)
        classes = None
        if t.size_class_deltas is not None:
            ranked = sorted(t.size_class_deltas.items(), key=lambda kv: (-kv[0] * kv[1], kv[0]))
            classes = tuple((s, d) for s, d in ranked if d > 0)
        large = None
        if t.pymalloc_blocks_delta is not None:
            large = t.blocks_delta - t.pymalloc_blocks_delta
        return LimitResult(
            self.blocks_limit,
            self.bytes_limit,
            blocks,
            measured,
            grew,
            str(t),
            classes,
            large,
            t.top_growth,
            self.what,
            self.bytes_given,
        )


# --- the fixture -------------------------------------------------------------------------------


class PyhoodFixture:
    """The ``pyhood`` fixture: pyhood's readings inside a test, and two checks for a block.

    >>> def test_cache(pyhood):
    ...     with pyhood.assert_no_leaks(types=[Entry]):
    ...         use_the_cache()
    ...     with pyhood.assert_limit(blocks=100):
    ...         parse("small input")
    """

    #: The readings, as the package has them.
    track = staticmethod(pyhood.track)
    census = staticmethod(pyhood.census)
    referrers = staticmethod(pyhood.referrers)
    type_key = staticmethod(type_key)

    @contextmanager
    def assert_no_leaks(self, types: Any = None) -> Iterator[None]:
        """Fail (``AssertionError``, with ``pyhood_no_leaks``' report) when objects of
        ``types`` (default: every user-defined type) made in the block survive it and a
        ``gc.collect()``. Objects the test still names after the block count as survivors:
        make them inside a function, or ``del`` them in the block."""
        check = _LeakCheck(types, "assert_no_leaks")
        check.start()
        yield
        result = check.stop()
        if result.failed:
            raise AssertionError(result.message())

    @contextmanager
    def assert_limit(self, blocks: Any = None, bytes: Any = None) -> Iterator[None]:
        """Fail (``AssertionError``, with ``pyhood_limit``'s report) when the block leaves more
        than ``blocks`` blocks or ``bytes`` bytes of live objects allocated."""
        check = _LimitCheck(blocks, bytes, "assert_limit")
        why = check.unmeasurable()
        if why:
            pytest.skip(why)
        check.start()
        try:
            yield
        except BaseException:
            check.abort()
            raise
        result = check.stop()
        if result.failed:
            raise AssertionError(result.message())


@pytest.fixture(name="pyhood")
def pyhood_fixture() -> PyhoodFixture:
    """pyhood inside a test (:class:`PyhoodFixture`). It has the package's name, so that
    ``pyhood.census()`` reads the same with the fixture as with the module."""
    return PyhoodFixture()


# --- hooks ---------------------------------------------------------------------------------------

_CHECKS = pytest.StashKey["list[Any]"]()
_RESULTS = pytest.StashKey["list[tuple[str, Any]]"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pyhood", "memory assertions from pyhood's census and track()")
    group.addoption(
        "--pyhood-leaks",
        action="store_true",
        default=None,
        help="check every test as if marked pyhood_no_leaks(): objects of user-defined types "
        "that survive the test body fail it",
    )
    group.addoption(
        "--pyhood-top",
        type=int,
        default=None,
        metavar="N",
        help=f"list the N checked tests that kept the most bytes in the pyhood summary "
        f"(default {TOP}, 0 for all)",
    )
    group.addoption(
        "--pyhood-hide-summary",
        action="store_true",
        default=None,
        help="leave the pyhood section out of the terminal summary",
    )
    parser.addini("pyhood_leaks", "as --pyhood-leaks", type="bool", default=False)
    parser.addini("pyhood_top", "as --pyhood-top", default=str(TOP))
    parser.addini("pyhood_hide_summary", "as --pyhood-hide-summary", type="bool", default=False)


def _option(config: pytest.Config, name: str) -> Any:
    value = config.getoption(f"--{name.replace('_', '-')}")
    return config.getini(name) if value is None else value


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "pyhood_no_leaks(types=None): fail if objects of the given types (types or type keys "
        "such as 'mymod.Point'; default: every user-defined type) are more numerous after the "
        "test body and gc.collect() than after setup, as pyhood.census() counts them; the "
        "report shows the growth and what keeps one object of each type alive",
    )
    config.addinivalue_line(
        "markers",
        "pyhood_limit(blocks=None, bytes=None): fail if the test body leaves more than "
        "`blocks` pymalloc blocks (sys.getallocatedblocks(), read by pyhood.track()) or more "
        "than `bytes` bytes of live objects (a census diff; an int or a size such as "
        "'512 KiB', '1 MB', powers of 1024) allocated",
    )
    config.stash[_RESULTS] = []
    if _option(config, "pyhood_leaks"):
        try:
            pyhood.census()
        except pyhood.PyhoodError as exc:
            raise pytest.UsageError(
                f"--pyhood-leaks needs a census, which pyhood refuses here: {exc}"
            ) from exc


def _marker_kwargs(item: pytest.Item, name: str, allowed: tuple[str, ...]) -> dict[str, Any] | None:
    marker = item.get_closest_marker(name)
    if marker is None:
        return None
    if marker.args:
        raise TypeError(f"{name} takes keyword arguments only ({', '.join(allowed)}=...)")
    unknown = sorted(set(marker.kwargs) - set(allowed))
    if unknown:
        raise TypeError(f"{name} got unknown arguments {unknown}; it takes {', '.join(allowed)}")
    return dict(marker.kwargs)


def _checks_of(item: pytest.Item) -> list[Any]:
    """The checks the item's markers (and ``--pyhood-leaks``) ask for."""
    checks: list[Any] = []
    leaks = _marker_kwargs(item, "pyhood_no_leaks", ("types",))
    if leaks is None and _option(item.config, "pyhood_leaks"):
        leaks = {}
    if leaks is not None:
        checks.append(_LeakCheck(leaks.get("types")))
    limit = _marker_kwargs(item, "pyhood_limit", ("blocks", "bytes"))
    if limit is not None:
        checks.append(_LimitCheck(limit.get("blocks"), limit.get("bytes")))
    return checks


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Read the markers before anything runs, so that a bad argument is a setup error with a
    one-line reason, and skip what cannot be measured here."""
    try:
        checks = _checks_of(item)
    except (TypeError, ValueError) as exc:
        pytest.fail(str(exc), pytrace=False)
    for check in checks:
        why = check.unmeasurable() if isinstance(check, _LimitCheck) else None
        if why:
            raise pytest.skip.Exception(why, _use_item_location=True)
    item.stash[_CHECKS] = checks


def _start(checks: list[Any]) -> None:
    for i, check in enumerate(checks):
        try:
            check.start()
        except pyhood.PyhoodError as exc:
            for started in checks[:i]:
                if isinstance(started, _LimitCheck):
                    started.abort()
            raise pytest.skip.Exception(
                f"{check.what}: pyhood cannot measure here: {exc}"
            ) from None


def _at_pyfunc_call(item: pytest.Item) -> bool:
    """Whether the item's body is one ``pytest_pyfunc_call`` (a test function or method: its
    ``runtest`` is ``Function``'s), where the measures sit closest to the call."""
    return isinstance(item, pytest.Function) and type(item).runtest is pytest.Function.runtest


#: A hook wrapper's generator: it is sent pluggy's ``Result`` of the wrapped calls.
_Wrapper = Generator[None, Any, None]


def _measure(item: pytest.Item) -> _Wrapper:
    """The body of the two call wrappers: start the item's checks, let the body run, and
    keep their results (none when the body raised)."""
    checks = item.stash.get(_CHECKS, [])
    if checks:
        _start(checks)
    outcome = yield
    if not checks:
        return
    if outcome.excinfo is not None:
        for check in reversed(checks):
            if isinstance(check, _LimitCheck):
                check.abort()
        item.stash[_CHECKS] = []
        return
    results = [check.stop() for check in reversed(checks)][::-1]
    item.stash[_CHECKS] = results
    # As ``record_property`` does: every report of the item, and --junitxml, carry them.
    item.user_properties.extend((r.what, r.to_dict()) for r in results)


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> _Wrapper:
    """The measures of a test function: around its call alone, innermost of the wrappers
    (after setup, before teardown; pytest's own bookkeeping of the call phase outside)."""
    if _at_pyfunc_call(pyfuncitem):
        yield from _measure(pyfuncitem)
    else:
        yield


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_call(item: pytest.Item) -> _Wrapper:
    """The measures of any other item (unittest cases, doctests, other plugins' items):
    around the call phase, innermost of the wrappers."""
    if _at_pyfunc_call(item):
        yield
    else:
        yield from _measure(item)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> _Wrapper:
    """A passed body that a check failed is a failed test, with the check's report."""
    outcome = yield
    if call.when != "call":
        return
    results = [r for r in item.stash.get(_CHECKS, []) if isinstance(r, (LeakResult, LimitResult))]
    if not results:
        return
    report = outcome.get_result()
    item.config.stash[_RESULTS].append((item.nodeid, results))
    failed = [r for r in results if r.failed]
    if failed and report.passed:
        report.outcome = "failed"
        report.longrepr = "\n\n".join(r.message() for r in failed)


def _summary_row(nodeid: str, r: Any) -> tuple[int, tuple[str, ...]]:
    if isinstance(r, LeakResult):
        figures = (f"{r.objects:+,}", _common.human(r.bytes, sign=True), "")
        kept = r.bytes
    else:
        figures = ("", _common.human(r.bytes, sign=True), f"{r.blocks:+,}")
        kept = r.bytes
    return kept, (nodeid, r.what, *figures, "FAILED" if r.failed else "ok")


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """The checked tests that kept the most bytes: objects and bytes that survived
    (``pyhood_no_leaks``: of the checked types), blocks (``pyhood_limit``)."""
    results = config.stash.get(_RESULTS, [])
    if not results or _option(config, "pyhood_hide_summary"):
        return
    try:
        top = int(_option(config, "pyhood_top"))
    except ValueError:
        top = TOP
    rows = sorted(
        (_summary_row(nodeid, r) for nodeid, rs in results for r in rs),
        key=lambda kr: (-kr[0], kr[1]),
    )
    shown = rows if top <= 0 else rows[:top]
    terminalreporter.write_sep("=", SECTION)
    what = "all" if len(shown) == len(rows) else f"the top {len(shown)} of {len(rows)}"
    terminalreporter.write_line(
        f"memory kept by the checked test bodies ({what}, most bytes first):"
    )
    table: list[tuple[str, ...]] = [("test", "check", "objects", "bytes", "blocks", "result")]
    table += [row for _, row in shown]
    for line in _common.table(table):
        terminalreporter.write_line(line)
