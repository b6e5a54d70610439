//! Type objects (`PyTypeObject`; heap types: `PyHeapTypeObject` and their `PyMemberDef`
//! array).

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::cpython::descrobject::PyMemberDef;
use crate::cpython::typeobject::{HeapTypeObject, TypeObject};
use crate::cpython::Decode;
use crate::raw::object as rawobj;

use super::common::{Body, Extent, Fit};
use super::{Builder, Decoder, Region, TypeView};

pub struct TypeObj;

impl Decoder for TypeObj {
    fn var_head(&self, _tv: &TypeView<'_>) -> bool {
        true
    }

    fn body(&self, obj: &Bound<'_, PyAny>, tv: &TypeView<'_>) -> PyResult<Body> {
        let s = &tv.slots;
        let heap = obj
            .cast::<PyType>()
            .map(|t| rawobj::type_slots(t).flags & ffi::Py_TPFLAGS_HEAPTYPE != 0)
            .unwrap_or(false);
        let (items, end) = if heap {
            let n = rawobj::ob_size(obj).max(0) as usize;
            // `type_new` / `PyType_FromMetaclass` allocate through `PyType_GenericAlloc`
            // (`_PyObject_VAR_SIZE(type, nitems + 1)`): one `PyMemberDef` more than the
            // members, the array's NULL sentinel.
            (n, s.basicsize + (n as isize + 1) * s.itemsize)
        } else {
            (0, TypeObject::SIZE as isize)
        };
        Ok(Body {
            items,
            end,
            var_head: true,
            heap_tail: false,
            alt_ends: Vec::new(),
            fit: Fit::Exact,
        })
    }

    fn fields(
        &self,
        _obj: &Bound<'_, PyAny>,
        tv: &TypeView<'_>,
        ext: &Extent,
        b: &mut Builder,
    ) -> PyResult<()> {
        type_object(b, tv, ext);
        Ok(())
    }
}

/// `PyTypeObject` slots by name (pyo3-ffi's struct, proven by the offsets probe), then the
/// `PyHeapTypeObject` tail and the heap type's own `PyMemberDef` array.
fn type_object(b: &mut Builder, tv: &TypeView<'_>, ext: &Extent) {
    b.add_defs(TypeObject::FIELDS, 0, Region::Body);
    if ext.end as usize > TypeObject::SIZE {
        b.add_defs(HeapTypeObject::FIELDS, 0, Region::Body);
        // The heap type's own PyMemberDef array (`PyHeapType_GET_MEMBERS`).
        let meta_basicsize = tv.slots.basicsize;
        let n = ext.items;
        b.add_array(
            "members",
            meta_basicsize,
            n,
            PyMemberDef::SIZE,
            "PyMemberDef",
            Decode::Bytes,
            Region::Items,
        );
        let at = meta_basicsize + (n * PyMemberDef::SIZE) as isize;
        b.add(
            "members_end",
            at,
            PyMemberDef::SIZE,
            "PyMemberDef",
            Decode::Bytes,
            Region::Items,
        )
        .note = Some("the array's NULL sentinel".into());
    }
}
