//! `Include/internal/pycore_frame.h` (3.11–3.13; 3.14+: `_PyInterpreterFrame` in
//! `pycore_interpframe_structs.h`, reached through `pycore_interpframe.h`): the
//! interpreter frame, who owns it, the frame states, and how to read a frame's execution
//! state on every version (3.10: from the frame object itself).

use super::frameobject::{PyFrameObject, FRAME_HDR};
use super::pycore_stackref::OBJ_OR_STACKREF;
use super::{FieldDef, Ptr};

/// Where `_PyInterpreterFrame`, the generator head and the frame owners are declared.
pub const IFRAME_HDR: &str = if cfg!(Py_3_14) {
    "internal/pycore_interpframe.h"
} else {
    FRAME_HDR
};

/// A slot that holds an object: `PyObject *` before 3.14, a tagged `_PyStackRef` from 3.14.
#[cfg(not(Py_3_14))]
type ObjOrStackRef = Ptr;
#[cfg(Py_3_14)]
type ObjOrStackRef = usize;

declare! {
    /// `_PyInterpreterFrame` on 3.11.
    #[cfg(Py_3_11)]
    #[cfg(not(Py_3_12))]
    pub struct _PyInterpreterFrame in IFRAME_HDR {
        f_func: Ptr = { "PyFunctionObject *", Pointer },
        f_globals: Ptr = { "PyObject *", Pointer },
        f_builtins: Ptr = { "PyObject *", Pointer },
        f_locals: Ptr = { "PyObject *", Pointer },
        f_code: Ptr = { "PyCodeObject *", Pointer },
        frame_obj: Ptr = { "PyFrameObject *", Pointer },
        previous: Ptr = { "_PyInterpreterFrame *", Pointer },
        prev_instr: Ptr = { "_Py_CODEUNIT *", Pointer },
        stacktop: i32 = { "int", Signed },
        is_entry: bool = { "bool", Unsigned },
        owner: i8 = { "char", Signed },
        localsplus: [Ptr; 1] = ["PyObject *", flex],
    }

    /// `_PyInterpreterFrame` from 3.12. 3.13 renamed `f_code` to `f_executable` and
    /// `prev_instr` to `instr_ptr`, which points at the current instruction, not the one
    /// before. From 3.14 `f_executable`, `f_funcobj` and the slots of `localsplus` are
    /// tagged `_PyStackRef`s and the stack top is a pointer (`stackpointer`); free-threaded
    /// builds add `tlbc_index` before `return_offset`.
    #[cfg(Py_3_12)]
    pub struct _PyInterpreterFrame in IFRAME_HDR {
        #[cfg(not(Py_3_13))]
        f_code: Ptr = { "PyCodeObject *", Pointer },
        #[cfg(Py_3_13)]
        f_executable: ObjOrStackRef = { OBJ_OR_STACKREF, Pointer },
        previous: Ptr = { "_PyInterpreterFrame *", Pointer },
        f_funcobj: ObjOrStackRef = { OBJ_OR_STACKREF, Pointer },
        f_globals: Ptr = { "PyObject *", Pointer },
        f_builtins: Ptr = { "PyObject *", Pointer },
        f_locals: Ptr = { "PyObject *", Pointer },
        frame_obj: Ptr = { "PyFrameObject *", Pointer },
        #[cfg(not(Py_3_13))]
        prev_instr: Ptr = { "_Py_CODEUNIT *", Pointer },
        #[cfg(Py_3_13)]
        instr_ptr: Ptr = { "_Py_CODEUNIT *", Pointer },
        #[cfg(not(Py_3_14))]
        stacktop: i32 = { "int", Signed },
        #[cfg(Py_3_14)]
        stackpointer: Ptr = { "_PyStackRef *", Pointer },
        #[cfg(Py_3_14)]
        #[cfg(Py_GIL_DISABLED)]
        tlbc_index: i32 = { "int32_t", Signed },
        return_offset: u16 = { "uint16_t", Unsigned },
        owner: i8 = { "char", Signed },
        #[cfg(Py_3_14)]
        visited: u8 = { "uint8_t", Unsigned },
        localsplus: [ObjOrStackRef; 1] = [OBJ_OR_STACKREF, flex],
    }

    consts {
        /// `FRAME_OWNED_BY_THREAD`, `…_GENERATOR`, `…_FRAME_OBJECT` (`enum _frameowner`,
        /// every version with `owner`).
        pub const OWNED_BY_THREAD: i64 = 0
            => enum FRAME_OWNED_BY_THREAD in IFRAME_HDR if cfg!(Py_3_11);
        pub const OWNED_BY_GENERATOR: i64 = 1
            => enum FRAME_OWNED_BY_GENERATOR in IFRAME_HDR if cfg!(Py_3_11);
        pub const OWNED_BY_FRAME_OBJECT: i64 = 2
            => enum FRAME_OWNED_BY_FRAME_OBJECT in IFRAME_HDR if cfg!(Py_3_11);
    }

    enums {
        FRAME_STATES in FRAME_HDR;
    }
}

/// The name of an `owner` value (`enum _frameowner`).
pub fn owner_name(v: i64) -> Option<&'static str> {
    Some(match v {
        0 => "thread",
        1 => "generator",
        2 => "frame object",
        3 if cfg!(all(Py_3_12, not(Py_3_14))) => "C stack",
        3 if cfg!(Py_3_14) => "interpreter",
        4 if cfg!(all(Py_3_14, not(Py_3_15))) => "C stack",
        _ => return None,
    })
}

/// `enum _framestate` (3.10 `cpython/frameobject.h`, 3.11+ `internal/pycore_frame.h`): value,
/// C name, pyhood's name. 3.10 frames keep it in `f_state`; from 3.11 generators keep it in
/// `gi_frame_state`.
pub const FRAME_STATES: &[(i64, &str, &str)] = if cfg!(Py_3_15) {
    &[
        (0, "FRAME_CREATED", "created"),
        (1, "FRAME_SUSPENDED", "suspended"),
        (2, "FRAME_SUSPENDED_YIELD_FROM", "suspended (yield from)"),
        (
            3,
            "FRAME_SUSPENDED_YIELD_FROM_LOCKED",
            "suspended (yield from, locked)",
        ),
        (4, "FRAME_EXECUTING", "executing"),
        (5, "FRAME_CLEARED", "cleared"),
    ]
} else if cfg!(Py_3_13) {
    &[
        (-3, "FRAME_CREATED", "created"),
        (-2, "FRAME_SUSPENDED", "suspended"),
        (-1, "FRAME_SUSPENDED_YIELD_FROM", "suspended (yield from)"),
        (0, "FRAME_EXECUTING", "executing"),
        (1, "FRAME_COMPLETED", "completed"),
        (4, "FRAME_CLEARED", "cleared"),
    ]
} else if cfg!(Py_3_11) {
    &[
        (-2, "FRAME_CREATED", "created"),
        (-1, "FRAME_SUSPENDED", "suspended"),
        (0, "FRAME_EXECUTING", "executing"),
        (1, "FRAME_COMPLETED", "completed"),
        (4, "FRAME_CLEARED", "cleared"),
    ]
} else {
    &[
        (-2, "FRAME_CREATED", "created"),
        (-1, "FRAME_SUSPENDED", "suspended"),
        (0, "FRAME_EXECUTING", "executing"),
        (1, "FRAME_RETURNED", "returned"),
        (2, "FRAME_UNWINDING", "unwinding"),
        (3, "FRAME_RAISED", "raised"),
        (4, "FRAME_CLEARED", "cleared"),
    ]
};

/// pyhood's name for a frame state; `"unknown"` for a value the table does not have.
pub fn state_name(v: i64) -> &'static str {
    FRAME_STATES
        .iter()
        .find(|(k, _, _)| *k == v)
        .map_or("unknown", |(_, _, n)| n)
}

/// Whether a frame in state `v` has stopped running, so that it recorded its stack top.
pub fn state_is_stopped(v: i64) -> bool {
    !matches!(state_name(v), "executing" | "unknown")
}

/// The "specials" of `_PyInterpreterFrame` (everything before `localsplus`; 3.11+).
#[cfg(Py_3_11)]
pub const IFRAME_FIELDS: &[FieldDef] = _PyInterpreterFrame::FIELDS;
#[cfg(not(Py_3_11))]
pub const IFRAME_FIELDS: &[FieldDef] = &[];

/// The C type of a `localsplus` slot.
pub const SLOT_CTYPE: &str = OBJ_OR_STACKREF;

/// How the top of the value stack is recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StackTop {
    /// 3.10 `f_stackdepth`: the number of values on the stack; -1 while the frame runs.
    Depth,
    /// 3.11–3.13 `stacktop`: index of the top from `localsplus[0]`.
    Index,
    /// 3.14+ `stackpointer`: address one past the top value.
    Pointer,
}

/// Where the execution state of a frame lives and how to read it. On 3.10 the "state
/// struct" is the frame object itself; from 3.11 it is the `_PyInterpreterFrame` at
/// `f_frame`. Offsets are from the start of the state struct.
#[derive(Clone, Copy, Debug)]
pub struct FrameShape {
    /// `offsetof(PyFrameObject, f_frame)` (3.11+); `None` on 3.10.
    pub f_frame: Option<usize>,
    /// `offsetof(PyFrameObject, _f_frame_data)` (3.11+) or `f_localsplus` (3.10).
    pub frame_data: usize,
    /// The code object (`f_code` / `f_executable`, a `_PyStackRef` on 3.14+).
    pub code: usize,
    /// The previous frame: `f_back` (3.10, a frame object) or `previous` (an interpreter frame).
    pub previous: usize,
    /// The instruction: `f_lasti` (3.10, an `int` index: `instr_is_index`), `prev_instr`
    /// (3.11, 3.12) or `instr_ptr` (3.13+), pointers into the code's `co_code_adaptive`.
    pub instr: usize,
    pub instr_is_index: bool,
    pub stack: usize,
    pub stack_top: StackTop,
    /// `owner` (3.11+).
    pub owner: Option<usize>,
    /// `f_state` (3.10 only; from 3.11 the owner and the generator hold the state).
    pub f_state: Option<usize>,
    /// `localsplus` (3.11+) or `f_localsplus` (3.10).
    pub localsplus: usize,
    pub localsplus_name: &'static str,
}

#[cfg(not(Py_3_11))]
pub const FRAME: FrameShape = {
    type F = PyFrameObject;
    FrameShape {
        f_frame: None,
        frame_data: F::f_localsplus.offset,
        code: F::f_code.offset,
        previous: F::f_back.offset,
        instr: F::f_lasti.offset,
        instr_is_index: true,
        stack: F::f_stackdepth.offset,
        stack_top: StackTop::Depth,
        owner: None,
        f_state: Some(F::f_state.offset),
        localsplus: F::f_localsplus.offset,
        localsplus_name: F::f_localsplus.name,
    }
};

#[cfg(Py_3_11)]
pub const FRAME: FrameShape = {
    type I = _PyInterpreterFrame;
    FrameShape {
        f_frame: Some(PyFrameObject::f_frame.offset),
        frame_data: PyFrameObject::_f_frame_data.offset,
        #[cfg(not(Py_3_13))]
        code: I::f_code.offset,
        #[cfg(Py_3_13)]
        code: I::f_executable.offset,
        previous: I::previous.offset,
        #[cfg(not(Py_3_13))]
        instr: I::prev_instr.offset,
        #[cfg(Py_3_13)]
        instr: I::instr_ptr.offset,
        instr_is_index: false,
        #[cfg(not(Py_3_14))]
        stack: I::stacktop.offset,
        #[cfg(Py_3_14)]
        stack: I::stackpointer.offset,
        stack_top: if cfg!(Py_3_14) {
            StackTop::Pointer
        } else {
            StackTop::Index
        },
        owner: Some(I::owner.offset),
        f_state: None,
        localsplus: I::localsplus.offset,
        localsplus_name: I::localsplus.name,
    }
};

/// Depth of the value stack from the stack field's raw value, if it is a valid record:
/// `None` for 3.10's "running" marker (-1), 3.12/3.13's (-1) and anything outside
/// `[0, stacksize]`.
pub fn stack_depth(
    raw: i64,
    state_addr: usize,
    nlocalsplus: usize,
    stacksize: usize,
) -> Option<usize> {
    let depth = match FRAME.stack_top {
        StackTop::Depth => raw,
        StackTop::Index => raw - nlocalsplus as i64,
        StackTop::Pointer => {
            let base = state_addr + FRAME.localsplus + 8 * nlocalsplus;
            let sp = raw as u64 as usize;
            if sp < base || (sp - base) % 8 != 0 {
                return None;
            }
            ((sp - base) / 8) as i64
        }
    };
    (0..=stacksize as i64)
        .contains(&depth)
        .then_some(depth as usize)
}

/// Whether the stack field records a frame emptied by `frame.clear()` (3.11+
/// `frame_tp_clear`): the top is back at `localsplus[0]`, below the variables (3.11–3.13
/// `stacktop = 0`, 3.14+ `stackpointer = localsplus`). 3.10 says so in `f_state` instead.
pub fn records_cleared(raw: i64, state_addr: usize) -> bool {
    match FRAME.stack_top {
        StackTop::Depth => false,
        StackTop::Index => raw == 0,
        StackTop::Pointer => raw as u64 as usize == state_addr + FRAME.localsplus,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_depth_is_bounded() {
        let depth = |raw| stack_depth(raw, 0x1000, 2, 4);
        match FRAME.stack_top {
            StackTop::Depth => {
                assert_eq!(depth(-1), None);
                assert_eq!(depth(3), Some(3));
                assert_eq!(depth(5), None);
            }
            StackTop::Index => {
                assert_eq!(depth(-1), None);
                assert_eq!(depth(3), Some(1));
                assert_eq!(depth(7), None);
            }
            StackTop::Pointer => {
                let base = 0x1000 + FRAME.localsplus + 16;
                assert_eq!(depth(base as i64 + 8), Some(1));
                assert_eq!(depth(base as i64 - 8), None);
                assert_eq!(depth(base as i64 + 3), None);
                assert_eq!(depth(0), None);
            }
        }
    }
}
