//! `Include/cpython/floatobject.h`: `PyFloatObject`.

use super::object::PyObject;

declare! {
    /// `PyFloatObject` (unchanged 3.10–3.15).
    pub struct PyFloatObject in "" {
        ob_base: PyObject = base,
        ob_fval: f64 = { "double", Double },
    }
}
