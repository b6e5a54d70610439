//! The garbage collector's generations as data (guide §12.4): each generation's threshold,
//! count and number of objects, the permanent generation (`gc.freeze()`), and the
//! collector's flags (`gc_generations`); and the validated list heads `gc_info` (§11.2,
//! `gc_info.rs`) walks to.
//!
//! The GC state is located on the running interpreter by `interpreter_state` (predicted from
//! the build's headers, re-established on another patch release), and nothing is reported
//! until it has been checked against a public signal of the same interpreter: it must be
//! self-consistent (`generation0 == &generations[0].head`), agree with `_Py_DebugOffsets`
//! (3.13+: `gc.size`, `gc.collecting`), not be collecting, and show exactly
//! `gc.get_threshold()`, `gc.get_count()`, `gc.isenabled()` and `gc.get_debug()`; every
//! generation list is walked as a doubly linked ring (each node's `_gc_prev` must point
//! back), bounded by [`MAX_GC_NODES`], and the permanent generation holds
//! `gc.get_freeze_count()` objects. Once the heads are validated the walks read the nodes
//! directly (`raw::gclist::ValidatedHeads`, point 3 of the rule in `raw/mod.rs`).
//!
//! Any failure is a `pyhood.StateValidationError` that says what did not match.
//!
//! Tests: `tests/test_12_4_gc_thresholds.py` (also used by `tests/test_12_5_long_running.py`
//! and `tests/test_interpreter_state.py`). No Rust unit tests: every function here reads a
//! live interpreter.

use pyo3::exceptions::PyIndexError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::errors;
use crate::interpreter_state::{self as located, GcLayout};
use crate::raw::collector::Paused;
use crate::raw::compat;
use crate::raw::gclist::{self, ValidatedHeads, WalkError};
use crate::raw::mem::{self, Snapshot};
use crate::render;

/// Most nodes pyhood will follow in one generation list before giving up.
pub const MAX_GC_NODES: usize = 50_000_000;

/// How many times `gc_generations` re-reads the state when `gc.get_count()` moved between
/// the native read and the public call (another thread, or a collection it triggered).
const COUNT_ATTEMPTS: usize = 3;

fn validation(msg: impl Into<String>) -> PyErr {
    errors::state_validation_error(msg.into())
}

fn read_failed(what: &str, e: mem::ReadError) -> PyErr {
    validation(format!("{what} is not readable ({e})"))
}

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
    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "generation_html")
    }

    /// IPython's pretty printer: the same text as `str()`.
    fn _repr_pretty_(slf: &Bound<'_, Self>, p: &Bound<'_, PyAny>, cycle: bool) -> PyResult<()> {
        render::pretty(slf.as_any(), p, cycle)
    }

    fn __repr__(&self) -> String {
        format!(
            "<Generation {}: threshold={}, count={}, objects={}>",
            self.name, self.threshold, self.count, self.objects
        )
    }

    /// A JSON-ready dict of the snapshot's attributes.
    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        render::call(slf.as_any(), "generation_dict")
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
    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "gc_generations_html")
    }

    /// IPython's pretty printer: the same text as `str()`.
    fn _repr_pretty_(slf: &Bound<'_, Self>, p: &Bound<'_, PyAny>, cycle: bool) -> PyResult<()> {
        render::pretty(slf.as_any(), p, cycle)
    }

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

    fn __str__(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "gc_generations_text")
    }

    /// A JSON-ready dict: where the state is, and each generation as a dict.
    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        render::call(slf.as_any(), "gc_generations_dict")
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
/// and `gc.get_count()` right after it: nothing that allocates runs in between. Returns the
/// fields and the snapshot they were decoded from.
fn read_validated(py: Python<'_>, at: usize, l: &GcLayout) -> PyResult<(StateView, Snapshot)> {
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
            return Ok((v, snap));
        }
        last = format!(
            "{what} holds counts {:?} but gc.get_count() returned {:?}",
            v.counts, public.counts
        );
    }
    Err(validation(format!("{last} ({COUNT_ATTEMPTS} attempts)")))
}

/// A walk's checkpoint (every [`gclist::CHECK_EVERY`] steps): run the interpreter's pending
/// signal handlers (Ctrl-C raises `KeyboardInterrupt` here, and the walk stops with it). A
/// handler is Python code and may have changed the lists: the walk then re-reads its
/// position fault-free and, when it moved, stops with `StateValidationError` instead of
/// counting a mix of two heaps (`gclist`).
pub fn checkpoint(py: Python<'_>) -> impl FnMut() -> PyResult<()> + '_ {
    move || py.check_signals()
}

/// The `StateValidationError` (or the checkpoint's own error) for a walk of `what` that
/// stopped without an answer.
pub fn walk_error(e: WalkError, what: &str) -> PyErr {
    match e {
        WalkError::Unreadable(e) => read_failed(&format!("a node of {what}"), e),
        WalkError::Collecting(v) => collecting_error(v),
        WalkError::OutsideState { at } => validation(format!(
            "{at:#x} ({what}) is not inside the GC state pyhood read"
        )),
        WalkError::BadHead { head, next, prev } => validation(format!(
            "the list head at {head:#x} holds _gc_next {next:#x} and _gc_prev {prev:#x}: not \
             the head of a list"
        )),
        WalkError::BadLink { from, to, steps } => validation(format!(
            "{what} links from {from:#x} to {to:#x} after {steps} objects, which is not a GC \
             head"
        )),
        WalkError::BackLink {
            at,
            back,
            expected,
            steps,
        } => validation(format!(
            "GC head {at:#x} of {what} (after {steps} objects) links back to {back:#x}, not \
             to {expected:#x}: the list is not a consistent ring"
        )),
        WalkError::NoHead { steps } => validation(format!(
            "{what} leads back to the object after {steps} steps without reaching a \
             generation list head"
        )),
        WalkError::TooLong { limit } => validation(format!(
            "{what} has more than {limit} objects; pyhood stops there"
        )),
        WalkError::Changed => validation(format!(
            "{what} changed while pyhood walked it (a signal handler, or on 3.12 a collection \
             scheduled before the call, ran at a signal check); ask again"
        )),
        WalkError::Interrupted(e) => e,
    }
}

/// Read, validate and walk the GC state at `at`.
fn generations_at(
    py: Python<'_>,
    paused: &Paused,
    at: usize,
    layout: &GcLayout,
    located_by: String,
) -> PyResult<PyGCGenerations> {
    if at == 0 || at % 8 != 0 {
        return Err(validation(format!(
            "{at:#x} is not the address of a struct _gc_runtime_state"
        )));
    }
    let (v, snap) = read_validated(py, at, layout)?;
    let heads = ValidatedHeads::new(
        paused,
        &snap,
        list_heads(at, layout),
        at + layout.collecting,
    )
    .map_err(|e| walk_error(e, "the GC state's list heads"))?;
    let mut generations = Vec::with_capacity(compat::NUM_GENERATIONS);
    for (i, &head) in heads.heads()[..compat::NUM_GENERATIONS].iter().enumerate() {
        let name = format!("generation {i}");
        let objects = heads
            .count(i, MAX_GC_NODES, checkpoint(py))
            .map_err(|e| walk_error(e, &format!("the {name} list")))?;
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
    let head = heads.heads()[compat::NUM_GENERATIONS];
    let frozen = heads
        .count(compat::NUM_GENERATIONS, MAX_GC_NODES, checkpoint(py))
        .map_err(|e| walk_error(e, "the permanent list"))?;
    let freeze_count: usize = py
        .import("gc")?
        .call_method0(intern!(py, "get_freeze_count"))?
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
pub fn gc_generations(py: Python<'_>) -> PyResult<Py<PyGCGenerations>> {
    crate::raw::collector::walk_snapshot(py, |paused| {
        let state = located::gc_state(py)?;
        let how = format!(
            "{} at +{}, {}",
            state.located.member, state.located.offset, state.located.how
        );
        let mut g = generations_at(py, paused, state.at, &state.layout, how)?;
        // Memory says "disabled" while pyhood holds the collector still: report the caller's.
        g.enabled = paused.was_enabled();
        Ok(g)
    })
}

/// The four list heads (generations 0, 1, 2, then the permanent generation) of the
/// validated GC state: the same checks as [`gc_generations`] (layout located and proven on
/// this interpreter, thresholds, counts, flags against the `gc` module, not collecting),
/// without walking the lists. For `pyhood.gc_info` (guide §11.2).
pub fn validated_list_heads<'a>(
    py: Python<'_>,
    paused: &'a Paused,
) -> PyResult<ValidatedHeads<'a>> {
    let state = located::gc_state(py)?;
    let (at, layout) = (state.at, &state.layout);
    if at == 0 || at % 8 != 0 {
        return Err(validation(format!(
            "{at:#x} is not the address of a struct _gc_runtime_state"
        )));
    }
    let (_, snap) = read_validated(py, at, layout)?;
    ValidatedHeads::new(
        paused,
        &snap,
        list_heads(at, layout),
        at + layout.collecting,
    )
    .map_err(|e| walk_error(e, "the GC state's list heads"))
}

/// `&generations[i].head` for i in 0..3, then `&permanent_generation.head`, of the state at `at`.
fn list_heads(at: usize, layout: &GcLayout) -> [usize; gclist::HEADS] {
    let g = |i: usize| at + layout.generations + i * layout.generation_size;
    [g(0), g(1), g(2), at + layout.permanent]
}

/// Test hook: validate and walk a GC state at an arbitrary address.
#[pyfunction]
#[pyo3(signature = (address, /))]
fn _gc_generations_at(py: Python<'_>, address: usize) -> PyResult<Py<PyGCGenerations>> {
    crate::raw::collector::walk_snapshot(py, |paused| {
        let state = located::gc_state(py)?;
        let mut g = generations_at(py, paused, address, &state.layout, "given address".into())?;
        g.enabled = paused.was_enabled();
        Ok(g)
    })
}

/// Register this module's functions and classes on the native module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(gc_generations, m)?)?;
    m.add_function(wrap_pyfunction!(_gc_generations_at, m)?)?;
    m.add_class::<PyGeneration>()?;
    m.add_class::<PyGCGenerations>()?;
    Ok(())
}
