//! `bytes` (`PyBytesObject`): `ob_size`, `ob_shash`, then `ob_sval` with its trailing NUL.

use pyo3::prelude::*;

use crate::cpython::bytesobject::PyBytesObject;
use crate::raw::object as rawobj;

use super::common::{Body, Extent, Fit, TypeStart};
use super::{Builder, Decoder, Region, TypeView};

pub struct Bytes;

/// Where a bytes object of `n` bytes ends: `ob_sval` holds them and a trailing NUL.
fn sval_end(n: usize) -> isize {
    (PyBytesObject::ob_sval.offset + n + 1) as isize
}

impl Decoder for Bytes {
    fn owned(&self, _obj: &Bound<'_, PyAny>) -> super::Owned {
        super::Owned::Nothing
    }

    fn var_head(&self, _tv: &TypeView<'_>) -> bool {
        true
    }

    fn quick(
        &self,
        obj: &Bound<'_, PyAny>,
        _tv: &TypeView<'_>,
        start: &TypeStart,
    ) -> Option<super::Quick> {
        let end = sval_end(rawobj::ob_size(obj).max(0) as usize);
        Some(start.quick(end, Fit::Realloc, super::Owned::Nothing))
    }

    fn body(&self, obj: &Bound<'_, PyAny>, _tv: &TypeView<'_>) -> PyResult<Body> {
        let n = rawobj::ob_size(obj).max(0) as usize;
        Ok(Body {
            items: n,
            end: sval_end(n),
            var_head: true,
            heap_tail: true,
            alt_ends: Vec::new(),
            fit: Fit::Realloc, // `_PyBytes_Resize`
        })
    }

    fn fields(
        &self,
        _obj: &Bound<'_, PyAny>,
        _tv: &TypeView<'_>,
        ext: &Extent,
        b: &mut Builder,
    ) -> PyResult<()> {
        b.add_def(&PyBytesObject::ob_shash, 0, Region::Body);
        let sval = PyBytesObject::ob_sval;
        let at = sval.offset as isize;
        let (all, shown) = (ext.items + 1, (ext.items + 1).min(b.max_items));
        if shown > 0 {
            b.add(sval.name, at, shown, sval.ctype, sval.decode, Region::Data);
        }
        if shown < all && b.record {
            b.add_rest(
                format!("{}[{shown}..{all}]", sval.name),
                at + shown as isize,
                all - shown,
                sval.ctype,
                Region::Data,
            );
        }
        Ok(())
    }

    fn hole(
        &self,
        _obj: &Bound<'_, PyAny>,
        ext: &Extent,
        max_items: usize,
    ) -> Option<(isize, isize)> {
        super::common::items_hole(PyBytesObject::ob_sval.offset, ext.items + 1, 1, max_items)
    }
}
