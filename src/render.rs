//! The native side of `pyhood._render`, where every result's text, HTML and dict rendering
//! lives: a class's `__str__` and `_repr_html_` are `render::text(slf.as_any(), "<function>")`,
//! its `to_dict` is `render::call(slf.as_any(), "<function>")`, its `_repr_pretty_` (IPython)
//! is `render::pretty`. One-line `__repr__`s stay in
//! Rust beside their classes. `pyhood._render` is imported when first needed (it is pure
//! Python and imports nothing of pyhood's, so there is no cycle with the native module).

use pyo3::prelude::*;

/// `pyhood._render.<func>(obj)`.
///
/// Every attribute name pyhood looks up is an interned string (`intern!`, or
/// `PyString::intern` for a name made at run time): CPython's type-attribute cache keeps a
/// reference to the name of each lookup, so a fresh string per call would leave one more
/// string in it every time, up to its 4096 entries (test_safety's thread-churn test).
pub fn call<'py>(obj: &Bound<'py, PyAny>, func: &str) -> PyResult<Bound<'py, PyAny>> {
    obj.py()
        .import("pyhood._render")?
        .call_method1(pyo3::types::PyString::intern(obj.py(), func), (obj,))
}

/// `pyhood._render.<func>(obj)`, a text.
pub fn text(obj: &Bound<'_, PyAny>, func: &str) -> PyResult<String> {
    call(obj, func)?.extract()
}

/// IPython's `_repr_pretty_(p, cycle)`: `pyhood._render.pretty(obj, p, cycle)`, which prints
/// `str(obj)` (the `repr` when IPython found a cycle).
pub fn pretty(obj: &Bound<'_, PyAny>, p: &Bound<'_, PyAny>, cycle: bool) -> PyResult<()> {
    obj.py()
        .import("pyhood._render")?
        .call_method1(pyo3::intern!(obj.py(), "pretty"), (obj, p, cycle))?;
    Ok(())
}
