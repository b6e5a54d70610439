//! `pyhood.refcnt` as a bare `METH_O` C function: no argument parsing and no trampoline, so
//! that reading a refcount costs about what `sys.getrefcount` costs (guide §10.1, §11.2).
//!
//! Tests: `tests/test_10_1_pyobject.py` (`refcnt` equals `sys.getrefcount`).

use core::mem::size_of;

use pyo3::ffi;
use pyo3::prelude::*;

use super::object::HeaderBytes;
use crate::cpython::object::{self as cobject, PyObject as RawObject};

/// The `METH_O` implementation: `Py_REFCNT(arg)` as a Python int.
unsafe extern "C" fn refcnt_o(
    _module: *mut ffi::PyObject,
    arg: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    let mut h = [0u8; size_of::<RawObject>()];
    // SAFETY:
    // - CPython calls METH_O functions with the thread attached and `arg` a live, borrowed,
    //   non-NULL object for the duration of the call
    // - every object begins with a complete PyObject header of size_of::<RawObject>() bytes
    //   (proven against the headers by test_offsets.py); `h` is a distinct local buffer
    unsafe { core::ptr::copy_nonoverlapping(arg.cast::<u8>(), h.as_mut_ptr(), h.len()) };
    let count = cobject::refcnt(&HeaderBytes(h));
    // SAFETY: the thread is attached; PyLong_FromLongLong returns a new reference or NULL
    // with an exception set, which is what a METH_O function must return
    unsafe { ffi::PyLong_FromLongLong(count) }
}

struct MethodDef(ffi::PyMethodDef);

// SAFETY: the definition is immutable after construction and only holds pointers to
// 'static C strings and a function; CPython reads it from whichever thread calls it.
unsafe impl Sync for MethodDef {}

static REFCNT_DEF: MethodDef = MethodDef(ffi::PyMethodDef {
    ml_name: c"refcnt".as_ptr(),
    ml_meth: ffi::PyMethodDefPointer { PyCFunction: refcnt_o },
    ml_flags: ffi::METH_O,
    ml_doc: c"refcnt(obj, /)\n--\n\nPy_REFCNT(obj): equals sys.getrefcount(obj) called in the same position.".as_ptr(),
});

/// Create the `refcnt` builtin function object bound to `module`.
pub fn refcnt_function<'py>(module: &Bound<'py, PyModule>) -> PyResult<Bound<'py, PyAny>> {
    let py = module.py();
    let name = module.name()?;
    // SAFETY:
    // - the thread is attached (we hold `py`)
    // - REFCNT_DEF is a 'static, never-mutated PyMethodDef; CPython only reads it
    // - `module` and `name` are live; PyCFunction_NewEx takes new references to them
    // - the result is a new reference or NULL with an exception set, handled by from_owned_ptr_or_err
    unsafe {
        let ptr = ffi::PyCFunction_NewEx(
            core::ptr::addr_of!(REFCNT_DEF.0).cast_mut(),
            module.as_ptr(),
            name.as_ptr(),
        );
        Bound::from_owned_ptr_or_err(py, ptr)
    }
}
