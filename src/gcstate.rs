//! The interpreter's own bookkeeping as data: the interning state of a string and the number
//! of interned strings (guide §12.3), and the garbage collector's generations with their
//! thresholds, counts and objects (§12.4).
//!
//! Interning state is read from the string itself. Everything else is located on the running
//! interpreter by `interpreter_state` (predicted from the build's headers, re-established on
//! another patch release), and nothing is reported until what it leads to has been checked
//! against a public signal of the same interpreter:
//!
//! - the interned dict must be a `dict` (its `ob_type` is `&PyDict_Type`) holding pyhood's own
//!   interned anchor string by identity, as key and value; the 3.12+ table of static strings
//!   must have been made by CPython (`alloc` = `{PyMem_RawMalloc, PyMem_RawFree}`, no destroy
//!   functions, power-of-two buckets) and must hold the static string `"__name__"` by
//!   identity in the bucket its hash selects;
//! - the GC state must be self-consistent (`generation0 == &generations[0].head`), agree
//!   with `_Py_DebugOffsets` (3.13+: `gc.size`, `gc.collecting`), not be collecting, and show
//!   exactly `gc.get_threshold()`, `gc.get_count()`, `gc.isenabled()` and `gc.get_debug()`;
//!   every generation list is walked as a doubly linked ring (each node's `_gc_prev` must
//!   point back), bounded by [`MAX_GC_NODES`], and the permanent generation holds
//!   `gc.get_freeze_count()` objects.
//!
//! Any failure is a `pyhood.StateValidationError` that says what did not match.

use core::mem::{offset_of, size_of};

use pyo3::exceptions::{PyIndexError, PyTypeError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};

use crate::errors;
use crate::interpreter_state::{self as located, Check, GcLayout};
use crate::raw::compat;
use crate::raw::interp;
use crate::raw::mem::{self, Snapshot};
use crate::raw::structs::{PyASCIIObject, PyDictKeyEntry, PyDictObject, PyObject as RawObject};

/// Most nodes pyhood will follow in one generation list before giving up.
pub const MAX_GC_NODES: usize = 50_000_000;

/// How many times `gc_generations` re-reads the state when `gc.get_count()` moved between
/// the native read and the public call (another thread, or a collection it triggered).
const COUNT_ATTEMPTS: usize = 3;

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

// ---------------------------------------------------------------------------------------
// §12.3 interning
// ---------------------------------------------------------------------------------------

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
    let s = s.cast::<PyString>().map_err(|_| {
        let name = s
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| "?".into());
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

// ---------------------------------------------------------------------------------------
// §12.4 GC generations
// ---------------------------------------------------------------------------------------

/// One generation of the collector: its list, threshold, count, and the objects on it.
#[pyclass(frozen, module = "pyhood", name = "Generation")]
pub struct PyGeneration {
    /// 0, 1, 2; the permanent generation (`gc.freeze()`) is 3.
    #[pyo3(get)]
    index: usize,
    /// "generation 0" … "generation 2", or "permanent".
    #[pyo3(get)]
    name: String,
    /// Collection threshold (`gc.get_threshold()[i]`; 0 for the permanent generation).
    #[pyo3(get)]
    threshold: i64,
    /// Allocations (gen 0) or collections of the younger generation (1, 2) since the last
    /// collection of this one (`gc.get_count()[i]`; 0 for the permanent generation).
    #[pyo3(get)]
    count: i64,
    /// Objects on this generation's list, counted by walking it.
    #[pyo3(get)]
    objects: usize,
    /// Address of the list head (`&generations[i].head`).
    #[pyo3(get)]
    head: usize,
}

#[pymethods]
impl PyGeneration {
    fn __repr__(&self) -> String {
        format!(
            "<Generation {}: threshold={}, count={}, objects={}>",
            self.name, self.threshold, self.count, self.objects
        )
    }
}

/// The collector's generations as one snapshot.
#[pyclass(frozen, module = "pyhood", name = "GCGenerations")]
pub struct PyGCGenerations {
    generations: Vec<Py<PyGeneration>>,
    /// The permanent generation: objects moved there by `gc.freeze()`.
    #[pyo3(get)]
    permanent: Py<PyGeneration>,
    /// `gcstate->enabled` (`gc.isenabled()`).
    #[pyo3(get)]
    enabled: bool,
    /// `gcstate->debug` (`gc.get_debug()`).
    #[pyo3(get)]
    debug: i64,
    /// Address of the `struct _gc_runtime_state` that was read.
    #[pyo3(get)]
    address: usize,
    /// How pyhood found it.
    #[pyo3(get)]
    located_by: String,
    /// The running CPython release, e.g. "3.13.18".
    #[pyo3(get)]
    release: String,
}

#[pymethods]
impl PyGCGenerations {
    /// Generations 0, 1 and 2, youngest first.
    #[getter]
    fn generations<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.generations.iter().map(|g| g.clone_ref(py)))
    }

    /// Objects on all four lists (generations 0–2 and the permanent generation).
    #[getter]
    fn total(&self) -> usize {
        self.generations
            .iter()
            .chain(core::iter::once(&self.permanent))
            .map(|g| g.get().objects)
            .sum()
    }

    fn __len__(&self) -> usize {
        self.generations.len()
    }

    fn __getitem__(&self, py: Python<'_>, index: isize) -> PyResult<Py<PyGeneration>> {
        let n = self.generations.len() as isize;
        let i = if index < 0 { index + n } else { index };
        if !(0..n).contains(&i) {
            return Err(PyIndexError::new_err("generation index out of range"));
        }
        Ok(self.generations[i as usize].clone_ref(py))
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.generations(py)?
            .into_any()
            .try_iter()
            .map(Bound::into_any)
    }

    fn __repr__(&self) -> String {
        let gens: Vec<String> = self
            .generations
            .iter()
            .map(|g| {
                let g = g.get();
                format!("{}/{}/{}", g.threshold, g.count, g.objects)
            })
            .collect();
        format!(
            "<GCGenerations (threshold/count/objects) {}, permanent={}>",
            gens.join(", "),
            self.permanent.get().objects
        )
    }

    fn __str__(&self) -> String {
        let mut out = format!(
            "GC state of CPython {} at {:#x} ({}): {}, debug flags {:#x}\n",
            self.release,
            self.address,
            self.located_by,
            if self.enabled { "enabled" } else { "disabled" },
            self.debug
        );
        out.push_str(&format!(
            "  {:<12} {:>9} {:>7} {:>9}\n",
            "generation", "threshold", "count", "objects"
        ));
        for g in self
            .generations
            .iter()
            .chain(core::iter::once(&self.permanent))
        {
            let g = g.get();
            let (t, c) = if g.index < 3 {
                (g.threshold.to_string(), g.count.to_string())
            } else {
                ("-".into(), "-".into())
            };
            let label = if g.index < 3 {
                g.index.to_string()
            } else {
                "permanent".into()
            };
            out.push_str(&format!("  {label:<12} {t:>9} {c:>7} {:>9}\n", g.objects));
        }
        out.pop();
        out
    }
}

/// What the `gc` module says, to compare with what is in memory.
struct PublicGc {
    thresholds: [i64; 3],
    counts: [i64; 3],
    enabled: bool,
    debug: i64,
}

/// The fields of one `struct _gc_runtime_state` snapshot.
struct StateView {
    enabled: i64,
    debug: i64,
    collecting: i64,
    generation0: usize,
    thresholds: [i64; 3],
    counts: [i64; 3],
}

fn view(snap: &Snapshot, at: usize, l: &GcLayout) -> StateView {
    let int = |off: usize| snap.int(at + off, 4).unwrap_or(i64::MIN);
    let generation = |i: usize, field: usize| int(l.generations + i * l.generation_size + field);
    StateView {
        enabled: int(l.enabled),
        debug: int(l.debug),
        collecting: int(l.collecting),
        generation0: snap.word(at + l.generation0).unwrap_or(0),
        thresholds: [0, 1, 2].map(|i| generation(i, l.threshold)),
        counts: [0, 1, 2].map(|i| generation(i, l.count)),
    }
}

fn collecting_error(collecting: i64) -> PyErr {
    validation(format!(
        "the collector is running (gcstate->collecting = {collecting}): its lists are being \
         rearranged, so pyhood will not walk them; call gc_generations() outside gc callbacks \
         and finalizers"
    ))
}

/// Read the GC state at `at`, validated against the `gc` module. The native read comes first
/// and `gc.get_count()` right after it: nothing that allocates runs in between.
fn read_validated(py: Python<'_>, at: usize, l: &GcLayout) -> PyResult<StateView> {
    let what = format!("the GC state candidate at {at:#x}");
    let gc = py.import("gc")?;
    let get_threshold = gc.getattr(intern!(py, "get_threshold"))?;
    let get_count = gc.getattr(intern!(py, "get_count"))?;
    let isenabled = gc.getattr(intern!(py, "isenabled"))?;
    let get_debug = gc.getattr(intern!(py, "get_debug"))?;
    let mut last = String::new();
    for _ in 0..COUNT_ATTEMPTS {
        let thresholds: (i64, i64, i64) = get_threshold.call0()?.extract()?;
        let snap = Snapshot::take(at, l.size).map_err(|e| read_failed(&what, e))?;
        let counts: (i64, i64, i64) = get_count.call0()?.extract()?;
        let public = PublicGc {
            thresholds: [thresholds.0, thresholds.1, thresholds.2],
            counts: [counts.0, counts.1, counts.2],
            enabled: isenabled.call0()?.extract()?,
            debug: get_debug.call0()?.extract()?,
        };
        let v = view(&snap, at, l);
        if v.generation0 != at + l.generations {
            return Err(validation(format!(
                "{what}: its generation0 pointer is {:#x}, not the address of its own \
                 generations[0] ({:#x}), so this is not a struct _gc_runtime_state",
                v.generation0,
                at + l.generations
            )));
        }
        if v.collecting != 0 {
            return Err(collecting_error(v.collecting));
        }
        if v.thresholds != public.thresholds
            || v.enabled != public.enabled as i64
            || v.debug != public.debug
        {
            return Err(validation(format!(
                "{what} holds thresholds {:?}, enabled={}, debug={}, but gc says {:?}, {}, {}",
                v.thresholds,
                v.enabled,
                v.debug,
                public.thresholds,
                public.enabled as i64,
                public.debug
            )));
        }
        if v.counts == public.counts {
            return Ok(v);
        }
        last = format!(
            "{what} holds counts {:?} but gc.get_count() returned {:?}",
            v.counts, public.counts
        );
    }
    Err(validation(format!("{last} ({COUNT_ATTEMPTS} attempts)")))
}

/// Count the nodes of the GC list whose head is at `head`, checking every back link.
fn walk_list(head: usize, name: &str) -> PyResult<usize> {
    let node_words = |addr: usize| -> PyResult<(usize, usize)> {
        let s = Snapshot::take(addr, 2 * size_of::<usize>())
            .map_err(|e| read_failed(&format!("a node of the {name} list"), e))?;
        Ok((
            s.word(addr).unwrap_or(0),
            s.word(addr + size_of::<usize>()).unwrap_or(0),
        ))
    };
    let (mut node, _) = node_words(head)?;
    let mut prev = head;
    let mut n = 0usize;
    while node != head {
        if node == 0 || node % 4 != 0 {
            return Err(validation(format!(
                "the {name} list links to {node:#x} after {n} objects, which is not a GC head"
            )));
        }
        if n == MAX_GC_NODES {
            return Err(validation(format!(
                "the {name} list has more than {MAX_GC_NODES} objects; pyhood stops there"
            )));
        }
        let (next, back) = node_words(node)?;
        if back & compat::GC_PREV_MASK != prev {
            return Err(validation(format!(
                "object {n} of the {name} list (GC head {node:#x}) links back to {:#x}, not to \
                 {prev:#x}: the list is not a consistent ring",
                back & compat::GC_PREV_MASK
            )));
        }
        n += 1;
        prev = node;
        node = next;
    }
    let (_, last) = node_words(head)?;
    if last & compat::GC_PREV_MASK != prev {
        return Err(validation(format!(
            "the {name} list head's _gc_prev is {last:#x}, not its last object {prev:#x}"
        )));
    }
    Ok(n)
}

/// Read, validate and walk the GC state at `at`.
fn generations_at(
    py: Python<'_>,
    at: usize,
    layout: &GcLayout,
    located_by: String,
) -> PyResult<PyGCGenerations> {
    if at == 0 || at % 8 != 0 {
        return Err(validation(format!(
            "{at:#x} is not the address of a struct _gc_runtime_state"
        )));
    }
    let v = read_validated(py, at, layout)?;
    // No Python code has run since the check above could have started a collection only if
    // it finished too; re-check the flag right before walking.
    let collecting = mem::read(at + layout.collecting, 4)
        .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64)
        .map_err(|e| read_failed("gcstate->collecting", e))?;
    if collecting != 0 {
        return Err(collecting_error(collecting));
    }
    let mut generations = Vec::with_capacity(compat::NUM_GENERATIONS);
    for i in 0..compat::NUM_GENERATIONS {
        let head = at + layout.generations + i * layout.generation_size;
        let name = format!("generation {i}");
        let objects = walk_list(head, &name)?;
        generations.push(Py::new(
            py,
            PyGeneration {
                index: i,
                name,
                threshold: v.thresholds[i],
                count: v.counts[i],
                objects,
                head,
            },
        )?);
    }
    let head = at + layout.permanent;
    let frozen = walk_list(head, "permanent")?;
    let freeze_count: usize = py
        .import("gc")?
        .call_method0("get_freeze_count")?
        .extract()?;
    if frozen != freeze_count {
        return Err(validation(format!(
            "the permanent generation's list at {head:#x} holds {frozen} objects, but \
             gc.get_freeze_count() is {freeze_count}"
        )));
    }
    let permanent = Py::new(
        py,
        PyGeneration {
            index: 3,
            name: "permanent".into(),
            threshold: 0,
            count: 0,
            objects: frozen,
            head,
        },
    )?;
    Ok(PyGCGenerations {
        generations,
        permanent,
        enabled: v.enabled != 0,
        debug: v.debug,
        address: at,
        located_by,
        release: located::version_name(located::running_hexversion(py)?),
    })
}

/// The collector's three generations and its permanent generation: thresholds, counts,
/// and the number of objects on each list.
#[pyfunction]
pub fn gc_generations(py: Python<'_>) -> PyResult<PyGCGenerations> {
    let state = located::gc_state(py)?;
    let how = format!(
        "{} at +{}, {}",
        state.located.member, state.located.offset, state.located.how
    );
    generations_at(py, state.at, &state.layout, how)
}

/// The addresses of the four list heads (generations 0, 1, 2, then the permanent
/// generation) of the validated GC state: the same checks as [`gc_generations`] (layout
/// located and proven on this interpreter, thresholds, counts, flags against the `gc`
/// module, not collecting), without walking the lists. For `pyhood.gc_info` (guide §11.2).
pub fn validated_list_heads(py: Python<'_>) -> PyResult<[usize; compat::NUM_GENERATIONS + 1]> {
    let state = located::gc_state(py)?;
    let (at, layout) = (state.at, &state.layout);
    if at == 0 || at % 8 != 0 {
        return Err(validation(format!(
            "{at:#x} is not the address of a struct _gc_runtime_state"
        )));
    }
    read_validated(py, at, layout)?;
    let g = |i: usize| at + layout.generations + i * layout.generation_size;
    Ok([g(0), g(1), g(2), at + layout.permanent])
}

/// Test hook: validate and walk a GC state at an arbitrary address.
#[pyfunction]
#[pyo3(signature = (address, /))]
fn _gc_generations_at(py: Python<'_>, address: usize) -> PyResult<PyGCGenerations> {
    let state = located::gc_state(py)?;
    generations_at(py, address, &state.layout, "given address".into())
}

/// Register this module's functions and classes on the native module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(intern_state, m)?)?;
    m.add_function(wrap_pyfunction!(interned_count, m)?)?;
    m.add_function(wrap_pyfunction!(gc_generations, m)?)?;
    m.add_function(wrap_pyfunction!(_interned_dict_size_at, m)?)?;
    m.add_function(wrap_pyfunction!(_gc_generations_at, m)?)?;
    m.add_class::<PyGeneration>()?;
    m.add_class::<PyGCGenerations>()?;
    Ok(())
}
