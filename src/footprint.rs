//! `pyhood.block_info(obj)` and `pyhood.footprint(obj)`: the object's own allocation, and
//! every allocation it owns directly with what it really costs once allocator rounding
//! counts (guide §10.2–10.4, §12.1). The object's own extent and its owned blocks come from
//! its type's decoder (`layout::extent`, `layout::describe` without item fields); where
//! each block lives comes from `blocks`, which sits below `layout` (decoders ask it which
//! sizes an allocator header accepts). Tests: tests/test_12_1_blocks.py, test_sweep.py.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyTuple;

use crate::blocks::{classify, classify_fit, classify_resized, PyBlockInfo};
use crate::layout::{self, Described};
use crate::raw::object as rawobj;
use crate::render;

/// `pyhood.block_info(obj)`: the object's own allocation, its extent from the type's
/// decoder (`layout::extent`), where it lives from `blocks`.
pub fn block_info(obj: &Bound<'_, PyAny>) -> PyResult<PyBlockInfo> {
    own_block(obj, &layout::extent(obj)?)
}

/// 3.14+'s `_Py_STATICALLY_ALLOCATED_FLAG` in the object's header (a hint, not a proof).
fn static_hint(obj: &Bound<'_, PyAny>) -> bool {
    is_static_hint(&rawobj::header_bytes(obj))
}

/// [`static_hint`] of a header already read.
fn is_static_hint(h: &rawobj::HeaderBytes) -> bool {
    crate::cpython::object::ob_flags(h).is_some_and(|f| f & 4 != 0)
}

/// The object's own allocation `[start, end)` (offsets from the object).
fn own_block(obj: &Bound<'_, PyAny>, ext: &layout::Extent) -> PyResult<PyBlockInfo> {
    let (start, end) = (ext.start, ext.end);
    let static_hint = static_hint(obj);
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
    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "allocation_html")
    }

    /// IPython's pretty printer: the same text as `str()`.
    fn _repr_pretty_(slf: &Bound<'_, Self>, p: &Bound<'_, PyAny>, cycle: bool) -> PyResult<()> {
        render::pretty(slf.as_any(), p, cycle)
    }

    fn __repr__(&self) -> String {
        format!(
            "Allocation({:?}, requested={}, allocated={}, domain={:?})",
            self.name,
            self.requested,
            self.allocated,
            self.block.get().domain
        )
    }

    /// A JSON-ready dict: name, bytes, and its `block` as a dict.
    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        render::call(slf.as_any(), "allocation_dict")
    }
}

/// One allocation as `footprint` found it: (name, requested, allocated, block).
type Found = (String, usize, usize, PyBlockInfo);

/// Every allocation an object owns directly, with requested and allocated bytes.
#[pyclass(frozen, module = "pyhood", name = "Footprint")]
pub struct PyFootprint {
    /// The allocations as found; their Python objects are made when first asked for.
    found: Vec<Found>,
    allocations: PyOnceLock<Py<PyTuple>>,
    /// Sum of `allocated` over the allocations the object owns.
    #[pyo3(get)]
    total: usize,
    /// Sum of `requested` over the same allocations.
    #[pyo3(get)]
    requested: usize,
    /// `sys.getsizeof(obj)`, for comparison: the object's own claim, which its type's
    /// `__sizeof__` computes. Asked only when that `__sizeof__` is C code (a
    /// `method_descriptor`, as for every built-in type and `object.__sizeof__`); `None` when
    /// the class defines it in Python, since pyhood runs none of the user's code.
    #[pyo3(get)]
    getsizeof: Option<usize>,
}

#[pymethods]
impl PyFootprint {
    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "footprint_html")
    }

    /// IPython's pretty printer: the same text as `str()`.
    fn _repr_pretty_(slf: &Bound<'_, Self>, p: &Bound<'_, PyAny>, cycle: bool) -> PyResult<()> {
        render::pretty(slf.as_any(), p, cycle)
    }

    /// The object's own block first, then each block it owns (`Allocation`s).
    #[getter]
    fn allocations<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let t = self.allocations.get_or_try_init(py, || {
            let items = self
                .found
                .iter()
                .map(|(name, requested, allocated, info)| {
                    Py::new(
                        py,
                        PyAllocation {
                            name: name.clone(),
                            requested: *requested,
                            allocated: *allocated,
                            block: Py::new(py, info.clone())?,
                        },
                    )
                })
                .collect::<PyResult<Vec<_>>>()?;
            Ok::<_, PyErr>(PyTuple::new(py, items)?.unbind())
        })?;
        Ok(t.bind(py).clone())
    }

    fn __repr__(&self) -> String {
        format!(
            "<Footprint total={} requested={} getsizeof={}>",
            self.total,
            self.requested,
            self.getsizeof
                .map_or_else(|| "None".to_owned(), |n| n.to_string())
        )
    }

    fn __str__(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "footprint_text")
    }

    /// A JSON-ready dict: the totals and every allocation as a dict.
    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        render::call(slf.as_any(), "footprint_dict")
    }
}

/// Whether a block is owned by this object alone (shared keys and static tables are not,
/// and 3.13+ values embedded in an instance are part of that instance's own block).
fn owned(blk: &Described) -> bool {
    use crate::cpython::pycore_dict::{PyDictKeysObject, VALUES_EMBEDDED};
    match blk.name.as_deref() {
        Some("ma_keys") => blk
            .int_at(&PyDictKeysObject::dk_refcnt)
            .is_none_or(|refs| refs == 1),
        // 3.15's bytearray buffer is a bytes object: the bytearray's own unless it is shared.
        Some("ob_bytes_object") => {
            blk.int_at(&crate::cpython::object::PyObject::ob_refcnt) == Some(1)
        }
        Some("ma_values" | "values") => VALUES_EMBEDDED
            .and_then(|d| blk.int_at(&d))
            .is_none_or(|e| e == 0),
        _ => true,
    }
}

/// `pyhood.footprint(obj)`: the object's own block and the blocks it owns, described by its
/// decoder with no items shown (`layout::described(obj, 0)`: the headers only, no Python
/// object per field or block), each classified by `blocks`.
pub fn footprint(obj: &Bound<'_, PyAny>) -> PyResult<PyFootprint> {
    let found = crate::blocks::memoised(|| allocations(obj))?;
    let total = found.iter().map(|a| a.2).sum();
    let requested = found.iter().map(|a| a.1).sum();
    let getsizeof = claimed_size(obj)?;
    Ok(PyFootprint {
        found,
        allocations: PyOnceLock::new(),
        total,
        requested,
        getsizeof,
    })
}

/// What one object costs, for walks over many objects (`deep_footprint`, `census`):
/// `footprint`'s totals, without its Python objects or `sys.getsizeof`.
#[derive(Clone, Copy, Default)]
pub struct Cost {
    pub requested: usize,
    pub allocated: usize,
    /// The part of `allocated` in pymalloc blocks.
    pub pymalloc: usize,
    /// Immortal (3.12+) or statically allocated: shared by the whole interpreter.
    pub shared: bool,
}

impl Cost {
    /// Count one allocation of the object, in `domain` ("pymalloc", "malloc", …).
    fn add(&mut self, requested: usize, allocated: usize, domain: &str) {
        self.requested += requested;
        self.allocated += allocated;
        if domain == "pymalloc" {
            self.pymalloc += allocated;
        }
    }
}

/// What a walk over many objects shares between their costs: each type's slots and
/// decoder (`layout::TypeCache`), and the allocator's facts (`blocks::Sizer`).
pub struct WalkCosts<'py> {
    types: layout::TypeCache<'py>,
    sizer: crate::blocks::Sizer,
}

impl<'py> WalkCosts<'py> {
    pub fn new(py: Python<'py>) -> Self {
        Self {
            types: layout::TypeCache::default(),
            sizer: crate::blocks::Sizer::new(py),
        }
    }

    /// After Python code ran (a walk's `stop` callable): blocks may have been freed and
    /// their pools given to other size classes, so what was learned of pools is dropped.
    pub fn forget_blocks(&mut self) {
        self.sizer.forget_pools();
        // Classes' shared keys may have changed too (`TypeCache` reads them once per class).
        self.types = layout::TypeCache::default();
    }

    /// What one object of the walk costs: an object whose decoder says what it owns
    /// (`layout::Owned`) is sized from its extent and that block with the walk's caches;
    /// any other from its description, as `footprint` does (`described_cost`).
    pub fn cost(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<Cost> {
        let Some(q) = self.types.quick(obj)? else {
            return described_cost(obj);
        };
        let py = obj.py();
        if let (Some(_), _) | (_, layout::Owned::OneOf { .. }) = (q.alt, q.owned) {
            // Sizes only the allocator's blocks tell apart: their pools made known to the
            // walk, the object is sized from them (`known`), else described.
            self.sizer
                .learn((obj.as_ptr() as usize).wrapping_add_signed(q.start));
            if let layout::Owned::OneOf { address, .. } = q.owned {
                self.sizer.learn(address);
            }
            return match self.known(obj) {
                Some(c) => Ok(c),
                None => described_cost(obj),
            };
        }
        let h = rawobj::header_bytes(obj);
        let at = (obj.as_ptr() as usize).wrapping_add_signed(q.start);
        let (allocated, domain) = self.sizer.block(py, at, q.len, is_static_hint(&h), q.fit)?;
        let mut c = Cost {
            shared: crate::cpython::object::immortal(&h) || domain == "static",
            ..Cost::default()
        };
        c.add(q.len, allocated, domain);
        if let layout::Owned::One { address, len, fit } = q.owned {
            // As `allocations`: a block in a loaded image is not the object's to count.
            let (allocated, domain) = self.sizer.block(py, address, len, false, fit)?;
            if domain != "static" {
                c.add(len, allocated, domain);
            }
        }
        Ok(c)
    }

    /// [`WalkCosts::cost`] when the walk's caches already hold all it needs (the object's
    /// type, and the pools of its blocks: `TypeCache::known`, `Sizer::known`), with no call
    /// that can fail; `None`: ask `cost`. Most objects of a heap are sized here.
    #[inline(always)]
    fn known(&mut self, obj: &Bound<'py, PyAny>) -> Option<Cost> {
        use crate::blocks::Known;
        let q = self.types.known(obj)?;
        let at = (obj.as_ptr() as usize).wrapping_add_signed(q.start);
        let mut c = Cost::default();
        match q.alt {
            None => match self.sizer.known(at, q.len, q.fit)? {
                Known::Pymalloc(allocated) => c.add(q.len, allocated, "pymalloc"),
                Known::Static => {
                    c.add(q.len, q.len, "static");
                    c.shared = true;
                }
            },
            Some(sizes) => {
                let (len, allocated) = self.sizer.known_pymalloc_of(at, sizes, q.fit)?;
                c.add(len, allocated, "pymalloc");
            }
        }
        c.shared |= crate::cpython::object::immortal(&rawobj::header_bytes(obj));
        // As `cost`: a block in a loaded image is not the object's to count.
        match q.owned {
            layout::Owned::Nothing => {}
            layout::Owned::One { address, len, fit } => {
                match self.sizer.known(address, len, fit)? {
                    Known::Pymalloc(allocated) => c.add(len, allocated, "pymalloc"),
                    Known::Static => {}
                }
            }
            layout::Owned::OneOf { address, sizes } => {
                let fit = crate::blocks::Fit::Exact;
                let (len, allocated) = self.sizer.known_pymalloc_of(address, sizes, fit)?;
                c.add(len, allocated, "pymalloc");
            }
            layout::Owned::Unknown => return None,
        }
        Some(c)
    }

    /// [`WalkCosts::cost`], or `None` when pyhood refuses to measure the object (a
    /// `pyhood.PyhoodError`: a structure it cannot prove): a walk over a whole heap counts
    /// such an object as unmeasured instead of failing. Any other error (an interruption) is
    /// passed on.
    #[inline(always)]
    pub fn cost_or_refusal(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<Option<Cost>> {
        match self.known(obj) {
            Some(c) => Ok(Some(c)),
            None => self.measured_or_refusal(obj),
        }
    }

    /// [`WalkCosts::cost_or_refusal`] of an object `known` could not size.
    #[cold]
    #[inline(never)]
    fn measured_or_refusal(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<Option<Cost>> {
        match self.cost(obj) {
            Ok(c) => Ok(Some(c)),
            Err(e) if crate::errors::is_pyhood_error(obj.py(), &e) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// `footprint(obj)`'s totals as a [`Cost`], from the object's description
/// (`allocations`). Inside an outer `blocks::memoised` scope (a walk), allocator headers are
/// read once for all the objects the scope sizes.
fn described_cost(obj: &Bound<'_, PyAny>) -> PyResult<Cost> {
    let found = crate::blocks::memoised(|| allocations(obj))?;
    let mut c = Cost {
        shared: crate::identity::is_immortal(obj)
            || found.first().is_some_and(|f| f.3.domain == "static"),
        ..Cost::default()
    };
    for (_, requested, allocated, info) in &found {
        c.add(*requested, *allocated, info.domain);
    }
    Ok(c)
}

/// The object's block and the blocks it owns alone.
fn allocations(obj: &Bound<'_, PyAny>) -> PyResult<Vec<Found>> {
    let py = obj.py();
    // The object's own pool header (if pymalloc serves it) is asked for below: read it
    // along with the first header the description needs (a 3.11/3.12 values block's), and
    // the headers of the blocks it owns along with the first the classification needs.
    crate::blocks::hint_block(obj.as_ptr() as usize, 1);
    let (lay, ext) = layout::blocks_of(obj)?;
    for b in lay.blocks.iter().filter(|b| owned(b)) {
        crate::blocks::hint_block(
            b.address.wrapping_add_signed(b.start),
            (b.end - b.start) as usize,
        );
    }
    let mut allocs = Vec::new();
    let own = own_block(obj, &ext)?;
    let mut push = |name: String, info: PyBlockInfo| -> PyResult<()> {
        let allocated = info.block_size.unwrap_or(info.requested);
        allocs.push((name, info.requested, allocated, info));
        Ok(())
    };
    push("object".into(), own)?;
    for b in &lay.blocks {
        if !owned(b) {
            continue;
        }
        let start = b.address.wrapping_add_signed(b.start);
        let len = (b.end - b.start) as usize;
        // `list_resize` reallocates `ob_item` in place, `PyByteArray_Resize` its buffer
        // (3.15: `_PyBytes_Resize` its bytes object).
        let resized = matches!(
            b.name.as_deref(),
            Some("ob_item" | "ob_bytes" | "ob_bytes_object")
        );
        let info = if resized {
            classify_resized(py, start, len, false)?
        } else {
            classify(py, start, len, false)?
        };
        if info.domain == "static" {
            continue;
        }
        push(b.name.clone().unwrap_or_default(), info)?;
    }
    Ok(allocs)
}

/// `sys.getsizeof(obj)` when asking it runs only C code: the `__sizeof__` that the type's
/// `tp_mro` yields (what `_PyObject_LookupSpecial` finds, Python/sysmodule.c
/// `_PySys_GetSizeOf` v3.10–v3.15) is a `method_descriptor`, and `sys.getsizeof` is still
/// the built-in one (taken from `sys.modules`, not imported). `None` otherwise.
fn claimed_size(obj: &Bound<'_, PyAny>) -> PyResult<Option<usize>> {
    let py = obj.py();
    let sizeof = rawobj::lookup_in_mro(&obj.get_type(), pyo3::intern!(py, "__sizeof__"));
    if !sizeof.is_some_and(|m| rawobj::is_method_descriptor(&m)) {
        return Ok(None);
    }
    let (sys, name) = (pyo3::intern!(py, "sys"), pyo3::intern!(py, "getsizeof"));
    let Some(getsizeof) = rawobj::loaded_module_global(py, sys, name) else {
        return Ok(None);
    };
    if !rawobj::is_builtin_function(&getsizeof) {
        return Ok(None);
    }
    getsizeof.call1((obj,))?.extract().map(Some)
}
