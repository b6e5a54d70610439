//! `pyhood.census()` and `Census.diff`: what is on the heap and what grew (guide §12.5,
//! optimising long-running processes). What keeps an object alive is `referrers`.
//!
//! A census walks the collector's four lists natively (`gclist::ValidatedHeads::each`:
//! every tracked object once) and, from each tracked object, every untracked object it
//! reaches through `tp_traverse` and dict keys (ints, floats and strs in lists, untracked
//! tuples and dicts and what they hold), each once (`traverse::Frontier`). Every object is
//! counted under its type's key with its allocator-true cost (`footprint::cost`). Nothing
//! runs but C code; a pending signal handler may run every million objects (Ctrl-C stops the
//! census), after which the heap the census goes on counting may have changed.
//!
//! Objects reachable only from objects without a traversal (code objects before 3.13 keep
//! their constants that way, for instance) are not seen; guppy3 has its own traversals for
//! some of them. Free-threaded builds have no collector lists: a census refuses there
//! (untested here).
//!
//! Tests: `tests/test_12_5_census.py`; renderings in `pyhood._render` (`census_text`, …).

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::errors;
use crate::footprint;
use crate::generations::{self, MAX_GC_NODES};
use crate::raw::collector::{self, Paused};
use crate::raw::gclist::HEADS;
use crate::raw::traverse::{referent_is_tracked, AddrBits, Frontier};
use crate::render;
use crate::walk::{self, PyTypeStat, Tally};

/// Which list `i` is, for error messages.
pub fn list_name(i: usize) -> String {
    if i + 1 == HEADS {
        "the permanent generation's list".into()
    } else {
        format!("the generation {i} list")
    }
}

pub fn refuse_free_threaded(what: &str) -> PyResult<()> {
    if crate::cpython::FREE_THREADED {
        return Err(errors::unsupported(format!(
            "{what} walks the collector's generation lists, which free-threaded builds do \
             not have"
        )));
    }
    Ok(())
}

/// Every live object once: each object on the collector's lists, and, with `untracked`,
/// each untracked object reachable from them, found right after the tracked object that
/// reaches it. `f` must run no Python code and make no tracked object
/// (`ValidatedHeads::each`). Returns the address of every object given, and how many of
/// them were on the lists.
fn every_object<'py>(
    py: Python<'py>,
    paused: &Paused,
    untracked: bool,
    mut f: impl FnMut(&Bound<'py, PyAny>) -> PyResult<()>,
) -> PyResult<(AddrBits, usize)> {
    let heads = generations::validated_list_heads(py, paused)?;
    // Every object given so far. A referent not in it yet is new; it is untracked unless
    // the collector tracks it (then it is given from its list, later in the walk).
    let mut seen = AddrBits::default();
    let mut frontier = Frontier::new(py, paused, false);
    let fresh = |seen: &mut AddrBits, addr| seen.insert_unless(addr, referent_is_tracked);
    let mut tracked = 0;
    for i in 0..HEADS {
        tracked += heads
            .each(py, i, MAX_GC_NODES, generations::checkpoint(py), |o| {
                seen.insert(o.as_ptr() as usize);
                f(o)?;
                if untracked {
                    frontier.expand(o, |addr| fresh(&mut seen, addr));
                    while let Some(u) = frontier.pop() {
                        f(&u)?;
                        frontier.expand(&u, |addr| fresh(&mut seen, addr));
                    }
                }
                Ok(())
            })
            .map_err(|e| generations::walk_error(e, &list_name(i)))?;
    }
    Ok((seen, tracked))
}

/// Every live object of the interpreter, by type.
#[pyclass(frozen, module = "pyhood", name = "Census")]
pub struct PyCensus {
    #[pyo3(get)]
    objects: usize,
    #[pyo3(get)]
    requested: usize,
    /// Bytes the allocator set aside for every object counted and the blocks it owns.
    #[pyo3(get)]
    allocated: usize,
    /// Objects found on the collector's lists.
    #[pyo3(get)]
    tracked: usize,
    /// Untracked objects reached from them.
    #[pyo3(get)]
    untracked: usize,
    /// Bytes of the pymalloc blocks the census reached (objects and blocks they own).
    #[pyo3(get)]
    pymalloc_reached: Option<usize>,
    /// Bytes in pymalloc's allocated blocks (`sys._debugmallocstats`), read right after.
    #[pyo3(get)]
    pymalloc_in_use: Option<usize>,
    #[pyo3(get)]
    include_untracked: bool,
    /// Objects counted whose footprint pyhood could not establish (it refused: a
    /// structure it cannot prove); their bytes are in no total.
    #[pyo3(get)]
    unmeasured: usize,
    types: Vec<(String, PyTypeStat)>,
    /// Every address counted (for `diff`'s examples).
    addresses: Arc<AddrBits>,
}

#[pymethods]
impl PyCensus {
    /// IPython's pretty printer: the same text as `str()`.
    fn _repr_pretty_(slf: &Bound<'_, Self>, p: &Bound<'_, PyAny>, cycle: bool) -> PyResult<()> {
        render::pretty(slf.as_any(), p, cycle)
    }

    /// `{type key: TypeStat}`.
    #[getter]
    fn by_type<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        walk::stat_dict(py, &self.types)
    }

    /// What changed from this census to `later`, type by type.
    fn diff(&self, py: Python<'_>, later: &Bound<'_, PyCensus>) -> PyResult<Py<PyCensusDiff>> {
        let later = later.get();
        let mut rows = Vec::new();
        let before: std::collections::HashMap<&str, &PyTypeStat> =
            self.types.iter().map(|(k, s)| (k.as_str(), s)).collect();
        let after: std::collections::HashMap<&str, &PyTypeStat> =
            later.types.iter().map(|(k, s)| (k.as_str(), s)).collect();
        let zero = PyTypeStat::default();
        let mut keys: Vec<&str> = later.types.iter().map(|(k, _)| k.as_str()).collect();
        keys.extend(
            self.types
                .iter()
                .map(|(k, _)| k.as_str())
                .filter(|k| !after.contains_key(k)),
        );
        for k in keys {
            let (b, a) = (
                before.get(k).copied().unwrap_or(&zero),
                after.get(k).copied().unwrap_or(&zero),
            );
            if a == b {
                continue;
            }
            rows.push(PyTypeDelta {
                type_key: k.to_owned(),
                count_before: b.count,
                count_after: a.count,
                count: a.count as i64 - b.count as i64,
                requested: a.requested as i64 - b.requested as i64,
                allocated: a.allocated as i64 - b.allocated as i64,
            });
        }
        rows.sort_by_key(|r| {
            (
                std::cmp::Reverse(r.allocated.unsigned_abs()),
                r.type_key.clone(),
            )
        });
        Py::new(
            py,
            PyCensusDiff {
                rows,
                before: Arc::clone(&self.addresses),
                include_untracked: later.include_untracked,
            },
        )
    }

    fn __repr__(&self) -> String {
        format!(
            "<Census objects={} allocated={} tracked={} untracked={}>",
            self.objects, self.allocated, self.tracked, self.untracked
        )
    }

    fn __str__(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "census_text")
    }

    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "census_html")
    }

    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        render::call(slf.as_any(), "census_dict")
    }
}

/// Every live object: the collector's lists walked natively, and the untracked objects
/// reachable from them.
#[pyfunction]
#[pyo3(signature = (*, include_untracked = true))]
pub fn census(py: Python<'_>, include_untracked: bool) -> PyResult<Py<PyCensus>> {
    refuse_free_threaded("census")?;
    collector::walk_snapshot(py, |paused| {
        let mut tally = Tally::default();
        let (mut pymalloc, mut unmeasured) = (0usize, 0usize);
        let mut costs = footprint::WalkCosts::new(py);
        let (addresses, tracked) = crate::blocks::memoised(|| {
            every_object(
                py,
                paused,
                include_untracked,
                #[inline(always)]
                |o| {
                    let c = costs.cost_or_refusal(o)?.unwrap_or_else(|| {
                        unmeasured += 1;
                        footprint::Cost::default()
                    });
                    tally.add(o, &c);
                    pymalloc += c.pymalloc;
                    Ok(())
                },
            )
        })?;
        let in_use = crate::obmalloc::bytes_in_allocated_blocks(py).map(|b| b as usize);
        // Each object was counted once, under its type: the totals are the types' sums.
        let types = tally.merged();
        let sum = |field: fn(&PyTypeStat) -> usize| types.iter().map(|(_, s)| field(s)).sum();
        let objects: usize = sum(|s| s.count);
        Ok(PyCensus {
            objects,
            requested: sum(|s| s.requested),
            allocated: sum(|s| s.allocated),
            tracked,
            untracked: objects - tracked,
            pymalloc_reached: in_use.map(|_| pymalloc),
            pymalloc_in_use: in_use,
            include_untracked,
            unmeasured,
            types,
            addresses: Arc::new(addresses),
        })
    })
}

/// How one type's objects changed between two censuses.
#[pyclass(frozen, module = "pyhood", name = "TypeDelta")]
#[derive(Clone)]
pub struct PyTypeDelta {
    #[pyo3(get, name = "type")]
    type_key: String,
    #[pyo3(get)]
    count_before: usize,
    #[pyo3(get)]
    count_after: usize,
    /// `count_after - count_before`.
    #[pyo3(get)]
    count: i64,
    #[pyo3(get)]
    requested: i64,
    #[pyo3(get)]
    allocated: i64,
}

#[pymethods]
impl PyTypeDelta {
    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "type_delta_html")
    }

    /// IPython's pretty printer: the same text as `str()`.
    fn _repr_pretty_(slf: &Bound<'_, Self>, p: &Bound<'_, PyAny>, cycle: bool) -> PyResult<()> {
        render::pretty(slf.as_any(), p, cycle)
    }

    /// The same as `allocated`.
    #[getter]
    fn bytes(&self) -> i64 {
        self.allocated
    }

    fn __repr__(&self) -> String {
        format!(
            "TypeDelta({:?}, count={:+}, allocated={:+})",
            self.type_key, self.count, self.allocated
        )
    }

    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        render::call(slf.as_any(), "type_delta_dict")
    }
}

/// What changed between two censuses.
#[pyclass(frozen, module = "pyhood", name = "CensusDiff")]
pub struct PyCensusDiff {
    rows: Vec<PyTypeDelta>,
    before: Arc<AddrBits>,
    include_untracked: bool,
}

impl PyCensusDiff {
    fn tuple<'py>(
        &self,
        py: Python<'py>,
        keep: impl Fn(&PyTypeDelta) -> bool,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let items = self
            .rows
            .iter()
            .filter(|r| keep(r))
            .map(|r| Py::new(py, r.clone()))
            .collect::<PyResult<Vec<_>>>()?;
        PyTuple::new(py, items)
    }
}

#[pymethods]
impl PyCensusDiff {
    /// IPython's pretty printer: the same text as `str()`.
    fn _repr_pretty_(slf: &Bound<'_, Self>, p: &Bound<'_, PyAny>, cycle: bool) -> PyResult<()> {
        render::pretty(slf.as_any(), p, cycle)
    }

    /// Every type whose count or bytes changed, largest change in bytes first.
    #[getter]
    fn rows<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        self.tuple(py, |_| true)
    }

    /// The rows that grew (in count or bytes).
    #[getter]
    fn grew<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        self.tuple(py, |r| r.count > 0 || r.allocated > 0)
    }

    /// The rows that shrank.
    #[getter]
    fn shrank<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        self.tuple(py, |r| !(r.count > 0 || r.allocated > 0))
    }

    /// Up to `n` live objects of type key `type` that the first census did not see (at an
    /// address it did not count), found by a walk of the heap now.
    #[pyo3(signature = (r#type, n = 3))]
    fn examples<'py>(
        &self,
        py: Python<'py>,
        r#type: &str,
        n: usize,
    ) -> PyResult<Bound<'py, PyList>> {
        refuse_free_threaded("CensusDiff.examples")?;
        let found = {
            let paused = collector::pause(py);
            let mut found: Vec<Py<PyAny>> = Vec::new();
            let mut tally = Tally::default();
            let mut wanted: Vec<Option<bool>> = Vec::new();
            every_object(py, &paused, self.include_untracked, |o| {
                if found.len() >= n {
                    return Ok(());
                }
                let slot = tally.slot(o);
                if wanted.len() <= slot {
                    wanted.resize(slot + 1, None);
                }
                let is = *wanted[slot].get_or_insert_with(|| tally.key(slot) == r#type);
                if is && !self.before.contains(o.as_ptr() as usize) {
                    found.push(o.clone().unbind());
                }
                Ok(())
            })?;
            found
        };
        PyList::new(py, found)
    }

    fn __repr__(&self) -> String {
        format!("<CensusDiff {} types changed>", self.rows.len())
    }

    fn __str__(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "census_diff_text")
    }

    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "census_diff_html")
    }

    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        render::call(slf.as_any(), "census_diff_dict")
    }
}

/// Register this module's functions and classes on the native module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(census, m)?)?;
    m.add_class::<PyCensus>()?;
    m.add_class::<PyCensusDiff>()?;
    m.add_class::<PyTypeDelta>()?;
    Ok(())
}
