//! Encodings of interpreter-wide state that are fixed within a minor version (`SSTATE_*`,
//! the GC list flags, `_Py_hashtable_t`; where the state itself is, is located at run time by
//! `src/interpreter_state.rs`); and, under their `compat::` names, the facts from `src/cpython/` that the
//! state code (`interning.rs`, `generations.rs`, `freelists.rs`, `offsets.rs`) and the object-identity code
//! read. Struct shapes and every other version difference live in `src/cpython/`, declared
//! once per C struct.
//!
//! Everything here is safe code over bytes already copied out of the process.

pub use crate::cpython::descrobject::MEMBER_AFTER_ITEMS;
pub use crate::cpython::object::{
    ft_fields, immortal, ob_flags, refcnt, TPFLAGS_INLINE_VALUES, TPFLAGS_MANAGED_DICT,
    TPFLAGS_MANAGED_WEAKREF, TPFLAGS_STATIC_BUILTIN,
};
pub use crate::cpython::pycore_dict::{
    keys_geometry, split_values_count, values_geometry, KeysGeometry, ValuesGeometry,
    KEYS_HEADER_SIZE,
};
pub use crate::cpython::pycore_gc::{
    GC_BITS_FINALIZED, GC_BITS_FROZEN, GC_BITS_TRACKED, GC_HEAD_SIZE, GC_NEXT_MASK,
    GC_PREV_MASK_COLLECTING, GC_PREV_MASK_FINALIZED,
};
pub use crate::cpython::pycore_long::{
    is_small_int_value, LONG_NON_SIZE_BITS, LONG_SIGN_MASK, LONG_SIGN_NEGATIVE, NSMALLINTS_HDR,
    NSMALLNEGINTS, NSMALLPOSINTS,
};
pub use crate::cpython::pycore_object::{
    dict_or_values_values, inline_values_offset, preheader, MANAGED_WEAKREF_OFFSET,
};
pub use crate::cpython::unicodeobject::{state_bit, STATE_BITS, STATE_DEFINED_BITS};
pub use crate::cpython::weakrefobject::MAX_WEAKREFS;
pub use crate::cpython::{has_flag, Decode, FieldDef, BUILT_FOR_MINOR, FREE_THREADED};

// ---------------------------------------------------------------------------------------
// Interpreter state: string interning and the GC's generations (guide §12.3, §12.4).
//
// Where the interpreter keeps its state (the GC state, free lists, interned strings) moves
// between patch releases; it is not here: `build.rs` asks the build's own headers
// (`src/cpython/pycore_interp.c`), and `src/interpreter_state.rs` proves or re-establishes
// each offset on the running interpreter. What stays here are the encodings that are fixed
// for a minor version.
// ---------------------------------------------------------------------------------------

/// `SSTATE_*` (`Include/cpython/unicodeobject.h`): values of `PyASCIIObject.state.interned`.
pub const SSTATE_NOT_INTERNED: u32 = 0;
pub const SSTATE_INTERNED_MORTAL: u32 = 1;
pub const SSTATE_INTERNED_IMMORTAL: u32 = 2;
/// 3.12+: interned, immortal, and statically allocated (`_Py_ID`, one-character strings).
pub const SSTATE_INTERNED_IMMORTAL_STATIC: u32 = 3;

/// pyhood's name for a `state.interned` value, or `None` if this version has no such value.
pub fn intern_state_name(value: u32) -> Option<&'static str> {
    match value {
        SSTATE_NOT_INTERNED => Some("not_interned"),
        SSTATE_INTERNED_MORTAL => Some("mortal"),
        SSTATE_INTERNED_IMMORTAL => Some("immortal"),
        SSTATE_INTERNED_IMMORTAL_STATIC if cfg!(Py_3_12) => Some("static"),
        _ => None,
    }
}

/// `NUM_GENERATIONS` (`pycore_gc.h`; 3.14+ `pycore_interp_structs.h`): 3 in every version.
pub const NUM_GENERATIONS: usize = 3;
/// `_PyGC_PREV_SHIFT`: the low two bits of `_gc_prev` are flags (`FINALIZED`, `COLLECTING`).
pub const GC_PREV_SHIFT: u32 = 2;
/// `_gc_prev & GC_PREV_MASK` is the previous node (`_PyGC_PREV_MASK`).
pub const GC_PREV_MASK: usize = usize::MAX << GC_PREV_SHIFT;

/// `_Py_hashtable_t` fields pyhood reads (`pycore_hashtable.h`, unchanged 3.10–3.15).
pub mod hashtable {
    use crate::raw::interp::{_Py_hashtable_allocator_t, _Py_hashtable_entry_t, _Py_hashtable_t};
    use core::mem::{offset_of, size_of};

    pub const SIZE: usize = size_of::<_Py_hashtable_t>();
    pub const NENTRIES: usize = offset_of!(_Py_hashtable_t, nentries);
    pub const NBUCKETS: usize = offset_of!(_Py_hashtable_t, nbuckets);
    pub const BUCKETS: usize = offset_of!(_Py_hashtable_t, buckets);
    pub const KEY_DESTROY: usize = offset_of!(_Py_hashtable_t, key_destroy_func);
    pub const VALUE_DESTROY: usize = offset_of!(_Py_hashtable_t, value_destroy_func);
    pub const ALLOC_MALLOC: usize =
        offset_of!(_Py_hashtable_t, alloc) + offset_of!(_Py_hashtable_allocator_t, malloc);
    pub const ALLOC_FREE: usize =
        offset_of!(_Py_hashtable_t, alloc) + offset_of!(_Py_hashtable_allocator_t, free);
    /// Entry: the bucket link (`_Py_slist_item.next`), `key_hash`, `key`, `value`.
    pub const ENTRY_SIZE: usize = size_of::<_Py_hashtable_entry_t>();
    pub const ENTRY_NEXT: usize = offset_of!(_Py_hashtable_entry_t, _Py_slist_item);
    pub const ENTRY_HASH: usize = offset_of!(_Py_hashtable_entry_t, key_hash);
    pub const ENTRY_KEY: usize = offset_of!(_Py_hashtable_entry_t, key);
    pub const ENTRY_VALUE: usize = offset_of!(_Py_hashtable_entry_t, value);
}
