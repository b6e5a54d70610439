//! The raw-read layer: the only place with `unsafe` code.
//!
//! - `mem`: fault-free reads of arbitrary addresses (`process_vm_readv` on our own pid).
//! - `object`: direct reads of a live object's `PyObject` header and its type object.
//! - `structs`: `#[repr(C)]` mirrors of CPython structs, per version (never dereferenced).
//! - `compat`: every version-dependent encoding, keyed on PyO3's `Py_3_N` cfgs.
//! - `debugstats`: pymalloc's `_PyObject_DebugMallocStats` report, captured into memory.
//! - `interp`: anchors of interpreter-wide state (`PyInterpreterState_Get`, `_PyRuntime`)
//!   and `#[repr(C)]` mirrors of the GC state and `_Py_hashtable_t`, per version.
//! - `offsets`: the table of every offset and size used, proven against the C headers.

pub mod alloc;
pub mod compat;
pub mod debugstats;
pub mod fast;
pub mod interp;
pub mod mem;
pub mod object;
pub mod offsets;
pub mod structs;
