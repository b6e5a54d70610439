//! Interpreter-wide state (guide §12.3, §12.4): where it starts, and the shapes pyhood reads
//! there.
//!
//! - Anchors: the current `PyInterpreterState *` (`PyInterpreterState_Get()`) and the
//!   addresses of exported symbols (`_PyRuntime`, `PyMem_RawMalloc`, `PyMem_RawFree`) found
//!   with `dlsym(RTLD_DEFAULT, ...)`. Nothing here dereferences them: every read of the
//!   state they lead to goes through the fault-free `mem` layer and is validated by the
//!   caller (`src/interning.rs`, `src/generations.rs`) against a public signal before any number is shown.
//! - `#[repr(C)]` mirrors of `_Py_hashtable_t` and its entries (`pycore_hashtable.h`,
//!   unchanged 3.10–3.15). Like `structs.rs`, they are never dereferenced: `compat` takes
//!   `offset_of!`/`size_of` from them, and `offsets.rs` exports those numbers so that
//!   `tests/test_offsets.py` proves them against the headers. Where the interpreter keeps
//!   its state is not mirrored here: see `src/cpython/pycore_interp.rs`.
#![allow(non_camel_case_types, non_snake_case, dead_code)]

use core::ffi::{c_char, c_void, CStr};

use pyo3::ffi;
use pyo3::prelude::*;

type Ptr = *const c_void;

// ---------------------------------------------------------------------------------------
// Anchors
// ---------------------------------------------------------------------------------------

/// The address of the calling thread's `PyInterpreterState`.
pub fn interpreter_address(_py: Python<'_>) -> usize {
    // SAFETY:
    // - the thread is attached (we hold a `Python<'_>` token), which is the one precondition
    //   of PyInterpreterState_Get; with an attached thread it never returns NULL
    // - only the pointer value is kept; nothing is dereferenced here
    unsafe { ffi::PyInterpreterState_Get() as usize }
}

/// The address of an exported data or function symbol of the running process, if any.
pub fn symbol_address(name: &CStr) -> Option<usize> {
    // SAFETY:
    // - `name` is a valid NUL-terminated C string that outlives the call
    // - RTLD_DEFAULT searches the global symbol scope, where the interpreter's exported
    //   (PyAPI_*) symbols live; dlsym only looks the name up and returns an address or NULL
    let p = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr() as *const c_char) };
    (!p.is_null()).then_some(p as usize)
}

/// `&_PyRuntime` (`PyAPI_DATA(_PyRuntimeState) _PyRuntime`, exported in every version).
pub fn runtime_address() -> Option<usize> {
    symbol_address(c"_PyRuntime")
}

/// The addresses of `PyMem_RawMalloc` and `PyMem_RawFree`, as CPython stores them in a
/// `_Py_hashtable_allocator_t`.
pub fn raw_allocator_addresses() -> Option<(usize, usize)> {
    Some((
        symbol_address(c"PyMem_RawMalloc")?,
        symbol_address(c"PyMem_RawFree")?,
    ))
}

// ---------------------------------------------------------------------------------------
// _Py_hashtable_t (3.13+: the runtime-wide table of statically allocated interned strings)
// ---------------------------------------------------------------------------------------

/// `_Py_hashtable_allocator_t`.
#[repr(C)]
pub struct _Py_hashtable_allocator_t {
    pub malloc: Ptr,
    pub free: Ptr,
}

/// `struct _Py_hashtable_t` (`pycore_hashtable.h`, unchanged 3.10–3.15).
#[repr(C)]
pub struct _Py_hashtable_t {
    pub nentries: usize,
    pub nbuckets: usize,
    /// `_Py_slist_t *`: an array of `nbuckets` list heads (one pointer each).
    pub buckets: Ptr,
    pub get_entry_func: Ptr,
    pub hash_func: Ptr,
    pub compare_func: Ptr,
    pub key_destroy_func: Ptr,
    pub value_destroy_func: Ptr,
    pub alloc: _Py_hashtable_allocator_t,
}

/// `_Py_hashtable_entry_t`: a singly linked bucket item, then hash, key and value.
#[repr(C)]
pub struct _Py_hashtable_entry_t {
    pub _Py_slist_item: Ptr,
    pub key_hash: usize,
    pub key: Ptr,
    pub value: Ptr,
}
