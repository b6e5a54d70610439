//! Where the release pyhood was built for keeps its interpreter state (guide §12.2–§12.4):
//! `PyInterpreterState.gc` and `struct _gc_runtime_state`, the free lists, the interned
//! strings (3.12+), the state of static builtin types (3.12+), and `_Py_DebugOffsets`
//! (3.13+).
//!
//! Nothing here is typed in by hand: `build.rs` compiles `pycore_interp.c` (the one place
//! these members are named) against the headers of the interpreter it builds for and
//! includes what it prints. Those numbers are *that* release's; `src/interpreter_state.rs`
//! treats them as predictions and proves (or re-establishes) each on the running
//! interpreter before anything is read through it.

/// `struct _gc_runtime_state` as the build's headers declare it (`pycore_gc.h`; 3.14+
/// `pycore_interp_structs.h`); offsets from the start of the struct, except `in_interp`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GcProbe {
    /// `offsetof(PyInterpreterState, gc)`.
    pub in_interp: usize,
    /// `sizeof(struct _gc_runtime_state)`.
    pub size: usize,
    pub enabled: usize,
    pub debug: usize,
    /// `generations[0]`; generation `i` is at `generations + i * generation_size`.
    pub generations: usize,
    /// `sizeof(struct gc_generation)`.
    pub generation_size: usize,
    /// `PyGC_Head *generation0`, which points at `&generations[0].head`.
    pub generation0: usize,
    pub permanent: usize,
    pub collecting: usize,
    /// `threshold` and `count` inside a `struct gc_generation`.
    pub threshold: usize,
    pub count: usize,
}

/// How one free list is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FreeListShape {
    /// A count (`int`, or `Py_ssize_t` 3.14+) and the head of a singly linked list whose
    /// next pointer sits `next_at` bytes into each free object.
    Linked {
        count_at: usize,
        count_size: usize,
        head_at: usize,
        next_at: usize,
    },
    /// A count (`int`) and an array of pointers to the free objects (3.10–3.13
    /// list/dict/keys; 3.14+ keeps every list linked).
    #[cfg_attr(Py_3_14, allow(dead_code))]
    Array { count_at: usize, items_at: usize },
}

/// One free list; its offsets are relative to the start of its group.
#[derive(Clone, Copy, Debug)]
pub struct FreeListProbe {
    /// pyhood's name: "float", "int", "tuple[N]" (N = length), "list", "dict", "dict_keys".
    pub name: &'static str,
    /// Index into [`FREELIST_GROUPS`].
    pub group: usize,
    /// The most it keeps (`*_MAXFREELIST`).
    pub limit: i64,
    /// Type the free objects keep (`ob_type` intact while on the list), "" if unchecked.
    pub type_name: &'static str,
    pub shape: FreeListShape,
}

/// A member of `PyInterpreterState` holding free lists: 3.10–3.12 one per type
/// (`float_state`, `tuple`, `list`, `dict_state`), 3.13+ `object_state.freelists`.
#[derive(Clone, Copy, Debug)]
pub struct FreeListGroup {
    pub member: &'static str,
    pub at: usize,
    pub size: usize,
}

/// The per-interpreter state of static builtin types (3.12+, `pycore_typeobject.h`; 3.14+
/// `pycore_interp_structs.h`): `types.builtins` (3.12) / `types.builtins.initialized`
/// (3.13+), and `types.for_extensions.initialized` (3.13+: the static types of extension
/// modules CPython manages, `_PyStaticType_InitForExtension`, e.g. `_datetime`'s), arrays of
/// `static_builtin_state` / `managed_static_type_state`, indexed by `tp_subclasses - 1`.
#[derive(Clone, Copy, Debug)]
pub struct StaticTypesProbe {
    pub builtins: usize,
    pub extensions: Option<usize>,
    pub entry_size: usize,
    pub type_at: usize,
    pub weaklist_at: usize,
    pub max_builtins: usize,
    /// Entries of `types.for_extensions.initialized` (3.13+; 0 before).
    pub max_extensions: usize,
}

/// Field offsets inside `_Py_DebugOffsets` (3.13+, at offset 0 of `_PyRuntime`; frozen
/// within a minor version).
#[derive(Clone, Copy, Debug)]
pub struct DebugOffsetsProbe {
    pub size: usize,
    pub version: usize,
    pub free_threaded: usize,
    pub runtime_size: usize,
    pub interp_size: usize,
    pub interp_gc: usize,
    pub gc_size: usize,
    pub gc_collecting: usize,
}

/// A member that `_Py_DebugOffsets` publishes: where its entry sits in the table, and the
/// member's offset in the build's struct. On another release, members pyhood reads near an
/// anchor are predicted to have moved with it.
#[derive(Clone, Copy, Debug)]
pub struct Anchor {
    pub name: &'static str,
    pub debug_at: usize,
    pub built: usize,
}

include!(concat!(env!("OUT_DIR"), "/pycore_interp_probe.rs"));

/// `_Py_DebugOffsets.cookie` (`_Py_Debug_Cookie`).
pub const DEBUG_COOKIE: &[u8; 8] = b"xdebugpy";
