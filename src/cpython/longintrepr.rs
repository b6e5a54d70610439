//! `Include/cpython/longintrepr.h` (3.10: `Include/longintrepr.h`): `PyLongObject`.
//!
//! Before 3.12 an int is a `PyVarObject` whose signed `ob_size` is the digit count; from
//! 3.12 the word after `PyObject_HEAD` is `long_value.lv_tag` (encoding in
//! `pycore_long.rs`). The mirror flattens 3.12's `_PyLongValue long_value`: its two fields
//! keep their C path (`long_value.lv_tag`, `long_value.ob_digit`).

#[cfg(Py_3_12)]
use super::object::PyObject;
#[cfg(not(Py_3_12))]
use super::object::PyVarObject;
use super::FieldDef;

/// The head an int starts with.
#[cfg(not(Py_3_12))]
type LongHead = PyVarObject;
#[cfg(Py_3_12)]
type LongHead = PyObject;

declare! {
    /// `PyLongObject`: 30-bit digits (`digit` is `uint32_t`), least significant first.
    pub struct PyLongObject in "" {
        ob_base: LongHead = base,
        #[cfg(Py_3_12)]
        lv_tag as "long_value.lv_tag": usize = { "uintptr_t", Unsigned },
        #[cfg(not(Py_3_12))]
        ob_digit: [u32; 1] = ["digit"],
        #[cfg(Py_3_12)]
        ob_digit as "long_value.ob_digit": [u32; 1] = ["digit"],
    }
}

/// Whether an int carries `lv_tag` (3.12+) rather than `ob_size` after its header.
pub const HAS_TAG: bool = cfg!(Py_3_12);

/// The word after the header that carries sign and size: `ob_size` before 3.12,
/// `long_value.lv_tag` from 3.12.
#[cfg(not(Py_3_12))]
pub const SIZE_WORD: FieldDef = PyVarObject::ob_size;
#[cfg(Py_3_12)]
pub const SIZE_WORD: FieldDef = PyLongObject::lv_tag;

/// The digit array (`ob_digit`, `long_value.ob_digit`): its C name and offset.
pub const DIGITS: FieldDef = PyLongObject::ob_digit;

/// Offset of the first digit.
pub const fn digits_offset() -> usize {
    DIGITS.offset
}

/// `sizeof(digit)`.
pub const DIGIT_SIZE: usize = 4;

/// Digits CPython allocates for an int with `ndigits` digits: from 3.11 `_PyLong_New`
/// always allocates at least one ("We always allocate memory for at least one digit",
/// `Include/cpython/longintrepr.h` v3.11.7); 3.10 allocates exactly `ndigits`.
pub fn allocated_digits(ndigits: usize) -> usize {
    if cfg!(Py_3_11) {
        ndigits.max(1)
    } else {
        ndigits
    }
}
