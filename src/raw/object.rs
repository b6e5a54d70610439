//! Direct reads of live objects and their type objects (point 1 of the rule in `raw`):
//! the fixed `PyObject` header of an object the caller holds a borrowed `Bound` to, the
//! `PyTypeObject` of its type with what the type owns (`tp_members`, `tp_name`, `tp_mro`),
//! and pointer fields of the object's own struct. The object's whole allocation and the
//! blocks it owns are read through `live`.

use core::mem::{offset_of, size_of};

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyType;

use super::mem;
use crate::cpython::descrobject::PyMemberDef;
use crate::cpython::longintrepr::SIZE_WORD;
use crate::cpython::object::{PyObject as RawObject, PyVarObject};
use crate::cpython::unicodeobject::{PyASCIIObject, PyCompactUnicodeObject};

pub use crate::cpython::object::HeaderBytes;

/// Copy the `PyObject` header of a live object.
pub fn header_bytes(obj: &Bound<'_, PyAny>) -> HeaderBytes {
    let mut out = [0u8; size_of::<RawObject>()];
    // SAFETY:
    // - the thread is attached and `obj` is a borrowed, live object for the call (point 1
    //   of the rule in `raw`)
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
    // - the thread is attached and `obj` is live for the call (point 1 of the rule in `raw`)
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
    /// Whether the type has a `tp_is_gc` predicate (type objects): then whether an object
    /// has a `PyGC_Head` depends on the object, not only on its type's flags.
    pub has_is_gc: bool,
}

pub fn type_slots(tp: &Bound<'_, PyType>) -> TypeSlots {
    let t = tp.as_type_ptr();
    // SAFETY:
    // - the thread is attached and `tp` is a live type object for the call (point 1 of the
    //   rule in `raw`: the type of an object borrowed for the call, or a type borrowed itself)
    // - every type object is at least a complete `PyTypeObject`
    // - reads are plain field loads of initialised slots (types are ready once instances exist
    //   or once Python code can reference them)
    let (basicsize, itemsize, dictoffset, weaklistoffset, members, has_is_gc) = unsafe {
        (
            (*t).tp_basicsize,
            (*t).tp_itemsize,
            (*t).tp_dictoffset,
            (*t).tp_weaklistoffset,
            (*t).tp_members as usize,
            (*t).tp_is_gc.is_some(),
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
        has_is_gc,
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

/// Longest member name read (a bound on a walk over foreign memory, far beyond any real
/// `__slots__` name; the granule reads cost in proportion to the name's real length).
const MAX_MEMBER_NAME: usize = 1 << 20;

/// Decode the `tp_members` array of a live type (`slots` read from it for this call).
///
/// Read directly (point 1 of the rule in `raw`: memory a live type object owns): a heap
/// type's array lies in its own allocation after the `PyHeapTypeObject`
/// (`_PyHeapType_GET_MEMBERS`), its names are the UTF-8 of the `__slots__` strs the type
/// keeps in `ht_slots`; a static type's array and names are in the static image of its
/// module. The array ends with an entry whose name is NULL (`PyType_Ready` requires it);
/// the walk is bounded by `MAX_MEMBERS` entries and `MAX_MEMBER_NAME` bytes per name.
pub fn members(slots: &TypeSlots) -> Result<Vec<Member>, mem::ReadError> {
    let mut out = Vec::new();
    if slots.members == 0 || slots.members % 8 != 0 {
        return Ok(out);
    }
    let first = slots.members as *const PyMemberDef;
    for i in 0..MAX_MEMBERS {
        // SAFETY:
        // - `first` is `tp_members` of a live type object (the caller read `slots` from it in
        //   this call, with the thread attached): an array of PyMemberDef that the type owns,
        //   ended by an entry with a NULL name, so every entry up to that one is readable
        // - `read_unaligned` copies the entry (no reference into the type is kept)
        let m = unsafe { first.add(i).read_unaligned() };
        if m.name.is_null() {
            break;
        }
        out.push(Member {
            name: owned_cstr(m.name as usize, MAX_MEMBER_NAME),
            kind: m.r#type,
            offset: m.offset,
            flags: m.flags,
        });
    }
    Ok(out)
}

/// A NUL-terminated C string that a live object owns for the call (a member's name, a
/// static type's `tp_name`), read directly, at most `max` bytes.
fn owned_cstr(addr: usize, max: usize) -> String {
    let mut bytes = Vec::new();
    let p = addr as *const u8;
    while bytes.len() < max {
        // SAFETY:
        // - `addr` is a C string a live object owns (callers: member names and `tp_name`
        //   of a live type, see `members` and `type_name`): every byte up to its NUL is
        //   readable, and the loop stops at the NUL
        let c = unsafe { p.add(bytes.len()).read() };
        if c == 0 {
            break;
        }
        bytes.push(c);
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The granule a C string is read in: every allocator CPython uses ends a block's usable
/// part on an 8-byte boundary (pymalloc: 16-byte aligned blocks of 16-byte multiples;
/// glibc malloc: 16-byte aligned, usable size 8 mod 16, or page-sized when mmapped;
/// mimalloc: 8-byte multiples; a static image or a stack: whole pages). So the aligned 8
/// bytes holding a string's NUL never reach into another block, as a read up to the page's
/// end can.
const CSTR_GRANULE: usize = 8;

/// Read a NUL-terminated C string of at most `max` bytes, one aligned 8-byte granule at a
/// time: never past the granule holding the NUL (or the `max`-th byte), so never past the
/// block that holds the string, and never into an unmapped page.
pub fn read_cstr(addr: usize, max: usize) -> Result<String, mem::ReadError> {
    let bytes = cstr_bytes(addr, max, |_| true)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Which of `names` the C string at `addr` is, if any; reads only as many granules as it
/// takes to tell (one, for most strings).
pub fn cstr_is_one_of(addr: usize, names: &[&str]) -> Result<Option<usize>, mem::ReadError> {
    let longest = names.iter().map(|n| n.len()).max().unwrap_or(0);
    let bytes = cstr_bytes(addr, longest + 1, |seen| {
        names.iter().any(|n| n.as_bytes().starts_with(seen))
    })?;
    Ok(names.iter().position(|n| n.as_bytes() == bytes.as_slice()))
}

/// The bytes of the C string at `addr` before its NUL (at most `max`), read granule by
/// granule while `more(bytes so far)` holds; the bytes relied on (the string's, and its
/// NUL) are then asserted addressable under memcheck (`mem::assert_addressable`).
fn cstr_bytes(
    addr: usize,
    max: usize,
    mut more: impl FnMut(&[u8]) -> bool,
) -> Result<Vec<u8>, mem::ReadError> {
    let mut bytes = Vec::new();
    let mut at = addr;
    while bytes.len() < max {
        let n = CSTR_GRANULE - at % CSTR_GRANULE;
        let chunk = mem::probe(at, n)?;
        if let Some(z) = chunk.iter().position(|&c| c == 0) {
            bytes.extend_from_slice(&chunk[..z]);
            bytes.truncate(max);
            mem::assert_addressable(addr, bytes.len() + 1);
            return Ok(bytes);
        }
        bytes.extend_from_slice(&chunk);
        at += n;
        if !more(&bytes) {
            break;
        }
    }
    bytes.truncate(max);
    mem::assert_addressable(addr, bytes.len());
    Ok(bytes)
}

/// Address of `PyUnicode_Type`, to recognise str objects seen only through a pointer.
pub fn unicode_type_address() -> usize {
    core::ptr::addr_of!(ffi::PyUnicode_Type) as usize
}

/// The word after the header of an int: `ob_size` (3.10/3.11) or `long_value.lv_tag` (3.12+).
pub fn int_tag(obj: &Bound<'_, pyo3::types::PyInt>) -> u64 {
    // SAFETY:
    // - the thread is attached and `obj` is a live int (or int subclass) for the call
    //   (point 1 of the rule in `raw`)
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

/// The `capacity` byte of the `PyDictValues` that 3.13+ embeds in an instance at `offset`
/// (`_PyObject_InlineValues`: `tp_basicsize` of a type with `Py_TPFLAGS_INLINE_VALUES`).
pub fn inline_values_capacity(obj: &Bound<'_, PyAny>, offset: usize) -> u8 {
    // SAFETY:
    // - the thread is attached and `obj` is live for the call (point 1 of the rule in `raw`)
    // - the caller passes the offset of the inline values of a type whose flags say it has
    //   them: `_PyType_AllocNoTrack` (Objects/typeobject.c v3.13.0) allocates them after
    //   `tp_basicsize`, header byte `capacity` first, for every instance of such a type
    unsafe { obj.as_ptr().cast::<u8>().add(offset).read() }
}

/// The `PyASCIIObject` part of a str: every str (compact or not) starts with it.
pub fn ascii_header(obj: &Bound<'_, pyo3::types::PyString>) -> [u8; size_of::<PyASCIIObject>()] {
    let mut out = [0u8; size_of::<PyASCIIObject>()];
    // SAFETY:
    // - the thread is attached and `obj` is a live str (or str subclass) for the call
    //   (point 1 of the rule in `raw`)
    // - `PyUnicode_New` and the subclass allocator both allocate at least a complete
    //   PyASCIIObject (size proven by test_offsets.py); `out` is a distinct local buffer
    unsafe {
        core::ptr::copy_nonoverlapping(obj.as_ptr().cast::<u8>(), out.as_mut_ptr(), out.len())
    };
    out
}

/// A set's (or frozenset's) `table` pointer and `mask`; `None` for any other object.
pub fn set_table(obj: &Bound<'_, PyAny>) -> Option<(usize, isize)> {
    use crate::cpython::setobject::PySetObject;
    // SAFETY: the thread is attached and `obj` is live for the call; `PyAnySet_Check` only
    // reads its type and the type's MRO
    if unsafe { ffi::PyAnySet_Check(obj.as_ptr()) } == 0 {
        return None;
    }
    // SAFETY:
    // - `obj` is a live set or frozenset (or subclass instance, which begins with a
    //   `PySetObject`) for the call, whose own struct holds both fields at the offsets
    //   proven by test_offsets.py (point 1 of the rule in `raw`); no Python code runs, so
    //   no one resizes its table meanwhile
    unsafe {
        Some((
            own_word(obj, PySetObject::table.offset),
            own_word(obj, PySetObject::mask.offset) as isize,
        ))
    }
}

/// The word at `offset` of `obj`'s own struct.
///
/// # Safety
/// `obj` is live for the call and its own struct holds the 8 bytes at `offset`; the caller
/// says why in its SAFETY comment.
unsafe fn own_word(obj: &Bound<'_, PyAny>, offset: usize) -> usize {
    // SAFETY: as the caller guarantees; an unaligned read of a plain integer
    unsafe {
        obj.as_ptr()
            .cast::<u8>()
            .add(offset)
            .cast::<usize>()
            .read_unaligned()
    }
}

/// A dict's `ma_keys` and `ma_values` pointers.
pub fn dict_tables(dict: &Bound<'_, pyo3::types::PyDict>) -> (usize, usize) {
    use crate::cpython::dictobject::PyDictObject;
    // SAFETY:
    // - the thread is attached and `dict` is a live dict (or subclass instance, which begins
    //   with a `PyDictObject`) for the call, whose own struct holds both pointer fields at
    //   the offsets proven by test_offsets.py (point 1 of the rule in `raw`); no Python
    //   code runs, so no one replaces them meanwhile
    unsafe {
        (
            own_word(dict.as_any(), PyDictObject::ma_keys.offset),
            own_word(dict.as_any(), PyDictObject::ma_values.offset),
        )
    }
}

/// The `PyCompactUnicodeObject` part of a str that is not compact ASCII (its `state`, read
/// through [`ascii_header`], says so: the caller checks it first).
pub fn compact_header(
    obj: &Bound<'_, pyo3::types::PyString>,
) -> [u8; size_of::<PyCompactUnicodeObject>()] {
    let mut out = [0u8; size_of::<PyCompactUnicodeObject>()];
    // SAFETY:
    // - the thread is attached and `obj` is a live str (or str subclass) for the call
    //   (point 1 of the rule in `raw`); no Python code runs between the caller's read of
    //   its `state` and this read, so the str is still not compact ASCII
    // - such a str begins with a complete PyCompactUnicodeObject: `PyUnicode_New` allocates
    //   one before a non-ASCII str's characters, and a legacy str's PyUnicodeObject begins
    //   with one (sizes proven by test_offsets.py); `out` is a distinct local buffer
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

/// The object `owner` references from the pointer field at `offset`, if its type is exactly
/// the one at `type_address`: the field and the pointee's `ob_type` are read fault-free.
fn field_pointee(owner: &Bound<'_, PyAny>, offset: usize, type_address: usize) -> Option<usize> {
    // SAFETY:
    // - the thread is attached and `owner` is live for the call; callers pass the offset of
    //   a pointer field inside the owner's own struct (`tp_mro` of a type,
    //   `co_localsplusnames` of a code object, 3.15's `ob_bytes_object` of a bytearray:
    //   point 1 of the rule in `raw`)
    let ptr = unsafe {
        owner
            .as_ptr()
            .cast::<u8>()
            .add(offset)
            .cast::<usize>()
            .read_unaligned()
    };
    if ptr == 0 || ptr % 8 != 0 {
        return None;
    }
    // SAFETY:
    // - those fields hold a strong reference (or NULL, refused above) that nothing replaces
    //   while the thread holds the GIL and runs no Python code: `ptr` is a live object,
    //   whose header is readable (point 2 of the rule)
    let ty = unsafe { (*(ptr as *const RawObject)).ob_type } as usize;
    (ty == type_address).then_some(ptr)
}

/// The tuple that `owner` references from the pointer field at `offset`, borrowed from it
/// (`field_pointee`: an exact tuple, or `None`).
///
/// Only for fields that are set when `owner` is created and never replaced while it lives,
/// such as `PyCodeObject.co_localsplusnames`.
pub fn borrowed_tuple_field<'py>(
    owner: &Bound<'py, PyAny>,
    offset: usize,
) -> Option<Bound<'py, pyo3::types::PyTuple>> {
    let ptr = field_pointee(owner, offset, tuple_type_address())?;
    // SAFETY:
    // - the thread is attached; `owner` is alive for 'py and holds a strong reference in this
    //   field, which is never replaced during its life (caller's contract), so the tuple
    //   outlives the borrow; `from_borrowed_ptr` takes a new strong reference of its own
    // - `ptr` is non-null, aligned, readable (read without faulting) and its type is
    //   exactly `PyTuple_Type`, so it is a live tuple object
    let any = unsafe { Bound::from_borrowed_ptr(owner.py(), ptr as *mut ffi::PyObject) };
    any.cast_into::<pyo3::types::PyTuple>().ok()
}

/// The exact `bytes` object that `owner` references from the pointer field at `offset`,
/// borrowed from it without a reference of pyhood's own (its `ob_refcnt` reads as it is);
/// `None` unless `field_pointee` finds an exact bytes object.
///
/// For fields that only `owner`'s own methods replace (3.15's
/// `PyByteArrayObject.ob_bytes_object`): during a pyhood call the thread holds the GIL,
/// runs no Python code and keeps the collector paused, so no method of `owner` can run.
pub fn borrowed_bytes_field<'a, 'py>(
    owner: &'a Bound<'py, PyAny>,
    offset: usize,
) -> Option<Borrowed<'a, 'py, PyAny>> {
    let ptr = field_pointee(owner, offset, bytes_type_address())?;
    // SAFETY:
    // - the thread is attached; `owner` is alive for 'a and holds a strong reference in this
    //   field, which nothing can replace while the borrow lives (caller's contract above),
    //   so the bytes object outlives the borrow
    // - `ptr` is non-null, aligned, readable (read without faulting) and its type is
    //   exactly `PyBytes_Type`, so it is a live bytes object
    Some(unsafe { Borrowed::from_ptr(owner.py(), ptr as *mut ffi::PyObject) })
}

/// Whether `tp`'s MRO (`tp_mro`, read from the type: no Python code) holds a type that may
/// declare a C struct of its own: a static type other than `object`, or a heap type made
/// by an extension module (`ht_module` set, as `PyType_FromModuleAndSpec` does). Classes
/// made by `class` statements over `object` have neither.
pub fn mro_has_extension_types(tp: &Bound<'_, PyType>) -> bool {
    let Some(mro) = borrowed_tuple_field(
        tp.as_any(),
        crate::cpython::typeobject::TypeObject::tp_mro.offset,
    ) else {
        return true;
    };
    let object = core::ptr::addr_of!(ffi::PyBaseObject_Type) as usize;
    mro.iter().any(|t| {
        let p = t.as_ptr() as *mut ffi::PyTypeObject;
        if p as usize == object {
            return false;
        }
        // SAFETY: every item of a live type's `tp_mro` is a live type object (PyType_Ready
        // and mro_internal only store types there); PyType_GetFlags reads its tp_flags
        let flags = unsafe { ffi::PyType_GetFlags(p) } as u64;
        if flags & ffi::Py_TPFLAGS_HEAPTYPE == 0 {
            return true;
        }
        // SAFETY: Py_TPFLAGS_HEAPTYPE guarantees a complete `PyHeapTypeObject`; `ht_module`
        // is a plain field load of a live type
        unsafe { !(*p.cast::<ffi::PyHeapTypeObject>()).ht_module.is_null() }
    })
}

/// `module.name` when `module` is already in this interpreter's `sys.modules`; `None`
/// otherwise. Nothing is imported and no Python code runs: the modules dict and then the
/// module's own dict are looked up with `PyDict_GetItem` (exact `str` keys, such as
/// `intern!` strings, hash and compare natively), and only an exact module object is
/// looked into (no `__getattr__`).
pub fn loaded_module_global<'py>(
    py: Python<'py>,
    module: &Bound<'py, pyo3::types::PyString>,
    name: &Bound<'py, pyo3::types::PyString>,
) -> Option<Bound<'py, PyAny>> {
    // SAFETY:
    // - the thread is attached (`py`), which `PyImport_GetModuleDict`, `PyDict_GetItem`
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
        let m = ffi::PyDict_GetItem(modules, module.as_ptr());
        if m.is_null() || ffi::PyModule_CheckExact(m) == 0 {
            return None;
        }
        let d = ffi::PyModule_GetDict(m);
        if d.is_null() {
            return None;
        }
        let value = ffi::PyDict_GetItem(d, name.as_ptr());
        if value.is_null() {
            return None;
        }
        Some(Bound::from_borrowed_ptr(py, value))
    }
}

/// The type's `__name__` as CPython stores it, read without attribute lookup (a metatype's
/// `__getattribute__` never runs): a heap type's `ht_name` string, or the part of a static
/// type's `tp_name` after its last dot (what `_PyType_Name` returns, Objects/typeobject.c
/// v3.10–v3.15).
pub fn type_name(tp: &Bound<'_, PyType>) -> String {
    let t = tp.as_type_ptr();
    // SAFETY: PyType_GetFlags is the exported accessor for tp_flags of a live type object
    let flags = unsafe { ffi::PyType_GetFlags(t) } as u64;
    if flags & ffi::Py_TPFLAGS_HEAPTYPE != 0 {
        // SAFETY:
        // - the thread is attached and `tp` is live for the call; Py_TPFLAGS_HEAPTYPE
        //   guarantees a complete `PyHeapTypeObject`, whose `ht_name` is a strong reference
        //   to a str (type_set_name accepts only str) that lives while the type does and
        //   cannot be replaced while we hold the GIL and run no Python code
        // - `from_borrowed_ptr_or_opt` takes a strong reference of its own
        let name = unsafe {
            let p = (*t.cast::<ffi::PyHeapTypeObject>()).ht_name;
            Bound::from_borrowed_ptr_or_opt(tp.py(), p)
        };
        return name
            .and_then(|n| n.cast_into::<pyo3::types::PyString>().ok())
            .and_then(|s| s.to_str().map(str::to_owned).ok())
            .unwrap_or_default();
    }
    // SAFETY: a live type object's `tp_name` is a plain field load
    let tp_name = unsafe { (*t).tp_name } as usize;
    if tp_name == 0 {
        return String::new();
    }
    // A static type's `tp_name` is a C string in its module's image, which the live type
    // keeps loaded.
    let full = owned_cstr(tp_name, 1024);
    match full.rfind('.') {
        Some(dot) => full[dot + 1..].to_owned(),
        None => full,
    }
}

/// A heap type's `__qualname__` as CPython stores it (`ht_qualname`, a str: type_set_qualname
/// accepts only str), read without attribute lookup; `None` for a static type.
pub fn heap_type_qualname(tp: &Bound<'_, PyType>) -> Option<String> {
    let t = tp.as_type_ptr();
    // SAFETY: PyType_GetFlags is the exported accessor for tp_flags of a live type object
    let flags = unsafe { ffi::PyType_GetFlags(t) } as u64;
    if flags & ffi::Py_TPFLAGS_HEAPTYPE == 0 {
        return None;
    }
    // SAFETY:
    // - the thread is attached and `tp` is live for the call; Py_TPFLAGS_HEAPTYPE
    //   guarantees a complete `PyHeapTypeObject`, whose `ht_qualname` is a strong reference
    //   that lives while the type does and is not replaced while no Python code runs
    // - `from_borrowed_ptr_or_opt` takes a strong reference of its own
    let name = unsafe {
        let p = (*t.cast::<ffi::PyHeapTypeObject>()).ht_qualname;
        Bound::from_borrowed_ptr_or_opt(tp.py(), p)
    };
    name.and_then(|n| n.cast_into::<pyo3::types::PyString>().ok())
        .and_then(|s| s.to_str().map(str::to_owned).ok())
}

/// A static type's whole `tp_name` ("int", "numpy.ndarray"), a C string in its module's
/// image, which the live type keeps loaded.
pub fn static_type_name(tp: &Bound<'_, PyType>) -> String {
    // SAFETY: a live type object's `tp_name` is a plain field load
    let tp_name = unsafe { (*tp.as_type_ptr()).tp_name } as usize;
    if tp_name == 0 {
        return String::new();
    }
    owned_cstr(tp_name, 1024)
}

#[cfg(not(Py_GIL_DISABLED))]
extern "C" {
    /// Include/cpython/object.h v3.10–v3.15: the attribute `name` found along `type`'s
    /// `tp_mro` (borrowed), looked up in the types' own dicts; no descriptor is called.
    fn _PyType_Lookup(tp: *mut ffi::PyTypeObject, name: *mut ffi::PyObject) -> *mut ffi::PyObject;
}

#[cfg(Py_GIL_DISABLED)]
extern "C" {
    /// Include/cpython/object.h v3.13–v3.15 (free-threaded builds; untested here): as
    /// `_PyType_Lookup` but returning a new reference.
    fn _PyType_LookupRef(
        tp: *mut ffi::PyTypeObject,
        name: *mut ffi::PyObject,
    ) -> *mut ffi::PyObject;
}

/// The attribute `name` as `type`'s MRO holds it (the `tp_mro` tuple, not `__mro__`),
/// without calling it or any descriptor: what `_PyObject_LookupSpecial` finds before it
/// binds. `None` if no type along the MRO defines it.
pub fn lookup_in_mro<'py>(
    tp: &Bound<'py, PyType>,
    name: &Bound<'py, pyo3::types::PyString>,
) -> Option<Bound<'py, PyAny>> {
    #[cfg(not(Py_GIL_DISABLED))]
    // SAFETY:
    // - the thread is attached; `tp` is a live type and `name` an exact str (its hash and
    //   comparisons against the type dicts' str keys are native)
    // - `_PyType_Lookup` only walks `tp_mro` and the types' dicts (and the type cache); it
    //   sets no exception and returns a borrowed reference or NULL, which stays alive while
    //   we hold the GIL and run no code, until `from_borrowed_ptr_or_opt` takes our own
    unsafe {
        let p = _PyType_Lookup(tp.as_type_ptr(), name.as_ptr());
        Bound::from_borrowed_ptr_or_opt(tp.py(), p)
    }
    #[cfg(Py_GIL_DISABLED)]
    // SAFETY: as above, with the new reference `_PyType_LookupRef` returns owned by us
    unsafe {
        let p = _PyType_LookupRef(tp.as_type_ptr(), name.as_ptr());
        Bound::from_owned_ptr_or_opt(tp.py(), p)
    }
}

/// Whether `obj` is exactly a `method_descriptor`: a C function in a type's method table,
/// whose call runs that type's C code and no Python code.
pub fn is_method_descriptor(obj: &Bound<'_, PyAny>) -> bool {
    obj.get_type().as_ptr() == core::ptr::addr_of!(ffi::PyMethodDescr_Type) as *mut _
}

/// Whether `obj` is exactly a `builtin_function_or_method` (a C function, such as
/// `sys.getsizeof` before anyone replaced it).
pub fn is_builtin_function(obj: &Bound<'_, PyAny>) -> bool {
    obj.get_type().as_ptr() == core::ptr::addr_of!(ffi::PyCFunction_Type) as *mut _
}

/// Whether `a` is `b` or a subtype of it along `a`'s `tp_mro` (`PyType_IsSubtype`: no
/// `__subclasscheck__` runs, unlike `issubclass`).
pub fn is_subtype(a: &Bound<'_, PyType>, b: &Bound<'_, PyType>) -> bool {
    // SAFETY: an exported C function reading two live type objects' `tp_mro` (or `tp_base`
    // chain before the type is ready); it runs no Python code
    unsafe { ffi::PyType_IsSubtype(a.as_type_ptr(), b.as_type_ptr()) != 0 }
}

/// A list's item array and its capacity (`ob_item`, `allocated`), read directly.
pub fn list_item_array(list: &Bound<'_, pyo3::types::PyList>) -> (usize, isize) {
    // SAFETY:
    // - the thread is attached and `list` is live for the call: a `PyListObject` (or a
    //   subclass instance, which begins with one), whose own struct holds both fields
    //   (point 1 of the rule in `raw`); no Python code runs, so no one resizes it
    unsafe {
        let l = list.as_ptr().cast::<ffi::PyListObject>();
        ((*l).ob_item as usize, (*l).allocated)
    }
}
