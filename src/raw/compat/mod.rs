//! Interpreter-wide state whose offsets move between patch releases (free lists, interned
//! strings, the GC's generations, `_Py_DebugOffsets`, `_Py_hashtable_t`), keyed on the exact
//! release; and, under their `compat::` names, the facts from `src/cpython/` that the
//! state code (`gcstate.rs`, `freelists.rs`, `offsets.rs`) and the object-identity code
//! read. Struct shapes and every other version difference live in `src/cpython/`, declared
//! once per C struct.
//!
//! Everything here is safe code over bytes already copied out of the process.

#[cfg_attr(Py_GIL_DISABLED, allow(unused_imports))]
use core::mem::{offset_of, size_of};

pub use crate::cpython::descrobject::MEMBER_AFTER_ITEMS;
pub use crate::cpython::object::{
    ft_fields, immortal, ob_flags, refcnt, TPFLAGS_INLINE_VALUES, TPFLAGS_MANAGED_DICT,
    TPFLAGS_MANAGED_WEAKREF, TPFLAGS_STATIC_BUILTIN,
};
pub use crate::cpython::pycore_dict::{
    keys_geometry, split_values_count, values_geometry, KeysGeometry, ValuesGeometry,
    KEYS_HEADER_SIZE,
};
pub use crate::cpython::pycore_gc::{
    GC_BITS_FINALIZED, GC_BITS_FROZEN, GC_BITS_TRACKED, GC_HEAD_SIZE, GC_NEXT_MASK,
    GC_PREV_MASK_COLLECTING, GC_PREV_MASK_FINALIZED,
};
pub use crate::cpython::pycore_long::{
    is_small_int_value, LONG_NON_SIZE_BITS, LONG_SIGN_MASK, LONG_SIGN_NEGATIVE, NSMALLINTS_HDR,
    NSMALLNEGINTS, NSMALLPOSINTS,
};
pub use crate::cpython::pycore_object::{
    dict_or_values_values, inline_values_offset, preheader, MANAGED_WEAKREF_OFFSET,
};
pub use crate::cpython::unicodeobject::{state_bit, STATE_BITS, STATE_DEFINED_BITS};
pub use crate::cpython::weakrefobject::MAX_WEAKREFS;
pub use crate::cpython::{has_flag, Decode, FieldDef, BUILT_FOR_MINOR, FREE_THREADED};

// ---------------------------------------------------------------------------------------
// Free lists (guide §12.2): where each interpreter keeps them, by exact version.
// Offsets from a C probe (`offsetof`) against each version's `Include/internal/
// pycore_interp.h` (3.10–3.12: `float_state`, `tuple`, `list`, `dict_state`; 3.13:
// `object_state.freelists` of `struct _Py_object_freelists`; 3.14+: `struct _Py_freelists`
// of `struct _Py_freelist {void *freelist; Py_ssize_t size;}`). They move between patch
// releases, so they are keyed on (minor, micro) and every read is validated by walking
// the list it describes (`freelists.rs`).
// ---------------------------------------------------------------------------------------

/// How one free list is stored.
#[derive(Clone, Copy, Debug)]
pub enum FreeListShape {
    /// A count (`int`, or `Py_ssize_t` 3.14+) and the head of a singly linked list whose
    /// next pointer sits `next_at` bytes into each free object.
    Linked {
        count_at: usize,
        count_size: usize,
        head_at: usize,
        next_at: usize,
    },
    /// A count and an array of pointers to the free objects (3.10–3.13 list/dict/keys).
    Array { count_at: usize, items_at: usize },
}

/// One free list: name, limit (`*_MAXFREELIST`), shape (offsets from the interpreter).
#[derive(Clone, Copy, Debug)]
pub struct FreeListDef {
    pub name: &'static str,
    pub limit: usize,
    pub shape: FreeListShape,
    /// Type the free objects keep (for arrays) — "list", "dict", or "" (not checked).
    pub type_name: &'static str,
}

/// `PyTuple_MAXSAVESIZE` (20 in every supported version) and `PyTuple_MAXFREELIST` (2000).
pub const TUPLE_SIZES: usize = 20;

/// Where the free lists start inside `PyInterpreterState`: 3.10–3.12 keep one state per
/// type (`float_state`, `tuple`, `list`, `dict_state`); 3.13+ one struct
/// (`object_state.freelists`) for all of them. Stored per release in `STATE_RELEASES`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FreeListBases {
    pub float: usize,
    pub tuple: usize,
    pub list: usize,
    pub dict: usize,
}

impl FreeListBases {
    pub const fn single(base: usize) -> Self {
        Self {
            float: base,
            tuple: base,
            list: base,
            dict: base,
        }
    }
}

/// The free lists of a release, from where they start (`FreeListBases`) and the layout of
/// the structs that hold them in this minor version.
pub fn freelist_defs(b: FreeListBases) -> Vec<FreeListDef> {
    use FreeListShape::*;
    let mut v = Vec::new();
    let linked = |count_at, count_size, head_at, next_at| Linked {
        count_at,
        count_size,
        head_at,
        next_at,
    };
    if cfg!(Py_3_14) {
        // `struct _Py_freelists` of `struct _Py_freelist {void *freelist; Py_ssize_t size;}`:
        // 3.14.10 floats@0 ints@16 tuples[20]@32 lists@352 dicts@400 dictkeys@416; 3.15.2
        // adds a list before ints (ints@32 tuples@48 lists@368 dicts@416 dictkeys@432). The
        // next pointer is the first word of a free object (`_PyFreeList_Push`).
        let (floats, ints, tuples, lists, dicts, dictkeys) = if cfg!(Py_3_15) {
            (0, 32, 48, 368, 416, 432)
        } else {
            (0, 16, 32, 352, 400, 416)
        };
        let base = b.float;
        let fl = |off: usize| linked(base + off + 8, 8, base + off, 0);
        v.push(FreeListDef {
            name: "float",
            limit: 100,
            shape: fl(floats),
            type_name: "",
        });
        v.push(FreeListDef {
            name: "int",
            limit: 100,
            shape: fl(ints),
            type_name: "",
        });
        for (i, &name) in TUPLE_NAMES.iter().enumerate() {
            v.push(FreeListDef {
                name,
                limit: 2000,
                shape: fl(tuples + 16 * i),
                type_name: "",
            });
        }
        v.push(FreeListDef {
            name: "list",
            limit: 80,
            shape: fl(lists),
            type_name: "",
        });
        v.push(FreeListDef {
            name: "dict",
            limit: 80,
            shape: fl(dicts),
            type_name: "",
        });
        v.push(FreeListDef {
            name: "dict_keys",
            limit: 80,
            shape: fl(dictkeys),
            type_name: "",
        });
    } else if cfg!(Py_3_13) {
        // `struct _Py_object_freelists` (`pycore_freelist.h` v3.13.0): floats {numfree@0 int,
        // items@8} linked through ob_type; tuples@16 {items[20]@0, numfree[20]@160} linked
        // through ob_item[0]; lists@256 / dicts@904 / dictkeys@1552 {items[80]@0, numfree@640}.
        let base = b.float;
        v.push(FreeListDef {
            name: "float",
            limit: 100,
            shape: linked(base, 4, base + 8, 8),
            type_name: "",
        });
        for (i, &name) in TUPLE_NAMES.iter().enumerate() {
            let t = base + 16;
            let shape = linked(t + 160 + 4 * i, 4, t + 8 * i, 24);
            v.push(FreeListDef {
                name,
                limit: 2000,
                shape,
                type_name: "",
            });
        }
        for (name, off, ty) in [
            ("list", 256, "list"),
            ("dict", 904, "dict"),
            ("dict_keys", 1552, ""),
        ] {
            let shape = Array {
                count_at: base + off + 640,
                items_at: base + off,
            };
            v.push(FreeListDef {
                name,
                limit: 80,
                shape,
                type_name: ty,
            });
        }
    } else {
        // `struct _Py_float_state {int numfree; PyFloatObject *free_list;}` (linked through
        // ob_type), `_Py_tuple_state {free_list[20]; int numfree[20]@160}` (through
        // ob_item[0]), `_Py_list_state {free_list[80]; int numfree@640}`, `_Py_dict_state`
        // (3.10/3.11: free_list@0 numfree@640 keys_free_list@648 keys_numfree@1288; 3.12:
        // free_list@16 keys_free_list@656 numfree@1296 keys_numfree@1300) — `pycore_interp.h`.
        let (dict_items, dict_numfree, keys_items, keys_numfree) = if cfg!(Py_3_12) {
            (16, 1296, 656, 1300)
        } else {
            (0, 640, 648, 1288)
        };
        v.push(FreeListDef {
            name: "float",
            limit: 100,
            shape: linked(b.float, 4, b.float + 8, 8),
            type_name: "",
        });
        for (i, &name) in TUPLE_NAMES.iter().enumerate() {
            let shape = linked(b.tuple + 160 + 4 * i, 4, b.tuple + 8 * i, 24);
            v.push(FreeListDef {
                name,
                limit: 2000,
                shape,
                type_name: "",
            });
        }
        let list = Array {
            count_at: b.list + 640,
            items_at: b.list,
        };
        v.push(FreeListDef {
            name: "list",
            limit: 80,
            shape: list,
            type_name: "list",
        });
        let dict = Array {
            count_at: b.dict + dict_numfree,
            items_at: b.dict + dict_items,
        };
        v.push(FreeListDef {
            name: "dict",
            limit: 80,
            shape: dict,
            type_name: "dict",
        });
        let keys = Array {
            count_at: b.dict + keys_numfree,
            items_at: b.dict + keys_items,
        };
        v.push(FreeListDef {
            name: "dict_keys",
            limit: 80,
            shape: keys,
            type_name: "",
        });
    }
    v
}

/// Names of the tuple free lists by slot: slot i holds tuples of length i (3.10, where
/// slot 0 keeps the empty tuple) or i + 1 (3.11+, where the empty tuple is static).
const TUPLE_NAMES: &[&str] = {
    const ALL: [&str; TUPLE_SIZES + 1] = [
        "tuple[0]",
        "tuple[1]",
        "tuple[2]",
        "tuple[3]",
        "tuple[4]",
        "tuple[5]",
        "tuple[6]",
        "tuple[7]",
        "tuple[8]",
        "tuple[9]",
        "tuple[10]",
        "tuple[11]",
        "tuple[12]",
        "tuple[13]",
        "tuple[14]",
        "tuple[15]",
        "tuple[16]",
        "tuple[17]",
        "tuple[18]",
        "tuple[19]",
        "tuple[20]",
    ];
    if cfg!(Py_3_11) {
        ALL.split_at(1).1
    } else {
        ALL.split_at(TUPLE_SIZES).0
    }
};

// ---------------------------------------------------------------------------------------
// Interpreter state: string interning and the GC's generations (guide §12.3, §12.4).
//
// The interned-string tables and the GC state live inside `PyInterpreterState` and
// `_PyRuntimeState`, whose layouts drift between *patch* releases (3.13.0 → 3.13.18 moved
// `_PyRuntimeState.cached_objects` and, through a `PyGC_Head` alignment change, the GC's
// `generations` array). So every offset below is keyed on the build's minor version (cfg)
// AND on the exact `PY_VERSION_HEX` of the running interpreter (`sys.hexversion`); an
// unknown release gets no offsets at all. The numbers come from a C probe (`offsetof`,
// `sizeof`, `-DPy_BUILD_CORE`) against each release's own headers and are re-proven by
// `tests/test_offsets.py` (exported from `offsets.rs`). Struct mirrors live in `interp.rs`.
// ---------------------------------------------------------------------------------------

use super::interp;

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

/// `"3.13.18"` (plus `a1`/`b2`/`rc1` for pre-releases) from a `PY_VERSION_HEX` value.
pub fn version_name(hex: u32) -> String {
    let (major, minor, micro) = (hex >> 24, (hex >> 16) & 0xff, (hex >> 8) & 0xff);
    let (level, serial) = ((hex >> 4) & 0xf, hex & 0xf);
    let suffix = match level {
        0xa => format!("a{serial}"),
        0xb => format!("b{serial}"),
        0xc => format!("rc{serial}"),
        _ => String::new(),
    };
    format!("{major}.{minor}.{micro}{suffix}")
}

/// Offsets inside `struct _gc_runtime_state` (from the start of `PyInterpreterState.gc`)
/// and inside `struct gc_generation`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GcLayout {
    /// `sizeof(struct _gc_runtime_state)`.
    pub size: usize,
    pub enabled: usize,
    pub debug: usize,
    /// `generations[0]`; generation `i` is at `generations + i * generation_size`.
    pub generations: usize,
    pub generation_size: usize,
    /// `PyGC_Head *generation0`, which always points at `&generations[0].head`.
    pub generation0: usize,
    pub permanent: usize,
    pub collecting: usize,
    /// `threshold` and `count` inside a `struct gc_generation` (after its `PyGC_Head`).
    pub threshold: usize,
    pub count: usize,
}

#[cfg_attr(Py_GIL_DISABLED, allow(unused_macros))]
macro_rules! gc_layout {
    ($state:ty, $generation:ty) => {
        GcLayout {
            size: size_of::<$state>(),
            enabled: offset_of!($state, enabled),
            debug: offset_of!($state, debug),
            generations: offset_of!($state, generations),
            generation_size: size_of::<$generation>(),
            generation0: offset_of!($state, generation0),
            permanent: offset_of!($state, permanent_generation),
            collecting: offset_of!($state, collecting),
            threshold: offset_of!($generation, threshold),
            count: offset_of!($generation, count),
        }
    };
}

/// `NUM_GENERATIONS` (`pycore_gc.h`; 3.14+ `pycore_interp_structs.h`): 3 in every version.
pub const NUM_GENERATIONS: usize = 3;
/// `_PyGC_PREV_SHIFT`: the low two bits of `_gc_prev` are flags (`FINALIZED`, `COLLECTING`).
pub const GC_PREV_SHIFT: u32 = 2;
/// `_gc_prev & GC_PREV_MASK` is the previous node (`_PyGC_PREV_MASK`).
pub const GC_PREV_MASK: usize = usize::MAX << GC_PREV_SHIFT;

/// One release whose interpreter-state offsets pyhood knows, from its own headers.
#[derive(Clone, Copy, Debug)]
pub struct StateRelease {
    /// `PY_VERSION_HEX` of the release.
    pub hexversion: u32,
    /// `offsetof(PyInterpreterState, gc)`; `None` from 3.13, where `_Py_DebugOffsets`
    /// (at the start of `_PyRuntime`) publishes it.
    pub gc_in_interp: Option<usize>,
    pub gc: GcLayout,
    /// `offsetof(PyInterpreterState, cached_objects.interned_strings)` (3.12+: the
    /// per-interpreter interned dict).
    pub interned_dict: Option<usize>,
    /// `offsetof(_PyRuntimeState, cached_objects.interned_strings)` (3.12+: the
    /// runtime-wide `_Py_hashtable_t` of statically allocated interned strings).
    pub interned_static: Option<usize>,
    /// Where the free lists start inside `PyInterpreterState` (guide §12.2).
    pub freelists: FreeListBases,
}

#[cfg(all(not(Py_GIL_DISABLED), not(Py_3_14)))]
const GC_310: GcLayout = gc_layout!(interp::gc_runtime_state_310, interp::gc_generation);

/// The releases pyhood has probed, for the minor version this build targets.
#[cfg(all(not(Py_GIL_DISABLED), not(Py_3_11)))]
pub const STATE_RELEASES: &[StateRelease] = &[StateRelease {
    hexversion: 0x030a_0df0, // 3.10.13
    gc_in_interp: Some(616),
    gc: GC_310,
    interned_dict: None,
    interned_static: None,
    freelists: FreeListBases {
        float: 9776,
        tuple: 9800,
        list: 10040,
        dict: 10688,
    },
}];

#[cfg(all(not(Py_GIL_DISABLED), Py_3_11, not(Py_3_12)))]
pub const STATE_RELEASES: &[StateRelease] = &[StateRelease {
    hexversion: 0x030b_07f0, // 3.11.7
    gc_in_interp: Some(648),
    gc: GC_310,
    interned_dict: None,
    interned_static: None,
    freelists: FreeListBases {
        float: 3608,
        tuple: 3632,
        list: 3872,
        dict: 4520,
    },
}];

#[cfg(all(not(Py_GIL_DISABLED), Py_3_12, not(Py_3_13)))]
pub const STATE_RELEASES: &[StateRelease] = &[StateRelease {
    hexversion: 0x030c_01f0, // 3.12.1
    gc_in_interp: Some(112),
    gc: GC_310,
    interned_dict: Some(382_936),
    interned_static: Some(76_368),
    freelists: FreeListBases {
        float: 267_408,
        tuple: 269_832,
        list: 270_072,
        dict: 270_720,
    },
}];

#[cfg(all(not(Py_GIL_DISABLED), Py_3_13, not(Py_3_14)))]
pub const STATE_RELEASES: &[StateRelease] = &[
    StateRelease {
        hexversion: 0x030d_00f0, // 3.13.0
        gc_in_interp: None,
        gc: GC_310,
        interned_dict: Some(194_328),
        interned_static: Some(13_832),
        freelists: FreeListBases::single(10_952),
    },
    StateRelease {
        hexversion: 0x030d_12f0, // 3.13.18 (Debian): generations at +20, see interp.rs
        gc_in_interp: None,
        gc: gc_layout!(interp::gc_runtime_state_31318, interp::gc_generation_align4),
        interned_dict: Some(194_328),
        interned_static: Some(13_856),
        freelists: FreeListBases::single(10_952),
    },
];

#[cfg(all(not(Py_GIL_DISABLED), Py_3_14, not(Py_3_15)))]
pub const STATE_RELEASES: &[StateRelease] = &[StateRelease {
    hexversion: 0x030e_0af0, // 3.14.10 (Debian)
    gc_in_interp: None,
    gc: gc_layout!(interp::gc_runtime_state_314, interp::gc_generation),
    interned_dict: Some(224_624),
    interned_static: Some(14_056),
    freelists: FreeListBases::single(11_120),
}];

#[cfg(all(not(Py_GIL_DISABLED), Py_3_15))]
pub const STATE_RELEASES: &[StateRelease] = &[StateRelease {
    hexversion: 0x030f_02f0, // 3.15.2 (Debian)
    gc_in_interp: None,
    gc: gc_layout!(interp::gc_runtime_state_315, interp::gc_generation),
    interned_dict: Some(224_896),
    interned_static: Some(14_216),
    freelists: FreeListBases::single(11_096),
}];

/// Free-threaded builds: no release is known (their GC has no generation lists, and no
/// free-threaded interpreter was available to probe).
#[cfg(Py_GIL_DISABLED)]
pub const STATE_RELEASES: &[StateRelease] = &[];

/// The known release with this exact `PY_VERSION_HEX`, or why there is none.
pub fn state_release(hexversion: u32) -> Result<&'static StateRelease, String> {
    if let Some(r) = STATE_RELEASES.iter().find(|r| r.hexversion == hexversion) {
        return Ok(r);
    }
    let running = version_name(hexversion);
    if FREE_THREADED {
        return Err(format!(
            "CPython {running} is a free-threaded build: its GC keeps no generation lists and \
             pyhood knows none of its interpreter-state offsets"
        ));
    }
    if (0x030e_0000..0x030e_0500).contains(&hexversion) {
        return Err(format!(
            "CPython {running} runs the incremental GC of 3.14.0-3.14.4 (young/old spaces, a \
             different struct _gc_runtime_state); pyhood refuses those releases"
        ));
    }
    let known: Vec<String> = STATE_RELEASES
        .iter()
        .map(|r| version_name(r.hexversion))
        .collect();
    Err(format!(
        "pyhood knows the interpreter-state offsets of CPython {} only, and this is {running}: \
         these offsets move between patch releases, so pyhood will not guess (add this \
         release's offsets to compat::STATE_RELEASES from its headers)",
        if known.is_empty() {
            "(none for this build)".to_string()
        } else {
            known.join(", ")
        }
    ))
}

/// Field offsets of `_Py_DebugOffsets`, the table at the very start of `_PyRuntime` that
/// CPython 3.13+ publishes for debuggers (`pycore_runtime.h` 3.13, `pycore_debug_offsets.h`
/// 3.14+); the same in 3.13.0 and 3.13.18.
#[derive(Clone, Copy, Debug)]
pub struct DebugOffsetsLayout {
    /// `sizeof(_Py_DebugOffsets)`.
    pub size: usize,
    /// `version` (the runtime's `PY_VERSION_HEX`) and `free_threaded`.
    pub version: usize,
    pub free_threaded: usize,
    /// `interpreter_state.size` (`sizeof(PyInterpreterState)`) and `interpreter_state.gc`.
    pub interp_size: usize,
    pub interp_gc: usize,
    /// `gc.size` (`sizeof(struct _gc_runtime_state)`) and `gc.collecting`.
    pub gc_size: usize,
    pub gc_collecting: usize,
}

/// `_Py_DebugOffsets.cookie` (`_Py_Debug_Cookie`).
pub const DEBUG_COOKIE: &[u8; 8] = b"xdebugpy";

#[cfg(not(Py_3_13))]
pub const DEBUG_OFFSETS: Option<DebugOffsetsLayout> = None;
#[cfg(all(Py_3_13, not(Py_3_14)))]
pub const DEBUG_OFFSETS: Option<DebugOffsetsLayout> = Some(DebugOffsetsLayout {
    size: 584,
    version: 8,
    free_threaded: 16,
    interp_size: 48,
    interp_gc: 80,
    gc_size: 568,
    gc_collecting: 576,
});
#[cfg(all(Py_3_14, not(Py_3_15)))]
pub const DEBUG_OFFSETS: Option<DebugOffsetsLayout> = Some(DebugOffsetsLayout {
    size: 760,
    version: 8,
    free_threaded: 16,
    interp_size: 48,
    interp_gc: 88, // 3.14 added interpreter_state.threads_main before gc
    gc_size: 648,
    gc_collecting: 656,
});
#[cfg(Py_3_15)]
pub const DEBUG_OFFSETS: Option<DebugOffsetsLayout> = Some(DebugOffsetsLayout {
    size: 888,
    version: 8,
    free_threaded: 16,
    interp_size: 48,
    interp_gc: 88,
    gc_size: 752,
    gc_collecting: 760,
});

/// The values pyhood uses from `_Py_DebugOffsets`.
#[derive(Clone, Copy, Debug)]
pub struct DebugOffsetsValues {
    /// `sizeof(PyInterpreterState)`.
    pub interp_size: usize,
    /// `offsetof(PyInterpreterState, gc)`.
    pub interp_gc: usize,
    /// `sizeof(struct _gc_runtime_state)` and `offsetof(struct _gc_runtime_state, collecting)`.
    pub gc_size: usize,
    pub gc_collecting: usize,
}

/// Decode and check the first `d.size` bytes of `_PyRuntime`: the cookie, the version (must
/// be `hexversion`), the build flavour, and an interpreter-state size that holds the GC state.
pub fn parse_debug_offsets(
    bytes: &[u8],
    d: &DebugOffsetsLayout,
    hexversion: u32,
) -> Result<DebugOffsetsValues, String> {
    let word = |off: usize| -> usize {
        bytes
            .get(off..off + 8)
            .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")) as usize)
            .unwrap_or(usize::MAX)
    };
    if bytes.get(..8) != Some(&DEBUG_COOKIE[..]) {
        return Err(
            "_PyRuntime does not start with the _Py_DebugOffsets cookie \"xdebugpy\"".into(),
        );
    }
    if word(d.version) != hexversion as usize || word(d.free_threaded) != FREE_THREADED as usize {
        return Err(format!(
            "_Py_DebugOffsets describes version {:#x} (free-threaded {}), not this interpreter \
             ({hexversion:#x})",
            word(d.version),
            word(d.free_threaded)
        ));
    }
    let v = DebugOffsetsValues {
        interp_size: word(d.interp_size),
        interp_gc: word(d.interp_gc),
        gc_size: word(d.gc_size),
        gc_collecting: word(d.gc_collecting),
    };
    let fits = v
        .interp_gc
        .checked_add(v.gc_size)
        .is_some_and(|end| end <= v.interp_size && v.interp_size < 1 << 24);
    if !fits || v.gc_collecting >= v.gc_size {
        return Err(format!(
            "_Py_DebugOffsets is inconsistent: gc at {} ({} bytes, collecting at {}) in a \
             PyInterpreterState of {} bytes",
            v.interp_gc, v.gc_size, v.gc_collecting, v.interp_size
        ));
    }
    Ok(v)
}

/// `_Py_hashtable_t` fields pyhood reads (`pycore_hashtable.h`, unchanged 3.10–3.15).
pub mod hashtable {
    use super::interp::{_Py_hashtable_allocator_t, _Py_hashtable_entry_t, _Py_hashtable_t};
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

#[cfg(test)]
mod state_tests {
    use super::*;

    #[test]
    fn every_known_release_is_found_and_nothing_else() {
        for r in STATE_RELEASES {
            assert_eq!(
                state_release(r.hexversion).unwrap().hexversion,
                r.hexversion
            );
            let next_patch = r.hexversion + 0x100;
            let err = state_release(next_patch).unwrap_err();
            assert!(err.contains("will not guess"), "{err}");
            assert!(err.contains(&version_name(r.hexversion)), "{err}");
        }
    }

    #[test]
    fn the_incremental_gc_releases_are_refused_by_name() {
        let err = state_release(0x030e_02f0).unwrap_err(); // 3.14.2
        assert!(err.contains("incremental GC"), "{err}");
    }

    #[test]
    fn versions_are_named_like_python_names_them() {
        assert_eq!(version_name(0x030d_12f0), "3.13.18");
        assert_eq!(version_name(0x030f_00a3), "3.15.0a3");
        assert_eq!(version_name(0x030e_00c1), "3.14.0rc1");
    }

    #[test]
    fn gc_layouts_have_the_header_shapes() {
        for r in STATE_RELEASES {
            let g = &r.gc;
            assert_eq!((g.generation_size, g.threshold, g.count), (24, 16, 20));
            // generations[3] is followed by generation0 (<= 3.13) or the permanent generation.
            assert!(g.generations + 3 * g.generation_size <= g.permanent);
            assert!(g.collecting < g.size && g.generation0 + 8 <= g.size);
            let expected = match r.hexversion {
                0x030d_12f0 => 20,  // Debian 3.13.18: 4-aligned PyGC_Head
                0x030f_0000.. => 8, // 3.15: trash fields moved out
                _ => 24,
            };
            assert_eq!(g.generations, expected);
        }
    }

    fn debug_bytes(d: &DebugOffsetsLayout, hex: u32, gc_at: u64, gc_size: u64) -> Vec<u8> {
        let mut b = vec![0u8; d.size];
        b[..8].copy_from_slice(DEBUG_COOKIE);
        let mut put = |off: usize, v: u64| b[off..off + 8].copy_from_slice(&v.to_le_bytes());
        put(d.version, hex as u64);
        put(d.free_threaded, FREE_THREADED as u64);
        put(d.interp_size, 200_000);
        put(d.interp_gc, gc_at);
        put(d.gc_size, gc_size);
        put(d.gc_collecting, 200);
        b
    }

    #[test]
    fn debug_offsets_are_checked_before_use() {
        let Some(d) = DEBUG_OFFSETS else { return };
        let hex = 0x030d_00f0;
        let v = parse_debug_offsets(&debug_bytes(&d, hex, 7400, 240), &d, hex).unwrap();
        assert_eq!((v.interp_gc, v.gc_size, v.gc_collecting), (7400, 240, 200));
        let mut bad_cookie = debug_bytes(&d, hex, 7400, 240);
        bad_cookie[0] = b'y';
        assert!(parse_debug_offsets(&bad_cookie, &d, hex).is_err());
        let other_version = debug_bytes(&d, hex, 7400, 240);
        assert!(parse_debug_offsets(&other_version, &d, hex + 0x100).is_err());
        let outside = debug_bytes(&d, hex, 199_900, 240);
        assert!(parse_debug_offsets(&outside, &d, hex).is_err());
        assert!(parse_debug_offsets(&bad_cookie[..8], &d, hex).is_err());
    }
}
