//! `pyhood.frame_layout(frame)` (guide §11.6): a frame object as `layout()` shows objects,
//! plus, from 3.11, the `_PyInterpreterFrame` it points to, with every `localsplus` slot
//! named by its variable and the value stack up to its recorded top.
//!
//! Every address is read through the fault-free path; the code object found in the frame is
//! checked against `frame.f_code` before anything else is decoded.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};

use crate::cpython::bytesobject::PyBytesObject;
use crate::cpython::cellobject::PyCellObject;
use crate::cpython::code::{self, CODE, CODEUNIT_SIZE};
use crate::cpython::frameobject::{PyFrameObject, FRAME_DATA, FRAME_HAS_VAR_HEAD};
use crate::cpython::genobject;
use crate::cpython::object::{PyObject as RawObject, PyVarObject};
use crate::cpython::pycore_frame::{self as fc, FRAME, IFRAME_FIELDS, SLOT_CTYPE};
use crate::cpython::pycore_stackref::{decode_slot, Slot, STACKREF_TAG_BITS};
use crate::cpython::typeobject::TypeObject;
use crate::cpython::Decode;
use crate::errors;
use crate::raw::mem::{self, Snapshot};
use crate::raw::object as rawobj;
use crate::render;

use super::common::{self, Body, Extent, Fit};
use super::{read_err, Builder, Decoder, PyLayout, Region, TypeView};

/// Frame objects (`PyFrameObject`), as `block_info` and `footprint` see them;
/// `frame_layout` adds the execution state.
pub struct Frame;

impl Decoder for Frame {
    fn var_head(&self, _tv: &TypeView<'_>) -> bool {
        FRAME_HAS_VAR_HEAD // 3.11+ frames start with PyObject_HEAD; tp_itemsize is 8
    }

    fn static_members(&self) -> bool {
        true
    }

    fn body(&self, obj: &Bound<'_, PyAny>, tv: &TypeView<'_>) -> PyResult<Body> {
        let s = &tv.slots;
        // 3.11+: the slot count comes from the code object (`_PyFrame_New_NoTrack`); 3.10:
        // `ob_size` (frames are reused with more slots than their code needs).
        let n = if FRAME_HAS_VAR_HEAD {
            rawobj::ob_size(obj).unsigned_abs()
        } else {
            slot_capacity(obj)?
        };
        Ok(Body {
            items: n,
            end: s.basicsize + n as isize * s.itemsize,
            var_head: FRAME_HAS_VAR_HEAD,
            heap_tail: true,
            alt_ends: Vec::new(),
            fit: Fit::Exact,
        })
    }

    fn fields(
        &self,
        _obj: &Bound<'_, PyAny>,
        _tv: &TypeView<'_>,
        _ext: &Extent,
        b: &mut Builder,
    ) -> PyResult<()> {
        b.add_defs(PyFrameObject::FIELDS, 0, Region::Body);
        Ok(())
    }
}

/// Most `localsplus` slots (variables + stack) pyhood reads from one frame.
const MAX_SLOTS: usize = 1 << 20;

/// One `localsplus` slot: a variable (local, cell or free) or a value-stack entry.
#[pyclass(frozen, module = "pyhood", name = "FrameSlot")]
pub struct PyFrameSlot {
    /// The variable's name; `"stack[j]"` for value-stack entries.
    #[pyo3(get)]
    pub name: String,
    /// `local`, `cell`, `free` (joined with `+`, e.g. `local+cell` for an argument a closure
    /// captures; `hidden` for 3.12+ inlined comprehension variables), or `stack`.
    #[pyo3(get)]
    pub kind: String,
    /// Index in `localsplus` (`f_localsplus` on 3.10).
    #[pyo3(get)]
    pub index: usize,
    /// Byte offset of the slot in the allocation that holds it (the `f_frame` block from
    /// 3.11, the frame object on 3.10).
    #[pyo3(get)]
    pub offset: isize,
    /// Address of the object in the slot (`id()` of the value); `None` when the slot is
    /// empty (an unbound variable) or holds a tagged int.
    #[pyo3(get)]
    pub address: Option<usize>,
    /// `tp_name` of that object's type.
    #[pyo3(get)]
    pub type_name: Option<String>,
    /// For a slot that holds a cell: address of the cell's contents (`None` if empty).
    #[pyo3(get)]
    pub cell_contents: Option<usize>,
    /// 3.14+: the value of a tagged-int stack entry (not an object).
    #[pyo3(get)]
    pub tagged_int: Option<i64>,
}

#[pymethods]
impl PyFrameSlot {
    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "frame_slot_html")
    }

    /// IPython's pretty printer: the same text as `str()`.
    fn _repr_pretty_(slf: &Bound<'_, Self>, p: &Bound<'_, PyAny>, cycle: bool) -> PyResult<()> {
        render::pretty(slf.as_any(), p, cycle)
    }

    fn __repr__(&self) -> String {
        let what = match (self.address, self.tagged_int) {
            (Some(a), _) => format!(
                "{} at {a:#x}",
                self.type_name.as_deref().unwrap_or("object")
            ),
            (None, Some(i)) => format!("tagged int {i}"),
            (None, None) => "NULL".to_owned(),
        };
        let cell = self
            .cell_contents
            .map(|c| format!(" -> {c:#x}"))
            .unwrap_or_default();
        format!(
            "<pyhood.FrameSlot {} ({}) [{}]: {what}{cell}>",
            self.name, self.kind, self.index
        )
    }

    /// A JSON-ready dict of the snapshot's attributes.
    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        render::call(slf.as_any(), "frame_slot_dict")
    }
}

/// `frame_layout()`'s result: a `Layout` of the frame object (with the `_PyInterpreterFrame`
/// as its `f_frame` block from 3.11) and what the frame says about the running code.
#[pyclass(frozen, extends = PyLayout, module = "pyhood", name = "FrameLayout")]
pub struct PyFrameLayout {
    /// The frame's code object (`frame.f_code`).
    #[pyo3(get)]
    pub code: Py<PyAny>,
    /// Byte offset of the current instruction in `code.co_code`, as `frame.f_lasti`
    /// reports it (-1 before the first instruction).
    #[pyo3(get)]
    pub f_lasti: i64,
    /// Address of that instruction (`prev_instr` 3.11/3.12, `instr_ptr` 3.13+; computed from
    /// `co_code` and `f_lasti` on 3.10); `None` before the first instruction.
    #[pyo3(get)]
    pub instr_address: Option<usize>,
    /// Address of the `_PyInterpreterFrame` (3.11+; `None` on 3.10).
    #[pyo3(get)]
    pub interpreter_frame: Option<usize>,
    /// The previous frame: a `_PyInterpreterFrame` address (3.11+) or the `f_back` frame
    /// object (3.10); `None` at the bottom of the stack or once the frame has finished.
    #[pyo3(get)]
    pub previous: Option<usize>,
    /// Who owns the frame's data (3.11+): `"thread"`, `"generator"`, `"frame object"`; `None`
    /// on 3.10, where the frame object always holds it.
    #[pyo3(get)]
    pub owner: Option<String>,
    /// `"executing"`, `"suspended"`, `"created"`, `"completed"`, … (`f_state` on 3.10, the
    /// owner and the generator's `gi_frame_state` from 3.11).
    #[pyo3(get)]
    pub state: String,
    /// Values on the frame's value stack; `None` while the frame runs (CPython keeps the top
    /// of the stack in the evaluation loop then and records it only when the frame stops).
    #[pyo3(get)]
    pub stack_depth: Option<usize>,
    /// Every local, cell and free variable, in `localsplus` order.
    #[pyo3(get)]
    pub variables: Py<PyTuple>,
    /// The value-stack entries, bottom first (empty when `stack_depth` is `None`).
    #[pyo3(get)]
    pub stack: Py<PyTuple>,
}

#[pymethods]
impl PyFrameLayout {
    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let py = slf.py();
        let me = slf.get();
        let base = slf.as_super().get().described();
        let name = me
            .code
            .bind(py)
            .getattr(pyo3::intern!(py, "co_name"))?
            .to_string();
        let depth = me
            .stack_depth
            .map_or_else(|| "not recorded".to_owned(), |d| d.to_string());
        Ok(format!(
            "<pyhood.FrameLayout of {name} at {:#x}: {} bytes, f_lasti={}, {}, {} variables, \
             stack depth {depth}>",
            base.address,
            base.end - base.start,
            me.f_lasti,
            me.state,
            me.variables.bind(py).len()
        ))
    }

    /// The variable called `name`; `KeyError` if the code has none.
    fn variable<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyFrameSlot>> {
        for v in self.variables.bind(py).iter() {
            let v = v.cast_into::<PyFrameSlot>()?;
            if v.get().name == name {
                return Ok(v);
            }
        }
        Err(pyo3::exceptions::PyKeyError::new_err(name.to_owned()))
    }
}

/// What the code object says about the slots.
struct CodeFacts {
    stacksize: usize,
    names: Vec<String>,
    kinds: Vec<String>,
    /// First code unit (`co_code_adaptive`, or `co_code`'s bytes on 3.10).
    first_instr: usize,
}

fn layout_error(msg: impl Into<String>) -> PyErr {
    errors::layout_error(msg.into())
}

/// One read of the code object's fields that `frame_layout` uses (all before
/// `co_code_adaptive` / after `co_code` on 3.10, within the fixed part of the struct).
fn code_head(address: usize) -> PyResult<Snapshot> {
    let c = CODE;
    let end = [
        Some(c.stacksize + 4),
        c.nlocalsplus.map(|o| o + 4),
        c.localsplusnames.map(|o| o + 8),
        c.localspluskinds.map(|o| o + 8),
        c.co_code.map(|o| o + 8),
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(0);
    Snapshot::take(address, end).map_err(read_err)
}

fn head_int(head: &Snapshot, at: usize, len: usize) -> i64 {
    head.int(head.base + at, len).unwrap_or(0)
}

fn code_facts(code: &Bound<'_, PyAny>) -> PyResult<CodeFacts> {
    let address = code.as_ptr() as usize;
    let head = code_head(address)?;
    let stacksize = head_int(&head, CODE.stacksize, 4);
    let (names, kinds) = match (CODE.nlocalsplus, CODE.localsplusnames, CODE.localspluskinds) {
        (Some(n_at), Some(names_at), Some(kinds_at)) => {
            let n = head_int(&head, n_at, 4);
            if !(0..=MAX_SLOTS as i64).contains(&n) {
                return Err(layout_error(format!("co_nlocalsplus is {n}")));
            }
            let names = rawobj::borrowed_tuple_field(code, names_at)
                .ok_or_else(|| layout_error("co_localsplusnames is not a tuple"))?;
            if names.len() as i64 != n {
                return Err(layout_error(format!(
                    "co_nlocalsplus is {n} but co_localsplusnames has {} names",
                    names.len()
                )));
            }
            // The bytes object's header and its n bytes of data, in one read.
            let kinds_obj = head.word(address + kinds_at).unwrap_or(0);
            let data = PyBytesObject::ob_sval.offset;
            let kb = Snapshot::take(kinds_obj, data + n as usize).map_err(read_err)?;
            if kb.word(kinds_obj + RawObject::ob_type.offset) != Some(rawobj::bytes_type_address())
            {
                return Err(layout_error("co_localspluskinds is not a bytes object"));
            }
            let len = kb
                .int(kinds_obj + PyVarObject::ob_size.offset, 8)
                .unwrap_or(-1);
            if len != n {
                return Err(layout_error(format!(
                    "co_nlocalsplus is {n} but co_localspluskinds has {len} bytes"
                )));
            }
            let kinds = kb.slice(kinds_obj + data, n as usize).unwrap_or(&[]);
            let names = names
                .iter()
                .map(|s| Ok(s.cast_into::<PyString>()?.to_string()))
                .collect::<PyResult<Vec<_>>>()?;
            (names, kinds.iter().copied().map(code::kind_name).collect())
        }
        _ => {
            // 3.10: f_localsplus holds co_varnames, then co_cellvars, then co_freevars.
            let mut names = Vec::new();
            let mut kinds = Vec::new();
            for (attr, kind) in [
                ("co_varnames", "local"),
                ("co_cellvars", "cell"),
                ("co_freevars", "free"),
            ] {
                for n in code
                    .getattr(PyString::intern(code.py(), attr))?
                    .cast_into::<PyTuple>()?
                    .iter()
                {
                    names.push(n.cast_into::<PyString>()?.to_string());
                    kinds.push(kind.to_owned());
                }
            }
            (names, kinds)
        }
    };
    if names.len() + stacksize.max(0) as usize > MAX_SLOTS || stacksize < 0 {
        return Err(layout_error(format!(
            "code object with {} variables and stack size {stacksize} is beyond pyhood's bound",
            names.len()
        )));
    }
    let first_instr = match (CODE.code_adaptive, CODE.co_code) {
        (Some(at), _) => address + at,
        (None, Some(at)) => head.word(address + at).unwrap_or(0) + PyBytesObject::ob_sval.offset,
        _ => 0,
    };
    Ok(CodeFacts {
        stacksize: stacksize as usize,
        names,
        kinds,
        first_instr,
    })
}

/// `tp_name` of each type seen in one frame, read once (slots often share a type).
type TypeNames = std::collections::HashMap<usize, Option<String>>;

/// Type name, and cell contents when the object is a cell, of the object at `addr`.
fn describe_object(addr: usize, names: &mut TypeNames) -> (Option<String>, Option<usize>) {
    let Ok(ty) = mem::read_usize(addr + RawObject::ob_type.offset) else {
        return (None, None);
    };
    let name = names
        .entry(ty)
        .or_insert_with(|| {
            mem::read_usize(ty + TypeObject::tp_name.offset)
                .ok()
                .and_then(|p| rawobj::read_cstr(p, 200).ok())
        })
        .clone();
    let cell = if ty == rawobj::cell_type_address() {
        mem::read_usize(addr + PyCellObject::ob_ref.offset)
            .ok()
            .filter(|&c| c != 0)
    } else {
        None
    };
    (name, cell)
}

fn slot(
    b: &mut Builder,
    names: &mut TypeNames,
    at: isize,
    index: usize,
    name: String,
    kind: String,
) -> PyFrameSlot {
    let (address, tagged_int) = match decode_slot(b.word(at)) {
        Slot::Null => (None, None),
        Slot::Object(a) => (Some(a), None),
        Slot::TaggedInt(i) => (None, Some(i)),
    };
    let (type_name, cell_contents) = address
        .map(|a| describe_object(a, names))
        .unwrap_or((None, None));
    let note = match (address, tagged_int) {
        (Some(a), _) => {
            let cell = cell_contents
                .map(|c| format!(" -> {c:#x}"))
                .unwrap_or_default();
            format!(
                "{name} ({kind}): {} at {a:#x}{cell}",
                type_name.as_deref().unwrap_or("?")
            )
        }
        (None, Some(i)) => format!("{name} ({kind}): tagged int {i}"),
        (None, None) => format!("{name} ({kind}): NULL"),
    };
    b.add(
        format!("{}[{index}]", FRAME.localsplus_name),
        at,
        8,
        SLOT_CTYPE,
        Decode::Pointer,
        Region::Items,
    )
    .note = Some(note);
    PyFrameSlot {
        name,
        kind,
        index,
        offset: at,
        address,
        type_name,
        cell_contents,
        tagged_int,
    }
}

/// Name the `localsplus` slots of the state struct in `b` (the frame object on 3.10, the
/// interpreter frame from 3.11) and the value stack up to `depth`; the rest of the stack
/// becomes one field.
fn add_slots(
    b: &mut Builder,
    at: isize,
    code: &CodeFacts,
    depth: Option<usize>,
    running: bool,
) -> (Vec<PyFrameSlot>, Vec<PyFrameSlot>) {
    let base = at + FRAME.localsplus as isize;
    let n = code.names.len();
    let mut names = TypeNames::new();
    let vars = (0..n)
        .map(|i| {
            let (name, kind) = (code.names[i].clone(), code.kinds[i].clone());
            slot(b, &mut names, base + 8 * i as isize, i, name, kind)
        })
        .collect();
    let shown = depth.unwrap_or(0);
    let stack = (0..shown)
        .map(|j| {
            let i = n + j;
            slot(
                b,
                &mut names,
                base + 8 * i as isize,
                i,
                format!("stack[{j}]"),
                "stack".into(),
            )
        })
        .collect();
    let (from, to) = (n + shown, n + code.stacksize);
    // 3.10 reuses frame objects (free list, zombie frames) that may have more slots.
    let capacity = if FRAME_HAS_VAR_HEAD {
        ((b.end - base) / 8).max(0) as usize
    } else {
        to
    };
    if to < capacity {
        b.add(
            format!("{}[{to}..{capacity}]", FRAME.localsplus_name),
            base + 8 * to as isize,
            8 * (capacity - to),
            SLOT_CTYPE,
            Decode::Bytes,
            Region::Items,
        )
        .note = Some("spare: this reused frame object has more slots than the code needs".into());
    }
    if from < to {
        let note = if depth.is_some() {
            "value stack above the top: not in use"
        } else if running {
            "value stack: the frame is running, its top is not recorded"
        } else {
            "value stack: no valid top recorded"
        };
        b.add(
            format!("{}[{from}..{to}]", FRAME.localsplus_name),
            base + 8 * from as isize,
            8 * (to - from),
            SLOT_CTYPE,
            Decode::Bytes,
            Region::Items,
        )
        .note = Some(note.into());
    }
    (vars, stack)
}

/// `f_lasti` (bytes) and the instruction's address from the instruction field's raw value.
fn lasti(raw: i64, code: &CodeFacts) -> (i64, Option<usize>) {
    let index = if FRAME.instr_is_index {
        raw
    } else {
        (raw - code.first_instr as i64) / CODEUNIT_SIZE as i64
    };
    if index < 0 {
        (-1, None)
    } else {
        (
            index * CODEUNIT_SIZE as i64,
            Some(code.first_instr + index as usize * CODEUNIT_SIZE),
        )
    }
}

/// Whether `obj` is exactly a frame object.
pub fn is_frame(obj: &Bound<'_, PyAny>) -> bool {
    obj.get_type().as_ptr() as usize == rawobj::frame_type_address()
}

/// Slots a 3.11+ frame object was allocated with: the code's `co_nlocalsplus +
/// co_stacksize` (`_PyFrame_New_NoTrack`).
pub fn slot_capacity(obj: &Bound<'_, PyAny>) -> PyResult<usize> {
    let code = obj.getattr(pyo3::intern!(obj.py(), "f_code"))?;
    code_slot_count(code.as_ptr() as usize)
}

/// `co_nlocalsplus + co_stacksize` of the code object at `code` (3.11+; 3.10: its stack
/// size only), i.e. `_PyFrame_NumSlotsForCodeObject` (`co_framesize - FRAME_SPECIALS_SIZE`):
/// the slots of a frame, or of a generator's embedded frame (`make_gen`), for that code.
pub fn code_slot_count(code: usize) -> PyResult<usize> {
    let head = code_head(code)?;
    let ty = head.word(code + RawObject::ob_type.offset).unwrap_or(0);
    if ty != rawobj::code_type_address() {
        return Err(layout_error(format!(
            "the word that should point at a code object points at {code:#x}, not a code object"
        )));
    }
    let n = CODE.nlocalsplus.map_or(0, |at| head_int(&head, at, 4));
    let stack = head_int(&head, CODE.stacksize, 4);
    if !(0..=MAX_SLOTS as i64).contains(&(n + stack)) || n < 0 || stack < 0 {
        return Err(layout_error(format!(
            "code object with {n} variables and stack size {stack} is beyond pyhood's bound"
        )));
    }
    Ok((n + stack) as usize)
}

/// A `_PyInterpreterFrame` embedded at offset `at` of the allocation in `b` (a generator's
/// `gi_iframe`, 3.11+): its specials, then every `localsplus` slot named as
/// `frame_layout` names them. `stopped` says whether the frame recorded its stack top
/// (not while it runs).
pub fn embedded_frame(
    b: &mut Builder,
    at: isize,
    code_obj: &Bound<'_, PyAny>,
    stopped: bool,
) -> PyResult<()> {
    let code = code_facts(code_obj)?;
    let state = b.base.wrapping_add_signed(at);
    let raw_top = match FRAME.stack_top {
        fc::StackTop::Pointer => b.word(at + FRAME.stack as isize) as i64,
        _ => b.int(at + FRAME.stack as isize, 4),
    };
    let nslots = code.names.len();
    let depth = if !stopped {
        None
    } else if fc::records_cleared(raw_top, state) {
        Some(0)
    } else {
        fc::stack_depth(raw_top, state, nslots, code.stacksize)
    };
    b.add_defs(IFRAME_FIELDS, at, Region::Body);
    let owner = FRAME.owner.map(|o| b.int(at + o as isize, 1));
    for f in b.fields.iter_mut() {
        if f.name == "owner" && f.offset == at + FRAME.owner.unwrap_or(0) as isize {
            f.note = owner.and_then(fc::owner_name).map(str::to_owned);
        }
    }
    add_slots(b, at, &code, depth, !stopped);
    Ok(())
}

/// Build the frame layout of `obj`, which must be a frame object.
pub fn frame_layout(obj: &Bound<'_, PyAny>, max_items: usize) -> PyResult<Py<PyFrameLayout>> {
    let py = obj.py();
    let tv = TypeView::of(obj)?;
    if !is_frame(obj) {
        return Err(PyTypeError::new_err(format!(
            "frame_layout() takes a frame object (sys._getframe(), a traceback's tb_frame, a \
             generator's gi_frame), not {}",
            tv.name
        )));
    }
    let frame = obj.as_ptr() as usize;
    // The state struct: the frame object itself (3.10) or the interpreter frame (3.11+).
    let state = match FRAME.f_frame {
        Some(at) => mem::read_usize(frame + at).map_err(read_err)?,
        None => frame,
    };
    if state == 0 || state % 8 != 0 {
        return Err(layout_error(format!("f_frame is {state:#x}: not a frame")));
    }
    let specials = Snapshot::take(state, FRAME.localsplus).map_err(read_err)?;
    let word = |at: usize| specials.word(state + at).unwrap_or(0);
    let int = |at: usize, len: usize| specials.int(state + at, len).unwrap_or(0);

    // Validate against the public signal before decoding anything else.
    let code_obj = obj.getattr(pyo3::intern!(obj.py(), "f_code"))?;
    let code_ptr = word(FRAME.code) & !STACKREF_TAG_BITS;
    if code_ptr != code_obj.as_ptr() as usize
        || code_obj.get_type().as_ptr() as usize != rawobj::code_type_address()
    {
        return Err(errors::state_validation_error(format!(
            "the frame's code pointer reads {code_ptr:#x} but frame.f_code is at {:#x}: this \
             interpreter's frame layout is not the one pyhood was built for",
            code_obj.as_ptr() as usize
        )));
    }
    let code = code_facts(&code_obj)?;
    let nslots = code.names.len();

    // Owner and state.
    let owner = FRAME.owner.map(|at| int(at, 1));
    let (state_name, stopped) = match (owner, FRAME.f_state) {
        (None, Some(at)) => {
            let v = int(at, 1);
            (fc::state_name(v).to_owned(), fc::state_is_stopped(v))
        }
        (None, None) => ("unknown".to_owned(), false),
        (Some(fc::OWNED_BY_FRAME_OBJECT), _) => ("completed".to_owned(), true),
        (Some(fc::OWNED_BY_GENERATOR), _) => {
            let at = state.wrapping_add_signed(genobject::FRAME_STATE_FROM_IFRAME);
            let v = mem::read(at, 1).map_err(read_err)?[0] as i8 as i64;
            (fc::state_name(v).to_owned(), fc::state_is_stopped(v))
        }
        (Some(_), _) => ("executing".to_owned(), false),
    };
    let raw_top = match FRAME.stack_top {
        fc::StackTop::Pointer => word(FRAME.stack) as i64,
        _ => int(FRAME.stack, 4),
    };
    let cleared = owner == Some(fc::OWNED_BY_FRAME_OBJECT) && fc::records_cleared(raw_top, state);
    let state_name = if cleared {
        "cleared".to_owned()
    } else {
        state_name
    };
    let depth = if cleared {
        Some(0)
    } else if stopped {
        fc::stack_depth(raw_top, state, nslots, code.stacksize)
    } else {
        None
    };

    // The frame object's own allocation.
    let ext: Extent = common::extent(obj, &tv, Frame.body(obj, &tv)?)?;
    let mut b = Builder::new(frame, ext.start, ext.end, max_items).map_err(read_err)?;
    common::fields(obj, &tv, Frame.static_members(), &ext, &mut b)?;
    Frame.fields(obj, &tv, &ext, &mut b)?;
    let (instr_raw, previous) = (
        if FRAME.instr_is_index {
            int(FRAME.instr, 4)
        } else {
            word(FRAME.instr) as i64
        },
        word(FRAME.previous),
    );
    let (f_lasti, instr_address) = lasti(instr_raw, &code);
    let (variables, stack) = if FRAME.f_frame.is_none() {
        add_slots(&mut b, 0, &code, depth, !stopped)
    } else {
        let data = FRAME.frame_data as isize;
        let owned = state == frame + FRAME.frame_data;
        b.add(
            FRAME_DATA.name,
            data,
            (ext.end - data).max(0) as usize,
            "PyObject *[]",
            Decode::Bytes,
            Region::Data,
        )
        .note = Some(if owned {
            "holds f_frame: the frame has finished and its frame object owns the data".into()
        } else {
            "not in use: f_frame is elsewhere (see the f_frame block)".into()
        });
        let end = FRAME.localsplus + 8 * (nslots + code.stacksize);
        let mut blk = Builder::new(state, 0, end as isize, max_items).map_err(read_err)?;
        blk.add_defs(IFRAME_FIELDS, 0, Region::Body);
        for f in blk.fields.iter_mut() {
            match f.name.text().as_ref() {
                "owner" => f.note = owner.and_then(fc::owner_name).map(str::to_owned),
                "f_code" | "f_executable" => f.note = Some(format!("code at {code_ptr:#x}")),
                "f_funcobj" | "f_func" if STACKREF_TAG_BITS != 0 => {
                    if let Slot::Object(a) = decode_slot(word(f.offset as usize)) {
                        f.note = Some(format!("function at {a:#x} (tag bits cleared)"));
                    }
                }
                _ => {}
            }
        }
        let slots = add_slots(&mut blk, 0, &code, depth, !stopped);
        b.blocks.push(blk.finish(
            Some("f_frame".into()),
            "_PyInterpreterFrame".into(),
            FRAME.localsplus as isize,
            8,
        ));
        slots
    };
    if let Some(f) = b.fields.iter_mut().find(|f| f.name == "f_code") {
        f.note = Some(
            code_obj
                .getattr(pyo3::intern!(py, "co_qualname"))
                .or_else(|_| code_obj.getattr(pyo3::intern!(py, "co_name")))?
                .to_string(),
        );
    }
    let layout = PyLayout::from(b.finish(None, tv.name, tv.slots.basicsize, tv.slots.itemsize));
    let to_tuple = |v: Vec<PyFrameSlot>| -> PyResult<Py<PyTuple>> {
        let items = v
            .into_iter()
            .map(|s| Py::new(py, s))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyTuple::new(py, items)?.unbind())
    };
    let info = PyFrameLayout {
        code: code_obj.unbind(),
        f_lasti,
        instr_address,
        interpreter_frame: FRAME.f_frame.map(|_| state),
        previous: (previous != 0).then_some(previous),
        owner: owner.map(|o| fc::owner_name(o).unwrap_or("unknown").to_owned()),
        state: state_name,
        stack_depth: depth,
        variables: to_tuple(variables)?,
        stack: to_tuple(stack)?,
    };
    Py::new(py, PyClassInitializer::from(layout).add_subclass(info))
}
