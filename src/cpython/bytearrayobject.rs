//! `Include/cpython/bytearrayobject.h`: `PyByteArrayObject`.

use super::object::PyVarObject;
use super::Ptr;

declare! {
    /// `PyByteArrayObject`: `ob_size` bytes in use from `ob_start`, inside `ob_alloc` bytes at
    /// `ob_bytes`. Up to 3.14 the buffer is a block of its own (`PyMem_Malloc`/`PyMem_Realloc`
    /// in Objects/bytearrayobject.c `PyByteArray_Resize`); from 3.15 it is the `ob_sval` of
    /// the bytes object `ob_bytes_object`.
    pub struct PyByteArrayObject in "" {
        ob_base: PyVarObject = base,
        ob_alloc: isize = { "Py_ssize_t", Signed },
        ob_bytes: Ptr = { "char *", Pointer },
        ob_start: Ptr = { "char *", Pointer },
        ob_exports: isize = { "Py_ssize_t", Signed },
        #[cfg(Py_3_15)]
        ob_bytes_object: Ptr = { "PyObject *", Pointer },
    }
}
