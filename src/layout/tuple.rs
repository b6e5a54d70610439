//! `tuple` (`PyTupleObject`): `ob_size` items in the object itself.

use pyo3::prelude::*;

use crate::cpython::tupleobject::PyTupleObject;
use crate::cpython::Decode;
use crate::raw::object as rawobj;

use super::common::{Body, Extent, Fit, TypeStart};
use super::{Builder, Decoder, Region, TypeView};

pub struct Tuple;

impl Decoder for Tuple {
    fn owned(&self, _obj: &Bound<'_, PyAny>) -> super::Owned {
        super::Owned::Nothing
    }

    fn var_head(&self, _tv: &TypeView<'_>) -> bool {
        true
    }

    /// An exact tuple (a struct sequence holds hidden fields: `body` tells).
    fn quick(
        &self,
        obj: &Bound<'_, PyAny>,
        tv: &TypeView<'_>,
        start: &TypeStart,
    ) -> Option<super::Quick> {
        (tv.slots.address == rawobj::tuple_type_address()).then(|| {
            let end = items_end(rawobj::ob_size(obj).max(0) as usize);
            start.quick(end, Fit::Realloc, super::Owned::Nothing)
        })
    }

    fn body(&self, obj: &Bound<'_, PyAny>, tv: &TypeView<'_>) -> PyResult<Body> {
        let n = rawobj::ob_size(obj).max(0) as usize;
        let mut end = items_end(n);
        if let Some(real) = hidden_fields(tv) {
            // `_PyObject_GC_NewVar(type, n_fields)`: `tp_basicsize + n_fields * tp_itemsize`.
            let s = &tv.slots;
            end = end.max(super::common::round8(
                s.basicsize + real as isize * s.itemsize,
            ));
        }
        Ok(Body {
            items: n,
            end,
            var_head: true,
            heap_tail: true,
            alt_ends: Vec::new(),
            fit: Fit::Realloc, // `_PyTuple_Resize`
        })
    }

    fn hole(
        &self,
        _obj: &Bound<'_, PyAny>,
        ext: &Extent,
        max_items: usize,
    ) -> Option<(isize, isize)> {
        super::common::items_hole(PyTupleObject::ob_item.offset, ext.items, 8, max_items)
    }

    fn fields(
        &self,
        _obj: &Bound<'_, PyAny>,
        tv: &TypeView<'_>,
        ext: &Extent,
        b: &mut Builder,
    ) -> PyResult<()> {
        b.add_defs(PyTupleObject::FIELDS, 0, Region::Header);
        let item = PyTupleObject::ob_item;
        let all = hidden_fields(tv).map_or(ext.items, |real| real.max(ext.items));
        let first_hidden = b.fields.len() + ext.items;
        b.add_array(
            item.name,
            item.offset as isize,
            all,
            item.size,
            item.ctype,
            Decode::Pointer,
            Region::Items,
        );
        for f in b.fields.iter_mut().skip(first_hidden) {
            // A summary field that was not read keeps saying so.
            f.note.get_or_insert_with(|| {
                "a struct sequence's field outside the sequence (ob_size)".into()
            });
        }
        Ok(())
    }
}

/// Where a tuple of `n` items ends: its `ob_item` array is inline.
fn items_end(n: usize) -> isize {
    (PyTupleObject::ob_item.offset + 8 * n) as isize
}

/// A struct sequence (`PyStructSequence_New`, Objects/structseq.c v3.10–v3.15) is
/// allocated with `n_fields` items although `ob_size` is `n_sequence_fields`: the fields
/// count, read from the type's own dict when its metatype is exactly `type` (no Python code
/// runs), or `None` for other tuples.
fn hidden_fields(tv: &TypeView<'_>) -> Option<usize> {
    if tv.slots.address == rawobj::tuple_type_address() {
        return None;
    }
    let meta = tv.ty.get_type();
    if meta.as_ptr() != core::ptr::addr_of!(pyo3::ffi::PyType_Type) as *mut _ {
        return None;
    }
    let dict = tv.ty.getattr(pyo3::intern!(tv.ty.py(), "__dict__")).ok()?;
    let get = |k: &str| -> Option<usize> {
        let v = dict.get_item(k).ok()?;
        v.is_exact_instance_of::<pyo3::types::PyInt>()
            .then(|| v.extract::<usize>().ok())
            .flatten()
    };
    let (real, seq) = (get("n_fields")?, get("n_sequence_fields")?);
    (real >= seq).then_some(real)
}
