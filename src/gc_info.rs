//! The collector's view of one object (guide §11.2): whether it is tracked, which
//! generation it is in (0, 1, 2 or the permanent generation of `gc.freeze()`), whether its
//! finalizer has run, and the raw words of its `PyGC_Head` (`gc_info`, class `GCInfo`).
//!
//! The generation is found without scanning the heap: from the object's `PyGC_Head`,
//! `_gc_next` and `_gc_prev` are followed one step each in turn (every step checks the link
//! back) until one of the four list heads of the validated GC state
//! (`generations::validated_list_heads`, §12.4) is reached, so an object near either end of
//! its list is found in a few steps. Each head also walks its own list both ways; once
//! every list but one has been walked round without meeting the object, the object (tracked,
//! the collector idle) is on the last one, so an object deep in a long old generation costs
//! as many steps as the young lists are long. The heads are read fault-free; the nodes, directly
//! (`raw::gclist`, point 3 of the rule in `raw/mod.rs`). On free-threaded builds the state
//! is read from `ob_gc_bits` instead. Every walk is bounded.
//!
//! Tests: `tests/test_11_2_refcount_gc.py`. No Rust unit tests: `gc_info` reads a live
//! interpreter.

use pyo3::prelude::*;

use crate::cpython::object as cobject;
use crate::cpython::pycore_gc as gc;
use crate::cpython::FREE_THREADED;
use crate::generations::{self, MAX_GC_NODES};
use crate::raw::collector::Paused;
use crate::raw::compat;
use crate::raw::gclist::Found;
use crate::raw::object as rawobj;
use crate::render;

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
    fn __str__(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "gc_info_text")
    }

    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "gc_info_html")
    }

    /// IPython's pretty printer: the same text as `str()`.
    fn _repr_pretty_(slf: &Bound<'_, Self>, p: &Bound<'_, PyAny>, cycle: bool) -> PyResult<()> {
        render::pretty(slf.as_any(), p, cycle)
    }

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

    /// A JSON-ready dict of the snapshot's attributes.
    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        render::call(slf.as_any(), "gc_info_dict")
    }
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

/// The collector's view of `obj`: tracked, generation, finalized, and its GC-head words.
#[pyfunction]
#[pyo3(signature = (obj, /))]
pub fn gc_info(obj: &Bound<'_, PyAny>) -> PyResult<Py<PyGCInfo>> {
    crate::raw::collector::walk_snapshot(obj.py(), |paused| info(obj, paused))
}

fn info(obj: &Bound<'_, PyAny>, paused: &Paused) -> PyResult<PyGCInfo> {
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
    // Validated first (this calls into the gc module); below, only the walk's checkpoints
    // run Python code (pending signal handlers).
    let heads = generations::validated_list_heads(obj.py(), paused)?;
    let what = format!("the GC list of the object at {address:#x}");
    match heads
        .find(obj, MAX_GC_NODES, generations::checkpoint(obj.py()))
        .map_err(|e| generations::walk_error(e, &what))?
    {
        Found::NotGc => Ok(untracked(address, None, None)),
        Found::Untracked { gc_next, gc_prev } => {
            Ok(untracked(address, Some(gc_next), Some(gc_prev)))
        }
        Found::On(m) => Ok(PyGCInfo {
            address,
            tracked: true,
            gen_index: Some(m.index),
            finalized: m.gc_prev & gc::GC_PREV_MASK_FINALIZED != 0,
            collecting: m.gc_prev & gc::GC_PREV_MASK_COLLECTING != 0,
            gc_next: Some(m.gc_next),
            gc_prev: Some(m.gc_prev),
        }),
    }
}

/// Register this module's function and class on the native module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(gc_info, m)?)?;
    m.add_class::<PyGCInfo>()?;
    Ok(())
}
