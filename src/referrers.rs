//! `pyhood.referrers(obj)`: what keeps an object alive (guide §12.5, the leak hunt after a
//! census diff). The collector's lists are walked backwards from the object, breadth first,
//! one pass over every tracked object per step (`gclist::ValidatedHeads::each` and each
//! object's `tp_traverse`), until a module holds the chain: objgraph's `find_backref_chain`
//! with `inspect.ismodule`, natively and without graphviz.
//!
//! Only tracked objects are searched as referrers (an untracked container can hold only
//! untracked objects). Each referrer found is held until the chain is built, so that the
//! links can be described (`via`) from live objects. Free-threaded builds have no collector
//! lists: it refuses there (untested here).
//!
//! Tests: `tests/test_12_5_census.py` (the referrer tests); renderings in `pyhood._render`
//! (`referrers_text`, `referrers_html`, `referrers_dict`).

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyModule, PyString, PyTuple};

use crate::census::{list_name, refuse_free_threaded};
use crate::generations::{self, MAX_GC_NODES};
use crate::raw::collector;
use crate::raw::gclist::HEADS;
use crate::raw::traverse::{self, AddrSet};
use crate::render;
use crate::walk;

/// One object of a referrer chain.
#[pyclass(frozen, module = "pyhood", name = "Referrer")]
#[derive(Clone)]
pub struct PyReferrer {
    #[pyo3(get, name = "type")]
    type_key: String,
    #[pyo3(get)]
    address: usize,
    /// How it holds the next link: "['key']", "[3]", or None.
    #[pyo3(get)]
    via: Option<String>,
    /// A module's `__name__`, for the chain's text.
    #[pyo3(get)]
    name: Option<String>,
}

#[pymethods]
impl PyReferrer {
    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "referrer_html")
    }

    /// IPython's pretty printer: the same text as `str()`.
    fn _repr_pretty_(slf: &Bound<'_, Self>, p: &Bound<'_, PyAny>, cycle: bool) -> PyResult<()> {
        render::pretty(slf.as_any(), p, cycle)
    }

    fn __repr__(&self) -> String {
        format!(
            "Referrer({:?} at {:#x}, via={:?})",
            self.type_key, self.address, self.via
        )
    }

    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        render::call(slf.as_any(), "referrer_dict")
    }
}

/// A short chain of references ending at an object, from a module when one was reached.
#[pyclass(frozen, module = "pyhood", name = "ReferrerChain")]
pub struct PyReferrerChain {
    chain: Vec<PyReferrer>,
    /// The chain starts at a module.
    #[pyo3(get)]
    rooted: bool,
}

#[pymethods]
impl PyReferrerChain {
    /// IPython's pretty printer: the same text as `str()`.
    fn _repr_pretty_(slf: &Bound<'_, Self>, p: &Bound<'_, PyAny>, cycle: bool) -> PyResult<()> {
        render::pretty(slf.as_any(), p, cycle)
    }

    /// The root first, the object last.
    #[getter]
    fn links<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let items = self
            .chain
            .iter()
            .map(|r| Py::new(py, r.clone()))
            .collect::<PyResult<Vec<_>>>()?;
        PyTuple::new(py, items)
    }

    fn __len__(&self) -> usize {
        self.chain.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "<ReferrerChain {} links{}>",
            self.chain.len(),
            if self.rooted { " from a module" } else { "" }
        )
    }

    fn __str__(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "referrers_text")
    }

    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "referrers_html")
    }

    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        render::call(slf.as_any(), "referrers_dict")
    }
}

/// The most referrers one step of `referrers` keeps.
const STEP_WIDTH: usize = 10_000;

/// How `holder` holds the object at `child`: a dict entry's str key (`['k']`), a list or
/// tuple index (`[3]`), or an instance attribute (`.name`: a values slot whose shared key
/// `layout` names). Read through the C API and the decoders: no Python code runs.
fn via(holder: &Bound<'_, PyAny>, child: usize) -> PyResult<Option<String>> {
    if let Ok(d) = holder.cast::<PyDict>() {
        for (k, v) in d.iter() {
            if v.as_ptr() as usize == child {
                let name = k
                    .cast::<PyString>()
                    .ok()
                    .and_then(|s| s.to_str().ok().map(str::to_owned));
                return Ok(name.map(|s| format!("['{s}']")));
            }
        }
        return Ok(None);
    }
    let items: Vec<usize> = if let Ok(l) = holder.cast::<PyList>() {
        l.iter().map(|x| x.as_ptr() as usize).collect()
    } else if let Ok(t) = holder.cast::<PyTuple>() {
        t.iter().map(|x| x.as_ptr() as usize).collect()
    } else {
        return attribute(holder, child);
    };
    Ok(items
        .iter()
        .position(|&a| a == child)
        .map(|i| format!("[{i}]")))
}

/// `.name` when `holder` keeps `child` in a values slot its layout names (3.11+ instances'
/// values arrays and inline values: the slot's note is its shared key).
fn attribute(holder: &Bound<'_, PyAny>, child: usize) -> PyResult<Option<String>> {
    let (d, _) = crate::layout::described(holder, 64)?;
    let word = child.to_ne_bytes();
    for part in std::iter::once(&d).chain(d.blocks.iter()) {
        for f in &part.specs {
            if f.size == 8 && part.raw(f) == word {
                if let Some(note) = f.note.as_deref() {
                    if note.len() >= 2 && note.starts_with('"') && note.ends_with('"') {
                        return Ok(Some(format!(".{}", &note[1..note.len() - 1])));
                    }
                }
            }
        }
    }
    Ok(None)
}

/// A referrer found by a step of `referrers`: the link it holds, and the object itself
/// (held until the chain is built, so that it is still alive to be described).
struct Step {
    child: usize,
    obj: Py<PyAny>,
    /// It is a module and `child` is its `__dict__`.
    module_dict: bool,
}

/// What keeps `obj` alive: a chain of at most `depth` references to it from a module,
/// found breadth first over the collector's objects (at most [`STEP_WIDTH`] referrers
/// kept per step). A module and its `__dict__` make one link (`.name`).
#[pyfunction]
#[pyo3(signature = (obj, depth = 8))]
pub fn referrers(obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<Py<PyReferrerChain>> {
    refuse_free_threaded("referrers")?;
    let py = obj.py();
    collector::walk_snapshot(py, |paused| {
        let target = obj.as_ptr() as usize;
        let mut found: std::collections::HashMap<usize, Step> = std::collections::HashMap::new();
        let mut frontier: AddrSet = [target].into_iter().collect();
        let mut deepest = target;
        let mut root = None;
        let mut scratch = Vec::new();
        'steps: for _ in 0..depth {
            let mut next: Vec<usize> = Vec::new();
            let heads = generations::validated_list_heads(py, paused)?;
            for i in 0..HEADS {
                heads
                    .each(py, i, MAX_GC_NODES, generations::checkpoint(py), |o| {
                        let addr = o.as_ptr() as usize;
                        if addr == target || found.contains_key(&addr) || next.len() >= STEP_WIDTH {
                            return Ok(());
                        }
                        scratch.clear();
                        traverse::referents(o, &mut scratch);
                        let Some(&child) = scratch.iter().find(|a| frontier.contains(a)) else {
                            return Ok(());
                        };
                        let module_dict = o
                            .cast::<PyModule>()
                            .is_ok_and(|m| m.dict().as_ptr() as usize == child);
                        found.insert(
                            addr,
                            Step {
                                child,
                                obj: o.clone().unbind(),
                                module_dict,
                            },
                        );
                        next.push(addr);
                        Ok(())
                    })
                    .map_err(|e| generations::walk_error(e, &list_name(i)))?;
            }
            let Some(&first) = next.first() else {
                break;
            };
            if let Some(&m) = next
                .iter()
                .find(|a| found[a].obj.bind(py).is_instance_of::<PyModule>())
            {
                root = Some(m);
                break 'steps;
            }
            deepest = first;
            frontier = next.into_iter().collect();
        }
        let rooted = root.is_some();
        let mut path: Vec<(usize, Bound<'_, PyAny>)> = Vec::new();
        let mut at = root.unwrap_or(deepest);
        while at != target {
            let step = &found[&at];
            path.push((at, step.obj.bind(py).clone()));
            at = step.child;
        }
        path.push((target, obj.clone()));
        let mut chain = Vec::new();
        let mut i = 0;
        while i < path.len() {
            let (addr, o) = &path[i];
            let name = o
                .cast::<PyModule>()
                .ok()
                .and_then(|m| m.name().ok())
                .map(|n| n.to_string());
            let mut via_ = match path.get(i + 1) {
                Some((child, _)) => via(o, *child)?,
                None => None,
            };
            // A module and its dict are one link: `.name`, the dict's key.
            if found.get(addr).is_some_and(|s| s.module_dict) {
                if let (Some((_, d)), Some((grandchild, _))) = (path.get(i + 1), path.get(i + 2)) {
                    via_ = via(d, *grandchild)?
                        .map(|v| format!(".{}", v.trim_start_matches("['").trim_end_matches("']")));
                    i += 1;
                }
            }
            chain.push(PyReferrer {
                type_key: walk::type_key(&o.get_type()),
                address: *addr,
                via: via_,
                name,
            });
            i += 1;
        }
        Ok(PyReferrerChain { chain, rooted })
    })
}

/// Register this module's function and classes on the native module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(referrers, m)?)?;
    m.add_class::<PyReferrer>()?;
    m.add_class::<PyReferrerChain>()?;
    Ok(())
}
