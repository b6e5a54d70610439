//! The object graph as the interpreter itself traverses it (point 5 of the rule in
//! `raw/mod.rs`): what an object references, as its type's `tp_traverse` reports it (what
//! `gc.get_referents` returns), and the objects so reached, handed out as references while
//! they are certainly alive.
//!
//! - [`referents`]: the addresses `obj`'s `tp_traverse` visits, plus a dict's keys
//!   (`dict_traverse` skips the keys of a table of str keys: they cannot form cycles, but
//!   they are memory the dict keeps alive).
//! - [`Frontier`]: the objects reached but not yet looked at. Its addresses are only turned
//!   back into references while each is still held by the object that reported it: either
//!   nothing ran in between (no Python code, no reference released), or, when the walk must
//!   run Python code (a `stop` callable), the frontier took a strong reference of its own at
//!   once (`hold`).
//! - [`AddrSet`]: a hash set of object addresses; [`AddrBits`]: a set of addresses as
//!   bitmaps of 64 KiB regions, for walks over millions of objects.
//!
//! Free-threaded builds (untested here): `tp_traverse` there reads containers other threads
//! may be resizing; `gc.get_referents` takes the same risk, and so do these walks.

use core::ffi::{c_int, c_void};
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

use pyo3::ffi;
use pyo3::prelude::*;

use super::collector::Paused;

/// A hasher for object addresses (and tuples of them): one multiply per word, high bits
/// folded down (addresses are 16-aligned and close together; the hash table's bucket index
/// takes the low bits).
#[derive(Default)]
pub struct AddrHasher(u64);

impl Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_usize(&mut self, n: usize) {
        let x = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = x ^ (x >> 29);
    }
}

/// A set of object addresses.
pub type AddrSet = HashSet<usize, BuildHasherDefault<AddrHasher>>;

/// A set of object addresses as bitmaps, one bit per 16-byte granule of each 128 KiB
/// region holding a member (1 KiB per region): a walk over millions of objects packed in
/// arenas tests and sets a bit where a hash set would probe and grow. Every object is at
/// least 16 bytes long (`ob_refcnt` and `ob_type`), so no two live objects start in the
/// same granule, whatever their alignment (a static object may be 8-aligned). A region's
/// bitmap is found through a hash map, a few recent ones kept at hand by address bits (a
/// walk's objects come from a handful of arenas at a time).
pub struct AddrBits {
    index: std::collections::HashMap<usize, usize, BuildHasherDefault<AddrHasher>>,
    bitmaps: Vec<[u64; REGION_WORDS]>,
    /// `(region, bitmap)` of recent regions by their low bits; `usize::MAX`: none yet.
    recent: Box<[(usize, usize); RECENT_REGIONS]>,
}

impl Default for AddrBits {
    fn default() -> Self {
        Self {
            index: Default::default(),
            bitmaps: Vec::new(),
            recent: Box::new([(usize::MAX, 0); RECENT_REGIONS]),
        }
    }
}

const REGION_SHIFT: u32 = 17;
const GRANULE_SHIFT: u32 = 4;
const REGION_WORDS: usize = (1 << (REGION_SHIFT - GRANULE_SHIFT)) / 64;
const RECENT_REGIONS: usize = 256;

impl AddrBits {
    /// Add `addr`; whether it was not there yet.
    #[inline]
    pub fn insert(&mut self, addr: usize) -> bool {
        self.insert_unless(addr, |_| false)
    }

    /// Add `addr` unless it is there already or `skip(addr)` says so (asked only of an
    /// address not there); whether it was added.
    #[inline]
    pub fn insert_unless(&mut self, addr: usize, skip: impl FnOnce(usize) -> bool) -> bool {
        let region = addr >> REGION_SHIFT;
        let way = region % RECENT_REGIONS;
        let i = match self.recent[way] {
            (r, i) if r == region => i,
            _ => self.bitmap_of(region),
        };
        let slot = (addr & ((1 << REGION_SHIFT) - 1)) >> GRANULE_SHIFT;
        let (w, bit) = (slot / 64, 1u64 << (slot % 64));
        let word = &mut self.bitmaps[i][w];
        if *word & bit != 0 || skip(addr) {
            return false;
        }
        *word |= bit;
        true
    }

    /// The bitmap of `region` (made when new), kept among the recent ones.
    #[cold]
    fn bitmap_of(&mut self, region: usize) -> usize {
        let next = self.bitmaps.len();
        let i = *self.index.entry(region).or_insert(next);
        if i == next {
            self.bitmaps.push([0; REGION_WORDS]);
        }
        self.recent[region % RECENT_REGIONS] = (region, i);
        i
    }

    /// Whether `addr` is in the set.
    pub fn contains(&self, addr: usize) -> bool {
        let slot = (addr & ((1 << REGION_SHIFT) - 1)) >> GRANULE_SHIFT;
        self.index
            .get(&(addr >> REGION_SHIFT))
            .is_some_and(|&i| self.bitmaps[i][slot / 64] & (1u64 << (slot % 64)) != 0)
    }
}

/// How many pops ahead `Frontier::pop` asks the CPU to load a queued object.
const PREFETCH_AHEAD: usize = 4;

/// Ask the CPU to bring the header of the object at `addr` into its cache: a walk looks
/// at it soon. A hint only: no memory is accessed, so no address can fault.
#[inline(always)]
pub(super) fn prefetch(addr: usize) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` is a hint that performs no access the program can observe; it
    // cannot fault whatever the address (SSE, part of the x86-64 baseline)
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(addr as *const i8);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = addr;
}

/// The visit callback given to `tp_traverse`: hands each non-null object address to the
/// closure of type `F` that `arg` points to.
unsafe extern "C" fn visit<F: FnMut(usize)>(obj: *mut ffi::PyObject, arg: *mut c_void) -> c_int {
    if !obj.is_null() {
        // SAFETY: `arg` is the `&mut F` `each_referent` passed to `tp_traverse`, which
        // calls back on this thread before it returns; nothing else uses it meanwhile (a
        // panic in it aborts the process: the callback is `extern "C"`)
        let f = unsafe { &mut *arg.cast::<F>() };
        f(obj as usize);
    }
    0
}

/// Give `f` the address of each object `obj` references: what its type's `tp_traverse`
/// visits when `PyObject_IS_GC(obj)` (what `gc.get_referents` returns, Modules/gcmodule.c
/// v3.10–v3.12, Python/gc.c v3.13–v3.15; an exact tuple's or list's items are read in
/// place, as their `tp_traverse` reads them: `exact_tuple_or_list_items`), then, for a
/// dict, its keys. C code only:
/// `tp_traverse` and `PyDict_Next` run no Python code and take no reference; `f` is called
/// from inside them and must run none either.
pub fn each_referent<F: FnMut(usize)>(obj: &Bound<'_, PyAny>, mut f: F) {
    let o = obj.as_ptr();
    // SAFETY:
    // - the thread is attached and `obj` is a live object for the call
    // - `Py_TYPE` of a live object is its live type; `tp_is_gc` and `tp_traverse` are that
    //   type's own slots, called as `gc.get_referents` calls them (only when the type has
    //   Py_TPFLAGS_HAVE_GC and `tp_is_gc`, if any, says yes), with `visit::<F>` and `f`
    // - `PyDict_Next` walks a live dict's table and returns borrowed keys; the dict is not
    //   changed while it runs (no Python code runs)
    // - `exact_tuple_or_list_items` is called as it requires: `o` is live, `tp` its type,
    //   and its slice is read at once, with no Python code run (`f` runs none)
    unsafe {
        let tp = ffi::Py_TYPE(o);
        if let Some(items) = exact_tuple_or_list_items(o, tp) {
            for &item in items.iter().rev() {
                if item != 0 {
                    f(item);
                }
            }
            return;
        }
        let is_gc = ffi::PyType_IS_GC(tp) != 0 && (*tp).tp_is_gc.is_none_or(|g| g(o) != 0);
        if is_gc {
            if let Some(traverse) = (*tp).tp_traverse {
                traverse(o, visit::<F>, (&mut f as *mut F).cast());
            }
        }
        if ffi::PyDict_Check(o) != 0 {
            let (mut pos, mut key, mut value) = (0, core::ptr::null_mut(), core::ptr::null_mut());
            while ffi::PyDict_Next(o, &mut pos, &mut key, &mut value) != 0 {
                if !key.is_null() {
                    f(key as usize);
                }
            }
        }
    }
}

/// The item slots of `o` when its type `tp` is exactly `tuple` or `list`: what their
/// `tp_traverse` visits, read in place instead of through a call per item. Both visit
/// `ob_item[Py_SIZE - 1]` down to `ob_item[0]`, skipping NULL (`tupletraverse`,
/// Objects/tupleobject.c; `list_traverse`, Objects/listobject.c; v3.10–v3.15): the caller
/// walks the slice backwards to give the same order.
///
/// # Safety
/// The thread is attached, `o` is a live object and `tp` its type; the slice is used before
/// anything can change the container (no Python code runs, nothing is released).
#[inline(always)]
unsafe fn exact_tuple_or_list_items<'a>(
    o: *mut ffi::PyObject,
    tp: *mut ffi::PyTypeObject,
) -> Option<&'a [usize]> {
    use crate::cpython::listobject::PyListObject;
    use crate::cpython::tupleobject::PyTupleObject;
    // SAFETY:
    // - an exact tuple holds `Py_SIZE` item slots inline from `ob_item`; an exact list's
    //   `ob_item` points to at least `Py_SIZE` allocated slots (`0 <= ob_size <=
    //   allocated`), NULL while it has none (`PyTupleObject`, `PyListObject`, declared in
    //   `cpython` from the headers of each version); the words are read as CPython's own
    //   `PyTuple_GET_ITEM`/`PyList_GET_ITEM` read them
    unsafe {
        let n = usize::try_from(ffi::Py_SIZE(o)).ok()?;
        let first = if core::ptr::eq(tp, &raw mut ffi::PyTuple_Type) {
            o.cast::<u8>()
                .add(PyTupleObject::ob_item.offset)
                .cast::<usize>()
        } else if core::ptr::eq(tp, &raw mut ffi::PyList_Type) {
            o.cast::<u8>()
                .add(PyListObject::ob_item.offset)
                .cast::<*const usize>()
                .read()
        } else {
            return None;
        };
        Some(if n == 0 || first.is_null() {
            &[]
        } else {
            core::slice::from_raw_parts(first, n)
        })
    }
}

/// Append to `out` the addresses [`each_referent`] gives.
pub fn referents(obj: &Bound<'_, PyAny>, out: &mut Vec<usize>) {
    each_referent(obj, |addr| out.push(addr));
}

/// Whether the object at `addr`, just reported by [`each_referent`] of a live object, is
/// tracked by the collector (`gc.is_tracked`): `PyObject_IS_GC` and `_gc_next` set
/// (`_PyObject_GC_IS_TRACKED`, Include/internal/pycore_gc.h v3.10–v3.15; free-threaded
/// builds, untested here: `PyObject_GC_IsTracked`, which reads their `ob_gc_bits`). Ints,
/// floats and strs are told apart by their type's flag alone.
#[inline]
pub fn referent_is_tracked(addr: usize) -> bool {
    let o = addr as *mut ffi::PyObject;
    // SAFETY:
    // - the thread is attached; `addr` is a live object, held by the object that reported
    //   it (nothing ran and nothing was released since: the caller's contract)
    // - `Py_TYPE` of a live object is its live type, whose flags and `tp_is_gc` predicate
    //   (no side effects) this reads and calls as `PyObject_IS_GC` does
    // - when `PyObject_IS_GC` holds, CPython allocated the object's `PyGC_Head` right
    //   before it (`_Py_AS_GC`, Include/internal/pycore_gc.h v3.10–v3.15): its first
    //   word, `_gc_next`, is read as the plain `uintptr_t` it is (unaligned: as `gclist` reads GC heads)
    unsafe {
        let tp = ffi::Py_TYPE(o);
        if ffi::PyType_IS_GC(tp) == 0 || (*tp).tp_is_gc.is_some_and(|g| g(o) == 0) {
            return false;
        }
        #[cfg(not(Py_GIL_DISABLED))]
        let tracked = ((addr - crate::cpython::pycore_gc::GC_HEAD_SIZE) as *const usize)
            .read_unaligned()
            != 0;
        #[cfg(Py_GIL_DISABLED)]
        let tracked = ffi::PyObject_GC_IsTracked(o) != 0;
        tracked
    }
}

/// Whether [`referents`] may report anything for `obj`: its type has `Py_TPFLAGS_HAVE_GC`
/// (and so may have a `tp_traverse`) or it is a dict. A walk's ints, floats and strs have
/// neither: asked before anything else is done for them.
#[inline]
fn may_refer(obj: &Bound<'_, PyAny>) -> bool {
    // SAFETY: the thread is attached and `obj` is a live object for the call; `Py_TYPE`
    // of a live object is its live type, whose `tp_flags` this reads
    unsafe {
        let tp = ffi::Py_TYPE(obj.as_ptr());
        ffi::PyType_IS_GC(tp) != 0 || ffi::PyDict_Check(obj.as_ptr()) != 0
    }
}

/// The objects a walk has reached and not yet looked at, each reported by `tp_traverse`
/// of an object the walk was looking at (or given as a root).
///
/// Without `hold`, the caller keeps the contract every direct read relies on: between
/// [`Frontier::expand`] and the [`Frontier::pop`] of what it queued, no Python code runs
/// and no reference is released, so every queued object is still held by the object that
/// reported it. With `hold` (a walk that runs Python code between steps), `expand` takes a
/// strong reference to each object it queues, kept until the frontier is dropped.
pub struct Frontier<'py> {
    py: Python<'py>,
    pending: Vec<usize>,
    held: Option<Vec<Bound<'py, PyAny>>>,
}

impl<'py> Frontier<'py> {
    /// An empty frontier; only while the collector is paused (a collection would free
    /// unreachable cycles the walk may have reached).
    pub fn new(py: Python<'py>, _paused: &Paused, hold: bool) -> Self {
        Self {
            py,
            pending: Vec::new(),
            held: hold.then(Vec::new),
        }
    }

    /// Queue a root the caller holds.
    pub fn push(&mut self, obj: &Bound<'py, PyAny>) {
        if let Some(held) = &mut self.held {
            held.push(obj.clone());
        }
        self.pending.push(obj.as_ptr() as usize);
    }

    /// Queue the objects `obj` references (see [`referents`]) for which `keep(address)`
    /// says yes.
    #[inline]
    pub fn expand(&mut self, obj: &Bound<'py, PyAny>, mut keep: impl FnMut(usize) -> bool) {
        if !may_refer(obj) {
            return;
        }
        let (py, pending) = (self.py, &mut self.pending);
        // Each object queued is asked into the CPU's cache at once: its header loads
        // while the rest of `obj`'s referents are visited and the ones queued after it
        // looked at.
        match &mut self.held {
            None => each_referent(obj, |addr| {
                if keep(addr) {
                    prefetch(addr);
                    pending.push(addr);
                }
            }),
            Some(held) => each_referent(obj, |addr| {
                if keep(addr) {
                    prefetch(addr);
                    pending.push(addr);
                    // SAFETY: `addr` was just reported by `tp_traverse` (or `PyDict_Next`)
                    // of the live object `obj`, which holds a strong reference to it;
                    // `from_borrowed_ptr` takes one of its own (no code runs), kept in
                    // `held` until the frontier is dropped
                    held.push(unsafe { Bound::from_borrowed_ptr(py, addr as *mut ffi::PyObject) });
                }
            }),
        }
    }

    /// The object queued last, as a borrowed reference (no count taken: a walk over
    /// millions of objects writes none of them).
    pub fn pop(&mut self) -> Option<Borrowed<'py, 'py, PyAny>> {
        let addr = self.pending.pop()?;
        // The object to be looked at `PREFETCH_AHEAD` pops from now (unless more are
        // queued meanwhile): its header loads while this one and the next are looked at (a
        // large container queues more objects than the cache keeps from `expand`'s asks).
        if let Some(&later) = self
            .pending
            .len()
            .checked_sub(PREFETCH_AHEAD)
            .map(|i| &self.pending[i])
        {
            prefetch(later);
        }
        // SAFETY:
        // - `addr` was queued by `push` (a root the caller held) or `expand` (reported by
        //   `tp_traverse` of a live object); by the contract above the object that reported
        //   it still holds it (nothing ran, nothing was released) or `held` does, for as
        //   long as the caller looks at it by the same contract: so it may be borrowed
        Some(unsafe { Borrowed::from_ptr(self.py, addr as *mut ffi::PyObject) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addr_bits_hold_each_address_once_across_regions() {
        let mut bits = AddrBits::default();
        let addrs = [0x1000usize, 0x1018, 0x2_0000, 0x7f00_0000_fff8, 0x1000];
        let new: Vec<bool> = addrs.iter().map(|&a| bits.insert(a)).collect();
        assert_eq!(new, [true, true, true, true, false]);
        assert!(bits.contains(0x1018) && bits.contains(0x7f00_0000_fff8));
        assert!(!bits.contains(0x1020) && !bits.contains(0x4_0000));
    }
}
