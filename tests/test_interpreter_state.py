"""Interpreter state is found on the interpreter that runs, not taken from one release.

The collector's state, the free lists, the interned strings and the static builtin types'
state live in ``PyInterpreterState`` and ``_PyRuntime``, whose layouts move between patch
releases (3.10.2, 3.13.1, Debian's 3.13.18, 3.14.4, 3.14.5). pyhood's build asks the headers
it is built with where each piece is; at run time that is only a prediction, proven on the
running interpreter (or, on another patch release, re-established by a bounded search)
before anything is read. These tests compare every located offset with what the running
interpreter's own headers say, through the C compiler (``conftest.c_values``), and make
pyhood find each piece again with every prediction ignored.
"""

from __future__ import annotations

import sys

import pyhood
import pyhood._pyhood as native
import pytest
from conftest import FREE_THREADED, PY, c_values

pytestmark = pytest.mark.skipif(
    FREE_THREADED, reason="free-threaded builds: no interpreter state is located (untested)"
)


def expected_members() -> set[str]:
    """The C members pyhood reads on this version."""
    members = {"PyInterpreterState.gc"}
    if PY >= (3, 13):
        members.add("PyInterpreterState.object_state.freelists")
    else:
        members |= {
            f"PyInterpreterState.{m}" for m in ("float_state", "tuple", "list", "dict_state")
        }
    if PY >= (3, 12):
        members |= {
            "PyInterpreterState.cached_objects.interned_strings",
            "_PyRuntimeState.cached_objects.interned_strings",
            "PyInterpreterState.types.builtins" + (".initialized" if PY >= (3, 13) else ""),
        }
    return members


def offsetof(member: str) -> str:
    """``"PyInterpreterState.gc"`` -> ``"offsetof(PyInterpreterState, gc)"``."""
    struct, _, path = member.partition(".")
    return f"offsetof({struct}, {path})"


def test_every_piece_is_located_on_this_interpreter():
    """Every piece of interpreter state pyhood reads is located on this interpreter, each
    with a statement of how it was found and proven."""
    located = native._located_state()
    assert {m for m, *_ in located} == expected_members()
    for member, _offset, _built, how in located:
        assert "proven" in how, (member, how)


def test_each_located_offset_is_what_this_interpreters_headers_say():
    """Each located offset equals ``offsetof`` from the running interpreter's own headers,
    whatever release the wheel was built with."""
    located = native._located_state()
    members = [m for m, *_ in located]
    want = dict(zip(members, c_values(*map(offsetof, members)), strict=True))
    got = {m: off for m, off, _, _ in located}
    assert got == want


def test_the_build_recorded_its_own_headers():
    """The offsets pyhood was built with are the build's own: on the release it was built
    for they equal the running headers' (a wheel on another release shows both)."""
    assert native.BUILT_RELEASE.startswith("{}.{}.".format(*sys.version_info[:2]))
    located = native._located_state()
    if native.BUILT_HEXVERSION == sys.hexversion:
        assert native.BUILT_RELEASE == "{}.{}.{}".format(*sys.version_info[:3])
        assert all(off == built for _, off, built, _ in located)


def test_search_alone_finds_every_piece_where_the_headers_put_it():
    """With every prediction and anchor ignored, as on a patch release the build knows
    nothing of, each piece is found by its bounded search alone, at the place the running
    headers give; afterwards the normal path finds the same places."""
    searched = native._relocate_by_search()
    assert {m for m, *_ in searched} == expected_members()
    members = [m for m, *_ in searched]
    want = dict(zip(members, c_values(*map(offsetof, members)), strict=True))
    assert {m: off for m, off, _, _ in searched} == want
    for member, _, _, how in searched:
        assert "search" in how or "found" in how, (member, how)
    again = native._located_state()
    assert {m: off for m, off, _, _ in again} == want


def test_the_gc_state_says_how_it_was_found():
    """``gc_generations().located_by`` names the member and how it was found: from
    ``_Py_DebugOffsets`` on 3.13+ (CPython publishes it there), from the build's headers or
    a search before."""
    g = pyhood.gc_generations()
    assert g.located_by.startswith("PyInterpreterState.gc at +")
    if PY >= (3, 13):
        assert "_Py_DebugOffsets" in g.located_by
    assert "generation0" in g.located_by
