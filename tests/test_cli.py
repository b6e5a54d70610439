"""``python -m pyhood``: one command per view, each with ``--json``.

Each command prints what the call it names returns (``str()``, or ``to_dict()`` as JSON);
these tests run the command in a fresh interpreter and compare the figures it prints with
what CPython itself says in the same child (``-c SETUP`` code printing ``sys.getsizeof``,
``id()``, ``gc.get_threshold()``, ``len(gc.get_objects())`` to stderr) or in this process for
values that do not depend on the process. They also pin the exit statuses (0; 1 for code that
raised, a pyhood refusal, a tour mismatch, a broken pipe; 2 for a usage error), that no error
ends in a traceback, and how the tour counts its checks (in-process, with a section replaced
by one that fails, so the real sections are never edited).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyhood
import pytest
from conftest import PY
from pyhood import __main__ as cli
from pyhood import _tour
from pyhood._tour import narrate

ROOT = Path(__file__).resolve().parent.parent


def pyhood_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -W error -m pyhood ARGS`` in a fresh interpreter, both streams captured."""
    return subprocess.run(
        [sys.executable, "-W", "error", "-m", "pyhood", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd or ROOT / "tests",
        env=dict(os.environ, PYTHONIOENCODING="utf-8", **(env or {})),
        timeout=120,
        check=False,
    )


def ok_json(*args: str, env: dict[str, str] | None = None) -> tuple[Any, str]:
    """Run a command with ``--json``; require exit 0; return the parsed JSON and stderr."""
    proc = pyhood_cli(*args, "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), proc.stderr


def one_line_error(proc: subprocess.CompletedProcess[str], status: int) -> str:
    """The run exited ``status`` with one line on stderr, no traceback, nothing on stdout."""
    assert proc.returncode == status, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    if status == 1:
        assert len(proc.stderr.splitlines()) == 1, proc.stderr
    else:  # argparse: the usage, then one "error:" line
        assert proc.stderr.splitlines()[-1].startswith("python -m pyhood"), proc.stderr
        assert proc.stderr.count("error:") == 1, proc.stderr
    return proc.stderr


# --- layout, footprint, deep ----------------------------------------------------------------


def test_layout_json_of_a_pair_has_the_header_and_two_items():
    """``layout --json "(1, 2)"`` is the layout's ``to_dict()``: the GC head, ``ob_refcnt``,
    ``ob_type`` (the address of ``tuple``), ``ob_size`` 2 and two item pointers, spanning
    ``sys.getsizeof(()) + 2 * 8`` bytes (``getsizeof`` counts the GC head), at the address
    ``id()`` gives in the same child."""
    d, err = ok_json("layout", "-c", "t = (1, 2); print(id(t), id(tuple), file=sys.stderr)", "t")
    address, tuple_address = map(int, err.split())
    fields = {f["name"]: f for f in d["fields"]}
    assert d["type_name"] == "tuple" and d["address"] == address
    assert d["end"] - d["start"] == sys.getsizeof(()) + 2 * 8
    assert fields["ob_refcnt"]["offset"] == 0 and fields["ob_type"]["offset"] == 8
    assert fields["ob_type"]["value"] == tuple_address
    assert fields["ob_size"]["value"] == 2
    assert [n for n in fields if n.startswith("ob_item")] == ["ob_item[0]", "ob_item[1]"]


def test_layout_of_the_current_frame_needs_no_flag():
    """``layout "sys._getframe()"`` imports ``sys`` by itself (a name that is neither defined
    nor a builtin is imported as a module) and prints the frame's layout."""
    proc = pyhood_cli("layout", "sys._getframe()")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout.startswith("frame of <module> (<EXPR>:1)")
    assert "frame at 0x" in proc.stdout and "f_back" in proc.stdout
    d, _ = ok_json("layout", "sys._getframe()")
    assert d["type_name"] == "frame"


def test_layout_text_honours_max_items():
    """``--max-items 3`` is passed to ``pyhood.layout``: the rest of the items is one
    summary field."""
    proc = pyhood_cli("layout", "tuple(range(10))", "--max-items", "3")
    assert proc.returncode == 0, proc.stderr
    assert "ob_item[2]" in proc.stdout and "ob_item[3..10]" in proc.stdout


def test_footprint_json_requested_is_getsizeof():
    """``footprint --json 'b"x" * 1000'``: a bytes object owns one allocation, whose
    requested size is ``sys.getsizeof`` of the same value (computed here)."""
    d, _ = ok_json("footprint", 'b"x" * 1000')
    assert d["requested"] == sys.getsizeof(b"x" * 1000) == d["getsizeof"]
    assert [a["name"] for a in d["allocations"]] == ["object"]
    assert d["total"] >= d["requested"]


def test_footprint_with_import_and_setup_sees_the_setup_object():
    """``--import`` and ``-c`` run first, in EXPR's namespace: the footprint of the deque the
    setup built claims what ``sys.getsizeof`` said of it in that child."""
    setup = "d = collections.deque(range(1000)); print(sys.getsizeof(d), file=sys.stderr)"
    d, err = ok_json("footprint", "--import", "collections", "--import", "sys", "-c", setup, "d")
    assert d["getsizeof"] == int(err)


def test_deep_json_counts_every_string_once():
    """``deep --json`` of a list of 100 distinct strings: 101 objects (the list and its
    strings), requested bytes ``getsizeof`` of the list plus of each string; with
    ``--max-objects 5`` the walk stops at 5 and says it was truncated."""
    expr = "[str(i) * 3 for i in range(100, 200)]"
    value = eval(expr)
    d, _ = ok_json("deep", expr)
    assert d["objects"] == 101 and not d["truncated"]
    assert d["by_type"]["list"]["count"] == 1 and d["by_type"]["str"]["count"] == 100
    assert d["requested"] == sys.getsizeof(value) + sum(map(sys.getsizeof, value))
    d, _ = ok_json("deep", expr, "--max-objects", "5")
    assert d["objects"] == 5 and d["truncated"]


def test_names_are_imported_in_nested_scopes_but_never_shadow_builtins(tmp_path: Path):
    """A comprehension (its own scope on 3.10/3.11) finds an undefined name as a module too; a
    builtin name is never imported, even when a module of that name sits in the current
    directory; a module that exists but fails to import reports its own error."""
    (tmp_path / "len.py").write_text("raise SystemExit('len.py was imported')\n")
    (tmp_path / "broken_mod_zz.py").write_text("import no_such_dependency_zz\n")
    proc = pyhood_cli("deep", "[math.pi for _ in range(len([1, 2]))]", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "float" in proc.stdout and "list" in proc.stdout
    err = one_line_error(pyhood_cli("layout", "broken_mod_zz.x", cwd=tmp_path), 1)
    assert "ModuleNotFoundError" in err and "no_such_dependency_zz" in err


# --- arenas, freelists, interned, gc, census --------------------------------------------------


def test_arenas_json_has_pymallocs_constants():
    """``arenas --json`` is ``obmalloc_stats().to_dict()``: 1 MiB arenas of 16 KiB pools,
    requests up to 512 bytes in 32 size classes 16 bytes apart (Objects/obmalloc.c, 64-bit,
    3.10+), one row per class, at least one arena in use."""
    d, _ = ok_json("arenas", env={"PYTHONMALLOC": "pymalloc"})
    assert (d["arena_size"], d["pool_size"]) == (1 << 20, 1 << 14)
    assert (d["small_request_threshold"], d["alignment"], d["num_size_classes"]) == (512, 16, 32)
    assert [c["size"] for c in d["size_classes"]] == [16 * (i + 1) for i in range(32)]
    assert d["arenas_in_use"] >= 1


def test_arenas_under_malloc_is_a_one_line_refusal():
    """Under ``PYTHONMALLOC=malloc`` pymalloc is not the allocator: ``arenas`` says so in one
    line (pyhood's ``AllocatorError``) and exits 1."""
    err = one_line_error(pyhood_cli("arenas", env={"PYTHONMALLOC": "malloc"}), 1)
    assert err.startswith("python -m pyhood arenas: obmalloc_stats: AllocatorError")


def test_freelists_json_sees_freed_floats():
    """``freelists --json`` is a dict of each free list's ``to_dict()``; 50 floats the setup
    freed went onto the float free list (at least 50 there, or the list is full), and every
    count is within its limit."""
    setup = "xs = [float(i) + 0.5 for i in range(50)]; del xs"
    d, _ = ok_json("freelists", "-c", setup)
    assert d["float"]["count"] >= min(50, d["float"]["limit"])
    for name, f in d.items():
        assert f["name"] == name and 0 <= f["count"] <= f["limit"]
    text = pyhood_cli("freelists").stdout.splitlines()
    assert text[0].split() == ["free", "list", "count", "limit"]
    assert len(text) == 1 + len(d) and text[1].split()[0] == "float"


def test_interned_json_follows_sys_intern():
    """``interned --json S ...``: a string the setup interned was interned before (and
    ``sys.intern`` returns that object), a string nobody interned was not (and ``sys.intern``
    interns it); the argument objects themselves, fresh from the command line, are not
    interned; ``__name__`` is interned, as every identifier of compiled code."""
    setup = "K = sys.intern(''.join(['zq', 'x1']))"
    d, _ = ok_json("interned", "-c", setup, "zqx1", "zqx2_nobody_interns_this", "__name__")
    rows = {r["string"]: r for r in d["strings"]}
    assert rows["zqx1"]["interned_before"] and rows["__name__"]["interned_before"]
    assert not rows["zqx2_nobody_interns_this"]["interned_before"]
    for r in d["strings"]:
        assert r["state"] == "not_interned"
        assert r["interned_state"] in ("mortal", "immortal", "static")


@pytest.mark.skipif(PY < (3, 12), reason="3.10/3.11 keep the interned dict in file statics")
def test_interned_count_is_sys_getunicodeinternedsize():
    """The count ``interned`` prints is ``sys.getunicodeinternedsize()`` of the child, taken
    by the setup after pyhood first found the interned dict (which interns pyhood's own
    marker string once) and before the command interns its arguments."""
    setup = "import pyhood; pyhood.interned_count(); N = sys.getunicodeinternedsize()"
    d, err = ok_json("interned", "-c", setup, "-c", "print(N, file=sys.stderr)", "q_zz_7")
    assert d["count"] == int(err) and d["count_unavailable"] is None


@pytest.mark.skipif(PY >= (3, 12), reason="3.12+ can count interned strings")
def test_interned_count_is_refused_before_312():
    """3.10/3.11: without strings, ``interned`` can answer nothing: one line, exit 1; with
    strings it answers for them and says why the count is unknown."""
    err = one_line_error(pyhood_cli("interned"), 1)
    assert "UnreachableStateError" in err
    d, _ = ok_json("interned", "abc")
    assert d["count"] is None and "UnreachableStateError" in d["count_unavailable"]
    assert d["strings"][0]["interned_before"]


def test_gc_json_thresholds_are_the_childs():
    """``gc --json`` reports the thresholds the setup set, as ``gc.get_threshold()`` returned
    them in the child, and ``enabled`` as ``gc.isenabled()``."""
    setup = "import gc; gc.set_threshold(567, 8, 9); print(*gc.get_threshold(), file=sys.stderr)"
    d, err = ok_json("gc", "-c", setup)
    assert [g["threshold"] for g in d["generations"]] == [567, 8, 9] == list(map(int, err.split()))
    assert d["enabled"] is True
    d, _ = ok_json("gc", "-c", "import gc; gc.disable()")
    assert d["enabled"] is False


def test_census_json_counts_at_least_the_collectors_objects():
    """``census --json``: at least as many objects as ``len(gc.get_objects())`` in the same
    child (the census adds the untracked objects they reach); ``--top 3`` keeps the three
    types with the most bytes, ``--top 0`` every type, whose counts add up to the total."""
    setup = "import gc; print(len(gc.get_objects()), file=sys.stderr)"
    d, err = ok_json("census", "-c", setup, "--top", "3")
    assert d["objects"] >= d["tracked"] and d["objects"] >= int(err)
    assert len(d["by_type"]) == 3
    allocated = [s["allocated"] for s in d["by_type"].values()]
    assert allocated == sorted(allocated, reverse=True)
    d, _ = ok_json("census", "--top", "0")
    assert sum(s["count"] for s in d["by_type"].values()) == d["objects"]
    text = pyhood_cli("census", "--top", "2").stdout.splitlines()
    assert text[0].startswith("census: ") and text[1].split() == [
        "type",
        "objects",
        "allocated",
        "requested",
        "share",
    ]
    assert len(text) == 5 and re.match(r"  … \d+ more types: ", text[4])


@pytest.mark.parametrize(
    "args",
    [
        ["layout", "[1]"],
        ["footprint", "1.5"],
        ["deep", "{1: 'a'}"],
        ["arenas"],
        ["freelists"],
        ["interned", "x"],
        ["gc"],
        ["census"],
        ["tour", "--section", "10.1"],
    ],
    ids=lambda a: a[0],
)
def test_every_command_prints_json(args: list[str]):
    """Every command takes ``--json`` and prints one JSON document, nothing else."""
    d, err = ok_json(*args, env={"PYTHONMALLOC": "pymalloc"})
    assert isinstance(d, dict) and d and err == ""


# --- errors and exit statuses ---------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["layout", "[1]", "--max-items", "-1"],
        ["layout", "[1]", "--max-items", "many"],
        ["census", "--top", "-3"],
        ["census", "--top", "x"],
        ["deep", "[1]", "--max-objects", "-1"],
        ["layout"],
        ["no-such-command"],
        ["tour", "--section", "9.9"],
    ],
)
def test_bad_arguments_exit_2_in_one_line(args: list[str]):
    """A bad argument is a usage error: exit status 2, argparse's usage and one ``error:``
    line, no traceback."""
    one_line_error(pyhood_cli(*args), 2)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["layout", "1 / 0"], "EXPR '1 / 0' raised ZeroDivisionError: division by zero"),
        (["layout", "[1"], "EXPR '[1' raised SyntaxError"),
        (["footprint", "no_such_name_zz"], "NameError: name 'no_such_name_zz' is not defined"),
        (["gc", "--import", "no_such_module_zz"], "--import no_such_module_zz raised"),
        (["census", "-c", "raise ValueError('bad\\nsetup')"], "raised ValueError: bad setup"),
    ],
)
def test_code_that_raises_exits_1_in_one_line(args: list[str], expected: str):
    """EXPR, SETUP or an ``--import`` that raises: one line naming what raised and the
    exception (its message folded onto the line), exit status 1."""
    err = one_line_error(pyhood_cli(*args), 1)
    assert err.startswith(f"python -m pyhood {args[0]}: ") and expected in err


def test_a_pyhood_refusal_is_one_line_in_process(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """A ``PyhoodError`` from the call a command makes (here a ``LayoutError`` with a
    two-line message, put in place of ``pyhood.layout`` for the test) is one line on stderr
    naming the call and the error, and exit status 1."""

    def refuse(obj: object, **kwargs: Any) -> None:
        raise pyhood.LayoutError("cannot read this object\nat all")

    monkeypatch.setattr(pyhood, "layout", refuse)
    assert cli.main(["layout", "[1]"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "python -m pyhood layout: layout: LayoutError: cannot read this object at all\n"


def test_a_closed_pipe_ends_the_tour_quietly():
    """``python -m pyhood tour | head -1``: the reader goes away after one line; the tour exits
    1 (as Python does on EPIPE) without a traceback. The pipe holds 4 KiB and this reader takes
    at most 8 KiB, so the tour (about 45 KiB) is still writing when the pipe closes."""
    import fcntl

    read_end, write_end = os.pipe()
    fcntl.fcntl(read_end, fcntl.F_SETPIPE_SZ, 4096)
    with subprocess.Popen(
        [sys.executable, "-m", "pyhood", "tour"],
        stdout=write_end,
        stderr=subprocess.PIPE,
        cwd=ROOT / "tests",
    ) as proc:
        os.close(write_end)
        with open(read_end, "rb", buffering=8192) as reader:
            first = reader.readline()
        assert proc.stderr is not None
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == 1
    assert first.startswith("§10.1".encode())
    assert "Traceback" not in err and "BrokenPipeError" not in err, err


# --- the tour -------------------------------------------------------------------------------

SUMMARY = re.compile(r"^tour: (\d+) sections?, (\d+) checks?, (\d+) mismatch(?:es)?(?: \((.*)\))?$")


def test_tour_brief_prints_headings_checks_and_a_summary_that_counts_them():
    """``tour --brief`` prints each section's heading line and its check lines only, then a
    blank line and ``tour: 16 sections, N checks, 0 mismatches``, where N is the number of
    ``[ok]`` lines the full tour prints; exit status 0."""
    brief = pyhood_cli("tour", "--brief")
    assert brief.returncode == 0, brief.stderr
    lines = brief.stdout.splitlines()
    summary = SUMMARY.match(lines[-1])
    assert summary and lines[-2] == ""
    assert summary.group(1) == str(len(_tour.SECTIONS)) and summary.group(3) == "0"
    body = [line for line in lines[:-2] if line]
    headings = [line for line in body if line.startswith("§")]
    assert [h.split()[0] for h in headings] == [f"§{n}" for n in _tour.SECTIONS]
    checks = [line for line in body if not line.startswith("§")]
    assert all(line.startswith("  [ok] ") for line in checks), checks
    full = pyhood_cli("tour")
    assert full.returncode == 0, full.stderr
    assert full.stdout.splitlines()[-1] == lines[-1]
    assert int(summary.group(2)) == len(checks) == full.stdout.count("\n  [ok] ")


def test_tour_sections_run_in_guide_order_and_json_lists_their_checks():
    """``--section`` is repeatable and the sections run in guide order; ``--json`` prints each
    section's number, title and checks, with totals that add up."""
    proc = pyhood_cli("tour", "--brief", "--section", "12.4", "--section", "10.3")
    assert proc.returncode == 0, proc.stderr
    assert re.findall(r"^§(\S+)", proc.stdout, flags=re.MULTILINE) == ["10.3", "12.4"]
    assert SUMMARY.match(proc.stdout.splitlines()[-1]).group(1) == "2"  # type: ignore[union-attr]
    d, _ = ok_json("tour", "--section", "12.4", "--section", "10.3")
    assert [s["number"] for s in d["sections"]] == ["10.3", "12.4"]
    assert d["sections"][0]["title"] == "Memory layout of slotted classes"
    assert d["checks"] == sum(len(s["checks"]) for s in d["sections"]) >= 5
    assert d["mismatches"] == 0 and d["ok"] is True
    assert all(c["holds"] for s in d["sections"] for c in s["checks"])


def _failing_section() -> None:
    narrate.heading("10.1", "A section whose second claim fails")
    narrate.say("Some narration that --brief leaves out.")
    narrate.check("one and one make two", 1 + 1 == 2)
    narrate.check("one and one make three", 1 + 1 == 3)


def _raising_section() -> None:
    narrate.heading("10.2", "A section that raises")
    narrate.check("it starts well", True)
    raise RuntimeError("boom")


def test_a_mismatch_makes_the_tour_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """A section whose check fails prints ``[MISMATCH]``; the summary counts it and names the
    section; the exit status is 1 (in-process, with §10.1 replaced for the test)."""
    monkeypatch.setitem(_tour.SECTIONS, "10.1", _failing_section)
    assert cli.main(["tour", "--section", "10.1"]) == 1
    out = capsys.readouterr().out
    assert "  [MISMATCH] one and one make three\n" in out
    assert "Some narration" in out
    assert out.splitlines()[-1] == "tour: 1 section, 2 checks, 1 mismatch (§10.1)"
    assert cli.main(["tour", "--section", "10.1", "--brief"]) == 1
    assert capsys.readouterr().out == (
        "§10.1  A section whose second claim fails\n"
        "  [ok] one and one make two\n"
        "  [MISMATCH] one and one make three\n"
        "\n"
        "tour: 1 section, 2 checks, 1 mismatch (§10.1)\n"
    )


def test_a_section_that_raises_is_a_mismatch_and_the_tour_goes_on(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """A section that raises ends in a ``[MISMATCH]`` line naming the exception (its traceback
    goes to stderr); the next section still runs; exit status 1."""
    monkeypatch.setitem(_tour.SECTIONS, "10.1", _failing_section)
    monkeypatch.setitem(_tour.SECTIONS, "10.2", _raising_section)
    assert cli.main(["tour", "--brief", "--section", "10.2", "--section", "10.1"]) == 1
    out, err = capsys.readouterr()
    assert "  [MISMATCH] §10.2 ran to its end (it raised RuntimeError: boom)\n" in out
    assert out.index("§10.1  ") < out.index("§10.2  ")
    assert out.splitlines()[-1] == "tour: 2 sections, 4 checks, 2 mismatches (§10.1, §10.2)"
    assert "RuntimeError: boom" in err
    assert cli.main(["tour", "--json", "--section", "10.2"]) == 1
    d = json.loads(capsys.readouterr().out)
    assert d["sections"][0]["error"] == "RuntimeError: boom" and d["ok"] is False


def test_the_views_do_not_load_the_tour():
    """The view commands leave the tour (and what its chapters import) unloaded, so that a
    census or the arenas of the command's own interpreter do not count it."""
    d, _ = ok_json("layout", "sys.modules.get('pyhood._tour')")
    assert d["type_name"] == "NoneType"


def test_help_names_every_command():
    """``python -m pyhood --help`` lists every command."""
    proc = pyhood_cli("--help")
    assert proc.returncode == 0
    for command in ("layout", "footprint", "deep", "arenas", "freelists", "interned", "gc"):
        assert f"\n    {command}" in proc.stdout, command
    assert "census" in proc.stdout and "tour" in proc.stdout
