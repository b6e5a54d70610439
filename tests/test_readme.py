"""The README's sessions replay: every ``pycon`` block of README.md, typed statement by
statement into a fresh interpreter as the REPL would run it, prints what the README shows.

Each block was recorded on the CPython release its section's heading names ("CPython
3.13.0"); it is replayed on every interpreter of that minor version (a layout differs from
one minor version to the next, so elsewhere it is skipped, saying why). Output is compared
line by line after two normalisations: addresses (``0x`` and 6+ hex digits) match any
address, and in the outputs listed in ``VARIES`` (what the allocator, the collector or the
clock decide: block counts, pool fill, timings, interned-string counts) every decimal number
matches any number. Everything else must be as the README says, so the README cannot drift
from what pyhood prints.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"

# (a substring of the statement, a regex of the output lines whose numbers vary, or None
# for every line of its output)
VARIES: list[tuple[str, str | None]] = [
    # str hashes are salted, padding is whatever the block held, and how many references
    # a literal has depends on the REPL
    ('pyhood.layout("héllo")', r"\b(hash|ob_refcnt)\b|\(padding\)"),
    # the instruction a frame stops at moves between patch releases; a suspended frame's
    # unused stack slots hold stale pointers
    ("fl = greet", None),
    ("fl.code, fl.f_lasti", None),
    ('block("f_frame")', r"\b(instr_ptr|localsplus\[\d+\.\.\d+\])"),
    ("print(t)", None),  # a timing, and blocks the interpreter allocates besides
    ("pyhood.obmalloc_stats()", None),
    ("s.size_classes", None),
    ("pyhood.block_info(1.5)", None),  # how full the float's pool is
    ('pyhood.freelists()["float"]', None),
    ("pyhood.interned_count()", None),
    ("pyhood.gc_generations()", None),
    ("pyhood.gc_info(x)", None),  # the neighbours' addresses aside, nothing varies
]

ADDRESS = re.compile(r"0x[0-9a-f]{6,}")
NUMBER = re.compile(r"[+-]?\d[\d,]*(\.\d+)?")
HEX_BYTES = re.compile(r"\b[0-9a-f]{2}( [0-9a-f]{2}){3,}\b")
# How a piece of interpreter state was found depends on the pair of wheel and interpreter
# (a wheel built on 3.13.0 relocates the generations on 3.13.18 and says so): not compared.
PROVENANCE = re.compile(r" \(PyInterpreterState\.gc at .*\): ")
RECORDED_ON = re.compile(r"CPython (3\.\d+)\.\d+")


@dataclass
class Statement:
    source: str
    expected: list[str] = field(default_factory=list)


@dataclass
class Block:
    line: int
    heading: str
    minor: str | None
    statements: list[Statement]


def readme_blocks(text: str) -> list[Block]:
    """Every ``pycon`` block of the README, split into statements and their output."""
    blocks: list[Block] = []
    heading, minor = "", None
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
            m = RECORDED_ON.search(heading)
            minor = m.group(1) if m else minor
        if line.strip() == "```pycon":
            start = i + 1
            statements: list[Statement] = []
            i += 1
            while lines[i].strip() != "```":
                text_line = lines[i]
                if text_line.startswith(">>> "):
                    statements.append(Statement(text_line[4:]))
                elif text_line.startswith("...") and statements and not statements[-1].expected:
                    statements[-1].source += "\n" + text_line[4:]
                elif statements:
                    statements[-1].expected.append(text_line)
                i += 1
            blocks.append(Block(start, heading, minor, statements))
        i += 1
    return blocks


# Runs in the child: each statement compiled as the REPL compiles a line ("single": an
# expression's value goes to sys.displayhook) in __main__'s own namespace, its output caught.
RUNNER = r"""
import builtins, contextlib, io, json, sys, traceback

def _replay(sources):
    import __main__
    outputs = []
    for src in sources:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            try:
                exec(compile(src + "\n", "<stdin>", "single"), __main__.__dict__)
            except BaseException:
                traceback.print_exc(file=out)
        outputs.append(out.getvalue())
    return outputs

print(json.dumps(_replay(json.loads(sys.stdin.read()))))
"""


def normalise(line: str, numbers: bool) -> str:
    """Addresses as ``0x…``; with ``numbers``, also raw byte dumps as ``BYTES``, every
    number as ``N`` and runs of spaces as one (a column narrows with its numbers)."""
    line = PROVENANCE.sub(" (…): ", ADDRESS.sub("0x…", line.rstrip()))
    if not numbers:
        return line
    line = NUMBER.sub("N", HEX_BYTES.sub("BYTES", line))
    return re.sub(r" +", " ", line)


def varying_lines(source: str) -> list[str | None]:
    return [lines for part, lines in VARIES if part in source]


def blocks_for_this_interpreter() -> list[pytest.param]:
    params = []
    for b in readme_blocks(README.read_text(encoding="utf-8")):
        params.append(pytest.param(b, id=f"line{b.line}"))
    return params


@pytest.mark.parametrize("block", blocks_for_this_interpreter())
def test_readme_session_replays(block: Block) -> None:
    """A README session, replayed on an interpreter of the release it was recorded on,
    prints what the README shows (addresses, and the numbers ``VARIES`` lists, aside)."""
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    if block.minor is None:
        pytest.fail(f"README line {block.line}: its heading names no CPython release")
    if block.minor != here:
        pytest.skip(f"README line {block.line} was recorded on {block.minor}; this is {here}")
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER],
        input=json.dumps([s.source for s in block.statements]),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    outputs = json.loads(proc.stdout)
    for st, out in zip(block.statements, outputs, strict=True):
        rules = varying_lines(st.source)
        got_lines = out.splitlines()
        assert len(got_lines) == len(st.expected), (
            f"README line {block.line}, >>> {st.source!r}: printed {len(got_lines)} lines, "
            f"the README shows {len(st.expected)}:\n{out}"
        )
        for got, want in zip(got_lines, st.expected, strict=True):
            numbers = any(r is None or re.search(r, want) for r in rules)
            assert normalise(got, numbers) == normalise(want, numbers), (
                f"README line {block.line}, >>> {st.source!r}:\n  README: {want}\n  printed: {got}"
            )


def test_every_session_names_its_release() -> None:
    """Every README session sits under a heading naming the CPython release it was
    recorded on, so the replay knows where it must hold."""
    blocks = readme_blocks(README.read_text(encoding="utf-8"))
    assert blocks, "the README has no pycon session"
    assert all(b.minor for b in blocks), [b.line for b in blocks if not b.minor]


def test_the_parser_splits_statements_and_output() -> None:
    """The replay reads a session as the REPL shows it: ``>>>`` starts a statement,
    ``...`` continues it, anything else is its output."""
    text = "## x (CPython 3.99.1)\n```pycon\n>>> def f():\n...     return 1\n...\n>>> f()\n1\n```\n"
    (b,) = readme_blocks(text)
    assert b.minor == "3.99"
    assert [(s.source, s.expected) for s in b.statements] == [
        ("def f():\n    return 1\n", []),
        ("f()", ["1"]),
    ]
