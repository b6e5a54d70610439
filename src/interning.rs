//! String interning as data (guide §12.3): the interning state of one string
//! (`intern_state`, read from the string's own `state.interned` bits) and how many strings
//! this interpreter has interned (`interned_count`, 3.12+).
//!
//! The interned dict and the 3.12+ runtime-wide table of static strings are located on the
//! running interpreter by `interpreter_state` (predicted from the build's headers,
//! re-established on another patch release), and nothing is counted until what they lead
//! to has been checked against a public signal of the same interpreter:
//!
//! - the interned dict must be a `dict` (its `ob_type` is `&PyDict_Type`) holding pyhood's own
//!   interned anchor string by identity, as key and value;
//! - the 3.12+ table of static strings must have been made by CPython (`alloc` =
//!   `{PyMem_RawMalloc, PyMem_RawFree}`, no destroy functions, power-of-two buckets) and must
//!   hold the static string `"__name__"` by identity in the bucket its hash selects.
//!
//! Any failure is a `pyhood.StateValidationError` that says what did not match.
//!
//! Tests: `tests/test_12_3_interning.py` (and `intern_state` in
//! `tests/test_11_3_identity_reuse.py`). No Rust unit tests: every function here reads a
//! live interpreter.

use core::mem::{offset_of, size_of};

use pyo3::exceptions::PyTypeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::errors;
use crate::interpreter_state::{self as located, Check};
use crate::raw::compat;
use crate::raw::interp;
use crate::raw::mem::{self, Snapshot};
use crate::raw::structs::{PyASCIIObject, PyDictKeyEntry, PyDictObject, PyObject as RawObject};

/// A string interned by pyhood itself (kept alive by `intern!`), so that the interned dict
/// is known to hold it. It is not a static string, so it lives in the dict, not in the
/// runtime-wide table of static strings.
fn dict_anchor(py: Python<'_>) -> &Bound<'_, PyString> {
    intern!(py, "_pyhood_interned_anchor")
}

fn validation(msg: impl Into<String>) -> PyErr {
    errors::state_validation_error(msg.into())
}

fn read_failed(what: &str, e: mem::ReadError) -> PyErr {
    validation(format!("{what} is not readable ({e})"))
}

/// `state.interned` of a live `str`.
fn interned_bits(s: &Bound<'_, PyString>) -> PyResult<u32> {
    let at = s.as_ptr() as usize + offset_of!(PyASCIIObject, state);
    let bytes = mem::read(at, 4).map_err(|e| errors::memory_read_error(e.to_string()))?;
    let state = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    Ok(compat::state_bit(state, "interned"))
}

/// The interning state of `s`: "not_interned", "mortal", "immortal" or (3.12+) "static".
#[pyfunction]
#[pyo3(signature = (s, /))]
pub fn intern_state(s: &Bound<'_, PyAny>) -> PyResult<&'static str> {
    let _paused = crate::raw::collector::pause(s.py());
    let s = s.cast::<PyString>().map_err(|_| {
        let name = crate::raw::object::type_name(&s.get_type());
        PyTypeError::new_err(format!("intern_state() argument must be str, not {name}"))
    })?;
    let value = interned_bits(s)?;
    compat::intern_state_name(value).ok_or_else(|| {
        errors::layout_error(format!(
            "state.interned of this str is {value}, a value CPython {} does not define",
            compat::BUILT_FOR_MINOR
        ))
    })
}

/// Number of interned strings of this interpreter (3.12+): the per-interpreter interned
/// dict plus the runtime-wide table of statically allocated interned strings.
#[pyfunction]
pub fn interned_count(py: Python<'_>) -> PyResult<usize> {
    let _paused = crate::raw::collector::pause(py);
    if !cfg!(Py_3_12) {
        return Err(errors::unreachable_state_error(format!(
            "CPython 3.{} keeps its interned strings in `static PyObject *interned`, a \
             file-static variable of Objects/unicodeobject.c: no symbol is exported for it and \
             no structure an extension can reach points to it (3.12 moved it into the \
             interpreter state, and added sys.getunicodeinternedsize())",
            compat::BUILT_FOR_MINOR
        )));
    }
    if compat::FREE_THREADED {
        return Err(errors::unreachable_state_error(
            "pyhood does not read the interned strings of free-threaded builds".into(),
        ));
    }
    let proof = |r: PyResult<usize>| match r {
        Ok(_) => Check::Proven,
        Err(e) => Check::Reject(e.to_string()),
    };
    let slot = located::interned_dict_slot(py, |dict| proof(interned_dict_size(py, dict)))?
        .ok_or_else(|| validation("no interned dict on this version"))?;
    let dict = mem::read_usize(slot)
        .map_err(|e| read_failed("PyInterpreterState.cached_objects.interned_strings", e))?;
    let mut total = interned_dict_size(py, dict)?;
    if let Some(slot) =
        located::interned_static_slot(py, |table| proof(static_table_size(py, table)))?
    {
        let table = mem::read_usize(slot)
            .map_err(|e| read_failed("_PyRuntime.cached_objects.interned_strings", e))?;
        total += static_table_size(py, table)?;
    }
    Ok(total)
}

/// Validate that `dict` is the interned dict and return its `ma_used`.
fn interned_dict_size(py: Python<'_>, dict: usize) -> PyResult<usize> {
    let what = format!("the interned dict candidate at {dict:#x}");
    // Interned (on first use) before anything is read, so the dict already holds it.
    let anchor = dict_anchor(py);
    let state = interned_bits(anchor)?;
    if state != compat::SSTATE_INTERNED_MORTAL && state != compat::SSTATE_INTERNED_IMMORTAL {
        return Err(validation(format!(
            "pyhood's anchor string is not a dynamically interned string (state {state})"
        )));
    }
    if dict == 0 || dict % 8 != 0 {
        return Err(validation(format!("{what} is not an object pointer")));
    }
    let snap =
        Snapshot::take(dict, size_of::<PyDictObject>()).map_err(|e| read_failed(&what, e))?;
    let word = |off: usize| snap.word(dict + off).unwrap_or(0);
    let dict_type = py.get_type::<PyDict>().as_ptr() as usize;
    let ob_type = word(offset_of!(RawObject, ob_type));
    if ob_type != dict_type {
        return Err(validation(format!(
            "{what} is not a dict (ob_type {ob_type:#x}, &PyDict_Type is {dict_type:#x})"
        )));
    }
    let used = word(offset_of!(PyDictObject, ma_used)) as isize;
    let keys = word(offset_of!(PyDictObject, ma_keys));
    if word(offset_of!(PyDictObject, ma_values)) != 0 || used <= 0 {
        return Err(validation(format!(
            "{what} is a dict, but not a combined, non-empty one"
        )));
    }
    let header =
        Snapshot::take(keys, compat::KEYS_HEADER_SIZE).map_err(|e| read_failed(&what, e))?;
    let g = compat::keys_geometry(|off, len| header.uint(keys + off, len))
        .ok_or_else(|| validation(format!("{what}: its keys object has an impossible shape")))?;
    let nentries = g.nentries.max(0) as usize;
    if nentries < used as usize || nentries > g.entries || g.kind == 2 {
        return Err(validation(format!(
            "{what}: its keys object is inconsistent (ma_used {used}, dk_nentries {nentries}, \
             capacity {}, kind {})",
            g.entries, g.kind
        )));
    }
    let (key_at, value_at) = if g.kind == 0 {
        (
            offset_of!(PyDictKeyEntry, me_key),
            offset_of!(PyDictKeyEntry, me_value),
        )
    } else {
        (0, size_of::<usize>()) // PyDictUnicodeEntry {me_key, me_value}
    };
    let start = keys + g.entries_offset;
    let entries =
        Snapshot::take(start, nentries * g.entry_size).map_err(|e| read_failed(&what, e))?;
    let anchor = anchor.as_ptr() as usize;
    let holds_anchor = (0..nentries).any(|i| {
        let e = start + i * g.entry_size;
        entries.word(e + key_at) == Some(anchor) && entries.word(e + value_at) == Some(anchor)
    });
    if !holds_anchor {
        return Err(validation(format!(
            "{what} is a dict of {used} items, but it does not map pyhood's interned anchor \
             string to itself, as the interned dict would"
        )));
    }
    Ok(used as usize)
}

/// Validate that `table` is CPython's `_Py_hashtable_t` of static interned strings (3.12+)
/// and return its `nentries`.
fn static_table_size(py: Python<'_>, table: usize) -> PyResult<usize> {
    use compat::hashtable as ht;
    let what = format!("the static interned-string table candidate at {table:#x}");
    let snap = Snapshot::take(table, ht::SIZE).map_err(|e| read_failed(&what, e))?;
    let word = |off: usize| snap.word(table + off).unwrap_or(usize::MAX);
    let (malloc, free) = interp::raw_allocator_addresses()
        .ok_or_else(|| validation("PyMem_RawMalloc/PyMem_RawFree are not exported"))?;
    if word(ht::ALLOC_MALLOC) != malloc
        || word(ht::ALLOC_FREE) != free
        || word(ht::KEY_DESTROY) != 0
        || word(ht::VALUE_DESTROY) != 0
    {
        return Err(validation(format!(
            "{what} was not made as CPython makes it (allocator {{PyMem_RawMalloc, \
             PyMem_RawFree}}, no destroy functions)"
        )));
    }
    let (nentries, nbuckets, buckets) = (word(ht::NENTRIES), word(ht::NBUCKETS), word(ht::BUCKETS));
    if !nbuckets.is_power_of_two() || nentries == 0 || nentries > nbuckets || nbuckets > 1 << 32 {
        return Err(validation(format!(
            "{what} has {nentries} entries in {nbuckets} buckets, which no _Py_hashtable_t has"
        )));
    }
    // `"__name__"` is a statically allocated interned string (`_Py_ID(__name__)`):
    // interning any equal string returns that very object.
    let anchor = intern!(py, "__name__");
    if interned_bits(anchor)? != compat::SSTATE_INTERNED_IMMORTAL_STATIC {
        return Err(validation(
            "\"__name__\" is not a static interned string here",
        ));
    }
    let hash = anchor.hash()? as usize;
    let anchor = anchor.as_ptr() as usize;
    let mut entry = mem::read_usize(buckets + (hash & (nbuckets - 1)) * size_of::<usize>())
        .map_err(|e| read_failed(&what, e))?;
    // A chain is never longer than the table; one more step proves a loop.
    for _ in 0..=nentries {
        if entry == 0 {
            break;
        }
        let e = Snapshot::take(entry, ht::ENTRY_SIZE).map_err(|e| read_failed(&what, e))?;
        if e.word(entry + ht::ENTRY_KEY) == Some(anchor)
            && e.word(entry + ht::ENTRY_HASH) == Some(hash)
        {
            return Ok(nentries);
        }
        entry = e.word(entry + ht::ENTRY_NEXT).unwrap_or(0);
    }
    Err(validation(format!(
        "{what} does not hold the static string \"__name__\" in the bucket its hash selects"
    )))
}

/// Test hook: validate the dict at `address` as the interned dict, return its size.
#[pyfunction]
#[pyo3(signature = (address, /))]
fn _interned_dict_size_at(py: Python<'_>, address: usize) -> PyResult<usize> {
    interned_dict_size(py, address)
}

/// Register this module's functions on the native module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(intern_state, m)?)?;
    m.add_function(wrap_pyfunction!(interned_count, m)?)?;
    m.add_function(wrap_pyfunction!(_interned_dict_size_at, m)?)?;
    Ok(())
}
