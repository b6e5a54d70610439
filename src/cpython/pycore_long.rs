//! `Include/internal/pycore_long.h`: the 3.12+ `lv_tag` encoding; and the small-int cache
//! (`_PY_NSMALLPOSINTS`, `_PY_NSMALLNEGINTS`: `pycore_interp.h` 3.10,
//! `pycore_global_objects.h` 3.11–3.13, `pycore_runtime_structs.h` 3.14+).

use super::Bits;

/// The header that defines `_PY_NSMALLPOSINTS`.
pub const NSMALLINTS_HDR: &str = if cfg!(Py_3_14) {
    "internal/pycore_runtime_structs.h"
} else if cfg!(Py_3_11) {
    "internal/pycore_global_objects.h"
} else {
    "internal/pycore_interp.h"
};

declare! {
    consts {
        /// `_PyLong_SIGN_MASK` (3.12+): the sign bits of `lv_tag`.
        pub const LONG_SIGN_MASK: u64 = 3
            => const _PyLong_SIGN_MASK in "internal/pycore_long.h" if cfg!(Py_3_12);
        /// `SIGN_NEGATIVE` (3.12+).
        pub const LONG_SIGN_NEGATIVE: u64 = 2
            => const SIGN_NEGATIVE in "internal/pycore_long.h" if cfg!(Py_3_12);
        /// `_PyLong_NON_SIZE_BITS` (3.12+): the digit count starts at this bit.
        pub const LONG_NON_SIZE_BITS: u32 = 3
            => const _PyLong_NON_SIZE_BITS in "internal/pycore_long.h" if cfg!(Py_3_12);
        /// `IMMORTALITY_BIT_MASK` (3.14+): marks the immortal small ints.
        pub const LONG_IMMORTAL_BIT: u64 = 1 << 2
            => const IMMORTALITY_BIT_MASK in "internal/pycore_long.h" if cfg!(Py_3_14);
        /// `_PY_NSMALLPOSINTS`: the cached small ints are `-NSMALLNEGINTS ..= NSMALLPOSINTS
        /// - 1` (-5..=256; 3.15: -5..=1024).
        pub const NSMALLPOSINTS: i64 = if cfg!(Py_3_15) { 1025 } else { 257 }
            => const _PY_NSMALLPOSINTS in NSMALLINTS_HDR;
        /// `_PY_NSMALLNEGINTS`.
        pub const NSMALLNEGINTS: i64 = 5 => const _PY_NSMALLNEGINTS in NSMALLINTS_HDR;
    }
}

const SIGN: (&str, u32, u32) = ("sign", 0, LONG_SIGN_MASK.count_ones());
const IMMORTAL: (&str, u32, u32) = ("immortal", LONG_IMMORTAL_BIT.trailing_zeros(), 1);
const NDIGITS: (&str, u32, u32) = ("ndigits", LONG_NON_SIZE_BITS, 64 - LONG_NON_SIZE_BITS);

/// The bit-fields of `lv_tag`, from the constants above: sign in bits 0–1 (0 positive,
/// 1 zero, 2 negative), 3.14+ immortality bit 2, digit count from bit 3. Empty before 3.12.
pub const TAG_BITS: Bits = if cfg!(Py_3_14) {
    &[SIGN, IMMORTAL, NDIGITS]
} else if cfg!(Py_3_12) {
    &[SIGN, NDIGITS]
} else {
    &[]
};

/// (negative, digit count) from the word after the header (`SIZE_WORD` in
/// `longintrepr.rs`).
pub fn sign_and_digits(tag: u64) -> (bool, usize) {
    if cfg!(Py_3_12) {
        (
            (tag & LONG_SIGN_MASK) == LONG_SIGN_NEGATIVE,
            (tag >> LONG_NON_SIZE_BITS) as usize,
        )
    } else {
        let size = tag as i64;
        (size < 0, size.unsigned_abs() as usize)
    }
}

/// Whether `v` is in the small-int cache range of this version.
pub fn is_small_int_value(v: i64) -> bool {
    (-NSMALLNEGINTS..NSMALLPOSINTS).contains(&v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_bits_follow_the_encoding_constants() {
        let expected: Bits = if cfg!(Py_3_14) {
            &[("sign", 0, 2), ("immortal", 2, 1), ("ndigits", 3, 61)]
        } else if cfg!(Py_3_12) {
            &[("sign", 0, 2), ("ndigits", 3, 61)]
        } else {
            &[]
        };
        assert_eq!(TAG_BITS, expected);
        assert_eq!(sign_and_digits(if cfg!(Py_3_12) { (5 << 3) | 2 } else { -5i64 as u64 }), (true, 5));
    }
}
