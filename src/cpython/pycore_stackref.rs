//! `Include/internal/pycore_stackref.h` (3.14+): `_PyStackRef`, the tagged word that
//! replaced `PyObject *` in frame slots. Before 3.14 a slot is a plain pointer.

/// `_PyStackRef` (3.14+) where the field is one, else the `PyObject *` it replaced.
pub const OBJ_OR_STACKREF: &str = if cfg!(Py_3_14) {
    "_PyStackRef"
} else {
    "PyObject *"
};

declare! {
    consts {
        /// `Py_TAG_BITS` (3.14, 3.15): 3 on default builds, 1 on free-threaded 3.14 builds;
        /// 0 before 3.14 (no tags).
        pub const STACKREF_TAG_BITS: usize =
            if cfg!(all(Py_3_14, Py_GIL_DISABLED, not(Py_3_15))) {
                1
            } else if cfg!(Py_3_14) {
                3
            } else {
                0
            }
            => const Py_TAG_BITS in "internal/pycore_stackref.h" if cfg!(Py_3_14);
        /// `Py_INT_TAG` (3): a tagged integer.
        pub const STACKREF_INT_TAG: usize = 3
            => const Py_INT_TAG in "internal/pycore_stackref.h" if cfg!(Py_3_14);
    }
}

/// What one `localsplus` slot holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    Null,
    Object(usize),
    /// A tagged integer (3.14+ stack values such as a `for` loop's index), not an object.
    TaggedInt(i64),
}

/// Decode a slot's word.
pub fn decode_slot(bits: usize) -> Slot {
    if STACKREF_TAG_BITS != 0 && bits & STACKREF_INT_TAG == STACKREF_INT_TAG {
        return Slot::TaggedInt((bits as i64) >> 2);
    }
    match bits & !STACKREF_TAG_BITS {
        0 => Slot::Null,
        p => Slot::Object(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_decode_by_version() {
        assert_eq!(decode_slot(0), Slot::Null);
        assert_eq!(decode_slot(0x1000), Slot::Object(0x1000));
        if cfg!(Py_3_14) {
            assert_eq!(decode_slot(1), Slot::Null); // PyStackRef_NULL
            assert_eq!(decode_slot(0x1001), Slot::Object(0x1000)); // deferred reference
            assert_eq!(decode_slot((7 << 2) | 3), Slot::TaggedInt(7));
        }
    }
}
