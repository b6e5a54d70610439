//! Every CPython structure and version fact pyhood depends on, declared once.
//!
//! One file per CPython header mirrored (`object.rs` ↔ `Include/object.h`, `pycore_dict.rs` ↔
//! `Include/internal/pycore_dict.h`, …), as PyO3's `pyo3-ffi` does. Each struct is one
//! [`declare!`] declaration, gated per version with PyO3's `Py_3_N` / `Py_GIL_DISABLED`
//! cfgs on the fields themselves, which gives at once:
//!
//! - the `#[repr(C)]` mirror (never dereferenced: it exists for `offset_of!` / `size_of`);
//! - one [`FieldDef`] per field as an associated constant (`PyListObject::allocated`), and
//!   `FIELDS`, the table of the fields after the base struct and before the trailing array,
//!   which is what the decoders in `src/layout/` show;
//! - its entries of `pyhood._pyhood._offsets()` (`Struct.field`, `sizeof(Struct)`), which
//!   `tests/test_offsets.py` proves against the running interpreter's own headers.
//!
//! Constants, bit-fields and enum values are declared in the same place with their probe key
//! (`const:…`, `bits:…`, `enum:…`). [`probes`] collects every file's entries: there is no
//! second list of fields anywhere.
//!
//! The version facts the decoders need (where the digits of an int start, whether a type
//! has a pre-header, how a `_PyStackRef` is tagged) are small functions and constants next
//! to the declarations: the `cfg`s live here, never at a call site (memray's `compat.h`).
//! There is no `unsafe` code in this module.
//!
//! Sources (python/cpython tags v3.10.13, v3.11.7, v3.12.1, v3.13.0, v3.14.10; Debian's
//! python3.15-dev 3.15.2, and Debian's 3.13.18 for the second 3.13 patch release), named
//! per file.
#![allow(non_camel_case_types, non_snake_case, dead_code)]

use core::ffi::c_void;

/// A pointer field whose pointee pyhood reads, if at all, through the fault-free path.
pub type Ptr = *const c_void;

/// One entry of `pyhood._pyhood._offsets()`: `(key, offset or value, size or width, header)`
/// (key forms in `src/raw/offsets.rs`).
pub type Entry = (String, isize, isize, &'static str);

/// The minor version this build was compiled for; `lib.rs` refuses to import elsewhere.
pub const BUILT_FOR_MINOR: &str = env!("PYHOOD_BUILT_FOR_MINOR");
/// Whether this build targets a free-threaded interpreter.
pub const FREE_THREADED: bool = cfg!(Py_GIL_DISABLED);

/// How a field's bytes become a Python value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decode {
    Signed,
    Unsigned,
    Pointer,
    Double,
    Bytes,
    /// A bit-field inside the container bytes: `(word >> shift) & ((1 << width) - 1)`.
    Bits {
        shift: u32,
        width: u32,
    },
    /// A one-bit flag, decoded as a bool.
    Flag {
        shift: u32,
    },
    /// An unsigned word of which only `mask` is defined (the rest is uninitialised padding,
    /// e.g. the anonymous `:24` of `PyASCIIObject.state`); `raw` keeps every byte.
    Masked {
        mask: u64,
    },
}

/// One statically known field: C name, offset from the struct start, size, C type, decoding.
#[derive(Clone, Copy, Debug)]
pub struct FieldDef {
    pub name: &'static str,
    pub offset: usize,
    pub size: usize,
    pub ctype: &'static str,
    pub decode: Decode,
}

/// Bit-fields of a container field: (name, shift, width).
pub type Bits = &'static [(&'static str, u32, u32)];

/// Whether `flags` has `flag` set; a flag the running version lacks is 0 and never set.
pub fn has_flag(flags: u64, flag: u64) -> bool {
    flag != 0 && flags & flag != 0
}

#[doc(hidden)]
pub mod support {
    use super::{Decode, FieldDef};

    /// `sizeof(((S *)0)->f)`, from a projection closure (`|s: &S| &s.f`).
    pub const fn field_size<S, F>(_: fn(&S) -> &F) -> usize {
        core::mem::size_of::<F>()
    }

    /// How many of a struct's fields go into its `FIELDS` table.
    pub const fn table_len(all: &[(FieldDef, bool)]) -> usize {
        let (mut i, mut n) = (0, 0);
        while i < all.len() {
            if all[i].1 {
                n += 1;
            }
            i += 1;
        }
        n
    }

    /// The fields marked for the table, in declaration order.
    pub const fn table<const N: usize>(all: &[(FieldDef, bool)]) -> [FieldDef; N] {
        let blank = FieldDef {
            name: "",
            offset: 0,
            size: 0,
            ctype: "",
            decode: Decode::Bytes,
        };
        let mut out = [blank; N];
        let (mut i, mut j) = (0, 0);
        while i < all.len() {
            if all[i].1 {
                out[j] = all[i].0;
                j += 1;
            }
            i += 1;
        }
        out
    }
}

/// Declares the CPython structs, constants, bit-fields and enum tables of one header file,
/// and that file's `probes(&mut Vec<Entry>)`. One invocation per file:
///
/// ```text
/// declare! {
///     /// doc comments, then the struct's own cfgs
///     #[cfg(Py_3_11)]
///     pub struct PyDictUnicodeEntry in INTERNAL_DICT {
///         me_key: Ptr = { "PyObject *", Pointer },
///         me_value: Ptr = { "PyObject *", Pointer },
///     }
///     /// a struct pyo3-ffi already mirrors: `NAME for path as "C name"`, field types `_`
///     pub struct TypeObject for ffi::PyTypeObject as "PyTypeObject" in "" { … }
///     consts {
///         /// doc
///         pub const LONG_SIGN_MASK: u64 = 3 => const _PyLong_SIGN_MASK in "…" if cfg!(Py_3_12);
///     }
///     bits { PyASCIIObject.state = STATE_BITS in ""; }
///     enums { FRAME_STATES in FRAME_HDR; }
/// }
/// ```
///
/// A field is `name [as "C name"]: RustType = spec` with `#[cfg(...)]`s before it; `spec` is
/// - `base`: the embedded base struct (`ob_base`); no table row, no probe entry;
/// - `{ "C type", Decode }`: a field of the `FIELDS` table, probed as offset and size;
/// - `[ "C item type" ]`: the trailing array, probed as offset and size of its declared
///   one-element form; `[ "C item type", flex ]`: probed by offset only (a flexible array
///   member, or an embedded struct pyhood mirrors only in part).
///
/// Options in brackets after the header: `partial` (the mirror stops early: no
/// `sizeof` entry), `when(condition)` (probe only if the condition holds).
macro_rules! declare {
    (
        $(
            $(#[doc = $doc:literal])*
            $(#[cfg($scfg:meta)])*
            pub struct $name:ident $(for $target:path as $cname:literal)? in $hdr:tt
                $([ $($opt:tt)* ])? {
                $(
                    $(#[cfg($fcfg:meta)])*
                    $f:ident $(as $fc:literal)? : $ft:ty = $spec:tt
                ),* $(,)?
            }
        )*
        $(consts {
            $(
                $(#[doc = $cdoc:literal])*
                pub const $cr:ident : $ct:ty = $cv:expr => $ck:tt $cn:ident in $ch:tt
                    $(if $cw:expr)? ;
            )*
        })?
        $(bits { $( $bs:ident . $bf:ident = $btable:ident in $bh:tt ; )* })?
        $(enums { $( $etable:ident in $eh:tt ; )* })?
    ) => {
        $(
            declare!(@struct [$($target, $cname)?]
                [$($doc)*] [$($scfg)*] $name, $hdr, [$($($opt)*)?],
                { $( [$($fcfg)*] $f [$($fc)?] : $ft = $spec ),* });
        )*
        $($(
            $(#[doc = $cdoc])*
            pub const $cr: $ct = $cv;
        )*)?

        /// This header's entries of `pyhood._pyhood._offsets()`.
        #[allow(unused_variables, clippy::ptr_arg)] // a header may declare nothing probed
        pub fn probes(v: &mut Vec<$crate::cpython::Entry>) {
            $( $(#[cfg($scfg)])* $name::probes(v); )*
            $($(
                declare!(@if [$($cw)?] {
                    let key = concat!(stringify!($ck), ":", stringify!($cn));
                    v.push((key.to_string(), $cr as isize, 0, $ch));
                });
            )*)?
            $($(
                for &(name, shift, width) in $btable {
                    let key = format!("bits:{}.{}.{name}", stringify!($bs), stringify!($bf));
                    v.push((key, shift as isize, width as isize, $bh));
                }
            )*)?
            $($(
                for &(value, name, _) in $etable {
                    v.push((format!("enum:{name}"), value as isize, 0, $eh));
                }
            )*)?
        }
    };

    // A mirror of our own.
    (@struct [] [$($doc:literal)*] [$($scfg:meta)*] $name:ident, $hdr:tt, [$($opt:tt)*],
        { $( [$($fcfg:meta)*] $f:ident [$($fc:literal)?] : $ft:ty = $spec:tt ),* }) => {
        $(#[doc = $doc])*
        $(#[cfg($scfg)])*
        #[repr(C)]
        pub struct $name {
            $( $(#[cfg($fcfg)])* pub $f: $ft, )*
        }
        declare!(@impl [$($scfg)*] $name, $name, stringify!($name), $hdr, [$($opt)*],
            { $( [$($fcfg)*] $f [$($fc)?] = $spec ),* });
    };

    // A struct pyo3-ffi mirrors: a holder type for its field table and entries.
    (@struct [$target:path, $cname:literal] [$($doc:literal)*] [$($scfg:meta)*] $name:ident,
        $hdr:tt, [$($opt:tt)*],
        { $( [$($fcfg:meta)*] $f:ident [$($fc:literal)?] : $ft:ty = $spec:tt ),* }) => {
        $(#[doc = $doc])*
        $(#[cfg($scfg)])*
        pub struct $name;
        declare!(@impl [$($scfg)*] $name, $target, $cname, $hdr, [$($opt)*],
            { $( [$($fcfg)*] $f [$($fc)?] = $spec ),* });
    };

    (@impl [$($scfg:meta)*] $name:ident, $target:ty, $cname:expr, $hdr:tt, [$($opt:tt)*],
        { $( [$($fcfg:meta)*] $f:ident [$($fc:literal)?] = $spec:tt ),* }) => {
        $(#[cfg($scfg)])*
        #[allow(non_upper_case_globals)]
        impl $name {
            /// The C struct's name.
            pub const C_NAME: &'static str = $cname;
            /// The header that declares it (`""`: reached through `Python.h`; `"!"` prefix:
            /// not installed with this version).
            pub const HEADER: &'static str = $hdr;
            /// `sizeof` of the struct.
            pub const SIZE: usize = core::mem::size_of::<$target>();
            $(
                $(#[cfg($fcfg)])*
                pub const $f: $crate::cpython::FieldDef =
                    declare!(@def $target, $f, declare!(@cname $f $($fc)?), $spec);
            )*
            const ALL: &'static [($crate::cpython::FieldDef, bool)] = &[
                $( $(#[cfg($fcfg)])* ($name::$f, declare!(@in_table $spec)), )*
            ];
            const TABLE_LEN: usize = $crate::cpython::support::table_len($name::ALL);
            /// The fields after the base struct and before the trailing array.
            pub const FIELDS: &'static [$crate::cpython::FieldDef] =
                &$crate::cpython::support::table::<{ $name::TABLE_LEN }>($name::ALL);

            /// This struct's entries of `pyhood._pyhood._offsets()`.
            pub fn probes(v: &mut Vec<$crate::cpython::Entry>) {
                if !declare!(@when $($opt)*) {
                    return;
                }
                $(
                    $(#[cfg($fcfg)])*
                    declare!(@probe v, $name::$f, $spec);
                )*
                if declare!(@sizeof $($opt)*) {
                    let key = format!("sizeof({})", $name::C_NAME);
                    v.push((key, 0, $name::SIZE as isize, $name::HEADER));
                }
            }
        }
    };

    (@if [] { $($body:tt)* }) => { $($body)* };
    (@if [$c:expr] { $($body:tt)* }) => { if $c { $($body)* } };

    (@cname $f:ident) => { stringify!($f) };
    (@cname $f:ident $fc:literal) => { $fc };

    (@def $target:ty, $f:ident, $cn:expr, base) => {
        declare!(@field $target, $f, $cn, "", Bytes)
    };
    (@def $target:ty, $f:ident, $cn:expr, { $ctype:expr, $($decode:tt)+ }) => {
        declare!(@field $target, $f, $cn, $ctype, $($decode)+)
    };
    (@def $target:ty, $f:ident, $cn:expr, [ $ctype:expr $(, flex)? ]) => {
        declare!(@field $target, $f, $cn, $ctype, Bytes)
    };
    (@field $target:ty, $f:ident, $cn:expr, $ctype:expr, $($decode:tt)+) => {
        $crate::cpython::FieldDef {
            name: $cn,
            offset: core::mem::offset_of!($target, $f),
            size: $crate::cpython::support::field_size(|s: &$target| &s.$f),
            ctype: $ctype,
            decode: $crate::cpython::Decode::$($decode)+,
        }
    };

    (@in_table base) => { false };
    (@in_table { $($x:tt)* }) => { true };
    (@in_table [ $($x:tt)* ]) => { false };

    (@probe $v:ident, $d:expr, base) => {};
    (@probe $v:ident, $d:expr, [ $ctype:expr, flex ]) => {
        declare!(@push $v, $d, -1)
    };
    (@probe $v:ident, $d:expr, $spec:tt) => {
        declare!(@push $v, $d, $d.size as isize)
    };
    (@push $v:ident, $d:expr, $size:expr) => {
        $v.push((format!("{}.{}", Self::C_NAME, $d.name), $d.offset as isize, $size, Self::HEADER))
    };

    (@when) => { true };
    (@when partial $($rest:tt)*) => { declare!(@when $($rest)*) };
    (@when when($c:expr) $($rest:tt)*) => { $c };
    (@sizeof) => { true };
    (@sizeof partial $($rest:tt)*) => { false };
    (@sizeof when($c:expr) $($rest:tt)*) => { declare!(@sizeof $($rest)*) };
}

/// The header files mirrored, and [`probes`] over all of them.
macro_rules! headers {
    ($( $(#[doc = $doc:literal])* $m:ident ),* $(,)?) => {
        $( $(#[doc = $doc])* pub mod $m; )*

        /// Every entry of `pyhood._pyhood._offsets()` that a declaration gives, header by header.
        pub fn probes(v: &mut Vec<Entry>) {
            $( $m::probes(v); )*
        }
    };
}

/// Where the build's release keeps its interpreter state, from the C probe `build.rs` runs
/// (`pycore_interp.c`): predictions that `src/interpreter_state.rs` proves at run time.
pub mod pycore_interp;

headers! {
    /// `Include/object.h`, `Include/refcount.h`: `PyObject`, `PyVarObject`, type flags.
    object,
    /// `Include/cpython/object.h`: `PyTypeObject`, `PyHeapTypeObject` (pyo3-ffi's structs).
    typeobject,
    /// `Include/internal/pycore_gc.h`: `PyGC_Head` and its flag bits.
    pycore_gc,
    /// `Include/internal/pycore_object.h`: the managed dict / weakref pre-header.
    pycore_object,
    /// `Include/cpython/longintrepr.h` (3.10: `Include/longintrepr.h`): `PyLongObject`.
    longintrepr,
    /// `Include/internal/pycore_long.h`: the 3.12+ `lv_tag` encoding, the small-int cache.
    pycore_long,
    /// `Include/cpython/floatobject.h`: `PyFloatObject`.
    floatobject,
    /// `Include/cpython/bytesobject.h`: `PyBytesObject`.
    bytesobject,
    /// `Include/cpython/bytearrayobject.h`: `PyByteArrayObject`.
    bytearrayobject,
    /// `Include/cpython/listobject.h`: `PyListObject`.
    listobject,
    /// `Include/cpython/tupleobject.h`: `PyTupleObject`.
    tupleobject,
    /// `Include/cpython/setobject.h`: `setentry`, `PySetObject`.
    setobject,
    /// `Include/cpython/dictobject.h`: `PyDictObject`.
    dictobject,
    /// `Include/internal/pycore_dict.h` (3.10: `Objects/dict-common.h`): keys, entries, values.
    pycore_dict,
    /// `Include/cpython/unicodeobject.h`: `PyASCIIObject` and its compact forms.
    unicodeobject,
    /// `Include/descrobject.h` (before 3.12: `Include/structmember.h`): `PyMemberDef`.
    descrobject,
    /// `Include/cpython/weakrefobject.h`: `PyWeakReference`.
    weakrefobject,
    /// `Include/cpython/frameobject.h` (3.10), `Include/internal/pycore_frame.h`: `PyFrameObject`.
    frameobject,
    /// `Include/internal/pycore_frame.h` (3.14+: `pycore_interpframe*.h`): `_PyInterpreterFrame`.
    pycore_frame,
    /// `Include/cpython/code.h`, `Include/internal/pycore_code.h`: `PyCodeObject`.
    code,
    /// `Include/cpython/cellobject.h`: `PyCellObject`.
    cellobject,
    /// `Include/cpython/genobject.h` (3.14+: `pycore_interpframe_structs.h`): `PyGenObject`.
    genobject,
    /// `Include/internal/pycore_stackref.h` (3.14+): `_PyStackRef` tags.
    pycore_stackref,
    /// `Objects/obmalloc.c`, `Include/internal/pycore_obmalloc.h`: pymalloc's pools.
    obmalloc,
    /// `Include/datetime.h`: `datetime.time` and `datetime.datetime`, with or without tzinfo.
    datetime,
}
