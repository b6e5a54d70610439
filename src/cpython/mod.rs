//! Mirrors of CPython headers, one file per header.

pub mod pycore_interp;
