//! What the heap walks share (guide §11.5 `deep_footprint`, §12.5 `census`): the type key
//! an object is counted under, the per-type tallies (`TypeStat`), and the kinds of object a
//! deep walk lists apart instead of following.
//!
//! Tests: `tests/test_11_5_deep_footprint.py`, `tests/test_12_5_census.py`; the unit tests
//! below cover the tallies' merging of types that share a key.

use std::collections::HashMap;

use pyo3::prelude::*;
use pyo3::types::{PyCode, PyDict, PyFunction, PyModule, PyString, PyType};

use crate::footprint::Cost;
use crate::raw::object as rawobj;
use crate::raw::traverse::AddrHasher;
use crate::render;

/// The key a type's objects are counted under: a static type's whole `tp_name` ("int",
/// "numpy.ndarray"); a heap type's `__module__` (from its own namespace, as a str) and
/// `__qualname__` joined by a dot ("__main__.Point"), or the qualname alone when the module
/// is "builtins" or not a str. Read from the type's own fields: no descriptor runs.
pub fn type_key(tp: &Bound<'_, PyType>) -> String {
    let Some(qualname) = rawobj::heap_type_qualname(tp) else {
        return rawobj::static_type_name(tp);
    };
    let module = rawobj::lookup_in_mro(tp, pyo3::intern!(tp.py(), "__module__"))
        .and_then(|m| m.cast_into::<PyString>().ok())
        .and_then(|m| m.to_str().map(str::to_owned).ok());
    match module {
        Some(m) if m != "builtins" => format!("{m}.{qualname}"),
        _ => qualname,
    }
}

/// Objects of one type: how many, and their bytes requested and allocated.
#[pyclass(frozen, module = "pyhood", name = "TypeStat")]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct PyTypeStat {
    #[pyo3(get)]
    pub count: usize,
    #[pyo3(get)]
    pub requested: usize,
    /// Bytes the allocator set aside for them (and the blocks they own).
    #[pyo3(get)]
    pub allocated: usize,
}

impl PyTypeStat {
    pub fn add(&mut self, c: &Cost) {
        self.count += 1;
        self.requested += c.requested;
        self.allocated += c.allocated;
    }

    fn merge(&mut self, o: &PyTypeStat) {
        self.count += o.count;
        self.requested += o.requested;
        self.allocated += o.allocated;
    }
}

#[pymethods]
impl PyTypeStat {
    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "type_stat_html")
    }

    /// IPython's pretty printer: the same text as `str()`.
    fn _repr_pretty_(slf: &Bound<'_, Self>, p: &Bound<'_, PyAny>, cycle: bool) -> PyResult<()> {
        render::pretty(slf.as_any(), p, cycle)
    }

    /// The same as `allocated`.
    #[getter]
    fn bytes(&self) -> usize {
        self.allocated
    }

    fn __repr__(&self) -> String {
        format!(
            "TypeStat(count={}, requested={}, allocated={})",
            self.count, self.requested, self.allocated
        )
    }

    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        render::call(slf.as_any(), "type_stat_dict")
    }
}

/// Per-type tallies for a walk, keyed by type address while it runs (a key string is made
/// once per type), merged by key at the end.
#[derive(Default)]
pub struct Tally {
    index: HashMap<usize, usize, std::hash::BuildHasherDefault<AddrHasher>>,
    keys: Vec<String>,
    stats: Vec<PyTypeStat>,
    /// Per slot: whether a deep walk lists the type's objects apart (`not_followed`).
    apart: Vec<bool>,
    /// A few recent types and their slots, by address bits.
    recent: [Option<(usize, usize)>; 32],
}

impl Tally {
    /// The slot of `obj`'s type.
    #[inline]
    pub fn slot(&mut self, obj: &Bound<'_, PyAny>) -> usize {
        let addr = obj.get_type_ptr() as usize;
        let way = (addr >> 4) % self.recent.len();
        match self.recent[way] {
            Some((a, i)) if a == addr => i,
            _ => self.slot_of_type(obj, addr, way),
        }
    }

    /// [`Tally::slot`] of a type not among the recent ones (made when new).
    #[cold]
    fn slot_of_type(&mut self, obj: &Bound<'_, PyAny>, addr: usize, way: usize) -> usize {
        let i = match self.index.get(&addr) {
            Some(&i) => i,
            None => {
                let i = self.keys.len();
                self.keys.push(type_key(&obj.get_type()));
                self.stats.push(PyTypeStat::default());
                self.apart.push(not_followed(obj));
                self.index.insert(addr, i);
                i
            }
        };
        self.recent[way] = Some((addr, i));
        i
    }

    /// Whether objects of slot `i`'s type are listed apart by a deep walk
    /// ([`not_followed`], asked once per type).
    pub fn apart(&self, i: usize) -> bool {
        self.apart[i]
    }

    /// Count `obj` with its cost; returns its type's slot.
    pub fn add(&mut self, obj: &Bound<'_, PyAny>, c: &Cost) -> usize {
        let i = self.slot(obj);
        self.add_to(i, c);
        i
    }

    /// Count one more object of slot `i`'s type, with its cost.
    pub fn add_to(&mut self, i: usize, c: &Cost) {
        self.stats[i].add(c);
    }

    /// Count one more object in slot `i`, with no cost (objects counted, not measured).
    pub fn bump(&mut self, i: usize) {
        self.stats[i].count += 1;
    }

    /// The key of slot `i`.
    pub fn key(&self, i: usize) -> &str {
        &self.keys[i]
    }

    /// The tallies by key (types sharing a key summed), in first-seen order; types with no
    /// object counted are left out.
    pub fn merged(&self) -> Vec<(String, PyTypeStat)> {
        let mut at: HashMap<&str, usize> = HashMap::new();
        let mut out: Vec<(String, PyTypeStat)> = Vec::new();
        for (k, s) in self.keys.iter().zip(&self.stats) {
            if s.count == 0 {
                continue; // a type only asked about (`apart`), none of its objects counted
            }
            match at.get(k.as_str()) {
                Some(&j) => out[j].1.merge(s),
                None => {
                    at.insert(k, out.len());
                    out.push((k.clone(), *s));
                }
            }
        }
        out
    }
}

/// A `{key: TypeStat}` dict of `rows`.
pub fn stat_dict<'py>(
    py: Python<'py>,
    rows: &[(String, PyTypeStat)],
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (k, s) in rows {
        d.set_item(k, Py::new(py, *s)?)?;
    }
    Ok(d)
}

/// Whether a deep walk lists `obj` apart instead of following it: type objects, modules,
/// functions and code objects are shared program structure, not the data they serve. It
/// depends on the object's type alone (`Tally::apart` asks it once per type).
fn not_followed(obj: &Bound<'_, PyAny>) -> bool {
    obj.is_instance_of::<PyType>()
        || obj.is_instance_of::<PyModule>()
        || obj.is_instance_of::<PyFunction>()
        || obj.is_instance_of::<PyCode>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_sharing_a_key_are_summed_in_first_seen_order() {
        let mut t = Tally::default();
        for (addr, key, n) in [(16, "a.P", 1), (32, "int", 2), (48, "a.P", 3)] {
            t.index.insert(addr, t.keys.len());
            t.keys.push(key.into());
            t.apart.push(false);
            t.stats.push(PyTypeStat {
                count: n,
                requested: 10 * n,
                allocated: 16 * n,
            });
        }
        let m = t.merged();
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].0, "a.P");
        assert_eq!(
            m[0].1,
            PyTypeStat {
                count: 4,
                requested: 40,
                allocated: 64
            }
        );
        assert_eq!(m[1].1.count, 2);
    }
}
