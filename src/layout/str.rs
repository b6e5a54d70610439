//! `str` (`PyASCIIObject`, `PyCompactUnicodeObject`, `PyUnicodeObject`): the state
//! bit-fields, the data inline or in its own block, the cached UTF-8 and (3.10/3.11) the
//! legacy `wchar_t` buffer.

use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::cpython::unicodeobject::{self as unicode, PyASCIIObject};
use crate::cpython::unicodeobject::{PyCompactUnicodeObject, PyUnicodeObject};
use crate::cpython::Decode;
use crate::raw::object as rawobj;

use super::common::{Body, Extent, Fit, TypeStart};
use super::{read_err, Builder, Decoder, Region, TypeView};

pub struct Str;

/// A str's `state` and `length`, from its `PyASCIIObject` header.
fn state_and_length(obj: &Bound<'_, PyAny>) -> PyResult<(u32, usize)> {
    let head = rawobj::ascii_header(obj.cast::<PyString>()?);
    let at = |off: usize, n: usize| -> u64 {
        let mut b = [0u8; 8];
        if let Some(src) = head.get(off..off + n) {
            b[..n].copy_from_slice(src);
        }
        u64::from_le_bytes(b)
    };
    let state = at(PyASCIIObject::state.offset, 4) as u32;
    let length = (at(PyASCIIObject::length.offset, 8) as i64).max(0) as usize;
    Ok((state, length))
}

/// Where a compact str's characters start, and their width; `None` for a legacy str.
fn inline_data(state: u32) -> Option<(usize, usize)> {
    if !unicode::compact(state) {
        None
    } else if unicode::ascii(state) {
        Some((PyASCIIObject::SIZE, 1))
    } else {
        Some((
            PyCompactUnicodeObject::SIZE,
            (unicode::kind(state) as usize).max(1),
        ))
    }
}

/// `resize_compact` reallocates a compact str in place.
const FIT: Fit = Fit::Realloc;

/// Where a str's own struct ends: past its characters and their NUL when they are inline.
fn struct_end(state: u32, length: usize) -> isize {
    let end = match inline_data(state) {
        None => PyUnicodeObject::SIZE,
        Some((at, kind)) => at + (length + 1) * kind,
    };
    end as isize
}

/// What a compact str of this `state` owns, as `Decoder::owned` says it, when it owns no
/// 3.10/3.11 `wstr` buffer: nothing when ASCII (its UTF-8 is its data), else its cached
/// UTF-8 copy if it has one (`str_body`'s `utf8` block). Only `fields` tells for a legacy
/// str or one with a `wstr` buffer.
fn owned_of(obj: &Bound<'_, PyAny>, state: u32) -> super::Owned {
    use super::Owned;
    let Ok(s) = obj.cast::<PyString>() else {
        return Owned::Unknown;
    };
    if !unicode::compact(state) {
        return Owned::Unknown;
    }
    let word = |head: &[u8], offset: usize| -> Option<u64> {
        let w = head.get(offset..offset + 8)?;
        Some(u64::from_le_bytes(w.try_into().ok()?))
    };
    if unicode::ascii(state) {
        let wstr = unicode::wstr_field().map(|w| word(&rawobj::ascii_header(s), w.offset));
        return match wstr {
            None | Some(Some(0)) => Owned::Nothing,
            Some(_) => Owned::Unknown,
        };
    }
    let head = rawobj::compact_header(s);
    if let Some(w) = unicode::wstr_field() {
        if word(&head, w.offset) != Some(0) {
            return Owned::Unknown;
        }
    }
    let utf8 = word(&head, PyCompactUnicodeObject::utf8.offset);
    let length = word(&head, PyCompactUnicodeObject::utf8_length.offset);
    match (utf8, length) {
        (Some(0), _) => Owned::Nothing,
        (Some(address), Some(n)) if (n as i64) >= 0 => Owned::One {
            address: address as usize,
            len: n as usize + 1,
            fit: Fit::Exact,
        },
        _ => Owned::Unknown,
    }
}

impl Decoder for Str {
    /// A compact str keeps its characters inline; it owns its cached UTF-8 copy, if it is not
    /// ASCII and has one ([`owned_of`]).
    fn owned(&self, obj: &Bound<'_, PyAny>) -> super::Owned {
        match state_and_length(obj) {
            Ok((state, _)) => owned_of(obj, state),
            Err(_) => super::Owned::Unknown,
        }
    }

    fn quick(
        &self,
        obj: &Bound<'_, PyAny>,
        _tv: &TypeView<'_>,
        start: &TypeStart,
    ) -> Option<super::Quick> {
        let (state, length) = state_and_length(obj).ok()?;
        match owned_of(obj, state) {
            super::Owned::Unknown => None,
            owned => Some(start.quick(struct_end(state, length), FIT, owned)),
        }
    }

    fn body(&self, obj: &Bound<'_, PyAny>, _tv: &TypeView<'_>) -> PyResult<Body> {
        let (state, length) = state_and_length(obj)?;
        Ok(Body {
            fit: FIT,
            ..Body::fixed(struct_end(state, length), false)
        })
    }

    fn hole(
        &self,
        obj: &Bound<'_, PyAny>,
        _ext: &Extent,
        max_items: usize,
    ) -> Option<(isize, isize)> {
        let (state, length) = state_and_length(obj).ok()?;
        let (at, kind) = inline_data(state)?;
        super::common::items_hole(at, length + 1, kind, max_items)
    }

    fn fields(
        &self,
        _obj: &Bound<'_, PyAny>,
        _tv: &TypeView<'_>,
        ext: &Extent,
        b: &mut Builder,
    ) -> PyResult<()> {
        str_body(b, ext)
    }
}

fn str_body(b: &mut Builder, ext: &Extent) -> PyResult<()> {
    let _ = ext;
    b.add_defs(PyASCIIObject::FIELDS, 0, Region::Body);
    let st = PyASCIIObject::state;
    let state_off = st.offset as isize;
    b.add_bits(
        st.name,
        unicode::STATE_BITS,
        state_off,
        st.size,
        st.ctype,
        Region::Body,
    );
    let state = b.uint(state_off, st.size) as u32;
    let length = b.int(PyASCIIObject::length.offset as isize, 8).max(0) as usize;
    let kind = unicode::kind(state) as usize;
    let compact = unicode::compact(state);
    let ascii = unicode::ascii(state);
    wstr_block(b, length, ascii && compact)?;
    if compact && ascii {
        add_chars(
            b,
            "data",
            PyASCIIObject::SIZE as isize,
            length,
            1,
            "Py_UCS1[]",
        );
        return Ok(());
    }
    b.add_defs(PyCompactUnicodeObject::FIELDS, 0, Region::Body);
    let utf8 = b.word(PyCompactUnicodeObject::utf8.offset as isize);
    if utf8 != 0 {
        let n = b
            .int(PyCompactUnicodeObject::utf8_length.offset as isize, 8)
            .max(0) as usize;
        // The str owns its UTF-8 copy (point 2 of the rule in `raw`).
        let end = n as isize + 1;
        let shown = b.shown_end(0, n + 1, 1);
        let mut blk = b.owned(utf8, 0, end, shown).map_err(read_err)?;
        add_bytes(&mut blk, "utf8", n + 1, "char[]");
        b.blocks
            .push(blk.finish(Some("utf8".into()), "char[]".into(), 0, 1));
    }
    let ctype = match kind {
        1 => "Py_UCS1[]",
        2 => "Py_UCS2[]",
        _ => "Py_UCS4[]",
    };
    if compact {
        let at = PyCompactUnicodeObject::SIZE as isize;
        add_chars(b, "data", at, length, kind.max(1), ctype);
    } else {
        b.add_def(&PyUnicodeObject::data, 0, Region::Body);
        let data = b.word(PyUnicodeObject::data.offset as isize);
        if data != 0 && kind > 0 {
            let size = (length + 1) * kind;
            // A legacy str owns its data buffer (point 2 of the rule in `raw`).
            let end = size as isize;
            let shown = b.shown_end(0, length + 1, kind);
            let mut blk = b.owned(data, 0, end, shown).map_err(read_err)?;
            add_chars(&mut blk, "data", 0, length, kind, ctype);
            b.blocks
                .push(blk.finish(Some("data".into()), ctype.into(), 0, kind as isize));
        }
    }
    Ok(())
}

/// 3.10/3.11: the legacy `wchar_t` buffer, once something asked for it
/// (`PyUnicode_AsUnicode`); it is shared with the data when `wchar_t` has the data's width.
fn wstr_block(b: &mut Builder, length: usize, ascii_compact: bool) -> PyResult<()> {
    let Some(wstr_field) = unicode::wstr_field() else {
        return Ok(());
    };
    let wstr = b.word(wstr_field.offset as isize);
    if wstr == 0 || (wstr >= b.base && wstr < b.base.wrapping_add_signed(b.end)) {
        return Ok(());
    }
    let chars = if ascii_compact {
        length
    } else {
        let wl = unicode::wstr_length_field().map(|d| d.offset);
        wl.map_or(length, |off| b.int(off as isize, 8).max(0) as usize)
    };
    let size = (chars + 1) * 4; // wchar_t is 4 bytes on Linux
    let mut blk = Builder::new(wstr, 0, size as isize, b.max_items).map_err(read_err)?;
    blk.add("wstr", 0, size, "wchar_t[]", Decode::Bytes, Region::Data);
    b.blocks
        .push(blk.finish(Some("wstr".into()), "wchar_t[]".into(), 0, 4));
    Ok(())
}

/// A str's characters and NUL at `at` (`length + 1` units of `kind` bytes) as the field
/// `name` up to `max_items` units, with the text as its note, and the rest as one summary
/// field.
fn add_chars(
    b: &mut Builder,
    name: &'static str,
    at: isize,
    length: usize,
    kind: usize,
    ctype: &'static str,
) {
    let (all, shown) = (length + 1, (length + 1).min(b.max_items));
    if shown > 0 {
        let chars = shown.min(length).min(NOTE_CHARS + 1);
        let note = text_note(&b.snap_bytes(at, chars * kind), kind, length);
        b.add(name, at, shown * kind, ctype, Decode::Bytes, Region::Data)
            .note = Some(note);
    }
    if shown < all && b.record {
        b.add_rest(
            format!("{name}[{shown}..{all}]"),
            at + (shown * kind) as isize,
            (all - shown) * kind,
            ctype,
            Region::Data,
        );
    }
}

/// A buffer of `all` bytes at 0 of a block, as the field `name` up to `max_items` bytes and
/// one summary field for the rest.
fn add_bytes(b: &mut Builder, name: &'static str, all: usize, ctype: &'static str) {
    let shown = all.min(b.max_items);
    if shown > 0 {
        b.add(name, 0, shown, ctype, Decode::Bytes, Region::Data);
    }
    if shown < all && b.record {
        b.add_rest(
            format!("{name}[{shown}..{all}]"),
            shown as isize,
            all - shown,
            ctype,
            Region::Data,
        );
    }
}

/// Characters a note shows before it ends in "…".
const NOTE_CHARS: usize = 60;

/// The text of a str's data, decoded from the bytes of its first characters (shortened
/// for display: "…" when `length` is more than the note shows).
fn text_note(raw: &[u8], kind: usize, length: usize) -> String {
    let chars: Vec<char> = match kind {
        1 => raw.iter().map(|&c| c as char).collect(),
        2 => raw
            .chunks_exact(2)
            .map(|c| char::from_u32(u16::from_le_bytes([c[0], c[1]]) as u32).unwrap_or('\u{fffd}'))
            .collect(),
        _ => raw
            .chunks_exact(4)
            .map(|c| {
                char::from_u32(u32::from_le_bytes([c[0], c[1], c[2], c[3]])).unwrap_or('\u{fffd}')
            })
            .collect(),
    };
    let shown: String = chars.iter().take(NOTE_CHARS).collect();
    if length > shown.chars().count() {
        format!("{shown:?}…")
    } else {
        format!("{shown:?}")
    }
}
impl Builder {
    /// Copy of the snapshot bytes at `[offset, offset + len)` (empty if not covered).
    pub fn snap_bytes(&self, offset: isize, len: usize) -> Vec<u8> {
        self.snap
            .slice(self.base.wrapping_add_signed(offset), len)
            .map(<[u8]>::to_vec)
            .unwrap_or_default()
    }
}
