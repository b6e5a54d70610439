//! Direct reads of memory a live object owns: points 1 and 2 of the rule in `raw`.
//!
//! A [`Live`] names the allocation of one object that the caller borrows for the call
//! (`&Bound`), with the extent its type's decoder worked out (`layout::extent`: from the
//! type's sizes and the object's own size fields, the same numbers CPython allocated it
//! with). It is made at the start of a pyhood call and used only within it, while the
//! thread holds the GIL, runs no Python code and keeps the collector paused; it is never
//! kept in a result. Its reads are plain copies, bounded by that extent:
//! - [`Live::snapshot`]: bytes of the object's own allocation (point 1);
//! - [`Live::owned`]: a block the object owns through a pointer of its own struct, up to the
//!   size its own fields give (point 2): a list's `ob_item[allocated]`, a dict's keys and
//!   values, a set's table;
//! - [`Live::referenced_word`] / [`Live::referenced_bytes`]: the fixed header of an object
//!   that a live container references from a slot it owns (an item below `ob_size`, an entry
//!   below `dk_nentries`), which holds a strong reference: the object is live.
//!
//! Under valgrind's memcheck and on free-threaded builds the same reads go through the
//! fault-free path (`mem::read`), as the rule says.

use pyo3::prelude::*;

use super::mem::{self, ReadError, Snapshot};

/// The allocation of a live object borrowed for the call: `[address + start, address + end)`.
#[derive(Clone, Copy, Debug)]
pub struct Live {
    address: usize,
    start: isize,
    end: isize,
}

/// Whether reads of rule point 1 (an object's own allocation) are copied directly.
fn direct_own() -> bool {
    !mem::under_memcheck()
}

/// Whether reads of rule points 2 and 3 (owned blocks, referenced objects) are copied
/// directly: not on free-threaded builds, where another thread may resize or free them.
fn direct_owned() -> bool {
    !cfg!(Py_GIL_DISABLED) && !mem::under_memcheck()
}

/// Whether `[addr, addr + len)` is a plausible user-space range: non-null, below the
/// 47-bit user-space limit.
fn in_user_space(addr: usize, len: usize) -> bool {
    addr != 0 && addr.checked_add(len).is_some_and(|end| end <= 1usize << 47)
}

/// Whether pyhood may copy `[addr, addr + len)`: in user space and no larger than
/// `MAX_READ` (a bound on every copy).
fn plausible(addr: usize, len: usize) -> bool {
    len <= mem::MAX_READ && in_user_space(addr, len)
}

/// Copy `len` bytes at `addr` into a new buffer.
///
/// Callers guarantee that the range is memory a live object owns for the whole call (the
/// rule's points 1–3), which the caller has checked with `plausible`.
fn copy_owned(addr: usize, len: usize) -> Vec<u8> {
    let mut buf = vec![0u8; len];
    // SAFETY:
    // - `[addr, addr + len)` is memory a live object owns for the whole call (point 1, 2 or
    //   3 of the rule in `raw`, stated by each caller below): mapped, and not freed or
    //   resized while the thread holds the GIL, runs no Python code and keeps the collector
    //   paused
    // - `buf` is a distinct, freshly allocated buffer of exactly `len` bytes
    // - a byte copy forms no reference to the source and makes no assumption about its
    //   values (padding and unused capacity included)
    unsafe { core::ptr::copy_nonoverlapping(addr as *const u8, buf.as_mut_ptr(), len) };
    buf
}

/// The word at `addr`, as [`copy_owned`] copies bytes, with no buffer made.
///
/// Callers guarantee what `copy_owned`'s callers do, for `[addr, addr + 8)`.
fn copy_owned_word(addr: usize) -> u64 {
    // SAFETY:
    // - `[addr, addr + 8)` is memory a live object owns for the whole call (point 1 or 2 of
    //   the rule in `raw`, stated by each caller below): mapped, and not freed or resized
    //   while the thread holds the GIL, runs no Python code and keeps the collector paused
    // - an unaligned read of a plain integer makes no assumption about the bytes' values
    unsafe { (addr as *const u64).read_unaligned() }
}

impl Live {
    /// The allocation `[start, end)` around `id(obj)` of `obj`, borrowed for the call; the
    /// extent is its type decoder's (`layout::extent`). Refuses an extent that does not
    /// hold the object's header or does not lie in user space. (An extent larger than one
    /// read may be: only the part shown is read, and a read is bounded by `MAX_READ`.)
    pub fn new(obj: &Bound<'_, PyAny>, start: isize, end: isize) -> Result<Self, ReadError> {
        let address = obj.as_ptr() as usize;
        let header = core::mem::size_of::<crate::cpython::object::PyObject>() as isize;
        let from = address.wrapping_add_signed(start);
        let len = (end - start).max(0) as usize;
        if start > 0 || end < header || !in_user_space(from, len) {
            return Err(ReadError {
                address: from,
                len,
                reason: "not an object's allocation",
            });
        }
        Ok(Self {
            address,
            start,
            end,
        })
    }

    /// A live type object (the class of an object borrowed for the call), as the owner of
    /// what it holds: its `tp_members` and its shared keys (`ht_cached_keys`). Its extent is
    /// the `PyTypeObject` every type object is at least; `None` only if that is refused.
    pub fn of_type(tp: &Bound<'_, pyo3::types::PyType>) -> Option<Self> {
        let size = core::mem::size_of::<pyo3::ffi::PyTypeObject>() as isize;
        Self::new(tp.as_any(), 0, size).ok()
    }

    /// `id(obj)`.
    pub fn address(&self) -> usize {
        self.address
    }

    /// Bytes `[from, to)` of the object's allocation (offsets from `id(obj)`), clamped to
    /// its extent; refused beyond `MAX_READ` bytes.
    pub fn snapshot(&self, from: isize, to: isize) -> Result<Snapshot, ReadError> {
        let from = from.clamp(self.start, self.end);
        let to = to.clamp(from, self.end);
        let base = self.address.wrapping_add_signed(from);
        let len = (to - from) as usize;
        if len > mem::MAX_READ {
            return Err(ReadError {
                address: base,
                len,
                reason: "larger than pyhood's read limit (max_items shows fewer items)",
            });
        }
        if direct_own() {
            // Point 1: inside the extent `new` accepted, of an object borrowed for the call.
            return Ok(Snapshot {
                base,
                bytes: copy_owned(base, len),
            });
        }
        Ok(Snapshot {
            base,
            bytes: mem::read(base, len)?,
        })
    }

    /// The word at `offset` of the object's allocation (an offset from `id(obj)`, the word
    /// inside its extent): a walk's read of one pre-header word, with no buffer made.
    pub fn own_word(&self, offset: isize) -> Option<u64> {
        if offset < self.start || offset.checked_add(8)? > self.end {
            return None;
        }
        let at = self.address.wrapping_add_signed(offset);
        if direct_own() {
            // Point 1: inside the extent `new` accepted, of an object borrowed for the call.
            return Some(copy_owned_word(at));
        }
        mem::read_usize(at).ok().map(|w| w as u64)
    }

    /// The word at `addr` of a block the object owns (as [`Live::owned`], 8 bytes): a walk's
    /// read of one header word of it.
    pub fn owned_word(&self, addr: usize) -> Option<u64> {
        if !plausible(addr, 8) {
            return None;
        }
        if direct_owned() {
            // Point 2: a block the object owns, as the caller's decoder computed it.
            return Some(copy_owned_word(addr));
        }
        mem::read_usize(addr).ok().map(|w| w as u64)
    }

    /// `len` bytes at `addr`: a block the object owns through a pointer of its own struct,
    /// up to the size its own fields give (point 2; the decoder computed both).
    pub fn owned(&self, addr: usize, len: usize) -> Result<Snapshot, ReadError> {
        if !plausible(addr, len) {
            return Err(ReadError {
                address: addr,
                len,
                reason: "not a block the object owns",
            });
        }
        if direct_owned() {
            return Ok(Snapshot {
                base: addr,
                bytes: copy_owned(addr, len),
            });
        }
        Snapshot::take(addr, len)
    }

    /// A word of an object the live container references from a slot it owns (point 2: the
    /// slot holds a strong reference, so the object is live); `offset` must lie inside the
    /// fixed header every object of the expected kind has.
    pub fn referenced_word(&self, object: usize, offset: usize) -> Option<usize> {
        let at = object.checked_add(offset)?;
        if object % 8 != 0 || !plausible(at, 8) {
            return None;
        }
        if direct_owned() {
            let b = copy_owned(at, 8);
            return Some(usize::from_le_bytes(b.try_into().ok()?));
        }
        mem::read_usize(at).ok()
    }

    /// `len` bytes at `offset` of an object the live container references (as
    /// `referenced_word`), for a range the caller proved from that object's own header
    /// (a compact str's data up to its length).
    pub fn referenced_bytes(&self, object: usize, offset: usize, len: usize) -> Option<Vec<u8>> {
        let at = object.checked_add(offset)?;
        if object % 8 != 0 || !plausible(at, len) {
            return None;
        }
        if direct_owned() {
            return Some(copy_owned(at, len));
        }
        mem::read(at, len).ok()
    }
}
