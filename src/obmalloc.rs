//! `pyhood.obmalloc_stats()`: pymalloc's arenas, pools and size classes as data (guide §12.1).

use pyo3::prelude::*;

/// Register this module's functions and classes on the native module.
pub fn register(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}
