//! `dict` (and 3.15 `frozendict`): the `PyDictObject`, its keys object (indices and
//! entries) and, for split tables, its values (decoded in `common`, which instances share).

use std::collections::HashMap;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::cpython::dictobject::PyDictObject;
use crate::cpython::pycore_dict::{self as dicts, KeysGeometry, PyDictKeysObject};
use crate::cpython::Decode;
use crate::errors;
use crate::raw::mem;

use super::common::{self, Extent};
use super::{read_err, Builder, Decoder, Region, TypeView};

pub struct Dict;

impl Decoder for Dict {
    fn fields(
        &self,
        obj: &Bound<'_, PyAny>,
        _tv: &TypeView<'_>,
        _ext: &Extent,
        b: &mut Builder,
    ) -> PyResult<()> {
        dict_body(obj, b)
    }
}

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
                .push(common::values_block(py, values, usable, keys, b.max_items)?);
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
    } else if crate::raw::object::is_frozendict(obj)
        && crate::raw::object::type_name(&obj.get_type()) == "frozendict"
    {
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

/// The `PyDictKeysObject` block: header, index table, entries.
pub fn keys_block(
    py: Python<'_>,
    keys: usize,
    max_items: usize,
    names: &HashMap<usize, String>,
) -> PyResult<(super::PyLayout, KeysGeometry)> {
    let g = common::keys_geometry(keys)?;
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
