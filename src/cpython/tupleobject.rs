//! `Include/cpython/tupleobject.h`: `PyTupleObject`.

use super::object::PyVarObject;
use super::Ptr;

declare! {
    /// `PyTupleObject`; 3.14 caches the tuple's hash in `ob_hash` before the items.
    pub struct PyTupleObject in "" {
        ob_base: PyVarObject = base,
        #[cfg(Py_3_14)]
        ob_hash: isize = { "Py_hash_t", Signed },
        ob_item: [Ptr; 1] = ["PyObject *"],
    }
}
