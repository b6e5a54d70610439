//! `Include/cpython/dictobject.h`: `PyDictObject`.

use super::object::PyObject;
use super::Ptr;

declare! {
    /// `PyDictObject`; 3.14 renamed `ma_version_tag` to `_ma_watcher_tag` (same slot);
    /// `ma_values` is a `PyDictValues *` from 3.11.
    pub struct PyDictObject in "" {
        ob_base: PyObject = base,
        ma_used: isize = { "Py_ssize_t", Signed },
        #[cfg(not(Py_3_14))]
        ma_version_tag: u64 = { "uint64_t", Unsigned },
        #[cfg(Py_3_14)]
        _ma_watcher_tag: u64 = { "uint64_t", Unsigned },
        ma_keys: Ptr = { "PyDictKeysObject *", Pointer },
        ma_values: Ptr = {
            if cfg!(Py_3_11) { "PyDictValues *" } else { "PyObject **" },
            Pointer
        },
    }
}
