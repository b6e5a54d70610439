"""Every offset, size, bit-field and flag value pyhood relies on, proven against the C headers.

``pyhood._pyhood._offsets()`` exports the table the Rust raw-read layer is built from
(``src/raw/offsets.rs``): ``(key, offset, size, header)`` tuples. This module writes a C
program that asks the running interpreter's own installed headers the same questions
(``offsetof``, ``sizeof``, bit-field masks, macro values), compiles it with one ``gcc``
call, runs it, and compares the answers entry by entry: the approach of PyO3's
``pyo3-ffi-check``. The C program only uses ``offsetof``/``sizeof`` and libc, so it links
against nothing from libpython.

Key forms (the C side of each comparison):

* ``"Struct.field"`` (field may be a dotted path such as ``long_value.lv_tag``):
  ``offsetof(Struct, field)`` and ``sizeof(((Struct *)0)->field)``; a size of ``-1`` marks a
  flexible array member, whose offset alone is compared.
* ``"sizeof(Struct)"``: ``sizeof(Struct)``, with offset 0.
* ``"bits:Struct.path.NAME"``: the bit-field ``NAME`` as (shift, width); C sets the member to
  all ones in a zeroed struct and reads the 32-bit word at ``path`` back as a mask.
* ``"const:NAME"``: the value of the C macro ``NAME`` (offset column; size column 0).
* ``"enum:NAME"``: the value of the C enum constant ``NAME`` (same columns).

``header`` is ``""`` for declarations reached through ``Python.h``, else a header relative to
the include directory, included after ``#define Py_BUILD_CORE 1``. A ``"!"`` prefix marks a
header CPython does not install (3.10 keeps its dict keys in ``Objects/dict-common.h``):
those entries cannot be probed and are reported by a skipped test, never silently passed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pyhood._pyhood as _pyhood
import pytest

ENTRIES: list[tuple[str, int, int, str]] = _pyhood._offsets()
INSTALLED = [e for e in ENTRIES if not e[3].startswith("!")]
NOT_INSTALLED = [e for e in ENTRIES if e[3].startswith("!")]

INCLUDE = Path(sysconfig.get_paths()["include"])
#: Public headers every probe includes after Python.h. Before 3.12, ``PyMemberDef`` is
#: declared in ``structmember.h``, which Python.h does not include (3.12 moved it into
#: ``descrobject.h``; ``structmember.h`` is still installed there, as a compatibility shim).
PUBLIC_EXTRA_HEADERS = ["structmember.h"]

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_PATH = rf"{_IDENT}(?:\.{_IDENT})*"
SIZEOF_KEY = re.compile(rf"sizeof\(({_IDENT})\)")
FIELD_KEY = re.compile(rf"({_IDENT})\.({_PATH})")
BITS_KEY = re.compile(rf"bits:({_IDENT})\.((?:{_IDENT}\.)+)({_IDENT})")
CONST_KEY = re.compile(rf"const:({_IDENT})")
ENUM_KEY = re.compile(rf"enum:({_IDENT})")


def _c_line(key: str, size: int) -> str:
    """The C statement that prints ``key`` followed by the header's answer(s)."""
    if m := SIZEOF_KEY.fullmatch(key):
        return f'P("{key}", 0, sizeof({m[1]}));'
    if m := BITS_KEY.fullmatch(key):
        struct, container, name = m[1], m[2].rstrip("."), m[3]
        # `-= 1` on a zeroed unsigned member wraps it to all ones whatever its width or type.
        return (
            f"{{ {struct} o; uint32_t w; memset(&o, 0, sizeof o);"
            f" o.{container}.{name} -= 1; memcpy(&w, &o.{container}, sizeof w);"
            f' printf("%s %lu\\n", "{key}", (unsigned long)w); }}'
        )
    if m := CONST_KEY.fullmatch(key):
        name = m[1]
        return (
            f"#ifdef {name}\n"
            f'P("{key}", (long long)({name}), 0);\n'
            f"#else\n"
            f'printf("%s undefined\\n", "{key}");\n'
            f"#endif"
        )
    if m := ENUM_KEY.fullmatch(key):  # an enum constant: no #ifdef can see it
        return f'P("{key}", (long long)({m[1]}), 0);'
    if m := FIELD_KEY.fullmatch(key):
        struct, path = m[1], m[2]
        if size == -1:  # flexible array member: sizeof is not defined
            return f'P("{key}", offsetof({struct}, {path}), -1);'
        return f'P("{key}", offsetof({struct}, {path}), sizeof((({struct} *)0)->{path}));'
    raise AssertionError(f"unrecognised key form in pyhood._pyhood._offsets(): {key!r}")


def _c_source(entries: list[tuple[str, int, int, str]]) -> str:
    """A C program printing one ``key value [value]`` line per entry."""
    headers = list(dict.fromkeys(h for _, _, _, h in entries if h))
    lines = [
        "#define Py_BUILD_CORE 1",
        "#include <Python.h>",
        *(f"#include <{h}>" for h in PUBLIC_EXTRA_HEADERS),
        *(f'#include "{h}"' for h in headers),
        "#include <stddef.h>",
        "#include <stdint.h>",
        "#include <stdio.h>",
        "#include <string.h>",
        "static void P(const char *k, long long a, long long b) {",
        '    printf("%s %lld %lld\\n", k, a, b);',
        "}",
        "int main(void) {",
        *(_c_line(key, size) for key, _, size, _ in entries),
        "    return 0;",
        "}",
        "",
    ]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def c_answers(tmp_path_factory) -> dict[str, list[int] | None]:
    """Compile and run the probe once; ``{key: [numbers...]}`` (``None`` = macro undefined)."""
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc not found: cannot compile the C header probe")
    missing = sorted({h for _, _, _, h in INSTALLED if h and not (INCLUDE / h).is_file()})
    assert not missing, f"headers named by pyhood are not installed in {INCLUDE}: {missing}"
    tmp = tmp_path_factory.mktemp("offsets_probe")
    src, exe = tmp / "probe.c", tmp / "probe"
    src.write_text(_c_source(INSTALLED))
    # The probe reads deprecated fields (ob_shash, ma_version_tag) on purpose.
    flags = ["-Wno-deprecated-declarations"]
    cmd = [gcc, *flags, f"-I{INCLUDE}", f"-I{INCLUDE / 'internal'}", str(src), "-o", str(exe)]
    built = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert built.returncode == 0, f"{' '.join(cmd)} failed:\n{built.stderr}"
    ran = subprocess.run([str(exe)], capture_output=True, text=True, check=True)
    answers: dict[str, list[int] | None] = {}
    for line in ran.stdout.splitlines():
        key, *values = line.split()
        answers[key] = None if values == ["undefined"] else [int(v) for v in values]
    return answers


def test_every_offset_size_and_bit_field_matches_the_c_headers(c_answers):
    """Each offset, size, bit-field and flag pyhood reads equals what this interpreter's headers
    say: offsetof/sizeof of every field, sizeof of every struct, the mask of every
    PyASCIIObject.state bit-field, and the value of every Py_TPFLAGS_* macro pyhood tests.
    Entries from headers CPython does not install ("!") are the only ones not compared."""
    keys = [e[0] for e in ENTRIES]
    assert len(keys) == len(set(keys)), "duplicate keys in pyhood._pyhood._offsets()"
    # Every entry is either answered by the C probe or declared in an uninstalled header.
    unprobed = {e[0] for e in ENTRIES} - c_answers.keys()
    assert unprobed == {e[0] for e in NOT_INSTALLED}, f"entries not probed: {sorted(unprobed)}"

    mismatches = []
    for key, offset, size, _header in INSTALLED:
        c = c_answers[key]
        if key.startswith("bits:"):
            expected = ((1 << size) - 1) << offset
            if c is None or c[0] != expected:
                mask = c[0] if c else 0
                low = (mask & -mask).bit_length() - 1 if mask else -1
                mismatches.append(
                    f"{key}: rust shift={offset} width={size} (mask {expected:#x}); "
                    f"C mask {mask:#x} (shift={low} width={mask.bit_count()})"
                )
        elif key.startswith(("const:", "enum:")):
            if c is None:
                mismatches.append(f"{key}: rust value={offset:#x}; C macro undefined")
            elif c[0] != offset:
                mismatches.append(f"{key}: rust value={offset:#x}; C value={c[0]:#x}")
        elif size == -1:
            if c[0] != offset:
                mismatches.append(f"{key}: rust offset={offset}; C offset={c[0]} (flexible)")
        elif (c[0], c[1]) != (offset, size):
            mismatches.append(
                f"{key}: rust offset={offset} size={size}; C offset={c[0]} size={c[1]}"
            )
    header = f"{len(mismatches)} of {len(INSTALLED)} entries differ from {INCLUDE}:\n"
    assert not mismatches, header + "\n".join(mismatches)


def test_entries_from_uninstalled_headers_are_reported_not_passed():
    """Entries whose declaring header CPython does not install (header "!...") cannot be
    checked against C; this test skips with their count and keys so they show in the report."""
    if not NOT_INSTALLED:
        return
    by_header: dict[str, list[str]] = {}
    for key, _, _, header in NOT_INSTALLED:
        by_header.setdefault(header[1:], []).append(key)
    detail = "; ".join(f"{h}: {', '.join(keys)}" for h, keys in by_header.items())
    pytest.skip(
        f"{len(NOT_INSTALLED)} of {len(ENTRIES)} entries not checked against C "
        f"(headers not installed with CPython {sys.version_info.major}."
        f"{sys.version_info.minor}): {detail}"
    )


def test_built_for_names_the_running_interpreter():
    """BUILT_FOR is the running interpreter's "major.minor" and FREE_THREADED its
    Py_GIL_DISABLED: the offsets table above was compiled for exactly this interpreter."""
    assert _pyhood.BUILT_FOR == f"{sys.version_info.major}.{sys.version_info.minor}"
    assert _pyhood.FREE_THREADED == bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
