//! Objects of types pyhood has no struct for: the header, what the type's `tp_members`
//! name, and the item array after `tp_basicsize`. Memory no member names is unnamed.

use pyo3::prelude::*;

use crate::cpython::Decode;
use crate::raw::object as rawobj;

use super::common::{Body, Extent, Fit};
use super::{Builder, Decoder, Region, TypeView};

pub struct Generic;

impl Decoder for Generic {
    fn owned(&self, _obj: &Bound<'_, PyAny>) -> super::Owned {
        super::Owned::Nothing
    }

    fn var_head(&self, tv: &TypeView<'_>) -> bool {
        tv.slots.itemsize != 0 || super::common::var_head_without_items(tv)
    }

    fn static_members(&self) -> bool {
        true
    }

    /// Fixed-size objects: `tp_basicsize` bytes, owning nothing pyhood knows of.
    fn by_type(&self, tv: &TypeView<'_>) -> bool {
        tv.slots.itemsize == 0
    }

    /// A type pyhood has no struct for may use `ob_size` for something else than its
    /// item count (nothing makes `tp_itemsize` and `ob_size` agree): its bytes are read
    /// fault-free then, so an extent larger than the allocation costs an error, never a
    /// fault. Fixed-size objects are `tp_basicsize` long (`PyType_GenericAlloc`).
    fn direct(&self, tv: &TypeView<'_>) -> bool {
        tv.slots.itemsize == 0
    }

    fn body(&self, obj: &Bound<'_, PyAny>, tv: &TypeView<'_>) -> PyResult<Body> {
        let s = &tv.slots;
        let var_head = self.var_head(tv);
        if s.itemsize != 0 {
            let n = rawobj::ob_size(obj).unsigned_abs();
            return Ok(Body {
                items: n,
                // `_PyObject_VAR_SIZE` (Include/cpython/objimpl.h v3.10–v3.15), which
                // `PyObject_NewVar`, `PyObject_GC_NewVar` and `PyType_GenericAlloc` allocate:
                // rounded up to a pointer's size (a code object: 192 + 2 * 2 -> 200 bytes).
                end: super::common::round8(s.basicsize + n as isize * s.itemsize),
                var_head,
                heap_tail: true,
                alt_ends: Vec::new(),
                fit: Fit::Exact,
            });
        }
        Ok(Body::fixed(s.basicsize, var_head))
    }

    fn fields(
        &self,
        _obj: &Bound<'_, PyAny>,
        tv: &TypeView<'_>,
        ext: &Extent,
        b: &mut Builder,
    ) -> PyResult<()> {
        generic_items(b, tv, ext);
        Ok(())
    }
}

/// Generic objects: the item array after `tp_basicsize`.
fn generic_items(b: &mut Builder, tv: &TypeView<'_>, ext: &Extent) {
    let s = &tv.slots;
    if s.itemsize > 0 && ext.items > 0 {
        let (ctype, decode) = match s.itemsize {
            8 => ("item", Decode::Unsigned),
            1 | 2 | 4 => ("item", Decode::Unsigned),
            _ => ("item", Decode::Bytes),
        };
        b.add_array(
            "ob_item",
            s.basicsize,
            ext.items,
            s.itemsize as usize,
            ctype,
            decode,
            Region::Items,
        );
    }
}
