//! `Include/datetime.h`: `datetime.time` and `datetime.datetime` objects, allocated in two
//! sizes (`time_alloc` / `datetime_alloc`, Modules/_datetimemodule.c v3.10–v3.15): with a
//! `tzinfo` member, or without (`_PyDateTime_BaseTime` / `_PyDateTime_BaseDateTime`, whose
//! `hastzinfo` is 0), although `tp_basicsize` is the larger size.

use super::object::PyObject;
use super::Ptr;

declare! {
    /// `_PyDateTime_BaseTime`: a `time` without a tzinfo member.
    pub struct _PyDateTime_BaseTime in "datetime.h" {
        ob_base: PyObject = base,
        hashcode: isize = { "Py_hash_t", Signed },
        hastzinfo: i8 = { "char", Signed },
        data: [u8; 6] = { "unsigned char[6]", Bytes },
    }

    /// `PyDateTime_Time`: a `time` with a tzinfo member.
    pub struct PyDateTime_Time in "datetime.h" {
        ob_base: PyObject = base,
        hashcode: isize = { "Py_hash_t", Signed },
        hastzinfo: i8 = { "char", Signed },
        data: [u8; 6] = { "unsigned char[6]", Bytes },
        fold: u8 = { "unsigned char", Unsigned },
        tzinfo: Ptr = { "PyObject *", Pointer },
    }

    /// `_PyDateTime_BaseDateTime`: a `datetime` without a tzinfo member.
    pub struct _PyDateTime_BaseDateTime in "datetime.h" {
        ob_base: PyObject = base,
        hashcode: isize = { "Py_hash_t", Signed },
        hastzinfo: i8 = { "char", Signed },
        data: [u8; 10] = { "unsigned char[10]", Bytes },
    }

    /// `PyDateTime_DateTime`: a `datetime` with a tzinfo member.
    pub struct PyDateTime_DateTime in "datetime.h" {
        ob_base: PyObject = base,
        hashcode: isize = { "Py_hash_t", Signed },
        hastzinfo: i8 = { "char", Signed },
        data: [u8; 10] = { "unsigned char[10]", Bytes },
        fold: u8 = { "unsigned char", Unsigned },
        tzinfo: Ptr = { "PyObject *", Pointer },
    }
}
