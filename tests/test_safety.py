"""pyhood never hurts the process: it reads only, survives fork, and refuses bad input
with clear errors instead of crashing."""

from __future__ import annotations

import os
import sys

import pyhood
import pytest


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_reads_stay_correct_in_a_forked_child():
    """After fork the child gets its own fault-free read channel: its layouts still match
    id() of the elements (a shared pipe could mix the two processes' bytes)."""
    xs = [object() for _ in range(20)]
    pyhood.layout(xs)  # the parent's channel exists before the fork
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        ok = all(
            pyhood.layout(xs).block("ob_item").field(f"ob_item[{i}]").value == id(x)
            for i, x in enumerate(xs)
        )
        os._exit(0 if ok else 1)
    for _ in range(200):  # the parent keeps reading while the child does
        block = pyhood.layout(xs).block("ob_item")
        assert block.field("ob_item[3]").value == id(xs[3])
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_bad_arguments_raise_python_errors():
    """Wrong argument types or ranges raise TypeError / ValueError / OverflowError."""
    with pytest.raises(TypeError):
        pyhood.layout()  # type: ignore[call-arg]
    with pytest.raises((OverflowError, ValueError)):
        pyhood.layout([], max_items=-1)
    with pytest.raises((OverflowError, ValueError)):
        pyhood.peek(1.0, 0, -1)
    with pytest.raises(ValueError):
        pyhood.peek(1.0, -(2**40))


def test_layout_is_read_only():
    """The object's bytes are identical before and after many layouts (ob_refcnt aside)."""
    d = {"k": [1, 2], 3: "v"}
    before = pyhood.peek(d, 8)
    refs = sys.getrefcount(d)
    for _ in range(100):
        pyhood.layout(d)
    assert pyhood.peek(d, 8) == before
    assert sys.getrefcount(d) == refs
