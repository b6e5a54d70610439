"""The Python package's modules import each other one way only, and the tour is a package with
one module per chapter of the guide.

``python -m pyhood tour`` is :mod:`pyhood._tour`: its ``__init__`` holds the section registry
and the runner, ``ch10``, ``ch11`` and ``ch12`` one chapter each, and ``narrate`` the printing
helpers every chapter uses. Imports run helpers ← chapters ← ``__init__``; no module imports a
module that imports it, not even from inside a function. These tests read the installed
package's source (so they also show that the wheel holds the subpackage) and, independently
of that reading, import each module alone in a fresh interpreter and watch the order in which
``python -X importtime`` reports the modules finished.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pyhood
import pytest

PACKAGE = Path(pyhood.__file__).resolve().parent
TOUR = "pyhood._tour"
CHAPTERS = [f"{TOUR}.ch10", f"{TOUR}.ch11", f"{TOUR}.ch12"]
HELPERS = f"{TOUR}.narrate"


def module_name(path: Path) -> str:
    parts = ["pyhood", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


#: Dotted name -> source file of every Python module of the installed package.
MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
#: The compiled modules (``pyhood._pyhood``): they import nothing of the package.
NATIVE = {
    module_name(p.with_name(p.name[: -len(suffix)] + ".py"))
    for p in PACKAGE.rglob("*")
    for suffix in [next((x for x in EXTENSION_SUFFIXES if p.name.endswith(x)), None)]
    if suffix
}


def imports_of(name: str) -> set[str]:
    """The package's modules that ``name`` imports anywhere in its source (top level or inside
    a function), resolved as Python resolves them."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            # ``from X import y`` takes the module X.y when there is one, else a name of X.
            targets = [
                f"{base}.{alias.name}"
                if f"{base}.{alias.name}" in MODULES.keys() | NATIVE
                else base
                for alias in node.names
            ]
        else:
            continue
        found.update(t for t in targets if t in MODULES)
    found.discard(name)
    return found


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A path ``a -> b -> ... -> a`` in the graph, or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_the_tour_is_a_package_with_one_module_per_chapter():
    """The installed package holds ``pyhood/_tour/`` with ``__init__``, ``narrate`` and one
    module per chapter, and none of the old flat tour modules."""
    assert sorted(n for n in MODULES if n.startswith(TOUR)) == sorted([TOUR, HELPERS, *CHAPTERS])
    for old in ("_tour11", "_tour12", "_tour12_gc", "_track_tour"):
        assert f"pyhood.{old}" not in MODULES
        assert not (PACKAGE / f"{old}.py").exists()


def test_no_module_of_the_package_imports_its_importer():
    """The package's import graph, read from every import statement (including the ones inside
    functions that used to hide the tour's cycle), has no cycle."""
    graph = {name: imports_of(name) for name in MODULES}
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_tour_imports_run_from_helpers_to_chapters_to_the_registry():
    """``narrate`` imports no tour module; each chapter imports only ``narrate`` of them; the
    package's ``__init__`` imports the three chapters (and ``narrate``, to count their
    checks)."""
    tour = {n for n in MODULES if n.startswith(TOUR)}
    assert imports_of(HELPERS) & tour == set()
    for chapter in CHAPTERS:
        assert imports_of(chapter) & tour == {HELPERS}, chapter
    assert imports_of(TOUR) & tour == {HELPERS, *CHAPTERS}


def test_every_section_is_registered_once_in_guide_order():
    """The registry lists each chapter's ``section_*`` functions, each once, in guide order."""
    import importlib

    from pyhood import _tour

    defined = [
        getattr(mod, name)
        for mod in map(importlib.import_module, CHAPTERS)
        for name in mod.__all__
        if name.startswith("section_")
    ]
    assert list(_tour.SECTIONS.values()) == defined
    numbers = [tuple(map(int, n.split("."))) for n in _tour.SECTIONS]
    assert numbers == sorted(numbers)
    assert [f.__name__ for f in defined] == [
        f"section_{n.replace('.', '_')}" for n in _tour.SECTIONS
    ]


def finished_order(module: str) -> list[str]:
    """The modules ``python -X importtime -c 'import MODULE'`` reports, in the order their
    imports finished, in a fresh interpreter with warnings as errors."""
    proc = subprocess.run(
        [sys.executable, "-W", "error", "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    rows = [re.match(r"import time:\s+\d+ \|\s+\d+ \|( *)(\S+)$", line) for line in lines]
    assert all(rows[1:]), [line for line, m in zip(lines, rows, strict=True) if not m][1:]
    return [m[2] for m in rows[1:] if m]


@pytest.mark.parametrize("module", [TOUR, HELPERS, *CHAPTERS])
def test_each_tour_module_imports_alone_in_a_fresh_interpreter(module: str):
    """Imported first thing in a new interpreter, every tour module loads without error, and the
    helpers finish loading before any chapter, the chapters before the registry: each module
    was complete before the module that needs it ran."""
    order = finished_order(module)
    # Importing a submodule runs its package first, so every tour module shows up.
    at = {name: order.index(name) for name in [TOUR, HELPERS, *CHAPTERS]}
    assert at[HELPERS] < min(at[c] for c in CHAPTERS)
    assert max(at[c] for c in CHAPTERS) < at[TOUR]
    assert order.index("pyhood._render") < at[HELPERS]
