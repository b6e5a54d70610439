//! `Include/cpython/bytesobject.h`: `PyBytesObject`.

use super::object::PyVarObject;

declare! {
    /// `PyBytesObject`: the cached hash (`ob_shash`, deprecated since 3.11 but still there),
    /// then the bytes and a terminating NUL (`ob_sval[ob_size + 1]`).
    pub struct PyBytesObject in "" {
        ob_base: PyVarObject = base,
        ob_shash: isize = { "Py_hash_t", Signed },
        ob_sval: [u8; 1] = ["char[]"],
    }
}
