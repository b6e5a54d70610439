//! Instances of classes defined in Python (heap types of fixed size) that no built-in
//! decoder claims: besides their base's members, what they hold comes from their class (`__slots__`, `__dict__` / `__weakref__` slots, the managed pre-header,
//! 3.13+ inline values), all decoded in `common`.

use pyo3::prelude::*;

use super::common::{Body, Extent};
use super::{Builder, Decoder, TypeView};

pub struct Instance;

impl Decoder for Instance {
    fn owned(&self, _obj: &Bound<'_, PyAny>) -> super::Owned {
        super::Owned::Nothing
    }

    fn var_head(&self, tv: &TypeView<'_>) -> bool {
        // A class statement over bytearray, deque or array.array keeps its base's head.
        super::common::var_head_without_items(tv)
    }

    fn static_members(&self) -> bool {
        true
    }

    /// Its instances are `tp_basicsize` long and own nothing but a 3.11/3.12 values array;
    /// what the class adds (pre-header, inline values) is the extent's.
    fn shape(&self, tv: &TypeView<'_>) -> Option<super::common::InstanceShape> {
        super::common::InstanceShape::of(tv)
    }

    fn body(&self, _obj: &Bound<'_, PyAny>, tv: &TypeView<'_>) -> PyResult<Body> {
        Ok(Body::fixed(tv.slots.basicsize, self.var_head(tv)))
    }

    fn fields(
        &self,
        _obj: &Bound<'_, PyAny>,
        _tv: &TypeView<'_>,
        _ext: &Extent,
        _b: &mut Builder,
    ) -> PyResult<()> {
        Ok(())
    }
}
