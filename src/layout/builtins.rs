//! Field-by-field decoders for the core built-ins of guide §10.4: int, bool, float, str,
//! bytes, list, tuple, set/frozenset, dict (in `dict.rs`), and type objects.

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyFrozenSet, PySet};

use crate::cpython::bytesobject::PyBytesObject;
use crate::cpython::descrobject::PyMemberDef;
use crate::cpython::floatobject::PyFloatObject;
use crate::cpython::genobject::GenKind;
use crate::cpython::listobject::PyListObject;
use crate::cpython::object::PyVarObject;
use crate::cpython::setobject::{setentry, PySetObject, SET_MINSIZE};
use crate::cpython::tupleobject::PyTupleObject;
use crate::cpython::typeobject::{HeapTypeObject, TypeObject};
use crate::cpython::unicodeobject::{self as unicode, PyASCIIObject};
use crate::cpython::unicodeobject::{PyCompactUnicodeObject, PyUnicodeObject};
use crate::cpython::{longintrepr, pycore_long, Decode};

use super::instance::Extent;
use super::{dict, read_err, Builder, Region, TypeView};

/// Which decoder applies, from the type's subclass flags (`Include/object.h`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Int,
    Float,
    Str,
    Bytes,
    List,
    Tuple,
    Set,
    Dict,
    Type,
    /// A generator, coroutine or async generator.
    Gen(GenKind),
    Other,
}

impl Kind {
    pub fn of(obj: &Bound<'_, PyAny>, tv: &TypeView<'_>) -> Kind {
        let f = tv.slots.flags;
        let has = |flag: core::ffi::c_ulong| f & flag != 0;
        if has(ffi::Py_TPFLAGS_LONG_SUBCLASS) {
            Kind::Int
        } else if has(ffi::Py_TPFLAGS_UNICODE_SUBCLASS) {
            Kind::Str
        } else if has(ffi::Py_TPFLAGS_BYTES_SUBCLASS) {
            Kind::Bytes
        } else if has(ffi::Py_TPFLAGS_LIST_SUBCLASS) {
            Kind::List
        } else if has(ffi::Py_TPFLAGS_TUPLE_SUBCLASS) {
            Kind::Tuple
        } else if has(ffi::Py_TPFLAGS_DICT_SUBCLASS) || crate::raw::object::is_frozendict(obj) {
            Kind::Dict
        } else if has(ffi::Py_TPFLAGS_TYPE_SUBCLASS) {
            Kind::Type
        } else if let Some(g) = super::generator::kind_of(tv) {
            Kind::Gen(g)
        } else if obj.is_instance_of::<PyFloat>() {
            Kind::Float
        } else if obj.is_instance_of::<PySet>() || obj.is_instance_of::<PyFrozenSet>() {
            Kind::Set
        } else {
            Kind::Other
        }
    }
}

/// Add the body fields (and owned blocks) of a built-in.
pub fn body(
    obj: &Bound<'_, PyAny>,
    tv: &TypeView<'_>,
    kind: Kind,
    ext: &Extent,
    b: &mut Builder,
) -> PyResult<()> {
    let py = obj.py();
    match kind {
        Kind::Int => int(b),
        Kind::Float => {
            b.add_def(&PyFloatObject::ob_fval, 0, Region::Body);
        }
        Kind::Str => str_body(py, b, ext)?,
        Kind::Bytes => {
            b.add_def(&PyBytesObject::ob_shash, 0, Region::Body);
            let sval = PyBytesObject::ob_sval;
            let at = sval.offset as isize;
            b.add(
                sval.name,
                at,
                ext.items + 1,
                sval.ctype,
                sval.decode,
                Region::Data,
            );
        }
        Kind::List => list(py, b)?,
        Kind::Tuple => {
            b.add_defs(PyTupleObject::FIELDS, 0, Region::Header);
            let item = PyTupleObject::ob_item;
            b.add_array(
                item.name,
                item.offset as isize,
                ext.items,
                item.size,
                item.ctype,
                Decode::Pointer,
                Region::Items,
            );
        }
        Kind::Set => set(py, b)?,
        Kind::Dict => dict::dict_body(obj, b)?,
        Kind::Type => type_object(b, tv, ext),
        Kind::Gen(g) => super::generator::fields(obj, g, b)?,
        Kind::Other => {}
    }
    Ok(())
}

fn int(b: &mut Builder) {
    let tag = longintrepr::SIZE_WORD;
    if longintrepr::HAS_TAG {
        // 3.12+: `lv_tag` and its bit-fields (before, the word is `ob_size` of the header).
        b.add_def(&tag, 0, Region::Header);
        let at = tag.offset as isize;
        b.add_bits(
            tag.name,
            pycore_long::TAG_BITS,
            at,
            tag.size,
            tag.ctype,
            Region::Header,
        );
    }
    let raw = b.uint(tag.offset as isize, tag.size);
    let (_, nd) = pycore_long::sign_and_digits(raw);
    let count = longintrepr::allocated_digits(nd);
    let digits = longintrepr::DIGITS;
    b.add_array(
        digits.name,
        digits.offset as isize,
        count,
        longintrepr::DIGIT_SIZE,
        digits.ctype,
        Decode::Unsigned,
        Region::Items,
    );
}

fn str_body(py: Python<'_>, b: &mut Builder, ext: &Extent) -> PyResult<()> {
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
    wstr_block(py, b, length, ascii && compact)?;
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
        let mut blk = Builder::new(utf8, 0, n as isize + 1, b.max_items).map_err(read_err)?;
        blk.add("utf8", 0, n + 1, "char[]", Decode::Bytes, Region::Data);
        b.blocks
            .push(blk.finish(py, Some("utf8".into()), "char[]".into(), 0, 1)?);
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
            let mut blk = Builder::new(data, 0, size as isize, b.max_items).map_err(read_err)?;
            let note = text_note(&blk.snap_bytes(0, length * kind), kind);
            blk.add("data", 0, size, ctype, Decode::Bytes, Region::Data)
                .note = Some(note);
            b.blocks
                .push(blk.finish(py, Some("data".into()), ctype.into(), 0, kind as isize)?);
        }
    }
    Ok(())
}

/// 3.10/3.11: the legacy `wchar_t` buffer, once something asked for it
/// (`PyUnicode_AsUnicode`); it is shared with the data when `wchar_t` has the data's width.
fn wstr_block(py: Python<'_>, b: &mut Builder, length: usize, ascii_compact: bool) -> PyResult<()> {
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
        .push(blk.finish(py, Some("wstr".into()), "wchar_t[]".into(), 0, 4)?);
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

fn list(py: Python<'_>, b: &mut Builder) -> PyResult<()> {
    let item_off = PyListObject::ob_item.offset as isize;
    let alloc_off = PyListObject::allocated.offset as isize;
    b.add_defs(PyListObject::FIELDS, 0, Region::Body);
    let items = b.word(item_off);
    let allocated = b.int(alloc_off, 8);
    if items != 0 && allocated > 0 {
        let n = allocated as usize;
        let mut blk = Builder::new(items, 0, (n * 8) as isize, b.max_items).map_err(read_err)?;
        blk.add_array(
            "ob_item",
            0,
            n,
            8,
            "PyObject *",
            Decode::Pointer,
            Region::Items,
        );
        let size = b.int(PyVarObject::ob_size.offset as isize, 8).max(0) as usize;
        for f in blk.fields.iter_mut().skip(size) {
            f.note = Some("spare (allocated, not in use)".into());
        }
        b.blocks
            .push(blk.finish(py, Some("ob_item".into()), "PyObject *[]".into(), 0, 8)?);
    }
    Ok(())
}

fn set(py: Python<'_>, b: &mut Builder) -> PyResult<()> {
    type S = PySetObject;
    for d in [S::fill, S::used, S::mask, S::table, S::hash, S::finger] {
        b.add_def(&d, 0, Region::Body);
    }
    let small = S::smalltable.offset as isize;
    add_set_entries(b, S::smalltable.name, small, SET_MINSIZE, Region::Items);
    b.add_def(&S::weakreflist, 0, Region::Body);
    let table = b.word(S::table.offset as isize);
    let mask = b.int(S::mask.offset as isize, 8);
    if table != 0 && table != b.base.wrapping_add_signed(small) && mask > 0 {
        let n = (mask + 1) as usize;
        let mut blk =
            Builder::new(table, 0, (n * setentry::SIZE) as isize, b.max_items).map_err(read_err)?;
        add_set_entries(&mut blk, "table", 0, n, Region::Items);
        let entry = setentry::SIZE as isize;
        b.blocks
            .push(blk.finish(py, Some("table".into()), "setentry[]".into(), 0, entry)?);
    }
    Ok(())
}

fn add_set_entries(b: &mut Builder, name: &str, at: isize, count: usize, region: Region) {
    let entry = setentry::SIZE;
    let shown = count.min(b.max_items);
    for i in 0..shown {
        let e = at + (i * entry) as isize;
        for d in setentry::FIELDS {
            let key = format!("{name}[{i}].{}", d.name);
            b.add(
                key,
                e + d.offset as isize,
                d.size,
                d.ctype,
                d.decode,
                region,
            );
        }
    }
    if shown < count {
        b.add(
            format!("{name}[{shown}..{count}]"),
            at + (shown * entry) as isize,
            (count - shown) * entry,
            "setentry[]",
            Decode::Bytes,
            region,
        );
    }
}

/// `PyTypeObject` slots by name (pyo3-ffi's struct, proven by the offsets probe), then the
/// `PyHeapTypeObject` tail and the heap type's own `PyMemberDef` array.
fn type_object(b: &mut Builder, tv: &TypeView<'_>, ext: &Extent) {
    b.add_defs(TypeObject::FIELDS, 0, Region::Body);
    if ext.end as usize > TypeObject::SIZE {
        b.add_defs(HeapTypeObject::FIELDS, 0, Region::Body);
        // The heap type's own PyMemberDef array (`PyHeapType_GET_MEMBERS`).
        let meta_basicsize = tv.slots.basicsize;
        let n = ext.items;
        b.add_array(
            "members",
            meta_basicsize,
            n,
            PyMemberDef::SIZE,
            "PyMemberDef",
            Decode::Bytes,
            Region::Items,
        );
    }
}
