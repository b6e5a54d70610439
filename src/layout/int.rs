//! `int` and `bool` (`PyLongObject`): 3.12+ `lv_tag` and its bit-fields, before that
//! `ob_size`; then the digits (`longintrepr.h`, `pycore_long.h`).

use pyo3::prelude::*;
use pyo3::types::PyInt;

use crate::cpython::{longintrepr, pycore_long, Decode};
use crate::raw::object as rawobj;

use super::common::{Body, Extent, Fit, TypeStart};
use super::{Builder, Decoder, Region, TypeView};

pub struct Int;

/// An int may hold fewer digits than it was allocated with: `long_normalize` drops leading
/// zero digits without reallocating (`x_sub`, `long_lshift`, `x_mul`, …,
/// Objects/longobject.c v3.10–v3.15), so its block may be larger.
const FIT: Fit = Fit::AtLeast;

/// An int's digit count and where its allocated digits end.
fn digits(obj: &Bound<'_, PyInt>) -> (usize, isize) {
    let (_, nd) = pycore_long::sign_and_digits(rawobj::int_tag(obj));
    let alloc = longintrepr::allocated_digits(nd);
    let end = longintrepr::digits_offset() + alloc * longintrepr::DIGIT_SIZE;
    (nd, end as isize)
}

impl Decoder for Int {
    fn owned(&self, _obj: &Bound<'_, PyAny>) -> super::Owned {
        super::Owned::Nothing
    }

    fn var_head(&self, _tv: &TypeView<'_>) -> bool {
        !longintrepr::HAS_TAG // 3.12+ ints carry lv_tag instead of ob_size
    }

    fn quick(
        &self,
        obj: &Bound<'_, PyAny>,
        _tv: &TypeView<'_>,
        start: &TypeStart,
    ) -> Option<super::Quick> {
        let (_, end) = digits(obj.cast::<PyInt>().ok()?);
        Some(start.quick(end, FIT, super::Owned::Nothing))
    }

    fn body(&self, obj: &Bound<'_, PyAny>, tv: &TypeView<'_>) -> PyResult<Body> {
        let (nd, end) = digits(obj.cast::<PyInt>()?);
        Ok(Body {
            items: nd,
            end,
            var_head: self.var_head(tv),
            heap_tail: true,
            alt_ends: Vec::new(),
            fit: FIT,
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

/// The tag (3.12+) and digits.
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
