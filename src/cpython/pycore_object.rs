//! `Include/internal/pycore_object.h`: the memory before the GC head of instances of types
//! with a managed dict or weakref list (3.11+), and where 3.13+ inline values start.

use super::object::{
    PyObject, TPFLAGS_INLINE_VALUES, TPFLAGS_MANAGED_DICT, TPFLAGS_MANAGED_WEAKREF,
};
use super::pycore_gc::GC_HEAD_SIZE;

// No struct of this header is mirrored: the pre-header is words before the GC head.
declare! {}

/// The words of the pre-header that sits before the GC head, as (name, offset from the
/// object). Empty when the type has no pre-header.
pub fn preheader(type_flags: u64) -> Vec<(&'static str, isize)> {
    use super::has_flag;
    let managed = has_flag(type_flags, TPFLAGS_MANAGED_DICT | TPFLAGS_MANAGED_WEAKREF);
    if !managed {
        return Vec::new();
    }
    let below = -(GC_HEAD_SIZE as isize);
    if cfg!(Py_3_12) {
        // 3.12+: weakref list at −32 (−16 free-threaded), then the dict pointer (3.12: a
        // tagged `PyDictOrValues`) at −24 (−8).
        let weak = if has_flag(type_flags, TPFLAGS_MANAGED_WEAKREF) {
            "managed_weakref"
        } else {
            "(unused)"
        };
        let dict = if !has_flag(type_flags, TPFLAGS_MANAGED_DICT) {
            "(unused)"
        } else if cfg!(Py_3_13) {
            "managed_dict"
        } else {
            "dict_or_values"
        };
        vec![(weak, below - 16), (dict, below - 8)]
    } else {
        // 3.11: `_PyObject_ValuesPointer` at −32 and `_PyObject_ManagedDictPointer` at −24.
        vec![("managed_values", below - 16), ("managed_dict", below - 8)]
    }
}

/// Where the weak-reference list of an instance of a `Py_TPFLAGS_MANAGED_WEAKREF` type is,
/// relative to the object (3.12+): the first pre-header word, −32 (−16 free-threaded).
pub const MANAGED_WEAKREF_OFFSET: isize = -(GC_HEAD_SIZE as isize) - 16;

/// Where a type's inline values (`PyDictValues`) start inside its instances (3.13+).
pub fn inline_values_offset(type_flags: u64, basicsize: isize) -> Option<usize> {
    if !super::has_flag(type_flags, TPFLAGS_INLINE_VALUES) {
        return None;
    }
    if cfg!(Py_3_14) {
        Some(basicsize as usize) // 3.14: `_PyObject_InlineValues` = obj + tp_basicsize
    } else {
        Some(PyObject::SIZE) // 3.13: obj + sizeof(PyObject)
    }
}

/// 3.12 `PyDictOrValues` (v3.12.1): bit 0 set means the word holds `(char *)values - 1`;
/// returns the `PyDictValues *` then, else `None`.
pub fn dict_or_values_values(word: usize) -> Option<usize> {
    (cfg!(Py_3_12) && !cfg!(Py_3_13) && word & 1 == 1).then(|| word.wrapping_add(1))
}
