//! `Include/cpython/code.h`: `PyCodeObject`; `Include/internal/pycore_code.h` (3.11+): the
//! kinds of `co_localspluskinds`.

#[cfg(not(Py_3_11))]
use super::object::PyObject;
#[cfg(Py_3_11)]
use super::object::PyVarObject;
use super::Ptr;

declare! {
    /// `PyCodeObject` on 3.10, up to `co_linetable` (the fields after it are not read).
    #[cfg(not(Py_3_11))]
    pub struct PyCodeObject in "" [partial] {
        ob_base: PyObject = base,
        co_argcount: i32 = { "int", Signed },
        co_posonlyargcount: i32 = { "int", Signed },
        co_kwonlyargcount: i32 = { "int", Signed },
        co_nlocals: i32 = { "int", Signed },
        co_stacksize: i32 = { "int", Signed },
        co_flags: i32 = { "int", Signed },
        co_firstlineno: i32 = { "int", Signed },
        co_code: Ptr = { "PyObject *", Pointer },
        co_consts: Ptr = { "PyObject *", Pointer },
        co_names: Ptr = { "PyObject *", Pointer },
        co_varnames: Ptr = { "PyObject *", Pointer },
        co_freevars: Ptr = { "PyObject *", Pointer },
        co_cellvars: Ptr = { "PyObject *", Pointer },
        co_cell2arg: Ptr = { "Py_ssize_t *", Pointer },
        co_filename: Ptr = { "PyObject *", Pointer },
        co_name: Ptr = { "PyObject *", Pointer },
        co_linetable: Ptr = { "PyObject *", Pointer },
    }

    /// `PyCodeObject` from 3.11 (`_PyCode_DEF`): a variable-size object whose items are the
    /// (specialising) bytecode, `co_code_adaptive`.
    #[cfg(Py_3_11)]
    pub struct PyCodeObject in "" {
        ob_base: PyVarObject = base,
        co_consts: Ptr = { "PyObject *", Pointer },
        co_names: Ptr = { "PyObject *", Pointer },
        co_exceptiontable: Ptr = { "PyObject *", Pointer },
        co_flags: i32 = { "int", Signed },
        #[cfg(not(Py_3_12))]
        co_warmup: i16 = { "short", Signed },
        #[cfg(not(Py_3_12))]
        _co_linearray_entry_size: i16 = { "short", Signed },
        co_argcount: i32 = { "int", Signed },
        co_posonlyargcount: i32 = { "int", Signed },
        co_kwonlyargcount: i32 = { "int", Signed },
        co_stacksize: i32 = { "int", Signed },
        co_firstlineno: i32 = { "int", Signed },
        co_nlocalsplus: i32 = { "int", Signed },
        #[cfg(Py_3_12)]
        co_framesize: i32 = { "int", Signed },
        co_nlocals: i32 = { "int", Signed },
        #[cfg(not(Py_3_12))]
        co_nplaincellvars: i32 = { "int", Signed },
        co_ncellvars: i32 = { "int", Signed },
        co_nfreevars: i32 = { "int", Signed },
        #[cfg(Py_3_12)]
        co_version: u32 = { "uint32_t", Unsigned },
        co_localsplusnames: Ptr = { "PyObject *", Pointer },
        co_localspluskinds: Ptr = { "PyObject *", Pointer },
        co_filename: Ptr = { "PyObject *", Pointer },
        co_name: Ptr = { "PyObject *", Pointer },
        co_qualname: Ptr = { "PyObject *", Pointer },
        co_linetable: Ptr = { "PyObject *", Pointer },
        co_weakreflist: Ptr = { "PyObject *", Pointer },
        #[cfg(Py_3_13)]
        co_executors: Ptr = { "_PyExecutorArray *", Pointer },
        #[cfg(not(Py_3_12))]
        _co_code: Ptr = { "PyObject *", Pointer },
        #[cfg(not(Py_3_12))]
        _co_linearray: Ptr = { "char *", Pointer },
        #[cfg(Py_3_12)]
        _co_cached: Ptr = { "_PyCoCached *", Pointer },
        #[cfg(Py_3_12)]
        _co_instrumentation_version: u64 = {
            if cfg!(Py_3_13) { "uintptr_t" } else { "uint64_t" },
            Unsigned
        },
        #[cfg(Py_3_12)]
        _co_monitoring: Ptr = { "_PyCoMonitoringData *", Pointer },
        #[cfg(Py_3_14)]
        _co_unique_id: isize = { "Py_ssize_t", Signed },
        _co_firsttraceable: i32 = { "int", Signed },
        co_extra: Ptr = { "void *", Pointer },
        #[cfg(Py_3_14)]
        #[cfg(Py_GIL_DISABLED)]
        co_tlbc: Ptr = { "_PyCodeArray *", Pointer },
        co_code_adaptive: [u8; 1] = ["_Py_CODEUNIT", flex],
    }

    consts {
        /// `CO_MAXBLOCKS` (3.10 `Include/cpython/code.h`): the depth of a 3.10 frame's
        /// block stack.
        pub const CO_MAXBLOCKS: usize = 20 => const CO_MAXBLOCKS in "" if cfg!(not(Py_3_11));
        /// `co_localspluskinds` bits (3.11+): `CO_FAST_HIDDEN` (3.12+, inlined
        /// comprehension variables), `CO_FAST_LOCAL`, `CO_FAST_CELL`, `CO_FAST_FREE`.
        pub const CO_FAST_HIDDEN: u8 = 0x10
            => const CO_FAST_HIDDEN in "internal/pycore_code.h" if cfg!(Py_3_12);
        pub const CO_FAST_LOCAL: u8 = 0x20
            => const CO_FAST_LOCAL in "internal/pycore_code.h" if cfg!(Py_3_11);
        pub const CO_FAST_CELL: u8 = 0x40
            => const CO_FAST_CELL in "internal/pycore_code.h" if cfg!(Py_3_11);
        pub const CO_FAST_FREE: u8 = 0x80
            => const CO_FAST_FREE in "internal/pycore_code.h" if cfg!(Py_3_11);
    }
}

/// A slot's kind as words: `local`, `cell`, `free`, joined with `+` when an argument is
/// also a cell (`local+cell`); `hidden` marks 3.12+ inlined-comprehension variables.
pub fn kind_name(k: u8) -> String {
    let mut parts = Vec::new();
    if k & CO_FAST_HIDDEN != 0 && cfg!(Py_3_12) {
        parts.push("hidden");
    }
    if k & CO_FAST_LOCAL != 0 {
        parts.push("local");
    }
    if k & CO_FAST_CELL != 0 {
        parts.push("cell");
    }
    if k & CO_FAST_FREE != 0 {
        parts.push("free");
    }
    parts.join("+")
}

/// Offsets in `PyCodeObject` that `frame_layout` reads.
#[derive(Clone, Copy, Debug)]
pub struct CodeShape {
    pub stacksize: usize,
    /// `co_nlocalsplus` (3.11+); on 3.10 the count is locals + cells + frees.
    pub nlocalsplus: Option<usize>,
    /// `co_localsplusnames`, `co_localspluskinds` (3.11+).
    pub localsplusnames: Option<usize>,
    pub localspluskinds: Option<usize>,
    /// `co_code_adaptive` (3.11+), the first code unit.
    pub code_adaptive: Option<usize>,
    /// `co_code` (3.10): a bytes object holding the code units.
    pub co_code: Option<usize>,
}

#[cfg(not(Py_3_11))]
pub const CODE: CodeShape = CodeShape {
    stacksize: PyCodeObject::co_stacksize.offset,
    nlocalsplus: None,
    localsplusnames: None,
    localspluskinds: None,
    code_adaptive: None,
    co_code: Some(PyCodeObject::co_code.offset),
};

#[cfg(Py_3_11)]
pub const CODE: CodeShape = CodeShape {
    stacksize: PyCodeObject::co_stacksize.offset,
    nlocalsplus: Some(PyCodeObject::co_nlocalsplus.offset),
    localsplusnames: Some(PyCodeObject::co_localsplusnames.offset),
    localspluskinds: Some(PyCodeObject::co_localspluskinds.offset),
    code_adaptive: Some(PyCodeObject::co_code_adaptive.offset),
    co_code: None,
};

/// `sizeof(_Py_CODEUNIT)`.
pub const CODEUNIT_SIZE: usize = 2;
