//! `pyhood.freelists()`: the per-type free lists that recycle dead objects without asking
//! the allocator (guide §12.2).

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::errors;
use crate::raw::compat::{self, FreeListDef, FreeListShape};
use crate::raw::mem;

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
    fn __repr__(&self) -> String {
        format!(
            "FreeList({:?}, count={}, limit={})",
            self.name, self.count, self.limit
        )
    }
}

fn invalid(name: &str, why: String) -> PyErr {
    errors::state_validation_error(format!(
        "the {name} free list does not look like one ({why}); pyhood refuses to report it"
    ))
}

fn read_count(interp: usize, at: usize, size: usize) -> PyResult<i64> {
    let snap = mem::Snapshot::take(interp + at, size).map_err(crate::layout::read_err)?;
    Ok(snap.int(snap.base, size).unwrap_or(-1))
}

/// Read one list and prove its count by walking what it describes.
fn read_list(
    interp: usize,
    d: &FreeListDef,
    types: &[(&str, usize)],
    empty_tuple: usize,
) -> PyResult<usize> {
    match d.shape {
        FreeListShape::Linked {
            count_at,
            count_size,
            head_at,
            next_at,
        } => {
            let count = read_count(interp, count_at, count_size)?;
            if count < 0 || count as usize > d.limit {
                return Err(invalid(
                    d.name,
                    format!("count {count} outside 0..={}", d.limit),
                ));
            }
            let head = mem::read_usize(interp + head_at).map_err(crate::layout::read_err)?;
            if d.name == "tuple[0]" {
                // 3.10 keeps the empty-tuple singleton in slot 0 (`Objects/tupleobject.c`).
                if count > 1 || (count == 1 && head != empty_tuple) {
                    return Err(invalid(d.name, format!("slot 0 holds {head:#x}, not ()")));
                }
                return Ok(count as usize);
            }
            let mut node = head;
            let mut walked = 0usize;
            while node != 0 && walked <= d.limit {
                node =
                    mem::read_usize(node + next_at).map_err(|e| invalid(d.name, e.to_string()))?;
                walked += 1;
            }
            if walked != count as usize {
                return Err(invalid(
                    d.name,
                    format!("count {count} but {walked} linked objects"),
                ));
            }
            Ok(walked)
        }
        FreeListShape::Array { count_at, items_at } => {
            let count = read_count(interp, count_at, 4)?;
            if count < 0 || count as usize > d.limit {
                return Err(invalid(
                    d.name,
                    format!("count {count} outside 0..={}", d.limit),
                ));
            }
            let want = types
                .iter()
                .find(|(n, _)| *n == d.type_name)
                .map(|(_, a)| *a);
            for i in 0..count as usize {
                let item =
                    mem::read_usize(interp + items_at + 8 * i).map_err(crate::layout::read_err)?;
                if item == 0 {
                    return Err(invalid(d.name, format!("slot {i} of {count} is empty")));
                }
                if let Some(ty) = want {
                    let item_type =
                        mem::read_usize(item + 8).map_err(|e| invalid(d.name, e.to_string()))?;
                    if item_type != ty {
                        return Err(invalid(
                            d.name,
                            format!("slot {i} is not a {}", d.type_name),
                        ));
                    }
                }
            }
            Ok(count as usize)
        }
    }
}

pub fn freelists(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    if compat::FREE_THREADED {
        return Err(errors::unreachable_state_error(
            "free-threaded builds keep free lists per thread; pyhood does not read them yet".into(),
        ));
    }
    let hexversion: u32 = py.import("sys")?.getattr("hexversion")?.extract()?;
    let release = compat::state_release(hexversion).map_err(errors::state_validation_error)?;
    let defs = compat::freelist_defs(release.freelists);
    let interp = crate::raw::interp::interpreter_address(py);
    let types = [
        (
            "list",
            py.get_type::<pyo3::types::PyList>().as_type_ptr() as usize,
        ),
        ("dict", py.get_type::<PyDict>().as_type_ptr() as usize),
    ];
    let empty_tuple = PyTuple::empty(py).as_ptr() as usize;
    let out = PyDict::new(py);
    for d in &defs {
        let count = read_list(interp, d, &types, empty_tuple)?;
        out.set_item(
            d.name,
            Py::new(
                py,
                PyFreeList {
                    name: d.name,
                    count,
                    limit: d.limit,
                },
            )?,
        )?;
    }
    Ok(out)
}
