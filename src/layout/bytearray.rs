//! `bytearray` (`PyByteArrayObject`): `ob_size` bytes in use from `ob_start`, inside the
//! `ob_alloc` bytes of its buffer. Up to 3.14 the buffer is its own block (`ob_bytes`,
//! `PyObject_Malloc`/`PyObject_Realloc` in Objects/bytearrayobject.c
//! `PyByteArray_Resize` v3.10–v3.14); from 3.15 it is the bytes object
//! `ob_bytes_object`, shown as that object's own layout.

use pyo3::prelude::*;

use crate::cpython::bytearrayobject::PyByteArrayObject;

use super::common::Extent;
use super::{Builder, Decoder, Region, TypeView};

pub struct ByteArray;

impl Decoder for ByteArray {
    fn var_head(&self, _tv: &TypeView<'_>) -> bool {
        true // PyObject_VAR_HEAD although tp_itemsize is 0
    }

    fn fields(
        &self,
        obj: &Bound<'_, PyAny>,
        _tv: &TypeView<'_>,
        _ext: &Extent,
        b: &mut Builder,
    ) -> PyResult<()> {
        b.add_defs(PyByteArrayObject::FIELDS, 0, Region::Body);
        buffer(obj, b)
    }
}

#[cfg(not(Py_3_15))]
fn buffer(obj: &Bound<'_, PyAny>, b: &mut Builder) -> PyResult<()> {
    use super::read_err;
    use crate::cpython::object::PyVarObject;
    use crate::cpython::Decode;
    use crate::errors;
    let bytes = b.word(PyByteArrayObject::ob_bytes.offset as isize);
    let start = b.word(PyByteArrayObject::ob_start.offset as isize);
    let alloc = b.int(PyByteArrayObject::ob_alloc.offset as isize, 8);
    let size = b.int(PyVarObject::ob_size.offset as isize, 8);
    if bytes == 0 || alloc <= 0 {
        return Ok(());
    }
    let (alloc, size) = (alloc as usize, size.max(0) as usize);
    let lead = start.wrapping_sub(bytes);
    // `ob_bytes[Py_SIZE]` is always the trailing NUL (`PyByteArray_Resize`).
    if start < bytes || lead + size >= alloc {
        return Err(errors::layout_error(format!(
            "bytearray at {:#x}: ob_start {start:#x} and ob_size {size} do not fit its \
             {alloc}-byte buffer at {bytes:#x}",
            obj.as_ptr() as usize
        )));
    }
    let mut blk = Builder::new(bytes, 0, alloc as isize, b.max_items).map_err(read_err)?;
    if lead > 0 {
        blk.add(
            "(before ob_start)",
            0,
            lead,
            "char[]",
            Decode::Bytes,
            Region::Padding,
        )
        .note = Some("freed from the front: the data starts at ob_start".into());
    }
    if size > 0 {
        blk.add(
            "data",
            lead as isize,
            size,
            "char[]",
            Decode::Bytes,
            Region::Data,
        );
    }
    blk.add(
        "'\\0'",
        (lead + size) as isize,
        1,
        "char",
        Decode::Unsigned,
        Region::Data,
    );
    b.blocks
        .push(blk.finish(Some("ob_bytes".into()), "char[]".into(), 0, 1));
    Ok(())
}

#[cfg(Py_3_15)]
fn buffer(obj: &Bound<'_, PyAny>, b: &mut Builder) -> PyResult<()> {
    let at = PyByteArrayObject::ob_bytes_object.offset;
    let Some(bytes) = crate::raw::object::borrowed_bytes_field(obj, at) else {
        return Ok(());
    };
    let (mut lay, _) = super::described(&bytes, b.max_items)?;
    lay.name = Some("ob_bytes_object".into());
    b.blocks.push(lay);
    Ok(())
}
