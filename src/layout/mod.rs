//! `pyhood.layout(obj)`: an object's memory, field by field, as an immutable snapshot.
//!
//! One decoder per type (one file each, named after the type) behind the `Decoder` trait,
//! chosen once by `decoder()` from the type's flags and address. A decoder reads the
//! object's own struct: its extent (`body`) and its fields; what every object shares (GC
//! head, pre-header, header, members, dict and weakref slots, split-table values) is in
//! `common`. `describe` (layout) and `extent` (blocks, footprint) run the same reads.

mod builder;
mod bytearray;
mod bytes;
mod common;
mod datetime;
mod dict;
mod float;
mod frame;
mod generator;
mod generic;
mod instance;
mod int;
mod list;
mod set;
mod str;
mod tuple;
mod type_object;

use pyo3::exceptions::{PyKeyError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyFloat, PyInt, PyTuple, PyType};

use crate::cpython::Decode;

use crate::raw::live::Live;
use crate::raw::object::{self as rawobj, TypeSlots};
use crate::render;
use builder::{le, Spec};
pub use builder::{read_err, Builder, Described, Region, DEFAULT_MAX_ITEMS};
pub use common::Extent;
pub use frame::{frame_layout, is_frame, PyFrameLayout, PyFrameSlot};

/// One field of an allocation.
#[pyclass(frozen, module = "pyhood", name = "Field")]
pub struct PyField {
    /// C field name from the CPython headers (`ob_refcnt`, `ob_item[2]`, `state.kind`, …).
    #[pyo3(get)]
    pub name: String,
    /// Bytes from the allocation's reference address (`id(obj)` for objects).
    #[pyo3(get)]
    pub offset: isize,
    #[pyo3(get)]
    pub size: usize,
    #[pyo3(get)]
    pub ctype: String,
    /// Decoded value: int, float, bool, or bytes.
    #[pyo3(get)]
    pub value: Py<PyAny>,
    #[pyo3(get)]
    pub region: &'static str,
    /// The field's bytes as they were in memory.
    #[pyo3(get)]
    pub raw: Py<PyBytes>,
    /// A short human reading of the value (a key's text, a type name), when one helps.
    #[pyo3(get)]
    pub note: Option<String>,
    /// For a bit-field view of the container bytes: `(shift, width)`; `None` otherwise.
    /// Views share their container's bytes, so they are left out when summing sizes.
    #[pyo3(get)]
    pub bits: Option<(u32, u32)>,
}

#[pymethods]
impl PyField {
    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "field_html")
    }

    /// IPython's pretty printer: the same text as `str()`.
    fn _repr_pretty_(slf: &Bound<'_, Self>, p: &Bound<'_, PyAny>, cycle: bool) -> PyResult<()> {
        render::pretty(slf.as_any(), p, cycle)
    }

    /// Byte offset one past the field.
    #[getter]
    fn end(&self) -> isize {
        self.offset + self.size as isize
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let value = self.value.bind(py).repr()?;
        Ok(format!(
            "Field(name={:?}, offset={}, size={}, ctype={:?}, value={}, region={:?})",
            self.name, self.offset, self.size, self.ctype, value, self.region
        ))
    }

    /// A JSON-ready dict: a bytes value and the raw bytes as hex.
    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        render::call(slf.as_any(), "field_dict")
    }
}

/// An allocation (an object, or a block it owns through a pointer), field by field.
///
/// It holds the bytes read and the field table; the `Field` objects and the block
/// `Layout`s are made the first time they are asked for.
#[pyclass(frozen, subclass, module = "pyhood", name = "Layout")]
pub struct PyLayout {
    d: Described,
    fields: PyOnceLock<Py<PyTuple>>,
    blocks: PyOnceLock<Py<PyTuple>>,
}

impl PyLayout {
    /// What the layout describes, as plain data.
    pub fn described(&self) -> &Described {
        &self.d
    }

    /// The Python `Field` of one spec.
    fn make_field(d: &Described, py: Python<'_>, f: &Spec) -> PyResult<PyField> {
        let raw = d.raw(f);
        Ok(PyField {
            name: f.name.to_string(),
            offset: f.offset,
            size: f.size,
            ctype: f.ctype.to_string(),
            value: decode(py, raw, f.decode)?,
            region: f.region.as_str(),
            raw: PyBytes::new(py, raw).unbind(),
            bits: match f.decode {
                Decode::Bits { shift, width } => Some((shift, width)),
                Decode::Flag { shift } => Some((shift, 1)),
                _ => None,
            },
            note: f.note.clone(),
        })
    }

    /// Every field as a tuple of Python `Field`s.
    fn fields_tuple(d: &Described, py: Python<'_>) -> PyResult<Py<PyTuple>> {
        let out = d
            .specs
            .iter()
            .map(|f| Py::new(py, Self::make_field(d, py, f)?))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyTuple::new(py, out)?.unbind())
    }
}

/// A field's value from its bytes, as its decoding says.
fn decode(py: Python<'_>, raw: &[u8], how: Decode) -> PyResult<Py<PyAny>> {
    Ok(match how {
        Decode::Bytes => PyBytes::new(py, raw).into_any().unbind(),
        Decode::Unsigned | Decode::Pointer => PyInt::new(py, le(raw)).into_any().unbind(),
        Decode::Signed => {
            let shift = 64 - 8 * raw.len().clamp(1, 8) as u32;
            PyInt::new(py, ((le(raw) << shift) as i64) >> shift)
                .into_any()
                .unbind()
        }
        Decode::Double => PyFloat::new(py, f64::from_bits(le(raw)))
            .into_any()
            .unbind(),
        Decode::Bits { shift, width } => {
            let mask = if width >= 64 {
                u64::MAX
            } else {
                (1u64 << width) - 1
            };
            PyInt::new(py, (le(raw) >> shift) & mask)
                .into_any()
                .unbind()
        }
        Decode::Masked { mask } => PyInt::new(py, le(raw) & mask).into_any().unbind(),
        Decode::Flag { shift } => PyBool::new(py, (le(raw) >> shift) & 1 == 1)
            .to_owned()
            .into_any()
            .unbind(),
    })
}

impl From<Described> for PyLayout {
    fn from(d: Described) -> Self {
        Self {
            d,
            fields: PyOnceLock::new(),
            blocks: PyOnceLock::new(),
        }
    }
}

#[pymethods]
impl PyLayout {
    /// IPython's pretty printer: the same text as `str()`.
    fn _repr_pretty_(slf: &Bound<'_, Self>, p: &Bound<'_, PyAny>, cycle: bool) -> PyResult<()> {
        render::pretty(slf.as_any(), p, cycle)
    }

    /// `None` for the object itself; the owning pointer's field name for blocks.
    #[getter]
    fn name(&self) -> Option<&str> {
        self.d.name.as_deref()
    }

    /// `id(obj)` for objects; the pointer value for blocks.
    #[getter]
    fn address(&self) -> usize {
        self.d.address
    }

    #[getter]
    fn type_name(&self) -> &str {
        &self.d.type_name
    }

    #[getter]
    fn basicsize(&self) -> isize {
        self.d.basicsize
    }

    #[getter]
    fn itemsize(&self) -> isize {
        self.d.itemsize
    }

    /// Offset of the first byte of the allocation (negative when a GC head or pre-header
    /// precedes the object).
    #[getter]
    fn start(&self) -> isize {
        self.d.start
    }

    /// Offset one past the last byte of the allocation.
    #[getter]
    fn end(&self) -> isize {
        self.d.end
    }

    /// Every field, in address order (made on first access).
    #[getter]
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let t = self
            .fields
            .get_or_try_init(py, || Self::fields_tuple(&self.d, py))?;
        Ok(t.bind(py).clone())
    }

    /// The blocks the allocation owns through pointers (made on first access).
    #[getter]
    fn blocks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let t = self.blocks.get_or_try_init(py, || {
            let items = self
                .d
                .blocks
                .iter()
                .map(|b| Py::new(py, PyLayout::from(b.clone())))
                .collect::<PyResult<Vec<_>>>()?;
            Ok::<_, PyErr>(PyTuple::new(py, items)?.unbind())
        })?;
        Ok(t.bind(py).clone())
    }

    /// Bytes of the allocation: `end - start`.
    #[getter]
    fn size(&self) -> isize {
        self.d.end - self.d.start
    }

    /// The field called `name`; `KeyError` naming the fields there are if there is none.
    fn field<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyField>> {
        let Some(i) = self.d.specs.iter().position(|f| f.name == name) else {
            let names = self.d.specs.iter().map(|f| f.name.to_string()).collect();
            return Err(PyKeyError::new_err(missing("field", name, &self.d, names)));
        };
        Ok(self.fields(py)?.get_item(i)?.cast_into::<PyField>()?)
    }

    /// The block called `name` (e.g. `"ob_item"`, `"ma_keys"`); `KeyError` naming the blocks
    /// there are if there is none.
    fn block<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyLayout>> {
        let Some(i) = self
            .d
            .blocks
            .iter()
            .position(|b| b.name.as_deref() == Some(name))
        else {
            let names = self
                .d
                .blocks
                .iter()
                .filter_map(|b| b.name.clone())
                .collect();
            return Err(PyKeyError::new_err(missing("block", name, &self.d, names)));
        };
        Ok(self.blocks(py)?.get_item(i)?.cast_into::<PyLayout>()?)
    }

    fn __len__(&self) -> usize {
        self.d.specs.len()
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.fields(py)?.as_any().try_iter().map(|i| i.into_any())
    }

    fn __repr__(&self) -> String {
        let d = &self.d;
        let what = match &d.name {
            Some(n) => format!("{} block {}", d.type_name, n),
            None => d.type_name.clone(),
        };
        format!(
            "<pyhood.Layout {} at {:#x}: {} bytes [{}, {}), {} fields, {} blocks>",
            what,
            d.address,
            d.end - d.start,
            d.start,
            d.end,
            d.specs.len(),
            d.blocks.len()
        )
    }

    fn __str__(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "layout_text")
    }

    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "layout_html")
    }

    /// A JSON-ready dict: every field and block, raw bytes as hex.
    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        render::call(slf.as_any(), "layout_dict")
    }
}

/// Most names a `KeyError` of `Layout.field`/`block` lists (runs of items count as one).
const LISTED_NAMES: usize = 40;

/// The message of `Layout.field`/`block`'s `KeyError`: what was asked, and the names there
/// are, a run of items `ob_item[0]`, `ob_item[1]`, … shown as `ob_item[0]…ob_item[4095]`.
fn missing(what: &str, name: &str, d: &Described, names: Vec<String>) -> String {
    fn indexed(n: &str) -> Option<&str> {
        let (base, rest) = n.split_once('[')?;
        let digits = rest.strip_suffix(']')?;
        (!digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit())).then_some(base)
    }
    // (first name, last name of its run, base when it is an item)
    let mut runs: Vec<(&str, &str, Option<&str>)> = Vec::new();
    for n in &names {
        let base = indexed(n);
        match runs.last_mut() {
            Some((_, last, Some(b))) if base == Some(*b) => *last = n,
            _ => runs.push((n, n, base)),
        }
    }
    let whose = match &d.name {
        Some(block) => format!("block {block} of the {} layout", d.type_name),
        None => format!("the {} layout", d.type_name),
    };
    if runs.is_empty() {
        return format!("no {what} {name:?} in {whose}, which has no {what}s");
    }
    let mut shown: Vec<String> = runs
        .iter()
        .take(LISTED_NAMES)
        .map(|(first, last, _)| {
            if first == last {
                (*first).to_owned()
            } else {
                format!("{first}…{last}")
            }
        })
        .collect();
    if runs.len() > LISTED_NAMES {
        shown.push(format!("… {} more", runs.len() - LISTED_NAMES));
    }
    format!(
        "no {what} {name:?} in {whose}; its {what}s: {}",
        shown.join(", ")
    )
}

/// What `layout()` needs to know about the object's type, read once.
pub struct TypeView<'py> {
    pub ty: Bound<'py, PyType>,
    pub slots: TypeSlots,
    pub name: String,
}

impl<'py> TypeView<'py> {
    pub fn of(obj: &Bound<'py, PyAny>) -> PyResult<Self> {
        let mut tv = Self::unnamed(obj);
        tv.name = rawobj::type_name(&tv.ty);
        Ok(tv)
    }

    /// The type's slots without its name (an empty `name`): for `header()`'s `ob_size`
    /// question and the extent of `block_info`/`footprint`/`peek`, which show no name, so
    /// that they allocate no string.
    pub fn unnamed(obj: &Bound<'py, PyAny>) -> Self {
        let ty = obj.get_type();
        let slots = rawobj::type_slots(&ty);
        Self {
            ty,
            slots,
            name: String::new(),
        }
    }

    pub fn has(&self, flag: u64) -> bool {
        self.slots.flags & flag != 0
    }
}

/// What a decoder says of the blocks an object owns, without describing it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owned {
    /// Only `blocks_of` can tell.
    Unknown,
    /// None: the object's own allocation is all there is.
    Nothing,
    /// One block of `len` bytes at `address`, which the allocator may hold as `fit` says.
    One {
        address: usize,
        len: usize,
        fit: crate::blocks::Fit,
    },
    /// One block at `address` of one of the sizes `sizes` gives, which only the allocator's
    /// block tells apart (a 3.11/3.12 instance's values array).
    OneOf { address: usize, sizes: Sizes },
}

pub use crate::blocks::Sizes;

/// What one type's decoder knows: where the object's own struct ends (and how many items
/// it holds), whether it begins with `PyObject_VAR_HEAD`, and its fields.
pub trait Decoder: Sync {
    /// Whether the type's C struct begins with `PyObject_VAR_HEAD` (`header().size`); most
    /// structs begin with a plain `PyObject_HEAD`.
    fn var_head(&self, _tv: &TypeView<'_>) -> bool {
        false
    }

    /// Whether `tp_members` of static types in the MRO name fields of the struct (types
    /// pyhood declares no struct for); heap types' members (`__slots__`) always do.
    fn static_members(&self) -> bool {
        false
    }

    /// The object's own struct: item count and end; by default `tp_basicsize` bytes and no
    /// items.
    fn body(&self, _obj: &Bound<'_, PyAny>, tv: &TypeView<'_>) -> PyResult<common::Body> {
        Ok(common::Body::fixed(tv.slots.basicsize, self.var_head(tv)))
    }

    /// Whether `body` and `owned` read nothing of the object: its type alone sets them (a
    /// walk over many objects then works them out once per type).
    fn by_type(&self, _tv: &TypeView<'_>) -> bool {
        false
    }

    /// Whether the extent `body` gives is the allocation as CPython made it, so that the
    /// object's bytes may be read directly (point 1 of the rule in `raw`): true for every
    /// struct pyhood declares.
    fn direct(&self, _tv: &TypeView<'_>) -> bool {
        true
    }

    /// The part of the object's own allocation that is not read: the items past
    /// `max_items` of types that keep their items inline, `[from, to)`; by default none.
    fn hole(
        &self,
        _obj: &Bound<'_, PyAny>,
        _ext: &Extent,
        _max_items: usize,
    ) -> Option<(isize, isize)> {
        None
    }

    /// The blocks `fields` would add for this object, when the decoder can say without
    /// describing it (`footprint` of many objects: `TypeCache::quick`): none, or one. The
    /// default is `Owned::Unknown`: `blocks_of` tells.
    fn owned(&self, _obj: &Bound<'_, PyAny>) -> Owned {
        Owned::Unknown
    }

    /// What a walk works out once per type to size its objects as `extent` and `fields`
    /// would, when the decoder's own formulas are not all: instances of Python classes
    /// (`common::InstanceShape`). `None` (the default): `quick` or `body` tell.
    fn shape(&self, _tv: &TypeView<'_>) -> Option<common::InstanceShape> {
        None
    }

    /// `body` and `owned` at once, as a walk sizes an object of a type whose start the type
    /// alone sets (`start`: a static type, no values array): the decoder's own formulas,
    /// read straight from the header. `None` (the default): `body` and `owned` tell.
    fn quick(
        &self,
        _obj: &Bound<'_, PyAny>,
        _tv: &TypeView<'_>,
        _start: &common::TypeStart,
    ) -> Option<Quick> {
        None
    }

    /// Name the struct's fields (and the blocks it owns) inside `ext`.
    fn fields(
        &self,
        obj: &Bound<'_, PyAny>,
        tv: &TypeView<'_>,
        ext: &Extent,
        b: &mut Builder,
    ) -> PyResult<()>;
}

/// The decoder for the object's type, from its subclass flags (`Include/object.h`) and the
/// addresses of the static types that have none.
pub fn decoder(obj: &Bound<'_, PyAny>, tv: &TypeView<'_>) -> &'static dyn Decoder {
    use pyo3::ffi;
    use pyo3::types::{PyFloat, PyFrozenSet, PySet};
    let has = |flag: core::ffi::c_ulong| tv.slots.flags & flag != 0;
    if has(ffi::Py_TPFLAGS_LONG_SUBCLASS) {
        &int::Int
    } else if has(ffi::Py_TPFLAGS_UNICODE_SUBCLASS) {
        &str::Str
    } else if has(ffi::Py_TPFLAGS_BYTES_SUBCLASS) {
        &bytes::Bytes
    } else if has(ffi::Py_TPFLAGS_LIST_SUBCLASS) {
        &list::List
    } else if has(ffi::Py_TPFLAGS_TUPLE_SUBCLASS) {
        &tuple::Tuple
    } else if has(ffi::Py_TPFLAGS_DICT_SUBCLASS) || rawobj::is_frozendict(obj) {
        &dict::Dict
    } else if obj.is_instance_of::<pyo3::types::PyByteArray>() {
        &bytearray::ByteArray
    } else if has(ffi::Py_TPFLAGS_TYPE_SUBCLASS) {
        &type_object::TypeObj
    } else if let Some(g) = generator::decoder_of(tv) {
        g
    } else if frame::is_frame(obj) {
        &frame::Frame
    } else if obj.is_instance_of::<PyFloat>() {
        &float::Float
    } else if obj.is_instance_of::<PySet>() || obj.is_instance_of::<PyFrozenSet>() {
        &set::Set
    } else if let Some(d) = datetime::decoder_of(tv) {
        // Last of the static types: it reads `tp_name`, which the checks above need not.
        d
    } else if has(ffi::Py_TPFLAGS_HEAPTYPE) && tv.slots.itemsize == 0 {
        &instance::Instance
    } else {
        &generic::Generic
    }
}

/// Whether the object's C struct begins with `PyObject_VAR_HEAD`, as its decoder says.
pub fn has_var_head(obj: &Bound<'_, PyAny>) -> bool {
    let tv = TypeView::unnamed(obj);
    decoder(obj, &tv).var_head(&tv)
}

/// The object's allocation `[start, end)`, from its decoder's reads (no fields).
pub fn extent(obj: &Bound<'_, PyAny>) -> PyResult<Extent> {
    let tv = TypeView::unnamed(obj);
    let d = decoder(obj, &tv);
    common::extent(obj, &tv, d.body(obj, &tv)?)
}

/// An object's allocation and the blocks it owns, as a walk sizes them
/// ([`TypeCache::quick`]).
#[derive(Clone, Copy)]
pub struct Quick {
    /// Where the allocation starts (an offset from the object) and its length.
    pub start: isize,
    pub len: usize,
    /// How the allocator's block may differ from `len`.
    pub fit: common::Fit,
    pub owned: Owned,
    /// Larger lengths the allocation may have instead of `len` (`Sizes::more`: only the
    /// allocator's block tells; 3.13+ inline values), `len` being `first`; `None`: `len`.
    pub alt: Option<Sizes>,
}

/// The object's allocation `[start, end)` and the blocks it owns, when its decoder can say
/// without describing it (`Decoder::owned`) and no 3.11/3.12 values array hangs off its
/// pre-header (`values`: `common::may_own_values`). `None` when only `blocks_of` can tell.
fn quick_with(
    obj: &Bound<'_, PyAny>,
    tv: &TypeView<'_>,
    d: &dyn Decoder,
    values: bool,
    start: Option<&common::TypeStart>,
) -> PyResult<Option<Quick>> {
    if values {
        return Ok(None);
    }
    let owned = d.owned(obj);
    if owned == Owned::Unknown {
        return Ok(None);
    }
    let body = d.body(obj, tv)?;
    let ext = match start {
        Some(start) => start.extent(body),
        None => Err(body),
    };
    let ext = match ext {
        Ok(ext) => ext,
        Err(body) => common::extent(obj, tv, body)?,
    };
    Ok(Some(Quick {
        alt: None,
        start: ext.start,
        len: (ext.end - ext.start) as usize,
        fit: ext.fit,
        owned,
    }))
}

/// What a walk over many objects learns once per type (`footprint::WalkCosts`): its
/// slots and decoder, and whether its objects may keep a values array. A type's slots do
/// not change while the walk runs no Python code.
#[derive(Default)]
pub struct TypeCache<'py> {
    index: std::collections::HashMap<
        usize,
        usize,
        std::hash::BuildHasherDefault<crate::raw::traverse::AddrHasher>,
    >,
    types: Vec<CachedType<'py>>,
    recent: [Option<(usize, usize)>; 32],
}

/// What a [`TypeCache`] keeps of one type.
struct CachedType<'py> {
    tv: TypeView<'py>,
    decoder: &'static dyn Decoder,
    /// Whether its objects may keep a 3.11/3.12 values array (`common::may_own_values`).
    values: bool,
    /// The extent and owned blocks of every object of the type, when the type alone sets
    /// them (`Decoder::by_type`, `common::extent_by_type`): worked out from the first.
    same_for_all: Option<Option<Quick>>,
    /// What the type alone sets of its objects' extents, when nothing else is needed.
    start: Option<common::TypeStart>,
    /// How its instances are sized, for a class whose decoder says (`Decoder::shape`).
    shape: Option<common::InstanceShape>,
}

impl<'py> TypeCache<'py> {
    /// [`TypeCache::quick`]'s answer when the object's type is a recent one and its decoder
    /// sizes it from its header (`Decoder::quick`) or its type alone; `None`: ask `quick`.
    #[inline]
    pub fn known(&mut self, obj: &Bound<'py, PyAny>) -> Option<Quick> {
        let key = obj.get_type_ptr() as usize;
        let way = (key >> 4) % self.recent.len();
        let i = match self.recent[way] {
            Some((k, i)) if k == key => i,
            _ => self.recall(key, way)?,
        };
        let t = &self.types[i];
        match (&t.same_for_all, &t.start) {
            _ if t.shape.is_some() => t.shape.as_ref()?.quick(obj),
            (Some(quick), _) => *quick,
            (None, Some(start)) if !t.values => t.decoder.quick(obj, &t.tv, start),
            _ => None,
        }
    }

    /// The slot of a type met before but no longer among the recent ones, made recent again.
    #[cold]
    fn recall(&mut self, key: usize, way: usize) -> Option<usize> {
        let i = *self.index.get(&key)?;
        self.recent[way] = Some((key, i));
        Some(i)
    }

    /// The object's extent and what it owns, when that is known without describing it
    /// (`quick_with`), with the type's part remembered.
    pub fn quick(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<Option<Quick>> {
        let key = obj.get_type_ptr() as usize;
        // A few recent types by address bits (a heap's objects alternate between types).
        let way = (key >> 4) % self.recent.len();
        let i = match self.recent[way] {
            Some((k, i)) if k == key => i,
            _ => {
                let next = self.types.len();
                let i = *self.index.entry(key).or_insert(next);
                if i == next {
                    let tv = TypeView::unnamed(obj);
                    let decoder = decoder(obj, &tv);
                    let values = common::may_own_values(tv.slots.flags);
                    // (When the first object's fails, each object's is worked out alone.)
                    let same_for_all = (decoder.by_type(&tv) && common::extent_by_type(&tv))
                        .then(|| quick_with(obj, &tv, decoder, values, None).ok())
                        .flatten();
                    let start = common::TypeStart::of(&tv);
                    let shape = decoder.shape(&tv);
                    self.types.push(CachedType {
                        tv,
                        decoder,
                        values,
                        same_for_all,
                        start,
                        shape,
                    });
                }
                self.recent[way] = Some((key, i));
                i
            }
        };
        let t = &self.types[i];
        if let Some(shape) = &t.shape {
            return Ok(shape.quick(obj));
        }
        if let Some(quick) = t.same_for_all {
            return Ok(quick);
        }
        if let Some(start) = t.start.as_ref().filter(|_| !t.values) {
            if let Some(quick) = t.decoder.quick(obj, &t.tv, start) {
                return Ok(Some(quick));
            }
        }
        quick_with(obj, &t.tv, t.decoder, t.values, t.start.as_ref())
    }
}

/// Build the layout of `obj`.
pub fn describe(obj: &Bound<'_, PyAny>, max_items: usize) -> PyResult<PyLayout> {
    Ok(described(obj, max_items)?.0.into())
}

/// The object's allocation and its blocks described (no Python objects made), with its
/// extent.
pub fn described(obj: &Bound<'_, PyAny>, max_items: usize) -> PyResult<(Described, Extent)> {
    described_as(obj, max_items, true)
}

/// The object's blocks as `described` finds them, without fields (no items shown): what
/// `footprint` needs.
pub fn blocks_of(obj: &Bound<'_, PyAny>) -> PyResult<(Described, Extent)> {
    described_as(obj, 0, false)
}

fn described_as(
    obj: &Bound<'_, PyAny>,
    max_items: usize,
    record: bool,
) -> PyResult<(Described, Extent)> {
    // Without fields the type's name is not shown: not read.
    let tv = if record {
        TypeView::of(obj)?
    } else {
        TypeView::unnamed(obj)
    };
    let d = decoder(obj, &tv);
    let extent = common::extent(obj, &tv, d.body(obj, &tv)?)?;
    // The object is borrowed for the call and its extent is its decoder's (point 1 of the
    // rule in `raw`): read directly, up to what `max_items` shows.
    let live = Live::new(obj, extent.start, extent.end).map_err(read_err)?;
    let (read_to, resume) = d
        .hole(obj, &extent, max_items)
        .filter(|(from, to)| from < to)
        .unwrap_or((extent.end, extent.end));
    let mut b = if d.direct(&tv) {
        Builder::object(live, extent.start, extent.end, read_to, max_items).map_err(read_err)?
    } else {
        // An extent pyhood cannot vouch for: read fault-free, blocks too.
        let base = obj.as_ptr() as usize;
        Builder::new(base, extent.start, extent.end, max_items).map_err(read_err)?
    };
    b.record = record;
    if resume < extent.end {
        b.read_also(resume, (extent.end - resume) as usize)
            .map_err(read_err)?;
    }
    common::fields(obj, &tv, d.static_members(), &extent, &mut b)?;
    d.fields(obj, &tv, &extent, &mut b)?;
    let basicsize = tv.slots.basicsize;
    let itemsize = tv.slots.itemsize;
    Ok((b.finish(None, tv.name, basicsize, itemsize), extent))
}

/// `pyhood.peek`: bytes of the object's own allocation.
pub fn peek(obj: &Bound<'_, PyAny>, offset: i128, size: Option<i128>) -> PyResult<Vec<u8>> {
    if let Some(n) = size.filter(|n| *n < 0) {
        return Err(PyValueError::new_err(format!("size must be >= 0, not {n}")));
    }
    let ext = extent(obj)?;
    let (start, end) = (ext.start as i128, ext.end as i128);
    let stop = size.map_or(end, |n| offset + n);
    if offset < start || stop > end || stop < offset {
        return Err(PyValueError::new_err(format!(
            "range [{offset}, {stop}) is outside the object's allocation [{start}, {end})"
        )));
    }
    let addr = (obj.as_ptr() as usize).wrapping_add_signed(offset as isize);
    crate::raw::mem::read(addr, (stop - offset) as usize).map_err(read_err)
}
