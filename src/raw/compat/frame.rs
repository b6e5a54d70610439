//! Frames and code objects (guide §11.6): every version difference of `PyFrameObject`,
//! `_PyInterpreterFrame`, `PyCodeObject`, the generator head and `_PyStackRef` that
//! `frame_layout` depends on. Struct shapes are in `structs.rs`; sources are named there.
//!
//! 3.10 keeps the whole execution state (code, instruction index, locals, value stack) in
//! the frame object. From 3.11 the state is a `_PyInterpreterFrame` on the thread's data
//! stack (or inside a generator, or copied into the frame object once the frame finishes)
//! and the frame object only points at it (`f_frame`).

use core::mem::offset_of;

use super::super::structs::*;
use super::{def, Decode, FieldDef};

const P: Decode = Decode::Pointer;
const S: Decode = Decode::Signed;
#[cfg(Py_3_11)]
const U: Decode = Decode::Unsigned;

/// The `FieldDef` of `$s.$f`: C name, `offset_of!`, size, C type, decoding (sizes are proven
/// against the headers with the offsets by `tests/test_offsets.py`).
macro_rules! field {
    ($s:ident . $f:ident, $size:expr, $ctype:expr, $decode:expr) => {
        def(stringify!($f), offset_of!($s, $f), $size, $ctype, $decode)
    };
}

/// Whether `PyFrameObject` begins with `PyObject_VAR_HEAD` (3.10 only; from 3.11
/// `PyFrame_Type.tp_itemsize` is 8 although the struct begins with `PyObject_HEAD`).
pub const FRAME_HAS_VAR_HEAD: bool = !cfg!(Py_3_11);

/// `_PyStackRef` (3.14+) where the field is one, else the `PyObject *` it replaced.
const OBJ_OR_STACKREF: &str = if cfg!(Py_3_14) {
    "_PyStackRef"
} else {
    "PyObject *"
};

/// The frame object's own fields after the header (the array at the end, `f_localsplus` on
/// 3.10 and `_f_frame_data` from 3.11, is placed by the caller). Order does not matter:
/// layouts sort fields by offset.
pub const FRAME_FIELDS: &[FieldDef] = &[
    field!(PyFrameObject.f_back, 8, "PyFrameObject *", P),
    field!(PyFrameObject.f_trace, 8, "PyObject *", P),
    field!(PyFrameObject.f_lineno, 4, "int", S),
    field!(PyFrameObject.f_trace_lines, 1, "char", S),
    field!(PyFrameObject.f_trace_opcodes, 1, "char", S),
    #[cfg(not(Py_3_11))]
    field!(PyFrameObject.f_code, 8, "PyCodeObject *", P),
    #[cfg(not(Py_3_11))]
    field!(PyFrameObject.f_builtins, 8, "PyObject *", P),
    #[cfg(not(Py_3_11))]
    field!(PyFrameObject.f_globals, 8, "PyObject *", P),
    #[cfg(not(Py_3_11))]
    field!(PyFrameObject.f_locals, 8, "PyObject *", P),
    #[cfg(not(Py_3_11))]
    field!(PyFrameObject.f_valuestack, 8, "PyObject **", P),
    #[cfg(not(Py_3_11))]
    field!(PyFrameObject.f_stackdepth, 4, "int", S),
    #[cfg(not(Py_3_11))]
    field!(PyFrameObject.f_gen, 8, "PyObject *", P),
    #[cfg(not(Py_3_11))]
    field!(PyFrameObject.f_lasti, 4, "int", S),
    #[cfg(not(Py_3_11))]
    field!(PyFrameObject.f_iblock, 4, "int", S),
    #[cfg(not(Py_3_11))]
    field!(PyFrameObject.f_state, 1, "PyFrameState", S),
    #[cfg(not(Py_3_11))]
    field!(
        PyFrameObject.f_blockstack,
        core::mem::size_of::<[PyTryBlock; CO_MAXBLOCKS]>(),
        "PyTryBlock[CO_MAXBLOCKS]",
        Decode::Bytes
    ),
    #[cfg(Py_3_11)]
    field!(PyFrameObject.f_frame, 8, "_PyInterpreterFrame *", P),
    #[cfg(all(Py_3_11, not(Py_3_13)))]
    field!(PyFrameObject.f_fast_as_locals, 1, "char", S),
    #[cfg(Py_3_13)]
    field!(PyFrameObject.f_extra_locals, 8, "PyObject *", P),
    #[cfg(Py_3_13)]
    field!(PyFrameObject.f_locals_cache, 8, "PyObject *", P),
    #[cfg(Py_3_14)]
    field!(PyFrameObject.f_overwritten_fast_locals, 8, "PyObject *", P),
];

/// The "specials" of `_PyInterpreterFrame` (everything before `localsplus`; 3.11+).
#[cfg(not(Py_3_11))]
pub const IFRAME_FIELDS: &[FieldDef] = &[];

#[cfg(Py_3_11)]
pub const IFRAME_FIELDS: &[FieldDef] = &[
    #[cfg(not(Py_3_12))]
    field!(_PyInterpreterFrame.f_func, 8, "PyFunctionObject *", P),
    #[cfg(not(Py_3_13))]
    field!(_PyInterpreterFrame.f_code, 8, "PyCodeObject *", P),
    #[cfg(Py_3_13)]
    field!(_PyInterpreterFrame.f_executable, 8, OBJ_OR_STACKREF, P),
    field!(_PyInterpreterFrame.previous, 8, "_PyInterpreterFrame *", P),
    #[cfg(Py_3_12)]
    field!(_PyInterpreterFrame.f_funcobj, 8, OBJ_OR_STACKREF, P),
    field!(_PyInterpreterFrame.f_globals, 8, "PyObject *", P),
    field!(_PyInterpreterFrame.f_builtins, 8, "PyObject *", P),
    field!(_PyInterpreterFrame.f_locals, 8, "PyObject *", P),
    field!(_PyInterpreterFrame.frame_obj, 8, "PyFrameObject *", P),
    #[cfg(not(Py_3_13))]
    field!(_PyInterpreterFrame.prev_instr, 8, "_Py_CODEUNIT *", P),
    #[cfg(Py_3_13)]
    field!(_PyInterpreterFrame.instr_ptr, 8, "_Py_CODEUNIT *", P),
    #[cfg(not(Py_3_14))]
    field!(_PyInterpreterFrame.stacktop, 4, "int", S),
    #[cfg(Py_3_14)]
    field!(_PyInterpreterFrame.stackpointer, 8, "_PyStackRef *", P),
    #[cfg(all(Py_3_14, Py_GIL_DISABLED))]
    field!(_PyInterpreterFrame.tlbc_index, 4, "int32_t", S),
    #[cfg(not(Py_3_12))]
    field!(_PyInterpreterFrame.is_entry, 1, "bool", U),
    #[cfg(Py_3_12)]
    field!(_PyInterpreterFrame.return_offset, 2, "uint16_t", U),
    field!(_PyInterpreterFrame.owner, 1, "char", S),
    #[cfg(Py_3_14)]
    field!(_PyInterpreterFrame.visited, 1, "uint8_t", U),
];

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

/// The C type of a `localsplus` slot.
pub const SLOT_CTYPE: &str = OBJ_OR_STACKREF;

#[cfg(not(Py_3_11))]
pub const FRAME: FrameShape = FrameShape {
    f_frame: None,
    frame_data: offset_of!(PyFrameObject, f_localsplus),
    code: offset_of!(PyFrameObject, f_code),
    previous: offset_of!(PyFrameObject, f_back),
    instr: offset_of!(PyFrameObject, f_lasti),
    instr_is_index: true,
    stack: offset_of!(PyFrameObject, f_stackdepth),
    stack_top: StackTop::Depth,
    owner: None,
    f_state: Some(offset_of!(PyFrameObject, f_state)),
    localsplus: offset_of!(PyFrameObject, f_localsplus),
    localsplus_name: "f_localsplus",
};

#[cfg(Py_3_11)]
pub const FRAME: FrameShape = FrameShape {
    f_frame: Some(offset_of!(PyFrameObject, f_frame)),
    frame_data: offset_of!(PyFrameObject, _f_frame_data),
    #[cfg(not(Py_3_13))]
    code: offset_of!(_PyInterpreterFrame, f_code),
    #[cfg(Py_3_13)]
    code: offset_of!(_PyInterpreterFrame, f_executable),
    previous: offset_of!(_PyInterpreterFrame, previous),
    #[cfg(not(Py_3_13))]
    instr: offset_of!(_PyInterpreterFrame, prev_instr),
    #[cfg(Py_3_13)]
    instr: offset_of!(_PyInterpreterFrame, instr_ptr),
    instr_is_index: false,
    #[cfg(not(Py_3_14))]
    stack: offset_of!(_PyInterpreterFrame, stacktop),
    #[cfg(Py_3_14)]
    stack: offset_of!(_PyInterpreterFrame, stackpointer),
    stack_top: if cfg!(Py_3_14) {
        StackTop::Pointer
    } else {
        StackTop::Index
    },
    owner: Some(offset_of!(_PyInterpreterFrame, owner)),
    f_state: None,
    localsplus: offset_of!(_PyInterpreterFrame, localsplus),
    localsplus_name: "localsplus",
};

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

/// `FRAME_OWNED_BY_THREAD`, `…_GENERATOR`, `…_FRAME_OBJECT` (all versions with `owner`).
pub const OWNED_BY_THREAD: i64 = 0;
pub const OWNED_BY_GENERATOR: i64 = 1;
pub const OWNED_BY_FRAME_OBJECT: i64 = 2;

/// Where a generator's `gi_frame_state` is relative to its embedded interpreter frame
/// (`gi_iframe`), which is where `f_frame` of a generator-owned frame points.
#[cfg(Py_3_11)]
pub const GEN_FRAME_STATE_FROM_IFRAME: isize =
    offset_of!(PyGenObject, gi_frame_state) as isize - offset_of!(PyGenObject, gi_iframe) as isize;
#[cfg(not(Py_3_11))]
pub const GEN_FRAME_STATE_FROM_IFRAME: isize = 0;

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

// --- Code objects --------------------------------------------------------------------

/// `co_localspluskinds` bits (`Include/internal/pycore_code.h`, 3.11+).
pub const CO_FAST_HIDDEN: u8 = 0x10;
pub const CO_FAST_LOCAL: u8 = 0x20;
pub const CO_FAST_CELL: u8 = 0x40;
pub const CO_FAST_FREE: u8 = 0x80;

/// A slot's kind as words: `local`, `cell`, `free`, joined with `+` when an argument is
/// also a cell (`local+cell`); `hidden` marks 3.12+ inlined-comprehension variables.
pub fn kind_name(k: u8) -> String {
    let mut parts = Vec::new();
    if k & CO_FAST_HIDDEN != 0 && cfg!(Py_3_12) {
        parts.push("hidden");
    }
    if k & CO_FAST_LOCAL != 0 {
        parts.push("local");
    }
    if k & CO_FAST_CELL != 0 {
        parts.push("cell");
    }
    if k & CO_FAST_FREE != 0 {
        parts.push("free");
    }
    parts.join("+")
}

/// Offsets in `PyCodeObject` that `frame_layout` reads.
#[derive(Clone, Copy, Debug)]
pub struct CodeShape {
    pub stacksize: usize,
    /// `co_nlocalsplus` (3.11+); on 3.10 the count is locals + cells + frees.
    pub nlocalsplus: Option<usize>,
    /// `co_localsplusnames`, `co_localspluskinds` (3.11+).
    pub localsplusnames: Option<usize>,
    pub localspluskinds: Option<usize>,
    /// `co_code_adaptive` (3.11+), the first code unit.
    pub code_adaptive: Option<usize>,
    /// `co_code` (3.10): a bytes object holding the code units.
    pub co_code: Option<usize>,
}

#[cfg(not(Py_3_11))]
pub const CODE: CodeShape = CodeShape {
    stacksize: offset_of!(PyCodeObject, co_stacksize),
    nlocalsplus: None,
    localsplusnames: None,
    localspluskinds: None,
    code_adaptive: None,
    co_code: Some(offset_of!(PyCodeObject, co_code)),
};

#[cfg(Py_3_11)]
pub const CODE: CodeShape = CodeShape {
    stacksize: offset_of!(PyCodeObject, co_stacksize),
    nlocalsplus: Some(offset_of!(PyCodeObject, co_nlocalsplus)),
    localsplusnames: Some(offset_of!(PyCodeObject, co_localsplusnames)),
    localspluskinds: Some(offset_of!(PyCodeObject, co_localspluskinds)),
    code_adaptive: Some(offset_of!(PyCodeObject, co_code_adaptive)),
    co_code: None,
};

/// `sizeof(_Py_CODEUNIT)`.
pub const CODEUNIT_SIZE: usize = 2;

// --- Slots: PyObject * before 3.14, _PyStackRef from 3.14 ----------------------------

/// `Py_TAG_BITS` of `_PyStackRef` (`Include/internal/pycore_stackref.h` 3.14, 3.15): 3 on
/// default builds, 1 on free-threaded 3.14 builds. `Py_INT_TAG` (3) marks a tagged int.
pub const STACKREF_TAG_BITS: usize = if cfg!(all(Py_3_14, Py_GIL_DISABLED, not(Py_3_15))) {
    1
} else if cfg!(Py_3_14) {
    3
} else {
    0
};
pub const STACKREF_INT_TAG: usize = 3;

/// What one `localsplus` slot holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    Null,
    Object(usize),
    /// A tagged integer (3.14+ stack values such as a `for` loop's index), not an object.
    TaggedInt(i64),
}

/// Decode a slot's word.
pub fn decode_slot(bits: usize) -> Slot {
    if STACKREF_TAG_BITS != 0 && bits & STACKREF_INT_TAG == STACKREF_INT_TAG {
        return Slot::TaggedInt((bits as i64) >> 2);
    }
    match bits & !STACKREF_TAG_BITS {
        0 => Slot::Null,
        p => Slot::Object(p),
    }
}

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
    fn slots_decode_by_version() {
        assert_eq!(decode_slot(0), Slot::Null);
        assert_eq!(decode_slot(0x1000), Slot::Object(0x1000));
        if cfg!(Py_3_14) {
            assert_eq!(decode_slot(1), Slot::Null); // PyStackRef_NULL
            assert_eq!(decode_slot(0x1001), Slot::Object(0x1000)); // deferred reference
            assert_eq!(decode_slot((7 << 2) | 3), Slot::TaggedInt(7));
        }
    }

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
