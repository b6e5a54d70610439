"""Guide §10.4, objects of types pyhood has no decoder for.

For such a type pyhood knows what ``tp_basicsize``, ``tp_itemsize`` and the members the type
declares (``PyMemberDef``: ``__weakref__``, ``__dict__``, ``line_buffering``, …) say. The
bytes between members are the type's private fields: *unnamed*, not padding. Padding is
only where alignment proves it: the fewest bytes that bring the offset to the next field's
alignment — never a whole word, and nothing before a ``char``.

The independent proof uses ``_io.TextIOWrapper``, whose C struct (``struct textio``,
Modules/_io/textio.c v3.10.13–v3.13.0) is private: after ``const char *writenl`` (+80)
come nine chars, ``line_buffering`` (+88) and ``write_through`` (+89) — the two it declares
as members — then ``readuniversal``, ``readtranslate``, ``writetranslate``, ``seekable``,
``has_read1``, ``telling`` (+90 … +95) and ``finalizing`` (+96). What those six bytes hold
follows the wrapper's arguments (``_io_TextIOWrapper___init___impl``), read with ctypes.
"""

from __future__ import annotations

import io

import pyhood
import pytest
from conftest import FREE_THREADED, mem

pytestmark = pytest.mark.skipif(FREE_THREADED, reason="offsets for the default build")


class Unseekable(io.BufferedIOBase):
    """A readable buffer that cannot seek (it has ``read1``, from BufferedIOBase)."""

    def readable(self):
        return True

    def seekable(self):
        return False

    def read1(self, n=-1):
        return b""


def wrappers():
    """Two wrappers whose private chars at +90…+95 differ: (wrapper, expected bytes)."""
    universal = io.TextIOWrapper(io.BytesIO(b"abc"), newline=None)
    # newline=None: readuniversal, readtranslate, writetranslate 1; BytesIO seeks: seekable,
    # telling 1; it has read1: has_read1 1.
    plain = io.TextIOWrapper(Unseekable(), newline="\n")
    # newline="\n": readuniversal 0, readtranslate 0, writetranslate 1; not seekable:
    # seekable 0, telling 0; has_read1 1.
    return [(universal, bytes([1, 1, 1, 1, 1, 1])), (plain, bytes([0, 0, 1, 0, 1, 0]))]


def test_textiowrapper_private_chars_are_fields_not_padding():
    """Bytes 90–95 of a TextIOWrapper are six char fields (ctypes reads follow the
    constructor's arguments), so no padding covers them."""
    for wrapper, expected in wrappers():
        assert mem(id(wrapper) + 90, 6) == expected
        lay = pyhood.layout(wrapper)
        for f in lay.fields:
            if f.bits is None and f.offset < 96 and f.offset + f.size > 90:
                assert f.region != "padding" and f.name != "(padding)", (f.name, f.offset)
        # the member after them is a char: no alignment can put padding before it
        assert lay.field("line_buffering").offset == 88
        assert lay.field("write_through").offset == 89


def padding_faults(lay) -> list[str]:
    """Padding runs that alignment does not prove: each must be the fewest bytes from its
    start to the next field's alignment (a 1/2/4/8-byte scalar: its size; anything else,
    or the end: a word)."""
    faults = []
    fields = sorted((f for f in lay.fields if f.bits is None), key=lambda f: f.offset)
    for i, f in enumerate(fields):
        if f.region != "padding" and f.name != "(padding)":
            continue
        nxt = fields[i + 1] if i + 1 < len(fields) else None
        scalar = nxt is not None and nxt.size in (1, 2, 4, 8) and not nxt.ctype.endswith("]")
        align = nxt.size if scalar else 8
        if f.offset + f.size != -(-f.offset // align) * align:
            faults.append(f"{f.size} bytes at {f.offset} before {nxt.name if nxt else 'the end'}")
    return faults


def _objects():
    text = open("/etc/hostname")
    return text, [
        text,
        text.buffer,
        text.buffer.raw,
        io.BytesIO(b"abc"),
        io.StringIO("abc"),
        *(w for w, _ in wrappers()),
    ]


def test_generic_layouts_name_padding_only_where_alignment_proves_it():
    """io objects (no decoder of their own): no padding run is longer than the alignment of
    the field after it; the rest of the unnamed bytes are unnamed."""
    text, objects = _objects()
    try:
        faults = {
            type(o).__name__: padding_faults(pyhood.layout(o))
            for o in objects
            if padding_faults(pyhood.layout(o))
        }
    finally:
        text.close()
    assert not faults, faults
