//! What one object's memory says about its life (guide chapter 11): its GC membership and
//! generation (`gc_info`), whether it is immortal or the interpreter's cached small int
//! (`is_immortal`, `is_small_int`), and how many weak references point to it
//! (`weakref_count`).
//!
//! - The generation is found without scanning the heap: from the object's `PyGC_Head`,
//!   `_gc_next` is followed (every node's `_gc_prev` must point back) until one of the four
//!   list heads of the validated GC state (`generations::validated_list_heads`) is reached.
//! - The weak-reference list is walked from the object's weaklist slot (inside the object
//!   at `tp_weaklistoffset`, or the managed pre-header word on 3.12+); every reference
//!   must point at the object and back at its predecessor.
//!
//! Every loop over memory is bounded, and every read goes through the fault-free path.

use core::mem::size_of;

use pyo3::prelude::*;
use pyo3::types::{PyInt, PyType};

use crate::cpython::object::{self as cobject, TPFLAGS_MANAGED_WEAKREF, TPFLAGS_STATIC_BUILTIN};
use crate::cpython::pycore_gc as gc;
use crate::cpython::pycore_object::MANAGED_WEAKREF_OFFSET;
use crate::cpython::weakrefobject::{PyWeakReference, MAX_WEAKREFS};
use crate::cpython::{has_flag, pycore_long, FREE_THREADED};
use crate::errors;
use crate::generations::{self, MAX_GC_NODES};
use crate::interpreter_state;
use crate::raw::compat;
use crate::raw::mem::{self, Snapshot};
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
pub fn gc_info(obj: &Bound<'_, PyAny>) -> PyResult<PyGCInfo> {
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
    for _ in 0..MAX_GC_NODES {
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

/// Whether the object is immortal (`_Py_IsImmortal`); always False before 3.12.
#[pyfunction]
#[pyo3(signature = (obj, /))]
pub fn is_immortal(obj: &Bound<'_, PyAny>) -> bool {
    cobject::immortal(&rawobj::header_bytes(obj))
}

/// Whether `obj` is the interpreter's cached small int for its value: an exact int in the
/// small-int range whose address is that of the object the interpreter returns for the value.
#[pyfunction]
#[pyo3(signature = (obj, /))]
pub fn is_small_int(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    if !obj.is_exact_instance_of::<PyInt>() {
        return Ok(false);
    }
    let Ok(v) = obj.extract::<i64>() else {
        return Ok(false);
    };
    if !pycore_long::is_small_int_value(v) {
        return Ok(false);
    }
    // PyLong_FromLongLong returns the cached object for every value in the range.
    let cached = v.into_pyobject(obj.py())?;
    Ok(cached.as_ptr() == obj.as_ptr())
}

/// Where the head of `obj`'s weak-reference list is stored, or `None` when its type cannot
/// be weakly referenced.
fn weaklist_slot(obj: &Bound<'_, PyAny>) -> PyResult<Option<usize>> {
    let address = obj.as_ptr() as usize;
    let slots = rawobj::type_slots(&obj.get_type());
    if let Ok(tp) = obj.cast::<PyType>() {
        let own = rawobj::type_slots(tp);
        if has_flag(own.flags, TPFLAGS_STATIC_BUILTIN) {
            // 3.12+: a static builtin type's weak-reference list lives in the interpreter's
            // per-type state (`_PyStaticType_GetState(interp, type)->tp_weaklist`), located
            // and proven by `interpreter_state`.
            let entry = interpreter_state::static_type_entry(obj.py(), own.address)?;
            let at = interpreter_state::static_weaklist_at()
                .ok_or_else(|| errors::layout_error("no static-type state layout".into()))?;
            return Ok(Some(entry + at));
        }
    }
    if has_flag(slots.flags, TPFLAGS_MANAGED_WEAKREF) {
        if !FREE_THREADED && slots.weaklistoffset != MANAGED_WEAKREF_OFFSET {
            return Err(errors::layout_error(format!(
                "the type has Py_TPFLAGS_MANAGED_WEAKREF but tp_weaklistoffset {}, not {}",
                slots.weaklistoffset, MANAGED_WEAKREF_OFFSET
            )));
        }
        return Ok(Some(address.wrapping_add_signed(MANAGED_WEAKREF_OFFSET)));
    }
    match slots.weaklistoffset {
        0 => Ok(None),
        off if off > 0 => Ok(Some(address + off as usize)),
        off => Err(errors::layout_error(format!(
            "tp_weaklistoffset {off} without Py_TPFLAGS_MANAGED_WEAKREF"
        ))),
    }
}

/// `weakref.getweakrefcount(obj)`, counted by walking the object's weak-reference list.
#[pyfunction]
#[pyo3(signature = (obj, /))]
pub fn weakref_count(obj: &Bound<'_, PyAny>) -> PyResult<usize> {
    let Some(slot) = weaklist_slot(obj)? else {
        return Ok(0);
    };
    let address = obj.as_ptr() as usize;
    let unreadable = |what: &str, e: mem::ReadError| {
        errors::memory_read_error(format!("{what} is not readable ({e})"))
    };
    let mut node =
        mem::read_usize(slot).map_err(|e| unreadable("the object's weaklist slot", e))?;
    let mut prev = 0usize;
    let mut n = 0usize;
    while node != 0 {
        if n == MAX_WEAKREFS {
            return Err(errors::layout_error(format!(
                "more than {} weak references on one object; pyhood stops there",
                MAX_WEAKREFS
            )));
        }
        let snap = Snapshot::take(node, PyWeakReference::SIZE)
            .map_err(|e| unreadable("a weak reference", e))?;
        let word = |off: usize| snap.word(node + off).unwrap_or(usize::MAX);
        let referent = word(PyWeakReference::wr_object.offset);
        let back = word(PyWeakReference::wr_prev.offset);
        if referent != address || back != prev {
            return Err(errors::layout_error(format!(
                "weak reference {n} at {node:#x} refers to {referent:#x} (not {address:#x}) or \
                 links back to {back:#x} (not {prev:#x}): not this object's list"
            )));
        }
        n += 1;
        prev = node;
        node = word(PyWeakReference::wr_next.offset);
    }
    Ok(n)
}

/// Register this module's functions and classes on the native module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(gc_info, m)?)?;
    m.add_function(wrap_pyfunction!(is_immortal, m)?)?;
    m.add_function(wrap_pyfunction!(is_small_int, m)?)?;
    m.add_function(wrap_pyfunction!(weakref_count, m)?)?;
    m.add_class::<PyGCInfo>()?;
    Ok(())
}
