//! `pyhood.block_info(obj)` and `pyhood.footprint(obj)`: the object's own allocation, and
//! every allocation it owns directly with what it really costs once allocator rounding
//! counts (guide §10.2–10.4, §12.1). The object's own extent and its owned blocks come from
//! its type's decoder (`layout::extent`, `layout::describe` without item fields); where
//! each block lives comes from `blocks`, which sits below `layout` (decoders ask it which
//! sizes an allocator header accepts). Tests: tests/test_12_1_blocks.py, test_sweep.py.

use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::blocks::{classify, classify_fit, classify_resized, PyBlockInfo};
use crate::layout::{self, PyLayout};
use crate::render;

/// `pyhood.block_info(obj)`: the object's own allocation, its extent from the type's
/// decoder (`layout::extent`), where it lives from `blocks`.
pub fn block_info(obj: &Bound<'_, PyAny>) -> PyResult<PyBlockInfo> {
    own_block(obj, &layout::extent(obj)?)
}

/// The object's own allocation `[start, end)` (offsets from the object).
fn own_block(obj: &Bound<'_, PyAny>, ext: &layout::Extent) -> PyResult<PyBlockInfo> {
    let (start, end) = (ext.start, ext.end);
    let static_hint = crate::cpython::object::ob_flags(&crate::raw::object::header_bytes(obj))
        .is_some_and(|f| f & 4 != 0);
    let at = (obj.as_ptr() as usize).wrapping_add_signed(start);
    classify_fit(obj.py(), at, (end - start) as usize, static_hint, ext.fit)
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

    fn __str__(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "footprint_text")
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
    let own = own_block(obj, &layout::extent(obj)?)?;
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
        let len = (b.end - b.start) as usize;
        // `list_resize` reallocates `ob_item` in place.
        let info = if b.name.as_deref() == Some("ob_item") {
            classify_resized(py, start, len, false)?
        } else {
            classify(py, start, len, false)?
        };
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
        .call_method1(pyo3::intern!(py, "getsizeof"), (obj,))?
        .extract()?;
    Ok(PyFootprint {
        allocations: PyTuple::new(py, items)?.unbind(),
        total,
        requested,
        getsizeof,
    })
}
