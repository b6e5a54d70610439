//! `pyhood.obmalloc_stats()`: pymalloc's arenas, pools and size classes as data (guide §12.1).
//!
//! The figures are the ones `sys._debugmallocstats()` prints: pyhood runs the same C function,
//! `_PyObject_DebugMallocStats`, into a memory buffer (`raw::debugstats`) and parses its text
//! here, in safe code. The parser knows the exact shape of that report (identical on
//! 3.10–3.15) and refuses — `pyhood.LayoutError` — any text that does not have it, rather
//! than return a number it is not sure of. It also re-checks the sums the C code computes
//! (bytes per size class, the arena total), so a misread column cannot go unnoticed.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::errors;
use crate::raw::debugstats::{self, CaptureError};

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
fn obmalloc_stats(py: Python<'_>) -> PyResult<PyObmallocStats> {
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
    fn __repr__(&self) -> String {
        format!(
            "SizeClass(index={}, size={}, pools={}, blocks_in_use={}, free_blocks={})",
            self.index, self.size, self.pools, self.blocks_in_use, self.free_blocks
        )
    }

    /// A JSON-ready dict of the five figures.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("index", self.index)?;
        d.set_item("size", self.size)?;
        d.set_item("pools", self.pools)?;
        d.set_item("blocks_in_use", self.blocks_in_use)?;
        d.set_item("free_blocks", self.free_blocks)?;
        Ok(d)
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
    fn __str__(&self, py: Python<'_>) -> PyResult<String> {
        let f = &self.figures;
        let mut s = format!(
            "pymalloc: {} arenas of {} bytes in use ({} allocated in total, {} reclaimed, \
             highwater {})\n\
             pools of {} bytes; requests up to {} bytes in {} size classes, {} bytes apart\n",
            f.arenas_in_use,
            group(f.arena_size),
            f.arenas_allocated_total,
            f.arenas_reclaimed,
            f.arenas_highwater,
            group(f.pool_size),
            f.small_request_threshold,
            f.num_size_classes,
            f.alignment,
        );
        s.push_str("  class  size  pools  blocks in use  free blocks\n");
        for c in self.size_classes.bind(py).iter() {
            let c = c.cast_into::<PySizeClass>()?;
            let c = c.get();
            s.push_str(&format!(
                "  {:>5}  {:>4}  {:>5}  {:>13}  {:>11}\n",
                c.index,
                c.size,
                c.pools,
                group(c.blocks_in_use),
                group(c.free_blocks)
            ));
        }
        let unused = format!("unused pools ({})", f.unused_pools);
        let rows: [(&str, u64); 7] = [
            ("bytes in allocated blocks", f.bytes_in_allocated_blocks),
            ("bytes in available blocks", f.bytes_in_available_blocks),
            (&unused, f.unused_pools_bytes),
            ("lost to pool headers", f.pool_headers_bytes),
            ("lost to quantization", f.quantization_bytes),
            ("lost to arena alignment", f.arena_alignment_bytes),
            ("total", f.total),
        ];
        for (label, value) in rows {
            s.push_str(&format!("  {label:<26}{:>15}\n", group(value)));
        }
        if let Some(bytes) = f.arena_map_bytes.or(f.arena_map_root_bytes) {
            s.push_str(&format!("  {:<26}{:>15}\n", "arena map", group(bytes)));
        }
        s.pop();
        Ok(s)
    }

    /// A JSON-ready dict: every figure, and `size_classes` as a list of dicts.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let f = &self.figures;
        let d = PyDict::new(py);
        for (key, value) in f.required() {
            d.set_item(key, value)?;
        }
        for (key, value) in f.optional() {
            d.set_item(key, value)?;
        }
        let classes = PyList::empty(py);
        for c in self.size_classes.bind(py).iter() {
            classes.append(c.cast_into::<PySizeClass>()?.get().to_dict(py)?)?;
        }
        d.set_item("size_classes", classes)?;
        Ok(d)
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

// ---------------------------------------------------------------------------------------
// The parser (pure Rust, unit-tested below)

/// Every figure of the report except the size-class table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    pub arena_size: u64,
    pub pool_size: u64,
    pub alignment: u64,
    pub small_request_threshold: u64,
    pub num_size_classes: u64,
    pub arenas_allocated_total: u64,
    pub arenas_reclaimed: u64,
    pub arenas_highwater: u64,
    pub arenas_in_use: u64,
    pub bytes_in_allocated_blocks: u64,
    pub bytes_in_available_blocks: u64,
    pub unused_pools: u64,
    pub unused_pools_bytes: u64,
    pub pool_headers_bytes: u64,
    pub quantization_bytes: u64,
    pub arena_alignment_bytes: u64,
    pub total: u64,
    pub malloc_calls: Option<u64>,
    pub arena_map_mid_nodes: Option<u64>,
    pub arena_map_bot_nodes: Option<u64>,
    pub arena_map_root_bytes: Option<u64>,
    pub arena_map_mid_bytes: Option<u64>,
    pub arena_map_bot_bytes: Option<u64>,
    pub arena_map_bytes: Option<u64>,
}

impl Figures {
    fn required(&self) -> [(&'static str, u64); 17] {
        [
            ("arena_size", self.arena_size),
            ("pool_size", self.pool_size),
            ("alignment", self.alignment),
            ("small_request_threshold", self.small_request_threshold),
            ("num_size_classes", self.num_size_classes),
            ("arenas_allocated_total", self.arenas_allocated_total),
            ("arenas_reclaimed", self.arenas_reclaimed),
            ("arenas_highwater", self.arenas_highwater),
            ("arenas_in_use", self.arenas_in_use),
            ("bytes_in_allocated_blocks", self.bytes_in_allocated_blocks),
            ("bytes_in_available_blocks", self.bytes_in_available_blocks),
            ("unused_pools", self.unused_pools),
            ("unused_pools_bytes", self.unused_pools_bytes),
            ("pool_headers_bytes", self.pool_headers_bytes),
            ("quantization_bytes", self.quantization_bytes),
            ("arena_alignment_bytes", self.arena_alignment_bytes),
            ("total", self.total),
        ]
    }

    fn optional(&self) -> [(&'static str, Option<u64>); 7] {
        [
            ("malloc_calls", self.malloc_calls),
            ("arena_map_mid_nodes", self.arena_map_mid_nodes),
            ("arena_map_bot_nodes", self.arena_map_bot_nodes),
            ("arena_map_root_bytes", self.arena_map_root_bytes),
            ("arena_map_mid_bytes", self.arena_map_mid_bytes),
            ("arena_map_bot_bytes", self.arena_map_bot_bytes),
            ("arena_map_bytes", self.arena_map_bytes),
        ]
    }
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub figures: Figures,
    pub classes: Vec<PySizeClass>,
}

/// Why a report could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// The report is another allocator's (mimalloc prints its own, different statistics).
    NotPymalloc(&'static str),
    /// The text does not have the shape of pymalloc's report.
    Format(String),
}

fn bad(msg: impl Into<String>) -> ParseError {
    ParseError::Format(msg.into())
}

/// `"1,358,992"` → 1358992; digits and commas only.
fn number(text: &str) -> Result<u64, ParseError> {
    let t = text.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit() || b == b',') {
        return Err(bad(format!("{t:?} is not a number")));
    }
    t.replace(',', "")
        .parse()
        .map_err(|_| bad(format!("{t:?} does not fit in 64 bits")))
}

/// `"<n> <middle> <s> <suffix>"` such as `"2 arenas * 1048576 bytes/arena"` → (n, s).
fn product(label: &str, middle: &str, suffix: &str) -> Option<(u64, u64)> {
    let (n, rest) = label.split_once(' ')?;
    let rest = rest.strip_prefix(middle)?.strip_prefix(' ')?;
    let (s, rest) = rest.split_once(' ')?;
    if rest != suffix {
        return None;
    }
    Some((number(n).ok()?, number(s).ok()?))
}

/// Set a figure once; a second line with the same label is an error.
fn put(slot: &mut Option<u64>, value: u64, label: &str) -> Result<(), ParseError> {
    if slot.replace(value).is_some() {
        return Err(bad(format!("the line {label:?} appears twice")));
    }
    Ok(())
}

fn need(slot: Option<u64>, label: &str) -> Result<u64, ParseError> {
    slot.ok_or_else(|| bad(format!("no line {label:?}")))
}

/// The labels of the main section, in the order the C code prints them.
const ARENAS_TOTAL: &str = "# arenas allocated total";
const ARENAS_RECLAIMED: &str = "# arenas reclaimed";
const ARENAS_HIGHWATER: &str = "# arenas highwater mark";
const ARENAS_CURRENT: &str = "# arenas allocated current";
const ALLOCATED: &str = "# bytes in allocated blocks";
const AVAILABLE: &str = "# bytes in available blocks";
const POOL_HEADERS: &str = "# bytes lost to pool headers";
const QUANTIZATION: &str = "# bytes lost to quantization";
const ARENA_ALIGNMENT: &str = "# bytes lost to arena alignment";
const MALLOC_CALLS: &str = "# times object malloc called";
const TOTAL: &str = "Total";
const TABLE_HEADER: &str = "class size num pools blocks in use avail blocks";
const MAP_HEADING: &str = "arena map counts";

/// Parse the text `_PyObject_DebugMallocStats` writes (Objects/obmalloc.c, 3.10–3.15).
pub fn parse(text: &str) -> Result<Parsed, ParseError> {
    let mut lines = text.lines().map(str::trim_end);
    // mimalloc (3.13+) prints a report of its own under the same function.
    if text
        .lines()
        .any(|l| l.starts_with("Medium block threshold"))
    {
        return Err(ParseError::NotPymalloc(
            "the report is mimalloc's, not pymalloc's",
        ));
    }

    // "Small block threshold = 512, in 32 size classes."
    let first = lines.next().unwrap_or_default();
    let (threshold, classes) = first
        .strip_prefix("Small block threshold = ")
        .and_then(|r| r.strip_suffix(" size classes."))
        .and_then(|r| r.split_once(", in "))
        .ok_or_else(|| bad(format!("first line {first:?}")))?;
    let threshold = number(threshold)?;
    let num_classes = number(classes)?;
    if num_classes == 0 || threshold % num_classes != 0 {
        return Err(bad(format!("first line {first:?}")));
    }
    let alignment = threshold / num_classes;

    // The size-class table: a header, a rule, then one row per class with pools.
    let mut found_header = false;
    for line in lines.by_ref() {
        if line.split_whitespace().collect::<Vec<_>>().join(" ") == TABLE_HEADER {
            found_header = true;
            break;
        }
    }
    if !found_header {
        return Err(bad("no size-class table header"));
    }
    match lines.next() {
        Some(rule) if !rule.trim().is_empty() && rule.chars().all(|c| c == '-' || c == ' ') => {}
        other => return Err(bad(format!("the table header is followed by {other:?}"))),
    }
    let mut rows: Vec<PySizeClass> = Vec::new();
    for line in lines.by_ref() {
        if line.trim().is_empty() {
            break;
        }
        let cells: Vec<&str> = line.split_whitespace().collect();
        if cells.len() != 5 {
            return Err(bad(format!("size-class row {line:?}")));
        }
        let n = cells
            .iter()
            .map(|c| number(c))
            .collect::<Result<Vec<_>, _>>()?;
        let row = PySizeClass {
            index: n[0],
            size: n[1],
            pools: n[2],
            blocks_in_use: n[3],
            free_blocks: n[4],
        };
        if row.index >= num_classes || rows.last().is_some_and(|p| p.index >= row.index) {
            return Err(bad(format!("size-class row {line:?} is out of order")));
        }
        rows.push(row);
    }

    // "label = value" lines; the arena map's section has a "Total" of its own.
    let mut main: [Option<u64>; 11] = [None; 11];
    let [total_arenas, reclaimed, highwater, current, allocated, available, headers, quant, align, total, calls] =
        &mut main;
    let mut arenas: Option<(u64, u64, u64)> = None;
    let mut unused: Option<(u64, u64, u64)> = None;
    let mut map: [Option<u64>; 6] = [None; 6];
    let mut in_map = false;
    for line in lines {
        if line.trim() == MAP_HEADING {
            in_map = true;
            continue;
        }
        let Some((label, value)) = line.rsplit_once('=') else {
            continue;
        };
        let label = label.trim();
        let value = number(value).map_err(|e| match e {
            ParseError::Format(m) => bad(format!("{m} in line {line:?}")),
            other => other,
        })?;
        if in_map {
            let slot = match label {
                "# arena map mid nodes" => &mut map[0],
                "# arena map bot nodes" => &mut map[1],
                "# bytes lost to arena map root" => &mut map[2],
                "# bytes lost to arena map mid" => &mut map[3],
                "# bytes lost to arena map bot" => &mut map[4],
                TOTAL => &mut map[5],
                _ => continue,
            };
            put(slot, value, label)?;
            continue;
        }
        let slot = match label {
            ARENAS_TOTAL => &mut *total_arenas,
            ARENAS_RECLAIMED => &mut *reclaimed,
            ARENAS_HIGHWATER => &mut *highwater,
            ARENAS_CURRENT => &mut *current,
            ALLOCATED => &mut *allocated,
            AVAILABLE => &mut *available,
            POOL_HEADERS => &mut *headers,
            QUANTIZATION => &mut *quant,
            ARENA_ALIGNMENT => &mut *align,
            TOTAL => &mut *total,
            MALLOC_CALLS => &mut *calls,
            _ => {
                if let Some((n, s)) = product(label, "arenas *", "bytes/arena") {
                    if arenas.replace((n, s, value)).is_some() {
                        return Err(bad(format!("the line {label:?} appears twice")));
                    }
                } else if let Some((n, s)) = product(label, "unused pools *", "bytes") {
                    if unused.replace((n, s, value)).is_some() {
                        return Err(bad(format!("the line {label:?} appears twice")));
                    }
                }
                continue;
            }
        };
        put(slot, value, label)?;
    }

    let (arena_count, arena_size, arena_bytes) =
        arenas.ok_or_else(|| bad("no line \"N arenas * S bytes/arena\""))?;
    let (unused_pools, pool_size, unused_bytes) =
        unused.ok_or_else(|| bad("no line \"N unused pools * S bytes\""))?;
    let figures = Figures {
        arena_size,
        pool_size,
        alignment,
        small_request_threshold: threshold,
        num_size_classes: num_classes,
        arenas_allocated_total: need(*total_arenas, ARENAS_TOTAL)?,
        arenas_reclaimed: need(*reclaimed, ARENAS_RECLAIMED)?,
        arenas_highwater: need(*highwater, ARENAS_HIGHWATER)?,
        arenas_in_use: need(*current, ARENAS_CURRENT)?,
        bytes_in_allocated_blocks: need(*allocated, ALLOCATED)?,
        bytes_in_available_blocks: need(*available, AVAILABLE)?,
        unused_pools,
        unused_pools_bytes: unused_bytes,
        pool_headers_bytes: need(*headers, POOL_HEADERS)?,
        quantization_bytes: need(*quant, QUANTIZATION)?,
        arena_alignment_bytes: need(*align, ARENA_ALIGNMENT)?,
        total: need(*total, TOTAL)?,
        malloc_calls: *calls,
        arena_map_mid_nodes: map[0],
        arena_map_bot_nodes: map[1],
        arena_map_root_bytes: map[2],
        arena_map_mid_bytes: map[3],
        arena_map_bot_bytes: map[4],
        arena_map_bytes: map[5],
    };
    check(&figures, &rows, arena_count, arena_bytes)?;
    Ok(Parsed {
        figures,
        classes: rows,
    })
}

/// The sums the C code computes from the same numbers it prints: if one does not hold, a
/// line was misread.
fn check(
    f: &Figures,
    rows: &[PySizeClass],
    arena_count: u64,
    arena_bytes: u64,
) -> Result<(), ParseError> {
    // u128: a damaged report must give an error, not an overflow.
    let wide = |n: u64| n as u128;
    let sum =
        |g: fn(&PySizeClass) -> u64| rows.iter().map(|c| wide(g(c)) * wide(c.size)).sum::<u128>();
    let parts = [
        f.bytes_in_allocated_blocks,
        f.bytes_in_available_blocks,
        f.unused_pools_bytes,
        f.pool_headers_bytes,
        f.quantization_bytes,
        f.arena_alignment_bytes,
    ];
    let checks = [
        (
            arena_count == f.arenas_in_use,
            "the arena count differs from \"# arenas allocated current\"",
        ),
        (
            wide(arena_bytes) == wide(arena_count) * wide(f.arena_size),
            "arenas * bytes/arena is not the product printed",
        ),
        (
            wide(f.unused_pools_bytes) == wide(f.unused_pools) * wide(f.pool_size),
            "unused pools * bytes is not the product printed",
        ),
        (
            wide(f.total) == parts.iter().map(|&p| wide(p)).sum::<u128>(),
            "\"Total\" is not the sum of the six byte counts",
        ),
        (
            wide(f.bytes_in_allocated_blocks) == sum(|c| c.blocks_in_use),
            "\"# bytes in allocated blocks\" is not the sum of blocks in use * size",
        ),
        (
            wide(f.bytes_in_available_blocks) == sum(|c| c.free_blocks),
            "\"# bytes in available blocks\" is not the sum of avail blocks * size",
        ),
    ];
    for (ok, what) in checks {
        if !ok {
            return Err(bad(what));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Captured from `sys._debugmallocstats()` on CPython 3.12.1 (stderr, up to the free lists).
    const SAMPLE: &str = "Small block threshold = 512, in 32 size classes.

class   size   num pools   blocks in use  avail blocks
-----   ----   ---------   -------------  ------------
    0     16           1              27           994
    1     32           1             492            18
   31    512           1              26             5

# arenas allocated total           =                    2
# arenas reclaimed                 =                    0
# arenas highwater mark            =                    2
# arenas allocated current         =                    2
2 arenas * 1048576 bytes/arena     =            2,097,152

# bytes in allocated blocks        =               29,488
# bytes in available blocks        =               19,040
124 unused pools * 16384 bytes     =            2,031,616
# bytes lost to pool headers       =                  144
# bytes lost to quantization       =                  480
# bytes lost to arena alignment    =               16,384
Total                              =            2,097,152

arena map counts
# arena map mid nodes              =                    1
# arena map bot nodes              =                    1

# bytes lost to arena map root     =              262,144
# bytes lost to arena map mid      =              262,144
# bytes lost to arena map bot      =              131,072
Total                              =              655,360
";

    #[test]
    fn parses_every_figure() {
        let p = parse(SAMPLE).unwrap();
        let f = &p.figures;
        assert_eq!(
            (
                f.arena_size,
                f.pool_size,
                f.alignment,
                f.small_request_threshold
            ),
            (1 << 20, 16384, 16, 512)
        );
        assert_eq!(
            (f.arenas_in_use, f.unused_pools, f.total),
            (2, 124, 2_097_152)
        );
        assert_eq!(f.arena_map_bytes, Some(655_360));
        assert_eq!(f.malloc_calls, None);
        assert_eq!(p.classes.len(), 3);
        assert_eq!(
            p.classes[2],
            PySizeClass {
                index: 31,
                size: 512,
                pools: 1,
                blocks_in_use: 26,
                free_blocks: 5
            }
        );
    }

    #[test]
    fn refuses_missing_lines_and_wrong_sums() {
        let without = SAMPLE.replace("# arenas reclaimed", "# arenas recycled");
        assert_eq!(parse(&without), Err(bad("no line \"# arenas reclaimed\"")));
        let wrong = SAMPLE.replace("27           994", "28           994");
        assert!(matches!(parse(&wrong), Err(ParseError::Format(_))));
        assert!(matches!(parse(""), Err(ParseError::Format(_))));
        let twice = SAMPLE.replace("# arenas reclaimed", "# arenas highwater mark");
        assert!(matches!(parse(&twice), Err(ParseError::Format(_))));
    }

    #[test]
    fn huge_numbers_are_an_error_not_an_overflow() {
        let huge = SAMPLE.replace(
            "    0     16           1              27           994",
            "    0     16           1  18446744073709551615           994",
        );
        assert!(matches!(parse(&huge), Err(ParseError::Format(_))));
        let too_big = SAMPLE.replace("=                    2\n", "= 99999999999999999999999\n");
        assert!(matches!(parse(&too_big), Err(ParseError::Format(_))));
    }

    #[test]
    fn recognises_mimalloc() {
        let mi =
            "Small block threshold = 16384, in 73 size classes.\nMedium block threshold = 131072\n";
        assert!(matches!(parse(mi), Err(ParseError::NotPymalloc(_))));
    }

    #[test]
    fn groups_digits() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(2_097_152), "2,097,152");
    }
}
