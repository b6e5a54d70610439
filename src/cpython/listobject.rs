//! `Include/cpython/listobject.h`: `PyListObject`.

use super::object::PyVarObject;
use super::Ptr;

declare! {
    /// `PyListObject`: `ob_size` items in use of `allocated` at `ob_item`.
    pub struct PyListObject in "" {
        ob_base: PyVarObject = base,
        ob_item: Ptr = { "PyObject **", Pointer },
        allocated: isize = { "Py_ssize_t", Signed },
    }
}
