//! `#[repr(C)]` mirrors of the CPython structures pyhood reads, one per C struct, gated on
//! PyO3's version cfgs. Nothing here is ever dereferenced: the structs exist so that
//! `core::mem::offset_of!` and `size_of` give every offset the readers use, and so that the
//! offsets table (`offsets.rs`) can be proven against the C headers by `tests/test_offsets.py`.
//!
//! Sources (python/cpython tags v3.10.13, v3.11.7, v3.12.1, v3.13.0, v3.14.10; Debian's
//! python3.15-dev 3.15.2):
//! `Include/object.h`, `Include/refcount.h` (3.14), `Include/cpython/{unicodeobject,
//! listobject,tupleobject,bytesobject,floatobject,dictobject,setobject,longintrepr}.h`,
//! `Include/longintrepr.h` (3.10), `Include/internal/{pycore_gc,pycore_dict,
//! pycore_interp_structs}.h`, `Objects/dict-common.h` (3.10).
#![allow(non_camel_case_types, non_snake_case, dead_code)]

use core::ffi::c_void;

type Ptr = *const c_void;

/// `PyGC_Head` (`Include/internal/pycore_gc.h`; 3.14: `pycore_interp_structs.h`). Not
/// allocated on free-threaded builds.
#[repr(C)]
pub struct PyGC_Head {
    pub _gc_next: usize,
    pub _gc_prev: usize,
}

/// `PyObject` on default builds before 3.14: a full-word reference count.
#[cfg(all(not(Py_GIL_DISABLED), not(Py_3_14)))]
#[repr(C)]
pub struct PyObject {
    pub ob_refcnt: isize,
    pub ob_type: Ptr,
}

/// `PyObject` on 3.14 default builds (`Include/object.h` v3.14.10): the 64-bit word is a
/// union of `ob_refcnt_full` and {`uint32 ob_refcnt`, `uint16 ob_overflow`, `uint16 ob_flags`}
/// on little-endian machines.
#[cfg(all(not(Py_GIL_DISABLED), Py_3_14))]
#[repr(C)]
pub struct PyObject {
    pub ob_refcnt: u32,
    pub ob_overflow: u16,
    pub ob_flags: u16,
    pub ob_type: Ptr,
}

/// `PyObject` on free-threaded builds (`Include/object.h`; 3.13t `_padding`, 3.14t `ob_flags`).
#[cfg(Py_GIL_DISABLED)]
#[repr(C)]
pub struct PyObject {
    pub ob_tid: usize,
    pub ob_flags: u16,
    pub ob_mutex: u8,
    pub ob_gc_bits: u8,
    pub ob_ref_local: u32,
    pub ob_ref_shared: isize,
    pub ob_type: Ptr,
}

#[repr(C)]
pub struct PyVarObject {
    pub ob_base: PyObject,
    pub ob_size: isize,
}

/// `PyLongObject` before 3.12: a `PyVarObject` whose signed `ob_size` is the digit count.
#[cfg(not(Py_3_12))]
#[repr(C)]
pub struct PyLongObject {
    pub ob_base: PyVarObject,
    pub ob_digit: [u32; 1],
}

/// `_PyLongValue` (3.12+, `Include/cpython/longintrepr.h`).
#[cfg(Py_3_12)]
#[repr(C)]
pub struct _PyLongValue {
    pub lv_tag: usize,
    pub ob_digit: [u32; 1],
}

#[cfg(Py_3_12)]
#[repr(C)]
pub struct PyLongObject {
    pub ob_base: PyObject,
    pub long_value: _PyLongValue,
}

#[repr(C)]
pub struct PyFloatObject {
    pub ob_base: PyObject,
    pub ob_fval: f64,
}

#[repr(C)]
pub struct PyBytesObject {
    pub ob_base: PyVarObject,
    pub ob_shash: isize,
    pub ob_sval: [u8; 1],
}

#[repr(C)]
pub struct PyListObject {
    pub ob_base: PyVarObject,
    pub ob_item: Ptr,
    pub allocated: isize,
}

#[repr(C)]
pub struct PyTupleObject {
    pub ob_base: PyVarObject,
    #[cfg(Py_3_14)]
    pub ob_hash: isize,
    pub ob_item: [Ptr; 1],
}

#[repr(C)]
pub struct setentry {
    pub key: Ptr,
    pub hash: isize,
}

/// `PySetObject` (`Include/cpython/setobject.h`; unchanged 3.10–3.14). `PySet_MINSIZE` = 8.
#[repr(C)]
pub struct PySetObject {
    pub ob_base: PyObject,
    pub fill: isize,
    pub used: isize,
    pub mask: isize,
    pub table: Ptr,
    pub hash: isize,
    pub finger: isize,
    pub smalltable: [setentry; 8],
    pub weakreflist: Ptr,
}

/// `PyDictObject`; `ma_version_tag` is `_ma_watcher_tag` on 3.14 (same slot).
#[repr(C)]
pub struct PyDictObject {
    pub ob_base: PyObject,
    pub ma_used: isize,
    pub ma_version_tag: u64,
    pub ma_keys: Ptr,
    pub ma_values: Ptr,
}

/// `PyFrozenDictObject` (3.15+, `Include/internal/pycore_dict.h` v3.15.2).
#[cfg(Py_3_15)]
#[repr(C)]
pub struct PyFrozenDictObject {
    pub ob_base: PyDictObject,
    pub ma_hash: isize,
}

/// `struct _dictkeysobject` in 3.10 (`Objects/dict-common.h`, not installed with the headers).
#[cfg(not(Py_3_11))]
#[repr(C)]
pub struct PyDictKeysObject {
    pub dk_refcnt: isize,
    pub dk_size: isize,
    pub dk_lookup: Ptr,
    pub dk_usable: isize,
    pub dk_nentries: isize,
    pub dk_indices: [u8; 0],
}

/// `struct _dictkeysobject` 3.11+ (`Include/internal/pycore_dict.h`).
#[cfg(Py_3_11)]
#[repr(C)]
pub struct PyDictKeysObject {
    pub dk_refcnt: isize,
    pub dk_log2_size: u8,
    pub dk_log2_index_bytes: u8,
    pub dk_kind: u8,
    #[cfg(Py_GIL_DISABLED)]
    pub dk_mutex: u8,
    pub dk_version: u32,
    pub dk_usable: isize,
    pub dk_nentries: isize,
    pub dk_indices: [u8; 0],
}

#[repr(C)]
pub struct PyDictKeyEntry {
    pub me_hash: isize,
    pub me_key: Ptr,
    pub me_value: Ptr,
}

/// 3.11+: entries of `DICT_KEYS_UNICODE` and `DICT_KEYS_SPLIT` tables.
#[cfg(Py_3_11)]
#[repr(C)]
pub struct PyDictUnicodeEntry {
    pub me_key: Ptr,
    pub me_value: Ptr,
}

/// `PyDictValues` 3.11/3.12: just the values; a byte prefix precedes it.
#[cfg(all(Py_3_11, not(Py_3_13)))]
#[repr(C)]
pub struct PyDictValues {
    pub values: [Ptr; 1],
}

/// `PyDictValues` 3.13+: a small header, the values, then `order[capacity]`.
#[cfg(Py_3_13)]
#[repr(C)]
pub struct PyDictValues {
    pub capacity: u8,
    pub size: u8,
    pub embedded: u8,
    pub valid: u8,
    pub values: [Ptr; 1],
}

/// `PyASCIIObject` (`Include/cpython/unicodeobject.h`); `wstr` removed in 3.12.
#[repr(C)]
pub struct PyASCIIObject {
    pub ob_base: PyObject,
    pub length: isize,
    pub hash: isize,
    pub state: u32,
    #[cfg(not(Py_3_12))]
    pub wstr: Ptr,
}

#[repr(C)]
pub struct PyCompactUnicodeObject {
    pub _base: PyASCIIObject,
    pub utf8_length: isize,
    pub utf8: Ptr,
    #[cfg(not(Py_3_12))]
    pub wstr_length: isize,
}

#[repr(C)]
pub struct PyUnicodeObject {
    pub _base: PyCompactUnicodeObject,
    pub data: Ptr,
}

/// `PyMemberDef` (`Include/descrobject.h` 3.12+, `structmember.h` before; unchanged).
#[repr(C)]
pub struct PyMemberDef {
    pub name: Ptr,
    pub r#type: i32,
    pub offset: isize,
    pub flags: i32,
    pub doc: Ptr,
}

/// `struct pool_header` of pymalloc (`Objects/obmalloc.c` v3.10.13/v3.11.7,
/// `Include/internal/pycore_obmalloc.h` v3.12.1+; identical in every supported version).
#[repr(C)]
pub struct pool_header {
    /// `union { pymem_block *_padding; uint count; } ref`
    pub ref_count: usize,
    pub freeblock: Ptr,
    pub nextpool: Ptr,
    pub prevpool: Ptr,
    pub arenaindex: u32,
    pub szidx: u32,
    pub nextoffset: u32,
    pub maxnextoffset: u32,
}

/// pymalloc geometry on 64-bit builds with the radix tree (3.10+): `POOL_SIZE` 16 KiB
/// (`POOL_BITS` 14), `ALIGNMENT` 16, `SMALL_REQUEST_THRESHOLD` 512; `POOL_OVERHEAD` is
/// `sizeof(struct pool_header)` rounded to `ALIGNMENT` (48). Confirmed at run time against
/// the figures `_PyObject_DebugMallocStats` prints.
pub const POOL_SIZE: usize = 1 << 14;
pub const PYMALLOC_ALIGNMENT: usize = 16;
pub const SMALL_REQUEST_THRESHOLD: usize = 512;
pub const POOL_OVERHEAD: usize =
    core::mem::size_of::<pool_header>().div_ceil(PYMALLOC_ALIGNMENT) * PYMALLOC_ALIGNMENT;

/// `struct _PyWeakReference` (`Include/cpython/weakrefobject.h`; 3.10: `weakrefobject.h`):
/// `vectorcall` from 3.11, `weakrefs_lock` on free-threaded builds (3.13+).
#[repr(C)]
pub struct PyWeakReference {
    pub ob_base: PyObject,
    pub wr_object: usize,
    pub wr_callback: usize,
    pub hash: isize,
    pub wr_prev: usize,
    pub wr_next: usize,
    #[cfg(Py_3_11)]
    pub vectorcall: usize,
    #[cfg(Py_GIL_DISABLED)]
    pub weakrefs_lock: usize,
}

// ---------------------------------------------------------------------------------------
// Frames and code objects (guide §11.6). Sources: `Include/cpython/frameobject.h` and
// `Include/cpython/code.h` (3.10.13); `Include/internal/pycore_frame.h` and
// `Include/cpython/code.h` (3.11.7, 3.12.1, 3.13.0); `Include/internal/pycore_frame.h`,
// `Include/internal/pycore_interpframe_structs.h` and `Include/cpython/code.h` (3.14.10,
// Debian's 3.15.2).
// ---------------------------------------------------------------------------------------

/// `PyTryBlock` (3.10 `Include/cpython/frameobject.h`).
#[cfg(not(Py_3_11))]
#[repr(C)]
pub struct PyTryBlock {
    pub b_type: i32,
    pub b_handler: i32,
    pub b_level: i32,
}

/// `CO_MAXBLOCKS` (3.10 `Include/cpython/code.h`).
#[cfg(not(Py_3_11))]
pub const CO_MAXBLOCKS: usize = 20;

/// `PyFrameObject` on 3.10: a variable-size object holding locals, cells, free variables
/// and the value stack itself (`f_localsplus`).
#[cfg(not(Py_3_11))]
#[repr(C)]
pub struct PyFrameObject {
    pub ob_base: PyVarObject,
    pub f_back: Ptr,
    pub f_code: Ptr,
    pub f_builtins: Ptr,
    pub f_globals: Ptr,
    pub f_locals: Ptr,
    pub f_valuestack: Ptr,
    pub f_trace: Ptr,
    pub f_stackdepth: i32,
    pub f_trace_lines: i8,
    pub f_trace_opcodes: i8,
    pub f_gen: Ptr,
    pub f_lasti: i32,
    pub f_lineno: i32,
    pub f_iblock: i32,
    /// `PyFrameState` is a `signed char`.
    pub f_state: i8,
    pub f_blockstack: [PyTryBlock; CO_MAXBLOCKS],
    pub f_localsplus: [Ptr; 1],
}

/// `PyFrameObject` (`struct _frame`) from 3.11: a small object that points at the
/// `_PyInterpreterFrame` holding the execution state, and holds a copy of it once the frame
/// has finished (`_f_frame_data`). It starts with `PyObject_HEAD`, not `PyObject_VAR_HEAD`,
/// although `PyFrame_Type.tp_itemsize` is not 0.
#[cfg(Py_3_11)]
#[repr(C)]
pub struct PyFrameObject {
    pub ob_base: PyObject,
    pub f_back: Ptr,
    pub f_frame: Ptr,
    pub f_trace: Ptr,
    pub f_lineno: i32,
    pub f_trace_lines: i8,
    pub f_trace_opcodes: i8,
    #[cfg(not(Py_3_13))]
    pub f_fast_as_locals: i8,
    #[cfg(Py_3_13)]
    pub f_extra_locals: Ptr,
    #[cfg(Py_3_13)]
    pub f_locals_cache: Ptr,
    #[cfg(Py_3_14)]
    pub f_overwritten_fast_locals: Ptr,
    pub _f_frame_data: [Ptr; 1],
}

/// `_PyInterpreterFrame` on 3.11.
#[cfg(all(Py_3_11, not(Py_3_12)))]
#[repr(C)]
pub struct _PyInterpreterFrame {
    pub f_func: Ptr,
    pub f_globals: Ptr,
    pub f_builtins: Ptr,
    pub f_locals: Ptr,
    pub f_code: Ptr,
    pub frame_obj: Ptr,
    pub previous: Ptr,
    pub prev_instr: Ptr,
    pub stacktop: i32,
    pub is_entry: bool,
    pub owner: i8,
    pub localsplus: [Ptr; 1],
}

/// `_PyInterpreterFrame` on 3.12 and 3.13 (3.13 renamed `f_code` to `f_executable` and
/// `prev_instr` to `instr_ptr`, which points at the current instruction, not the one before).
#[cfg(all(Py_3_12, not(Py_3_14)))]
#[repr(C)]
pub struct _PyInterpreterFrame {
    #[cfg(not(Py_3_13))]
    pub f_code: Ptr,
    #[cfg(Py_3_13)]
    pub f_executable: Ptr,
    pub previous: Ptr,
    pub f_funcobj: Ptr,
    pub f_globals: Ptr,
    pub f_builtins: Ptr,
    pub f_locals: Ptr,
    pub frame_obj: Ptr,
    #[cfg(not(Py_3_13))]
    pub prev_instr: Ptr,
    #[cfg(Py_3_13)]
    pub instr_ptr: Ptr,
    pub stacktop: i32,
    pub return_offset: u16,
    pub owner: i8,
    pub localsplus: [Ptr; 1],
}

/// `_PyInterpreterFrame` from 3.14: `f_executable`, `f_funcobj` and the slots of
/// `localsplus` are tagged `_PyStackRef`s; the stack top is a pointer. Free-threaded builds
/// add `tlbc_index` before `return_offset`.
#[cfg(Py_3_14)]
#[repr(C)]
pub struct _PyInterpreterFrame {
    pub f_executable: usize,
    pub previous: Ptr,
    pub f_funcobj: usize,
    pub f_globals: Ptr,
    pub f_builtins: Ptr,
    pub f_locals: Ptr,
    pub frame_obj: Ptr,
    pub instr_ptr: Ptr,
    pub stackpointer: Ptr,
    #[cfg(Py_GIL_DISABLED)]
    pub tlbc_index: i32,
    pub return_offset: u16,
    pub owner: i8,
    pub visited: u8,
    pub localsplus: [usize; 1],
}

/// `PyCodeObject` on 3.10.
#[cfg(not(Py_3_11))]
#[repr(C)]
pub struct PyCodeObject {
    pub ob_base: PyObject,
    pub co_argcount: i32,
    pub co_posonlyargcount: i32,
    pub co_kwonlyargcount: i32,
    pub co_nlocals: i32,
    pub co_stacksize: i32,
    pub co_flags: i32,
    pub co_firstlineno: i32,
    pub co_code: Ptr,
    pub co_consts: Ptr,
    pub co_names: Ptr,
    pub co_varnames: Ptr,
    pub co_freevars: Ptr,
    pub co_cellvars: Ptr,
    pub co_cell2arg: Ptr,
    pub co_filename: Ptr,
    pub co_name: Ptr,
    pub co_linetable: Ptr,
}

/// `PyCodeObject` from 3.11 (`_PyCode_DEF`): a variable-size object whose items are the
/// (specialising) bytecode, `co_code_adaptive`.
#[cfg(Py_3_11)]
#[repr(C)]
pub struct PyCodeObject {
    pub ob_base: PyVarObject,
    pub co_consts: Ptr,
    pub co_names: Ptr,
    pub co_exceptiontable: Ptr,
    pub co_flags: i32,
    #[cfg(not(Py_3_12))]
    pub co_warmup: i16,
    #[cfg(not(Py_3_12))]
    pub _co_linearray_entry_size: i16,
    pub co_argcount: i32,
    pub co_posonlyargcount: i32,
    pub co_kwonlyargcount: i32,
    pub co_stacksize: i32,
    pub co_firstlineno: i32,
    pub co_nlocalsplus: i32,
    #[cfg(Py_3_12)]
    pub co_framesize: i32,
    pub co_nlocals: i32,
    #[cfg(not(Py_3_12))]
    pub co_nplaincellvars: i32,
    pub co_ncellvars: i32,
    pub co_nfreevars: i32,
    #[cfg(Py_3_12)]
    pub co_version: u32,
    pub co_localsplusnames: Ptr,
    pub co_localspluskinds: Ptr,
    pub co_filename: Ptr,
    pub co_name: Ptr,
    pub co_qualname: Ptr,
    pub co_linetable: Ptr,
    pub co_weakreflist: Ptr,
    #[cfg(Py_3_13)]
    pub co_executors: Ptr,
    #[cfg(not(Py_3_12))]
    pub _co_code: Ptr,
    #[cfg(not(Py_3_12))]
    pub _co_linearray: Ptr,
    #[cfg(Py_3_12)]
    pub _co_cached: Ptr,
    #[cfg(Py_3_12)]
    pub _co_instrumentation_version: u64,
    #[cfg(Py_3_12)]
    pub _co_monitoring: Ptr,
    #[cfg(Py_3_14)]
    pub _co_unique_id: isize,
    pub _co_firsttraceable: i32,
    pub co_extra: Ptr,
    #[cfg(all(Py_3_14, Py_GIL_DISABLED))]
    pub co_tlbc: Ptr,
    pub co_code_adaptive: [u8; 1],
}

/// `PyCellObject` (`Include/cpython/cellobject.h`).
#[repr(C)]
pub struct PyCellObject {
    pub ob_base: PyObject,
    pub ob_ref: Ptr,
}

/// The head of `PyGenObject` (`_PyGenObject_HEAD`, `Include/cpython/genobject.h` 3.11–3.13,
/// `Include/internal/pycore_interpframe_structs.h` 3.14+), up to the embedded
/// `_PyInterpreterFrame` of a generator, coroutine or async generator.
#[cfg(Py_3_11)]
#[repr(C)]
pub struct PyGenObject {
    pub ob_base: PyObject,
    #[cfg(not(Py_3_12))]
    pub gi_code: Ptr,
    pub gi_weakreflist: Ptr,
    pub gi_name: Ptr,
    pub gi_qualname: Ptr,
    /// `_PyErr_StackItem`: `exc_value`, `previous_item`.
    pub gi_exc_state: [Ptr; 2],
    pub gi_origin_or_finalizer: Ptr,
    pub gi_hooks_inited: i8,
    pub gi_closed: i8,
    pub gi_running_async: i8,
    pub gi_frame_state: i8,
    pub gi_iframe: _PyInterpreterFrame,
}
