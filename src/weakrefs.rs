//! Weak references (guide §11.4): how many weak references point to an object
//! (`weakref_count`, what `weakref.getweakrefcount` says), counted without creating one.
//!
//! The weak-reference list is walked from the object's weaklist slot (`weaklist_slot`:
//! inside the object at `tp_weaklistoffset`, the managed pre-header word on 3.12+, or the
//! interpreter's per-type state for static builtin types); every reference must point at
//! the object and back at its predecessor. The walk is bounded, and every read goes through
//! the fault-free path.
//!
//! Tests: `tests/test_11_4_weakrefs.py`. No Rust unit tests: both functions read a live
//! object and its type.

use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::cpython::object::{TPFLAGS_MANAGED_WEAKREF, TPFLAGS_STATIC_BUILTIN};
use crate::cpython::pycore_object::MANAGED_WEAKREF_OFFSET;
use crate::cpython::weakrefobject::{PyWeakReference, MAX_WEAKREFS};
use crate::cpython::{has_flag, FREE_THREADED};
use crate::errors;
use crate::interpreter_state;
use crate::raw::mem::{self, Snapshot};
use crate::raw::object as rawobj;

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
    let _paused = crate::raw::collector::pause(obj.py());
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

/// Register this module's function on the native module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(weakref_count, m)?)?;
    Ok(())
}
