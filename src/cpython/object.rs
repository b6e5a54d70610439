//! `Include/object.h` (and `Include/refcount.h`, 3.14): the `PyObject` header, `PyVarObject`,
//! the type flags pyhood tests, and how the running version counts references.

use core::mem::offset_of;

use super::{Bits, FieldDef, Ptr};

declare! {
    /// `PyObject`. Before 3.14 a full-word reference count; 3.14 default builds
    /// (`Include/object.h` v3.14.10) make the word a union of `ob_refcnt_full` and
    /// {`uint32 ob_refcnt`, `uint16 ob_overflow`, `uint16 ob_flags`} (little-endian);
    /// free-threaded builds have `ob_tid`, `_padding` (3.13t) / `ob_flags` (3.14t),
    /// `ob_mutex`, `ob_gc_bits`, `ob_ref_local`, `ob_ref_shared`.
    pub struct PyObject in "" {
        #[cfg(not(Py_GIL_DISABLED))]
        #[cfg(not(Py_3_14))]
        ob_refcnt: isize = { "Py_ssize_t", Signed },
        #[cfg(not(Py_GIL_DISABLED))]
        #[cfg(Py_3_14)]
        ob_refcnt: u32 = { "uint32_t", Unsigned },
        #[cfg(not(Py_GIL_DISABLED))]
        #[cfg(Py_3_14)]
        ob_overflow: u16 = { "uint16_t", Unsigned },
        #[cfg(Py_GIL_DISABLED)]
        ob_tid: usize = { "uintptr_t", Unsigned },
        #[cfg(Py_GIL_DISABLED)]
        #[cfg(not(Py_3_14))]
        _padding: u16 = { "uint16_t", Unsigned },
        #[cfg(Py_3_14)]
        ob_flags: u16 = { "uint16_t", Unsigned },
        #[cfg(Py_GIL_DISABLED)]
        ob_mutex: u8 = { "PyMutex", Unsigned },
        #[cfg(Py_GIL_DISABLED)]
        ob_gc_bits: u8 = { "uint8_t", Unsigned },
        #[cfg(Py_GIL_DISABLED)]
        ob_ref_local: u32 = { "uint32_t", Unsigned },
        #[cfg(Py_GIL_DISABLED)]
        ob_ref_shared: isize = { "Py_ssize_t", Signed },
        ob_type: Ptr = { "PyTypeObject *", Pointer },
    }

    /// `PyVarObject`: the header of variable-size objects.
    pub struct PyVarObject in "" {
        ob_base: PyObject = base,
        ob_size: isize = { "Py_ssize_t", Signed },
    }

    consts {
        /// `Py_TPFLAGS_INLINE_VALUES` (3.13+): instances embed their `PyDictValues`.
        pub const TPFLAGS_INLINE_VALUES: u64 = if cfg!(Py_3_13) { 1 << 2 } else { 0 }
            => const Py_TPFLAGS_INLINE_VALUES in "" if TPFLAGS_INLINE_VALUES != 0;
        /// `Py_TPFLAGS_MANAGED_WEAKREF` (3.12+): the weakref list is in the pre-header.
        pub const TPFLAGS_MANAGED_WEAKREF: u64 = if cfg!(Py_3_12) { 1 << 3 } else { 0 }
            => const Py_TPFLAGS_MANAGED_WEAKREF in "" if TPFLAGS_MANAGED_WEAKREF != 0;
        /// `Py_TPFLAGS_MANAGED_DICT` (3.11+): the dict (or values) is in the pre-header.
        pub const TPFLAGS_MANAGED_DICT: u64 = if cfg!(Py_3_11) { 1 << 4 } else { 0 }
            => const Py_TPFLAGS_MANAGED_DICT in "" if TPFLAGS_MANAGED_DICT != 0;
        /// `_Py_TPFLAGS_STATIC_BUILTIN` (3.12+): a static builtin type, whose own
        /// `tp_weaklist` lives in the interpreter state, not in the type object.
        pub const TPFLAGS_STATIC_BUILTIN: u64 = if cfg!(Py_3_12) { 1 << 1 } else { 0 }
            => const _Py_TPFLAGS_STATIC_BUILTIN in "" if TPFLAGS_STATIC_BUILTIN != 0;
    }
}

/// The `ob_flags` bits of 3.14+ default builds (`Include/object.h`): `_Py_IMMORTAL_FLAGS`
/// (bit 0), 3.15's `_Py_LEGACY_ABI_CHECK_FLAG` (bit 1, module definitions),
/// `_Py_STATICALLY_ALLOCATED_FLAG` (bit 2). Shown as views of `ob_flags`.
const OB_FLAGS_BITS: Bits = if cfg!(Py_3_15) {
    &[
        ("immortal", 0, 1),
        ("legacy_abi_check", 1, 1),
        ("statically_allocated", 2, 1),
    ]
} else {
    &[("immortal", 0, 1), ("statically_allocated", 2, 1)]
};

/// The bit-field views of the header: the container field and its bits (3.14+ default
/// builds: `ob_flags`), or `None`.
#[cfg(all(Py_3_14, not(Py_GIL_DISABLED)))]
pub const HEADER_BITS: Option<(FieldDef, Bits)> = Some((PyObject::ob_flags, OB_FLAGS_BITS));
#[cfg(not(all(Py_3_14, not(Py_GIL_DISABLED))))]
pub const HEADER_BITS: Option<(FieldDef, Bits)> = None;

/// The bytes of an object's `PyObject` header, copied once (by `raw::object::header_bytes`).
#[derive(Clone, Copy)]
pub struct HeaderBytes(pub [u8; PyObject::SIZE]);

impl HeaderBytes {
    fn u64_at(&self, off: usize, len: usize) -> u64 {
        let mut b = [0u8; 8];
        b[..len].copy_from_slice(&self.0[off..off + len]);
        u64::from_le_bytes(b)
    }

    pub fn type_address(&self) -> usize {
        self.u64_at(offset_of!(PyObject, ob_type), 8) as usize
    }
}

/// `Py_REFCNT(ob)` exactly as the running interpreter's C macro computes it.
#[cfg(all(not(Py_GIL_DISABLED), not(Py_3_14)))]
pub fn refcnt(h: &HeaderBytes) -> i64 {
    // 3.10/3.11: the whole word. 3.12/3.13: still the whole `ob_refcnt` word; immortal
    // objects keep it at 0xFFFFFFFF because INCREF saturates the low 32 bits.
    h.u64_at(offset_of!(PyObject, ob_refcnt), 8) as i64
}

/// 3.14: `Py_REFCNT` returns the 32-bit `ob_refcnt` (not the 64-bit union view).
#[cfg(all(not(Py_GIL_DISABLED), Py_3_14))]
pub fn refcnt(h: &HeaderBytes) -> i64 {
    h.u64_at(offset_of!(PyObject, ob_refcnt), 4) as i64
}

/// Free-threaded: `ob_ref_local + (ob_ref_shared >> 2)`; immortal objects report
/// `_Py_IMMORTAL_REFCNT` (3.13t, UINT_MAX) / `_Py_IMMORTAL_INITIAL_REFCNT` (3.14t, 3<<30).
#[cfg(Py_GIL_DISABLED)]
pub fn refcnt(h: &HeaderBytes) -> i64 {
    let local = refcnt_local(h);
    if local == u32::MAX {
        return if cfg!(Py_3_14) {
            3 << 30
        } else {
            u32::MAX as i64
        };
    }
    let shared = h.u64_at(offset_of!(PyObject, ob_ref_shared), 8) as i64;
    local as i64 + (shared >> 2)
}

/// Whether the object is immortal (`_Py_IsImmortal`); always false before 3.12.
pub fn immortal(h: &HeaderBytes) -> bool {
    if cfg!(Py_GIL_DISABLED) {
        // `_Py_IsImmortal` free-threaded: ob_ref_local == _Py_IMMORTAL_REFCNT_LOCAL.
        return refcnt_local(h) == u32::MAX;
    }
    if cfg!(Py_3_12) {
        // 3.12/3.13: (int32_t)ob_refcnt < 0; 3.14: the 32-bit ob_refcnt >= 1 << 31.
        (h.u64_at(0, 4) as u32) >> 31 == 1
    } else {
        false
    }
}

#[cfg(Py_GIL_DISABLED)]
fn refcnt_local(h: &HeaderBytes) -> u32 {
    h.u64_at(offset_of!(PyObject, ob_ref_local), 4) as u32
}

#[cfg(not(Py_GIL_DISABLED))]
fn refcnt_local(_: &HeaderBytes) -> u32 {
    0
}

/// Free-threaded header fields, `None` on default builds:
/// (`ob_tid`, `ob_ref_local`, `ob_ref_shared`, `ob_gc_bits`).
#[cfg(Py_GIL_DISABLED)]
pub fn ft_fields(h: &HeaderBytes) -> Option<(u64, u32, i64, u8)> {
    Some((
        h.u64_at(offset_of!(PyObject, ob_tid), 8),
        refcnt_local(h),
        h.u64_at(offset_of!(PyObject, ob_ref_shared), 8) as i64,
        h.u64_at(offset_of!(PyObject, ob_gc_bits), 1) as u8,
    ))
}

#[cfg(not(Py_GIL_DISABLED))]
pub fn ft_fields(_: &HeaderBytes) -> Option<(u64, u32, i64, u8)> {
    None
}

/// `ob_flags` (3.14+ default and free-threaded builds; 3.13t's `_padding` in that slot),
/// else `None`.
pub fn ob_flags(h: &HeaderBytes) -> Option<u16> {
    #[cfg(Py_3_14)]
    let at = Some(PyObject::ob_flags.offset);
    #[cfg(all(Py_GIL_DISABLED, not(Py_3_14)))]
    let at = Some(PyObject::_padding.offset);
    #[cfg(not(any(Py_3_14, Py_GIL_DISABLED)))]
    let at: Option<usize> = None;
    at.map(|at| h.u64_at(at, 2) as u16)
}
