//! What objects share, in one place: the extent around an object's own struct (GC head,
//! pre-header, a heap subclass's slots, 3.13+ inline values), the `PyObject` header and
//! `ob_size`, `__slots__` and other `tp_members`, `__dict__` / `__weakref__` slots, the
//! managed pre-header, and split-table values (3.11/3.12 values arrays, 3.13+ inline
//! values, `ma_values`). Decoders call down into this module; it calls no decoder.

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::cpython::descrobject::MEMBER_AFTER_ITEMS;
use crate::cpython::object::{self as cobject, PyObject, PyVarObject, TPFLAGS_MANAGED_DICT};
use crate::cpython::pycore_dict::{self as dicts, KeysGeometry};
use crate::cpython::pycore_gc::{PyGC_Head, GC_HEAD_SIZE};
use crate::cpython::pycore_object::{dict_or_values_values, inline_values_offset, preheader};
use crate::cpython::typeobject::TypeObject;
use crate::cpython::unicodeobject::{self as unicode, PyASCIIObject};
use crate::cpython::{has_flag, Decode};
use crate::errors;
use crate::raw::live::Live;
use crate::raw::mem::{self, Snapshot};
use crate::raw::object::{self as rawobj, Member};

use super::{read_err, Builder, Described, Region, TypeView};

/// What a decoder reads of the object's own struct, for the extent.
pub use crate::blocks::Fit;

pub struct Body {
    /// Number of variable-size items (`abs(ob_size)`, the digits of an int, frame slots).
    pub items: usize,
    /// Offset one past the struct's last byte.
    pub end: isize,
    /// Whether the struct begins with `PyObject_VAR_HEAD` (shows `ob_size`).
    pub var_head: bool,
    /// Whether a heap subclass's own slots may follow (not for type objects, whose
    /// `tp_basicsize` describes their instances).
    pub heap_tail: bool,
    /// Other ends the allocation may have, which only the allocator's block tells apart.
    pub alt_ends: Vec<isize>,
    /// How the allocator's block may differ from `end - start`.
    pub fit: Fit,
}

impl Body {
    /// A fixed-size struct of `end` bytes.
    pub fn fixed(end: isize, var_head: bool) -> Self {
        Body {
            items: 0,
            end,
            var_head,
            heap_tail: true,
            alt_ends: Vec::new(),
            fit: Fit::Exact,
        }
    }
}

/// Types whose C struct begins with `PyObject_VAR_HEAD` although their `tp_itemsize` is 0
/// (they keep their items in a separate buffer): `bytearray` (`PyByteArrayObject`,
/// Include/cpython/bytearrayobject.h), `collections.deque` (`dequeobject`,
/// Modules/_collectionsmodule.c) and `array.array` (`arrayobject`, Modules/arraymodule.c),
/// v3.10–v3.15. True for those types and their subclasses; the two extension types are
/// found in `sys.modules` only, so an instance whose module was removed from it is not
/// recognised (its `ob_size` is then left unnamed, never misread).
pub fn var_head_without_items(tv: &TypeView<'_>) -> bool {
    use pyo3::types::PyByteArray;
    if !rawobj::mro_has_extension_types(&tv.ty) {
        return false;
    }
    if tv.ty.is_subclass_of::<PyByteArray>().unwrap_or(false) {
        return true;
    }
    let py = tv.ty.py();
    [
        (
            pyo3::intern!(py, "_collections"),
            pyo3::intern!(py, "deque"),
        ),
        (pyo3::intern!(py, "array"), pyo3::intern!(py, "array")),
    ]
    .iter()
    .filter_map(|(m, n)| rawobj::loaded_module_global(py, m, n))
    .filter_map(|t| t.cast_into::<PyType>().ok())
    // An exact `type` as the class: `PyObject_IsSubclass` takes its `PyType_IsSubtype`
    // path, no `__subclasscheck__` runs.
    .any(|t| t.get_type().is(py.get_type::<PyType>()) && tv.ty.is_subclass(&t).unwrap_or(false))
}
/// The allocation's bounds and the facts needed to place fields inside it.
#[derive(Clone, Copy)]
pub struct Extent {
    pub start: isize,
    pub end: isize,
    /// Number of variable-size items (`abs(ob_size)`, or the digit count of an int).
    pub items: usize,
    /// Whether the object starts with `PyObject_VAR_HEAD` (shows `ob_size`).
    pub var_head: bool,
    /// Where 3.13+ inline values start, and their size.
    pub inline_values: Option<(usize, usize)>,
    /// Whether a `PyGC_Head` precedes the object.
    pub gc: bool,
    /// How the allocator's block may differ from `end - start`.
    pub fit: Fit,
}

/// The `Decoder::hole` of an array of `count` elements of `elem` bytes at `at` inside the
/// object: the elements past the first `max_items`.
pub fn items_hole(
    at: usize,
    count: usize,
    elem: usize,
    max_items: usize,
) -> Option<(isize, isize)> {
    let from = at + count.min(max_items) * elem;
    Some((from as isize, (at + count * elem) as isize))
}

pub fn round8(n: isize) -> isize {
    (n + 7) & !7
}

/// Work out `[start, end)` of the object's allocation from what its decoder read of its
/// own struct (`body`) and what its class adds (GC head, pre-header, a heap subclass's
/// slots, inline values).
/// Whether [`extent`] reads nothing of an object of this type beyond what its decoder's
/// `body` reads: no `tp_is_gc` asks the object whether it has a GC head, and no 3.13+
/// inline values hold a per-object capacity.
pub fn extent_by_type(tv: &TypeView<'_>) -> bool {
    !tv.slots.has_is_gc && inline_values_offset(tv.slots.flags, tv.slots.basicsize).is_none()
}

/// Where an object's allocation starts, as an offset from the object: its `PyGC_Head` (if
/// `gc`) and the pre-header its type's flags give come first.
fn start_of(gc: bool, flags: u64) -> isize {
    let pre = preheader(flags).len() as isize * 8;
    -(if gc { GC_HEAD_SIZE as isize } else { 0 }) - pre
}

/// What [`extent`] takes from the type alone, for a type whose objects need nothing else
/// of it but their body: a static type (no heap subclass's slots follow) with
/// [`extent_by_type`]. A walk over many objects works it out once per type.
#[derive(Clone, Copy)]
pub struct TypeStart {
    start: isize,
    gc: bool,
}

impl TypeStart {
    pub fn of(tv: &TypeView<'_>) -> Option<Self> {
        if tv.has(ffi::Py_TPFLAGS_HEAPTYPE) || !extent_by_type(tv) {
            return None;
        }
        // Without `tp_is_gc`, `PyObject_IS_GC` is the type's flag.
        let gc = tv.has(ffi::Py_TPFLAGS_HAVE_GC);
        Some(Self {
            start: start_of(gc, tv.slots.flags),
            gc,
        })
    }

    /// Where the allocation of the type's objects starts (an offset from the object).
    pub fn start(&self) -> isize {
        self.start
    }

    /// The extent of an object of the type whose struct ends at `end`, as a walk sizes it
    /// (`Decoder::quick`).
    pub fn quick(&self, end: isize, fit: Fit, owned: super::Owned) -> super::Quick {
        super::Quick {
            alt: None,
            start: self.start,
            len: (end - self.start) as usize,
            fit,
            owned,
        }
    }

    /// What [`extent`] gives for an object of the type with this body; the body back when
    /// only `extent` can tell (it names other ends the allocation may have).
    pub fn extent(&self, body: Body) -> Result<Extent, Body> {
        if !body.alt_ends.is_empty() {
            return Err(body);
        }
        Ok(Extent {
            start: self.start,
            end: body.end,
            items: body.items,
            var_head: body.var_head,
            inline_values: None,
            gc: self.gc,
            fit: body.fit,
        })
    }
}

pub fn extent(obj: &Bound<'_, PyAny>, tv: &TypeView<'_>, body: Body) -> PyResult<Extent> {
    let s = &tv.slots;
    let gc = rawobj::is_gc(obj);
    let start = start_of(gc, s.flags);
    let heap = tv.has(ffi::Py_TPFLAGS_HEAPTYPE);
    let Body {
        items,
        end: body_end,
        var_head,
        heap_tail,
        alt_ends: body_alts,
        fit,
    } = body;
    // Instances of heap subclasses also hold the subclass's slots and, for variable-size
    // bases, a `__dict__` pointer placed after the items (`_PyObject_VAR_SIZE`).
    let mut end = body_end;
    // Other sizes the allocation may have, which only the allocator's block can tell apart.
    let mut alt_ends = body_alts;
    if heap && heap_tail {
        let sub_end = if s.itemsize != 0 {
            round8(s.basicsize + items as isize * s.itemsize)
        } else {
            s.basicsize
        };
        end = end.max(sub_end);
        if s.itemsize != 0 {
            // `PyType_GenericAlloc` (`_PyType_AllocNoTrack`, Objects/typeobject.c
            // v3.10–v3.15) allocates `_PyObject_VAR_SIZE(type, nitems + 1)`; int subclasses
            // may ask for one digit more than they use (`long_subtype_new`).
            for extra in 1..=2 {
                let n = items as isize + extra;
                alt_ends.push(end.max(round8(s.basicsize + n * s.itemsize)));
            }
        }
    }
    let mut inline_values = None;
    if let Some(at) = inline_values_offset(s.flags, s.basicsize) {
        let cap = rawobj::inline_values_capacity(obj, at) as usize;
        let size = |cap: usize| 8 + 8 * cap + cap.div_ceil(8) * 8;
        inline_values = Some((at, size(cap)));
        // 3.13+ `_PyType_AllocNoTrack` (Objects/typeobject.c v3.13.0) adds
        // `_PyInlineValuesSize(type)` for the class's shared keys as they are then;
        // `_PyObject_InitInlineValues` then takes one usable slot from the keys (while
        // `dk_usable > 1`) and records the smaller capacity. `dk_usable` never grows: if
        // the keys still have more than one usable slot, they had when the instance was
        // made, and the allocation holds `capacity + 1` slots; otherwise the allocator's
        // block tells (when it can) which of the two sizes it is.
        let usable_now = if s.cached_keys == 0 {
            0
        } else {
            keys_geometry(Live::of_type(&tv.ty), s.cached_keys).map_or(0, |g| g.usable)
        };
        if usable_now > 1 {
            end = end.max((at + size(cap + 1)) as isize);
        } else {
            alt_ends.push(end.max((at + size(cap + 1)) as isize));
            end = end.max((at + size(cap)) as isize);
        }
    }
    if !alt_ends.is_empty() {
        let mut cands = vec![(end - start) as usize];
        cands.extend(alt_ends.iter().map(|e| (e - start) as usize));
        let addr = (obj.as_ptr() as usize).wrapping_add_signed(start);
        end = start + crate::blocks::resolve_size(obj.py(), addr, &cands) as isize;
    }
    Ok(Extent {
        start,
        end,
        items,
        var_head,
        inline_values,
        gc,
        fit,
    })
}

/// Whether instances of a type with these flags may keep a 3.11/3.12 values array outside
/// any dict (their pre-header has the pointer `fields` reads for `managed_values_block`).
pub fn may_own_values(flags: u64) -> bool {
    preheader(flags)
        .iter()
        .any(|(name, _)| matches!(*name, "managed_values" | "dict_or_values"))
}

/// Fields every object has, plus what its class adds (slots, dict, weakref, inline values).
pub fn fields(
    obj: &Bound<'_, PyAny>,
    tv: &TypeView<'_>,
    static_members: bool,
    ext: &Extent,
    b: &mut Builder,
) -> PyResult<()> {
    let s = &tv.slots;
    if ext.gc {
        b.add_defs(PyGC_Head::FIELDS, -(GC_HEAD_SIZE as isize), Region::GcHead);
    }
    for (name, off) in preheader(s.flags) {
        let ctype = match name {
            "managed_weakref" => "PyObject *",
            "managed_values" => "PyDictValues *",
            "dict_or_values" => "PyDictOrValues",
            "managed_dict" => "PyDictObject *",
            _ => "void *",
        };
        b.add(name, off, 8, ctype, Decode::Pointer, Region::Preheader);
    }
    // 3.11/3.12: values stored outside the object until a dict is materialised.
    let values = match preheader(s.flags).as_slice() {
        [("managed_values", at), _] => b.word(*at),
        [_, ("dict_or_values", at)] => dict_or_values_values(b.word(*at)).unwrap_or(0),
        _ => 0,
    };
    if values != 0 {
        let blk = managed_values_block(obj.py(), b, values, s.cached_keys)?;
        b.blocks.push(blk);
    }
    b.add_defs(PyObject::FIELDS, 0, Region::Header);
    if let Some((container, bits)) = cobject::HEADER_BITS {
        let at = container.offset as isize;
        let (size, ctype) = (container.size, container.ctype);
        b.add_bits(container.name, bits, at, size, ctype, Region::Header);
    }
    if let Some(f) = b.fields.iter_mut().find(|f| f.name == "ob_type") {
        f.note = Some(tv.name.clone());
    }
    if ext.var_head {
        b.add_def(&PyVarObject::ob_size, 0, Region::Header);
    }
    // `__slots__` and other members declared in tp_members, type by type of `tp_mro` (read
    // from the type object: no attribute lookup, no Python code).
    let mro = rawobj::borrowed_tuple_field(tv.ty.as_any(), TypeObject::tp_mro.offset)
        .ok_or_else(|| errors::layout_error(format!("{}.tp_mro is not a tuple", tv.name)))?;
    for t in mro.iter() {
        let t = t.cast_into::<PyType>()?;
        let ts = rawobj::type_slots(&t);
        let heap = ts.flags & ffi::Py_TPFLAGS_HEAPTYPE != 0;
        if !(heap || static_members) {
            continue;
        }
        for m in rawobj::members(&ts).map_err(read_err)? {
            add_member(b, &m, ext.items as isize * s.itemsize);
        }
    }
    // `__dict__` and `__weakref__` slots inside the object (not the managed pre-header).
    if s.dictoffset > 0 {
        b.add(
            "__dict__",
            s.dictoffset,
            8,
            "PyObject *",
            Decode::Pointer,
            Region::Body,
        );
    } else if s.dictoffset < 0 && s.dictoffset != -1 && !tv.has(TPFLAGS_MANAGED_DICT) {
        // `_PyObject_ComputedDictPointer`: counted back from the end of the items.
        let off = s.dictoffset + round8(s.basicsize + ext.items as isize * s.itemsize);
        b.add(
            "__dict__",
            off,
            8,
            "PyObject *",
            Decode::Pointer,
            Region::Body,
        );
    }
    if s.weaklistoffset > 0 {
        b.add(
            "__weakref__",
            s.weaklistoffset,
            8,
            "PyObject *",
            Decode::Pointer,
            Region::Body,
        );
    }
    if let Some((at, size)) = ext.inline_values {
        inline_values(obj.py(), b, at as isize, s.cached_keys)?;
        let spare = (at + size) as isize;
        if ext.end > spare {
            b.add(
                "(spare inline values)",
                spare,
                (ext.end - spare) as usize,
                "char[]",
                Decode::Bytes,
                Region::InlineValues,
            )
            .note = Some(
                "allocated for the class's shared keys before the instance took one usable \
                 slot from them (_PyType_AllocNoTrack, _PyObject_InitInlineValues)"
                    .into(),
            );
        }
    }
    Ok(())
}

/// Heap types in 3.12+ list these pseudo-members whose `offset` *is* the value.
const OFFSET_MEMBERS: &[&str] = &[
    "__weaklistoffset__",
    "__dictoffset__",
    "__vectorcalloffset__",
];

/// `Py_T_*` member type codes (`Include/descrobject.h` 3.12+, `structmember.h` before):
/// (C type, size, decoding).
fn member_type(code: i32) -> Option<(&'static str, usize, Decode)> {
    Some(match code {
        0 => ("short", 2, Decode::Signed),
        1 => ("int", 4, Decode::Signed),
        2 => ("long", 8, Decode::Signed),
        3 => ("float", 4, Decode::Bytes),
        4 => ("double", 8, Decode::Double),
        5 => ("char *", 8, Decode::Pointer),
        6 | 16 => ("PyObject *", 8, Decode::Pointer),
        7 => ("char", 1, Decode::Signed),
        8 => ("signed char", 1, Decode::Signed),
        9 => ("unsigned char", 1, Decode::Unsigned),
        10 => ("unsigned short", 2, Decode::Unsigned),
        11 => ("unsigned int", 4, Decode::Unsigned),
        12 => ("unsigned long", 8, Decode::Unsigned),
        14 => ("char", 1, Decode::Unsigned),
        17 => ("long long", 8, Decode::Signed),
        18 => ("unsigned long long", 8, Decode::Unsigned),
        19 => ("Py_ssize_t", 8, Decode::Signed),
        _ => return None,
    })
}

/// `items_bytes` is `Py_SIZE(obj) * tp_itemsize`, added to members flagged
/// `_Py_AFTER_ITEMS` (3.15 `__slots__` of tuple subclasses).
fn add_member(b: &mut Builder, m: &Member, items_bytes: isize) {
    if OFFSET_MEMBERS.contains(&m.name.as_str()) {
        return;
    }
    let after_items = has_flag(m.flags as u64, MEMBER_AFTER_ITEMS as u64);
    let offset = if after_items {
        m.offset + items_bytes
    } else {
        m.offset
    };
    if let Some((ctype, size, decode)) = member_type(m.kind) {
        if b.covers(offset, size) && offset >= PyObject::SIZE as isize {
            let f = b.add(m.name.clone(), offset, size, ctype, decode, Region::Body);
            f.note = Some("member".to_owned());
        }
    }
}

/// Read a keys object's header and return its geometry: directly when `owner` is the live
/// object (or class) that owns the keys, else through the fault-free path.
pub fn keys_geometry(owner: Option<Live>, keys: usize) -> PyResult<KeysGeometry> {
    let head = match owner {
        Some(live) => live.owned(keys, dicts::KEYS_HEADER_SIZE),
        None => Snapshot::take(keys, dicts::KEYS_HEADER_SIZE),
    }
    .map_err(read_err)?;
    dicts::keys_geometry(|off, len| head.uint(keys + off, len)).ok_or_else(|| {
        errors::layout_error(format!(
            "dict keys object at {keys:#x} has an impossible header"
        ))
    })
}

/// Names of a split table's keys, by entry index, from the shared keys object (which the
/// instance's class and every split table that uses it own).
fn shared_key_names(owner: &Builder, keys: usize, count: usize) -> Vec<Option<String>> {
    let Ok(g) = keys_geometry(owner.live, keys) else {
        return vec![None; count];
    };
    let me_key = dicts::entry_fields(g.kind)
        .iter()
        .find(|d| d.name == "me_key")
        .map_or(0, |d| d.offset);
    let live_entries = g.nentries.clamp(0, g.entries as isize) as usize;
    (0..count)
        .map(|i| {
            if i >= live_entries {
                return None;
            }
            let off = g.entries_offset + i * g.entry_size + me_key;
            // An entry below `dk_nentries` holds a strong reference to its key.
            let key = match owner.live {
                Some(live) => live.referenced_word(keys, off),
                None => mem::read_usize(keys + off).ok(),
            };
            key.and_then(|k| str_note(owner, k))
        })
        .collect()
}

/// 3.11/3.12 instances whose values live outside any dict: the values block, sized by the
/// class's shared keys (`ht_cached_keys`).
pub fn managed_values_block(
    py: Python<'_>,
    owner: &Builder,
    values: usize,
    cached_keys: usize,
) -> PyResult<Described> {
    let usable = if cached_keys != 0 {
        dicts::split_values_count(&keys_geometry(owner.live, cached_keys)?)
    } else {
        0
    };
    let mut blk = values_block(py, owner, values, usable, cached_keys)?;
    blk.name = Some("values".into());
    Ok(blk)
}

/// Split-table values (`ma_values`, or the 3.11/3.12 managed values of an instance).
pub fn values_block(
    py: Python<'_>,
    owner: &Builder,
    values: usize,
    usable: usize,
    keys: usize,
) -> PyResult<Described> {
    let py_byte = |d: isize| -> Option<u8> {
        // The aligned word holding the byte lies inside the values block: 3.11/3.12 ask
        // for byte [-1] of a prefix of 8 bytes or more, 3.13+ for the header's bytes.
        let at = values.wrapping_add_signed(d);
        let word = at & !7;
        let snap = match owner.live {
            Some(live) => live.owned(word, 8).ok()?,
            None => Snapshot::take(at, 1).ok()?,
        };
        snap.uint(at, 1).map(|v| v as u8)
    };
    let g = dicts::values_geometry(py_byte, usable).ok_or_else(|| {
        errors::layout_error(format!(
            "dict values at {values:#x} have an impossible header"
        ))
    })?;
    let (g, unsure) = if g.prefix > 0 {
        prefixed_capacity(py, values, g)
    } else {
        (g, 0)
    };
    // The values belong to the dict or instance `owner` describes (point 2 of the rule).
    let (start, end) = (-(g.prefix as isize), g.tail as isize);
    let mut b = owner.owned(values, start, end, end).map_err(read_err)?;
    values_fields(&mut b, 0, &g, keys);
    for j in 0..unsure {
        let k = g.capacity + j;
        b.add(
            format!("(values[{k}] or rounding)"),
            (g.values_offset + 8 * k) as isize,
            8,
            "PyObject *",
            Decode::Pointer,
            Region::Items,
        )
        .note = Some(
            "CPython records no capacity: an array with this slot fills the same allocator \
             block as one without it"
                .into(),
        );
    }
    Ok(b.finish(Some("ma_values".into()), dicts::VALUES_CTYPE.into(), 0, 8))
}

/// 3.11/3.12 (`new_values`, Objects/dictobject.c v3.11.7, v3.12.1): the array is
/// `PyMem_Malloc(prefix + 8 * size)` with `prefix = _Py_SIZE_ROUND_UP(size + 2, 8)` stored in
/// byte [-1], and `size` the class's `shared_keys_usable_size` *when the instance was made*
/// (`init_inline_values` / `_PyObject_InitializeDict`; each new instance then lowers the
/// keys' `dk_usable`, so that size never grows: it is at least `usable_now`). CPython
/// records no capacity: the sizes the prefix allows that the allocator's block accepts
/// remain. Returns the geometry with the smallest of them as the capacity (slots proven to
/// be the array's) and the block's extent up to the largest (bytes the block holds), and
/// how many slots past the capacity may be the array's or the allocator's rounding.
fn prefixed_capacity(
    py: Python<'_>,
    values: usize,
    g: dicts::ValuesGeometry,
) -> (dicts::ValuesGeometry, usize) {
    let p = g.prefix;
    let Some((lo, hi)) = prefixed_sizes(&g) else {
        return (g, 0);
    };
    let bytes: Vec<usize> = (lo..=hi).map(|k| p + 8 * k).collect();
    let accepted = crate::blocks::accepted_sizes(py, values - p, &bytes);
    let (Some(&small), Some(&large)) = (accepted.first(), accepted.last()) else {
        return (g, 0);
    };
    let cap = (small - p) / 8;
    let g = dicts::ValuesGeometry {
        capacity: cap,
        tail: large - p,
        ..g
    };
    (g, (large - small) / 8)
}

/// The slot counts a 3.11/3.12 values array with this prefix may have been made with
/// (`prefixed_capacity`): `[lo, hi]`, or `None` when the prefix allows none above the
/// capacity `values_geometry` gives.
fn prefixed_sizes(g: &dicts::ValuesGeometry) -> Option<(usize, usize)> {
    let p = g.prefix;
    let lo = p.saturating_sub(9).max(1).max(g.capacity);
    let hi = p.saturating_sub(2);
    (lo <= hi).then_some((lo, hi))
}

/// The block of the values at `values` that `owner` (a dict with a split table, or a
/// 3.11/3.12 instance) owns, as [`values_block`] sizes it and `footprint` counts it:
/// nothing when 3.13+ values are embedded in their instance. `None` where `values_block`
/// would refuse (an impossible header).
pub fn values_owned(owner: &Live, values: usize, usable: usize) -> Option<super::Owned> {
    use super::{Owned, Sizes};
    // The header's bytes are the values block's, which `owner` owns (point 2).
    let byte = |d: isize| {
        let at = values.wrapping_add_signed(d);
        let w = owner.owned_word(at & !7)?;
        Some((w >> (8 * (at & 7))) as u8)
    };
    let g = dicts::values_geometry(byte, usable)?;
    if let Some(d) = dicts::VALUES_EMBEDDED {
        if byte(d.offset as isize)? != 0 {
            return Some(Owned::Nothing);
        }
    }
    let p = g.prefix;
    let sizes = match prefixed_sizes(&g).filter(|_| p > 0) {
        Some((lo, hi)) => Sizes {
            first: p + 8 * lo,
            step: 8,
            more: hi - lo,
        },
        None => Sizes::one(p + g.tail),
    };
    Some(Owned::OneOf {
        address: values.wrapping_sub(p),
        sizes,
    })
}

/// What a walk works out once per class whose instances `layout::Instance` decodes (heap
/// types of fixed size; none with `tp_is_gc`), to size each instance as [`extent`] and
/// `fields` would without describing it: where the allocation starts and ends, 3.13+
/// inline values, and the 3.11/3.12 values array reached through the pre-header.
#[derive(Clone, Copy)]
pub struct InstanceShape {
    start: isize,
    end: isize,
    /// 3.13+: where the inline values start, and whether the class's shared keys still
    /// have more than one usable slot (then every instance was made with `capacity + 1`).
    inline: Option<(usize, bool)>,
    /// 3.11/3.12: the pre-header word holding the values pointer (3.12: tagged), and the
    /// slots a values array has at least (`split_values_count` of the shared keys).
    values: Option<(isize, bool, usize)>,
}

impl InstanceShape {
    pub fn of(tv: &TypeView<'_>) -> Option<Self> {
        let s = &tv.slots;
        if !tv.has(ffi::Py_TPFLAGS_HEAPTYPE) || s.itemsize != 0 || s.has_is_gc {
            return None;
        }
        let keys = || keys_geometry(Live::of_type(&tv.ty), s.cached_keys);
        let inline = inline_values_offset(s.flags, s.basicsize).map(|at| {
            let usable_now = if s.cached_keys == 0 {
                0
            } else {
                keys().map_or(0, |g| g.usable)
            };
            (at, usable_now > 1)
        });
        let word = match preheader(s.flags).as_slice() {
            [("managed_values", at), _] => Some((*at, false)),
            [_, ("dict_or_values", at)] => Some((*at, true)),
            _ => None,
        };
        let values = match word {
            None => None,
            Some((at, tagged)) => {
                let usable = if s.cached_keys != 0 {
                    dicts::split_values_count(&keys().ok()?)
                } else {
                    0
                };
                Some((at, tagged, usable))
            }
        };
        Some(Self {
            start: start_of(tv.has(ffi::Py_TPFLAGS_HAVE_GC), s.flags),
            end: s.basicsize,
            inline,
            values,
        })
    }

    /// The instance's allocation and its values array, as [`extent`] and `fields` find
    /// them; `None` where they would refuse (an impossible values prefix).
    pub fn quick(&self, obj: &Bound<'_, PyAny>) -> Option<super::Quick> {
        use super::{Owned, Sizes};
        let mut end = self.end;
        let mut alt = None;
        if let Some((at, roomy)) = self.inline {
            let cap = rawobj::inline_values_capacity(obj, at) as usize;
            let size = |cap: usize| 8 + 8 * cap + cap.div_ceil(8) * 8;
            let large = end.max((at + size(cap + 1)) as isize);
            if roomy {
                end = large;
            } else {
                end = end.max((at + size(cap)) as isize);
                if large > end {
                    alt = Some(Sizes {
                        first: (end - self.start) as usize,
                        step: (large - end) as usize,
                        more: 1,
                    });
                }
            }
        }
        let owned = match self.values {
            None => Owned::Nothing,
            Some((at, tagged, usable)) => {
                let live = Live::new(obj, self.start, end).ok()?;
                let word = live.own_word(at)? as usize;
                let values = if tagged {
                    dict_or_values_values(word).unwrap_or(0)
                } else {
                    word
                };
                if values == 0 {
                    Owned::Nothing
                } else {
                    values_owned(&live, values, usable)?
                }
            }
        };
        Some(super::Quick {
            start: self.start,
            len: (end - self.start) as usize,
            fit: Fit::Exact,
            owned,
            alt,
        })
    }
}

fn values_fields(b: &mut Builder, at: isize, g: &dicts::ValuesGeometry, keys: usize) {
    if g.prefix > 0 {
        b.add(
            "prefix",
            at - g.prefix as isize,
            g.prefix,
            "uint8_t[]",
            Decode::Bytes,
            Region::Header,
        );
    }
    let region = Region::Items;
    b.add_defs(dicts::VALUES_HEADER, at, Region::Header);
    let names = if keys != 0 {
        shared_key_names(b, keys, g.capacity.min(b.max_items))
    } else {
        Vec::new()
    };
    let start = b.fields.len();
    b.add_array(
        "values",
        at + g.values_offset as isize,
        g.capacity,
        8,
        "PyObject *",
        Decode::Pointer,
        region,
    );
    for (f, name) in b.fields[start..].iter_mut().zip(names) {
        f.note = name;
    }
    if let Some(order) = g.order_offset {
        b.add_array(
            "order",
            at + order as isize,
            g.capacity,
            1,
            "uint8_t",
            Decode::Unsigned,
            region,
        );
    }
}

/// 3.13+: the `PyDictValues` embedded in an instance at `at`.
pub fn inline_values(
    _py: Python<'_>,
    b: &mut Builder,
    at: isize,
    cached_keys: usize,
) -> PyResult<()> {
    let cap = b.uint(at, 1) as usize;
    let g = dicts::ValuesGeometry::with_header(cap);
    let first = b.fields.len();
    values_fields(b, at, &g, cached_keys);
    for f in &mut b.fields[first..] {
        f.region = Region::InlineValues;
    }
    Ok(())
}

/// The text of a str object at `addr`, if it is a short compact ASCII string. `addr` was
/// read from a slot through which the object `owner` describes holds a strong reference
/// (read directly when `owner` is live, else fault-free).
pub fn str_note(owner: &Builder, addr: usize) -> Option<String> {
    if addr == 0 {
        return None;
    }
    let head = match owner.live {
        Some(live) => Snapshot {
            base: addr,
            bytes: live.referenced_bytes(addr, 0, PyASCIIObject::SIZE)?,
        },
        None => Snapshot::take(addr, PyASCIIObject::SIZE).ok()?,
    };
    let state = head.uint(addr + PyASCIIObject::state.offset, 4)? as u32;
    let len = head.int(addr + PyASCIIObject::length.offset, 8)?;
    // Only a str has these exact bits; check the type pointer too.
    // SAFETY-free check: compare against the address of `PyUnicode_Type`.
    let ty = head.word(addr + PyObject::ob_type.offset)?;
    if ty != crate::raw::object::unicode_type_address() {
        return None;
    }
    if !unicode::compact(state) || !unicode::ascii(state) || !(0..=40).contains(&len) {
        return None;
    }
    let data = match owner.live {
        Some(live) => live.referenced_bytes(addr, PyASCIIObject::SIZE, len as usize)?,
        None => mem::read(addr + PyASCIIObject::SIZE, len as usize).ok()?,
    };
    Some(format!("{:?}", String::from_utf8_lossy(&data)))
}
