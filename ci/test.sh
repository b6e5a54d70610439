#!/usr/bin/env bash
# Build pyhood and run its whole test suite on every supported CPython of the matrix.
#
#   bash ci/test.sh      # the whole matrix (what CI runs); fails if any run is missing
#   PYHOOD_PYTHONS="3.12" PYHOOD_SID=0 bash ci/test.sh   # just one host interpreter
#
# The matrix, each run with its own venv (.venv/ci-py…), cargo target dir and dist dir:
#   3.10 3.11 3.12 3.13   pyenv's 3.10.13, 3.11.7, 3.12.1, 3.13.0 (else python3.X on PATH)
#   3.11-debian           Debian's own /usr/bin/python3 (3.11.2; python3-dev, python3-venv
#                         are installed with apt-get when missing)
#   sid 3.13 3.14 3.15    inside a Debian sid root (ci/debian-sid.sh; needs root)
#   two cross-release runs, which install a wheel built here on another patch release:
#   the 3.13 wheel on sid's 3.13.18, the 3.11 wheel on Debian's 3.11.2.
# Pictures: tests/test_render_chromium.py renders every result's HTML in headless Chromium;
# Debian's chromium package is installed with apt-get when missing (needs root; without it
# the test skips and says why). The Debian sid root is offline and has none: it skips there.
# Memcheck: the run labelled PYHOOD_VALGRIND_ON (default 3.12: pyenv's 3.12.1 here)
# also runs tests/test_valgrind.py, which runs tests/valgrind/exercise.py (every public call)
# under valgrind's memcheck with PYTHONMALLOC=malloc and fails on any memory error with a
# frame in pyhood's module. It is a pytest test of that run (PYHOOD_VALGRIND=1 selects it), so
# it counts in that run's JUnit totals and fails that run; every other run skips it. valgrind
# is installed with apt-get when missing (needs root); without it the test fails, it does not
# skip. PYHOOD_VALGRIND_ON="" runs it nowhere. About 25 s on a 2-core machine.
# Each venv also gets numpy and pandas, from wheels where pip has them for the interpreter,
# for the real-heap sweep (tests/test_sweep.py; without them it says so and skips that part).
# Lints run once first. With none of PYHOOD_PYTHONS, PYHOOD_SID, PYHOOD_SID_PYTHONS,
# PYHOOD_CROSS set, every run above is required. Once any is set, only what was selected is
# required: a cross run is selected when both of its ends are (PYHOOD_CROSS=0 skips them).
# Exits 0 only if every required run was found, ran and passed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
full=1
for var in PYHOOD_PYTHONS PYHOOD_SID PYHOOD_SID_PYTHONS PYHOOD_CROSS; do
    [ -z "${!var+set}" ] || full=0
done
versions=${PYHOOD_PYTHONS-"3.10 3.11 3.12 3.13 3.11-debian"}
sid_versions=${PYHOOD_SID_PYTHONS-"3.13 3.14 3.15"}
[ "${PYHOOD_SID:-1}" != 0 ] || sid_versions=""
cross=${PYHOOD_CROSS:-1}
valgrind_on=${PYHOOD_VALGRIND_ON-3.12}
unset PYHOOD_VALGRIND # set for the one run that runs memcheck, below
system_python=/usr/bin/python3

# Inside the checkout, so the Debian sid runs (which see it bind-mounted) can write here too.
results=$root/target/ci-results
rm -rf "$results" && mkdir -p "$results"
runs=$results/runs # one line per run that happened: "label passed|failed description"
: >"$runs"
required=()
for m in $versions; do required+=("$m"); done
for m in $sid_versions; do required+=("sid-$m"); done
if [ "$cross" != 0 ]; then
    case " $versions " in *" 3.13 "*) case " $sid_versions " in *" 3.13 "*) required+=(cross-3.13) ;; esac ;; esac
    case " $versions " in *" 3.11 "*) case " $versions " in *" 3.11-debian "*) required+=(cross-3.11-debian) ;; esac ;; esac
fi

version_of() { "$1" -c 'import sys; print(sys.version.split()[0])'; }
minor_of() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])'; }
selected() { case " ${required[*]} " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
record() { echo "$*" >>"$runs"; }

find_python() { # $1 = 3.X → path of an interpreter of that minor version, or nothing
    local m=$1 p
    if command -v pyenv >/dev/null 2>&1; then
        for p in $(pyenv versions --bare 2>/dev/null | grep -E "^${m//./\\.}\.[0-9]+$" | sort -V -r); do
            [ -x "$(pyenv root)/versions/$p/bin/python" ] && { echo "$(pyenv root)/versions/$p/bin/python"; return; }
        done
    fi
    p=$(command -v "python$m" 2>/dev/null) || return 0
    # The system interpreter has a run of its own (3.X-debian), not this one's.
    [ "$(realpath "$p")" = "$(realpath "$system_python" 2>/dev/null)" ] || echo "$p"
}

debian_python() { # $1 = 3.X → Debian's own interpreter if it is 3.X, with headers and venv
    local m=$1 inc
    [ -x "$system_python" ] && [ "$(minor_of "$system_python")" = "$m" ] || return 0
    inc=$("$system_python" -c 'import sysconfig; print(sysconfig.get_path("include"))')
    if [ ! -f "$inc/Python.h" ] || ! "$system_python" -c 'import ensurepip' 2>/dev/null; then
        echo "== installing python3-dev python3-venv for $system_python" >&2
        [ "$(id -u)" = 0 ] || { echo "   (needs root)" >&2; return 0; }
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -qq python3-dev python3-venv >/dev/null ||
            { apt-get update -qq && apt-get install -y -qq python3-dev python3-venv >/dev/null; } ||
            return 0
    fi
    echo "$system_python"
}

need_valgrind() { # valgrind for the memcheck test, installed with apt-get when missing
    command -v valgrind >/dev/null 2>&1 && return 0
    echo "== installing valgrind for the memcheck test" >&2
    [ "$(id -u)" = 0 ] || { echo "   (needs root)" >&2; return 0; }
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq valgrind >/dev/null ||
        { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; } || true
}

need_chromium() { # Debian's chromium for tests/test_render_chromium.py, installed when missing
    command -v chromium >/dev/null 2>&1 && return 0
    echo "== installing chromium for the pictures' browser test" >&2
    [ "$(id -u)" = 0 ] || { echo "   (needs root: tests/test_render_chromium.py will skip)" >&2; return 0; }
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq chromium >/dev/null ||
        { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } || true
}

lint() {
    local py=$1
    echo "== lints"
    # Chained with && because errexit does not apply inside a function called from `||`.
    cargo fmt --check &&
        PYO3_PYTHON=$py CARGO_TARGET_DIR=target/lint cargo clippy --quiet --all-targets -- -D warnings &&
        "$root/.venv/ci-lint/bin/ruff" check . &&
        "$root/.venv/ci-lint/bin/ruff" format --check .
}

venv_for() { # $1 = interpreter, $2 = venv directory, then the packages it needs
    local py=$1 venv=$2
    shift 2
    [ -x "$venv/bin/python" ] || "$py" -m venv "$venv" || return 1
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -U pip "$@"
}

extras() { # $1 = venv: numpy and pandas for the real-heap sweep (tests/test_sweep.py), from
    # wheels only; where pip has none for this interpreter the sweep runs without them (its
    # test says so) and the run goes on.
    local pkg
    for pkg in numpy pandas; do
        "$1/bin/python" -m pip install -q --disable-pip-version-check --only-binary :all: "$pkg" ||
            echo "   (no $pkg wheel for $("$1/bin/python" -V 2>&1): the sweep runs without it)"
    done
}

suite() { # $1 = venv, $2 = JUnit XML name; run from tests/ so `import pyhood` is the wheel
    (cd tests && "$root/$1/bin/python" -m pytest -q -p no:cacheprovider --junitxml="$results/$2.xml" .)
}

host_run() { # $1 = label, $2 = interpreter: venv, release wheel, pytest
    local label=$1 py=$2 venv=.venv/ci-py$1
    venv_for "$py" "$venv" maturin pytest hypothesis ruff mypy || return 1
    if [ ! -x .venv/ci-lint/bin/ruff ]; then
        rm -rf .venv/ci-lint
        cp -a "$venv" .venv/ci-lint 2>/dev/null || "$py" -m venv .venv/ci-lint || return 1
        [ -x .venv/ci-lint/bin/ruff ] || .venv/ci-lint/bin/python -m pip install -q ruff || return 1
    fi
    extras "$venv"
    if [ ! -f "$results/.linted" ]; then
        lint "$root/$venv/bin/python" || { echo "lints failed"; exit 1; }
        touch "$results/.linted"
    fi
    rm -rf "dist/py$label"
    CARGO_TARGET_DIR=target/py$label "$venv/bin/maturin" build --release -q \
        -i "$venv/bin/python" -o "dist/py$label" || return 1
    # The patch release the wheel was built on, for the cross-release runs.
    version_of "$py" >"dist/py$label/built-on"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps \
        "dist/py$label"/*.whl || return 1
    need_chromium
    local memcheck=0
    if [ "$label" = "$valgrind_on" ]; then
        memcheck=1
        need_valgrind
    fi
    PYHOOD_VALGRIND=$memcheck suite "$venv" "py$label"
}

for label in $versions; do
    case $label in
    *-debian) py=$(debian_python "${label%-debian}") where="Debian's own" ;;
    *) py=$(find_python "$label") where="" ;;
    esac
    if [ -z "$py" ]; then
        echo "== CPython $label: not found on this machine"
        continue
    fi
    v=$(version_of "$py")
    echo "== CPython $label: ${where:+$where }$py ($v)"
    if host_run "$label" "$py"; then record "$label" passed "$v"; else record "$label" failed "$v"; fi
done

# The wheel built with pyenv's 3.11 on Debian's 3.11, without rebuilding it.
if selected cross-3.11-debian; then
    py=$(debian_python 3.11)
    wheel=$(ls dist/py3.11/*.whl 2>/dev/null | head -1) || true
    if [ -n "$py" ] && [ -n "$wheel" ]; then
        built=$(cat dist/py3.11/built-on) ran=$(version_of "$py")
        desc="wheel built on $built, running on $ran (Debian)"
        echo "== cross-release run: $desc"
        venv=.venv/ci-cross-3.11-debian
        if venv_for "$py" "$venv" pytest hypothesis mypy && extras "$venv" &&
            "$venv/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall \
                --no-deps "$wheel" &&
            suite "$venv" "cross-$built-on-$ran"; then
            record cross-3.11-debian passed "$desc"
        else
            record cross-3.11-debian failed "$desc"
        fi
    elif [ -z "$py" ]; then
        echo "== cross-release run on Debian's 3.11: Debian's 3.11 not found"
    else
        echo "== cross-release run on Debian's 3.11: no wheel built with pyenv's 3.11"
    fi
fi

# 3.14 and 3.15 (and a second 3.13 patch release) run inside a Debian sid root, and so does
# the 3.13 wheel built above (the project directory is bind-mounted there).
sid_rc=0
if [ -n "$sid_versions" ]; then
    if [ "$(id -u)" = 0 ]; then
        sid_cross=""
        selected cross-3.13 && [ -f dist/py3.13/built-on ] && sid_cross=3.13
        PYHOOD_RESULTS="$results" PYHOOD_RUNS="$runs" PYHOOD_SID_PYTHONS="$sid_versions" \
            PYHOOD_SID_CROSS="$sid_cross" bash ci/debian-sid.sh || sid_rc=$?
    else
        echo "== Debian sid root not run: creating it needs root (PYHOOD_SID=0 skips it)"
    fi
fi

"${PYTHON:-python3}" - "$results" <<'PY'
import sys, glob, xml.etree.ElementTree as ET
p = f = s = 0
for path in sorted(glob.glob(sys.argv[1] + "/*.xml")):
    for suite in ET.parse(path).getroot().iter("testsuite"):
        t, e, fl, sk = (int(suite.get(k, 0)) for k in ("tests", "errors", "failures", "skipped"))
        p += t - e - fl - sk; f += e + fl; s += sk
print(f"total: {p} passed, {f} failed, {s} skipped")
PY

status=0
echo "== runs"
while read -r label result desc; do
    printf '  %-18s %-7s %s\n' "$label" "$result" "$desc"
    [ "$result" = passed ] || status=1
done <"$runs"
missing=()
for label in "${required[@]}"; do
    awk -v l="$label" '$1 == l { found = 1 } END { exit !found }' "$runs" || missing+=("$label")
done
if [ ${#missing[@]} -gt 0 ]; then
    status=1
    if [ $full = 1 ]; then
        echo "NOT RUN (the whole matrix is required): ${missing[*]}"
    else
        echo "NOT RUN (selected): ${missing[*]}"
    fi
fi
[ $sid_rc = 0 ] || { echo "Debian sid script exited with status $sid_rc"; status=1; }
[ ${#required[@]} -gt 0 ] || { echo "nothing was selected"; status=1; }
[ $status = 0 ] && echo "all ${#required[@]} runs passed" || echo "FAILED"
exit $status
