//! `pyhood.header(obj)` and `pyhood.refcnt(obj)`: the `PyObject` header every object shares
//! (guide §10.1, §11.1).

use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::cpython::object as cobject;
use crate::raw::object::{self as rawobj};
use crate::render;

/// An immutable snapshot of an object's `PyObject` (and `PyVarObject`) header.
#[pyclass(frozen, module = "pyhood", name = "ObjectHeader")]
pub struct PyObjectHeader {
    /// `id(obj)`.
    #[pyo3(get)]
    address: usize,
    /// `Py_REFCNT(obj)` as the running interpreter computes it.
    #[pyo3(get)]
    refcnt: i64,
    #[pyo3(get, name = "type")]
    typ: Py<PyType>,
    #[pyo3(get)]
    type_address: usize,
    /// `ob_size` for variable-size objects, else `None`.
    #[pyo3(get)]
    size: Option<isize>,
    /// `_Py_IsImmortal(obj)`; always False before 3.12.
    #[pyo3(get)]
    immortal: bool,
    /// `ob_flags` (3.14+), else `None`.
    #[pyo3(get)]
    flags: Option<u16>,
    /// Free-threaded builds only: `ob_tid`, `ob_ref_local`, `ob_ref_shared`, `ob_gc_bits`.
    #[pyo3(get)]
    tid: Option<u64>,
    #[pyo3(get)]
    ref_local: Option<u32>,
    #[pyo3(get)]
    ref_shared: Option<i64>,
    #[pyo3(get)]
    gc_bits: Option<u8>,
}

#[pymethods]
impl PyObjectHeader {
    fn __str__(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "header_text")
    }

    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "header_html")
    }

    /// IPython's pretty printer: the same text as `str()`.
    fn _repr_pretty_(slf: &Bound<'_, Self>, p: &Bound<'_, PyAny>, cycle: bool) -> PyResult<()> {
        render::pretty(slf.as_any(), p, cycle)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let name = crate::raw::object::type_name(self.typ.bind(py));
        let mut s = format!(
            "<ObjectHeader {name} at {:#x}: refcnt={}{}, type={:#x}",
            self.address,
            self.refcnt,
            if self.immortal { " (immortal)" } else { "" },
            self.type_address
        );
        if let Some(n) = self.size {
            s.push_str(&format!(", ob_size={n}"));
        }
        if let Some(f) = self.flags {
            s.push_str(&format!(", ob_flags={f:#x}"));
        }
        if let (Some(t), Some(l), Some(sh), Some(g)) =
            (self.tid, self.ref_local, self.ref_shared, self.gc_bits)
        {
            s.push_str(&format!(
                ", ob_tid={t:#x}, ob_ref_local={l}, ob_ref_shared={sh}, ob_gc_bits={g:#x}"
            ));
        }
        s.push('>');
        Ok(s)
    }

    /// A JSON-ready dict: `type` as its name (module and qualname), every field.
    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        render::call(slf.as_any(), "header_dict")
    }
}

/// Whether the object's C struct begins with `PyObject_VAR_HEAD`: its type's decoder
/// knows (ints on 3.12+ carry `lv_tag`, str, 3.11+ frames and generators have no
/// `ob_size` although some of them have a nonzero `tp_itemsize`; list, bytearray and type
/// objects have one with `tp_itemsize` 0).
pub fn is_var_object(obj: &Bound<'_, PyAny>) -> bool {
    crate::layout::has_var_head(obj)
}

pub fn header(obj: &Bound<'_, PyAny>) -> PyObjectHeader {
    let h = rawobj::header_bytes(obj);
    let ft = cobject::ft_fields(&h);
    PyObjectHeader {
        address: obj.as_ptr() as usize,
        // `obj` is borrowed from the caller: no reference of ours is counted.
        refcnt: cobject::refcnt(&h),
        typ: obj.get_type().unbind(),
        type_address: h.type_address(),
        size: is_var_object(obj).then(|| rawobj::ob_size(obj)),
        immortal: cobject::immortal(&h),
        flags: cobject::ob_flags(&h),
        tid: ft.map(|f| f.0),
        ref_local: ft.map(|f| f.1),
        ref_shared: ft.map(|f| f.2),
        gc_bits: ft.map(|f| f.3),
    }
}
