//! `float` (`PyFloatObject`): the header and `ob_fval`.

use pyo3::prelude::*;

use crate::cpython::floatobject::PyFloatObject;

use super::common::{Body, Extent};
use super::{Builder, Decoder, Region, TypeView};

pub struct Float;

impl Decoder for Float {
    fn var_head(&self, _tv: &TypeView<'_>) -> bool {
        false
    }

    fn body(&self, _obj: &Bound<'_, PyAny>, tv: &TypeView<'_>) -> PyResult<Body> {
        Ok(Body::fixed(tv.slots.basicsize, false))
    }

    fn fields(
        &self,
        _obj: &Bound<'_, PyAny>,
        _tv: &TypeView<'_>,
        _ext: &Extent,
        b: &mut Builder,
    ) -> PyResult<()> {
        b.add_def(&PyFloatObject::ob_fval, 0, Region::Body);
        Ok(())
    }
}
