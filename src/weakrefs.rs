//! Weak references (guide §11.4): how many weak references point to an object
//! (`weakref_count`, what `weakref.getweakrefcount` says), counted without creating one.
//!
//! The weak-reference list is walked from the object's weaklist slot (`weaklist_slot`:
//! inside the object at `tp_weaklistoffset`, the managed pre-header word on 3.12+, or the
//! interpreter's per-type state for static builtin types); every reference must point at
//! the object and back at its predecessor. The walk is bounded; it reads the references
//! directly (`raw::gclist::count_weakrefs`, point 4 of the rule in `raw/mod.rs`), and the
//! slot too when it is a word of the object itself (point 1).
//!
//! Tests: `tests/test_11_4_weakrefs.py`. No Rust unit tests: both functions read a live
//! object and its type.

use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::cpython::object::{TPFLAGS_MANAGED_WEAKREF, TPFLAGS_STATIC_BUILTIN};
use crate::cpython::pycore_object::MANAGED_WEAKREF_OFFSET;
use crate::cpython::weakrefobject::MAX_WEAKREFS;
use crate::cpython::{has_flag, FREE_THREADED};
use crate::errors;
use crate::interpreter_state;
use crate::raw::gclist::{self, WeakrefError};
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
    let paused = crate::raw::collector::pause(obj.py());
    let Some(slot) = weaklist_slot(obj)? else {
        return Ok(0);
    };
    gclist::count_weakrefs(&paused, obj, slot, MAX_WEAKREFS).map_err(|e| match e {
        WeakrefError::Unreadable(e) => errors::memory_read_error(format!(
            "the object's weak-reference list is not readable ({e})"
        )),
        WeakrefError::Foreign {
            index,
            at,
            referent,
            back,
            expected_back,
        } => errors::layout_error(format!(
            "weak reference {index} at {at:#x} refers to {referent:#x} (not {:#x}) or links \
             back to {back:#x} (not {expected_back:#x}): not this object's list",
            obj.as_ptr() as usize
        )),
        WeakrefError::TooMany { limit } => errors::layout_error(format!(
            "more than {limit} weak references on one object; pyhood stops there"
        )),
    })
}

/// Register this module's function on the native module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(weakref_count, m)?)?;
    Ok(())
}
