//! `dict` (and 3.15 `frozendict`): the `PyDictObject`, its keys object (indices and
//! entries) and, for split tables, its values (decoded in `common`, which instances share).

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::cpython::dictobject::PyDictObject;
use crate::cpython::pycore_dict::{self as dicts, KeysGeometry, PyDictKeysObject};
use crate::cpython::Decode;
use crate::errors;
use crate::raw::live::Live;
use crate::raw::mem;

use super::builder::FieldName;
use super::common::{self, Extent, Fit, TypeStart};
use super::{read_err, Builder, Decoder, Described, Region, TypeView};

pub struct Dict;

impl Decoder for Dict {
    /// An exact dict owns the keys block `keys_block` describes when it alone holds it
    /// (`dk_refcnt` 1, as `footprint::owned` asks), else nothing (the empty keys every new
    /// dict shares, a class's shared keys); a split table also owns its values
    /// (`common::values_owned`). A dict owning both, a subclass or a keys header
    /// `keys_block` would refuse: `fields` tells.
    fn quick(
        &self,
        obj: &Bound<'_, PyAny>,
        tv: &TypeView<'_>,
        start: &TypeStart,
    ) -> Option<super::Quick> {
        if tv.slots.address != core::ptr::addr_of!(pyo3::ffi::PyDict_Type) as usize {
            return None;
        }
        let (keys, values) = crate::raw::object::dict_tables(obj.cast::<PyDict>().ok()?);
        if keys == 0 {
            return None;
        }
        let end = tv.slots.basicsize;
        let live = Live::new(obj, start.start(), end).ok()?;
        let head = live.owned(keys, dicts::KEYS_HEADER_SIZE).ok()?;
        let g = dicts::keys_geometry(|off, len| head.uint(keys + off, len))?;
        let len = g.entries_offset + g.entries * g.entry_size;
        if len > MAX_KEYS_BYTES {
            return None;
        }
        let refs = head.int(keys + PyDictKeysObject::dk_refcnt.offset, 8)?;
        let owned = match (values, refs) {
            (0, 1) => super::Owned::One {
                address: keys,
                len,
                fit: Fit::Exact,
            },
            (0, _) => super::Owned::Nothing,
            (_, 1) => return None, // keys and values: `fields` tells
            _ => {
                // As `dict_body`: values inside the dict's own struct are not a block.
                let base = obj.as_ptr() as usize;
                if (base..base.wrapping_add_signed(end)).contains(&values) {
                    super::Owned::Nothing
                } else {
                    common::values_owned(&live, values, dicts::split_values_count(&g))?
                }
            }
        };
        Some(start.quick(end, Fit::Exact, owned))
    }

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
    let (blk, geom) = keys_block(b, keys)?;
    b.blocks.push(blk);
    if values != 0 {
        let own_inline = values >= b.base && values < b.base.wrapping_add_signed(b.end);
        if !own_inline {
            let usable = dicts::split_values_count(&geom);
            let blk = common::values_block(obj.py(), b, values, usable, keys)?;
            b.blocks.push(blk);
        }
    }
    Ok(())
}

/// The `PyDictKeysObject` block that the dict `owner` describes: header, index table,
/// entries. The dict owns it (point 2 of the rule in `raw`; shared keys are owned by their
/// class and every instance that uses them); only the header and the indices and entries
/// that `max_items` shows are read, and the keys of the entries shown are noted.
pub fn keys_block(owner: &Builder, keys: usize) -> PyResult<(Described, KeysGeometry)> {
    let g = common::keys_geometry(owner.live, keys)?;
    let total = g.entries_offset + g.entries * g.entry_size;
    if total > MAX_KEYS_BYTES {
        return Err(errors::layout_error(format!(
            "dict keys object at {keys:#x} claims {total} bytes"
        )));
    }
    let header = dicts::KEYS_HEADER_SIZE as isize;
    let indices_end = owner.shown_end(header, g.size, g.index_width);
    let mut b = owner
        .owned(keys, 0, total as isize, indices_end)
        .map_err(read_err)?;
    let entries_at = g.entries_offset as isize;
    let shown_entries = b.shown_end(0, g.entries, g.entry_size) as usize;
    b.read_also(entries_at, shown_entries).map_err(read_err)?;
    b.add_defs(PyDictKeysObject::FIELDS, 0, Region::Header);
    let (ctype, decode) = match g.index_width {
        1 => ("int8_t", Decode::Signed),
        2 => ("int16_t", Decode::Signed),
        4 => ("int32_t", Decode::Signed),
        _ => ("int64_t", Decode::Signed),
    };
    b.add_array(
        PyDictKeysObject::dk_indices.name,
        header,
        g.size,
        g.index_width,
        ctype,
        decode,
        Region::Items,
    );
    let fields = dicts::entry_fields(g.kind);
    let shown = g.entries.min(b.max_items);
    let live_entries = g.nentries.clamp(0, g.entries as isize) as usize;
    for i in 0..shown {
        let e = (g.entries_offset + i * g.entry_size) as isize;
        for d in fields {
            let at = e + d.offset as isize;
            // Entries below `dk_nentries` hold a strong reference to their key (or NULL).
            let note = if d.name == "me_key" && i < live_entries {
                common::str_note(&b, b.word(at))
            } else {
                None
            };
            let name = FieldName::Item {
                array: "dk_entries",
                index: i,
                member: Some(d.name),
            };
            b.add(name, at, d.size, d.ctype, d.decode, Region::Items)
                .note = note;
        }
    }
    if shown < g.entries && b.record {
        let at = (g.entries_offset + shown * g.entry_size) as isize;
        b.add_rest(
            format!("dk_entries[{shown}..{}]", g.entries),
            at,
            (g.entries - shown) * g.entry_size,
            "entries",
            Region::Items,
        );
    }
    let layout = b.finish(
        Some("ma_keys".into()),
        "PyDictKeysObject".into(),
        dicts::KEYS_HEADER_SIZE as isize,
        g.entry_size as isize,
    );
    Ok((layout, g))
}
