//! Generators, coroutines and async generators: `PyGenObject` / `PyCoroObject` /
//! `PyAsyncGenObject` field by field and, from 3.11, the `_PyInterpreterFrame` embedded in
//! them (`gi_iframe`) with its `localsplus` slots.
//!
//! From 3.11 their types have `tp_itemsize == 8` but the struct begins with a plain
//! `PyObject`: the slot count is not `ob_size` but the code object's
//! `co_nlocalsplus + co_stacksize` (`make_gen` / `_Py_MakeCoro`, Objects/genobject.c
//! v3.11.7–v3.15: `_PyObject_GC_NewVar(type, slots)` with `slots =
//! _PyFrame_NumSlotsForCodeObject(code)`), and `tp_basicsize` is
//! `offsetof(PyGenObject, gi_iframe) + offsetof(_PyInterpreterFrame, localsplus)`.

use pyo3::prelude::*;

use crate::cpython::genobject::{self as gen, GenKind};
use crate::cpython::pycore_frame as fc;
use crate::cpython::pycore_stackref::STACKREF_TAG_BITS;
use crate::raw::mem;
use crate::raw::object as rawobj;

use super::{frame, read_err, Builder, Region, TypeView};

/// Which of the three the object's type is (exact types: none of them can be subclassed).
pub fn kind_of(tv: &TypeView<'_>) -> Option<GenKind> {
    let [g, c, a] = rawobj::generator_type_addresses();
    match tv.slots.address {
        x if x == g => Some(GenKind::Generator),
        x if x == c => Some(GenKind::Coroutine),
        x if x == a => Some(GenKind::AsyncGenerator),
        _ => None,
    }
}

/// The code object's address, read where this version keeps it.
fn code_address(obj: &Bound<'_, PyAny>) -> PyResult<usize> {
    let at = obj.as_ptr() as usize + gen::code_offset();
    Ok(mem::read_usize(at).map_err(read_err)? & !STACKREF_TAG_BITS)
}

/// Number of frame slots allocated after `tp_basicsize` (0 on 3.10).
pub fn slots(obj: &Bound<'_, PyAny>) -> PyResult<usize> {
    if !gen::EMBEDS_FRAME {
        return Ok(0);
    }
    frame::code_slot_count(code_address(obj)?)
}

/// The generator's fields; `items` is the number of frame slots (`slots()`).
pub fn fields(obj: &Bound<'_, PyAny>, kind: GenKind, b: &mut Builder) -> PyResult<()> {
    let prefix = kind.prefix();
    for d in kind.fields() {
        let name = match d.name.strip_prefix("gi_") {
            Some(rest) => format!("{prefix}{rest}"),
            None => d.name.to_owned(),
        };
        b.add(
            name,
            d.offset as isize,
            d.size,
            d.ctype,
            d.decode,
            Region::Body,
        );
    }
    if let Some(at) = gen::FRAME_STATE_OFFSET {
        let v = b.int(at as isize, 1);
        if let Some(f) = b.fields.iter_mut().find(|f| f.offset == at as isize) {
            f.note = Some(fc::state_name(v).to_owned());
        }
    }
    if !gen::EMBEDS_FRAME {
        return Ok(());
    }
    let code_obj = obj.getattr(format!("{prefix}code"))?;
    if code_obj.as_ptr() as usize != code_address(obj)? {
        return Err(crate::errors::state_validation_error(format!(
            "the generator's code pointer does not match {prefix}code: this interpreter's \
             generator layout is not the one pyhood was built for"
        )));
    }
    let state = gen::FRAME_STATE_OFFSET.map_or(0, |at| b.int(at as isize, 1));
    let stopped = fc::state_is_stopped(state);
    frame::embedded_frame(b, gen::IFRAME_OFFSET as isize, &code_obj, stopped)
}
