//! The raw-read layer: the only place with `unsafe` code.
//!
//! ## Which reads are direct, which are fault-free
//! A read is **direct** (a plain load or `memcpy`) only when the memory is mapped and owned
//! by a live object for the whole read. That holds, while the thread is attached (holds the
//! GIL), runs no Python code and keeps the collector paused (`collector::pause`), for:
//! 1. the object's own allocation `[id(obj) + start, id(obj) + end)` of an object the caller
//!    holds a `Bound`/`Borrowed` reference to, with the extent its type's decoder worked out
//!    from the type and the object's own size fields (`live::Live`); and its type object;
//! 2. a block the object owns through a pointer of its own struct, up to the size its own
//!    fields give: a list's `ob_item[allocated]`, a dict's keys and values, a set's table
//!    (`live::Live::owned`);
//! 3. nodes of the collector's lists, reached through `_gc_next`/`_gc_prev` from a list head
//!    whose address and links were validated first: every node is the `PyGC_Head` of a live
//!    tracked object (`gclist`);
//! 4. the weak references on an object's weakref list, reached from its `tp_weaklistoffset`
//!    slot: each is a live weakref object that removes itself from the list when freed;
//! 5. the objects a live object references, as its type's `tp_traverse` (or `PyDict_Next`)
//!    reports them: each is held by that object, so it is live for as long as the referrer
//!    is and nothing releases the reference (`traverse`);
//! 6. the few bytes right before a block of points 1 and 2 (an allocator's header: a malloc
//!    chunk's size word, the debug hooks' header) when they lie on the same 4 KiB page as
//!    the block's first byte: memory is mapped and protected a page at a time, so they are
//!    as readable as the block (`mem::copy_beside`; x86-64 only, where no finer-grained
//!    memory tag can guard them, and never under memcheck, for which they are a redzone).
//!
//! Everything else goes through the fault-free path in `mem` (`read`, `probe`): addresses
//! that are computed or reported rather than owned (a pool header found by masking an
//! address, an allocator's header on another page than its block, arenas, `peek` ranges, `block_info` of an address), interpreter state before it
//! is validated, and pointers read out of fields that are not guaranteed live (a frame's
//! slots past its stack top, stale words). Each direct-read site says in its `SAFETY`
//! comment which of the guarantees above it relies on.
//!
//! Two exceptions keep the fault-free path where a direct read would be allowed: under
//! valgrind's memcheck, object bytes are copied by `mem::read` (a direct copy of padding
//! makes memcheck report every later decision on those bytes, and `mem::read` still asks
//! memcheck whether the range is addressable); and on free-threaded builds (untested here),
//! where other threads may resize or free an owned block during the read, blocks of rule 2
//! are read fault-free.
//!
//! - `collector`: the `Paused` guard that keeps the cyclic collector still during a call.
//! - `mem`: fault-free reads of arbitrary addresses (`process_vm_readv` on our own pid).
//! - `live`: direct reads of a live object's allocation, the blocks it owns and the
//!   objects it references (points 1 and 2 above).
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
//! - `traverse`: the object graph by the interpreter's own traversal (point 5), and the
//!   frontier of a walk over it.

pub mod collector;
pub mod compat;
pub mod debugstats;
pub mod dynlink;
pub mod gclist;
pub mod glibc;
pub mod interp;
pub mod live;
pub mod mem;
pub mod object;
pub mod offsets;
pub mod refcnt;
pub mod traverse;

/// The struct mirrors under their old path, for the interpreter-state code (`interning.rs`, `freelists.rs`).
pub mod structs {
    pub use crate::cpython::dictobject::PyDictObject;
    pub use crate::cpython::object::PyObject;
    pub use crate::cpython::pycore_dict::PyDictKeyEntry;
    pub use crate::cpython::unicodeobject::PyASCIIObject;
}
