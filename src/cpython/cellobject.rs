//! `Include/cpython/cellobject.h`: `PyCellObject`.

use super::object::PyObject;
use super::Ptr;

declare! {
    /// `PyCellObject`: the box of a variable a closure captures.
    pub struct PyCellObject in "" {
        ob_base: PyObject = base,
        ob_ref: Ptr = { "PyObject *", Pointer },
    }
}
