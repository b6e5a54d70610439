//! Interpreter-wide state (guide §12.3, §12.4): where it starts, and the shapes pyhood reads
//! there.
//!
//! - Anchors: the current `PyInterpreterState *` (`PyInterpreterState_Get()`) and the
//!   addresses of exported symbols (`_PyRuntime`, `PyMem_RawMalloc`, `PyMem_RawFree`) found
//!   with `dlsym(RTLD_DEFAULT, ...)`. Nothing here dereferences them: every read of the
//!   state they lead to goes through the fault-free `mem` layer and is validated by the
//!   caller (`src/gcstate.rs`) against a public signal before any number is shown.
//! - `#[repr(C)]` mirrors of `struct _gc_runtime_state` (`PyInterpreterState.gc`) per version,
//!   of `_Py_hashtable_t`, and of its entries. Like `structs.rs`, they are never
//!   dereferenced: `compat.rs` takes `offset_of!`/`size_of` from them, and `offsets.rs`
//!   exports those numbers so that `tests/test_offsets.py` proves them against the headers.
//!
//! Sources: `Include/internal/pycore_gc.h` (v3.10.13, v3.11.7, v3.12.1, v3.13.0, and Debian's
//! 3.13.18), `Include/internal/pycore_interp_structs.h` (Debian 3.14.10, 3.15.2),
//! `Include/internal/pycore_hashtable.h` (all).
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
// struct _gc_runtime_state (PyInterpreterState.gc), default builds
// ---------------------------------------------------------------------------------------

/// `PyGC_Head`: two words (`pycore_gc.h`; 3.14+ `pycore_interp_structs.h`).
#[repr(C)]
pub struct PyGC_Head {
    pub _gc_next: usize,
    pub _gc_prev: usize,
}

/// `PyGC_Head` as Debian's 3.13.18 declares it: `typedef struct {...} PyGC_Head
/// Py_ALIGNED(1 << _PyObject_ALIGNMENT_SHIFT);`. GCC lets `aligned` on a typedef *lower*
/// the alignment, so this build's `PyGC_Head` is 4-aligned (still 16 bytes), and every
/// `struct gc_generation` array moves 4 bytes down (gh-127545 backport; 3.13.0 lacks it).
#[repr(C, packed(4))]
pub struct PyGC_Head_Align4 {
    pub _gc_next: usize,
    pub _gc_prev: usize,
}

/// `struct gc_generation { PyGC_Head head; int threshold; int count; }`, over the build's
/// `PyGC_Head` (`H`).
#[repr(C)]
pub struct gc_generation_of<H> {
    pub head: H,
    pub threshold: i32,
    pub count: i32,
}

pub type gc_generation = gc_generation_of<PyGC_Head>;
/// `struct gc_generation` built on the 4-aligned `PyGC_Head` (3.13.18).
pub type gc_generation_align4 = gc_generation_of<PyGC_Head_Align4>;

/// `struct gc_generation_stats` (3.10–3.14).
#[repr(C)]
pub struct gc_generation_stats {
    pub collections: isize,
    pub collected: isize,
    pub uncollectable: isize,
}

/// `struct _gc_runtime_state` of 3.10–3.13 (`pycore_gc.h`) over generations of type `G`.
#[repr(C)]
pub struct gc_runtime_state_of<G> {
    pub trash_delete_later: Ptr,
    pub trash_delete_nesting: i32,
    pub enabled: i32,
    pub debug: i32,
    pub generations: [G; 3],
    pub generation0: Ptr,
    pub permanent_generation: G,
    pub generation_stats: [gc_generation_stats; 3],
    pub collecting: i32,
    pub garbage: Ptr,
    pub callbacks: Ptr,
    pub long_lived_total: isize,
    pub long_lived_pending: isize,
}

/// 3.10.13, 3.11.7, 3.12.1, 3.13.0: 240 bytes.
pub type gc_runtime_state_310 = gc_runtime_state_of<gc_generation>;
/// Debian 3.13.18: the 3.13.0 fields with 4-aligned generations (`generations` at 20).
pub type gc_runtime_state_31318 = gc_runtime_state_of<gc_generation_align4>;

/// 3.14.10 default build (`pycore_interp_structs.h`): the generational GC restored in
/// 3.14.5, with `dummy1..3` keeping the offsets of the 3.14.0–3.14.4 incremental-GC fields
/// and `generation0` appended at the end. 264 bytes.
#[repr(C)]
pub struct gc_runtime_state_314 {
    pub trash_delete_later: Ptr,
    pub trash_delete_nesting: i32,
    pub enabled: i32,
    pub debug: i32,
    pub generations: [gc_generation; 3],
    pub permanent_generation: gc_generation,
    pub generation_stats: [gc_generation_stats; 3],
    pub collecting: i32,
    pub garbage: Ptr,
    pub callbacks: Ptr,
    pub heap_size: isize,
    pub dummy1: isize,
    pub dummy2: i32,
    pub dummy3: i32,
    pub long_lived_total: isize,
    pub long_lived_pending: isize,
    pub generation0: Ptr,
}

/// 3.15.2 default build (`pycore_interp_structs.h`): the trash list moved out,
/// `generation_stats` became a pointer, `frame` was added. 176 bytes.
#[repr(C)]
pub struct gc_runtime_state_315 {
    pub enabled: i32,
    pub debug: i32,
    pub generations: [gc_generation; 3],
    pub permanent_generation: gc_generation,
    pub generation_stats: Ptr,
    pub collecting: i32,
    pub frame: Ptr,
    pub garbage: Ptr,
    pub callbacks: Ptr,
    pub heap_size: isize,
    pub long_lived_total: isize,
    pub long_lived_pending: isize,
    pub generation0: Ptr,
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
