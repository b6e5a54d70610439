//! Direct reads of live objects and their type objects.
//!
//! These are the only reads that do not go through the fault-free path in `mem.rs`, and
//! they only touch memory CPython guarantees while the caller holds a borrowed `Bound`:
//! the fixed `PyObject` header of the object and the `PyTypeObject` of its type.

use core::mem::{offset_of, size_of};

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyType;

use super::mem;
use crate::cpython::descrobject::PyMemberDef;
use crate::cpython::longintrepr::SIZE_WORD;
use crate::cpython::object::{PyObject as RawObject, PyVarObject};
use crate::cpython::unicodeobject::PyASCIIObject;

pub use crate::cpython::object::HeaderBytes;

/// Copy the `PyObject` header of a live object.
pub fn header_bytes(obj: &Bound<'_, PyAny>) -> HeaderBytes {
    let mut out = [0u8; size_of::<RawObject>()];
    // SAFETY:
    // - the thread is attached and `obj` is a borrowed, live object for the call
    // - every object, static or heap, begins with a complete `PyObject` header of
    //   size_of::<RawObject>() bytes (checked against the C headers by test_offsets.py)
    // - `out` is a distinct local buffer of exactly that size
    // - on free-threaded builds other threads may update the refcount fields concurrently;
    //   a byte copy can tear between them, which only makes the snapshot stale, never unsafe
    unsafe {
        core::ptr::copy_nonoverlapping(obj.as_ptr().cast::<u8>(), out.as_mut_ptr(), out.len());
    }
    HeaderBytes(out)
}

/// Read `ob_size` of an object the caller knows to be a `PyVarObject`.
pub fn ob_size(obj: &Bound<'_, PyAny>) -> isize {
    // SAFETY:
    // - the thread is attached and `obj` is live for the call
    // - callers only ask for objects whose C struct starts with PyObject_VAR_HEAD
    //   (see `layout::has_var_head`), so offset `ob_size` is inside the allocation
    unsafe {
        obj.as_ptr()
            .cast::<u8>()
            .add(offset_of!(PyVarObject, ob_size))
            .cast::<isize>()
            .read_unaligned()
    }
}

/// The `PyTypeObject` slots pyhood needs, copied out of a live type object.
#[derive(Clone, Debug)]
pub struct TypeSlots {
    pub address: usize,
    pub basicsize: isize,
    pub itemsize: isize,
    pub flags: u64,
    pub dictoffset: isize,
    pub weaklistoffset: isize,
    pub members: usize,
    /// `PyHeapTypeObject.ht_cached_keys` (heap types only; 0 otherwise).
    pub cached_keys: usize,
}

pub fn type_slots(tp: &Bound<'_, PyType>) -> TypeSlots {
    let t = tp.as_type_ptr();
    // SAFETY:
    // - the thread is attached and `tp` is a live type object for the call
    // - every type object is at least a complete `PyTypeObject`
    // - reads are plain field loads of initialised slots (types are ready once instances exist
    //   or once Python code can reference them)
    let (basicsize, itemsize, dictoffset, weaklistoffset, members) = unsafe {
        (
            (*t).tp_basicsize,
            (*t).tp_itemsize,
            (*t).tp_dictoffset,
            (*t).tp_weaklistoffset,
            (*t).tp_members as usize,
        )
    };
    // SAFETY: as above; PyType_GetFlags is the exported accessor for tp_flags
    let flags = unsafe { ffi::PyType_GetFlags(t) } as u64;
    let cached_keys = if flags & ffi::Py_TPFLAGS_HEAPTYPE != 0 {
        // SAFETY:
        // - Py_TPFLAGS_HEAPTYPE guarantees the object is a complete `PyHeapTypeObject`
        // - the field offset comes from pyo3-ffi's struct, proven by test_offsets.py
        unsafe { (*t.cast::<ffi::PyHeapTypeObject>()).ht_cached_keys as usize }
    } else {
        0
    };
    TypeSlots {
        address: t as usize,
        basicsize,
        itemsize,
        flags,
        dictoffset,
        weaklistoffset,
        members,
        cached_keys,
    }
}

/// `PyObject_IS_GC(obj)`: the type is GC and `tp_is_gc` (if any) agrees — exactly the
/// condition under which CPython allocated a `PyGC_Head` before the object.
pub fn is_gc(obj: &Bound<'_, PyAny>) -> bool {
    // SAFETY:
    // - the thread is attached and `obj` is live; PyObject_IS_GC only reads the type's flags
    //   and calls the type's own `tp_is_gc` predicate, which has no side effects
    unsafe { ffi::PyObject_IS_GC(obj.as_ptr()) != 0 }
}

/// One `PyMemberDef` entry of a type's `tp_members`, with its name decoded.
#[derive(Clone, Debug)]
pub struct Member {
    pub name: String,
    pub kind: i32,
    pub offset: isize,
    pub flags: i32,
}

/// Longest `tp_members` array pyhood will walk (a bound on a loop over foreign memory).
const MAX_MEMBERS: usize = 4096;

/// Decode a type's `tp_members` array through the fault-free path.
pub fn members(slots: &TypeSlots) -> Result<Vec<Member>, mem::ReadError> {
    let mut out = Vec::new();
    if slots.members == 0 {
        return Ok(out);
    }
    let entry = size_of::<PyMemberDef>();
    for i in 0..MAX_MEMBERS {
        let snap = mem::Snapshot::take(slots.members + i * entry, entry)?;
        let b = snap.base;
        let name_ptr = snap.word(b + offset_of!(PyMemberDef, name)).unwrap_or(0);
        if name_ptr == 0 {
            break;
        }
        out.push(Member {
            name: read_cstr(name_ptr, 256)?,
            kind: snap
                .int(b + offset_of!(PyMemberDef, r#type), 4)
                .unwrap_or(0) as i32,
            offset: snap
                .int(b + offset_of!(PyMemberDef, offset), 8)
                .unwrap_or(0) as isize,
            flags: snap.int(b + offset_of!(PyMemberDef, flags), 4).unwrap_or(0) as i32,
        });
    }
    Ok(out)
}

/// Read a NUL-terminated C string of at most `max` bytes, never crossing into an unmapped page.
pub fn read_cstr(addr: usize, max: usize) -> Result<String, mem::ReadError> {
    let mut bytes = Vec::new();
    let mut at = addr;
    while bytes.len() < max {
        let to_page_end = 4096 - (at % 4096);
        let n = to_page_end.min(max - bytes.len());
        let chunk = mem::read(at, n)?;
        if let Some(z) = chunk.iter().position(|&c| c == 0) {
            bytes.extend_from_slice(&chunk[..z]);
            return Ok(String::from_utf8_lossy(&bytes).into_owned());
        }
        bytes.extend_from_slice(&chunk);
        at += n;
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Address of `PyUnicode_Type`, to recognise str objects seen only through a pointer.
pub fn unicode_type_address() -> usize {
    core::ptr::addr_of!(ffi::PyUnicode_Type) as usize
}

/// The word after the header of an int: `ob_size` (3.10/3.11) or `long_value.lv_tag` (3.12+).
pub fn int_tag(obj: &Bound<'_, pyo3::types::PyInt>) -> u64 {
    // SAFETY:
    // - the thread is attached and `obj` is a live int (or int subclass) for the call
    // - every int allocation holds at least the header and this tag word (`_PyLong_New` and
    //   `PyType_GenericAlloc` both allocate offsetof(ob_digit) bytes or more); the offset is
    //   proven against the headers by test_offsets.py
    unsafe {
        obj.as_ptr()
            .cast::<u8>()
            .add(SIZE_WORD.offset)
            .cast::<u64>()
            .read_unaligned()
    }
}

/// The `PyASCIIObject` part of a str: every str (compact or not) starts with it.
pub fn ascii_header(obj: &Bound<'_, pyo3::types::PyString>) -> [u8; size_of::<PyASCIIObject>()] {
    let mut out = [0u8; size_of::<PyASCIIObject>()];
    // SAFETY:
    // - the thread is attached and `obj` is a live str (or str subclass) for the call
    // - `PyUnicode_New` and the subclass allocator both allocate at least a complete
    //   PyASCIIObject (size proven by test_offsets.py); `out` is a distinct local buffer
    unsafe {
        core::ptr::copy_nonoverlapping(obj.as_ptr().cast::<u8>(), out.as_mut_ptr(), out.len())
    };
    out
}

/// Whether `obj` is a `frozendict` (3.15+, `Include/cpython/dictobject.h` v3.15.2), which
/// shares `PyDictObject`'s layout (`PyFrozenDictObject` adds `ma_hash`) without being a dict.
#[cfg(Py_3_15)]
pub fn is_frozendict(obj: &Bound<'_, PyAny>) -> bool {
    // SAFETY:
    // - the thread is attached and `obj` is live; PyFrozenDict_Check only compares the type
    //   pointer with the exported PyFrozenDict_Type and walks the type's MRO
    unsafe { ffi::PyFrozenDict_Check(obj.as_ptr()) != 0 }
}

#[cfg(not(Py_3_15))]
pub fn is_frozendict(_: &Bound<'_, PyAny>) -> bool {
    false
}

/// Addresses of the static type objects `frame_layout` recognises through a pointer.
pub fn frame_type_address() -> usize {
    core::ptr::addr_of!(ffi::PyFrame_Type) as usize
}

/// `PyGen_Type`, `PyCoro_Type`, `PyAsyncGen_Type`.
pub fn generator_type_addresses() -> [usize; 3] {
    [
        core::ptr::addr_of!(ffi::PyGen_Type) as usize,
        core::ptr::addr_of!(ffi::PyCoro_Type) as usize,
        core::ptr::addr_of!(ffi::PyAsyncGen_Type) as usize,
    ]
}

pub fn cell_type_address() -> usize {
    core::ptr::addr_of!(ffi::PyCell_Type) as usize
}

pub fn code_type_address() -> usize {
    core::ptr::addr_of!(ffi::PyCode_Type) as usize
}

pub fn bytes_type_address() -> usize {
    core::ptr::addr_of!(ffi::PyBytes_Type) as usize
}

pub fn tuple_type_address() -> usize {
    core::ptr::addr_of!(ffi::PyTuple_Type) as usize
}

/// The tuple that `owner` references from the pointer field at `offset`, borrowed from it.
/// The field is read through the fault-free path and the pointee must be an exact tuple
/// (its `ob_type` read fault-free too); otherwise `None`.
///
/// Only for fields that are set when `owner` is created and never replaced while it lives,
/// such as `PyCodeObject.co_localsplusnames`.
pub fn borrowed_tuple_field<'py>(
    owner: &Bound<'py, PyAny>,
    offset: usize,
) -> Option<Bound<'py, pyo3::types::PyTuple>> {
    let field = (owner.as_ptr() as usize).checked_add(offset)?;
    let ptr = mem::read_usize(field).ok()?;
    if ptr == 0 || ptr % 8 != 0 {
        return None;
    }
    let ty = mem::read_usize(ptr + offset_of!(RawObject, ob_type)).ok()?;
    if ty != tuple_type_address() {
        return None;
    }
    // SAFETY:
    // - the thread is attached; `owner` is alive for 'py and holds a strong reference in this
    //   field, which is never replaced during its life (caller's contract), so the tuple
    //   outlives the borrow; `from_borrowed_ptr` takes a new strong reference of its own
    // - `ptr` is non-null, aligned, readable (read above without faulting) and its type is
    //   exactly `PyTuple_Type`, so it is a live tuple object
    let any = unsafe { Bound::from_borrowed_ptr(owner.py(), ptr as *mut ffi::PyObject) };
    any.cast_into::<pyo3::types::PyTuple>().ok()
}

/// Whether `sys.getsizeof` on an instance of `tp` runs C code only: the first `__sizeof__`
/// that a heap type of `tp_mro` defines in its own dict (heap types are the only ones a
/// class statement can give Python methods to) is a C descriptor (`method_descriptor`,
/// `wrapper_descriptor`), or none defines one, so that the `__sizeof__` found is a static
/// type's, written in C. Conservative: static types are not looked into (3.12+ keeps a
/// static builtin type's dict in the interpreter's state), so a heap type's `__sizeof__`
/// counts even behind a static type that defines its own. Reads the dicts with
/// `PyDict_GetItemString`: a class dict's `str` keys compare natively.
pub fn sizeof_is_native(tp: &Bound<'_, PyType>) -> bool {
    let Some(mro) = borrowed_tuple_field(tp.as_any(), offset_of!(ffi::PyTypeObject, tp_mro)) else {
        return false;
    };
    for t in mro.iter() {
        let Ok(t) = t.cast_into::<PyType>() else {
            return false;
        };
        if type_slots(&t).flags & ffi::Py_TPFLAGS_HEAPTYPE == 0 {
            continue;
        }
        // SAFETY:
        // - the thread is attached and `t` is a live type object (a strong reference held by
        //   `mro`); a heap type's `tp_dict` is its own dict, set by `type_new` /
        //   `PyType_FromMetaclass` and never NULL once the type is ready; it is only used if
        //   it is an exact dict
        // - `PyDict_GetItemString` returns a borrowed reference or NULL (no exception left
        //   set) and runs no Python code for `str` keys; the pointer is only compared with
        //   the addresses of two static types, never dereferenced past its header while
        //   the dict (held by `t`) holds it
        let found_type = unsafe {
            let dict = (*t.as_type_ptr()).tp_dict;
            if dict.is_null() || ffi::PyDict_CheckExact(dict) == 0 {
                return false;
            }
            let found = ffi::PyDict_GetItemString(dict, c"__sizeof__".as_ptr());
            if found.is_null() {
                continue;
            }
            ffi::Py_TYPE(found)
        };
        // Only the addresses of the two static type objects are taken (no read, no unsafe).
        let (method, wrapper) = (
            &raw mut ffi::PyMethodDescr_Type,
            &raw mut ffi::PyWrapperDescr_Type,
        );
        return found_type == method || found_type == wrapper;
    }
    true
}

/// `module.name` when `module` is already in this interpreter's `sys.modules`; `None`
/// otherwise. Nothing is imported and no Python code runs: the modules dict and then the
/// module's own dict are looked up with `PyDict_GetItemString` (`str` keys compare natively),
/// and only an exact module object is looked into (no `__getattr__`).
pub fn loaded_module_global<'py>(
    py: Python<'py>,
    module: &core::ffi::CStr,
    name: &core::ffi::CStr,
) -> Option<Bound<'py, PyAny>> {
    // SAFETY:
    // - the thread is attached (`py`), which `PyImport_GetModuleDict`, `PyDict_GetItemString`
    //   and `PyModule_GetDict` require; the first two return borrowed references (or NULL
    //   without an exception set) that stay alive while we hold the GIL and run no code
    // - the module dict and the module object are only used while both are borrowed from
    //   `sys.modules`, which nothing can change before we take our own strong reference with
    //   `from_borrowed_ptr`
    // - `PyModule_GetDict` is only called on an exact module (`PyModule_CheckExact`), where it
    //   returns its borrowed `md_dict`
    unsafe {
        let modules = ffi::PyImport_GetModuleDict();
        if modules.is_null() || ffi::PyDict_Check(modules) == 0 {
            return None;
        }
        let m = ffi::PyDict_GetItemString(modules, module.as_ptr());
        if m.is_null() || ffi::PyModule_CheckExact(m) == 0 {
            return None;
        }
        let d = ffi::PyModule_GetDict(m);
        if d.is_null() {
            return None;
        }
        let value = ffi::PyDict_GetItemString(d, name.as_ptr());
        if value.is_null() {
            return None;
        }
        Some(Bound::from_borrowed_ptr(py, value))
    }
}
