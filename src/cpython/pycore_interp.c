/* The interpreter-state members pyhood reads, declared once (issue 9).
 *
 * build.rs compiles this file against the headers of the interpreter it builds for
 * (sysconfig's include dir and its internal/ folder, with Py_BUILD_CORE) and runs it; what
 * it prints is Rust source, included by src/cpython/pycore_interp.rs. So every offset below
 * is that release's own `offsetof`/`sizeof`, never a number copied from another release.
 * At run time these are predictions: src/interpreter_state.rs proves each one (or
 * re-establishes it, on another patch release) before any number reaches the user.
 *
 * Headers asked (3.10-3.15): internal/pycore_interp.h (PyInterpreterState; 3.14+ its
 * structs in pycore_interp_structs.h), pycore_gc.h (struct _gc_runtime_state,
 * struct gc_generation), pycore_runtime.h (_PyRuntimeState, _Py_DebugOffsets 3.13; 3.14+
 * pycore_runtime_structs.h, pycore_debug_offsets.h), the free-list headers
 * (pycore_interp.h 3.10, pycore_floatobject.h/pycore_tuple.h/pycore_list.h/pycore_dict.h
 * 3.11, pycore_dict_state.h 3.12, pycore_freelist.h 3.13, pycore_freelist_state.h 3.14+),
 * pycore_global_objects.h (cached_objects.interned_strings, 3.12+), pycore_typeobject.h
 * (static builtin type state, 3.12+).
 *
 * -DPYHOOD_NO_GENERATIONS: build.rs retries with it when the generational GC fields do
 * not compile (3.14.0-3.14.4 declare the incremental collector's `young`/`old[2]`).
 */
#define Py_BUILD_CORE 1
#include <Python.h>
#include <stddef.h>
#include <stdio.h>

#include "internal/pycore_interp.h"
#include "internal/pycore_runtime.h"
#if PY_VERSION_HEX >= 0x030e0000
#include "internal/pycore_debug_offsets.h"
#include "internal/pycore_freelist_state.h"
#elif PY_VERSION_HEX >= 0x030d0000
#include "internal/pycore_freelist.h"
#endif
#if PY_VERSION_HEX >= 0x030c0000 && PY_VERSION_HEX < 0x030e0000
#include "internal/pycore_typeobject.h"
#endif

#define OFF(T, f) ((unsigned long)offsetof(T, f))
#define SIZE(T) ((unsigned long)sizeof(T))
#define IS PyInterpreterState

/* Free lists, by version: one `FreeListProbe` per list, offsets relative to the start of
 * its group (group g starts at FREELIST_GROUPS[g] inside PyInterpreterState). */
static int first_list = 1;
static void list_head(void) {
    if (first_list) {
        printf("pub const FREELISTS: &[FreeListProbe] = &[\n");
        first_list = 0;
    }
}
static void linked(const char *name, int group, unsigned long count_at, unsigned long count_size,
                   unsigned long head_at, unsigned long next_at, long limit, const char *type) {
    list_head();
    printf("    FreeListProbe { name: \"%s\", group: %d, limit: %ld, type_name: \"%s\", shape: "
           "FreeListShape::Linked { count_at: %lu, count_size: %lu, head_at: %lu, next_at: %lu } "
           "},\n",
           name, group, limit, type, count_at, count_size, head_at, next_at);
}
__attribute__((unused)) static void array(const char *name, int group, unsigned long count_at, unsigned long items_at,
                  long limit, const char *type) {
    list_head();
    printf("    FreeListProbe { name: \"%s\", group: %d, limit: %ld, type_name: \"%s\", shape: "
           "FreeListShape::Array { count_at: %lu, items_at: %lu } },\n",
           name, group, limit, type, count_at, items_at);
}
/* One group of free lists: its member of PyInterpreterState, offset and size. `mark` "["
 * opens a table of several groups, "-" continues it, "]" closes it; "" is a table of one. */
static void group(const char *member, unsigned long at, unsigned long size, const char *mark) {
    if (mark[0] == '[' || mark[0] == 0)
        printf("pub const FREELIST_GROUPS: &[FreeListGroup] = &[\n");
    printf("    FreeListGroup { member: \"%s\", at: %lu, size: %lu },\n", member, at, size);
    if (mark[0] == ']' || mark[0] == 0)
        printf("];\n");
}
static void end_lists(void) {
    list_head();
    printf("];\n");
}

static void freelists(void) {
#if defined(Py_GIL_DISABLED)
    /* Free-threaded builds keep their free lists per thread (_PyThreadStateImpl). */
    printf("pub const FREELIST_GROUPS: &[FreeListGroup] = &[];\n");
    end_lists();
#elif PY_VERSION_HEX >= 0x030e0000
    /* struct _Py_freelists of struct _Py_freelist {void *freelist; Py_ssize_t size;}; the
     * next pointer is the first word of a free object (pycore_freelist_state.h). Tuples of
     * length i + 1 are in tuples[i]. */
    typedef struct _Py_freelists F;
    typedef struct _Py_freelist L;
    group("object_state.freelists", OFF(IS, object_state.freelists), SIZE(F), "");
#define FL(name, member, type)                                                             \
    linked(name, 0, OFF(F, member) + OFF(L, size), sizeof(Py_ssize_t),                     \
           OFF(F, member) + OFF(L, freelist), 0, Py_##member##_MAXFREELIST, type)
    FL("float", floats, "float");
    FL("int", ints, "int");
    for (int i = 0; i < PyTuple_MAXSAVESIZE; i++) {
        char name[16];
        snprintf(name, sizeof name, "tuple[%d]", i + 1);
        linked(name, 0, OFF(F, tuples) + i * SIZE(L) + OFF(L, size), sizeof(Py_ssize_t),
               OFF(F, tuples) + i * SIZE(L) + OFF(L, freelist), 0, Py_tuple_MAXFREELIST,
               "tuple");
    }
    FL("list", lists, "list");
    FL("dict", dicts, "dict");
    FL("dict_keys", dictkeys, "");
#undef FL
    end_lists();
#elif PY_VERSION_HEX >= 0x030d0000
    /* struct _Py_object_freelists (pycore_freelist.h): floats linked through ob_type, tuples
     * through ob_item[0] (tuples of length i + 1 in items[i]), arrays for the rest. */
    typedef struct _Py_object_freelists F;
    group("object_state.freelists", OFF(IS, object_state.freelists), SIZE(F), "");
    linked("float", 0, OFF(F, floats.numfree), sizeof(int), OFF(F, floats.items),
           OFF(PyObject, ob_type), PyFloat_MAXFREELIST, "");
    for (int i = 0; i < PyTuple_NFREELISTS; i++) {
        char name[16];
        snprintf(name, sizeof name, "tuple[%d]", i + 1);
        linked(name, 0, OFF(F, tuples.numfree) + i * sizeof(int), sizeof(int),
               OFF(F, tuples.items) + i * sizeof(void *), OFF(PyTupleObject, ob_item),
               PyTuple_MAXFREELIST, "tuple");
    }
    array("list", 0, OFF(F, lists.numfree), OFF(F, lists.items), PyList_MAXFREELIST, "list");
    array("dict", 0, OFF(F, dicts.numfree), OFF(F, dicts.items), PyDict_MAXFREELIST, "dict");
    array("dict_keys", 0, OFF(F, dictkeys.numfree), OFF(F, dictkeys.items), PyDict_MAXFREELIST,
          "");
    end_lists();
#else
    /* 3.10-3.12: one state per type. Floats are linked through ob_type, tuples through
     * ob_item[0]; 3.10 keeps the empty tuple in slot 0 (tuples of length i in slot i),
     * 3.11+ tuples of length i + 1 in slot i. */
#ifndef PyFloat_MAXFREELIST
#define PyFloat_MAXFREELIST 100 /* Objects/floatobject.c v3.10.13 */
#endif
    group("float_state", OFF(IS, float_state), SIZE(struct _Py_float_state), "[");
    group("tuple", OFF(IS, tuple), SIZE(struct _Py_tuple_state), "-");
    group("list", OFF(IS, list), SIZE(struct _Py_list_state), "-");
    group("dict_state", OFF(IS, dict_state), SIZE(struct _Py_dict_state), "]");
    linked("float", 0, OFF(struct _Py_float_state, numfree), sizeof(int),
           OFF(struct _Py_float_state, free_list), OFF(PyObject, ob_type), PyFloat_MAXFREELIST, "");
    for (int i = 0; i < PyTuple_MAXSAVESIZE; i++) {
        char name[16];
        int len = PY_VERSION_HEX >= 0x030b0000 ? i + 1 : i;
        snprintf(name, sizeof name, "tuple[%d]", len);
        linked(name, 1, OFF(struct _Py_tuple_state, numfree) + i * sizeof(int), sizeof(int),
               OFF(struct _Py_tuple_state, free_list) + i * sizeof(void *),
               OFF(PyTupleObject, ob_item), len == 0 ? 1 : PyTuple_MAXFREELIST, "tuple");
    }
    array("list", 2, OFF(struct _Py_list_state, numfree), OFF(struct _Py_list_state, free_list),
          PyList_MAXFREELIST, "list");
    array("dict", 3, OFF(struct _Py_dict_state, numfree), OFF(struct _Py_dict_state, free_list),
          PyDict_MAXFREELIST, "dict");
    array("dict_keys", 3, OFF(struct _Py_dict_state, keys_numfree),
          OFF(struct _Py_dict_state, keys_free_list), PyDict_MAXFREELIST, "");
    end_lists();
#endif
}

static void gc(void) {
#if defined(Py_GIL_DISABLED)
    printf("pub const GC: Result<GcProbe, &str> = Err(\"free-threaded builds keep no generation "
           "lists (their collector walks the mimalloc heaps)\");\n");
#elif defined(PYHOOD_NO_GENERATIONS)
    /* Compiles only where the incremental collector's fields exist, so no other failure of
     * the probe is taken for this one. */
    (void)offsetof(struct _gc_runtime_state, young);
    (void)offsetof(struct _gc_runtime_state, old);
    printf("pub const GC: Result<GcProbe, &str> = Err(\"the headers pyhood was built with declare "
           "the incremental collector of 3.14.0-3.14.4 (young/old spaces), whose lists pyhood "
           "cannot prove here\");\n");
#else
    typedef struct _gc_runtime_state G;
    printf("pub const GC: Result<GcProbe, &str> = Ok(GcProbe {\n");
    printf("    in_interp: %lu,\n", OFF(IS, gc));
    printf("    size: %lu,\n", SIZE(G));
    printf("    enabled: %lu,\n", OFF(G, enabled));
    printf("    debug: %lu,\n", OFF(G, debug));
    printf("    generations: %lu,\n", OFF(G, generations));
    printf("    generation_size: %lu,\n", SIZE(struct gc_generation));
    printf("    generation0: %lu,\n", OFF(G, generation0));
    printf("    permanent: %lu,\n", OFF(G, permanent_generation));
    printf("    collecting: %lu,\n", OFF(G, collecting));
    printf("    threshold: %lu,\n", OFF(struct gc_generation, threshold));
    printf("    count: %lu,\n", OFF(struct gc_generation, count));
    printf("});\n");
#endif
}

static void interned(void) {
#if PY_VERSION_HEX >= 0x030c0000
    printf("pub const INTERNED_DICT: Option<usize> = Some(%lu);\n",
           OFF(IS, cached_objects.interned_strings));
    printf("pub const INTERNED_STATIC: Option<usize> = Some(%lu);\n",
           OFF(_PyRuntimeState, cached_objects.interned_strings));
#else
    /* 3.10/3.11: `static PyObject *interned` in Objects/unicodeobject.c. */
    printf("pub const INTERNED_DICT: Option<usize> = None;\n");
    printf("pub const INTERNED_STATIC: Option<usize> = None;\n");
#endif
}

static void static_types(void) {
#if PY_VERSION_HEX >= 0x030d0000
    typedef managed_static_type_state S;
    printf("pub const STATIC_TYPES: Option<StaticTypesProbe> = Some(StaticTypesProbe { "
           "builtins: %lu, extensions: Some(%lu), entry_size: %lu, type_at: %lu, weaklist_at: "
           "%lu, max_builtins: %lu, max_extensions: %lu });\n",
           OFF(IS, types.builtins.initialized), OFF(IS, types.for_extensions.initialized),
           SIZE(S), OFF(S, type), OFF(S, tp_weaklist),
           (unsigned long)_Py_MAX_MANAGED_STATIC_BUILTIN_TYPES,
           SIZE(((IS *)0)->types.for_extensions.initialized) / SIZE(S));
#elif PY_VERSION_HEX >= 0x030c0000
    typedef static_builtin_state S;
    printf("pub const STATIC_TYPES: Option<StaticTypesProbe> = Some(StaticTypesProbe { "
           "builtins: %lu, extensions: None, entry_size: %lu, type_at: %lu, weaklist_at: %lu, "
           "max_builtins: %lu, max_extensions: 0 });\n",
           OFF(IS, types.builtins), SIZE(S), OFF(S, type), OFF(S, tp_weaklist),
           (unsigned long)_Py_MAX_STATIC_BUILTIN_TYPES);
#else
    /* Before 3.12 a static type keeps its own tp_weaklist. */
    printf("pub const STATIC_TYPES: Option<StaticTypesProbe> = None;\n");
#endif
}

static void debug_offsets(void) {
#if PY_VERSION_HEX >= 0x030d0000
    typedef _Py_DebugOffsets D;
    printf("pub const DEBUG_OFFSETS: Option<DebugOffsetsProbe> = Some(DebugOffsetsProbe {\n");
    printf("    size: %lu,\n", SIZE(D));
    printf("    version: %lu,\n", OFF(D, version));
    printf("    free_threaded: %lu,\n", OFF(D, free_threaded));
    printf("    runtime_size: %lu,\n", OFF(D, runtime_state.size));
    printf("    interp_size: %lu,\n", OFF(D, interpreter_state.size));
    printf("    interp_gc: %lu,\n", OFF(D, interpreter_state.gc));
    printf("    gc_size: %lu,\n", OFF(D, gc.size));
    printf("    gc_collecting: %lu,\n", OFF(D, gc.collecting));
    printf("});\n");
    /* (name, offset of the member's entry inside _Py_DebugOffsets, the member's offset in
     * this build): anchors that move members pyhood reads near them on another release. */
    printf("pub const INTERP_ANCHORS: &[Anchor] = &[\n");
#define A(name, dfield, member)                                                            \
    printf("    Anchor { name: \"%s\", debug_at: %lu, built: %lu },\n", name,                 \
           OFF(D, interpreter_state.dfield), OFF(IS, member))
    A("next", next, next);
    A("threads_head", threads_head, threads.head);
    A("gc", gc, gc);
    A("imports_modules", imports_modules, imports.modules);
    A("sysdict", sysdict, sysdict);
    A("builtins", builtins, builtins);
    A("ceval_gil", ceval_gil, ceval.gil);
#undef A
    printf("];\n");
    printf("pub const RUNTIME_ANCHORS: &[Anchor] = &[\n");
    printf("    Anchor { name: \"finalizing\", debug_at: %lu, built: %lu },\n",
           OFF(D, runtime_state.finalizing), OFF(_PyRuntimeState, _finalizing));
    printf("    Anchor { name: \"interpreters_head\", debug_at: %lu, built: %lu },\n",
           OFF(D, runtime_state.interpreters_head), OFF(_PyRuntimeState, interpreters.head));
    printf("];\n");
#else
    printf("pub const DEBUG_OFFSETS: Option<DebugOffsetsProbe> = None;\n");
    printf("pub const INTERP_ANCHORS: &[Anchor] = &[];\n");
    printf("pub const RUNTIME_ANCHORS: &[Anchor] = &[];\n");
#endif
}

int main(void) {
    printf("// @generated by build.rs from src/cpython/pycore_interp.c: do not edit.\n");
    printf("pub const BUILT_HEXVERSION: u32 = 0x%08lx;\n", (unsigned long)PY_VERSION_HEX);
    printf("pub const INTERP_SIZE: usize = %lu;\n", SIZE(PyInterpreterState));
    printf("pub const RUNTIME_SIZE: usize = %lu;\n", SIZE(_PyRuntimeState));
    gc();
    freelists();
    interned();
    static_types();
    debug_offsets();
    return 0;
}
