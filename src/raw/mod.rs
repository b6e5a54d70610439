//! The raw-read layer: the only place with `unsafe` code.
//!
//! - `mem`: fault-free reads of arbitrary addresses (`process_vm_readv` on our own pid).
//! - `object`: direct reads of a live object's `PyObject` header and its type object.
//! - `structs`: `#[repr(C)]` mirrors of CPython structs, per version (never dereferenced).
//! - `compat`: every version-dependent encoding, keyed on PyO3's `Py_3_N` cfgs.
//! - `offsets`: the table of every offset and size used, proven against the C headers.

pub mod compat;
pub mod fast;
pub mod mem;
pub mod object;
pub mod offsets;
pub mod structs;
