//! `Include/internal/pycore_long.h`: the 3.12+ `lv_tag` encoding; and the small-int cache
//! (`_PY_NSMALLPOSINTS`, `_PY_NSMALLNEGINTS`: `pycore_interp.h` 3.10,
//! `pycore_global_objects.h` 3.11–3.13, `pycore_runtime_structs.h` 3.14+).

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
        /// `_PY_NSMALLPOSINTS`: the cached small ints are `-NSMALLNEGINTS ..= NSMALLPOSINTS
        /// - 1` (-5..=256; 3.15: -5..=1024).
        pub const NSMALLPOSINTS: i64 = if cfg!(Py_3_15) { 1025 } else { 257 }
            => const _PY_NSMALLPOSINTS in NSMALLINTS_HDR;
        /// `_PY_NSMALLNEGINTS`.
        pub const NSMALLNEGINTS: i64 = 5 => const _PY_NSMALLNEGINTS in NSMALLINTS_HDR;
    }
}

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
