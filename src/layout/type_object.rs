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
    fn owned(&self, _obj: &Bound<'_, PyAny>) -> super::Owned {
        super::Owned::Nothing
    }

    fn var_head(&self, _tv: &TypeView<'_>) -> bool {
        true
    }

    fn body(&self, obj: &Bound<'_, PyAny>, tv: &TypeView<'_>) -> PyResult<Body> {
        let s = &tv.slots;
        let heap = is_heap_type(obj);
        let (items, end) = if heap {
            let n = rawobj::ob_size(obj).max(0) as usize;
            // `type_new` / `PyType_FromMetaclass` allocate through `PyType_GenericAlloc`
            // (`_PyObject_VAR_SIZE(type, nitems + 1)`): one `PyMemberDef` more than the
            // members, the array's NULL sentinel.
            (n, s.basicsize + (n as isize + 1) * s.itemsize)
        } else {
            (0, static_type_size(s.basicsize))
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
        obj: &Bound<'_, PyAny>,
        tv: &TypeView<'_>,
        ext: &Extent,
        b: &mut Builder,
    ) -> PyResult<()> {
        type_object(b, tv, ext, is_heap_type(obj));
        Ok(())
    }
}

fn is_heap_type(obj: &Bound<'_, PyAny>) -> bool {
    obj.cast::<PyType>()
        .map(|t| rawobj::type_slots(t).flags & ffi::Py_TPFLAGS_HEAPTYPE != 0)
        .unwrap_or(false)
}

/// The struct of a type that is not a heap type, from its metatype's `tp_basicsize`: a
/// `PyTypeObject` (what `type` and the heap metatypes written in Python describe is a
/// `PyHeapTypeObject`, which such a type is not), or the larger struct of a C metatype
/// that extends `PyHeapTypeObject` with fields of its own, whose instances C code lays out
/// as that struct whether they are heap types or not (numpy's `_DTypeMeta`:
/// `PyArray_DTypeMeta` begins with `PyHeapTypeObject super`, numpy/_core/include/numpy/
/// dtype_api.h 2.x; its legacy dtype classes, `numpy.dtypes.Float64DType` and the like,
/// are not heap types, each in a block of its own of the metatype's `tp_basicsize`: 984
/// bytes from malloc on 3.12).
fn static_type_size(meta_basicsize: isize) -> isize {
    if meta_basicsize as usize > HeapTypeObject::SIZE {
        meta_basicsize
    } else {
        TypeObject::SIZE as isize
    }
}

/// `PyTypeObject` slots by name (pyo3-ffi's struct, proven by the offsets probe), then for
/// a heap type the `PyHeapTypeObject` tail and its own `PyMemberDef` array. The rest of a
/// larger struct (a C metatype's own fields) is left unnamed.
fn type_object(b: &mut Builder, tv: &TypeView<'_>, ext: &Extent, heap: bool) {
    b.add_defs(TypeObject::FIELDS, 0, Region::Body);
    if heap && ext.end as usize > TypeObject::SIZE {
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
