"""The pytest plugin: memory assertions in a test suite (``pyhood.pytest_plugin``).

Installed with pyhood as the ``pytest11`` entry point ``pyhood``, it gives a suite two
markers and a fixture. ``pyhood_no_leaks`` takes a census after setup and another after the
body and ``gc.collect()``: objects of the checked types that survive fail the test, whose
report shows the growth and what keeps one of them alive. ``pyhood_limit`` bounds the blocks
(``sys.getallocatedblocks()``) and the bytes of live objects (a census diff) a body leaves
allocated. The ``pyhood`` fixture hands ``track()``, ``census()`` and the same two checks to
a block of a test; ``--pyhood-leaks`` checks every test.

Each test writes a small suite and runs it with ``pytester`` (in this process, so the
plugin runs as the entry point loaded it). The independent truths are the suites' own
objects: instances of classes the suite defines and only its test bodies make (so the count
a census gives them is exactly what the body made and kept), weak references that prove
they are freed, and ``sys.getallocatedblocks()``. Block and byte limits are set far from
both the measured body and an empty one (100 blocks against 1,000 kept and against the
handful pytest's call of the test function leaves; 512 KiB against 1,000,000 bytes and
against a few hundred), so no allocation of the interpreter, pytest or the collector can
move a result across a limit.
"""

from __future__ import annotations

import gc
import importlib.metadata
import re
import sys
import textwrap
from xml.etree import ElementTree

import pyhood
import pytest
from conftest import FREE_THREADED
from pyhood import pytest_plugin as plugin

pytest_plugins = ["pytester"]

#: Free-threaded builds have no collector lists, so pyhood refuses a census there (what the
#: plugin does then is tested on its own, imitated and, on such a build, for real).
NEEDS_CENSUS = pytest.mark.skipif(FREE_THREADED, reason="free-threaded builds refuse a census")

#: A class whose instances only the inner suites' bodies make (checked by type object).
SUITE_CLASSES = """
    import gc
    import weakref

    import pytest


    class Marker:
        pass


    class Other:
        pass


    LEAK = []
    REFS = []
"""


def suite(pytester: pytest.Pytester, body: str, name: str = "test_suite") -> None:
    """Write ``name.py``: the shared classes and lists, then ``body``."""
    pytester.makepyfile(**{name: textwrap.dedent(SUITE_CLASSES) + textwrap.dedent(body)})


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """Run the suite in this process. Hypothesis' plugin is left out: pytester puts
    ``sys.modules`` back after each run, so every run would import and assertion-rewrite
    hypothesis again (seconds each)."""
    return pytester.runpytest("-p", "no:cacheprovider", "-p", "no:hypothesispytest", *args)


def call_report(result: pytest.RunResult, test: str):
    """The call-phase report of the test named ``test``."""
    reports = [
        r
        for r in result.reprec.getreports("pytest_runtest_logreport")  # type: ignore[attr-defined]
        if r.when == "call" and r.nodeid.endswith(f"::{test}")
    ]
    assert len(reports) == 1, [r.nodeid for r in reports]
    return reports[0]


def measured(result: pytest.RunResult, test: str, check: str) -> dict:
    """What the plugin recorded for ``test`` in its report's ``user_properties``."""
    props = dict(call_report(result, test).user_properties)
    return props[check]


# --- pyhood_no_leaks ---------------------------------------------------------------------------


@NEEDS_CENSUS
def test_a_leaking_test_fails_with_the_growth_and_a_referrer_chain(pytester):
    """A test that appends 100 instances of its own class to a module-level list fails: its
    report counts exactly +100 of that type (0 before the body, 100 after) and names the
    chain that keeps one alive, from the module through the list. A later test of the same
    run clears the list, and every instance is then freed (each weak reference is dead): the
    plugin kept none of them, not even the example it reported. The figures are in the
    report's ``user_properties``, and so in ``--junitxml``'s properties of the test."""
    suite(
        pytester,
        """
        @pytest.mark.pyhood_no_leaks
        def test_leaks():
            LEAK.extend(Marker() for _ in range(100))
            REFS.extend(weakref.ref(m) for m in LEAK)


        def test_after_the_report():
            assert len(REFS) == 100
            LEAK.clear()
            gc.collect()
            assert all(r() is None for r in REFS)
        """,
    )
    result = run(pytester, "--junitxml=report.xml")
    result.assert_outcomes(passed=1, failed=1)
    got = measured(result, "test_leaks", "pyhood_no_leaks")
    assert got["failed"] and got["objects"] == 100
    xml = ElementTree.parse(pytester.path / "report.xml")
    [prop] = xml.findall(".//testcase[@name='test_leaks']/properties/property")
    assert prop.get("name") == "pyhood_no_leaks" and "'objects': 100," in prop.get("value", "")
    assert [(r["type"], r["count_before"], r["count_after"], r["count"]) for r in got["rows"]] == [
        ("test_suite.Marker", 0, 100, 100)
    ]
    out = result.stdout.str()
    assert "pyhood_no_leaks: 100 objects of 1 type survived" in out
    assert re.search(r"test_suite\.Marker +0 +100 +\+100 ", out), out
    chain = r"module 'test_suite' \.LEAK → list \[\d+\] → test_suite\.Marker at 0x[0-9a-f]+"
    assert re.search(rf"test_suite\.Marker: {chain}", out), out


@NEEDS_CENSUS
def test_a_test_whose_objects_are_freed_passes(pytester):
    """Instances made and dropped in the body, and cyclic garbage the collector frees, leave
    no survivor: the test passes, with +0 objects recorded."""
    suite(
        pytester,
        """
        @pytest.mark.pyhood_no_leaks
        def test_clean():
            made = [Marker() for _ in range(100)]
            cycle = Other()
            cycle.me = cycle
            del made, cycle
        """,
    )
    result = run(pytester)
    result.assert_outcomes(passed=1)
    got = measured(result, "test_clean", "pyhood_no_leaks")
    assert (got["failed"], got["objects"], got["rows"]) == (False, 0, [])


@NEEDS_CENSUS
def test_types_restricts_the_check_to_the_types_named(pytester):
    """With ``types=[Marker]`` the growth of another class (``Other``, +50) does not fail the
    test; naming ``Other`` by its type key (``"test_suite.Other"``) does, and the report then
    shows only that type."""
    suite(
        pytester,
        """
        @pytest.mark.pyhood_no_leaks(types=[Marker])
        def test_other_grows():
            LEAK.extend(Other() for _ in range(50))


        @pytest.mark.pyhood_no_leaks(types="test_suite.Other")
        def test_other_is_checked():
            LEAK.extend(Other() for _ in range(50))
            LEAK.append(Marker())
        """,
    )
    result = run(pytester)
    result.assert_outcomes(passed=1, failed=1)
    assert measured(result, "test_other_grows", "pyhood_no_leaks")["types"] == ["test_suite.Marker"]
    got = measured(result, "test_other_is_checked", "pyhood_no_leaks")
    assert [(r["type"], r["count"]) for r in got["rows"]] == [("test_suite.Other", 50)]
    assert "test_suite.Marker" not in str(call_report(result, "test_other_is_checked").longrepr)


@NEEDS_CENSUS
def test_a_failing_body_is_not_checked(pytester):
    """A body that fails is reported as its own failure, with no leak report (its traceback
    keeps its locals alive, so survivors would mean nothing)."""
    suite(
        pytester,
        """
        @pytest.mark.pyhood_no_leaks
        def test_fails():
            LEAK.append(Marker())
            assert False, "the body's own failure"
        """,
    )
    result = run(pytester)
    result.assert_outcomes(failed=1)
    text = str(call_report(result, "test_fails").longrepr)
    assert "the body's own failure" in text and "survived" not in text
    assert call_report(result, "test_fails").user_properties == []


# --- pyhood_limit ------------------------------------------------------------------------------


@NEEDS_CENSUS
def test_a_body_over_its_block_limit_fails(pytester):
    """1,000 ``bytes`` objects of 20 bytes kept in a list across the body are at least 1,000
    blocks, over a limit of 100: the test fails with the limit, the measure and the
    contributors (``bytes`` about +1,000 objects, net of what pytest frees meanwhile;
    pymalloc's 64-byte class). An empty body, whose blocks are pytest's call of the
    function, is within the same limit; so is the same body under ``blocks=5000``."""
    suite(
        pytester,
        """
        KEEP = []


        @pytest.mark.pyhood_limit(blocks=100)
        def test_over():
            KEEP.append([bytes(20) for _ in range(1000)])


        @pytest.mark.pyhood_limit(blocks=100)
        def test_empty():
            pass


        @pytest.mark.pyhood_limit(blocks=5000)
        def test_within():
            KEEP.append([bytes(20) for _ in range(1000)])
        """,
    )
    blocks = sys.getallocatedblocks()
    result = run(pytester)
    result.assert_outcomes(passed=2, failed=1)
    assert sys.getallocatedblocks() > blocks
    over = measured(result, "test_over", "pyhood_limit")
    assert over["failed"] and over["blocks"] >= 1000 and over["blocks_limit"] == 100
    # The census diff is net: other bytes objects pytest frees meanwhile (3.14 frees a
    # couple) are subtracted, so the 1,000 kept show as at least 990.
    kept = next(r for r in over["types"] if r["type"] == "bytes")["count"]
    assert kept >= 990
    empty = measured(result, "test_empty", "pyhood_limit")
    assert not empty["failed"] and empty["blocks"] < 100
    assert not measured(result, "test_within", "pyhood_limit")["failed"]
    out = result.stdout.str()
    assert "pyhood_limit(blocks=100): the test body left more blocks than its limit" in out
    assert re.search(r"blocks: \+1,\d{3}, OVER the limit of 100 \(sys.getallocated", out), out
    assert re.search(rf"bytes +\S+ +\S+ +\+{kept:,} ", out), out


@NEEDS_CENSUS
def test_a_body_over_its_byte_limit_fails(pytester):
    """A buffer of 1,000,000 bytes kept across the body (one block from ``malloc``, which
    pymalloc's size classes never see) is over ``bytes="512 KiB"``: the census prices it at
    its allocator-true size, and ``bytes`` is the type that grew most. An empty body is
    within the same limit. (The measure is net: other objects freed meanwhile count
    against it, so it is compared with the limit, ~475 KB below the buffer, not with the
    buffer's own size.)"""
    suite(
        pytester,
        """
        KEEP = []


        @pytest.mark.pyhood_limit(bytes="512 KiB")
        def test_big():
            KEEP.append(bytes(1_000_000))


        @pytest.mark.pyhood_limit(bytes="512 KiB")
        def test_empty():
            pass
        """,
    )
    result = run(pytester)
    result.assert_outcomes(passed=1, failed=1)
    big = measured(result, "test_big", "pyhood_limit")
    assert big["failed"] and big["bytes_limit"] == 512 * 1024 < big["bytes"]
    assert big["types"][0]["type"] == "bytes" and big["types"][0]["allocated"] > 512 * 1024
    empty = measured(result, "test_empty", "pyhood_limit")
    assert not empty["failed"] and abs(empty["bytes"]) < 64 * 1024
    out = result.stdout.str()
    assert "pyhood_limit(bytes='512 KiB'): the test body left more bytes than" in out
    over = r"OVER the limit of 512\.0 KiB \(524,288 bytes\)"
    assert re.search(rf"bytes: +\+[\d.]+ [KM]iB \(\+[\d,]+ bytes\) in live objects, {over}", out)


TRACED = """
    import tracemalloc

    import pytest


    @pytest.fixture(autouse=True)
    def traced():
        started = not tracemalloc.is_tracing()
        if started:
            tracemalloc.start()
        yield
        if started:
            tracemalloc.stop()
"""


@NEEDS_CENSUS
def test_under_tracemalloc_the_report_names_the_source_lines(pytester):
    """While tracemalloc traces the body (a fixture of the suite starts it), the contributors
    include the source lines whose traced memory grew, and the line that kept 1,000 bytes
    objects of 20 bytes (about 53 KB, more than anything else the body does) comes first;
    pymalloc's size classes are then unreadable (tracemalloc wraps the allocator) and the
    report says why instead of listing them."""
    pytester.makeconftest(textwrap.dedent(TRACED))
    suite(
        pytester,
        """
        KEEP = []


        @pytest.mark.pyhood_limit(blocks=100)
        def test_over():
            KEEP.append([bytes(20) for _ in range(1000)])
        """,
    )
    source = (pytester.path / "test_suite.py").read_text().splitlines()
    line = 1 + next(i for i, text in enumerate(source) if "KEEP.append" in text)
    result = run(pytester)
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert re.search(rf"source lines \(tracemalloc\):\n +\S*test_suite.py:{line}: \+", out), out
    assert "size classes      no size classes: tracemalloc is tracing" in out
    assert "pymalloc size classes (block size" not in out


def test_bad_marker_arguments_are_setup_errors_with_a_reason(pytester):
    """A limit with no bound, a size pyhood cannot read, a block count given as text, a
    ``types`` entry that is neither a type nor a key, or a positional argument (which
    ``pytest.mark`` would take for the object to mark, were it a class) is an error at setup
    naming the problem in one line; the body never runs."""
    suite(
        pytester,
        """
        @pytest.mark.pyhood_limit()
        def test_no_bound():
            LEAK.append(1)


        @pytest.mark.pyhood_limit(bytes="1 XB")
        def test_bad_size():
            LEAK.append(2)


        @pytest.mark.pyhood_no_leaks(types=[3])
        def test_bad_type():
            LEAK.append(3)


        @pytest.mark.pyhood_limit(blocks="10")
        def test_blocks_as_text():
            LEAK.append(4)


        @pytest.mark.pyhood_no_leaks("test_suite.Marker")
        def test_positional():
            LEAK.append(5)


        def test_nothing_ran():
            assert LEAK == []
        """,
    )
    result = run(pytester)
    result.assert_outcomes(passed=1, errors=5)
    out = result.stdout.str()
    assert "pyhood_limit needs blocks=, bytes= or both" in out
    assert "pyhood_limit: blocks must be an int, not '10'" in out
    assert "pyhood_no_leaks takes keyword arguments only (types=...)" in out
    assert "pyhood_limit: bytes='1 XB' is not a size" in out
    assert "pyhood_no_leaks: 3 is neither a type nor a type key" in out


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (4096, 4096),
        ("100", 100),
        ("100 B", 100),
        ("512 KiB", 512 * 1024),
        ("512kb", 512 * 1024),
        ("1 MB", 1024**2),
        ("1.5 GiB", 3 * 1024**3 // 2),
        ("2T", 2 * 1024**4),
    ],
)
def test_sizes_read_as_powers_of_1024(size, expected):
    """Sizes are an int, or a number and a unit (any case), each unit a power of 1024 as
    pytest-memray reads them: ``"1 MB"`` is 1,048,576 bytes."""
    assert plugin.parse_size(size) == expected


@pytest.mark.parametrize("size", ["", "MB", "1 XB", "-1 MB", "one MB", -1, 1.5, True, None])
def test_what_is_not_a_size_is_refused(size):
    """Anything else is a ``ValueError`` or ``TypeError`` that says what a size is."""
    with pytest.raises((TypeError, ValueError), match=r"not a size|is negative|an int or"):
        plugin.parse_size(size)


# --- the fixture -------------------------------------------------------------------------------


@NEEDS_CENSUS
def test_the_fixture_gives_the_readings_and_the_checks_to_a_block(pytester):
    """The ``pyhood`` fixture has ``census()`` and ``track()`` (the package's own) and the
    markers' checks as context managers: ``assert_no_leaks`` raises ``AssertionError`` with
    the growth (+3 of the type named) when a block keeps what it made, and passes when it
    does not; ``assert_limit`` fails a block over its limit."""
    suite(
        pytester,
        """
        import pyhood as package


        def test_readings(pyhood):
            assert isinstance(pyhood.census(), package.Census)
            with pyhood.track() as t:
                kept = [bytes(20) for _ in range(1000)]
            assert t.blocks_delta >= 1000 and kept
            assert pyhood.type_key(Marker) == "test_suite.Marker"


        def test_no_leaks(pyhood):
            with pyhood.assert_no_leaks():
                made = [Marker() for _ in range(3)]
                del made
            with pytest.raises(AssertionError) as info:
                with pyhood.assert_no_leaks(types=Marker):
                    LEAK.extend(Marker() for _ in range(3))
            text = str(info.value)
            assert "assert_no_leaks: 3 objects of 1 type survived" in text
            assert "module 'test_suite' .LEAK → list" in text


        def test_limit(pyhood):
            with pyhood.assert_limit(blocks=5000):
                LEAK.append([bytes(20) for _ in range(1000)])
            with pytest.raises(AssertionError, match=r"assert_limit\\(blocks=100\\)"):
                with pyhood.assert_limit(blocks=100):
                    LEAK.append([bytes(20) for _ in range(1000)])
        """,
    )
    run(pytester).assert_outcomes(passed=3)


# --- the options -------------------------------------------------------------------------------

GLOBAL = """
    def test_leaks_unmarked():
        LEAK.extend(Marker() for _ in range(10))


    @pytest.mark.pyhood_no_leaks(types=[Other])
    def test_own_marker_wins():
        LEAK.extend(Marker() for _ in range(10))
"""


@NEEDS_CENSUS
def test_pyhood_leaks_checks_every_test(pytester):
    """Without the option an unmarked leaking test passes; with ``--pyhood-leaks`` (or the
    ini option ``pyhood_leaks = true``) it fails, while a test with a marker of its own is
    checked as its marker says."""
    suite(pytester, GLOBAL)
    run(pytester).assert_outcomes(passed=2)
    result = run(pytester, "--pyhood-leaks")
    result.assert_outcomes(passed=1, failed=1)
    assert measured(result, "test_leaks_unmarked", "pyhood_no_leaks")["objects"] == 10
    pytester.makeini("[pytest]\npyhood_leaks = true\n")
    run(pytester).assert_outcomes(passed=1, failed=1)


@NEEDS_CENSUS
def test_the_summary_lists_the_checked_tests_that_kept_most(pytester):
    """The "pyhood" section at the end lists the checked tests, most bytes kept first, with
    their objects, bytes and blocks; ``--pyhood-top 1`` keeps the first,
    ``--pyhood-hide-summary`` drops the section."""
    suite(
        pytester,
        """
        @pytest.mark.pyhood_no_leaks
        def test_small():
            LEAK.append(Marker())


        @pytest.mark.pyhood_limit(bytes="1 MB")
        def test_big():
            LEAK.append(bytes(500_000))
        """,
    )
    out = run(pytester).stdout.str()
    section = out[out.index("= pyhood =") : out.index("short test summary")]
    assert section.index("test_big") < section.index("test_small")
    assert re.search(r"test_suite.py::test_small +pyhood_no_leaks +\+1 +\+\d+ B +FAILED", section)
    top = run(pytester, "--pyhood-top", "1").stdout.str()
    section = top[top.index("= pyhood =") : top.index("short test summary")]
    assert "the top 1 of 2" in section and "::test_big" in section
    assert "::test_small" not in section
    assert "= pyhood =" not in run(pytester, "--pyhood-hide-summary").stdout.str()


def test_markers_are_listed_with_their_help(pytester):
    """``pytest --markers`` lists both markers with their arguments and what they check."""
    result = run(pytester, "--markers")
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.pyhood_no_leaks(types=None): fail if objects of the given types *",
            "@pytest.mark.pyhood_limit(blocks=None, bytes=None): fail if the test body *",
        ]
    )


def test_the_plugin_is_the_pytest11_entry_point(pytester):
    """The installed distribution registers ``pyhood = pyhood.pytest_plugin`` in the
    ``pytest11`` group, which is where this run's plugin came from: ``-p no:pyhood`` removes
    the markers. Importing pyhood alone does not import pytest (a fresh interpreter)."""
    found = [e for e in importlib.metadata.entry_points(group="pytest11") if e.name == "pyhood"]
    assert [e.value for e in found] == ["pyhood.pytest_plugin"]
    assert "pyhood_limit" not in run(pytester, "-p", "no:pyhood", "--markers").stdout.str()
    proc = pytester.run(sys.executable, "-c", "import sys, pyhood; print('pytest' in sys.modules)")
    assert proc.ret == 0 and proc.outlines[-1] == "False"


# --- where pyhood cannot measure ---------------------------------------------------------------

REFUSING = """
    import pyhood
    import pytest


    def refuse(**_):
        raise pyhood.UnsupportedInterpreterError(
            "census walks the collector's generation lists, which free-threaded builds do not "
            "have"
        )


    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(config):
        real = pyhood.census
        pyhood.census = refuse
        config.add_cleanup(lambda: setattr(pyhood, "census", real))
"""


def test_a_census_pyhood_refuses_skips_the_test_with_the_reason(pytester):
    """Where pyhood refuses a census (free-threaded builds; here a conftest imitates its
    refusal for the run), a marked test is skipped with pyhood's reason and the unmarked one
    runs; ``--pyhood-leaks`` is a usage error that names the reason, before any test runs."""
    pytester.makeconftest(textwrap.dedent(REFUSING))
    suite(pytester, GLOBAL)
    result = run(pytester, "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(
        ["SKIPPED * pyhood_no_leaks: pyhood cannot measure here: census walks the collector*"]
    )
    refused = run(pytester, "--pyhood-leaks")
    assert refused.ret == pytest.ExitCode.USAGE_ERROR
    refused.stderr.fnmatch_lines(
        ["ERROR: --pyhood-leaks needs a census, which pyhood refuses here: census walks *"]
    )
    assert pyhood.census is pyhood._pyhood.census  # the conftest put it back


@NEEDS_CENSUS
def test_without_pymalloc_a_block_limit_skips_and_a_byte_limit_holds(pytester, monkeypatch):
    """Under ``PYTHONMALLOC=malloc`` (a child pytest) ``sys.getallocatedblocks()`` stays 0,
    so a ``blocks`` limit is skipped with that reason rather than passing on a zero; a
    ``bytes`` limit, priced by censuses, still fails the 1,000,000-byte buffer."""
    suite(
        pytester,
        """
        KEEP = []


        @pytest.mark.pyhood_limit(blocks=100)
        def test_blocks():
            KEEP.append([bytes(20) for _ in range(1000)])


        @pytest.mark.pyhood_limit(bytes="512 KiB")
        def test_bytes():
            KEEP.append(bytes(1_000_000))
        """,
    )
    monkeypatch.setenv("PYTHONMALLOC", "malloc")
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-rs"
    )
    result.assert_outcomes(skipped=1, failed=1)
    result.stdout.fnmatch_lines(
        ["SKIPPED * pyhood_limit(blocks=...) reads sys.getallocatedblocks(), which counts *"]
    )
    assert "pyhood_limit(bytes='512 KiB'): the test body left more bytes" in result.stdout.str()


@pytest.mark.skipif(not FREE_THREADED, reason="needs a free-threaded build")
def test_a_free_threaded_build_skips_marked_tests(pytester):  # pragma: no cover
    """On a free-threaded build pyhood's own refusal skips the marked test."""
    suite(pytester, GLOBAL)
    result = run(pytester, "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    assert "free-threaded" in result.stdout.str()


# --- what the plugin decides on its own -----------------------------------------------------------


class Local:
    class Nested:
        pass


@NEEDS_CENSUS
def test_type_keys_are_the_census_keys():
    """A class's key is ``module.qualname``, a static type's its ``tp_name``: each is the key
    a census files live instances under (these objects are alive while it counts)."""
    alive = [Local(), Local.Nested(), gc.get_referrers, re.compile("x")]
    keys = [plugin.type_key(type(o)) for o in alive]
    assert keys == [
        f"{__name__}.Local",
        f"{__name__}.Local.Nested",
        "builtin_function_or_method",
        "re.Pattern",
    ]
    census = pyhood.census()
    assert all(census.by_type[k].count >= 1 for k in keys)
    assert plugin.type_key(int) == "int"


def test_user_defined_means_the_code_under_test():
    """User-defined types are those of modules outside the standard library and
    site-packages (this test module's classes); built-in types, the standard library's,
    installed distributions' (pytest's), pyhood's own and keys of no imported module are
    not."""
    assert plugin.user_defined(f"{__name__}.Local")
    assert plugin.user_defined(f"{__name__}.Local.Nested")
    for key in (
        "int",
        "builtin_function_or_method",
        "collections.OrderedDict",
        "json.decoder.JSONDecoder",
        "_pytest.python.Function",
        "pyhood.Census",
        "pyhood._track.Tracker",
        "no_such_module.Thing",
    ):
        assert not plugin.user_defined(key), key
