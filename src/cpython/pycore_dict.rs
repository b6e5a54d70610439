//! `Include/internal/pycore_dict.h` (3.11+; 3.10 keeps these structs in
//! `Objects/dict-common.h`, which CPython does not install: their entries carry the `"!"`
//! header prefix and are reported, not proven): the keys object, its entries, split-table
//! values, 3.15's `PyFrozenDictObject`; and how to read a keys object's geometry.

#[cfg(Py_3_15)]
use super::dictobject::PyDictObject;
use super::{FieldDef, Ptr};

/// Where the dict internals are declared (`"!"`: not installed).
pub const INTERNAL_DICT: &str = if cfg!(Py_3_11) {
    "internal/pycore_dict.h"
} else {
    "!Objects/dict-common.h"
};

declare! {
    /// `PyFrozenDictObject` (3.15+, v3.15.2): a dict with a cached hash.
    #[cfg(Py_3_15)]
    pub struct PyFrozenDictObject in INTERNAL_DICT {
        ob_base: PyDictObject = base,
        ma_hash: isize = { "Py_hash_t", Signed },
    }

    /// `struct _dictkeysobject`: 3.10 stores the table size and a lookup function; 3.11+
    /// the log2 sizes, the kind (0 general, 1 unicode, 2 split) and a version
    /// (free-threaded builds: `dk_mutex`). Then the index table, then the entries.
    pub struct PyDictKeysObject in INTERNAL_DICT {
        dk_refcnt: isize = { "Py_ssize_t", Signed },
        #[cfg(not(Py_3_11))]
        dk_size: isize = { "Py_ssize_t", Signed },
        #[cfg(not(Py_3_11))]
        dk_lookup: Ptr = { "dict_lookup_func", Pointer },
        #[cfg(Py_3_11)]
        dk_log2_size: u8 = { "uint8_t", Unsigned },
        #[cfg(Py_3_11)]
        dk_log2_index_bytes: u8 = { "uint8_t", Unsigned },
        #[cfg(Py_3_11)]
        dk_kind: u8 = { "uint8_t", Unsigned },
        #[cfg(Py_3_11)]
        #[cfg(Py_GIL_DISABLED)]
        dk_mutex: u8 = { "PyMutex", Unsigned },
        #[cfg(Py_3_11)]
        dk_version: u32 = { "uint32_t", Unsigned },
        dk_usable: isize = { "Py_ssize_t", Signed },
        dk_nentries: isize = { "Py_ssize_t", Signed },
        dk_indices: [u8; 0] = ["char[]", flex],
    }

    /// `PyDictKeyEntry`: the entries of general (`DICT_KEYS_GENERAL`) tables.
    pub struct PyDictKeyEntry in INTERNAL_DICT {
        me_hash: isize = { "Py_hash_t", Signed },
        me_key: Ptr = { "PyObject *", Pointer },
        me_value: Ptr = { "PyObject *", Pointer },
    }

    /// `PyDictUnicodeEntry` (3.11+): entries of `DICT_KEYS_UNICODE` and `DICT_KEYS_SPLIT`
    /// tables, whose hash is the key's own.
    #[cfg(Py_3_11)]
    pub struct PyDictUnicodeEntry in INTERNAL_DICT {
        me_key: Ptr = { "PyObject *", Pointer },
        me_value: Ptr = { "PyObject *", Pointer },
    }

    /// `PyDictValues` (3.11+): 3.11/3.12 just the values (a byte prefix precedes them);
    /// 3.13+ a small header, the values, then `order[capacity]`.
    #[cfg(Py_3_11)]
    pub struct PyDictValues in INTERNAL_DICT {
        #[cfg(Py_3_13)]
        capacity: u8 = { "uint8_t", Unsigned },
        #[cfg(Py_3_13)]
        size: u8 = { "uint8_t", Unsigned },
        #[cfg(Py_3_13)]
        embedded: u8 = { "uint8_t", Unsigned },
        #[cfg(Py_3_13)]
        valid: u8 = { "uint8_t", Unsigned },
        values: [Ptr; 1] = ["PyObject *"],
    }
}

/// 3.15's `ma_hash` of a frozendict, `None` before.
#[cfg(Py_3_15)]
pub const FROZEN_HASH: Option<FieldDef> = Some(PyFrozenDictObject::ma_hash);
#[cfg(not(Py_3_15))]
pub const FROZEN_HASH: Option<FieldDef> = None;

/// 3.13+'s `PyDictValues.embedded` (the values live inside their instance); `None` before.
#[cfg(Py_3_13)]
pub const VALUES_EMBEDDED: Option<FieldDef> = Some(PyDictValues::embedded);
#[cfg(not(Py_3_13))]
pub const VALUES_EMBEDDED: Option<FieldDef> = None;

/// Size of the keys header: where `dk_indices` starts.
pub const KEYS_HEADER_SIZE: usize = PyDictKeysObject::dk_indices.offset;

/// The C type a dict's `ma_values` block is shown as.
pub const VALUES_CTYPE: &str = if cfg!(Py_3_11) {
    "PyDictValues"
} else {
    "PyObject *[]"
};

/// The header fields of a values block (3.13+: capacity, size, embedded, valid).
#[cfg(Py_3_11)]
pub const VALUES_HEADER: &[FieldDef] = PyDictValues::FIELDS;
#[cfg(not(Py_3_11))]
pub const VALUES_HEADER: &[FieldDef] = &[];

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
    type K = PyDictKeysObject;
    let read = |d: FieldDef| field(d.offset, d.size);
    let usable = read(K::dk_usable)? as i64 as isize;
    let nentries = read(K::dk_nentries)? as i64 as isize;
    #[cfg(not(Py_3_11))]
    {
        let size = read(K::dk_size)? as usize;
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
            entry_size: PyDictKeyEntry::SIZE,
            entries: usable_fraction(size),
            kind: 0,
            usable,
            nentries,
        })
    }
    #[cfg(Py_3_11)]
    {
        let log2_size = read(K::dk_log2_size)? as u32;
        let log2_index_bytes = read(K::dk_log2_index_bytes)? as u32;
        let kind = read(K::dk_kind)? as u8;
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
                PyDictKeyEntry::SIZE
            } else {
                PyDictUnicodeEntry::SIZE
            },
            entries: usable_fraction(size),
            kind,
            usable,
            nentries,
        })
    }
}

/// The fields of one entry of a keys table of this kind (`PyDictKeyEntry` for kind 0,
/// else `PyDictUnicodeEntry`).
pub fn entry_fields(kind: u8) -> &'static [FieldDef] {
    #[cfg(Py_3_11)]
    if kind != 0 {
        return PyDictUnicodeEntry::FIELDS;
    }
    let _ = kind;
    PyDictKeyEntry::FIELDS
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

impl ValuesGeometry {
    /// 3.13+ values with `capacity` slots: the 8-byte header, the values, then the order
    /// bytes rounded up to words.
    pub fn with_header(capacity: usize) -> Self {
        let values = 8usize;
        ValuesGeometry {
            prefix: 0,
            values_offset: values,
            capacity,
            order_offset: Some(values + 8 * capacity),
            tail: values + 8 * capacity + capacity.div_ceil(8) * 8,
        }
    }
}

/// Decode a values block. `read_byte(delta)` reads the byte at `pointer + delta`
/// (negative deltas for the 3.11/3.12 prefix); `usable` is the shared keys'
/// `dk_nentries + dk_usable` (`shared_keys_usable_size`).
pub fn values_geometry(
    read_byte: impl Fn(isize) -> Option<u8>,
    usable: usize,
) -> Option<ValuesGeometry> {
    if cfg!(Py_3_13) {
        Some(ValuesGeometry::with_header(read_byte(0)? as usize))
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
