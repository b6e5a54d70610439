//! `list` (`PyListObject`): `ob_size`, `ob_item` and `allocated`; the item array is its own
//! block.

use pyo3::prelude::*;

use crate::cpython::listobject::PyListObject;
use crate::cpython::object::PyVarObject;
use crate::cpython::Decode;

use super::common::{Body, Extent};
use super::{read_err, Builder, Decoder, Region, TypeView};

pub struct List;

impl Decoder for List {
    fn var_head(&self, _tv: &TypeView<'_>) -> bool {
        true // PyObject_VAR_HEAD although tp_itemsize is 0
    }

    fn body(&self, _obj: &Bound<'_, PyAny>, tv: &TypeView<'_>) -> PyResult<Body> {
        Ok(Body::fixed(tv.slots.basicsize, true))
    }

    fn fields(
        &self,
        obj: &Bound<'_, PyAny>,
        _tv: &TypeView<'_>,
        _ext: &Extent,
        b: &mut Builder,
    ) -> PyResult<()> {
        list(obj.py(), b)
    }
}

fn list(py: Python<'_>, b: &mut Builder) -> PyResult<()> {
    let item_off = PyListObject::ob_item.offset as isize;
    let alloc_off = PyListObject::allocated.offset as isize;
    b.add_defs(PyListObject::FIELDS, 0, Region::Body);
    let items = b.word(item_off);
    let allocated = b.int(alloc_off, 8);
    if items != 0 && allocated > 0 {
        let n = allocated as usize;
        let mut blk = Builder::new(items, 0, (n * 8) as isize, b.max_items).map_err(read_err)?;
        blk.add_array(
            "ob_item",
            0,
            n,
            8,
            "PyObject *",
            Decode::Pointer,
            Region::Items,
        );
        let size = b.int(PyVarObject::ob_size.offset as isize, 8).max(0) as usize;
        for f in blk.fields.iter_mut().skip(size) {
            f.note = Some("spare (allocated, not in use)".into());
        }
        b.blocks
            .push(blk.finish(py, Some("ob_item".into()), "PyObject *[]".into(), 0, 8)?);
    }
    Ok(())
}
