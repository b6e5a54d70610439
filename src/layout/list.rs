//! `list` (`PyListObject`): `ob_size`, `ob_item` and `allocated`; the item array is its own
//! block.

use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::blocks::Fit;
use crate::cpython::listobject::PyListObject;
use crate::cpython::object::PyVarObject;
use crate::cpython::Decode;
use crate::raw::object as rawobj;

use super::common::{Body, Extent, TypeStart};
use super::{read_err, Builder, Decoder, Region, TypeView};

pub struct List;

impl Decoder for List {
    fn var_head(&self, _tv: &TypeView<'_>) -> bool {
        true // PyObject_VAR_HEAD although tp_itemsize is 0
    }

    fn body(&self, _obj: &Bound<'_, PyAny>, tv: &TypeView<'_>) -> PyResult<Body> {
        Ok(Body::fixed(tv.slots.basicsize, true))
    }

    fn quick(
        &self,
        obj: &Bound<'_, PyAny>,
        tv: &TypeView<'_>,
        start: &TypeStart,
    ) -> Option<super::Quick> {
        let owned = item_block(obj.cast::<PyList>().ok()?);
        Some(start.quick(tv.slots.basicsize, Fit::Exact, owned))
    }

    /// The item array, `ob_item[allocated]`, is the list's one block; `list_resize`
    /// reallocates it in place (`Fit::Realloc`).
    fn owned(&self, obj: &Bound<'_, PyAny>) -> super::Owned {
        match obj.cast::<PyList>() {
            Ok(l) => item_block(l),
            Err(_) => super::Owned::Unknown,
        }
    }

    fn fields(
        &self,
        _obj: &Bound<'_, PyAny>,
        _tv: &TypeView<'_>,
        _ext: &Extent,
        b: &mut Builder,
    ) -> PyResult<()> {
        list(b)
    }
}

/// The list's item array as the block it owns.
fn item_block(l: &Bound<'_, PyList>) -> super::Owned {
    let (items, allocated) = rawobj::list_item_array(l);
    match item_array(items, allocated) {
        Some(len) => super::Owned::One {
            address: items,
            len,
            fit: Fit::Realloc,
        },
        None => super::Owned::Nothing,
    }
}

/// The bytes of a list's item array, if it has one: `allocated` pointers at `ob_item`.
fn item_array(items: usize, allocated: isize) -> Option<usize> {
    (items != 0 && allocated > 0).then(|| allocated as usize * 8)
}

fn list(b: &mut Builder) -> PyResult<()> {
    let item_off = PyListObject::ob_item.offset as isize;
    let alloc_off = PyListObject::allocated.offset as isize;
    b.add_defs(PyListObject::FIELDS, 0, Region::Body);
    let items = b.word(item_off);
    let allocated = b.int(alloc_off, 8);
    if let Some(bytes) = item_array(items, allocated as isize) {
        let n = bytes / 8;
        // The list owns `ob_item[allocated]` (point 2 of the rule in `raw`); only the
        // items shown are read.
        let shown_end = b.shown_end(0, n, 8);
        let mut blk = b
            .owned(items, 0, (n * 8) as isize, shown_end)
            .map_err(read_err)?;
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
            // A summary field that was not read keeps saying so.
            f.note
                .get_or_insert_with(|| "spare (allocated, not in use)".into());
        }
        b.blocks
            .push(blk.finish(Some("ob_item".into()), "PyObject *[]".into(), 0, 8));
    }
    Ok(())
}
