//! `Include/internal/pycore_gc.h` (3.14+: `PyGC_Head` moved to
//! `pycore_interp_structs.h`): the GC head before every tracked object and its flag bits.

/// Where `PyGC_Head` and `NUM_GENERATIONS` are declared.
pub const HEADER: &str = if cfg!(Py_3_14) {
    "internal/pycore_interp_structs.h"
} else {
    "internal/pycore_gc.h"
};

declare! {
    /// `PyGC_Head`: two words before the object. Not allocated on free-threaded builds.
    pub struct PyGC_Head in HEADER [when(!super::FREE_THREADED)] {
        _gc_next: usize = { "uintptr_t", Unsigned },
        _gc_prev: usize = { "uintptr_t", Unsigned },
    }

    consts {
        /// `_PyGC_PREV_MASK_FINALIZED`: `tp_finalize` has run.
        pub const GC_PREV_MASK_FINALIZED: usize = 1
            => const _PyGC_PREV_MASK_FINALIZED in "internal/pycore_gc.h";
        /// `_PyGC_PREV_MASK_COLLECTING`: the object is in the collection underway.
        pub const GC_PREV_MASK_COLLECTING: usize = 2
            => const _PyGC_PREV_MASK_COLLECTING in "internal/pycore_gc.h";
    }
}

/// Size of `PyGC_Head`, or 0 where none is allocated (free-threaded builds).
pub const GC_HEAD_SIZE: usize = if cfg!(Py_GIL_DISABLED) {
    0
} else {
    PyGC_Head::SIZE
};

/// Low bits of `_gc_next` that are flags rather than address bits: `NEXT_MASK_UNREACHABLE`
/// (bit 0, set only during a collection, 3.10–3.15). GC heads are at least 4-aligned
/// (Debian 3.13.18 puts the generation heads at 4-aligned addresses), so both low bits go.
pub const GC_NEXT_MASK: usize = usize::MAX << 2;

/// Free-threaded `ob_gc_bits` (`pycore_gc.h` 3.13+): `_PyGC_BITS_TRACKED`,
/// `_PyGC_BITS_FINALIZED`, `_PyGC_BITS_FROZEN`.
pub const GC_BITS_TRACKED: u8 = 1;
pub const GC_BITS_FINALIZED: u8 = 1 << 1;
pub const GC_BITS_FROZEN: u8 = 1 << 3;
