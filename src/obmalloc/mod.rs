//! `pyhood.obmalloc_stats()`: pymalloc's arenas, pools and size classes as data (guide §12.1).
//!
//! The figures are the ones `sys._debugmallocstats()` prints: pyhood runs the same C function,
//! `_PyObject_DebugMallocStats`, into a memory buffer (`raw::debugstats`) and parses its text
//! in safe code (`report`). This module holds the Python-facing data classes (`SizeClass`,
//! `ObmallocStats`) built from the parsed figures, `obmalloc_stats` and the test hook
//! `_obmalloc_stats_from_text`, and turns the parser's refusals into pyhood's errors.
//!
//! Their text and dict renderings are in `pyhood._render` (`obmalloc_text`, `obmalloc_dict`,
//! `size_class_dict`).
//!
//! Tests: `tests/test_12_1_obmalloc.py`; the unit tests below cover the digit grouping of
//! the `repr`, `report`'s cover the parser.

mod report;

use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::errors;
use crate::raw::debugstats::{self, CaptureError};
use crate::render;
use report::{parse, Figures, ParseError, Parsed};

/// Register this module's functions and classes on the native module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(obmalloc_stats, m)?)?;
    m.add_function(wrap_pyfunction!(_obmalloc_stats_from_text, m)?)?;
    m.add_class::<PyObmallocStats>()?;
    m.add_class::<PySizeClass>()?;
    Ok(())
}

/// pymalloc's statistics right now: arenas, pools, size classes and where the bytes go.
///
/// The figures `sys._debugmallocstats()` prints, as a frozen snapshot. Raises
/// `pyhood.AllocatorError` when pymalloc is not the object allocator (`PYTHONMALLOC=malloc`,
/// mimalloc).
#[pyfunction]
fn obmalloc_stats(py: Python<'_>) -> PyResult<Py<PyObmallocStats>> {
    crate::raw::collector::snapshot(py, |_| stats(py))
}

fn stats(py: Python<'_>) -> PyResult<PyObmallocStats> {
    let report = debugstats::capture(py).map_err(|e| match e {
        CaptureError::Missing => errors::pyhood_error(
            "this interpreter does not export _PyObject_DebugMallocStats, so pyhood cannot \
             read pymalloc's statistics"
                .to_owned(),
        ),
        CaptureError::Stream(why) => errors::pyhood_error(why),
    })?;
    if !report.written {
        return Err(errors::allocator_error(not_pymalloc(
            "_PyObject_DebugMallocStats() reported that pymalloc is not in use",
        )));
    }
    from_text(py, &report.text)
}

/// Parse a report in the format `sys._debugmallocstats()` prints (for tests: the text of
/// another process, or a damaged one). Everything after the pymalloc part is ignored.
#[pyfunction]
fn _obmalloc_stats_from_text(py: Python<'_>, text: &str) -> PyResult<PyObmallocStats> {
    from_text(py, text)
}

fn from_text(py: Python<'_>, text: &str) -> PyResult<PyObmallocStats> {
    let parsed = parse(text).map_err(|e| match e {
        ParseError::NotPymalloc(why) => errors::allocator_error(not_pymalloc(why)),
        ParseError::Format(why) => errors::layout_error(format!(
            "pymalloc's statistics do not have the expected shape ({why}); pyhood refuses \
             to guess their meaning"
        )),
    })?;
    PyObmallocStats::new(py, parsed)
}

fn not_pymalloc(why: &str) -> String {
    let env = match std::env::var("PYTHONMALLOC") {
        Ok(v) if !v.is_empty() => format!(" (PYTHONMALLOC={v})"),
        _ => String::new(),
    };
    format!(
        "pymalloc is not the active object allocator{env}: {why}, so there are no pymalloc \
         arenas, pools or size classes to report"
    )
}

// ---------------------------------------------------------------------------------------
// Python classes

/// One pymalloc size class: the pools that serve requests of `size - alignment + 1` to
/// `size` bytes, and their blocks.
#[pyclass(frozen, module = "pyhood", name = "SizeClass")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PySizeClass {
    /// The class index `i`: requests of `n` bytes use class `(n - 1) // alignment`.
    #[pyo3(get)]
    pub index: u64,
    /// Block size in bytes: `(index + 1) * alignment`.
    #[pyo3(get)]
    pub size: u64,
    /// Pools of this class that hold at least one allocated block.
    #[pyo3(get)]
    pub pools: u64,
    /// Allocated blocks in those pools.
    #[pyo3(get)]
    pub blocks_in_use: u64,
    /// Free blocks in those pools (the "avail blocks" column).
    #[pyo3(get)]
    pub free_blocks: u64,
}

#[pymethods]
impl PySizeClass {
    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "size_class_html")
    }

    /// IPython's pretty printer: the same text as `str()`.
    fn _repr_pretty_(slf: &Bound<'_, Self>, p: &Bound<'_, PyAny>, cycle: bool) -> PyResult<()> {
        render::pretty(slf.as_any(), p, cycle)
    }

    fn __repr__(&self) -> String {
        format!(
            "SizeClass(index={}, size={}, pools={}, blocks_in_use={}, free_blocks={})",
            self.index, self.size, self.pools, self.blocks_in_use, self.free_blocks
        )
    }

    /// A JSON-ready dict of the five figures.
    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        render::call(slf.as_any(), "size_class_dict")
    }
}

/// A snapshot of pymalloc's statistics: what `sys._debugmallocstats()` prints, as data.
#[pyclass(frozen, module = "pyhood", name = "ObmallocStats")]
pub struct PyObmallocStats {
    figures: Figures,
    /// The size classes that have pools, by index: a tuple of `SizeClass`.
    #[pyo3(get)]
    size_classes: Py<PyTuple>,
}

impl PyObmallocStats {
    fn new(py: Python<'_>, parsed: Parsed) -> PyResult<Self> {
        let classes = parsed
            .classes
            .into_iter()
            .map(|c| Py::new(py, c))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(Self {
            figures: parsed.figures,
            size_classes: PyTuple::new(py, classes)?.unbind(),
        })
    }
}

#[pymethods]
impl PyObmallocStats {
    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "obmalloc_html")
    }

    /// IPython's pretty printer: the same text as `str()`.
    fn _repr_pretty_(slf: &Bound<'_, Self>, p: &Bound<'_, PyAny>, cycle: bool) -> PyResult<()> {
        render::pretty(slf.as_any(), p, cycle)
    }

    /// `ARENA_SIZE`: bytes in one arena (from "N arenas * S bytes/arena").
    #[getter]
    fn arena_size(&self) -> u64 {
        self.figures.arena_size
    }
    /// `POOL_SIZE`: bytes in one pool (from "N unused pools * S bytes").
    #[getter]
    fn pool_size(&self) -> u64 {
        self.figures.pool_size
    }
    /// `ALIGNMENT`: the step between size classes, `small_request_threshold // classes`.
    #[getter]
    fn alignment(&self) -> u64 {
        self.figures.alignment
    }
    /// `SMALL_REQUEST_THRESHOLD`: larger requests bypass pymalloc and go to `malloc`.
    #[getter]
    fn small_request_threshold(&self) -> u64 {
        self.figures.small_request_threshold
    }
    /// How many size classes pymalloc has (`small_request_threshold // alignment`).
    #[getter]
    fn num_size_classes(&self) -> u64 {
        self.figures.num_size_classes
    }
    /// Arenas allocated since the interpreter started ("# arenas allocated total").
    #[getter]
    fn arenas_allocated_total(&self) -> u64 {
        self.figures.arenas_allocated_total
    }
    /// Arenas returned to the system ("# arenas reclaimed").
    #[getter]
    fn arenas_reclaimed(&self) -> u64 {
        self.figures.arenas_reclaimed
    }
    /// Most arenas ever held at once ("# arenas highwater mark").
    #[getter]
    fn arenas_highwater(&self) -> u64 {
        self.figures.arenas_highwater
    }
    /// Arenas held now ("# arenas allocated current").
    #[getter]
    fn arenas_in_use(&self) -> u64 {
        self.figures.arenas_in_use
    }
    /// Bytes in allocated blocks: `sum(c.blocks_in_use * c.size)`.
    #[getter]
    fn bytes_in_allocated_blocks(&self) -> u64 {
        self.figures.bytes_in_allocated_blocks
    }
    /// Bytes in free blocks of pools in use: `sum(c.free_blocks * c.size)`.
    #[getter]
    fn bytes_in_available_blocks(&self) -> u64 {
        self.figures.bytes_in_available_blocks
    }
    /// Pools in the arenas that hold no block (free, or not yet carved out).
    #[getter]
    fn unused_pools(&self) -> u64 {
        self.figures.unused_pools
    }
    /// Bytes in those pools: `unused_pools * pool_size`.
    #[getter]
    fn unused_pools_bytes(&self) -> u64 {
        self.figures.unused_pools_bytes
    }
    /// Bytes taken by the headers of pools in use ("# bytes lost to pool headers").
    #[getter]
    fn pool_headers_bytes(&self) -> u64 {
        self.figures.pool_headers_bytes
    }
    /// Bytes at the ends of pools too small for one more block ("lost to quantization").
    #[getter]
    fn quantization_bytes(&self) -> u64 {
        self.figures.quantization_bytes
    }
    /// Bytes skipped to align arenas to the pool size ("lost to arena alignment").
    #[getter]
    fn arena_alignment_bytes(&self) -> u64 {
        self.figures.arena_alignment_bytes
    }
    /// The sum of the six byte counts above; equals `arenas_in_use * arena_size`.
    #[getter]
    fn total(&self) -> u64 {
        self.figures.total
    }
    /// "# times object malloc called": printed by debug builds (`Py_DEBUG`) only, else None.
    #[getter]
    fn malloc_calls(&self) -> Option<u64> {
        self.figures.malloc_calls
    }
    /// Interior nodes of the arena map (radix tree) at its middle level, if printed.
    #[getter]
    fn arena_map_mid_nodes(&self) -> Option<u64> {
        self.figures.arena_map_mid_nodes
    }
    /// Interior nodes of the arena map at its bottom level, if printed.
    #[getter]
    fn arena_map_bot_nodes(&self) -> Option<u64> {
        self.figures.arena_map_bot_nodes
    }
    /// Bytes of the arena map's root node ("# bytes lost to arena map root"), if printed.
    #[getter]
    fn arena_map_root_bytes(&self) -> Option<u64> {
        self.figures.arena_map_root_bytes
    }
    /// Bytes of its middle-level nodes, if printed.
    #[getter]
    fn arena_map_mid_bytes(&self) -> Option<u64> {
        self.figures.arena_map_mid_bytes
    }
    /// Bytes of its bottom-level nodes, if printed.
    #[getter]
    fn arena_map_bot_bytes(&self) -> Option<u64> {
        self.figures.arena_map_bot_bytes
    }
    /// The arena map's "Total": root + mid + bot bytes, if printed.
    #[getter]
    fn arena_map_bytes(&self) -> Option<u64> {
        self.figures.arena_map_bytes
    }
    /// Pools holding at least one block: `sum(c.pools)`.
    #[getter]
    fn pools_in_use(&self, py: Python<'_>) -> PyResult<u64> {
        self.sum(py, |c| c.pools)
    }
    /// Blocks allocated from pymalloc: `sum(c.blocks_in_use)`.
    #[getter]
    fn blocks_in_use(&self, py: Python<'_>) -> PyResult<u64> {
        self.sum(py, |c| c.blocks_in_use)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let f = &self.figures;
        Ok(format!(
            "<ObmallocStats: {} arenas of {} bytes in use (highwater {}), {} pools in use in {} \
             size classes, {} bytes in allocated blocks>",
            f.arenas_in_use,
            group(f.arena_size),
            f.arenas_highwater,
            self.pools_in_use(py)?,
            self.size_classes.bind(py).len(),
            group(f.bytes_in_allocated_blocks),
        ))
    }

    /// A compact table: the arenas, then one row per size class, then where the bytes go.
    fn __str__(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "obmalloc_text")
    }

    /// A JSON-ready dict: every figure, and `size_classes` as a list of dicts.
    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        render::call(slf.as_any(), "obmalloc_dict")
    }
}

impl PyObmallocStats {
    fn sum(&self, py: Python<'_>, what: impl Fn(&PySizeClass) -> u64) -> PyResult<u64> {
        let mut total = 0u64;
        for c in self.size_classes.bind(py).iter() {
            total = total.saturating_add(what(c.cast_into::<PySizeClass>()?.get()));
        }
        Ok(total)
    }
}

/// `1234567` → `"1,234,567"`, as `sys._debugmallocstats()` prints numbers.
fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Bytes in pymalloc's allocated blocks right now (`# bytes in allocated blocks` of the
/// report), or `None` when pymalloc is not the allocator or its report cannot be read.
/// For `census`'s cross-check.
pub fn bytes_in_allocated_blocks(py: Python<'_>) -> Option<u64> {
    let report = debugstats::capture(py).ok()?;
    if !report.written {
        return None;
    }
    parse(&report.text)
        .ok()
        .map(|p| p.figures.bytes_in_allocated_blocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_digits() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(2_097_152), "2,097,152");
    }
}
