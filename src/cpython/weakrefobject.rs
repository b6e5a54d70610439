//! `Include/cpython/weakrefobject.h` (3.10: `Include/weakrefobject.h`): `PyWeakReference`.

use super::object::PyObject;

declare! {
    /// `struct _PyWeakReference`: `vectorcall` from 3.11, `weakrefs_lock` on free-threaded
    /// builds (3.13+). The references to one object form a doubly linked list.
    pub struct PyWeakReference in "" {
        ob_base: PyObject = base,
        wr_object: usize = { "PyObject *", Pointer },
        wr_callback: usize = { "PyObject *", Pointer },
        hash: isize = { "Py_hash_t", Signed },
        wr_prev: usize = { "PyWeakReference *", Pointer },
        wr_next: usize = { "PyWeakReference *", Pointer },
        #[cfg(Py_3_11)]
        vectorcall: usize = { "vectorcallfunc", Pointer },
        #[cfg(Py_GIL_DISABLED)]
        weakrefs_lock: usize = { "PyMutex *", Pointer },
    }
}

/// Most weak references pyhood follows on one object's list.
pub const MAX_WEAKREFS: usize = 10_000_000;
