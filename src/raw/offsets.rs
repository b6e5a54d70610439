//! Every offset, size and bit-field pyhood relies on, exported as `pyhood._pyhood._offsets()`
//! so that `tests/test_offsets.py` can compile a C probe against the running interpreter's
//! own headers and compare each entry (the approach of PyO3's `pyo3-ffi-check`).
//!
//! An entry is `(key, offset, size, header)`:
//! - `"Struct.field"`: `offsetof(Struct, field)` and `sizeof(((Struct *)0)->field)`
//!   (size -1 for flexible array members, which have no size);
//! - `"sizeof(Struct)"`: offset 0, `sizeof(Struct)`;
//! - `"bits:Struct.field"`: a bit-field, as (shift, width);
//! - `header`: the header that declares it (`""` = `Python.h`), `"!"` prefix when the
//!   struct is not installed with that version (3.10 dict keys live in `Objects/`).

use core::mem::{offset_of, size_of};

use pyo3::ffi;

use super::compat;
use super::structs::*;

pub type Entry = (String, isize, isize, &'static str);

fn field_size<S, F>(_: fn(&S) -> &F) -> isize {
    size_of::<F>() as isize
}

macro_rules! entry {
    ($v:ident, $s:ty, $cname:literal, $hdr:expr; $($f:ident).+ ) => {
        $v.push((
            format!("{}.{}", $cname, stringify!($($f).+)),
            offset_of!($s, $($f).+) as isize,
            field_size(|s: &$s| &s.$($f).+),
            $hdr,
        ));
    };
}

macro_rules! sizeof {
    ($v:ident, $s:ty, $cname:literal, $hdr:expr) => {
        $v.push((
            format!("sizeof({})", $cname),
            0,
            size_of::<$s>() as isize,
            $hdr,
        ));
    };
}

const INTERNAL_GC: &str = if cfg!(Py_3_14) {
    "internal/pycore_interp_structs.h"
} else {
    "internal/pycore_gc.h"
};
const MEMBER_HDR: &str = if cfg!(Py_3_12) { "" } else { "structmember.h" };
const INTERNAL_DICT: &str = if cfg!(Py_3_11) {
    "internal/pycore_dict.h"
} else {
    "!Objects/dict-common.h"
};

pub fn table() -> Vec<Entry> {
    let mut v: Vec<Entry> = Vec::new();
    // PyObject / PyVarObject
    sizeof!(v, PyObject, "PyObject", "");
    #[cfg(all(not(Py_GIL_DISABLED), not(Py_3_14)))]
    entry!(v, PyObject, "PyObject", ""; ob_refcnt);
    #[cfg(all(not(Py_GIL_DISABLED), Py_3_14))]
    {
        entry!(v, PyObject, "PyObject", ""; ob_refcnt);
        entry!(v, PyObject, "PyObject", ""; ob_overflow);
        entry!(v, PyObject, "PyObject", ""; ob_flags);
    }
    #[cfg(Py_GIL_DISABLED)]
    {
        entry!(v, PyObject, "PyObject", ""; ob_tid);
        entry!(v, PyObject, "PyObject", ""; ob_mutex);
        entry!(v, PyObject, "PyObject", ""; ob_gc_bits);
        entry!(v, PyObject, "PyObject", ""; ob_ref_local);
        entry!(v, PyObject, "PyObject", ""; ob_ref_shared);
    }
    entry!(v, PyObject, "PyObject", ""; ob_type);
    entry!(v, PyVarObject, "PyVarObject", ""; ob_size);
    sizeof!(v, PyVarObject, "PyVarObject", "");
    // GC head
    if !compat::FREE_THREADED {
        sizeof!(v, PyGC_Head, "PyGC_Head", INTERNAL_GC);
        entry!(v, PyGC_Head, "PyGC_Head", INTERNAL_GC; _gc_next);
        entry!(v, PyGC_Head, "PyGC_Head", INTERNAL_GC; _gc_prev);
    }
    // int
    #[cfg(not(Py_3_12))]
    entry!(v, PyLongObject, "PyLongObject", ""; ob_digit);
    #[cfg(Py_3_12)]
    {
        entry!(v, PyLongObject, "PyLongObject", ""; long_value.lv_tag);
        entry!(v, PyLongObject, "PyLongObject", ""; long_value.ob_digit);
    }
    sizeof!(v, PyLongObject, "PyLongObject", "");
    entry!(v, PyFloatObject, "PyFloatObject", ""; ob_fval);
    sizeof!(v, PyFloatObject, "PyFloatObject", "");
    // weak references (guide §11.4)
    entry!(v, PyWeakReference, "PyWeakReference", ""; wr_object);
    entry!(v, PyWeakReference, "PyWeakReference", ""; wr_callback);
    entry!(v, PyWeakReference, "PyWeakReference", ""; hash);
    entry!(v, PyWeakReference, "PyWeakReference", ""; wr_prev);
    entry!(v, PyWeakReference, "PyWeakReference", ""; wr_next);
    #[cfg(Py_3_11)]
    entry!(v, PyWeakReference, "PyWeakReference", ""; vectorcall);
    #[cfg(Py_GIL_DISABLED)]
    entry!(v, PyWeakReference, "PyWeakReference", ""; weakrefs_lock);
    sizeof!(v, PyWeakReference, "PyWeakReference", "");
    // bytes, list, tuple
    entry!(v, PyBytesObject, "PyBytesObject", ""; ob_shash);
    entry!(v, PyBytesObject, "PyBytesObject", ""; ob_sval);
    entry!(v, PyListObject, "PyListObject", ""; ob_item);
    entry!(v, PyListObject, "PyListObject", ""; allocated);
    sizeof!(v, PyListObject, "PyListObject", "");
    #[cfg(Py_3_14)]
    entry!(v, PyTupleObject, "PyTupleObject", ""; ob_hash);
    entry!(v, PyTupleObject, "PyTupleObject", ""; ob_item);
    // set
    entry!(v, setentry, "setentry", ""; key);
    entry!(v, setentry, "setentry", ""; hash);
    sizeof!(v, setentry, "setentry", "");
    for (name, off, size) in [
        ("fill", offset_of!(PySetObject, fill), 8),
        ("used", offset_of!(PySetObject, used), 8),
        ("mask", offset_of!(PySetObject, mask), 8),
        ("table", offset_of!(PySetObject, table), 8),
        ("hash", offset_of!(PySetObject, hash), 8),
        ("finger", offset_of!(PySetObject, finger), 8),
        (
            "smalltable",
            offset_of!(PySetObject, smalltable),
            size_of::<[setentry; 8]>(),
        ),
        ("weakreflist", offset_of!(PySetObject, weakreflist), 8),
    ] {
        v.push((
            format!("PySetObject.{name}"),
            off as isize,
            size as isize,
            "",
        ));
    }
    sizeof!(v, PySetObject, "PySetObject", "");
    // dict
    entry!(v, PyDictObject, "PyDictObject", ""; ma_used);
    v.push((
        format!(
            "PyDictObject.{}",
            if cfg!(Py_3_14) {
                "_ma_watcher_tag"
            } else {
                "ma_version_tag"
            }
        ),
        offset_of!(PyDictObject, ma_version_tag) as isize,
        8,
        "",
    ));
    entry!(v, PyDictObject, "PyDictObject", ""; ma_keys);
    entry!(v, PyDictObject, "PyDictObject", ""; ma_values);
    sizeof!(v, PyDictObject, "PyDictObject", "");
    #[cfg(Py_3_15)]
    {
        entry!(v, PyFrozenDictObject, "PyFrozenDictObject", INTERNAL_DICT; ma_hash);
        sizeof!(v, PyFrozenDictObject, "PyFrozenDictObject", INTERNAL_DICT);
        v.push((
            "const:_Py_AFTER_ITEMS".into(),
            compat::MEMBER_AFTER_ITEMS as isize,
            0,
            "",
        ));
    }
    for d in compat::KEYS_FIELDS {
        v.push((
            format!("PyDictKeysObject.{}", d.name),
            d.offset as isize,
            d.size as isize,
            INTERNAL_DICT,
        ));
    }
    v.push((
        "PyDictKeysObject.dk_indices".into(),
        compat::KEYS_HEADER_SIZE as isize,
        -1,
        INTERNAL_DICT,
    ));
    entry!(v, PyDictKeyEntry, "PyDictKeyEntry", INTERNAL_DICT; me_hash);
    entry!(v, PyDictKeyEntry, "PyDictKeyEntry", INTERNAL_DICT; me_key);
    entry!(v, PyDictKeyEntry, "PyDictKeyEntry", INTERNAL_DICT; me_value);
    sizeof!(v, PyDictKeyEntry, "PyDictKeyEntry", INTERNAL_DICT);
    #[cfg(Py_3_11)]
    {
        entry!(v, PyDictUnicodeEntry, "PyDictUnicodeEntry", INTERNAL_DICT; me_key);
        entry!(v, PyDictUnicodeEntry, "PyDictUnicodeEntry", INTERNAL_DICT; me_value);
        sizeof!(v, PyDictUnicodeEntry, "PyDictUnicodeEntry", INTERNAL_DICT);
        entry!(v, PyDictValues, "PyDictValues", INTERNAL_DICT; values);
    }
    #[cfg(Py_3_13)]
    {
        entry!(v, PyDictValues, "PyDictValues", INTERNAL_DICT; capacity);
        entry!(v, PyDictValues, "PyDictValues", INTERNAL_DICT; size);
        entry!(v, PyDictValues, "PyDictValues", INTERNAL_DICT; embedded);
        entry!(v, PyDictValues, "PyDictValues", INTERNAL_DICT; valid);
    }
    // str
    entry!(v, PyASCIIObject, "PyASCIIObject", ""; length);
    entry!(v, PyASCIIObject, "PyASCIIObject", ""; hash);
    entry!(v, PyASCIIObject, "PyASCIIObject", ""; state);
    #[cfg(not(Py_3_12))]
    entry!(v, PyASCIIObject, "PyASCIIObject", ""; wstr);
    sizeof!(v, PyASCIIObject, "PyASCIIObject", "");
    entry!(v, PyCompactUnicodeObject, "PyCompactUnicodeObject", ""; utf8_length);
    entry!(v, PyCompactUnicodeObject, "PyCompactUnicodeObject", ""; utf8);
    #[cfg(not(Py_3_12))]
    entry!(v, PyCompactUnicodeObject, "PyCompactUnicodeObject", ""; wstr_length);
    sizeof!(v, PyCompactUnicodeObject, "PyCompactUnicodeObject", "");
    entry!(v, PyUnicodeObject, "PyUnicodeObject", ""; data);
    sizeof!(v, PyUnicodeObject, "PyUnicodeObject", "");
    for &(name, shift, width) in compat::STATE_BITS {
        v.push((
            format!("bits:PyASCIIObject.state.{name}"),
            shift as isize,
            width as isize,
            "",
        ));
    }
    // PyMemberDef: in Python.h (descrobject.h) from 3.12, structmember.h before.
    entry!(v, PyMemberDef, "PyMemberDef", MEMBER_HDR; name);
    let type_off = offset_of!(PyMemberDef, r#type) as isize;
    v.push(("PyMemberDef.type".into(), type_off, 4, MEMBER_HDR));
    entry!(v, PyMemberDef, "PyMemberDef", MEMBER_HDR; offset);
    entry!(v, PyMemberDef, "PyMemberDef", MEMBER_HDR; flags);
    sizeof!(v, PyMemberDef, "PyMemberDef", MEMBER_HDR);
    // 3.12+ int tag encoding (`Include/internal/pycore_long.h`).
    if cfg!(Py_3_12) {
        for (name, value) in [
            ("_PyLong_SIGN_MASK", compat::LONG_SIGN_MASK),
            ("SIGN_NEGATIVE", compat::LONG_SIGN_NEGATIVE),
            ("_PyLong_NON_SIZE_BITS", compat::LONG_NON_SIZE_BITS as u64),
        ] {
            v.push((
                format!("const:{name}"),
                value as isize,
                0,
                "internal/pycore_long.h",
            ));
        }
    }
    // PyTypeObject / PyHeapTypeObject slots read through pyo3-ffi
    type_slots(&mut v);
    // Flag values the readers test (`Include/object.h`); absent before their version.
    for (name, value) in [
        ("Py_TPFLAGS_INLINE_VALUES", compat::TPFLAGS_INLINE_VALUES),
        (
            "Py_TPFLAGS_MANAGED_WEAKREF",
            compat::TPFLAGS_MANAGED_WEAKREF,
        ),
        ("Py_TPFLAGS_MANAGED_DICT", compat::TPFLAGS_MANAGED_DICT),
    ] {
        if value != 0 {
            v.push((format!("const:{name}"), value as isize, 0, ""));
        }
    }
    // Guide §11: small-int cache, static builtin types, GC flag bits.
    v.push((
        "const:_PY_NSMALLPOSINTS".into(),
        compat::NSMALLPOSINTS as isize,
        0,
        compat::NSMALLINTS_HDR,
    ));
    v.push((
        "const:_PY_NSMALLNEGINTS".into(),
        compat::NSMALLNEGINTS as isize,
        0,
        compat::NSMALLINTS_HDR,
    ));
    if compat::TPFLAGS_STATIC_BUILTIN != 0 {
        v.push((
            "const:_Py_TPFLAGS_STATIC_BUILTIN".into(),
            compat::TPFLAGS_STATIC_BUILTIN as isize,
            0,
            "",
        ));
    }
    for (name, value) in [
        ("_PyGC_PREV_MASK_FINALIZED", compat::GC_PREV_MASK_FINALIZED),
        (
            "_PyGC_PREV_MASK_COLLECTING",
            compat::GC_PREV_MASK_COLLECTING,
        ),
    ] {
        v.push((
            format!("const:{name}"),
            value as isize,
            0,
            "internal/pycore_gc.h",
        ));
    }
    interpreter_state(&mut v);
    frames(&mut v);
    v
}

/// Where `PyFrameObject` is declared: 3.10 installs it as `cpython/frameobject.h` (reached
/// through `frameobject.h`); 3.11+ keep it internal, with the frame states.
const FRAME_HDR: &str = if cfg!(Py_3_11) {
    "internal/pycore_frame.h"
} else {
    "frameobject.h"
};
/// Where `_PyInterpreterFrame`, the generator head and the frame owners are declared.
const IFRAME_HDR: &str = if cfg!(Py_3_14) {
    "internal/pycore_interpframe.h"
} else {
    FRAME_HDR
};

/// Frames, code objects, cells and the generator head (guide §11.6).
fn frames(v: &mut Vec<Entry>) {
    use compat::frame::{self as fc, FRAME};
    let mut add = |key: String, value: isize, size: isize, hdr: &'static str| {
        v.push((key, value, size, hdr));
    };
    // The field tables frame_layout decodes, entry by entry.
    for (table, defs, hdr) in [
        ("PyFrameObject", fc::FRAME_FIELDS, FRAME_HDR),
        ("_PyInterpreterFrame", fc::IFRAME_FIELDS, IFRAME_HDR),
    ] {
        for d in defs {
            add(
                format!("{table}.{}", d.name),
                d.offset as isize,
                d.size as isize,
                hdr,
            );
        }
    }
    let data = if cfg!(Py_3_11) {
        "PyFrameObject._f_frame_data"
    } else {
        "PyFrameObject.f_localsplus"
    };
    add(data.into(), FRAME.frame_data as isize, -1, FRAME_HDR);
    let frame_size = size_of::<PyFrameObject>() as isize;
    add("sizeof(PyFrameObject)".into(), 0, frame_size, FRAME_HDR);
    for &(value, name, _) in fc::FRAME_STATES {
        add(format!("enum:{name}"), value as isize, 0, FRAME_HDR);
    }
    #[cfg(Py_3_11)]
    {
        let localsplus = FRAME.localsplus as isize;
        add(
            "_PyInterpreterFrame.localsplus".into(),
            localsplus,
            -1,
            IFRAME_HDR,
        );
        let iframe_size = size_of::<_PyInterpreterFrame>() as isize;
        add(
            "sizeof(_PyInterpreterFrame)".into(),
            0,
            iframe_size,
            IFRAME_HDR,
        );
        let state = offset_of!(PyGenObject, gi_frame_state) as isize;
        add("PyGenObject.gi_frame_state".into(), state, 1, IFRAME_HDR);
        let iframe = offset_of!(PyGenObject, gi_iframe) as isize;
        add("PyGenObject.gi_iframe".into(), iframe, -1, IFRAME_HDR);
        for (name, value) in [
            ("FRAME_OWNED_BY_THREAD", fc::OWNED_BY_THREAD),
            ("FRAME_OWNED_BY_GENERATOR", fc::OWNED_BY_GENERATOR),
            ("FRAME_OWNED_BY_FRAME_OBJECT", fc::OWNED_BY_FRAME_OBJECT),
        ] {
            add(format!("enum:{name}"), value as isize, 0, IFRAME_HDR);
        }
        let mut kinds = vec![
            ("CO_FAST_LOCAL", fc::CO_FAST_LOCAL),
            ("CO_FAST_CELL", fc::CO_FAST_CELL),
            ("CO_FAST_FREE", fc::CO_FAST_FREE),
        ];
        if cfg!(Py_3_12) {
            kinds.push(("CO_FAST_HIDDEN", fc::CO_FAST_HIDDEN));
        }
        for (name, value) in kinds {
            add(
                format!("const:{name}"),
                value as isize,
                0,
                "internal/pycore_code.h",
            );
        }
    }
    if cfg!(Py_3_14) {
        for (name, value) in [
            ("Py_TAG_BITS", fc::STACKREF_TAG_BITS),
            ("Py_INT_TAG", fc::STACKREF_INT_TAG),
        ] {
            add(
                format!("const:{name}"),
                value as isize,
                0,
                "internal/pycore_stackref.h",
            );
        }
    }
    let c = fc::CODE;
    for (field, offset, size) in [
        ("co_stacksize", Some(c.stacksize), 4),
        ("co_nlocalsplus", c.nlocalsplus, 4),
        ("co_localsplusnames", c.localsplusnames, 8),
        ("co_localspluskinds", c.localspluskinds, 8),
        ("co_code_adaptive", c.code_adaptive, -1),
        ("co_code", c.co_code, 8),
    ] {
        if let Some(offset) = offset {
            add(format!("PyCodeObject.{field}"), offset as isize, size, "");
        }
    }
    add(
        "PyCellObject.ob_ref".into(),
        offset_of!(PyCellObject, ob_ref) as isize,
        8,
        "",
    );
    #[cfg(not(Py_3_11))]
    add("const:CO_MAXBLOCKS".into(), CO_MAXBLOCKS as isize, 0, "");
}

fn type_slots(v: &mut Vec<Entry>) {
    use ffi::{PyHeapTypeObject, PyTypeObject};
    macro_rules! t {
        ($($f:ident),*) => { $( entry!(v, PyTypeObject, "PyTypeObject", ""; $f); )* };
    }
    t!(
        tp_name,
        tp_basicsize,
        tp_itemsize,
        tp_dealloc,
        tp_vectorcall_offset,
        tp_getattr,
        tp_setattr,
        tp_as_async,
        tp_repr,
        tp_as_number,
        tp_as_sequence,
        tp_as_mapping,
        tp_hash,
        tp_call,
        tp_str,
        tp_getattro,
        tp_setattro,
        tp_as_buffer,
        tp_flags,
        tp_doc,
        tp_traverse,
        tp_clear,
        tp_richcompare,
        tp_weaklistoffset,
        tp_iter,
        tp_iternext,
        tp_methods,
        tp_members,
        tp_getset,
        tp_base,
        tp_dict,
        tp_descr_get,
        tp_descr_set,
        tp_dictoffset,
        tp_init,
        tp_alloc,
        tp_new,
        tp_free,
        tp_is_gc,
        tp_bases,
        tp_mro,
        tp_cache,
        tp_subclasses,
        tp_weaklist,
        tp_del,
        tp_version_tag,
        tp_finalize,
        tp_vectorcall
    );
    #[cfg(Py_3_12)]
    t!(tp_watched);
    #[cfg(Py_3_13)]
    t!(tp_versions_used);
    #[cfg(Py_3_15)]
    t!(_tp_iteritem);
    sizeof!(v, PyTypeObject, "PyTypeObject", "");
    macro_rules! h {
        ($($f:ident),*) => { $( entry!(v, PyHeapTypeObject, "PyHeapTypeObject", ""; $f); )* };
    }
    h!(
        as_async,
        as_number,
        as_mapping,
        as_sequence,
        as_buffer,
        ht_name,
        ht_slots,
        ht_qualname,
        ht_cached_keys,
        ht_module
    );
    #[cfg(Py_3_14)]
    h!(ht_token);
    sizeof!(v, PyHeapTypeObject, "PyHeapTypeObject", "");
}

const DEBUG_OFFSETS_HDR: &str = if cfg!(Py_3_14) {
    "internal/pycore_debug_offsets.h"
} else {
    "internal/pycore_runtime.h"
};
const HASHTABLE_HDR: &str = "internal/pycore_hashtable.h";

/// Interning and GC state (guide §12.3, §12.4): the `SSTATE_*` values, the GC constants,
/// the `_Py_hashtable_t` shape and the build's `_Py_DebugOffsets` layout — all fixed for a
/// minor version. Where the running interpreter keeps its state is exported separately
/// (`crate::interpreter_state::offset_entries`), as located and proven at run time.
fn interpreter_state(v: &mut Vec<Entry>) {
    let mut sstate = vec![
        ("SSTATE_NOT_INTERNED", compat::SSTATE_NOT_INTERNED),
        ("SSTATE_INTERNED_MORTAL", compat::SSTATE_INTERNED_MORTAL),
        ("SSTATE_INTERNED_IMMORTAL", compat::SSTATE_INTERNED_IMMORTAL),
    ];
    if cfg!(Py_3_12) {
        sstate.push((
            "SSTATE_INTERNED_IMMORTAL_STATIC",
            compat::SSTATE_INTERNED_IMMORTAL_STATIC,
        ));
    }
    for (name, value) in sstate {
        v.push((format!("const:{name}"), value as isize, 0, ""));
    }
    let mut push = |key: &str, offset: usize, size: usize, header: &'static str| {
        v.push((key.to_string(), offset as isize, size as isize, header));
    };
    push(
        "const:NUM_GENERATIONS",
        compat::NUM_GENERATIONS,
        0,
        INTERNAL_GC,
    );
    push(
        "const:_PyGC_PREV_SHIFT",
        compat::GC_PREV_SHIFT as usize,
        0,
        "internal/pycore_gc.h",
    );
    if cfg!(Py_3_12) {
        use compat::hashtable as ht;
        for (name, off, size) in [
            ("nentries", ht::NENTRIES, 8),
            ("nbuckets", ht::NBUCKETS, 8),
            ("buckets", ht::BUCKETS, 8),
            ("key_destroy_func", ht::KEY_DESTROY, 8),
            ("value_destroy_func", ht::VALUE_DESTROY, 8),
            ("alloc.malloc", ht::ALLOC_MALLOC, 8),
            ("alloc.free", ht::ALLOC_FREE, 8),
        ] {
            push(&format!("_Py_hashtable_t.{name}"), off, size, HASHTABLE_HDR);
        }
        push("sizeof(_Py_hashtable_t)", 0, ht::SIZE, HASHTABLE_HDR);
        for (name, off) in [
            ("_Py_slist_item", ht::ENTRY_NEXT),
            ("key_hash", ht::ENTRY_HASH),
            ("key", ht::ENTRY_KEY),
            ("value", ht::ENTRY_VALUE),
        ] {
            push(
                &format!("_Py_hashtable_entry_t.{name}"),
                off,
                8,
                HASHTABLE_HDR,
            );
        }
        push(
            "sizeof(_Py_hashtable_entry_t)",
            0,
            ht::ENTRY_SIZE,
            HASHTABLE_HDR,
        );
    }
    if let Some(d) = crate::cpython::pycore_interp::DEBUG_OFFSETS {
        use crate::cpython::pycore_interp::{DEBUG_COOKIE, INTERP_ANCHORS, RUNTIME_ANCHORS};
        let p = "_Py_DebugOffsets";
        push(
            &format!("{p}.cookie"),
            0,
            DEBUG_COOKIE.len(),
            DEBUG_OFFSETS_HDR,
        );
        let mut fields = vec![
            ("version".to_string(), d.version),
            ("free_threaded".to_string(), d.free_threaded),
            ("runtime_state.size".to_string(), d.runtime_size),
            ("interpreter_state.size".to_string(), d.interp_size),
            ("interpreter_state.gc".to_string(), d.interp_gc),
            ("gc.size".to_string(), d.gc_size),
            ("gc.collecting".to_string(), d.gc_collecting),
        ];
        for a in INTERP_ANCHORS {
            fields.push((format!("interpreter_state.{}", a.name), a.debug_at));
        }
        for a in RUNTIME_ANCHORS {
            fields.push((format!("runtime_state.{}", a.name), a.debug_at));
        }
        fields.sort();
        fields.dedup();
        for (name, off) in fields {
            push(&format!("{p}.{name}"), off, 8, DEBUG_OFFSETS_HDR);
        }
        push(&format!("sizeof({p})"), 0, d.size, DEBUG_OFFSETS_HDR);
    }
}
