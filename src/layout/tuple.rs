//! `tuple` (`PyTupleObject`): `ob_size` items in the object itself.

use pyo3::prelude::*;

use crate::cpython::tupleobject::PyTupleObject;
use crate::cpython::Decode;
use crate::raw::object as rawobj;

use super::common::{Body, Extent, Fit};
use super::{Builder, Decoder, Region, TypeView};

pub struct Tuple;

impl Decoder for Tuple {
    fn var_head(&self, _tv: &TypeView<'_>) -> bool {
        true
    }

    fn body(&self, obj: &Bound<'_, PyAny>, _tv: &TypeView<'_>) -> PyResult<Body> {
        let n = rawobj::ob_size(obj).max(0) as usize;
        Ok(Body {
            items: n,
            end: (PyTupleObject::ob_item.offset + 8 * n) as isize,
            var_head: true,
            heap_tail: true,
            alt_ends: Vec::new(),
            fit: Fit::Realloc, // `_PyTuple_Resize`
        })
    }

    fn fields(
        &self,
        _obj: &Bound<'_, PyAny>,
        _tv: &TypeView<'_>,
        ext: &Extent,
        b: &mut Builder,
    ) -> PyResult<()> {
        b.add_defs(PyTupleObject::FIELDS, 0, Region::Header);
        let item = PyTupleObject::ob_item;
        b.add_array(
            item.name,
            item.offset as isize,
            ext.items,
            item.size,
            item.ctype,
            Decode::Pointer,
            Region::Items,
        );
        Ok(())
    }
}
