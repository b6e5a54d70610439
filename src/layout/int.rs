//! `int` and `bool` (`PyLongObject`): 3.12+ `lv_tag` and its bit-fields, before that
//! `ob_size`; then the digits (`longintrepr.h`, `pycore_long.h`).

use pyo3::prelude::*;
use pyo3::types::PyInt;

use crate::cpython::{longintrepr, pycore_long, Decode};
use crate::raw::object as rawobj;

use super::common::{Body, Extent};
use super::{Builder, Decoder, Region, TypeView};

pub struct Int;

impl Decoder for Int {
    fn var_head(&self, _tv: &TypeView<'_>) -> bool {
        !longintrepr::HAS_TAG // 3.12+ ints carry lv_tag instead of ob_size
    }

    fn body(&self, obj: &Bound<'_, PyAny>, tv: &TypeView<'_>) -> PyResult<Body> {
        let tag = rawobj::int_tag(obj.cast::<PyInt>()?);
        let (_, nd) = pycore_long::sign_and_digits(tag);
        let alloc = longintrepr::allocated_digits(nd);
        let end = longintrepr::digits_offset() + alloc * longintrepr::DIGIT_SIZE;
        Ok(Body {
            items: nd,
            end: end as isize,
            var_head: self.var_head(tv),
            heap_tail: true,
        })
    }

    fn fields(
        &self,
        _obj: &Bound<'_, PyAny>,
        _tv: &TypeView<'_>,
        _ext: &Extent,
        b: &mut Builder,
    ) -> PyResult<()> {
        int(b);
        Ok(())
    }
}

fn int(b: &mut Builder) {
    let tag = longintrepr::SIZE_WORD;
    if longintrepr::HAS_TAG {
        // 3.12+: `lv_tag` and its bit-fields (before, the word is `ob_size` of the header).
        b.add_def(&tag, 0, Region::Header);
        let at = tag.offset as isize;
        b.add_bits(
            tag.name,
            pycore_long::TAG_BITS,
            at,
            tag.size,
            tag.ctype,
            Region::Header,
        );
    }
    let raw = b.uint(tag.offset as isize, tag.size);
    let (_, nd) = pycore_long::sign_and_digits(raw);
    let count = longintrepr::allocated_digits(nd);
    let digits = longintrepr::DIGITS;
    b.add_array(
        digits.name,
        digits.offset as isize,
        count,
        longintrepr::DIGIT_SIZE,
        digits.ctype,
        Decode::Unsigned,
        Region::Items,
    );
}
