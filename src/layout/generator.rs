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

use super::common::{Body, Extent, Fit};
use super::{frame, read_err, Builder, Decoder, Region, TypeView};

/// The decoder of one of the three types.
pub struct Generator(pub GenKind);

pub static GENERATOR: Generator = Generator(GenKind::Generator);
pub static COROUTINE: Generator = Generator(GenKind::Coroutine);
pub static ASYNC_GENERATOR: Generator = Generator(GenKind::AsyncGenerator);

/// The decoder for the object's type, if it is one of the three (exact types: none of
/// them can be subclassed).
pub fn decoder_of(tv: &TypeView<'_>) -> Option<&'static Generator> {
    let [g, c, a] = rawobj::generator_type_addresses();
    match tv.slots.address {
        x if x == g => Some(&GENERATOR),
        x if x == c => Some(&COROUTINE),
        x if x == a => Some(&ASYNC_GENERATOR),
        _ => None,
    }
}

impl Decoder for Generator {
    fn static_members(&self) -> bool {
        true
    }

    fn body(&self, obj: &Bound<'_, PyAny>, tv: &TypeView<'_>) -> PyResult<Body> {
        let n = slots(obj)?;
        Ok(Body {
            items: n,
            end: tv.slots.basicsize + 8 * n as isize,
            var_head: false,
            heap_tail: true,
            alt_ends: Vec::new(),
            fit: Fit::Exact,
        })
    }

    fn fields(
        &self,
        obj: &Bound<'_, PyAny>,
        _tv: &TypeView<'_>,
        _ext: &Extent,
        b: &mut Builder,
    ) -> PyResult<()> {
        fields(obj, self.0, b)
    }
}

/// The code object's address, read where this version keeps it.
fn code_address(obj: &Bound<'_, PyAny>) -> PyResult<usize> {
    let at = obj.as_ptr() as usize + gen::code_offset();
    Ok(mem::read_usize(at).map_err(read_err)? & !STACKREF_TAG_BITS)
}

/// Number of frame slots allocated after `tp_basicsize` (0 on 3.10).
fn slots(obj: &Bound<'_, PyAny>) -> PyResult<usize> {
    if !gen::EMBEDS_FRAME {
        return Ok(0);
    }
    frame::code_slot_count(code_address(obj)?)
}

/// The generator's fields; `items` is the number of frame slots (`slots()`).
fn fields(obj: &Bound<'_, PyAny>, kind: GenKind, b: &mut Builder) -> PyResult<()> {
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
    let code_obj = obj.getattr(pyo3::types::PyString::intern(
        obj.py(),
        &format!("{prefix}code"),
    ))?;
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
