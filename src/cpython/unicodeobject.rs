//! `Include/cpython/unicodeobject.h`: `PyASCIIObject`, `PyCompactUnicodeObject`,
//! `PyUnicodeObject` and the bit-fields of `state`. 3.12 removed the legacy `wstr` cache.

use super::object::PyObject;
use super::{Bits, Ptr};

declare! {
    /// `PyASCIIObject`: every str starts with it; compact ASCII strings put their
    /// characters right after it.
    pub struct PyASCIIObject in "" {
        ob_base: PyObject = base,
        length: isize = { "Py_ssize_t", Signed },
        hash: isize = { "Py_hash_t", Signed },
        state: u32 = { "unsigned int", Masked { mask: STATE_DEFINED_BITS } },
        #[cfg(not(Py_3_12))]
        wstr: Ptr = { "wchar_t *", Pointer },
    }

    /// `PyCompactUnicodeObject`: non-ASCII compact strings, whose characters follow it.
    pub struct PyCompactUnicodeObject in "" {
        _base: PyASCIIObject = base,
        utf8_length: isize = { "Py_ssize_t", Signed },
        utf8: Ptr = { "char *", Pointer },
        #[cfg(not(Py_3_12))]
        wstr_length: isize = { "Py_ssize_t", Signed },
    }

    /// `PyUnicodeObject`: legacy (non-compact) strings keep their characters elsewhere.
    pub struct PyUnicodeObject in "" {
        _base: PyCompactUnicodeObject = base,
        data: Ptr = { "void *", Pointer },
    }

    bits {
        PyASCIIObject.state = STATE_BITS in "";
    }
}

/// Bit-fields of `PyASCIIObject.state`: (name, shift, width), in this order on every
/// version: `interned`, `kind`, `compact`, `ascii`, then `ready` (3.10/3.11) or
/// `statically_allocated` (3.12+).
pub const STATE_BITS: Bits = if cfg!(all(Py_GIL_DISABLED, Py_3_14)) {
    // 3.14t: `interned` became a full byte.
    &[
        ("interned", 0, 8),
        ("kind", 8, 3),
        ("compact", 11, 1),
        ("ascii", 12, 1),
        ("statically_allocated", 13, 1),
    ]
} else if cfg!(Py_3_12) {
    &[
        ("interned", 0, 2),
        ("kind", 2, 3),
        ("compact", 5, 1),
        ("ascii", 6, 1),
        ("statically_allocated", 7, 1),
    ]
} else {
    &[
        ("interned", 0, 2),
        ("kind", 2, 3),
        ("compact", 5, 1),
        ("ascii", 6, 1),
        ("ready", 7, 1),
    ]
};

/// The bits of `PyASCIIObject.state` that its bit-fields define (8 on default builds,
/// 14 on 3.14t); the remaining bits are an anonymous, never-initialised padding field.
pub const STATE_DEFINED_BITS: u64 = if cfg!(all(Py_GIL_DISABLED, Py_3_14)) {
    0x3fff
} else {
    0xff
};

/// The value of the bit-field at `STATE_BITS[index]`.
const fn state_field(state: u32, index: usize) -> u32 {
    let (_, shift, width) = STATE_BITS[index];
    (state >> shift) & ((1u32 << width) - 1)
}

/// `state.interned` (`SSTATE_*`).
pub const fn interned(state: u32) -> u32 {
    state_field(state, 0)
}

/// `state.kind`: bytes per character (1, 2, 4); 0 for a 3.10/3.11 string not yet ready.
pub const fn kind(state: u32) -> u32 {
    state_field(state, 1)
}

/// `state.compact`: the characters follow the struct.
pub const fn compact(state: u32) -> bool {
    state_field(state, 2) == 1
}

/// `state.ascii`: every character is below 128.
pub const fn ascii(state: u32) -> bool {
    state_field(state, 3) == 1
}

/// A bit-field of `state` by name (0 if this version has none of that name).
pub fn state_bit(state: u32, name: &str) -> u32 {
    STATE_BITS
        .iter()
        .position(|(n, _, _)| *n == name)
        .map_or(0, |i| state_field(state, i))
}

/// The legacy `wchar_t *wstr` cache (3.10/3.11), `None` from 3.12.
pub fn wstr_field() -> Option<super::FieldDef> {
    PyASCIIObject::FIELDS.iter().copied().find(|d| d.name == "wstr")
}

/// `wstr_length` of non-ASCII strings (3.10/3.11), `None` from 3.12.
pub fn wstr_length_field() -> Option<super::FieldDef> {
    PyCompactUnicodeObject::FIELDS
        .iter()
        .copied()
        .find(|d| d.name == "wstr_length")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_typed_accessors_read_the_bit_fields_they_name() {
        let names: Vec<&str> = STATE_BITS.iter().map(|b| b.0).collect();
        assert_eq!(names[..4], ["interned", "kind", "compact", "ascii"]);
        for &(name, shift, _) in STATE_BITS {
            assert_eq!(state_bit(1 << shift, name), 1, "{name}");
        }
        let s = 1 << STATE_BITS[1].1 | 1 << STATE_BITS[2].1;
        assert_eq!((kind(s), compact(s), ascii(s), interned(s)), (1, true, false, 0));
    }
}
