//! pyhood's exceptions are defined in Python (`python/pyhood/_errors.py`); this module
//! raises them from Rust.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyType;

/// The class from `pyhood._errors`, taken from `sys.modules` (the package imports it first),
/// so that raising runs no import hook; imported only if it is somehow not loaded yet.
fn raise(class: &str, msg: String) -> PyErr {
    Python::attach(|py| {
        let module = pyo3::intern!(py, "pyhood._errors");
        let name = pyo3::types::PyString::intern(py, class);
        let cls = match crate::raw::object::loaded_module_global(py, module, &name) {
            Some(c) => Ok(c),
            None => py
                .import("pyhood._errors")
                .and_then(|m| m.getattr(pyo3::types::PyString::intern(py, class))),
        }
        .and_then(|c| c.cast_into::<PyType>().map_err(PyErr::from));
        match cls {
            Ok(cls) => PyErr::from_type(cls, msg),
            Err(_) => PyRuntimeError::new_err(msg),
        }
    })
}

/// Memory pyhood had to read was not readable (`pyhood.MemoryReadError`).
pub fn memory_read_error(msg: String) -> PyErr {
    raise("MemoryReadError", msg)
}

/// A failed fault-free read as `pyhood.MemoryReadError`.
pub fn read_err(e: crate::raw::mem::ReadError) -> PyErr {
    memory_read_error(e.to_string())
}

/// A structure did not have the shape pyhood expects (`pyhood.LayoutError`).
pub fn layout_error(msg: String) -> PyErr {
    raise("LayoutError", msg)
}

/// The allocator asked about is not the active one (`pyhood.AllocatorError`).
pub fn allocator_error(msg: String) -> PyErr {
    raise("AllocatorError", msg)
}

/// A failure that fits no narrower class (`pyhood.PyhoodError`).
pub fn pyhood_error(msg: String) -> PyErr {
    raise("PyhoodError", msg)
}

/// Interpreter state failed validation (`pyhood.StateValidationError`).
pub fn state_validation_error(msg: String) -> PyErr {
    raise("StateValidationError", msg)
}

/// State this interpreter does not let pyhood reach (`pyhood.UnreachableStateError`).
pub fn unreachable_state_error(msg: String) -> PyErr {
    raise("UnreachableStateError", msg)
}

/// This interpreter build cannot answer the question (`pyhood.UnsupportedInterpreterError`).
pub fn unsupported(msg: String) -> PyErr {
    raise("UnsupportedInterpreterError", msg)
}

/// Whether `e` is one of pyhood's own errors (a `pyhood.PyhoodError`): a refusal to
/// answer, not an interruption or a bug in the caller's code.
pub fn is_pyhood_error(py: Python<'_>, e: &PyErr) -> bool {
    let module = pyo3::intern!(py, "pyhood._errors");
    let name = pyo3::intern!(py, "PyhoodError");
    crate::raw::object::loaded_module_global(py, module, name)
        .and_then(|c| c.cast_into::<PyType>().ok())
        .is_some_and(|c| e.is_instance(py, &c))
}
