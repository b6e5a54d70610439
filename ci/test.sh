#!/usr/bin/env bash
# Build pyhood and run its whole test suite on every supported CPython this machine has.
#
#   bash ci/test.sh              # every interpreter found (3.10–3.13 from pyenv or PATH),
#                                # then 3.13/3.14/3.15 inside a Debian sid root (as root)
#   PYHOOD_PYTHONS="3.12" PYHOOD_SID=0 bash ci/test.sh   # just one host interpreter
#
# For each interpreter: a venv in .venv/ci-py3.X, a release wheel built by maturin with its
# own cargo target dir, `pip install` of that wheel, then pytest. Lints run once first.
# Exits non-zero if any suite fails, if 3.11 cannot be tested, or if no other version can.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
versions=${PYHOOD_PYTHONS:-"3.10 3.11 3.12 3.13"}

find_python() {  # $1 = 3.X → path of an interpreter of that minor version, or nothing
    local m=$1 p
    if command -v pyenv >/dev/null 2>&1; then
        for p in $(pyenv versions --bare 2>/dev/null | grep -E "^${m//./\\.}\.[0-9]+$" | sort -V -r); do
            [ -x "$(pyenv root)/versions/$p/bin/python" ] && { echo "$(pyenv root)/versions/$p/bin/python"; return; }
        done
    fi
    command -v "python$m" 2>/dev/null || true
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

tested=() failed=() missing=()
# Inside the checkout, so the Debian sid runs (which see it bind-mounted) can write here too.
results=$root/target/ci-results
rm -rf "$results" && mkdir -p "$results"
for m in $versions; do
    py=$(find_python "$m")
    if [ -z "$py" ]; then missing+=("$m"); echo "== CPython $m: not found on this machine"; continue; fi
    echo "== CPython $m: $py ($("$py" -c 'import sys; print(sys.version.split()[0])'))"
    venv=.venv/ci-py$m
    [ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -U pip maturin pytest hypothesis ruff mypy
    if [ ${#tested[@]} -eq 0 ] && [ ${#failed[@]} -eq 0 ]; then
        [ -x .venv/ci-lint/bin/ruff ] || { rm -rf .venv/ci-lint; cp -a "$venv" .venv/ci-lint 2>/dev/null || "$py" -m venv .venv/ci-lint; }
        [ -x .venv/ci-lint/bin/ruff ] || .venv/ci-lint/bin/python -m pip install -q ruff
        lint "$root/$venv/bin/python" || { echo "lints failed"; exit 1; }
    fi
    rm -rf "dist/py$m"
    CARGO_TARGET_DIR=target/py$m "$venv/bin/maturin" build --release -q -i "$venv/bin/python" -o "dist/py$m"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps dist/py$m/*.whl
    # Run from tests/ so `import pyhood` resolves to the installed wheel, not python/.
    if (cd tests && "$root/$venv/bin/python" -m pytest -q -p no:cacheprovider --junitxml="$results/py$m.xml" .); then
        tested+=("$m")
    else
        failed+=("$m")
    fi
done

# 3.14 and 3.15 (and a second 3.13 patch release) run inside a Debian sid root.
sid_status=skipped
if [ "${PYHOOD_SID:-1}" != 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        if PYHOOD_RESULTS="$results" bash ci/debian-sid.sh; then sid_status=passed; else sid_status=failed; fi
    else
        echo "== Debian sid root skipped: creating it needs root (set PYHOOD_SID=0 to silence)"
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
echo "tested: ${tested[*]:-none}; failed: ${failed[*]:-none}; not found: ${missing[*]:-none}; Debian sid: $sid_status"
[ ${#failed[@]} -eq 0 ] || exit 1
[ "$sid_status" != failed ] || exit 1
case " ${tested[*]:-} " in *" 3.11 "*) ;; *) echo "CPython 3.11 was not tested"; exit 1;; esac
[ ${#tested[@]} -ge 2 ] || { echo "no interpreter besides 3.11 was tested"; exit 1; }
