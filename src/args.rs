//! Checks of the integer arguments of the public functions, so that a wrong value gets a
//! `TypeError` (not an int) or a `ValueError` (out of range), never an `OverflowError` or a
//! wrapped-around number. Tests: tests/test_safety.py (the argument table).

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyInt;

/// `v` as an integer; only `int` (and its subclasses) is accepted, and nothing of the
/// argument's own Python code runs for an exact `int`.
pub fn int(v: &Bound<'_, PyAny>, name: &str) -> PyResult<i128> {
    if !v.is_instance_of::<PyInt>() {
        let ty = crate::raw::object::type_name(&v.get_type());
        return Err(PyTypeError::new_err(format!(
            "{name} must be an int, not {ty}"
        )));
    }
    v.extract::<i128>()
        .map_err(|_| PyValueError::new_err(format!("{name} is out of range")))
}

/// `max_items`: how many array elements get their own field, `0 ..= 2**63 - 1`.
pub fn max_items(v: Option<&Bound<'_, PyAny>>, default: usize) -> PyResult<usize> {
    let Some(v) = v else {
        return Ok(default);
    };
    let n = int(v, "max_items")?;
    if !(0..=isize::MAX as i128).contains(&n) {
        return Err(PyValueError::new_err(format!(
            "max_items must be between 0 and {}, not {n}",
            isize::MAX
        )));
    }
    Ok(n as usize)
}
