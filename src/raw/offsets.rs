//! Every offset, size and bit-field pyhood relies on, exported as `pyhood._pyhood._offsets()`
//! so that `tests/test_offsets.py` can compile a C probe against the running interpreter's
//! own headers and compare each entry (the approach of PyO3's `pyo3-ffi-check`).
//!
//! An entry is `(key, offset, size, header)`:
//! - `"Struct.field"`: `offsetof(Struct, field)` and `sizeof(((Struct *)0)->field)`
//!   (size -1 for flexible array members, which have no size);
//! - `"sizeof(Struct)"`: offset 0, `sizeof(Struct)`;
//! - `"bits:Struct.field.NAME"`: a bit-field, as (shift, width);
//! - `"const:NAME"` / `"enum:NAME"`: the value of a macro / an enum constant (size 0);
//! - `header`: the header that declares it (`""` = `Python.h`), `"!"` prefix when the
//!   struct is not installed with that version (3.10 dict keys live in `Objects/`).
//!
//! The entries come from the declarations in `src/cpython/` (`cpython::probes`), then from
//! the interpreter state of the running release (`interpreter_state` below).

use super::compat;
use crate::cpython;

pub use cpython::Entry;

/// Where `PyGC_Head` and `NUM_GENERATIONS` are declared.
const INTERNAL_GC: &str = cpython::pycore_gc::HEADER;

/// The whole table: every entry the declarations in `src/cpython/` give (structs, their
/// fields and sizes, constants, bit-fields, enum values), then the interpreter state.
pub fn table() -> Vec<Entry> {
    let mut v: Vec<Entry> = Vec::new();
    cpython::probes(&mut v);
    interpreter_state(&mut v);
    v
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
