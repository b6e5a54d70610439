//! The collector's view of one object (guide §11.2): whether it is tracked, which
//! generation it is in (0, 1, 2 or the permanent generation of `gc.freeze()`), whether its
//! finalizer has run, and the raw words of its `PyGC_Head` (`gc_info`, class `GCInfo`).
//!
//! The generation is found without scanning the heap: from the object's `PyGC_Head`,
//! `_gc_next` is followed (every node's `_gc_prev` must point back) until one of the four
//! list heads of the validated GC state (`generations::validated_list_heads`, §12.4) is
//! reached. On free-threaded builds the state is read from `ob_gc_bits` instead. Every loop
//! over memory is bounded, and every read goes through the fault-free path.
//!
//! Tests: `tests/test_11_2_refcount_gc.py`. No Rust unit tests: `gc_info` reads a live
//! interpreter.

use core::mem::size_of;

use pyo3::prelude::*;

use crate::cpython::object as cobject;
use crate::cpython::pycore_gc as gc;
use crate::cpython::FREE_THREADED;
use crate::errors;
use crate::generations::{self, MAX_GC_NODES};
use crate::raw::compat;
use crate::raw::mem::Snapshot;
use crate::raw::object as rawobj;

/// The object's membership in the cyclic garbage collector, as one snapshot.
#[pyclass(frozen, module = "pyhood", name = "GCInfo")]
pub struct PyGCInfo {
    /// `id(obj)`.
    #[pyo3(get)]
    address: usize,
    /// `gc.is_tracked(obj)`: the object is on one of the collector's lists.
    #[pyo3(get)]
    tracked: bool,
    /// 0, 1, 2 or 3 (permanent); `None` when untracked.
    gen_index: Option<usize>,
    /// `_PyGC_FINALIZED`: the object's `tp_finalize` (`__del__`) has run.
    #[pyo3(get)]
    finalized: bool,
    /// `_PyGC_PREV_MASK_COLLECTING`: the object is part of a collection underway (never
    /// true in a snapshot pyhood returns, since it refuses to read during a collection).
    #[pyo3(get)]
    collecting: bool,
    /// The raw `_gc_next` word of the object's `PyGC_Head` (`None` without a GC head).
    #[pyo3(get)]
    gc_next: Option<usize>,
    /// The raw `_gc_prev` word (the previous node, with two flag bits).
    #[pyo3(get)]
    gc_prev: Option<usize>,
}

#[pymethods]
impl PyGCInfo {
    /// 0, 1, 2, "permanent" (after `gc.freeze()`), or `None` when untracked.
    #[getter]
    fn generation<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(match self.gen_index {
            None => py.None().into_bound(py),
            Some(i) if i == compat::NUM_GENERATIONS => "permanent".into_pyobject(py)?.into_any(),
            Some(i) => i.into_pyobject(py)?.into_any(),
        })
    }

    fn __repr__(&self) -> String {
        let generation = match self.gen_index {
            None => "None".to_string(),
            Some(i) if i == compat::NUM_GENERATIONS => "'permanent'".to_string(),
            Some(i) => i.to_string(),
        };
        let words = match (self.gc_next, self.gc_prev) {
            (Some(n), Some(p)) => format!(", _gc_next={n:#x}, _gc_prev={p:#x}"),
            _ => String::new(),
        };
        format!(
            "<GCInfo at {:#x}: tracked={}, generation={generation}, finalized={}{words}>",
            self.address,
            if self.tracked { "True" } else { "False" },
            if self.finalized { "True" } else { "False" },
        )
    }
}

fn validation(msg: String) -> PyErr {
    errors::state_validation_error(msg)
}

fn untracked(address: usize, gc_next: Option<usize>, gc_prev: Option<usize>) -> PyGCInfo {
    PyGCInfo {
        address,
        tracked: false,
        gen_index: None,
        finalized: false,
        collecting: false,
        gc_next,
        gc_prev,
    }
}

/// `(_gc_next, _gc_prev)` of the GC head at `at`.
fn gc_words(at: usize) -> PyResult<(usize, usize)> {
    let s = Snapshot::take(at, 2 * size_of::<usize>())
        .map_err(|e| validation(format!("the GC head at {at:#x} is not readable ({e})")))?;
    Ok((
        s.word(at).unwrap_or(0),
        s.word(at + size_of::<usize>()).unwrap_or(0),
    ))
}

/// The collector's view of `obj`: tracked, generation, finalized, and its GC-head words.
#[pyfunction]
#[pyo3(signature = (obj, /))]
pub fn gc_info(obj: &Bound<'_, PyAny>) -> PyResult<Py<PyGCInfo>> {
    crate::raw::collector::walk_snapshot(obj.py(), |_| info(obj))
}

fn info(obj: &Bound<'_, PyAny>) -> PyResult<PyGCInfo> {
    let address = obj.as_ptr() as usize;
    if !rawobj::is_gc(obj) {
        return Ok(untracked(address, None, None));
    }
    if FREE_THREADED {
        // No PyGC_Head and no generation lists: the state is in `ob_gc_bits`.
        let bits = cobject::ft_fields(&rawobj::header_bytes(obj)).map_or(0, |f| f.3);
        let tracked = bits & gc::GC_BITS_TRACKED != 0;
        return Ok(PyGCInfo {
            address,
            tracked,
            gen_index: tracked.then_some(if bits & gc::GC_BITS_FROZEN != 0 {
                compat::NUM_GENERATIONS
            } else {
                0
            }),
            finalized: bits & gc::GC_BITS_FINALIZED != 0,
            collecting: false,
            gc_next: None,
            gc_prev: None,
        });
    }
    // Validated first (this calls into the gc module); nothing below runs Python code.
    let heads = generations::validated_list_heads(obj.py())?;
    let start = address - gc::GC_HEAD_SIZE;
    let (next, prev) = gc_words(start)?;
    if next == 0 {
        return Ok(untracked(address, Some(next), Some(prev)));
    }
    let mut node = start;
    let mut link = next & gc::GC_NEXT_MASK;
    for step in 0..MAX_GC_NODES {
        generations::interruption_point(obj.py(), step, "the object's GC list", || {
            Ok(gc_words(start)? == (next, prev))
        })?;
        if link == 0 || link == start {
            return Err(validation(format!(
                "the GC list of the object at {address:#x} leads to {link:#x} without reaching \
                 a generation list head"
            )));
        }
        let (after, back) = gc_words(link)?;
        if back & compat::GC_PREV_MASK != node {
            return Err(validation(format!(
                "GC head {link:#x} links back to {:#x}, not to {node:#x}: the list is not a \
                 consistent ring",
                back & compat::GC_PREV_MASK
            )));
        }
        if let Some(i) = heads.iter().position(|&h| h == link) {
            return Ok(PyGCInfo {
                address,
                tracked: true,
                gen_index: Some(i),
                finalized: prev & gc::GC_PREV_MASK_FINALIZED != 0,
                collecting: prev & gc::GC_PREV_MASK_COLLECTING != 0,
                gc_next: Some(next),
                gc_prev: Some(prev),
            });
        }
        node = link;
        link = after & gc::GC_NEXT_MASK;
    }
    Err(validation(format!(
        "no generation list head within {MAX_GC_NODES} steps of the object at {address:#x}; \
         pyhood stops there"
    )))
}

/// Register this module's function and class on the native module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(gc_info, m)?)?;
    m.add_class::<PyGCInfo>()?;
    Ok(())
}
