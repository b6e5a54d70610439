//! `Include/cpython/object.h`: `PyTypeObject` and `PyHeapTypeObject`, whose Rust mirrors are
//! pyo3-ffi's. Declared here for their C types, their field tables (the slots a type
//! object's layout shows) and their probe entries.

use pyo3::ffi;

declare! {
    /// `PyTypeObject` slots by name; `tp_watched` from 3.12, `tp_versions_used` from 3.13,
    /// `_tp_iteritem` from 3.15.
    pub struct TypeObject for ffi::PyTypeObject as "PyTypeObject" in "" {
        ob_base: _ = base,
        tp_name: _ = { "const char *", Pointer },
        tp_basicsize: _ = { "Py_ssize_t", Signed },
        tp_itemsize: _ = { "Py_ssize_t", Signed },
        tp_dealloc: _ = { "destructor", Pointer },
        tp_vectorcall_offset: _ = { "Py_ssize_t", Signed },
        tp_getattr: _ = { "getattrfunc", Pointer },
        tp_setattr: _ = { "setattrfunc", Pointer },
        tp_as_async: _ = { "PyAsyncMethods *", Pointer },
        tp_repr: _ = { "reprfunc", Pointer },
        tp_as_number: _ = { "PyNumberMethods *", Pointer },
        tp_as_sequence: _ = { "PySequenceMethods *", Pointer },
        tp_as_mapping: _ = { "PyMappingMethods *", Pointer },
        tp_hash: _ = { "hashfunc", Pointer },
        tp_call: _ = { "ternaryfunc", Pointer },
        tp_str: _ = { "reprfunc", Pointer },
        tp_getattro: _ = { "getattrofunc", Pointer },
        tp_setattro: _ = { "setattrofunc", Pointer },
        tp_as_buffer: _ = { "PyBufferProcs *", Pointer },
        tp_flags: _ = { "unsigned long", Unsigned },
        tp_doc: _ = { "const char *", Pointer },
        tp_traverse: _ = { "traverseproc", Pointer },
        tp_clear: _ = { "inquiry", Pointer },
        tp_richcompare: _ = { "richcmpfunc", Pointer },
        tp_weaklistoffset: _ = { "Py_ssize_t", Signed },
        tp_iter: _ = { "getiterfunc", Pointer },
        tp_iternext: _ = { "iternextfunc", Pointer },
        tp_methods: _ = { "PyMethodDef *", Pointer },
        tp_members: _ = { "PyMemberDef *", Pointer },
        tp_getset: _ = { "PyGetSetDef *", Pointer },
        tp_base: _ = { "PyTypeObject *", Pointer },
        tp_dict: _ = { "PyObject *", Pointer },
        tp_descr_get: _ = { "descrgetfunc", Pointer },
        tp_descr_set: _ = { "descrsetfunc", Pointer },
        tp_dictoffset: _ = { "Py_ssize_t", Signed },
        tp_init: _ = { "initproc", Pointer },
        tp_alloc: _ = { "allocfunc", Pointer },
        tp_new: _ = { "newfunc", Pointer },
        tp_free: _ = { "freefunc", Pointer },
        tp_is_gc: _ = { "inquiry", Pointer },
        tp_bases: _ = { "PyObject *", Pointer },
        tp_mro: _ = { "PyObject *", Pointer },
        tp_cache: _ = { "PyObject *", Pointer },
        tp_subclasses: _ = { "void *", Pointer },
        tp_weaklist: _ = { "PyObject *", Pointer },
        tp_del: _ = { "destructor", Pointer },
        tp_version_tag: _ = { "unsigned int", Unsigned },
        tp_finalize: _ = { "destructor", Pointer },
        tp_vectorcall: _ = { "vectorcallfunc", Pointer },
        #[cfg(Py_3_12)]
        tp_watched: _ = { "unsigned char", Unsigned },
        #[cfg(Py_3_13)]
        tp_versions_used: _ = { "uint16_t", Unsigned },
        #[cfg(Py_3_15)]
        _tp_iteritem: _ = { "_Py_iteritemfunc", Pointer },
    }

    /// `PyHeapTypeObject`: the method suites a heap type owns, its names, slots, shared keys
    /// and module (3.14: `ht_token`). Fields after `ht_module` are not read.
    pub struct HeapTypeObject for ffi::PyHeapTypeObject as "PyHeapTypeObject" in "" {
        ht_type: _ = base,
        as_async: _ = { "PyAsyncMethods", Bytes },
        as_number: _ = { "PyNumberMethods", Bytes },
        as_mapping: _ = { "PyMappingMethods", Bytes },
        as_sequence: _ = { "PySequenceMethods", Bytes },
        as_buffer: _ = { "PyBufferProcs", Bytes },
        ht_name: _ = { "PyObject *", Pointer },
        ht_slots: _ = { "PyObject *", Pointer },
        ht_qualname: _ = { "PyObject *", Pointer },
        ht_cached_keys: _ = { "PyDictKeysObject *", Pointer },
        ht_module: _ = { "PyObject *", Pointer },
        #[cfg(Py_3_14)]
        ht_token: _ = { "void *", Pointer },
    }
}
