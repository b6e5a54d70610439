//! `PyFrameObject`: `Include/cpython/frameobject.h` on 3.10 (reached through
//! `frameobject.h`), `struct _frame` in `Include/internal/pycore_frame.h` from 3.11.
//!
//! 3.10 keeps the whole execution state (code, instruction index, locals, value stack) in
//! the frame object. From 3.11 the state is a `_PyInterpreterFrame` (`pycore_frame.rs`) on
//! the thread's data stack, inside a generator, or copied into the frame object once the
//! frame finishes (`_f_frame_data`); the frame object only points at it (`f_frame`).

#[cfg(not(Py_3_11))]
use super::code::CO_MAXBLOCKS;
#[cfg(Py_3_11)]
use super::object::PyObject;
#[cfg(not(Py_3_11))]
use super::object::PyVarObject;
use super::Ptr;

/// Where `PyFrameObject` (and the frame states) are declared.
pub const FRAME_HDR: &str = if cfg!(Py_3_11) {
    "internal/pycore_frame.h"
} else {
    "frameobject.h"
};

declare! {
    /// `PyTryBlock` (3.10): one entry of the block stack.
    #[cfg(not(Py_3_11))]
    pub struct PyTryBlock in FRAME_HDR {
        b_type: i32 = { "int", Signed },
        b_handler: i32 = { "int", Signed },
        b_level: i32 = { "int", Signed },
    }

    /// `PyFrameObject` on 3.10: a variable-size object holding locals, cells, free
    /// variables and the value stack itself (`f_localsplus`).
    #[cfg(not(Py_3_11))]
    pub struct PyFrameObject in FRAME_HDR {
        ob_base: PyVarObject = base,
        f_back: Ptr = { "PyFrameObject *", Pointer },
        f_code: Ptr = { "PyCodeObject *", Pointer },
        f_builtins: Ptr = { "PyObject *", Pointer },
        f_globals: Ptr = { "PyObject *", Pointer },
        f_locals: Ptr = { "PyObject *", Pointer },
        f_valuestack: Ptr = { "PyObject **", Pointer },
        f_trace: Ptr = { "PyObject *", Pointer },
        f_stackdepth: i32 = { "int", Signed },
        f_trace_lines: i8 = { "char", Signed },
        f_trace_opcodes: i8 = { "char", Signed },
        f_gen: Ptr = { "PyObject *", Pointer },
        f_lasti: i32 = { "int", Signed },
        f_lineno: i32 = { "int", Signed },
        f_iblock: i32 = { "int", Signed },
        // `PyFrameState` is a `signed char`.
        f_state: i8 = { "PyFrameState", Signed },
        f_blockstack: [PyTryBlock; CO_MAXBLOCKS] = { "PyTryBlock[CO_MAXBLOCKS]", Bytes },
        f_localsplus: [Ptr; 1] = ["PyObject *", flex],
    }

    /// `PyFrameObject` from 3.11: a small object that points at the `_PyInterpreterFrame`
    /// holding the execution state, and holds a copy of it once the frame has finished
    /// (`_f_frame_data`). It starts with `PyObject_HEAD`, not `PyObject_VAR_HEAD`, although
    /// `PyFrame_Type.tp_itemsize` is not 0.
    #[cfg(Py_3_11)]
    pub struct PyFrameObject in FRAME_HDR {
        ob_base: PyObject = base,
        f_back: Ptr = { "PyFrameObject *", Pointer },
        f_frame: Ptr = { "_PyInterpreterFrame *", Pointer },
        f_trace: Ptr = { "PyObject *", Pointer },
        f_lineno: i32 = { "int", Signed },
        f_trace_lines: i8 = { "char", Signed },
        f_trace_opcodes: i8 = { "char", Signed },
        #[cfg(not(Py_3_13))]
        f_fast_as_locals: i8 = { "char", Signed },
        #[cfg(Py_3_13)]
        f_extra_locals: Ptr = { "PyObject *", Pointer },
        #[cfg(Py_3_13)]
        f_locals_cache: Ptr = { "PyObject *", Pointer },
        #[cfg(Py_3_14)]
        f_overwritten_fast_locals: Ptr = { "PyObject *", Pointer },
        _f_frame_data: [Ptr; 1] = ["PyObject *", flex],
    }
}

/// Whether `PyFrameObject` begins with `PyObject_VAR_HEAD` (3.10 only; from 3.11
/// `PyFrame_Type.tp_itemsize` is 8 although the struct begins with `PyObject_HEAD`).
pub const FRAME_HAS_VAR_HEAD: bool = !cfg!(Py_3_11);

/// The array at the end of the frame object: `f_localsplus` (3.10, the slots themselves)
/// or `_f_frame_data` (3.11+, room for a finished frame's `_PyInterpreterFrame`).
#[cfg(not(Py_3_11))]
pub const FRAME_DATA: super::FieldDef = PyFrameObject::f_localsplus;
#[cfg(Py_3_11)]
pub const FRAME_DATA: super::FieldDef = PyFrameObject::_f_frame_data;
