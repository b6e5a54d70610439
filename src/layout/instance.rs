//! What every object shares: its extent, the GC head and pre-header before it, the
//! `PyObject` header, `__slots__` members, `__dict__` / `__weakref__` slots and 3.13+
//! inline values. Also the generic layout used for types pyhood has no decoder for.

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyString, PyTuple, PyType};

use crate::cpython::bytesobject::PyBytesObject;
use crate::cpython::descrobject::MEMBER_AFTER_ITEMS;
use crate::cpython::frameobject::FRAME_HAS_VAR_HEAD;
use crate::cpython::object::{self as cobject, PyObject, PyVarObject, TPFLAGS_MANAGED_DICT};
use crate::cpython::pycore_gc::{PyGC_Head, GC_HEAD_SIZE};
use crate::cpython::pycore_object::{dict_or_values_values, inline_values_offset, preheader};
use crate::cpython::tupleobject::PyTupleObject;
use crate::cpython::typeobject::TypeObject;
use crate::cpython::unicodeobject::{self as unicode, PyASCIIObject};
use crate::cpython::unicodeobject::{PyCompactUnicodeObject, PyUnicodeObject};
use crate::cpython::{has_flag, longintrepr, pycore_long, Decode};
use crate::raw::mem::{self, Snapshot};
use crate::raw::object::{self as rawobj, Member};

use super::builtins::Kind;
use super::dict;
use super::{read_err, Builder, Region, TypeView};

/// The allocation's bounds and the facts needed to place fields inside it.
pub struct Extent {
    pub start: isize,
    pub end: isize,
    /// Number of variable-size items (`abs(ob_size)`, or the digit count of an int).
    pub items: usize,
    /// Whether the object starts with `PyObject_VAR_HEAD` (shows `ob_size`).
    pub var_head: bool,
    /// Where 3.13+ inline values start, and their size.
    pub inline_values: Option<(usize, usize)>,
    /// Whether a `PyGC_Head` precedes the object.
    pub gc: bool,
}

fn round8(n: isize) -> isize {
    (n + 7) & !7
}

/// Work out `[start, end)` of the object's allocation.
pub fn extent(obj: &Bound<'_, PyAny>, tv: &TypeView<'_>, kind: Kind) -> PyResult<Extent> {
    let s = &tv.slots;
    let gc = rawobj::is_gc(obj);
    let pre = preheader(s.flags).len() as isize * 8;
    let start = -(if gc { GC_HEAD_SIZE as isize } else { 0 }) - pre;
    let heap = tv.has(ffi::Py_TPFLAGS_HEAPTYPE);
    let var_head = crate::header::is_var_object(obj);
    let (items, body_end) = match kind {
        Kind::Int => {
            let tag = rawobj::int_tag(obj.cast::<PyInt>()?);
            let (_, nd) = pycore_long::sign_and_digits(tag);
            let alloc = longintrepr::allocated_digits(nd);
            let end = longintrepr::digits_offset() + alloc * longintrepr::DIGIT_SIZE;
            (nd, end as isize)
        }
        Kind::Str => {
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
            (0, end as isize)
        }
        Kind::Bytes | Kind::Tuple => {
            let n = rawobj::ob_size(obj).max(0) as usize;
            let end = if kind == Kind::Bytes {
                PyBytesObject::ob_sval.offset + n + 1
            } else {
                PyTupleObject::ob_item.offset + 8 * n
            };
            (n, end as isize)
        }
        Kind::Type => {
            let n = rawobj::ob_size(obj).max(0) as usize;
            if is_heap_type_object(obj) {
                (n, s.basicsize + n as isize * s.itemsize)
            } else {
                (0, TypeObject::SIZE as isize)
            }
        }
        Kind::Gen(_) => {
            let n = super::generator::slots(obj)?;
            (n, s.basicsize + 8 * n as isize)
        }
        Kind::Other if super::frame::is_frame(obj) && !FRAME_HAS_VAR_HEAD => {
            // 3.11+ frames begin with PyObject_HEAD although tp_itemsize is 8: the slot count
            // comes from the code object (`_PyFrame_New_NoTrack`).
            let n = super::frame::slot_capacity(obj)?;
            (n, s.basicsize + 8 * n as isize)
        }
        Kind::Other if s.itemsize != 0 => {
            let n = rawobj::ob_size(obj).unsigned_abs();
            (n, s.basicsize + n as isize * s.itemsize)
        }
        _ => (0, s.basicsize),
    };
    // Instances of heap subclasses also hold the subclass's slots and, for variable-size
    // bases, a `__dict__` pointer placed after the items (`_PyObject_VAR_SIZE`).
    let mut end = body_end;
    // Other sizes the allocation may have, which only the allocator's block can tell apart.
    let mut alt_ends = Vec::new();
    if heap && kind != Kind::Type {
        let sub_end = if s.itemsize != 0 {
            round8(s.basicsize + items as isize * s.itemsize)
        } else {
            s.basicsize
        };
        end = end.max(sub_end);
        if s.itemsize != 0 {
            // `PyType_GenericAlloc` (`_PyType_AllocNoTrack`, Objects/typeobject.c
            // v3.10–v3.15) allocates `_PyObject_VAR_SIZE(type, nitems + 1)`; int subclasses
            // may ask for one digit more than they use (`long_subtype_new`).
            for extra in 1..=2 {
                let n = items as isize + extra;
                alt_ends.push(end.max(round8(s.basicsize + n * s.itemsize)));
            }
        }
    }
    let mut inline_values = None;
    if let Some(at) = inline_values_offset(s.flags, s.basicsize) {
        let cap = mem::read(obj.as_ptr() as usize + at, 1).map_err(read_err)?[0] as usize;
        let size = |cap: usize| 8 + 8 * cap + cap.div_ceil(8) * 8;
        inline_values = Some((at, size(cap)));
        // 3.13+ `_PyType_AllocNoTrack` adds `_PyInlineValuesSize(type)` for the class's
        // shared keys as they are then; `_PyObject_InitInlineValues` then takes one usable
        // slot from the keys (while `dk_usable > 1`) and records the smaller capacity.
        alt_ends.push(end.max((at + size(cap + 1)) as isize));
        end = end.max((at + size(cap)) as isize);
    }
    if !alt_ends.is_empty() {
        let mut cands = vec![(end - start) as usize];
        cands.extend(alt_ends.iter().map(|e| (e - start) as usize));
        let addr = (obj.as_ptr() as usize).wrapping_add_signed(start);
        end = start + crate::alloc::resolve_size(obj.py(), addr, &cands) as isize;
    }
    Ok(Extent {
        start,
        end,
        items,
        var_head,
        inline_values,
        gc,
    })
}

/// A type object is a heap type when its own flags say so.
fn is_heap_type_object(obj: &Bound<'_, PyAny>) -> bool {
    obj.cast::<PyType>()
        .map(|t| rawobj::type_slots(t).flags & ffi::Py_TPFLAGS_HEAPTYPE != 0)
        .unwrap_or(false)
}

/// Fields every object has, plus what its class adds (slots, dict, weakref, inline values).
pub fn common(
    obj: &Bound<'_, PyAny>,
    tv: &TypeView<'_>,
    kind: Kind,
    ext: &Extent,
    b: &mut Builder,
) -> PyResult<()> {
    let s = &tv.slots;
    if ext.gc {
        b.add_defs(PyGC_Head::FIELDS, -(GC_HEAD_SIZE as isize), Region::GcHead);
    }
    for (name, off) in preheader(s.flags) {
        let ctype = match name {
            "managed_weakref" => "PyObject *",
            "managed_values" => "PyDictValues *",
            "dict_or_values" => "PyDictOrValues",
            "managed_dict" => "PyDictObject *",
            _ => "void *",
        };
        b.add(name, off, 8, ctype, Decode::Pointer, Region::Preheader);
    }
    // 3.11/3.12: values stored outside the object until a dict is materialised.
    let values = match preheader(s.flags).as_slice() {
        [("managed_values", at), _] => b.word(*at),
        [_, ("dict_or_values", at)] => dict_or_values_values(b.word(*at)).unwrap_or(0),
        _ => 0,
    };
    if values != 0 {
        let blk = dict::managed_values_block(obj.py(), values, s.cached_keys, b.max_items)?;
        b.blocks.push(blk);
    }
    b.add_defs(PyObject::FIELDS, 0, Region::Header);
    if let Some((container, bits)) = cobject::HEADER_BITS {
        let at = container.offset as isize;
        let (size, ctype) = (container.size, container.ctype);
        b.add_bits(container.name, bits, at, size, ctype, Region::Header);
    }
    if let Some(f) = b.fields.iter_mut().find(|f| f.name == "ob_type") {
        f.note = Some(tv.name.clone());
    }
    if ext.var_head {
        b.add_def(&PyVarObject::ob_size, 0, Region::Header);
    }
    // `__slots__` and other members declared in tp_members.
    let mro = tv.ty.getattr("__mro__")?.cast_into::<PyTuple>()?;
    for t in mro.iter() {
        let t = t.cast_into::<PyType>()?;
        let ts = rawobj::type_slots(&t);
        let heap = ts.flags & ffi::Py_TPFLAGS_HEAPTYPE != 0;
        if !(heap || matches!(kind, Kind::Other | Kind::Gen(_))) {
            continue;
        }
        for m in rawobj::members(&ts).map_err(read_err)? {
            add_member(b, &m, ext.items as isize * s.itemsize);
        }
    }
    // `__dict__` and `__weakref__` slots inside the object (not the managed pre-header).
    if s.dictoffset > 0 {
        b.add(
            "__dict__",
            s.dictoffset,
            8,
            "PyObject *",
            Decode::Pointer,
            Region::Body,
        );
    } else if s.dictoffset < 0 && s.dictoffset != -1 && !tv.has(TPFLAGS_MANAGED_DICT) {
        // `_PyObject_ComputedDictPointer`: counted back from the end of the items.
        let off = s.dictoffset + round8(s.basicsize + ext.items as isize * s.itemsize);
        b.add(
            "__dict__",
            off,
            8,
            "PyObject *",
            Decode::Pointer,
            Region::Body,
        );
    }
    if s.weaklistoffset > 0 {
        b.add(
            "__weakref__",
            s.weaklistoffset,
            8,
            "PyObject *",
            Decode::Pointer,
            Region::Body,
        );
    }
    if let Some((at, size)) = ext.inline_values {
        dict::inline_values(obj.py(), b, at as isize, s.cached_keys)?;
        let spare = (at + size) as isize;
        if ext.end > spare {
            b.add(
                "(spare inline values)",
                spare,
                (ext.end - spare) as usize,
                "char[]",
                Decode::Bytes,
                Region::InlineValues,
            )
            .note = Some(
                "allocated for the class's shared keys before the instance took one usable \
                 slot from them (_PyType_AllocNoTrack, _PyObject_InitInlineValues)"
                    .into(),
            );
        }
    }
    if kind == Kind::Other {
        generic_items(b, tv, ext);
    }
    Ok(())
}

/// Heap types in 3.12+ list these pseudo-members whose `offset` *is* the value.
const OFFSET_MEMBERS: &[&str] = &[
    "__weaklistoffset__",
    "__dictoffset__",
    "__vectorcalloffset__",
];

/// `Py_T_*` member type codes (`Include/descrobject.h` 3.12+, `structmember.h` before):
/// (C type, size, decoding).
fn member_type(code: i32) -> Option<(&'static str, usize, Decode)> {
    Some(match code {
        0 => ("short", 2, Decode::Signed),
        1 => ("int", 4, Decode::Signed),
        2 => ("long", 8, Decode::Signed),
        3 => ("float", 4, Decode::Bytes),
        4 => ("double", 8, Decode::Double),
        5 => ("char *", 8, Decode::Pointer),
        6 | 16 => ("PyObject *", 8, Decode::Pointer),
        7 => ("char", 1, Decode::Signed),
        8 => ("signed char", 1, Decode::Signed),
        9 => ("unsigned char", 1, Decode::Unsigned),
        10 => ("unsigned short", 2, Decode::Unsigned),
        11 => ("unsigned int", 4, Decode::Unsigned),
        12 => ("unsigned long", 8, Decode::Unsigned),
        14 => ("char", 1, Decode::Unsigned),
        17 => ("long long", 8, Decode::Signed),
        18 => ("unsigned long long", 8, Decode::Unsigned),
        19 => ("Py_ssize_t", 8, Decode::Signed),
        _ => return None,
    })
}

/// `items_bytes` is `Py_SIZE(obj) * tp_itemsize`, added to members flagged
/// `_Py_AFTER_ITEMS` (3.15 `__slots__` of tuple subclasses).
fn add_member(b: &mut Builder, m: &Member, items_bytes: isize) {
    if OFFSET_MEMBERS.contains(&m.name.as_str()) {
        return;
    }
    let after_items = has_flag(m.flags as u64, MEMBER_AFTER_ITEMS as u64);
    let offset = if after_items {
        m.offset + items_bytes
    } else {
        m.offset
    };
    if let Some((ctype, size, decode)) = member_type(m.kind) {
        if b.covers(offset, size) && offset >= PyObject::SIZE as isize {
            let f = b.add(m.name.clone(), offset, size, ctype, decode, Region::Body);
            f.note = Some("member".to_owned());
        }
    }
}

/// Generic objects: the item array after `tp_basicsize`.
fn generic_items(b: &mut Builder, tv: &TypeView<'_>, ext: &Extent) {
    let s = &tv.slots;
    if s.itemsize > 0 && ext.items > 0 {
        let (ctype, decode) = match s.itemsize {
            8 => ("item", Decode::Unsigned),
            1 | 2 | 4 => ("item", Decode::Unsigned),
            _ => ("item", Decode::Bytes),
        };
        b.add_array(
            "ob_item",
            s.basicsize,
            ext.items,
            s.itemsize as usize,
            ctype,
            decode,
            Region::Items,
        );
    }
}
