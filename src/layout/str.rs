//! `str` (`PyASCIIObject`, `PyCompactUnicodeObject`, `PyUnicodeObject`): the state
//! bit-fields, the data inline or in its own block, the cached UTF-8 and (3.10/3.11) the
//! legacy `wchar_t` buffer.

use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::cpython::unicodeobject::{self as unicode, PyASCIIObject};
use crate::cpython::unicodeobject::{PyCompactUnicodeObject, PyUnicodeObject};
use crate::cpython::Decode;
use crate::raw::mem::Snapshot;
use crate::raw::object as rawobj;

use super::common::{Body, Extent, Fit};
use super::{read_err, Builder, Decoder, Region, TypeView};

pub struct Str;

impl Decoder for Str {
    fn body(&self, obj: &Bound<'_, PyAny>, _tv: &TypeView<'_>) -> PyResult<Body> {
        let head = rawobj::ascii_header(obj.cast::<PyString>()?);
        let p = Snapshot {
            base: 0,
            bytes: head.to_vec(),
        };
        let state = p.uint(p.base + PyASCIIObject::state.offset, 4).unwrap_or(0) as u32;
        let length = p
            .int(p.base + PyASCIIObject::length.offset, 8)
            .unwrap_or(0)
            .max(0) as usize;
        let k = unicode::kind(state) as usize;
        let end = if !unicode::compact(state) {
            PyUnicodeObject::SIZE
        } else if unicode::ascii(state) {
            PyASCIIObject::SIZE + length + 1
        } else {
            PyCompactUnicodeObject::SIZE + (length + 1) * k.max(1)
        };
        Ok(Body {
            fit: Fit::Realloc, // `resize_compact`
            ..Body::fixed(end as isize, false)
        })
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
        let at = PyASCIIObject::SIZE as isize;
        b.add(
            "data",
            at,
            length + 1,
            "Py_UCS1[]",
            Decode::Bytes,
            Region::Data,
        )
        .note = Some(text_note(&b.snap_bytes(at, length), 1));
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
        let mut blk = b.owned(utf8, 0, end, end).map_err(read_err)?;
        blk.add("utf8", 0, n + 1, "char[]", Decode::Bytes, Region::Data);
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
        let size = (length + 1) * kind.max(1);
        let note = text_note(&b.snap_bytes(at, length * kind.max(1)), kind);
        b.add("data", at, size, ctype, Decode::Bytes, Region::Data)
            .note = Some(note);
    } else {
        b.add_def(&PyUnicodeObject::data, 0, Region::Body);
        let data = b.word(PyUnicodeObject::data.offset as isize);
        if data != 0 && kind > 0 {
            let size = (length + 1) * kind;
            // A legacy str owns its data buffer (point 2 of the rule in `raw`).
            let end = size as isize;
            let mut blk = b.owned(data, 0, end, end).map_err(read_err)?;
            let note = text_note(&blk.snap_bytes(0, length * kind), kind);
            blk.add("data", 0, size, ctype, Decode::Bytes, Region::Data)
                .note = Some(note);
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

/// The text of a str's data, decoded from its bytes (shortened for display).
fn text_note(raw: &[u8], kind: usize) -> String {
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
    let shown: String = chars.iter().take(60).collect();
    if chars.len() > 60 {
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
