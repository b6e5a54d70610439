//! Object identity and reuse (guide §11.3): whether an object is immortal
//! (`is_immortal`, from its header's refcount field, 3.12+) and whether an int is the
//! interpreter's cached small int for its value (`is_small_int`). The interning state of a
//! string, the other kind of shared object §11.3 shows, is in `interning.rs` (§12.3).
//!
//! Tests: `tests/test_11_3_identity_reuse.py`. No Rust unit tests: both functions look at a
//! live object.

use pyo3::prelude::*;
use pyo3::types::PyInt;

use crate::cpython::object as cobject;
use crate::cpython::pycore_long;
use crate::raw::object as rawobj;

/// Whether the object is immortal (`_Py_IsImmortal`); always False before 3.12.
#[pyfunction]
#[pyo3(signature = (obj, /))]
pub fn is_immortal(obj: &Bound<'_, PyAny>) -> bool {
    cobject::immortal(&rawobj::header_bytes(obj))
}

/// Whether `obj` is the interpreter's cached small int for its value: an exact int in the
/// small-int range whose address is that of the object the interpreter returns for the value.
#[pyfunction]
#[pyo3(signature = (obj, /))]
pub fn is_small_int(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    if !obj.is_exact_instance_of::<PyInt>() {
        return Ok(false);
    }
    let Ok(v) = obj.extract::<i64>() else {
        return Ok(false);
    };
    if !pycore_long::is_small_int_value(v) {
        return Ok(false);
    }
    // PyLong_FromLongLong returns the cached object for every value in the range.
    let cached = v.into_pyobject(obj.py())?;
    Ok(cached.as_ptr() == obj.as_ptr())
}

/// Register this module's functions on the native module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(is_immortal, m)?)?;
    m.add_function(wrap_pyfunction!(is_small_int, m)?)?;
    Ok(())
}
