//! The head of `PyGenObject` (`_PyGenObject_HEAD`, `Include/cpython/genobject.h` 3.11–3.13,
//! `Include/internal/pycore_interpframe_structs.h` 3.14+), up to the embedded
//! `_PyInterpreterFrame` of a generator, coroutine or async generator.

#[cfg(Py_3_11)]
use super::object::PyObject;
#[cfg(Py_3_11)]
use super::pycore_frame::{_PyInterpreterFrame, IFRAME_HDR};
#[cfg(Py_3_11)]
use super::Ptr;

declare! {
    /// `PyGenObject` (3.11+), up to `gi_iframe` (mirrored as the interpreter frame's
    /// specials only: probed by offset).
    #[cfg(Py_3_11)]
    pub struct PyGenObject in IFRAME_HDR [partial] {
        ob_base: PyObject = base,
        #[cfg(not(Py_3_12))]
        gi_code: Ptr = { "PyCodeObject *", Pointer },
        gi_weakreflist: Ptr = { "PyObject *", Pointer },
        gi_name: Ptr = { "PyObject *", Pointer },
        gi_qualname: Ptr = { "PyObject *", Pointer },
        // `_PyErr_StackItem`: `exc_value`, `previous_item`.
        gi_exc_state: [Ptr; 2] = { "_PyErr_StackItem", Bytes },
        gi_origin_or_finalizer: Ptr = { "PyObject *", Pointer },
        gi_hooks_inited: i8 = { "char", Signed },
        gi_closed: i8 = { "char", Signed },
        gi_running_async: i8 = { "char", Signed },
        gi_frame_state: i8 = { "int8_t", Signed },
        gi_iframe: _PyInterpreterFrame = ["_PyInterpreterFrame", flex],
    }
}

/// Where a generator's `gi_frame_state` is relative to its embedded interpreter frame
/// (`gi_iframe`), which is where `f_frame` of a generator-owned frame points (3.11+).
#[cfg(Py_3_11)]
pub const FRAME_STATE_FROM_IFRAME: isize =
    PyGenObject::gi_frame_state.offset as isize - PyGenObject::gi_iframe.offset as isize;
#[cfg(not(Py_3_11))]
pub const FRAME_STATE_FROM_IFRAME: isize = 0;
