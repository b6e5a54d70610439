//! `pyhood.block_info(obj)` and `pyhood.footprint(obj)`: where an object's memory comes
//! from and what it really costs once allocator rounding and owned buffers count
//! (guide §10.2–10.4, §12.1).

use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::cpython::obmalloc::{
    pool_header, POOL_OVERHEAD, POOL_SIZE, PYMALLOC_ALIGNMENT, SMALL_REQUEST_THRESHOLD,
};
use crate::errors;
use crate::layout::{self, read_err, PyLayout};
use crate::raw::alloc as rawalloc;
use crate::raw::mem::Snapshot;

/// Debug hooks (`PYTHONMALLOC=*_debug`) put two words before every block (requested size;
/// API id and forbidden bytes) and one after it (forbidden bytes): `_PyMem_DebugRawAlloc`,
/// `Objects/obmalloc.c` v3.10.13–v3.15.2, `total = nbytes + 3*SST` (the serial-number word
/// only exists with `PYMEM_DEBUG_SERIALNO`, off by default).
const DEBUG_HEAD: usize = 2 * 8;
const DEBUG_PAD: usize = 3 * 8;

/// Where one allocation lives.
#[pyclass(frozen, module = "pyhood", name = "BlockInfo")]
#[derive(Clone)]
pub struct PyBlockInfo {
    /// "pymalloc", "malloc", "static", or "mimalloc".
    #[pyo3(get)]
    pub domain: &'static str,
    /// Start of the allocation (pre-header included; debug hooks' header excluded).
    #[pyo3(get)]
    pub block_address: usize,
    /// Bytes requested from the allocator (what the object's layout spans).
    #[pyo3(get)]
    pub requested: usize,
    /// Bytes the allocator set aside: the pymalloc size class, or malloc's usable size.
    #[pyo3(get)]
    pub block_size: Option<usize>,
    /// Whether debug hooks wrap the block (`PYTHONMALLOC=..._debug`).
    #[pyo3(get)]
    pub debug_hooks: bool,
    #[pyo3(get)]
    pub pool_address: Option<usize>,
    #[pyo3(get)]
    pub size_class: Option<u32>,
    #[pyo3(get)]
    pub pool_blocks_in_use: Option<u32>,
    #[pyo3(get)]
    pub pool_capacity: Option<u32>,
    #[pyo3(get)]
    pub arena_index: Option<u32>,
}

#[pymethods]
impl PyBlockInfo {
    fn __repr__(&self) -> String {
        let mut s = format!(
            "<BlockInfo {} block at {:#x}: requested {} bytes",
            self.domain, self.block_address, self.requested
        );
        if let Some(b) = self.block_size {
            s.push_str(&format!(", block {b} bytes"));
        }
        if let (Some(p), Some(c), Some(u), Some(cap)) = (
            self.pool_address,
            self.size_class,
            self.pool_blocks_in_use,
            self.pool_capacity,
        ) {
            s.push_str(&format!(
                ", size class {c}, pool {p:#x} ({u}/{cap} blocks in use)"
            ));
        }
        if self.debug_hooks {
            s.push_str(", debug hooks");
        }
        s.push('>');
        s
    }
}

/// Classify the allocation `[block_address, block_address + requested)`.
pub fn classify(
    py: Python<'_>,
    block_address: usize,
    requested: usize,
    static_hint: bool,
) -> PyResult<PyBlockInfo> {
    let mut info = PyBlockInfo {
        domain: "static",
        block_address,
        requested,
        block_size: Some(requested),
        debug_hooks: false,
        pool_address: None,
        size_class: None,
        pool_blocks_in_use: None,
        pool_capacity: None,
        arena_index: None,
    };
    if static_hint || rawalloc::in_loaded_image(block_address) {
        return Ok(info);
    }
    let name = rawalloc::allocator_name(py).unwrap_or_default();
    info.debug_hooks = name.ends_with("_debug");
    let (raw_start, raw_len) = if info.debug_hooks {
        (
            block_address.wrapping_sub(DEBUG_HEAD),
            requested + DEBUG_PAD,
        )
    } else {
        (block_address, requested)
    };
    if name.starts_with("mimalloc") || crate::cpython::FREE_THREADED {
        info.domain = "mimalloc";
        info.block_size = None;
        return Ok(info);
    }
    if name.starts_with("pymalloc") && (1..=SMALL_REQUEST_THRESHOLD).contains(&raw_len) {
        pool(&mut info, raw_start, raw_len)?;
    } else if name.starts_with("pymalloc") || name.starts_with("malloc") {
        malloc_chunk(&mut info, raw_start, raw_len)?;
    } else {
        return Err(errors::layout_error(format!(
            "unknown allocator {name:?}: pyhood cannot tell where blocks live"
        )));
    }
    Ok(info)
}

/// pymalloc: read and validate the pool header of the block's pool.
fn pool(info: &mut PyBlockInfo, raw_start: usize, raw_len: usize) -> PyResult<()> {
    let pool = raw_start & !(POOL_SIZE - 1);
    let h = Snapshot::take(pool, pool_header::SIZE).map_err(read_err)?;
    let field = |off: usize, len: usize| h.uint(pool + off, len).unwrap_or(u64::MAX);
    let count = field(pool_header::ref_count.offset, 4) as u32;
    let arenaindex = field(pool_header::arenaindex.offset, 4) as u32;
    let szidx = field(pool_header::szidx.offset, 4) as u32;
    let nextoffset = field(pool_header::nextoffset.offset, 4) as usize;
    let maxnextoffset = field(pool_header::maxnextoffset.offset, 4) as usize;
    let expected_class = ((raw_len - 1) / PYMALLOC_ALIGNMENT) as u32;
    let size = (szidx as usize + 1) * PYMALLOC_ALIGNMENT;
    let capacity = ((POOL_SIZE - POOL_OVERHEAD) / size.max(1)) as u32;
    let from_first = raw_start.wrapping_sub(pool + POOL_OVERHEAD);
    let valid = szidx == expected_class
        && raw_start >= pool + POOL_OVERHEAD
        && from_first % size == 0
        && maxnextoffset == POOL_SIZE - size
        && nextoffset <= POOL_SIZE
        && (1..=capacity).contains(&count);
    if !valid {
        return Err(errors::layout_error(format!(
            "the pool header at {pool:#x} does not describe a {raw_len}-byte block at {raw_start:#x} \
             (szidx {szidx}, count {count}, maxnextoffset {maxnextoffset}); the object was not \
             allocated by pymalloc"
        )));
    }
    info.domain = "pymalloc";
    info.block_size = Some(size);
    info.pool_address = Some(pool);
    info.size_class = Some(szidx);
    info.pool_blocks_in_use = Some(count);
    info.pool_capacity = Some(capacity);
    info.arena_index = Some(arenaindex);
    Ok(())
}

/// malloc (glibc): the chunk's size word sits just before the block; bit 1 marks an
/// mmapped chunk, whose overhead is two words instead of one.
fn malloc_chunk(info: &mut PyBlockInfo, raw_start: usize, raw_len: usize) -> PyResult<()> {
    let h = Snapshot::take(raw_start.wrapping_sub(8), 8).map_err(read_err)?;
    let word = h.uint(h.base, 8).unwrap_or(0) as usize;
    let mmapped = word & 2 != 0;
    let chunk = word & !7;
    let usable = chunk.saturating_sub(if mmapped { 16 } else { 8 });
    let slack = if mmapped { 2 * 4096 } else { 48 };
    if usable < raw_len || usable > raw_len + slack {
        return Err(errors::layout_error(format!(
            "the malloc chunk header before {raw_start:#x} ({word:#x}) does not describe a \
             {raw_len}-byte block"
        )));
    }
    info.domain = "malloc";
    info.block_size = Some(usable);
    Ok(())
}

/// Which of `candidates` (possible byte sizes of the allocation at `addr`, the first being
/// the reading CPython's own data gives) the allocator's header agrees with, ascending.
/// Static and mimalloc blocks have no header to check: only the first candidate is kept.
/// Empty when the header accepts none of them.
pub fn accepted_sizes(py: Python<'_>, addr: usize, candidates: &[usize]) -> Vec<usize> {
    let Some(&first) = candidates.first() else {
        return Vec::new();
    };
    let mut sorted = candidates.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    match classify(py, addr, first, false) {
        Ok(info) if matches!(info.domain, "static" | "mimalloc") => vec![first],
        // glibc: a chunk of `max(32, (n + 8 + 15) & !15)` bytes, usable size 8 less; the
        // candidates whose usual chunk has the usable size read.
        Ok(info) if info.domain == "malloc" => {
            let usable = info.block_size.unwrap_or(0);
            let glibc = |n: usize| ((n + 8 + 15) & !15).max(32) - 8;
            sorted.retain(|&n| glibc(n) == usable);
            sorted
        }
        _ => {
            sorted.retain(|&n| classify(py, addr, n, false).is_ok_and(|i| i.domain == "pymalloc"));
            sorted
        }
    }
}

/// The largest of `candidates` the allocator accepts (bytes it set aside for the block
/// belong to the block); the first candidate when it accepts none, so that the check of
/// that size reports the disagreement.
pub fn resolve_size(py: Python<'_>, addr: usize, candidates: &[usize]) -> usize {
    let first = candidates.first().copied().unwrap_or(0);
    accepted_sizes(py, addr, candidates)
        .last()
        .copied()
        .unwrap_or(first)
}

/// The object's own allocation.
pub fn block_info(obj: &Bound<'_, PyAny>) -> PyResult<PyBlockInfo> {
    own_block(obj, &layout::describe(obj, 0)?)
}

/// The object's own allocation, from a layout already taken.
fn own_block(obj: &Bound<'_, PyAny>, lay: &PyLayout) -> PyResult<PyBlockInfo> {
    let static_hint = crate::cpython::object::ob_flags(&crate::raw::object::header_bytes(obj))
        .is_some_and(|f| f & 4 != 0);
    let start = (obj.as_ptr() as usize).wrapping_add_signed(lay.start);
    classify(obj.py(), start, (lay.end - lay.start) as usize, static_hint)
}

/// One allocation counted by `footprint`.
#[pyclass(frozen, module = "pyhood", name = "Allocation")]
pub struct PyAllocation {
    /// "object", or the pointer field that owns the block ("ob_item", "ma_keys", …).
    #[pyo3(get)]
    name: String,
    #[pyo3(get)]
    requested: usize,
    /// Bytes the allocator set aside (`requested` for static blocks).
    #[pyo3(get)]
    allocated: usize,
    #[pyo3(get)]
    block: Py<PyBlockInfo>,
}

#[pymethods]
impl PyAllocation {
    fn __repr__(&self) -> String {
        format!(
            "Allocation({:?}, requested={}, allocated={}, domain={:?})",
            self.name,
            self.requested,
            self.allocated,
            self.block.get().domain
        )
    }
}

/// Every allocation an object owns directly, with requested and allocated bytes.
#[pyclass(frozen, module = "pyhood", name = "Footprint")]
pub struct PyFootprint {
    #[pyo3(get)]
    allocations: Py<PyTuple>,
    /// Sum of `allocated` over the allocations the object owns.
    #[pyo3(get)]
    total: usize,
    /// Sum of `requested` over the same allocations.
    #[pyo3(get)]
    requested: usize,
    /// `sys.getsizeof(obj)`, for comparison.
    #[pyo3(get)]
    getsizeof: usize,
}

#[pymethods]
impl PyFootprint {
    fn __repr__(&self) -> String {
        format!(
            "<Footprint total={} requested={} getsizeof={}>",
            self.total, self.requested, self.getsizeof
        )
    }

    fn __str__(&self, py: Python<'_>) -> PyResult<String> {
        let mut out = format!(
            "footprint: {} bytes allocated for {} requested (sys.getsizeof says {})\n",
            self.total, self.requested, self.getsizeof
        );
        for a in self.allocations.bind(py).iter() {
            let a = a.cast_into::<PyAllocation>()?;
            let a = a.get();
            let b = a.block.get();
            out.push_str(&format!(
                "  {:<12} {:>8} requested {:>8} allocated  {:<8} at {:#x}\n",
                a.name, a.requested, a.allocated, b.domain, b.block_address
            ));
        }
        Ok(out.trim_end().to_owned())
    }
}

/// Whether a block is owned by this object alone (shared keys and static tables are not,
/// and 3.13+ values embedded in an instance are part of that instance's own block).
fn owned(py: Python<'_>, blk: &PyLayout) -> PyResult<bool> {
    let field_value = |name: &str| blk.int_field(py, name);
    if blk.name.as_deref() == Some("ma_keys") {
        if let Some(refs) = field_value("dk_refcnt")? {
            if refs != 1 {
                return Ok(false);
            }
        }
    }
    if let Some(embedded) = field_value("embedded")? {
        if embedded != 0 {
            return Ok(false);
        }
    }
    Ok(true)
}

pub fn footprint(obj: &Bound<'_, PyAny>) -> PyResult<PyFootprint> {
    let py = obj.py();
    let lay = layout::describe(obj, 0)?;
    let mut allocs = Vec::new();
    let own = own_block(obj, &lay)?;
    let mut push = |name: String, info: PyBlockInfo| -> PyResult<()> {
        let allocated = info.block_size.unwrap_or(info.requested);
        allocs.push((name, info.requested, allocated, info));
        Ok(())
    };
    push("object".into(), own)?;
    for blk in lay.blocks.bind(py).iter() {
        let blk = blk.cast_into::<PyLayout>()?;
        let b = blk.get();
        if !owned(py, b)? {
            continue;
        }
        let start = b.address.wrapping_add_signed(b.start);
        let info = classify(py, start, (b.end - b.start) as usize, false)?;
        if info.domain == "static" {
            continue;
        }
        push(b.name.clone().unwrap_or_default(), info)?;
    }
    let total = allocs.iter().map(|a| a.2).sum();
    let requested = allocs.iter().map(|a| a.1).sum();
    let items = allocs
        .into_iter()
        .map(|(name, requested, allocated, info)| {
            Py::new(
                py,
                PyAllocation {
                    name,
                    requested,
                    allocated,
                    block: Py::new(py, info)?,
                },
            )
        })
        .collect::<PyResult<Vec<_>>>()?;
    let getsizeof = py
        .import("sys")?
        .call_method1("getsizeof", (obj,))?
        .extract()?;
    Ok(PyFootprint {
        allocations: PyTuple::new(py, items)?.unbind(),
        total,
        requested,
        getsizeof,
    })
}
