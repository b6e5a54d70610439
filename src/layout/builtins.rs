//! Field-by-field decoders for the core built-ins of guide §10.4: int, bool, float, str,
//! bytes, list, tuple, set/frozenset, dict (in `dict.rs`), and type objects.

use core::mem::{offset_of, size_of};

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyFrozenSet, PySet};

use crate::raw::compat::{self, Decode};
use crate::raw::mem;
use crate::raw::structs::{
    self, PyBytesObject, PyFloatObject, PyListObject, PySetObject, PyTupleObject,
};

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
            b.add(
                "ob_fval",
                offset_of!(PyFloatObject, ob_fval) as isize,
                8,
                "double",
                Decode::Double,
                Region::Body,
            );
        }
        Kind::Str => str_body(py, b, ext)?,
        Kind::Bytes => {
            b.add(
                "ob_shash",
                offset_of!(PyBytesObject, ob_shash) as isize,
                8,
                "Py_hash_t",
                Decode::Signed,
                Region::Body,
            );
            b.add(
                "ob_sval",
                offset_of!(PyBytesObject, ob_sval) as isize,
                ext.items + 1,
                "char[]",
                Decode::Bytes,
                Region::Data,
            );
        }
        Kind::List => list(py, b)?,
        Kind::Tuple => {
            b.add_defs(compat::TUPLE_FIELDS, 0, Region::Header);
            let at = offset_of!(PyTupleObject, ob_item) as isize;
            b.add_array(
                "ob_item",
                at,
                ext.items,
                8,
                "PyObject *",
                Decode::Pointer,
                Region::Items,
            );
        }
        Kind::Set => set(py, b)?,
        Kind::Dict => dict::dict_body(obj, b)?,
        Kind::Type => type_object(b, tv, ext),
        Kind::Other => {}
    }
    Ok(())
}

fn int(b: &mut Builder) {
    let tag = compat::LONG_TAG;
    if cfg!(Py_3_12) {
        b.add_def(&tag, 0, Region::Header);
        b.add_bits(
            tag.name,
            compat::LONG_TAG_BITS,
            tag.offset as isize,
            8,
            "uintptr_t",
            Region::Header,
        );
    }
    let raw = b.uint(tag.offset as isize, 8);
    let (_, nd) = compat::long_sign_and_digits(raw);
    let count = compat::long_allocated_digits(nd);
    b.add_array(
        compat::LONG_DIGITS_NAME,
        compat::LONG_DIGITS_OFFSET as isize,
        count,
        4,
        "digit",
        Decode::Unsigned,
        Region::Items,
    );
}

fn str_body(py: Python<'_>, b: &mut Builder, ext: &Extent) -> PyResult<()> {
    let _ = ext;
    b.add_defs(compat::ASCII_FIELDS, 0, Region::Body);
    let state_off = compat::ASCII_FIELDS[2].offset as isize;
    b.add_bits(
        "state",
        compat::STATE_BITS,
        state_off,
        4,
        "unsigned int",
        Region::Body,
    );
    let state = b.uint(state_off, 4) as u32;
    let length = b.int(compat::ASCII_FIELDS[0].offset as isize, 8).max(0) as usize;
    let kind = compat::state_bit(state, "kind") as usize;
    let compact = compat::state_bit(state, "compact") == 1;
    let ascii = compat::state_bit(state, "ascii") == 1;
    wstr_block(py, b, length, ascii && compact)?;
    if compact && ascii {
        let at = size_of::<structs::PyASCIIObject>() as isize;
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
    b.add_defs(compat::COMPACT_FIELDS, 0, Region::Body);
    let utf8 = b.word(compat::COMPACT_FIELDS[1].offset as isize);
    if utf8 != 0 {
        let n = b.int(compat::COMPACT_FIELDS[0].offset as isize, 8).max(0) as usize;
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
        let at = size_of::<structs::PyCompactUnicodeObject>() as isize;
        let size = (length + 1) * kind.max(1);
        let note = text_note(&b.snap_bytes(at, length * kind.max(1)), kind);
        b.add("data", at, size, ctype, Decode::Bytes, Region::Data)
            .note = Some(note);
    } else {
        b.add_def(&compat::UNICODE_DATA, 0, Region::Body);
        let data = b.word(compat::UNICODE_DATA.offset as isize);
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
    let Some(wstr_field) = compat::ASCII_FIELDS.iter().find(|d| d.name == "wstr") else {
        return Ok(());
    };
    let wstr = b.word(wstr_field.offset as isize);
    if wstr == 0 || (wstr >= b.base && wstr < b.base.wrapping_add_signed(b.end)) {
        return Ok(());
    }
    let chars = if ascii_compact {
        length
    } else {
        let wl = compat::COMPACT_FIELDS
            .iter()
            .find(|d| d.name == "wstr_length")
            .map(|d| d.offset);
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
    let item_off = offset_of!(PyListObject, ob_item) as isize;
    let alloc_off = offset_of!(PyListObject, allocated) as isize;
    b.add(
        "ob_item",
        item_off,
        8,
        "PyObject **",
        Decode::Pointer,
        Region::Body,
    );
    b.add(
        "allocated",
        alloc_off,
        8,
        "Py_ssize_t",
        Decode::Signed,
        Region::Body,
    );
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
        let size = b
            .int(offset_of!(structs::PyVarObject, ob_size) as isize, 8)
            .max(0) as usize;
        for f in blk.fields.iter_mut().skip(size) {
            f.note = Some("spare (allocated, not in use)".into());
        }
        b.blocks
            .push(blk.finish(py, Some("ob_item".into()), "PyObject *[]".into(), 0, 8)?);
    }
    Ok(())
}

fn set(py: Python<'_>, b: &mut Builder) -> PyResult<()> {
    let f = |name, off| (name, off as isize);
    for (name, off) in [
        f("fill", offset_of!(PySetObject, fill)),
        f("used", offset_of!(PySetObject, used)),
        f("mask", offset_of!(PySetObject, mask)),
    ] {
        b.add(name, off, 8, "Py_ssize_t", Decode::Signed, Region::Body);
    }
    let table_off = offset_of!(PySetObject, table) as isize;
    b.add(
        "table",
        table_off,
        8,
        "setentry *",
        Decode::Pointer,
        Region::Body,
    );
    b.add(
        "hash",
        offset_of!(PySetObject, hash) as isize,
        8,
        "Py_hash_t",
        Decode::Signed,
        Region::Body,
    );
    b.add(
        "finger",
        offset_of!(PySetObject, finger) as isize,
        8,
        "Py_ssize_t",
        Decode::Signed,
        Region::Body,
    );
    let small = offset_of!(PySetObject, smalltable) as isize;
    add_set_entries(b, "smalltable", small, 8, Region::Items);
    b.add(
        "weakreflist",
        offset_of!(PySetObject, weakreflist) as isize,
        8,
        "PyObject *",
        Decode::Pointer,
        Region::Body,
    );
    let table = b.word(table_off);
    let mask = b.int(offset_of!(PySetObject, mask) as isize, 8);
    if table != 0 && table != b.base.wrapping_add_signed(small) && mask > 0 {
        let n = (mask + 1) as usize;
        let mut blk = Builder::new(
            table,
            0,
            (n * size_of::<structs::setentry>()) as isize,
            b.max_items,
        )
        .map_err(read_err)?;
        add_set_entries(&mut blk, "table", 0, n, Region::Items);
        b.blocks
            .push(blk.finish(py, Some("table".into()), "setentry[]".into(), 0, 16)?);
    }
    Ok(())
}

fn add_set_entries(b: &mut Builder, name: &str, at: isize, count: usize, region: Region) {
    let entry = size_of::<structs::setentry>();
    let shown = count.min(b.max_items);
    for i in 0..shown {
        let e = at + (i * entry) as isize;
        b.add(
            format!("{name}[{i}].key"),
            e + offset_of!(structs::setentry, key) as isize,
            8,
            "PyObject *",
            Decode::Pointer,
            region,
        );
        b.add(
            format!("{name}[{i}].hash"),
            e + offset_of!(structs::setentry, hash) as isize,
            8,
            "Py_hash_t",
            Decode::Signed,
            region,
        );
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
    use ffi::{PyHeapTypeObject as H, PyTypeObject as T};
    macro_rules! slots {
        ($s:ty; $($f:ident : $c:literal / $d:ident),* $(,)?) => {
            $( b.add(stringify!($f), offset_of!($s, $f) as isize, size_of_field!($s, $f), $c, Decode::$d, Region::Body); )*
        };
    }
    macro_rules! size_of_field {
        ($s:ty, $f:ident) => {{
            fn sz<F>(_: fn(&$s) -> &F) -> usize {
                size_of::<F>()
            }
            sz(|s: &$s| &s.$f)
        }};
    }
    slots!(T;
        tp_name: "const char *" / Pointer, tp_basicsize: "Py_ssize_t" / Signed, tp_itemsize: "Py_ssize_t" / Signed,
        tp_dealloc: "destructor" / Pointer, tp_vectorcall_offset: "Py_ssize_t" / Signed, tp_getattr: "getattrfunc" / Pointer,
        tp_setattr: "setattrfunc" / Pointer, tp_as_async: "PyAsyncMethods *" / Pointer, tp_repr: "reprfunc" / Pointer,
        tp_as_number: "PyNumberMethods *" / Pointer, tp_as_sequence: "PySequenceMethods *" / Pointer,
        tp_as_mapping: "PyMappingMethods *" / Pointer, tp_hash: "hashfunc" / Pointer, tp_call: "ternaryfunc" / Pointer,
        tp_str: "reprfunc" / Pointer, tp_getattro: "getattrofunc" / Pointer, tp_setattro: "setattrofunc" / Pointer,
        tp_as_buffer: "PyBufferProcs *" / Pointer, tp_flags: "unsigned long" / Unsigned, tp_doc: "const char *" / Pointer,
        tp_traverse: "traverseproc" / Pointer, tp_clear: "inquiry" / Pointer, tp_richcompare: "richcmpfunc" / Pointer,
        tp_weaklistoffset: "Py_ssize_t" / Signed, tp_iter: "getiterfunc" / Pointer, tp_iternext: "iternextfunc" / Pointer,
        tp_methods: "PyMethodDef *" / Pointer, tp_members: "PyMemberDef *" / Pointer, tp_getset: "PyGetSetDef *" / Pointer,
        tp_base: "PyTypeObject *" / Pointer, tp_dict: "PyObject *" / Pointer, tp_descr_get: "descrgetfunc" / Pointer,
        tp_descr_set: "descrsetfunc" / Pointer, tp_dictoffset: "Py_ssize_t" / Signed, tp_init: "initproc" / Pointer,
        tp_alloc: "allocfunc" / Pointer, tp_new: "newfunc" / Pointer, tp_free: "freefunc" / Pointer,
        tp_is_gc: "inquiry" / Pointer, tp_bases: "PyObject *" / Pointer, tp_mro: "PyObject *" / Pointer,
        tp_cache: "PyObject *" / Pointer, tp_subclasses: "void *" / Pointer, tp_weaklist: "PyObject *" / Pointer,
        tp_del: "destructor" / Pointer, tp_version_tag: "unsigned int" / Unsigned, tp_finalize: "destructor" / Pointer,
        tp_vectorcall: "vectorcallfunc" / Pointer,
    );
    #[cfg(Py_3_12)]
    slots!(T; tp_watched: "unsigned char" / Unsigned);
    #[cfg(Py_3_13)]
    slots!(T; tp_versions_used: "uint16_t" / Unsigned);
    #[cfg(Py_3_15)]
    slots!(T; _tp_iteritem: "_Py_iteritemfunc" / Pointer);
    if ext.end as usize > size_of::<T>() {
        slots!(H;
            as_async: "PyAsyncMethods" / Bytes, as_number: "PyNumberMethods" / Bytes, as_mapping: "PyMappingMethods" / Bytes,
            as_sequence: "PySequenceMethods" / Bytes, as_buffer: "PyBufferProcs" / Bytes, ht_name: "PyObject *" / Pointer,
            ht_slots: "PyObject *" / Pointer, ht_qualname: "PyObject *" / Pointer,
            ht_cached_keys: "PyDictKeysObject *" / Pointer, ht_module: "PyObject *" / Pointer,
        );
        #[cfg(Py_3_14)]
        slots!(H; ht_token: "void *" / Pointer);
        // The heap type's own PyMemberDef array (`PyHeapType_GET_MEMBERS`).
        let meta_basicsize = tv.slots.basicsize;
        let n = ext.items;
        b.add_array(
            "members",
            meta_basicsize,
            n,
            size_of::<structs::PyMemberDef>(),
            "PyMemberDef",
            Decode::Bytes,
            Region::Items,
        );
    }
    let _ = mem::MAX_READ;
}
