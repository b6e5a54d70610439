//! `pyhood.freelists()`: the per-type free lists that recycle dead objects without asking
//! the allocator (guide §12.2). Where they are comes from `interpreter_state` (located and
//! proven on the running interpreter); how each is shaped from the build's headers
//! (`cpython::pycore_interp::FREELISTS`, frozen within a minor version), proven again by
//! walking every list on every call.

use core::mem::offset_of;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyInt, PyList, PyTuple};

use crate::cpython::pycore_interp::{FreeListProbe, FreeListShape, FREELISTS};
use crate::errors;
use crate::interpreter_state;
use crate::raw::mem;
use crate::raw::structs::PyObject as RawObject;
use crate::render;

/// `offsetof(PyObject, ob_type)`.
const OB_TYPE: usize = offset_of!(RawObject, ob_type);

/// One free list: how many dead objects it holds and how many it may hold.
#[pyclass(frozen, module = "pyhood", name = "FreeList")]
pub struct PyFreeList {
    #[pyo3(get)]
    name: &'static str,
    /// Objects currently waiting on the list.
    #[pyo3(get)]
    count: usize,
    /// The most it keeps (`*_MAXFREELIST`); further frees go to the allocator.
    #[pyo3(get)]
    limit: usize,
}

#[pymethods]
impl PyFreeList {
    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "freelist_html")
    }

    /// IPython's pretty printer: the same text as `str()`.
    fn _repr_pretty_(slf: &Bound<'_, Self>, p: &Bound<'_, PyAny>, cycle: bool) -> PyResult<()> {
        render::pretty(slf.as_any(), p, cycle)
    }

    fn __repr__(&self) -> String {
        format!(
            "FreeList({:?}, count={}, limit={})",
            self.name, self.count, self.limit
        )
    }

    /// A JSON-ready dict of the snapshot's attributes.
    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        render::call(slf.as_any(), "freelist_dict")
    }
}

fn read_count(at: usize, size: usize) -> Result<i64, String> {
    let snap = mem::Snapshot::take(at, size).map_err(|e| e.to_string())?;
    Ok(snap.int(snap.base, size).unwrap_or(-1))
}

/// Read one list whose group starts at `base` and prove its count by walking what it
/// describes: every linked object (and every array slot) is counted, and objects whose
/// type stays intact while on the list must have that type.
fn read_list(
    base: usize,
    d: &FreeListProbe,
    types: &[(&str, usize)],
    empty_tuple: usize,
) -> Result<usize, String> {
    let limit = d.limit.max(0) as usize;
    let want = types
        .iter()
        .find(|(n, _)| *n == d.type_name)
        .map(|(_, a)| *a);
    let type_of = |obj: usize| mem::read_usize(obj + OB_TYPE).map_err(|e| e.to_string());
    match d.shape {
        FreeListShape::Linked {
            count_at,
            count_size,
            head_at,
            next_at,
        } => {
            let count = read_count(base + count_at, count_size)?;
            if count < 0 || count as usize > limit {
                return Err(format!("{}: count {count} outside 0..={limit}", d.name));
            }
            let head = mem::read_usize(base + head_at).map_err(|e| e.to_string())?;
            if d.name == "tuple[0]" {
                // 3.10 keeps the empty-tuple singleton in slot 0 (`Objects/tupleobject.c`).
                if count > 1 || (count == 1 && head != empty_tuple) {
                    return Err(format!("tuple[0]: slot 0 holds {head:#x}, not ()"));
                }
                return Ok(count as usize);
            }
            let mut node = head;
            let mut walked = 0usize;
            while node != 0 && walked <= limit {
                if let Some(ty) = want {
                    if type_of(node)? != ty {
                        return Err(format!(
                            "{}: object {walked} is not a {}",
                            d.name, d.type_name
                        ));
                    }
                }
                node = mem::read_usize(node + next_at).map_err(|e| e.to_string())?;
                walked += 1;
            }
            if walked != count as usize {
                return Err(format!(
                    "{}: count {count} but {walked} linked objects",
                    d.name
                ));
            }
            Ok(walked)
        }
        FreeListShape::Array { count_at, items_at } => {
            let count = read_count(base + count_at, 4)?;
            if count < 0 || count as usize > limit {
                return Err(format!("{}: count {count} outside 0..={limit}", d.name));
            }
            for i in 0..count as usize {
                let item = mem::read_usize(base + items_at + 8 * i).map_err(|e| e.to_string())?;
                if item == 0 {
                    return Err(format!("{}: slot {i} of {count} is empty", d.name));
                }
                if let Some(ty) = want {
                    if type_of(item)? != ty {
                        return Err(format!("{}: slot {i} is not a {}", d.name, d.type_name));
                    }
                }
            }
            Ok(count as usize)
        }
    }
}

/// Every free list of this interpreter, each count proven by a walk.
pub fn freelists(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let types = [
        ("list", py.get_type::<PyList>().as_type_ptr() as usize),
        ("dict", py.get_type::<PyDict>().as_type_ptr() as usize),
        ("tuple", py.get_type::<PyTuple>().as_type_ptr() as usize),
        ("float", py.get_type::<PyFloat>().as_type_ptr() as usize),
        ("int", py.get_type::<PyInt>().as_type_ptr() as usize),
    ];
    let empty_tuple = PyTuple::empty(py).as_ptr() as usize;
    let walk_group = |group: usize, base: usize| -> Result<Vec<usize>, String> {
        FREELISTS
            .iter()
            .filter(|d| d.group == group)
            .map(|d| read_list(base, d, &types, empty_tuple))
            .collect()
    };
    let bases = interpreter_state::freelist_groups(py, |g, base| walk_group(g, base).map(drop))?;
    let mut counts = Vec::with_capacity(FREELISTS.len());
    for d in FREELISTS {
        let count = read_list(bases[d.group], d, &types, empty_tuple).map_err(|why| {
            errors::state_validation_error(format!(
                "the {} free list does not look like one ({why}); pyhood refuses to report it",
                d.name
            ))
        })?;
        counts.push(count);
    }
    // Python objects are made only after every list was read.
    let out = PyDict::new(py);
    for (d, count) in FREELISTS.iter().zip(counts) {
        out.set_item(
            d.name,
            Py::new(
                py,
                PyFreeList {
                    name: d.name,
                    count,
                    limit: d.limit.max(0) as usize,
                },
            )?,
        )?;
    }
    Ok(out)
}
