//! `Include/cpython/setobject.h`: `setentry` and `PySetObject` (unchanged 3.10–3.15).

use super::object::PyObject;
use super::Ptr;

/// `PySet_MINSIZE`: the entries of `smalltable`.
pub const SET_MINSIZE: usize = 8;

declare! {
    /// `setentry`: one slot of a set's hash table.
    pub struct setentry in "" {
        key: Ptr = { "PyObject *", Pointer },
        hash: isize = { "Py_hash_t", Signed },
    }

    /// `PySetObject`: `table` points at `smalltable` until the set outgrows it.
    pub struct PySetObject in "" {
        ob_base: PyObject = base,
        fill: isize = { "Py_ssize_t", Signed },
        used: isize = { "Py_ssize_t", Signed },
        mask: isize = { "Py_ssize_t", Signed },
        table: Ptr = { "setentry *", Pointer },
        hash: isize = { "Py_hash_t", Signed },
        finger: isize = { "Py_ssize_t", Signed },
        smalltable: [setentry; SET_MINSIZE] = { "setentry[8]", Bytes },
        weakreflist: Ptr = { "PyObject *", Pointer },
    }
}
