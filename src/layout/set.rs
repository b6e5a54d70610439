//! `set` and `frozenset` (`PySetObject`): the counters, the inline `smalltable`, and the
//! table as its own block once it outgrows it.

use pyo3::prelude::*;

use crate::cpython::setobject::{setentry, PySetObject, SET_MINSIZE};

use super::builder::FieldName;
use super::common::{Extent, Fit, TypeStart};
use super::{read_err, Builder, Decoder, Region, TypeView};

pub struct Set;

impl Decoder for Set {
    /// An exact set or frozenset owns its table once it outgrows `smalltable`: the block
    /// `set` describes.
    fn quick(
        &self,
        obj: &Bound<'_, PyAny>,
        tv: &TypeView<'_>,
        start: &TypeStart,
    ) -> Option<super::Quick> {
        let exact = [
            core::ptr::addr_of!(pyo3::ffi::PySet_Type) as usize,
            core::ptr::addr_of!(pyo3::ffi::PyFrozenSet_Type) as usize,
        ];
        if !exact.contains(&tv.slots.address) {
            return None;
        }
        let (table, mask) = crate::raw::object::set_table(obj)?;
        let small = (obj.as_ptr() as usize).wrapping_add(PySetObject::smalltable.offset);
        let owned = if table != 0 && table != small && mask > 0 {
            let len = (mask as usize + 1).checked_mul(setentry::SIZE)?;
            if len > crate::raw::mem::MAX_READ {
                return None; // refused by `set`'s read
            }
            super::Owned::One {
                address: table,
                len,
                fit: Fit::Exact,
            }
        } else {
            super::Owned::Nothing
        };
        Some(start.quick(tv.slots.basicsize, Fit::Exact, owned))
    }

    fn fields(
        &self,
        _obj: &Bound<'_, PyAny>,
        _tv: &TypeView<'_>,
        _ext: &Extent,
        b: &mut Builder,
    ) -> PyResult<()> {
        set(b)
    }
}

fn set(b: &mut Builder) -> PyResult<()> {
    type S = PySetObject;
    for d in [S::fill, S::used, S::mask, S::table, S::hash, S::finger] {
        b.add_def(&d, 0, Region::Body);
    }
    let small = S::smalltable.offset as isize;
    add_set_entries(b, S::smalltable.name, small, SET_MINSIZE, Region::Items);
    b.add_def(&S::weakreflist, 0, Region::Body);
    let table = b.word(S::table.offset as isize);
    let mask = b.int(S::mask.offset as isize, 8);
    if table != 0 && table != b.base.wrapping_add_signed(small) && mask > 0 {
        let n = (mask + 1) as usize;
        // The set owns its table of `mask + 1` entries (point 2 of the rule in `raw`);
        // only the entries shown are read.
        let shown_end = b.shown_end(0, n, setentry::SIZE);
        let mut blk = b
            .owned(table, 0, (n * setentry::SIZE) as isize, shown_end)
            .map_err(read_err)?;
        add_set_entries(&mut blk, "table", 0, n, Region::Items);
        let entry = setentry::SIZE as isize;
        b.blocks
            .push(blk.finish(Some("table".into()), "setentry[]".into(), 0, entry));
    }
    Ok(())
}

fn add_set_entries(b: &mut Builder, name: &'static str, at: isize, count: usize, region: Region) {
    let entry = setentry::SIZE;
    let shown = count.min(b.max_items);
    for i in 0..shown {
        let e = at + (i * entry) as isize;
        for d in setentry::FIELDS {
            let key = FieldName::Item {
                array: name,
                index: i,
                member: Some(d.name),
            };
            b.add(
                key,
                e + d.offset as isize,
                d.size,
                d.ctype,
                d.decode,
                region,
            );
        }
    }
    if shown < count && b.record {
        b.add_rest(
            format!("{name}[{shown}..{count}]"),
            at + (shown * entry) as isize,
            (count - shown) * entry,
            "setentry[]",
            region,
        );
    }
}
