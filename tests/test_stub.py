"""The hand-written stub ``python/pyhood/_pyhood.pyi`` matches the native module."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_stub_matches_the_native_module():
    """mypy's stubtest finds no difference between the stub and the runtime module."""
    pytest.importorskip("mypy")
    proc = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "pyhood._pyhood"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
