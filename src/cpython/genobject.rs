//! Generators, coroutines and async generators. 3.10: `Include/genobject.h` (a plain
//! `PyObject` head, a pointer to the frame object, no embedded frame). 3.11+: the head of
//! `PyGenObject` (`_PyGenObject_HEAD`, `Include/cpython/genobject.h` 3.11–3.13,
//! `Include/internal/pycore_interpframe_structs.h` 3.14+), up to the embedded
//! `_PyInterpreterFrame` (`gi_iframe`), whose `localsplus` follow.
//!
//! None of the three begins with `PyObject_VAR_HEAD`: from 3.11 their types have
//! `tp_itemsize == sizeof(PyObject *)` for the frame's slots, but `_PyObject_GC_NewVar`'s
//! `ob_size` is overwritten by the first field (`gi_code` 3.11, `gi_weakreflist` 3.12+).
//! Coroutines and async generators share the generator's struct with the `cr_` / `ag_`
//! prefix (`_PyGenObject_HEAD(cr)`, `_PyGenObject_HEAD(ag)`) from 3.11.

use super::object::PyObject;
#[cfg(Py_3_11)]
use super::pycore_frame::{_PyInterpreterFrame, IFRAME_HDR};
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

    /// `PyGenObject` on 3.10: the execution state is the frame object `gi_frame` points to.
    #[cfg(not(Py_3_11))]
    pub struct PyGenObject in "" {
        ob_base: PyObject = base,
        gi_frame: Ptr = { "PyFrameObject *", Pointer },
        gi_code: Ptr = { "PyObject *", Pointer },
        gi_weakreflist: Ptr = { "PyObject *", Pointer },
        gi_name: Ptr = { "PyObject *", Pointer },
        gi_qualname: Ptr = { "PyObject *", Pointer },
        // `_PyErr_StackItem`: `exc_type`, `exc_value`, `exc_traceback`, `previous_item`.
        gi_exc_state: [Ptr; 4] = { "_PyErr_StackItem", Bytes },
    }

    /// `PyCoroObject` on 3.10: the generator head with the `cr_` prefix, then `cr_origin`.
    #[cfg(not(Py_3_11))]
    pub struct PyCoroObject in "" {
        ob_base: PyObject = base,
        cr_frame: Ptr = { "PyFrameObject *", Pointer },
        cr_code: Ptr = { "PyObject *", Pointer },
        cr_weakreflist: Ptr = { "PyObject *", Pointer },
        cr_name: Ptr = { "PyObject *", Pointer },
        cr_qualname: Ptr = { "PyObject *", Pointer },
        cr_exc_state: [Ptr; 4] = { "_PyErr_StackItem", Bytes },
        cr_origin: Ptr = { "PyObject *", Pointer },
    }

    /// `PyAsyncGenObject` on 3.10: the generator head with the `ag_` prefix, then the
    /// finalizer and three `int` flags (4 bytes of alignment padding follow, to 112).
    #[cfg(not(Py_3_11))]
    pub struct PyAsyncGenObject in "" {
        ob_base: PyObject = base,
        ag_frame: Ptr = { "PyFrameObject *", Pointer },
        ag_code: Ptr = { "PyObject *", Pointer },
        ag_weakreflist: Ptr = { "PyObject *", Pointer },
        ag_name: Ptr = { "PyObject *", Pointer },
        ag_qualname: Ptr = { "PyObject *", Pointer },
        ag_exc_state: [Ptr; 4] = { "_PyErr_StackItem", Bytes },
        ag_finalizer: Ptr = { "PyObject *", Pointer },
        ag_hooks_inited: i32 = { "int", Signed },
        ag_closed: i32 = { "int", Signed },
        ag_running_async: i32 = { "int", Signed },
    }
}

/// The three generator-like types and the field prefix their C structs use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GenKind {
    Generator,
    Coroutine,
    AsyncGenerator,
}

impl GenKind {
    pub fn prefix(self) -> &'static str {
        match self {
            GenKind::Generator => "gi_",
            GenKind::Coroutine => "cr_",
            GenKind::AsyncGenerator => "ag_",
        }
    }

    pub fn ctype(self) -> &'static str {
        match self {
            GenKind::Generator => "PyGenObject",
            GenKind::Coroutine => "PyCoroObject",
            GenKind::AsyncGenerator => "PyAsyncGenObject",
        }
    }

    /// The fields of the struct before the embedded frame (3.11+) or all of it (3.10), named
    /// with the `gi_` prefix on 3.11+ (callers rename with `prefix()`).
    pub fn fields(self) -> &'static [super::FieldDef] {
        #[cfg(not(Py_3_11))]
        {
            match self {
                GenKind::Generator => PyGenObject::FIELDS,
                GenKind::Coroutine => PyCoroObject::FIELDS,
                GenKind::AsyncGenerator => PyAsyncGenObject::FIELDS,
            }
        }
        #[cfg(Py_3_11)]
        {
            PyGenObject::FIELDS
        }
    }
}

/// Whether the generator embeds its `_PyInterpreterFrame` (3.11+).
pub const EMBEDS_FRAME: bool = cfg!(Py_3_11);

/// Offset of the embedded interpreter frame (`gi_iframe`), 3.11+.
#[cfg(Py_3_11)]
pub const IFRAME_OFFSET: usize = PyGenObject::gi_iframe.offset;
#[cfg(not(Py_3_11))]
pub const IFRAME_OFFSET: usize = 0;

/// Where a generator keeps its code object, relative to the generator: `gi_code` on 3.10
/// and 3.11; from 3.12 the embedded frame's `f_code` / `f_executable` (kept until the
/// generator is deallocated, `_PyFrame_ClearExceptCode`; a tagged `_PyStackRef` on 3.14+).
pub fn code_offset() -> usize {
    #[cfg(not(Py_3_12))]
    {
        PyGenObject::gi_code.offset
    }
    #[cfg(Py_3_12)]
    {
        IFRAME_OFFSET + super::pycore_frame::FRAME.code
    }
}

/// Where a generator's `gi_frame_state` is relative to its embedded interpreter frame
/// (`gi_iframe`), which is where `f_frame` of a generator-owned frame points (3.11+).
#[cfg(Py_3_11)]
pub const FRAME_STATE_FROM_IFRAME: isize =
    PyGenObject::gi_frame_state.offset as isize - PyGenObject::gi_iframe.offset as isize;
#[cfg(not(Py_3_11))]
pub const FRAME_STATE_FROM_IFRAME: isize = 0;

/// `gi_frame_state` relative to the generator (3.11+).
#[cfg(Py_3_11)]
pub const FRAME_STATE_OFFSET: Option<usize> = Some(PyGenObject::gi_frame_state.offset);
#[cfg(not(Py_3_11))]
pub const FRAME_STATE_OFFSET: Option<usize> = None;
