//! `Include/descrobject.h` (3.12+; before, `Include/structmember.h`, which `Python.h` does
//! not include): `PyMemberDef`, the entries of a type's `tp_members`.

use super::Ptr;

/// Where `PyMemberDef` is declared.
pub const MEMBER_HDR: &str = if cfg!(Py_3_12) { "" } else { "structmember.h" };

declare! {
    /// `PyMemberDef` (unchanged 3.10–3.15).
    pub struct PyMemberDef in MEMBER_HDR {
        name: Ptr = { "const char *", Pointer },
        r#type as "type": i32 = { "int", Signed },
        offset: isize = { "Py_ssize_t", Signed },
        flags: i32 = { "int", Signed },
        doc: Ptr = { "const char *", Pointer },
    }

    consts {
        /// 3.15 `PyMemberDef.flags` bit `_Py_AFTER_ITEMS` (v3.15.2): the member lives after
        /// the variable-size items, at `offset + Py_SIZE(obj) * tp_itemsize`. 0 before.
        pub const MEMBER_AFTER_ITEMS: i32 = if cfg!(Py_3_15) { 1 << 4 } else { 0 }
            => const _Py_AFTER_ITEMS in "" if cfg!(Py_3_15);
    }
}
