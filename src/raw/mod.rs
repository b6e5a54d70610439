//! The raw-read layer: the only place with `unsafe` code.
//!
//! - `collector`: the `Paused` guard that keeps the cyclic collector still during a call.
//! - `mem`: fault-free reads of arbitrary addresses (`process_vm_readv` on our own pid).
//! - `object`: direct reads of a live object's `PyObject` header and its type object.
//! - `refcnt`: `pyhood.refcnt` as a bare `METH_O` function.
//! - `dynlink`: what the dynamic linker answers: the active allocator's name (a `dlsym`
//!   lookup of `_PyMem_GetCurrentAllocatorName`) and whether an address lies inside a loaded
//!   image (`dladdr`, for statically allocated objects).
//! - `glibc`: what the C library's malloc says about its own chunks (the usable part of an
//!   mmapped chunk), learned once from a probe block of pyhood's own.
//! - `debugstats`: pymalloc's `_PyObject_DebugMallocStats` report, captured into memory.
//! - `interp`: anchors of interpreter-wide state (`PyInterpreterState_Get`, `_PyRuntime`)
//!   and `#[repr(C)]` mirrors of the GC state and `_Py_hashtable_t`, per version.
//! - `compat`: the interpreter-state offsets of each known release (safe code; the struct
//!   mirrors and every other version difference are declared once in `src/cpython/`).
//! - `offsets`: the table of every offset and size used, proven against the C headers.

pub mod collector;
pub mod compat;
pub mod debugstats;
pub mod dynlink;
pub mod glibc;
pub mod interp;
pub mod mem;
pub mod object;
pub mod offsets;
pub mod refcnt;

/// The struct mirrors under their old path, for the interpreter-state code (`interning.rs`, `freelists.rs`).
pub mod structs {
    pub use crate::cpython::dictobject::PyDictObject;
    pub use crate::cpython::object::PyObject;
    pub use crate::cpython::pycore_dict::PyDictKeyEntry;
    pub use crate::cpython::unicodeobject::PyASCIIObject;
}
