//! dict internals: the `PyDictObject`, its keys object (indices and entries), split-table
//! values, and the 3.13+ inline values embedded in instances.

use std::collections::HashMap;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::cpython::dictobject::PyDictObject;
use crate::cpython::object::PyObject;
use crate::cpython::pycore_dict::{self as dicts, KeysGeometry, PyDictKeysObject};
use crate::cpython::unicodeobject::{self as unicode, PyASCIIObject};
use crate::cpython::Decode;
use crate::errors;
use crate::raw::mem::{self, Snapshot};

use super::{read_err, Builder, Region};

/// Largest keys table pyhood will snapshot (2**26 slots).
const MAX_KEYS_BYTES: usize = mem::MAX_READ;

pub fn dict_body(obj: &Bound<'_, PyAny>, b: &mut Builder) -> PyResult<()> {
    let py = obj.py();
    b.add_defs(PyDictObject::FIELDS, 0, Region::Body);
    if let Some(ma_hash) = dicts::FROZEN_HASH {
        if crate::raw::object::is_frozendict(obj) {
            b.add_def(&ma_hash, 0, Region::Body);
        }
    }
    let keys = b.word(PyDictObject::ma_keys.offset as isize);
    let values = b.word(PyDictObject::ma_values.offset as isize);
    if keys == 0 {
        return Ok(());
    }
    let names = key_names(obj)?;
    let (blk, geom) = keys_block(py, keys, b.max_items, &names)?;
    b.blocks.push(blk);
    if values != 0 {
        let own_inline = values >= b.base && values < b.base.wrapping_add_signed(b.end);
        if !own_inline {
            let usable = dicts::split_values_count(&geom);
            b.blocks
                .push(values_block(py, values, usable, keys, b.max_items)?);
        }
    }
    Ok(())
}

/// Short str keys of a live dict by address, for the entries' notes. `PyDict_Next` runs no
/// Python code, so this neither changes the dict nor calls an overridden `__iter__`.
fn key_names(obj: &Bound<'_, PyAny>) -> PyResult<HashMap<usize, String>> {
    let mut out = HashMap::new();
    let keys: Vec<Bound<'_, PyAny>> = if let Ok(d) = obj.cast::<PyDict>() {
        d.iter().map(|(k, _)| k).collect()
    } else if crate::raw::object::is_frozendict(obj) && obj.get_type().name()? == "frozendict" {
        // An exact frozendict: its own iterator runs no Python code.
        obj.try_iter()?.collect::<PyResult<_>>()?
    } else {
        Vec::new()
    };
    {
        for k in keys {
            if let Ok(s) = k.cast::<PyString>() {
                let text = s.to_cow()?;
                if text.chars().count() <= 40 {
                    out.insert(k.as_ptr() as usize, format!("{text:?}"));
                }
            }
        }
    }
    Ok(out)
}

/// Read a keys object's header and return its geometry.
fn geometry(keys: usize) -> PyResult<KeysGeometry> {
    let head = Snapshot::take(keys, dicts::KEYS_HEADER_SIZE).map_err(read_err)?;
    dicts::keys_geometry(|off, len| head.uint(keys + off, len)).ok_or_else(|| {
        errors::layout_error(format!(
            "dict keys object at {keys:#x} has an impossible header"
        ))
    })
}

/// The `PyDictKeysObject` block: header, index table, entries.
pub fn keys_block(
    py: Python<'_>,
    keys: usize,
    max_items: usize,
    names: &HashMap<usize, String>,
) -> PyResult<(super::PyLayout, KeysGeometry)> {
    let g = geometry(keys)?;
    let total = g.entries_offset + g.entries * g.entry_size;
    if total > MAX_KEYS_BYTES {
        return Err(errors::layout_error(format!(
            "dict keys object at {keys:#x} claims {total} bytes"
        )));
    }
    let mut b = Builder::new(keys, 0, total as isize, max_items).map_err(read_err)?;
    b.add_defs(PyDictKeysObject::FIELDS, 0, Region::Header);
    let (ctype, decode) = match g.index_width {
        1 => ("int8_t", Decode::Signed),
        2 => ("int16_t", Decode::Signed),
        4 => ("int32_t", Decode::Signed),
        _ => ("int64_t", Decode::Signed),
    };
    b.add_array(
        PyDictKeysObject::dk_indices.name,
        dicts::KEYS_HEADER_SIZE as isize,
        g.size,
        g.index_width,
        ctype,
        decode,
        Region::Items,
    );
    let fields = dicts::entry_fields(g.kind);
    let shown = g.entries.min(max_items);
    for i in 0..shown {
        let e = (g.entries_offset + i * g.entry_size) as isize;
        for d in fields {
            let at = e + d.offset as isize;
            let note = if d.name == "me_key" {
                names.get(&b.word(at)).cloned()
            } else {
                None
            };
            let name = format!("dk_entries[{i}].{}", d.name);
            b.add(name, at, d.size, d.ctype, d.decode, Region::Items)
                .note = note;
        }
    }
    if shown < g.entries {
        let at = (g.entries_offset + shown * g.entry_size) as isize;
        b.add(
            format!("dk_entries[{shown}..{}]", g.entries),
            at,
            (g.entries - shown) * g.entry_size,
            "entries",
            Decode::Bytes,
            Region::Items,
        );
    }
    let layout = b.finish(
        py,
        Some("ma_keys".into()),
        "PyDictKeysObject".into(),
        dicts::KEYS_HEADER_SIZE as isize,
        g.entry_size as isize,
    )?;
    Ok((layout, g))
}

/// Names of a split table's keys, by entry index, from the shared keys object.
fn shared_key_names(keys: usize, count: usize) -> Vec<Option<String>> {
    let Ok(g) = geometry(keys) else {
        return vec![None; count];
    };
    (0..count)
        .map(|i| {
            if i >= g.entries {
                return None;
            }
            let me_key = dicts::entry_fields(g.kind)
                .iter()
                .find(|d| d.name == "me_key")
                .map_or(0, |d| d.offset);
            let at = keys + g.entries_offset + i * g.entry_size + me_key;
            mem::read_usize(at).ok().and_then(str_note)
        })
        .collect()
}

/// 3.11/3.12 instances whose values live outside any dict: the values block, sized by the
/// class's shared keys (`ht_cached_keys`).
pub fn managed_values_block(
    py: Python<'_>,
    values: usize,
    cached_keys: usize,
    max_items: usize,
) -> PyResult<super::PyLayout> {
    let usable = if cached_keys != 0 {
        dicts::split_values_count(&geometry(cached_keys)?)
    } else {
        0
    };
    let mut blk = values_block(py, values, usable, cached_keys, max_items)?;
    blk.name = Some("values".into());
    Ok(blk)
}

/// Split-table values (`ma_values`, or the 3.11/3.12 managed values of an instance).
pub fn values_block(
    py: Python<'_>,
    values: usize,
    usable: usize,
    keys: usize,
    max_items: usize,
) -> PyResult<super::PyLayout> {
    let g = dicts::values_geometry(
        |d| {
            mem::read(values.wrapping_add_signed(d), 1)
                .ok()
                .map(|v| v[0])
        },
        usable,
    )
    .ok_or_else(|| {
        errors::layout_error(format!(
            "dict values at {values:#x} have an impossible header"
        ))
    })?;
    let (g, unsure) = if g.prefix > 0 {
        prefixed_capacity(py, values, g)
    } else {
        (g, 0)
    };
    let mut b =
        Builder::new(values, -(g.prefix as isize), g.tail as isize, max_items).map_err(read_err)?;
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
    b.finish(
        py,
        Some("ma_values".into()),
        dicts::VALUES_CTYPE.into(),
        0,
        8,
    )
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
    let lo = p.saturating_sub(9).max(1).max(g.capacity);
    let hi = p.saturating_sub(2);
    if lo > hi {
        return (g, 0);
    }
    let bytes: Vec<usize> = (lo..=hi).map(|k| p + 8 * k).collect();
    let accepted = crate::alloc::accepted_sizes(py, values - p, &bytes);
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
        shared_key_names(keys, g.capacity.min(b.max_items))
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

/// The text of a str object at `addr`, if it is a short compact ASCII string.
pub fn str_note(addr: usize) -> Option<String> {
    if addr == 0 {
        return None;
    }
    let head = Snapshot::take(addr, PyASCIIObject::SIZE).ok()?;
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
    let data = mem::read(addr + PyASCIIObject::SIZE, len as usize).ok()?;
    Some(format!("{:?}", String::from_utf8_lossy(&data)))
}
