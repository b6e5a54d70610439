//! `pyhood.deep_footprint(obj)`: what a structure really costs (guide §11.5): every object
//! reachable from `obj` through the interpreter's own traversal (`tp_traverse`, what
//! `gc.get_referents` returns, plus a dict's keys), each counted once with its
//! allocator-true footprint (`footprint::cost`: the object's block and the blocks it owns).
//!
//! Type objects, modules, functions and code are program structure: they are counted apart
//! (`not_followed`) and not followed. Immortal and statically allocated objects belong to
//! the whole interpreter: counted apart (`shared`), not followed. The walk runs no Python
//! code (unless `stop` is a callable: then only it, with every reached object held), takes
//! no lasting reference and materialises nothing; its memory grows with the objects
//! reached (an address set and a stack), up to [`HARD_LIMIT`] objects.
//!
//! Tests: `tests/test_11_5_deep_footprint.py`; renderings in `pyhood._render`
//! (`deep_footprint_text`, `_html`, `_dict`).

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple, PyType};

use crate::footprint;
use crate::raw::collector;
use crate::raw::object as rawobj;
use crate::raw::traverse::{AddrBits, Frontier};
use crate::render;
use crate::walk::{self, PyTypeStat, Tally};

/// The most objects one walk counts, whatever `max_objects` says: about 1 GiB of address
/// set and stack at the worst.
pub const HARD_LIMIT: usize = 30_000_000;

/// How many of the biggest objects a result keeps.
const LARGEST: usize = 10;

/// One of the biggest objects a deep walk counted.
#[pyclass(frozen, module = "pyhood", name = "Largest")]
#[derive(Clone)]
pub struct PyLargest {
    /// Its type's key (see `TypeStat`).
    #[pyo3(get, name = "type")]
    type_key: String,
    /// `id()` of the object when it was counted.
    #[pyo3(get)]
    address: usize,
    #[pyo3(get)]
    requested: usize,
    #[pyo3(get)]
    allocated: usize,
}

#[pymethods]
impl PyLargest {
    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "largest_html")
    }

    /// IPython's pretty printer: the same text as `str()`.
    fn _repr_pretty_(slf: &Bound<'_, Self>, p: &Bound<'_, PyAny>, cycle: bool) -> PyResult<()> {
        render::pretty(slf.as_any(), p, cycle)
    }

    fn __repr__(&self) -> String {
        format!(
            "Largest({:?} at {:#x}, allocated={})",
            self.type_key, self.address, self.allocated
        )
    }

    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        render::call(slf.as_any(), "largest_dict")
    }
}

/// Everything reachable from one object, counted once each.
#[pyclass(frozen, module = "pyhood", name = "DeepFootprint")]
pub struct PyDeepFootprint {
    /// Allocated bytes of the counted objects (shared and not-followed ones excluded).
    #[pyo3(get)]
    total: usize,
    #[pyo3(get)]
    requested: usize,
    /// How many objects were counted.
    #[pyo3(get)]
    objects: usize,
    /// Immortal or statically allocated objects reached (not in `total`).
    #[pyo3(get)]
    shared: Py<PyTypeStat>,
    /// The walk stopped at `max_objects` (or at the hard limit).
    #[pyo3(get)]
    truncated: bool,
    /// Objects counted (and followed) whose footprint pyhood could not establish (it
    /// refused: a structure it cannot prove); their bytes are in no total.
    #[pyo3(get)]
    unmeasured: usize,
    types: Vec<(String, PyTypeStat)>,
    apart: Vec<(String, usize)>,
    largest: Vec<PyLargest>,
}

#[pymethods]
impl PyDeepFootprint {
    /// IPython's pretty printer: the same text as `str()`.
    fn _repr_pretty_(slf: &Bound<'_, Self>, p: &Bound<'_, PyAny>, cycle: bool) -> PyResult<()> {
        render::pretty(slf.as_any(), p, cycle)
    }

    /// `{type key: TypeStat}` over the counted objects.
    #[getter]
    fn by_type<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        walk::stat_dict(py, &self.types)
    }

    /// `{type key: count}` of the type objects, modules, functions and code objects reached
    /// but not followed (not in `total`).
    #[getter]
    fn not_followed<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, n) in &self.apart {
            d.set_item(k, n)?;
        }
        Ok(d)
    }

    /// The biggest counted objects, biggest first.
    #[getter]
    fn largest<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let items = self
            .largest
            .iter()
            .map(|l| Py::new(py, l.clone()))
            .collect::<PyResult<Vec<_>>>()?;
        PyTuple::new(py, items)
    }

    fn __repr__(&self) -> String {
        format!(
            "<DeepFootprint total={} requested={} objects={}{}>",
            self.total,
            self.requested,
            self.objects,
            if self.truncated { " truncated" } else { "" }
        )
    }

    fn __str__(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "deep_footprint_text")
    }

    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "deep_footprint_html")
    }

    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        render::call(slf.as_any(), "deep_footprint_dict")
    }
}

/// Where the walk is cut.
enum Stop<'py> {
    Never,
    /// Instances of these types (by `tp_mro`, no `__instancecheck__`).
    Types(Vec<Bound<'py, PyType>>),
    /// The caller's predicate: Python code, run between steps.
    Predicate(Bound<'py, PyAny>),
}

impl<'py> Stop<'py> {
    fn parse(stop: Option<&Bound<'py, PyAny>>) -> PyResult<Self> {
        let Some(s) = stop.filter(|s| !s.is_none()) else {
            return Ok(Stop::Never);
        };
        if let Ok(t) = s.cast::<PyType>() {
            return Ok(Stop::Types(vec![t.clone()]));
        }
        if let Ok(t) = s.cast::<PyTuple>() {
            let types = t
                .iter()
                .map(|x| x.cast_into::<PyType>().map_err(PyErr::from))
                .collect::<PyResult<Vec<_>>>()
                .map_err(|_| {
                    PyTypeError::new_err("stop must be a type, a tuple of types or a callable")
                })?;
            return Ok(Stop::Types(types));
        }
        if s.is_callable() {
            return Ok(Stop::Predicate(s.clone()));
        }
        Err(PyTypeError::new_err(format!(
            "stop must be a type, a tuple of types or a callable, not {}",
            rawobj::type_name(&s.get_type())
        )))
    }

    fn cuts(&self, obj: &Bound<'py, PyAny>) -> PyResult<bool> {
        match self {
            Stop::Never => Ok(false),
            Stop::Types(types) => {
                let tp = obj.get_type();
                Ok(types.iter().any(|t| rawobj::is_subtype(&tp, t)))
            }
            Stop::Predicate(f) => f.call1((obj,))?.is_truthy(),
        }
    }
}

/// `max_objects`: `None` or an int `>= 0`.
fn parse_limit(v: Option<&Bound<'_, PyAny>>) -> PyResult<usize> {
    let Some(v) = v.filter(|v| !v.is_none()) else {
        return Ok(HARD_LIMIT);
    };
    let n = crate::args::int(v, "max_objects")?;
    if n < 0 {
        return Err(PyValueError::new_err(format!(
            "max_objects must be >= 0, not {n}"
        )));
    }
    Ok((n.min(HARD_LIMIT as i128)) as usize)
}

/// Every object reachable from `obj`, each counted once, with its allocator-true footprint.
#[pyfunction]
#[pyo3(signature = (obj, *, stop = None, max_objects = None))]
pub fn deep_footprint(
    obj: &Bound<'_, PyAny>,
    stop: Option<&Bound<'_, PyAny>>,
    max_objects: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyDeepFootprint>> {
    let py = obj.py();
    let stop = Stop::parse(stop)?;
    let limit = parse_limit(max_objects)?;
    collector::snapshot(py, |paused| {
        let hold = matches!(stop, Stop::Predicate(_));
        let mut frontier = Frontier::new(py, paused, hold);
        if hold {
            // Python code runs between steps: every object is held (`Frontier`), and each
            // cost is read in a memo scope of its own (`footprint::cost`).
            walk(obj, &stop, limit, &mut frontier)
        } else {
            crate::blocks::memoised(|| walk(obj, &stop, limit, &mut frontier))
        }
    })
}

fn walk<'py>(
    root: &Bound<'py, PyAny>,
    stop: &Stop<'py>,
    limit: usize,
    frontier: &mut Frontier<'py>,
) -> PyResult<PyDeepFootprint> {
    let py = root.py();
    let mut seen = AddrBits::default();
    seen.insert(root.as_ptr() as usize);
    frontier.push(root);
    let mut tally = Tally::default();
    let mut apart = Tally::default();
    let mut shared = PyTypeStat::default();
    let (mut total, mut requested, mut objects) = (0usize, 0usize, 0usize);
    let mut largest: Vec<(usize, usize, usize, usize)> = Vec::new(); // (allocated, requested, address, slot)
    let mut truncated = false;
    let mut unmeasured = 0usize;
    let mut costs = footprint::WalkCosts::new(py);
    let mut first = true;
    while let Some(o) = frontier.pop() {
        let is_root = std::mem::take(&mut first);
        if !is_root {
            let cut = stop.cuts(&o)?;
            if matches!(stop, Stop::Predicate(_)) {
                costs.forget_blocks();
            }
            if cut {
                continue;
            }
            let kind = tally.slot(&o);
            if tally.apart(kind) {
                let i = apart.slot(&o);
                apart.bump(i);
                continue;
            }
        }
        let c = match costs.cost_or_refusal(&o)? {
            Some(c) => c,
            None => {
                unmeasured += 1;
                footprint::Cost::default()
            }
        };
        if c.shared {
            shared.add(&c);
            continue;
        }
        if objects == limit {
            truncated = true;
            break;
        }
        objects += 1;
        total += c.allocated;
        requested += c.requested;
        let slot = tally.add(&o, &c);
        if largest.len() < LARGEST || c.allocated > largest[largest.len() - 1].0 {
            let at = largest.partition_point(|l| l.0 >= c.allocated);
            largest.insert(at, (c.allocated, c.requested, o.as_ptr() as usize, slot));
            largest.truncate(LARGEST);
        }
        frontier.expand_all(&o, |addr| seen.insert(addr));
    }
    let largest = largest
        .into_iter()
        .map(|(allocated, requested, address, slot)| PyLargest {
            type_key: tally.key(slot).to_owned(),
            address,
            requested,
            allocated,
        })
        .collect();
    Ok(PyDeepFootprint {
        total,
        requested,
        objects,
        shared: Py::new(py, shared)?,
        truncated,
        unmeasured,
        types: tally.merged(),
        apart: apart
            .merged()
            .into_iter()
            .map(|(k, s)| (k, s.count))
            .collect(),
        largest,
    })
}

/// Register this module's function and classes on the native module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(deep_footprint, m)?)?;
    m.add_class::<PyDeepFootprint>()?;
    m.add_class::<PyLargest>()?;
    m.add_class::<PyTypeStat>()?;
    Ok(())
}
