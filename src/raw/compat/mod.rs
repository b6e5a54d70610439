//! Every difference between CPython versions that pyhood depends on, one function or constant
//! per difference, keyed on PyO3's `Py_3_N` / `Py_GIL_DISABLED` cfgs. Struct shapes live in
//! `structs.rs`; this file holds the encodings layered on top of them (refcount words, tag
//! bits, bit-fields, pre-header placement, dict-keys geometry).
//!
//! Everything here is safe code over bytes already copied out of the process.

use core::mem::{offset_of, size_of};

use super::object::HeaderBytes;
use super::structs::*;

pub mod frame;

/// The minor version this build was compiled for; `lib.rs` refuses to import elsewhere.
pub const BUILT_FOR_MINOR: &str = env!("PYHOOD_BUILT_FOR_MINOR");
/// Whether this build targets a free-threaded interpreter.
pub const FREE_THREADED: bool = cfg!(Py_GIL_DISABLED);

/// How a field's bytes become a Python value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decode {
    Signed,
    Unsigned,
    Pointer,
    Double,
    Bytes,
    /// A bit-field inside the container bytes: `(word >> shift) & ((1 << width) - 1)`.
    Bits {
        shift: u32,
        width: u32,
    },
    /// A one-bit flag, decoded as a bool.
    Flag {
        shift: u32,
    },
    /// An unsigned word of which only `mask` is defined (the rest is uninitialised padding,
    /// e.g. the anonymous `:24` of `PyASCIIObject.state`); `raw` keeps every byte.
    Masked {
        mask: u64,
    },
}

/// One statically known field: C name, offset from the struct start, size, C type, decoding.
#[derive(Clone, Copy, Debug)]
pub struct FieldDef {
    pub name: &'static str,
    pub offset: usize,
    pub size: usize,
    pub ctype: &'static str,
    pub decode: Decode,
}

pub(crate) const fn def(
    name: &'static str,
    offset: usize,
    size: usize,
    ctype: &'static str,
    decode: Decode,
) -> FieldDef {
    FieldDef {
        name,
        offset,
        size,
        ctype,
        decode,
    }
}

// ---------------------------------------------------------------------------------------
// PyObject header and reference counts
// ---------------------------------------------------------------------------------------

/// The `PyObject` header fields, in address order.
#[cfg(all(not(Py_GIL_DISABLED), not(Py_3_14)))]
pub const OBJECT_HEAD: &[FieldDef] = &[
    def(
        "ob_refcnt",
        offset_of!(PyObject, ob_refcnt),
        8,
        "Py_ssize_t",
        Decode::Signed,
    ),
    def(
        "ob_type",
        offset_of!(PyObject, ob_type),
        8,
        "PyTypeObject *",
        Decode::Pointer,
    ),
];

/// 3.14 (`Include/object.h` v3.14.10): the 32-bit count, overflow and flags share the word.
#[cfg(all(not(Py_GIL_DISABLED), Py_3_14))]
pub const OBJECT_HEAD: &[FieldDef] = &[
    def(
        "ob_refcnt",
        offset_of!(PyObject, ob_refcnt),
        4,
        "uint32_t",
        Decode::Unsigned,
    ),
    def(
        "ob_overflow",
        offset_of!(PyObject, ob_overflow),
        2,
        "uint16_t",
        Decode::Unsigned,
    ),
    def(
        "ob_flags",
        offset_of!(PyObject, ob_flags),
        2,
        "uint16_t",
        Decode::Unsigned,
    ),
    def(
        "ob_flags.immortal",
        offset_of!(PyObject, ob_flags),
        2,
        "uint16_t",
        Decode::Flag { shift: 0 },
    ),
    // 3.15 `Include/object.h`: bit 1 `_Py_LEGACY_ABI_CHECK_FLAG` (module definitions).
    #[cfg(Py_3_15)]
    def(
        "ob_flags.legacy_abi_check",
        offset_of!(PyObject, ob_flags),
        2,
        "uint16_t",
        Decode::Flag { shift: 1 },
    ),
    def(
        "ob_flags.statically_allocated",
        offset_of!(PyObject, ob_flags),
        2,
        "uint16_t",
        Decode::Flag { shift: 2 },
    ),
    def(
        "ob_type",
        offset_of!(PyObject, ob_type),
        8,
        "PyTypeObject *",
        Decode::Pointer,
    ),
];

/// Free-threaded header (`Include/object.h`, 3.13t `_padding` / 3.14t `ob_flags` at 8).
#[cfg(Py_GIL_DISABLED)]
pub const OBJECT_HEAD: &[FieldDef] = &[
    def(
        "ob_tid",
        offset_of!(PyObject, ob_tid),
        8,
        "uintptr_t",
        Decode::Unsigned,
    ),
    def(
        if cfg!(Py_3_14) {
            "ob_flags"
        } else {
            "_padding"
        },
        offset_of!(PyObject, ob_flags),
        2,
        "uint16_t",
        Decode::Unsigned,
    ),
    def(
        "ob_mutex",
        offset_of!(PyObject, ob_mutex),
        1,
        "PyMutex",
        Decode::Unsigned,
    ),
    def(
        "ob_gc_bits",
        offset_of!(PyObject, ob_gc_bits),
        1,
        "uint8_t",
        Decode::Unsigned,
    ),
    def(
        "ob_ref_local",
        offset_of!(PyObject, ob_ref_local),
        4,
        "uint32_t",
        Decode::Unsigned,
    ),
    def(
        "ob_ref_shared",
        offset_of!(PyObject, ob_ref_shared),
        8,
        "Py_ssize_t",
        Decode::Signed,
    ),
    def(
        "ob_type",
        offset_of!(PyObject, ob_type),
        8,
        "PyTypeObject *",
        Decode::Pointer,
    ),
];

pub const OB_SIZE: FieldDef = def(
    "ob_size",
    offset_of!(PyVarObject, ob_size),
    8,
    "Py_ssize_t",
    Decode::Signed,
);

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
    let local = h.u64_at(offset_of!(PyObject, ob_ref_local), 4) as u32;
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

/// `ob_flags` (3.14+ default and free-threaded builds), else `None`.
#[cfg(any(Py_3_14, Py_GIL_DISABLED))]
pub fn ob_flags(h: &HeaderBytes) -> Option<u16> {
    Some(h.u64_at(offset_of!(PyObject, ob_flags), 2) as u16)
}

#[cfg(not(any(Py_3_14, Py_GIL_DISABLED)))]
pub fn ob_flags(_: &HeaderBytes) -> Option<u16> {
    None
}

// ---------------------------------------------------------------------------------------
// Memory before the object: GC head and managed dict / weakref pre-header
// ---------------------------------------------------------------------------------------

/// Size of `PyGC_Head`, or 0 where none is allocated (free-threaded builds).
pub const GC_HEAD_SIZE: usize = if cfg!(Py_GIL_DISABLED) {
    0
} else {
    size_of::<PyGC_Head>()
};

pub const GC_HEAD: &[FieldDef] = &[
    def(
        "_gc_next",
        offset_of!(PyGC_Head, _gc_next),
        8,
        "uintptr_t",
        Decode::Unsigned,
    ),
    def(
        "_gc_prev",
        offset_of!(PyGC_Head, _gc_prev),
        8,
        "uintptr_t",
        Decode::Unsigned,
    ),
];

/// `Py_TPFLAGS_INLINE_VALUES` (3.13+), `Py_TPFLAGS_MANAGED_WEAKREF` (3.12+),
/// `Py_TPFLAGS_MANAGED_DICT` (3.11+): `Include/object.h`.
pub const TPFLAGS_INLINE_VALUES: u64 = if cfg!(Py_3_13) { 1 << 2 } else { 0 };
pub const TPFLAGS_MANAGED_WEAKREF: u64 = if cfg!(Py_3_12) { 1 << 3 } else { 0 };
pub const TPFLAGS_MANAGED_DICT: u64 = if cfg!(Py_3_11) { 1 << 4 } else { 0 };

/// Whether `flags` has `flag` set; a flag the running version lacks is 0 and never set.
pub fn has_flag(flags: u64, flag: u64) -> bool {
    flag != 0 && flags & flag != 0
}

/// The words of the pre-header that sits before the GC head, as (name, offset from the
/// object, meaning). Empty when the type has no pre-header.
pub fn preheader(type_flags: u64) -> Vec<(&'static str, isize)> {
    let managed = has_flag(type_flags, TPFLAGS_MANAGED_DICT | TPFLAGS_MANAGED_WEAKREF);
    if !managed {
        return Vec::new();
    }
    let below = -(GC_HEAD_SIZE as isize);
    if cfg!(Py_3_12) {
        // 3.12+ (`pycore_object.h`): weakref list at −32 (−16 free-threaded), then the
        // dict pointer (3.12: a tagged `PyDictOrValues`) at −24 (−8).
        let weak = if has_flag(type_flags, TPFLAGS_MANAGED_WEAKREF) {
            "managed_weakref"
        } else {
            "(unused)"
        };
        let dict = if !has_flag(type_flags, TPFLAGS_MANAGED_DICT) {
            "(unused)"
        } else if cfg!(Py_3_13) {
            "managed_dict"
        } else {
            "dict_or_values"
        };
        vec![(weak, below - 16), (dict, below - 8)]
    } else {
        // 3.11: `_PyObject_ValuesPointer` at −32 and `_PyObject_ManagedDictPointer` at −24.
        vec![("managed_values", below - 16), ("managed_dict", below - 8)]
    }
}

/// 3.15 `PyMemberDef.flags` bit `_Py_AFTER_ITEMS` (`Include/descrobject.h` v3.15.2): the
/// member lives after the variable-size items, at `offset + Py_SIZE(obj) * tp_itemsize`.
pub const MEMBER_AFTER_ITEMS: i32 = if cfg!(Py_3_15) { 1 << 4 } else { 0 };

/// Where a type's inline values (`PyDictValues`) start inside its instances (3.13+).
pub fn inline_values_offset(type_flags: u64, basicsize: isize) -> Option<usize> {
    if !has_flag(type_flags, TPFLAGS_INLINE_VALUES) {
        return None;
    }
    if cfg!(Py_3_14) {
        Some(basicsize as usize) // 3.14: `_PyObject_InlineValues` = obj + tp_basicsize
    } else {
        Some(size_of::<PyObject>()) // 3.13: obj + sizeof(PyObject)
    }
}

/// 3.12 `PyDictOrValues` (`pycore_object.h` v3.12.1): bit 0 set means the word holds
/// `(char *)values - 1`; returns the `PyDictValues *` then, else `None`.
pub fn dict_or_values_values(word: usize) -> Option<usize> {
    (cfg!(Py_3_12) && !cfg!(Py_3_13) && word & 1 == 1).then(|| word.wrapping_add(1))
}

// ---------------------------------------------------------------------------------------
// int
// ---------------------------------------------------------------------------------------

/// The word after the header that carries sign and size, and its bit-fields.
#[cfg(not(Py_3_12))]
pub const LONG_TAG: FieldDef = OB_SIZE;
#[cfg(Py_3_12)]
pub const LONG_TAG: FieldDef = def(
    "long_value.lv_tag",
    offset_of!(PyLongObject, long_value) + offset_of!(_PyLongValue, lv_tag),
    8,
    "uintptr_t",
    Decode::Unsigned,
);

/// 3.12+ `lv_tag` bit-fields (`Include/internal/pycore_long.h`): sign in bits 0–1
/// (0 positive, 1 zero, 2 negative), 3.14 immortality bit 2, digit count from bit 3.
pub const LONG_TAG_BITS: &[(&str, u32, u32)] = if cfg!(Py_3_14) {
    &[("sign", 0, 2), ("immortal", 2, 1), ("ndigits", 3, 61)]
} else if cfg!(Py_3_12) {
    &[("sign", 0, 2), ("ndigits", 3, 61)]
} else {
    &[]
};

#[cfg(not(Py_3_12))]
pub const LONG_DIGITS_OFFSET: usize = offset_of!(PyLongObject, ob_digit);
#[cfg(Py_3_12)]
pub const LONG_DIGITS_OFFSET: usize =
    offset_of!(PyLongObject, long_value) + offset_of!(_PyLongValue, ob_digit);

/// Name of the digit array in C.
pub const LONG_DIGITS_NAME: &str = if cfg!(Py_3_12) {
    "long_value.ob_digit"
} else {
    "ob_digit"
};

/// `_PyLong_SIGN_MASK`, `SIGN_NEGATIVE`, `_PyLong_NON_SIZE_BITS` (3.12+ `pycore_long.h`;
/// proven by the offsets probe).
pub const LONG_SIGN_MASK: u64 = 3;
pub const LONG_SIGN_NEGATIVE: u64 = 2;
pub const LONG_NON_SIZE_BITS: u32 = 3;

/// (negative, digit count) from the tag word.
pub fn long_sign_and_digits(tag: u64) -> (bool, usize) {
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

/// Digits CPython allocates for an int with `ndigits` digits: from 3.11 `_PyLong_New`
/// always allocates at least one ("We always allocate memory for at least one digit",
/// `Include/cpython/longintrepr.h` v3.11.7); 3.10 allocates exactly `ndigits`.
pub fn long_allocated_digits(ndigits: usize) -> usize {
    if cfg!(Py_3_11) {
        ndigits.max(1)
    } else {
        ndigits
    }
}

// ---------------------------------------------------------------------------------------
// str
// ---------------------------------------------------------------------------------------

/// Bit-fields of `PyASCIIObject.state`: (name, shift, width).
pub const STATE_BITS: &[(&str, u32, u32)] = if cfg!(all(Py_GIL_DISABLED, Py_3_14)) {
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

pub fn state_bit(state: u32, name: &str) -> u32 {
    STATE_BITS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|&(_, shift, width)| (state >> shift) & ((1u32 << width) - 1))
        .unwrap_or(0)
}

pub const ASCII_FIELDS: &[FieldDef] = &[
    def(
        "length",
        offset_of!(PyASCIIObject, length),
        8,
        "Py_ssize_t",
        Decode::Signed,
    ),
    def(
        "hash",
        offset_of!(PyASCIIObject, hash),
        8,
        "Py_hash_t",
        Decode::Signed,
    ),
    def(
        "state",
        offset_of!(PyASCIIObject, state),
        4,
        "unsigned int",
        Decode::Masked {
            mask: STATE_DEFINED_BITS,
        },
    ),
    #[cfg(not(Py_3_12))]
    def(
        "wstr",
        offset_of!(PyASCIIObject, wstr),
        8,
        "wchar_t *",
        Decode::Pointer,
    ),
];

pub const COMPACT_FIELDS: &[FieldDef] = &[
    def(
        "utf8_length",
        offset_of!(PyCompactUnicodeObject, utf8_length),
        8,
        "Py_ssize_t",
        Decode::Signed,
    ),
    def(
        "utf8",
        offset_of!(PyCompactUnicodeObject, utf8),
        8,
        "char *",
        Decode::Pointer,
    ),
    #[cfg(not(Py_3_12))]
    def(
        "wstr_length",
        offset_of!(PyCompactUnicodeObject, wstr_length),
        8,
        "Py_ssize_t",
        Decode::Signed,
    ),
];

pub const UNICODE_DATA: FieldDef = def(
    "data",
    offset_of!(PyUnicodeObject, data),
    8,
    "void *",
    Decode::Pointer,
);

// ---------------------------------------------------------------------------------------
// tuple
// ---------------------------------------------------------------------------------------

/// 3.14 caches the tuple's hash in `ob_hash` before the items.
pub const TUPLE_FIELDS: &[FieldDef] = &[
    #[cfg(Py_3_14)]
    def(
        "ob_hash",
        offset_of!(PyTupleObject, ob_hash),
        8,
        "Py_hash_t",
        Decode::Signed,
    ),
];

// ---------------------------------------------------------------------------------------
// dict
// ---------------------------------------------------------------------------------------

pub const DICT_FIELDS: &[FieldDef] = &[
    def(
        "ma_used",
        offset_of!(PyDictObject, ma_used),
        8,
        "Py_ssize_t",
        Decode::Signed,
    ),
    def(
        if cfg!(Py_3_14) {
            "_ma_watcher_tag"
        } else {
            "ma_version_tag"
        },
        offset_of!(PyDictObject, ma_version_tag),
        8,
        "uint64_t",
        Decode::Unsigned,
    ),
    def(
        "ma_keys",
        offset_of!(PyDictObject, ma_keys),
        8,
        "PyDictKeysObject *",
        Decode::Pointer,
    ),
    def(
        "ma_values",
        offset_of!(PyDictObject, ma_values),
        8,
        if cfg!(Py_3_11) {
            "PyDictValues *"
        } else {
            "PyObject **"
        },
        Decode::Pointer,
    ),
];

#[cfg(not(Py_3_11))]
pub const KEYS_FIELDS: &[FieldDef] = &[
    def(
        "dk_refcnt",
        offset_of!(PyDictKeysObject, dk_refcnt),
        8,
        "Py_ssize_t",
        Decode::Signed,
    ),
    def(
        "dk_size",
        offset_of!(PyDictKeysObject, dk_size),
        8,
        "Py_ssize_t",
        Decode::Signed,
    ),
    def(
        "dk_lookup",
        offset_of!(PyDictKeysObject, dk_lookup),
        8,
        "dict_lookup_func",
        Decode::Pointer,
    ),
    def(
        "dk_usable",
        offset_of!(PyDictKeysObject, dk_usable),
        8,
        "Py_ssize_t",
        Decode::Signed,
    ),
    def(
        "dk_nentries",
        offset_of!(PyDictKeysObject, dk_nentries),
        8,
        "Py_ssize_t",
        Decode::Signed,
    ),
];

#[cfg(Py_3_11)]
pub const KEYS_FIELDS: &[FieldDef] = &[
    def(
        "dk_refcnt",
        offset_of!(PyDictKeysObject, dk_refcnt),
        8,
        "Py_ssize_t",
        Decode::Signed,
    ),
    def(
        "dk_log2_size",
        offset_of!(PyDictKeysObject, dk_log2_size),
        1,
        "uint8_t",
        Decode::Unsigned,
    ),
    def(
        "dk_log2_index_bytes",
        offset_of!(PyDictKeysObject, dk_log2_index_bytes),
        1,
        "uint8_t",
        Decode::Unsigned,
    ),
    def(
        "dk_kind",
        offset_of!(PyDictKeysObject, dk_kind),
        1,
        "uint8_t",
        Decode::Unsigned,
    ),
    #[cfg(Py_GIL_DISABLED)]
    def(
        "dk_mutex",
        offset_of!(PyDictKeysObject, dk_mutex),
        1,
        "PyMutex",
        Decode::Unsigned,
    ),
    def(
        "dk_version",
        offset_of!(PyDictKeysObject, dk_version),
        4,
        "uint32_t",
        Decode::Unsigned,
    ),
    def(
        "dk_usable",
        offset_of!(PyDictKeysObject, dk_usable),
        8,
        "Py_ssize_t",
        Decode::Signed,
    ),
    def(
        "dk_nentries",
        offset_of!(PyDictKeysObject, dk_nentries),
        8,
        "Py_ssize_t",
        Decode::Signed,
    ),
];

pub const KEYS_HEADER_SIZE: usize = offset_of!(PyDictKeysObject, dk_indices);

/// Geometry of a keys object, from its header bytes.
#[derive(Clone, Copy, Debug)]
pub struct KeysGeometry {
    /// Number of index slots (`DK_SIZE`).
    pub size: usize,
    /// Bytes per index slot.
    pub index_width: usize,
    /// Offset of the first entry from the keys object.
    pub entries_offset: usize,
    /// Entry struct size: 24 (`PyDictKeyEntry`) or 16 (`PyDictUnicodeEntry`).
    pub entry_size: usize,
    /// Entries allocated: `USABLE_FRACTION(size)`.
    pub entries: usize,
    /// `dk_kind` (0 general, 1 unicode, 2 split); 3.10 has no kind: reported as 0.
    pub kind: u8,
    pub usable: isize,
    pub nentries: isize,
}

/// `USABLE_FRACTION(n)` (`Objects/dictobject.c`): `(n << 1) / 3`.
fn usable_fraction(n: usize) -> usize {
    (n << 1) / 3
}

/// Largest keys table pyhood accepts (`dk_size` is a power of two well below this).
#[cfg(not(Py_3_11))]
const MAX_KEYS_SIZE: usize = 1 << 32;

/// Decode the keys header; `field(offset, len)` reads from the keys object's own bytes.
pub fn keys_geometry(field: impl Fn(usize, usize) -> Option<u64>) -> Option<KeysGeometry> {
    let usable = field(offset_of!(PyDictKeysObject, dk_usable), 8)? as i64 as isize;
    let nentries = field(offset_of!(PyDictKeysObject, dk_nentries), 8)? as i64 as isize;
    #[cfg(not(Py_3_11))]
    {
        let size = field(offset_of!(PyDictKeysObject, dk_size), 8)? as usize;
        if !size.is_power_of_two() || size > MAX_KEYS_SIZE {
            return None;
        }
        // DK_IXSIZE in 3.10 `Objects/dictobject.c`.
        let index_width = if size <= 0xff {
            1
        } else if size <= 0xffff {
            2
        } else if size <= 0xffff_ffff {
            4
        } else {
            8
        };
        Some(KeysGeometry {
            size,
            index_width,
            entries_offset: KEYS_HEADER_SIZE + size * index_width,
            entry_size: size_of::<PyDictKeyEntry>(),
            entries: usable_fraction(size),
            kind: 0,
            usable,
            nentries,
        })
    }
    #[cfg(Py_3_11)]
    {
        let log2_size = field(offset_of!(PyDictKeysObject, dk_log2_size), 1)? as u32;
        let log2_index_bytes = field(offset_of!(PyDictKeysObject, dk_log2_index_bytes), 1)? as u32;
        let kind = field(offset_of!(PyDictKeysObject, dk_kind), 1)? as u8;
        if log2_size > 32
            || log2_index_bytes < log2_size
            || log2_index_bytes > log2_size + 3
            || kind > 2
        {
            return None;
        }
        let size = 1usize << log2_size;
        Some(KeysGeometry {
            size,
            index_width: 1 << (log2_index_bytes - log2_size),
            entries_offset: KEYS_HEADER_SIZE + (1usize << log2_index_bytes),
            entry_size: if kind == 0 {
                size_of::<PyDictKeyEntry>()
            } else {
                size_of::<PyDictUnicodeEntry>()
            },
            entries: usable_fraction(size),
            kind,
            usable,
            nentries,
        })
    }
}

/// Entry fields of a keys table of this kind: (suffix, offset in entry, C type).
pub fn entry_fields(kind: u8) -> &'static [(&'static str, usize, &'static str)] {
    if kind == 0 {
        &[
            ("me_hash", offset_of!(PyDictKeyEntry, me_hash), "Py_hash_t"),
            ("me_key", offset_of!(PyDictKeyEntry, me_key), "PyObject *"),
            (
                "me_value",
                offset_of!(PyDictKeyEntry, me_value),
                "PyObject *",
            ),
        ]
    } else {
        &[("me_key", 0, "PyObject *"), ("me_value", 8, "PyObject *")]
    }
}

/// How a split table's values are laid out around the `PyDictValues *` pointer.
#[derive(Clone, Copy, Debug)]
pub struct ValuesGeometry {
    /// Bytes before the pointer that belong to the allocation (3.11/3.12 prefix).
    pub prefix: usize,
    /// Offset of `values[0]` from the pointer.
    pub values_offset: usize,
    /// Number of value slots.
    pub capacity: usize,
    /// Offset of the insertion-order bytes from the pointer (3.13+), if any.
    pub order_offset: Option<usize>,
    /// Total bytes after the pointer.
    pub tail: usize,
}

/// Decode a values block. `read_byte(delta)` reads the byte at `pointer + delta`
/// (negative deltas for the 3.11/3.12 prefix); `usable` is the shared keys'
/// `dk_nentries + dk_usable` (`shared_keys_usable_size`).
pub fn values_geometry(
    read_byte: impl Fn(isize) -> Option<u8>,
    usable: usize,
) -> Option<ValuesGeometry> {
    if cfg!(Py_3_13) {
        let capacity = read_byte(0)? as usize;
        let values = 8usize;
        Some(ValuesGeometry {
            prefix: 0,
            values_offset: values,
            capacity,
            order_offset: Some(values + 8 * capacity),
            tail: values + 8 * capacity + capacity.div_ceil(8) * 8,
        })
    } else if cfg!(Py_3_11) {
        // `new_values` (Objects/dictobject.c 3.11/3.12): prefix size in byte [-1].
        let prefix = read_byte(-1)? as usize;
        if prefix == 0 || prefix % 8 != 0 {
            return None;
        }
        Some(ValuesGeometry {
            prefix,
            values_offset: 0,
            capacity: usable,
            order_offset: None,
            tail: 8 * usable,
        })
    } else {
        Some(ValuesGeometry {
            prefix: 0,
            values_offset: 0,
            capacity: usable,
            order_offset: None,
            tail: 8 * usable,
        })
    }
}

/// 3.10 split dicts allocate `USABLE_FRACTION(DK_SIZE(keys))` values; 3.11+ use
/// `shared_keys_usable_size` (`dk_nentries + dk_usable`).
pub fn split_values_count(g: &KeysGeometry) -> usize {
    if cfg!(Py_3_11) {
        (g.nentries.max(0) + g.usable.max(0)) as usize
    } else {
        g.entries
    }
}

// ---------------------------------------------------------------------------------------
// Interpreter state: string interning and the GC's generations (guide §12.3, §12.4).
//
// Where the interpreter keeps its state (the GC state, free lists, interned strings) moves
// between patch releases; it is not here: `build.rs` asks the build's own headers
// (`src/cpython/pycore_interp.c`), and `src/interpreter_state.rs` proves or re-establishes
// each offset on the running interpreter. What stays here are the encodings that are fixed
// for a minor version.
// ---------------------------------------------------------------------------------------

/// `SSTATE_*` (`Include/cpython/unicodeobject.h`): values of `PyASCIIObject.state.interned`.
pub const SSTATE_NOT_INTERNED: u32 = 0;
pub const SSTATE_INTERNED_MORTAL: u32 = 1;
pub const SSTATE_INTERNED_IMMORTAL: u32 = 2;
/// 3.12+: interned, immortal, and statically allocated (`_Py_ID`, one-character strings).
pub const SSTATE_INTERNED_IMMORTAL_STATIC: u32 = 3;

/// pyhood's name for a `state.interned` value, or `None` if this version has no such value.
pub fn intern_state_name(value: u32) -> Option<&'static str> {
    match value {
        SSTATE_NOT_INTERNED => Some("not_interned"),
        SSTATE_INTERNED_MORTAL => Some("mortal"),
        SSTATE_INTERNED_IMMORTAL => Some("immortal"),
        SSTATE_INTERNED_IMMORTAL_STATIC if cfg!(Py_3_12) => Some("static"),
        _ => None,
    }
}

/// `NUM_GENERATIONS` (`pycore_gc.h`; 3.14+ `pycore_interp_structs.h`): 3 in every version.
pub const NUM_GENERATIONS: usize = 3;
/// `_PyGC_PREV_SHIFT`: the low two bits of `_gc_prev` are flags (`FINALIZED`, `COLLECTING`).
pub const GC_PREV_SHIFT: u32 = 2;
/// `_gc_prev & GC_PREV_MASK` is the previous node (`_PyGC_PREV_MASK`).
pub const GC_PREV_MASK: usize = usize::MAX << GC_PREV_SHIFT;

/// `_Py_hashtable_t` fields pyhood reads (`pycore_hashtable.h`, unchanged 3.10–3.15).
pub mod hashtable {
    use crate::raw::interp::{_Py_hashtable_allocator_t, _Py_hashtable_entry_t, _Py_hashtable_t};
    use core::mem::{offset_of, size_of};

    pub const SIZE: usize = size_of::<_Py_hashtable_t>();
    pub const NENTRIES: usize = offset_of!(_Py_hashtable_t, nentries);
    pub const NBUCKETS: usize = offset_of!(_Py_hashtable_t, nbuckets);
    pub const BUCKETS: usize = offset_of!(_Py_hashtable_t, buckets);
    pub const KEY_DESTROY: usize = offset_of!(_Py_hashtable_t, key_destroy_func);
    pub const VALUE_DESTROY: usize = offset_of!(_Py_hashtable_t, value_destroy_func);
    pub const ALLOC_MALLOC: usize =
        offset_of!(_Py_hashtable_t, alloc) + offset_of!(_Py_hashtable_allocator_t, malloc);
    pub const ALLOC_FREE: usize =
        offset_of!(_Py_hashtable_t, alloc) + offset_of!(_Py_hashtable_allocator_t, free);
    /// Entry: the bucket link (`_Py_slist_item.next`), `key_hash`, `key`, `value`.
    pub const ENTRY_SIZE: usize = size_of::<_Py_hashtable_entry_t>();
    pub const ENTRY_NEXT: usize = offset_of!(_Py_hashtable_entry_t, _Py_slist_item);
    pub const ENTRY_HASH: usize = offset_of!(_Py_hashtable_entry_t, key_hash);
    pub const ENTRY_KEY: usize = offset_of!(_Py_hashtable_entry_t, key);
    pub const ENTRY_VALUE: usize = offset_of!(_Py_hashtable_entry_t, value);
}

// ---------------------------------------------------------------------------------------
// Object identity, GC membership and weak references (guide §11)
// ---------------------------------------------------------------------------------------

/// Low bits of `_gc_next` that are flags rather than address bits: `NEXT_MASK_UNREACHABLE`
/// (bit 0, set only during a collection, 3.10–3.15). GC heads are at least 4-aligned
/// (Debian 3.13.18 puts the generation heads at 4-aligned addresses), so both low bits go.
pub const GC_NEXT_MASK: usize = usize::MAX << 2;
/// `_PyGC_PREV_MASK_FINALIZED` (`pycore_gc.h`): `tp_finalize` has run.
pub const GC_PREV_MASK_FINALIZED: usize = 1;
/// `_PyGC_PREV_MASK_COLLECTING` (`pycore_gc.h`): the object is in the collection underway.
pub const GC_PREV_MASK_COLLECTING: usize = 2;
/// Free-threaded `ob_gc_bits` (`pycore_gc.h` 3.13+): `_PyGC_BITS_TRACKED`,
/// `_PyGC_BITS_FINALIZED`, `_PyGC_BITS_FROZEN`.
pub const GC_BITS_TRACKED: u8 = 1;
pub const GC_BITS_FINALIZED: u8 = 1 << 1;
pub const GC_BITS_FROZEN: u8 = 1 << 3;

/// `_PY_NSMALLNEGINTS` / `_PY_NSMALLPOSINTS`: the cached small ints are
/// `-NSMALLNEGINTS ..= NSMALLPOSINTS - 1` (-5..=256; 3.15: -5..=1024).
pub const NSMALLNEGINTS: i64 = 5;
pub const NSMALLPOSINTS: i64 = if cfg!(Py_3_15) { 1025 } else { 257 };
/// The header that defines `_PY_NSMALLPOSINTS`.
pub const NSMALLINTS_HDR: &str = if cfg!(Py_3_14) {
    "internal/pycore_runtime_structs.h"
} else if cfg!(Py_3_11) {
    "internal/pycore_global_objects.h"
} else {
    "internal/pycore_interp.h"
};

/// Whether `v` is in the small-int cache range of this version.
pub fn is_small_int_value(v: i64) -> bool {
    (-NSMALLNEGINTS..NSMALLPOSINTS).contains(&v)
}

/// `_Py_TPFLAGS_STATIC_BUILTIN` (3.12+): a static builtin type, whose own `tp_weaklist`
/// lives in the interpreter state, not in the type object.
pub const TPFLAGS_STATIC_BUILTIN: u64 = if cfg!(Py_3_12) { 1 << 1 } else { 0 };

/// Where the weak-reference list of an instance of a `Py_TPFLAGS_MANAGED_WEAKREF` type is,
/// relative to the object (3.12+): the first pre-header word, −32 (−16 free-threaded).
pub const MANAGED_WEAKREF_OFFSET: isize = -(GC_HEAD_SIZE as isize) - 16;

/// Most weak references pyhood follows on one object's list.
pub const MAX_WEAKREFS: usize = 10_000_000;
