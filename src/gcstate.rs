//! The garbage collector's state as data: generations, thresholds, counts (guide §12.4),
//! and the interning state of strings (§12.3).

use pyo3::prelude::*;

/// Register this module's functions and classes on the native module.
pub fn register(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}
