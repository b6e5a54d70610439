//! `datetime.time` and `datetime.datetime` (exact types): `time_alloc` / `datetime_alloc`
//! allocate the struct with a `tzinfo` member only for aware objects; a naive one ends
//! after its data bytes, inside `tp_basicsize` (Modules/_datetimemodule.c v3.10–v3.15).
//! Subclasses allocate `tp_basicsize` through `PyType_GenericAlloc` and are generic.

use pyo3::ffi;
use pyo3::prelude::*;

use crate::cpython::datetime::{
    _PyDateTime_BaseDateTime, _PyDateTime_BaseTime, PyDateTime_DateTime, PyDateTime_Time,
};
use crate::cpython::typeobject::TypeObject;
use crate::cpython::FieldDef;
use crate::raw::{mem, object as rawobj};

use super::common::{Body, Extent};
use super::{Builder, Decoder, Region, TypeView};

pub struct DateTime {
    aware: (&'static [FieldDef], usize),
    naive: (&'static [FieldDef], usize),
}

static TIME: DateTime = DateTime {
    aware: (PyDateTime_Time::FIELDS, PyDateTime_Time::SIZE),
    naive: (_PyDateTime_BaseTime::FIELDS, _PyDateTime_BaseTime::SIZE),
};
static DATETIME: DateTime = DateTime {
    aware: (PyDateTime_DateTime::FIELDS, PyDateTime_DateTime::SIZE),
    naive: (
        _PyDateTime_BaseDateTime::FIELDS,
        _PyDateTime_BaseDateTime::SIZE,
    ),
};

/// The decoder for exactly `datetime.time` or `datetime.datetime` (static types, found by
/// their `tp_name`).
pub fn decoder_of(tv: &TypeView<'_>) -> Option<&'static DateTime> {
    if tv.has(ffi::Py_TPFLAGS_HEAPTYPE) {
        return None;
    }
    let name = mem::read_usize(tv.slots.address + TypeObject::tp_name.offset).ok()?;
    match rawobj::cstr_is_one_of(name, &["datetime.time", "datetime.datetime"]).ok()? {
        Some(0) => Some(&TIME),
        Some(_) => Some(&DATETIME),
        None => None,
    }
}

impl DateTime {
    fn shape(&self, obj: &Bound<'_, PyAny>) -> PyResult<(&'static [FieldDef], usize)> {
        let at = obj.as_ptr() as usize + PyDateTime_Time::hastzinfo.offset;
        let aware = mem::read(at, 1).map_err(super::read_err)?[0] != 0;
        Ok(if aware { self.aware } else { self.naive })
    }
}

impl Decoder for DateTime {
    fn owned(&self, _obj: &Bound<'_, PyAny>) -> super::Owned {
        super::Owned::Nothing
    }

    fn body(&self, obj: &Bound<'_, PyAny>, _tv: &TypeView<'_>) -> PyResult<Body> {
        Ok(Body::fixed(self.shape(obj)?.1 as isize, false))
    }

    fn fields(
        &self,
        obj: &Bound<'_, PyAny>,
        _tv: &TypeView<'_>,
        _ext: &Extent,
        b: &mut Builder,
    ) -> PyResult<()> {
        b.add_defs(self.shape(obj)?.0, 0, Region::Body);
        Ok(())
    }
}
