//! `float` (`PyFloatObject`): the header and `ob_fval`.

use pyo3::prelude::*;

use crate::cpython::floatobject::PyFloatObject;

use super::common::Extent;
use super::{Builder, Decoder, Region, TypeView};

pub struct Float;

impl Decoder for Float {
    fn owned(&self, _obj: &Bound<'_, PyAny>) -> super::Owned {
        super::Owned::Nothing
    }

    fn by_type(&self, _tv: &TypeView<'_>) -> bool {
        true
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
