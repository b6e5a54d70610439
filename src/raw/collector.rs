//! Keeping the cyclic collector still while pyhood reads.
//!
//! pyhood allocates Python objects (its results, their strings and tuples) while it reads.
//! On 3.10 and 3.11 such an allocation can start a collection on the spot
//! (`_PyObject_GC_Alloc` → `gc_collect_generations`, Modules/gcmodule.c v3.10.13, v3.11.7);
//! from 3.12 it schedules one, which the next eval-breaker check or `PyErr_CheckSignals`
//! runs (Modules/signalmodule.c v3.12.1). A collection runs finalizers, weakref callbacks and
//! `gc.callbacks`: Python code that may mutate what is being read, and may let other
//! threads run. While a `Paused` guard lives, the collector is disabled (`PyGC_Disable`,
//! public since 3.10), so automatic collections cannot start; the previous state is
//! restored when the guard drops. (3.12's `_Py_RunGC` alone does not look at the flag: a
//! collection scheduled before the call can still run at a signal check of a long walk,
//! which is why the walks also check that their list did not change.) With the GIL held, no bytecode run and no collection,
//! nothing else in the process can run during the call. (Free-threaded builds, untested
//! here: other threads run regardless; the guard only keeps the collector out.)

use pyo3::ffi;
use pyo3::prelude::*;

/// The collector is disabled until this is dropped; then it is enabled again if it was.
#[must_use = "the collector is paused only while the guard lives"]
pub struct Paused {
    was_enabled: bool,
}

/// Disable automatic collections for the guard's life.
pub fn pause(_py: Python<'_>) -> Paused {
    // SAFETY:
    // - the thread is attached (`_py`), which PyGC_Disable requires; it only stores the
    //   collector's `enabled` flag and returns the previous one, and never fails
    let was_enabled = unsafe { ffi::PyGC_Disable() } != 0;
    Paused { was_enabled }
}

/// Run `f` and make its result a Python object, both with the collector paused: the
/// result's own allocation (a GC-tracked object) could otherwise start a collection after
/// the guard dropped but before the call returned. (Objects pyhood builds are immutable
/// snapshots, so this makes the whole call one still moment.)
/// `f` is given the guard (to report the caller's own collector setting).
pub fn snapshot<T>(py: Python<'_>, f: impl FnOnce(&Paused) -> PyResult<T>) -> PyResult<Py<T>>
where
    T: pyo3::PyClass + Into<pyo3::PyClassInitializer<T>>,
{
    let paused = pause(py);
    Py::new(py, f(&paused)?)
}

/// For calls that check for signals during long walks: pending signal handlers, and on
/// 3.12 a collection scheduled before the call, run first (`PyErr_CheckSignals`), before
/// anything is read; then `snapshot`. Once paused, no collection can be scheduled, so the
/// walks' own signal checks can only run signal handlers.
pub fn walk_snapshot<T>(py: Python<'_>, f: impl FnOnce(&Paused) -> PyResult<T>) -> PyResult<Py<T>>
where
    T: pyo3::PyClass + Into<pyo3::PyClassInitializer<T>>,
{
    py.check_signals()?;
    snapshot(py, f)
}

impl Paused {
    /// Whether the collector was enabled when the guard was made (the caller's setting).
    pub fn was_enabled(&self) -> bool {
        self.was_enabled
    }
}

impl Drop for Paused {
    fn drop(&mut self) {
        if self.was_enabled {
            // SAFETY:
            // - the guard was made under an attached thread and pyhood's calls never detach
            //   before returning, so the thread is still attached when it drops; PyGC_Enable
            //   only stores the flag back
            unsafe {
                ffi::PyGC_Enable();
            }
        }
    }
}
