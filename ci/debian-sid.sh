#!/usr/bin/env bash
# Build pyhood and run its test suite inside a Debian sid root, for the CPython versions the
# host does not have (3.14, 3.15) and a second 3.13 patch release (3.13.x from sid).
#
#   bash ci/debian-sid.sh                       # 3.13, 3.14, 3.15
#   PYHOOD_SID_PYTHONS="3.14" bash ci/debian-sid.sh
#   PYHOOD_SID_CROSS="3.13" bash ci/debian-sid.sh  # also the host-built dist/py3.13 wheel
#                                               # (ci/test.sh) on sid's own 3.13, unrebuilt
#
# The root lives outside the checkout (PYHOOD_SID_ROOT, default /var/tmp/pyhood-sid) so that
# every clone on the machine reuses it; it is created with debootstrap when missing and
# marked complete only once debootstrap succeeded. The root stays offline: wheels are
# downloaded (numpy and pandas too, where PyPI has them for the version) and crates fetched
# on the host first. Needs root (debootstrap, chroot, mount).
# Writes JUnit XML per run to $PYHOOD_RESULTS (default target/sid-results) and one line per
# run ("label passed|failed description") to $PYHOOD_RUNS (default $PYHOOD_RESULTS/runs).
set -euo pipefail
project=$(cd "$(dirname "$0")/.." && pwd)
ROOT=${PYHOOD_SID_ROOT:-/var/tmp/pyhood-sid}
PYS=${PYHOOD_SID_PYTHONS:-"3.13 3.14 3.15"}
RESULTS=${PYHOOD_RESULTS:-$project/target/sid-results}
RUNS=${PYHOOD_RUNS:-$RESULTS/runs}
CROSS=${PYHOOD_SID_CROSS:-}
CARGO_HOME_DIR=${CARGO_HOME:-$HOME/.cargo}
RUSTUP_HOME_DIR=${RUSTUP_HOME:-$HOME/.rustup}

mounted=()
cleanup() {
    # Unmount deepest first, before anything could delete the root.
    local i
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
        umount -l "${mounted[$i]}" 2>/dev/null || true
    done
}
trap cleanup EXIT INT TERM

# The root always holds every interpreter the matrix may ask for, so any subset reuses it.
packages="gcc,libc6-dev"
for m in 3.13 3.14 3.15; do packages="$packages,python$m,python$m-dev,python$m-venv"; done

if [ ! -f "$ROOT/.pyhood-complete" ] || ! grep -qx "$packages" "$ROOT/.pyhood-complete"; then
    if grep -q " $ROOT/" /proc/mounts; then
        echo "refusing to recreate $ROOT: something is still mounted inside it" >&2
        exit 1
    fi
    command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
    mirror=$(apt-get indextargets --format '$(REPO_URI)' 2>/dev/null | grep -v security | sort -u | head -1)
    mirror=${mirror:-http://deb.debian.org/debian/}
    rm -rf "$ROOT"
    echo "== creating Debian sid root in $ROOT from $mirror"
    debootstrap --variant=minbase --include="$packages" sid "$ROOT" "$mirror" >"$ROOT.log" 2>&1 ||
        { tail -20 "$ROOT.log"; exit 1; }
    echo "$packages" >"$ROOT/.pyhood-complete"
fi

# Wheels for each target version, fetched on the host (the root has no network use).
host_py=$(command -v python3)
for m in $(printf '%s\n' $PYS $CROSS | sort -u); do
    dir="$ROOT/wheels/py$m"
    mkdir -p "$dir"
    "$host_py" -m pip download -q --disable-pip-version-check -d "$dir" \
        --only-binary=:all: --python-version "$m" --implementation cp \
        --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform any \
        maturin pytest hypothesis
    # numpy and pandas for the real-heap sweep (tests/test_sweep.py), where PyPI has wheels
    # for this version (their recent wheels are manylinux_2_28); without them the sweep
    # runs on the stdlib heap and says so.
    for pkg in numpy pandas; do
        "$host_py" -m pip download -q --disable-pip-version-check -d "$dir" \
            --only-binary=:all: --python-version "$m" --implementation cp \
            --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
            --platform manylinux2014_x86_64 --platform any "$pkg" ||
            echo "   (no $pkg wheel for CPython $m: its sweep runs without it)"
    done
done
# Crates, fetched on the host into ~/.cargo, used offline inside.
(cd "$project" && cargo fetch -q)

mount_bind() {  # $1 = host path; same path inside the root
    mkdir -p "$ROOT$1"
    mount --bind "$1" "$ROOT$1"
    mounted+=("$ROOT$1")
}
mount -t proc proc "$ROOT/proc"
mounted+=("$ROOT/proc")
mount_bind "$CARGO_HOME_DIR"
mount_bind "$RUSTUP_HOME_DIR"
mount_bind "$project"

extras() { # $1 = CPython minor version → the lines that install numpy and pandas into the
    # venv \$v inside the root, from the wheels fetched above, when there are some
    local pkg
    for pkg in numpy pandas; do
        echo "\$v/bin/pip install -q --no-index --find-links /wheels/py$1 --only-binary :all: $pkg ||
            echo '   (no $pkg wheel for CPython $1: the sweep runs without it)'"
    done
}

in_root() { # $1 = CPython minor version, $2 = script run by bash -euo pipefail in the root
    chroot "$ROOT" /usr/bin/env -i HOME="$HOME" PATH="$CARGO_HOME_DIR/bin:/usr/bin:/bin" \
        CARGO_HOME="$CARGO_HOME_DIR" RUSTUP_HOME="$RUSTUP_HOME_DIR" CARGO_NET_OFFLINE=true \
        CARGO_TARGET_DIR="$project/target/sid-py$1" LANG=C.UTF-8 bash -euo pipefail -c "$2"
}

mkdir -p "$RESULTS"
touch "$RUNS"
failed=()
for m in $PYS; do
    echo "== CPython $m (Debian sid)"
    v=$(chroot "$ROOT" "python$m" -c 'import sys; print(sys.version.split()[0])') || v=unknown
    if in_root "$m" "
            v=/opt/pyhood-ci/venv-$m
            [ -x \$v/bin/python ] || python$m -m venv \$v
            \$v/bin/pip install -q --no-index --find-links /wheels/py$m maturin pytest hypothesis
            $(extras "$m")
            cd '$project'
            rm -rf target/sid-dist-$m
            \$v/bin/maturin build --release -q -i \$v/bin/python -o target/sid-dist-$m
            \$v/bin/pip install -q --force-reinstall --no-deps target/sid-dist-$m/*.whl
            \$v/bin/python -c 'import sys; print(sys.version)'
            cd tests && \$v/bin/python -m pytest -q -p no:cacheprovider --junitxml='$RESULTS/sid-py$m.xml' .
        "; then
        echo "sid-$m passed $v (Debian sid)" >>"$RUNS"
    else
        echo "sid-$m failed $v (Debian sid)" >>"$RUNS"
        failed+=("$m")
    fi
done

# Cross-release runs: a wheel built on the host (by ci/test.sh, in the bind-mounted project
# directory) installed as it is into a venv of sid's interpreter of the same minor version.
for m in $CROSS; do
    wheel=$(cd "$project" && ls dist/py$m/*.whl 2>/dev/null | head -1) || true
    if [ -z "$wheel" ] || [ ! -f "$project/dist/py$m/built-on" ]; then
        echo "== cross-release run on sid's $m: no host-built wheel in dist/py$m" >&2
        echo "cross-$m failed no host-built wheel in dist/py$m" >>"$RUNS"
        failed+=("cross-$m")
        continue
    fi
    built=$(cat "$project/dist/py$m/built-on")
    v=$(chroot "$ROOT" "python$m" -c 'import sys; print(sys.version.split()[0])') || v=unknown
    desc="wheel built on $built, running on $v (Debian sid)"
    echo "== cross-release run: $desc"
    if in_root "$m" "
            v=/opt/pyhood-ci/venv-$m-cross
            [ -x \$v/bin/python ] || python$m -m venv \$v
            \$v/bin/pip install -q --no-index --find-links /wheels/py$m pytest hypothesis
            $(extras "$m")
            cd '$project'
            \$v/bin/pip install -q --force-reinstall --no-deps '$wheel'
            \$v/bin/python -c 'import sys; print(sys.version)'
            cd tests && \$v/bin/python -m pytest -q -p no:cacheprovider --junitxml='$RESULTS/cross-$built-on-$v.xml' .
        "; then
        echo "cross-$m passed $desc" >>"$RUNS"
    else
        echo "cross-$m failed $desc" >>"$RUNS"
        failed+=("cross-$m")
    fi
done
[ ${#failed[@]} -eq 0 ] || { echo "failed in Debian sid: ${failed[*]}"; exit 1; }
