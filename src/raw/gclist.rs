//! Direct walks of the collector's lists (point 3 of the rule in `raw/mod.rs`) and of an
//! object's weak-reference list (point 4).
//!
//! - [`ValidatedHeads`]: the four list heads of a GC state (generations 0–2, then the
//!   permanent generation), made only after their words were read fault-free and found
//!   sane, with the collector not running and paused for the token's life. Its walks read
//!   node links directly: [`ValidatedHeads::count`] (the length of one list, every back link
//!   checked) and [`ValidatedHeads::find`] (which list an object is on, walking `_gc_next`
//!   and `_gc_prev` alternately until a head is reached).
//! - [`count_weakrefs`]: the length of an object's weak-reference list, each reference
//!   checked to refer to the object and to link back to its predecessor.
//!
//! Every walk is bounded. Python code runs only inside the caller's `checkpoint` (pending
//! signal handlers, every [`CHECK_EVERY`] steps); after it the walk re-establishes its
//! position through the fault-free path (the collector is still idle, the node's words are
//! unchanged and its neighbours still link to it) before it reads directly again, and stops
//! with [`WalkError::Changed`] otherwise.
//!
//! Free-threaded builds (untested here): other threads may relink lists and free weak
//! references during a walk, so every read there goes through the fault-free path.

use core::marker::PhantomData;
use core::mem::size_of;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyType;

use super::collector::Paused;
use super::mem::{self, ReadError};
use super::object as rawobj;
use crate::cpython::object::{TPFLAGS_MANAGED_DICT, TPFLAGS_MANAGED_WEAKREF};
use crate::cpython::pycore_gc::{GC_HEAD_SIZE, GC_NEXT_MASK};
use crate::cpython::weakrefobject::PyWeakReference;
use crate::cpython::{has_flag, FREE_THREADED};
use crate::raw::compat::{GC_PREV_MASK, NUM_GENERATIONS};

/// How many steps a walk takes between two calls of its `checkpoint`: about 10 ms of
/// direct reads (a node costs a cache miss, 5–15 ns), so Ctrl-C still ends a long walk at
/// once, and a checkpoint's fault-free re-checks cost nothing next to the walk. Free-threaded
/// builds read every node fault-free (a few µs each): there, every 16,384 nodes.
pub const CHECK_EVERY: usize = if FREE_THREADED { 1 << 14 } else { 1 << 20 };

/// Number of list heads: generations 0–2 and the permanent generation.
pub const HEADS: usize = NUM_GENERATIONS + 1;

/// Why a walk stopped without an answer.
#[derive(Debug)]
pub enum WalkError {
    /// A fault-free read (a head, or a position re-checked after a checkpoint) failed.
    Unreadable(ReadError),
    /// `gcstate->collecting` is not 0: the lists are being rearranged.
    Collecting(i64),
    /// The heads or the `collecting` flag are not inside the snapshot of the GC state.
    OutsideState { at: usize },
    /// A head's own words are not those of a list head.
    BadHead {
        head: usize,
        next: usize,
        prev: usize,
    },
    /// The link followed from `from` (after `steps` nodes) is `to`: 0, or not 4-aligned.
    BadLink {
        from: usize,
        to: usize,
        steps: usize,
    },
    /// The node at `at` (after `steps` nodes) links back to `back`, not to `expected`.
    BackLink {
        at: usize,
        back: usize,
        expected: usize,
        steps: usize,
    },
    /// The walk came back to the object it started from without meeting a head.
    NoHead { steps: usize },
    /// More than the walk's bound of nodes.
    TooLong { limit: usize },
    /// The list changed while the checkpoint ran Python code.
    Changed,
    /// The checkpoint's own error (`KeyboardInterrupt` from a signal handler).
    Interrupted(PyErr),
}

impl From<ReadError> for WalkError {
    fn from(e: ReadError) -> Self {
        WalkError::Unreadable(e)
    }
}

/// The two words of a `PyGC_Head`: `(_gc_next, _gc_prev)`, flag bits included.
type Words = (usize, usize);

/// The words of the GC head at `at`, read fault-free.
fn words_fault_free(at: usize) -> Result<Words, ReadError> {
    let mut b = [0u8; 2 * size_of::<usize>()];
    mem::read_into(at, &mut b)?;
    let (n, p) = b.split_at(size_of::<usize>());
    Ok((
        usize::from_ne_bytes(n.try_into().unwrap_or_default()),
        usize::from_ne_bytes(p.try_into().unwrap_or_default()),
    ))
}

/// The words of a node of a collector list, reached from a validated head or from the GC
/// head of a live tracked object while the collector is idle (see the callers).
#[cfg(not(Py_GIL_DISABLED))]
#[inline(always)]
fn node_words(at: usize) -> Result<Words, ReadError> {
    let p = at as *const usize;
    // SAFETY:
    // - point 3 of the rule in raw/mod.rs, as follows
    // - the thread is attached, runs no Python code between checkpoints and keeps the
    //   collector paused (a `ValidatedHeads` borrows the `Paused` guard), and the collector
    //   was found idle when the token was made and after every checkpoint, so the lists are
    //   not being rearranged and nothing can free a node during the read
    // - `at` is one of the validated heads (inside the GC state, read fault-free when the
    //   token was made), or a non-null, 4-aligned link read from a node of one of the
    //   collector's lists: while the collector is idle every node of those lists is the
    //   `PyGC_Head` of a live tracked object, two words CPython allocated before it
    // - both words are plain `uintptr_t` fields, read as they are (the flag bits are masked
    //   by the callers); a GC head is 8-aligned on 64-bit builds except the heads, which the
    //   token checked to be 4-aligned, so the loads are unaligned reads
    let words = unsafe { (p.read_unaligned(), p.add(1).read_unaligned()) };
    Ok(words)
}

/// Free-threaded builds (untested here): other threads may relink the lists, so the walk
/// reads every node fault-free.
#[cfg(Py_GIL_DISABLED)]
fn node_words(at: usize) -> Result<Words, ReadError> {
    words_fault_free(at)
}

/// The four list heads of a GC state the caller validated (its address proven, its values
/// checked against the `gc` module), with their own words checked here. Only made while
/// the collector is paused, and only used while it stays paused.
pub struct ValidatedHeads<'a> {
    heads: [usize; HEADS],
    collecting: usize,
    _paused: PhantomData<&'a Paused>,
}

/// Which list a tracked object is on.
#[derive(Clone, Copy, Debug)]
pub struct Membership {
    /// 0, 1, 2, or 3 (the permanent generation).
    pub index: usize,
    /// The object's own `_gc_next` and `_gc_prev` words.
    pub gc_next: usize,
    pub gc_prev: usize,
}

/// What [`ValidatedHeads::find`] found.
#[derive(Clone, Copy, Debug)]
pub enum Found {
    /// The object's type has no GC head (`PyObject_IS_GC` is false).
    NotGc,
    /// It has one, but is on no list (`_gc_next == 0`).
    Untracked { gc_next: usize, gc_prev: usize },
    /// It is on list `index`.
    On(Membership),
}

/// One walk along a list, one node per step, in one direction.
#[derive(Clone, Copy)]
struct Cursor {
    /// The node the cursor stands on and its words.
    at: usize,
    words: Words,
    /// Along `_gc_next` (else along `_gc_prev`).
    forward: bool,
    /// Still walking (a head cursor stops when it can no longer help).
    live: bool,
}

impl Cursor {
    /// The node this cursor's link leads to.
    #[inline(always)]
    fn link(&self) -> usize {
        if self.forward {
            self.words.0 & GC_NEXT_MASK
        } else {
            self.words.1 & GC_PREV_MASK
        }
    }

    /// The link of `words` that must lead back to where this cursor came from.
    #[inline(always)]
    fn back(&self, words: Words) -> usize {
        if self.forward {
            words.1 & GC_PREV_MASK
        } else {
            words.0 & GC_NEXT_MASK
        }
    }
}

impl<'a> ValidatedHeads<'a> {
    /// Check the heads of a validated GC state: `heads` are `&generations[i].head` and
    /// `&permanent_generation.head`, and `collecting` the address of `gcstate->collecting`,
    /// of the state `state` is a fault-free snapshot of, taken and proven by the caller
    /// (`generations::validated_list_heads`: its address, and its values against the `gc`
    /// module, with the collector paused since). Here, from that snapshot: the collector is
    /// idle and every head's words are those of a list head (non-null links, both pointing at
    /// the head itself when the list is empty).
    ///
    /// Between the snapshot and this call only the `gc` module's own C functions may have
    /// run (they can track new objects on generation 0, which keeps its head's links sane);
    /// with the collector paused none of them can start a collection.
    pub fn new(
        _paused: &'a Paused,
        state: &mem::Snapshot,
        heads: [usize; HEADS],
        collecting: usize,
    ) -> Result<Self, WalkError> {
        let word = size_of::<usize>();
        let running = state
            .int(collecting, 4)
            .ok_or(WalkError::OutsideState { at: collecting })?;
        if running != 0 {
            return Err(WalkError::Collecting(running));
        }
        for &head in &heads {
            let (next, prev) = (state.word(head), state.word(head + word));
            let (Some(next), Some(prev)) = (next, prev) else {
                return Err(WalkError::OutsideState { at: head });
            };
            let (n, p) = (next & GC_NEXT_MASK, prev & GC_PREV_MASK);
            if head % 4 != 0 || n == 0 || p == 0 || (n == head) != (p == head) {
                return Err(WalkError::BadHead { head, next, prev });
            }
        }
        Ok(Self {
            heads,
            collecting,
            _paused: PhantomData,
        })
    }

    /// The head addresses, generations 0–2 then the permanent generation.
    pub fn heads(&self) -> [usize; HEADS] {
        self.heads
    }

    /// `gcstate->collecting` is 0 (read fault-free).
    fn idle(&self) -> Result<(), WalkError> {
        let b = mem::read(self.collecting, 4)?;
        let v = i32::from_ne_bytes([b[0], b[1], b[2], b[3]]) as i64;
        if v != 0 {
            return Err(WalkError::Collecting(v));
        }
        Ok(())
    }

    /// After a checkpoint (Python code may have run): the collector is idle, and the node
    /// at `at` still has `words` and both its neighbours link to it, all read fault-free,
    /// so it is still on one of the collector's lists and direct reads may go on from it.
    fn still_linked(&self, at: usize, words: Words) -> Result<(), WalkError> {
        self.idle()?;
        if words_fault_free(at)? != words {
            return Err(WalkError::Changed);
        }
        let (next, prev) = (words.0 & GC_NEXT_MASK, words.1 & GC_PREV_MASK);
        if next == 0 || prev == 0 {
            return Err(WalkError::Changed);
        }
        if words_fault_free(next)?.1 & GC_PREV_MASK != at
            || words_fault_free(prev)?.0 & GC_NEXT_MASK != at
        {
            return Err(WalkError::Changed);
        }
        Ok(())
    }

    /// The number of objects on list `index` (0–3), following `_gc_next` from its head,
    /// every node's `_gc_prev` checked to point back; at most `limit` objects. `checkpoint`
    /// is called every [`CHECK_EVERY`] nodes and may run Python code.
    pub fn count(
        &self,
        index: usize,
        limit: usize,
        checkpoint: impl FnMut() -> PyResult<()>,
    ) -> Result<usize, WalkError> {
        self.walk_list(index, limit, checkpoint, |_| Ok(()))
    }

    /// Every object on list `index` (0–3), in list order, given to `f` as a `Borrowed`
    /// reference, with the checks and bounds of [`count`](Self::count); returns how many.
    /// `f` must run no Python code, release no reference it did not take and make no
    /// GC-tracked object (one would join generation 0 behind the walk and fail its last back
    /// check); untracked objects and Rust data of its own are fine. An error from `f` ends
    /// the walk with [`WalkError::Interrupted`].
    pub fn each<'py>(
        &self,
        py: Python<'py>,
        index: usize,
        limit: usize,
        checkpoint: impl FnMut() -> PyResult<()>,
        mut f: impl FnMut(&Bound<'py, PyAny>) -> PyResult<()>,
    ) -> Result<usize, WalkError> {
        self.walk_list(index, limit, checkpoint, |node| {
            let obj = (node + GC_HEAD_SIZE) as *mut ffi::PyObject;
            // SAFETY:
            // - `node` is a node of one of the collector's lists, reached from a validated
            //   head with every back link checked (`walk_list`), while the thread is
            //   attached and the collector idle and paused: it is the `PyGC_Head` of a live
            //   tracked object, whose `PyObject` starts right after it (`FROM_GC`,
            //   Include/internal/pycore_gc.h v3.10–v3.15)
            // - the list holds it until `f` returns: by the contract above `f` runs no Python
            //   code and releases no reference it did not take, and the collector is paused;
            //   so a borrowed reference (no count taken, none written) stays valid
            let obj = unsafe { Borrowed::from_ptr(py, obj) };
            f(&obj).map_err(WalkError::Interrupted)
        })
    }

    /// Follow `_gc_next` from the head of list `index`, every node's `_gc_prev` checked to
    /// point back, calling `visit` on each node (its words were read before the call, and
    /// the walk goes on from them); at most `limit` nodes.
    fn walk_list(
        &self,
        index: usize,
        limit: usize,
        mut checkpoint: impl FnMut() -> PyResult<()>,
        mut visit: impl FnMut(usize) -> Result<(), WalkError>,
    ) -> Result<usize, WalkError> {
        let head = self.heads[index];
        // The head's own links, checked fault-free before anything is read directly from
        // them: each neighbour must link back to the head.
        let (first, last) = words_fault_free(head)?;
        let (first, last) = (first & GC_NEXT_MASK, last & GC_PREV_MASK);
        if first != head {
            for (at, back, expected_link) in [
                (first, words_fault_free(first)?.1 & GC_PREV_MASK, head),
                (last, words_fault_free(last)?.0 & GC_NEXT_MASK, head),
            ] {
                if back != expected_link {
                    return Err(WalkError::BackLink {
                        at,
                        back,
                        expected: head,
                        steps: 0,
                    });
                }
            }
        }
        let mut prev = head;
        let mut node = first;
        let mut n = 0usize;
        while node != head {
            if node == 0 || node % 4 != 0 {
                return Err(WalkError::BadLink {
                    from: prev,
                    to: node,
                    steps: n,
                });
            }
            if n == limit {
                return Err(WalkError::TooLong { limit });
            }
            let mut words = node_words(node)?;
            if n != 0 && n % CHECK_EVERY == 0 {
                checkpoint().map_err(WalkError::Interrupted)?;
                self.still_linked(node, words)?;
                words = node_words(node)?;
            }
            let back = words.1 & GC_PREV_MASK;
            if back != prev {
                return Err(WalkError::BackLink {
                    at: node,
                    back,
                    expected: prev,
                    steps: n,
                });
            }
            // The next node loads while this one is visited.
            super::traverse::prefetch(words.0 & GC_NEXT_MASK);
            visit(node)?;
            n += 1;
            prev = node;
            node = words.0 & GC_NEXT_MASK;
        }
        let back = node_words(head)?.1 & GC_PREV_MASK;
        if back != prev {
            return Err(WalkError::BackLink {
                at: head,
                back,
                expected: prev,
                steps: n,
            });
        }
        Ok(n)
    }

    /// Which of the four lists `obj` is on: from its GC head, `_gc_next` and `_gc_prev` are
    /// followed one step each in turn until one of them reaches a head, every step checking
    /// the link back (`next._gc_prev == node`, `prev._gc_next == node`); at most `limit`
    /// steps each way. `checkpoint` is called every [`CHECK_EVERY`] steps and may run
    /// Python code.
    ///
    /// To halve the walk for an object deep inside a long list, every head also sends a
    /// cursor each way, with the same checks. A head's backward cursor that meets the
    /// object's forward cursor (or the head's forward cursor that meets the object's
    /// backward one) closes a path from the object to that head whose every link was
    /// checked both ways: the same proof as reaching the head. Head cursors only ever add
    /// such proofs: one that finds anything amiss just stops, and the object's own cursors
    /// go on to a head (or to a clear error) as they would alone. They stop at the first
    /// checkpoint: once Python code may have run, a head cursor's node may have been moved
    /// to another list (a collection splices lists without touching the nodes inside them),
    /// so the path it walked proves nothing any more.
    ///
    /// A head whose two cursors meet (or whose cursor comes back round to it) has walked its
    /// whole list without the object; when three of the four have, the object is on the
    /// fourth: outside a collection every tracked object is on exactly one of them. (An
    /// object of another interpreter, whose lists are not these, would break that; CPython
    /// does not allow such objects to be shared, and pyhood does not detect it.)
    pub fn find(
        &self,
        obj: &Bound<'_, PyAny>,
        limit: usize,
        mut checkpoint: impl FnMut() -> PyResult<()>,
    ) -> Result<Found, WalkError> {
        if FREE_THREADED || !rawobj::is_gc(obj) {
            // Free-threaded builds have no PyGC_Head (their state is in `ob_gc_bits`).
            return Ok(Found::NotGc);
        }
        let start = obj.as_ptr() as usize - GC_HEAD_SIZE;
        // The object's own GC head is part of its allocation (point 1 of the rule:
        // `PyObject_IS_GC` holds, so CPython allocated it), read like a list node.
        let own = node_words(start)?;
        if own.0 == 0 {
            return Ok(Found::Untracked {
                gc_next: own.0,
                gc_prev: own.1,
            });
        }
        let found = |index: usize| {
            Ok(Found::On(Membership {
                index,
                gc_next: own.0,
                gc_prev: own.1,
            }))
        };
        let cursor = |at: usize, words: Words, forward: bool| Cursor {
            at,
            words,
            forward,
            live: true,
        };
        let mut fwd = cursor(start, own, true);
        let mut back = cursor(start, own, false);
        // From each head: `towards_fwd[g]` walks backwards (it can meet `fwd`), and
        // `towards_back[g]` forwards (it can meet `back`).
        let mut towards_fwd = [cursor(0, (0, 0), false); HEADS];
        let mut towards_back = [cursor(0, (0, 0), true); HEADS];
        for (g, &head) in self.heads.iter().enumerate() {
            let words = node_words(head)?;
            towards_fwd[g] = cursor(head, words, false);
            towards_back[g] = cursor(head, words, true);
        }
        // `covered[g]`: list g was walked round whole by its head cursors, every link checked
        // both ways, and the object is not on it (each node they reached was compared with
        // it). Only true until the first checkpoint.
        let mut covered = [false; HEADS];
        for step in 0..limit {
            if step != 0 && step % CHECK_EVERY == 0 {
                checkpoint().map_err(WalkError::Interrupted)?;
                self.still_linked(start, own)?;
                for c in [&fwd, &back] {
                    self.still_linked(c.at, c.words)?;
                }
                for c in towards_fwd.iter_mut().chain(towards_back.iter_mut()) {
                    c.live = false;
                }
                covered = [false; HEADS];
            }
            let fwd_was = fwd.at;
            let fwd_to = self.advance(&mut fwd, start, step)?;
            if let Some(i) = self.heads.iter().position(|&h| h == fwd_to) {
                return found(i);
            }
            let back_was = back.at;
            let back_to = self.advance(&mut back, start, step)?;
            if let Some(i) = self.heads.iter().position(|&h| h == back_to) {
                return found(i);
            }
            for g in 0..HEADS {
                for (c, was, to) in [
                    (&mut towards_fwd[g], fwd_was, fwd_to),
                    (&mut towards_back[g], back_was, back_to),
                ] {
                    if !c.live {
                        continue;
                    }
                    let c_was = c.at;
                    // `start` stands for the object: a head cursor that reaches it has
                    // closed the path too. Any other error just stops the head cursor.
                    let Ok(c_to) = self.advance(c, 0, step) else {
                        c.live = false;
                        continue;
                    };
                    if c_to == start || c_to == to || c_to == was || c_was == to {
                        return found(g);
                    }
                    if c_to == self.heads[g] {
                        // Round the whole list back to its own head: the object is not on it.
                        c.live = false;
                        covered[g] = true;
                    } else if self.heads.contains(&c_to) {
                        // Onto another list's head: no help.
                        c.live = false;
                    }
                }
                // The two cursors of one head met: they have covered its whole list.
                let (f, b) = (&towards_fwd[g], &towards_back[g]);
                if f.live && b.live && (f.at == b.at || f.link() == b.at) {
                    towards_fwd[g].live = false;
                    towards_back[g].live = false;
                    covered[g] = true;
                }
            }
            // By elimination: while the collector is idle (checked when the heads were
            // validated, and nothing ran since) every tracked object is on exactly one of the
            // four lists, and the object is tracked (`_gc_next != 0`). Once all lists but one
            // are walked round without it, it is on the last one. An object in the middle of
            // a long old generation is thus found in as many steps as the young lists have
            // nodes, not half its list's length.
            if covered.iter().filter(|&&c| c).count() == HEADS - 1 {
                if let Some(g) = covered.iter().position(|&c| !c) {
                    return found(g);
                }
            }
        }
        Err(WalkError::TooLong { limit })
    }

    /// Move `c` one node along its link, checking that the node links back; `start` (the
    /// object a walk began at, or 0) may not be reached again. Returns the new position.
    #[inline(always)]
    fn advance(&self, c: &mut Cursor, start: usize, steps: usize) -> Result<usize, WalkError> {
        let to = c.link();
        let words = self.step(c.at, to, start, steps)?;
        let back = c.back(words);
        if back != c.at {
            return Err(WalkError::BackLink {
                at: to,
                back,
                expected: c.at,
                steps,
            });
        }
        c.at = to;
        c.words = words;
        Ok(to)
    }

    /// Read the node `to` that `from` links to, refusing a null or misaligned link and a
    /// ring that comes back to the object `start` without a head.
    #[inline(always)]
    fn step(&self, from: usize, to: usize, start: usize, steps: usize) -> Result<Words, WalkError> {
        if to == 0 || to % 4 != 0 {
            return Err(WalkError::BadLink { from, to, steps });
        }
        if to == start {
            return Err(WalkError::NoHead { steps });
        }
        Ok(node_words(to)?)
    }
}

/// Why [`count_weakrefs`] stopped without an answer.
#[derive(Debug)]
pub enum WeakrefError {
    /// The list head or a reference was not readable (fault-free path).
    Unreadable(ReadError),
    /// Reference `index` at `at` refers to `referent` or links back to `back`, not to the
    /// object and its predecessor `expected_back`.
    Foreign {
        index: usize,
        at: usize,
        referent: usize,
        back: usize,
        expected_back: usize,
    },
    /// More than the walk's bound of references.
    TooMany { limit: usize },
}

impl From<ReadError> for WeakrefError {
    fn from(e: ReadError) -> Self {
        WeakrefError::Unreadable(e)
    }
}

/// `(wr_object, wr_prev, wr_next)` of a weak reference.
type WeakrefLinks = (usize, usize, usize);

fn weakref_links_fault_free(at: usize) -> Result<WeakrefLinks, ReadError> {
    let snap = mem::Snapshot::take(at, PyWeakReference::SIZE)?;
    let word = |off: usize| snap.word(at + off).unwrap_or(usize::MAX);
    Ok((
        word(PyWeakReference::wr_object.offset),
        word(PyWeakReference::wr_prev.offset),
        word(PyWeakReference::wr_next.offset),
    ))
}

/// The links of a weak reference on a live object's list.
#[cfg(not(Py_GIL_DISABLED))]
#[inline(always)]
fn weakref_links(at: usize) -> Result<WeakrefLinks, ReadError> {
    let p = at as *const u8;
    // SAFETY:
    // - point 4 of the rule in raw/mod.rs, as follows
    // - the thread is attached, runs no Python code during the walk and keeps the collector
    //   paused (the caller's `Paused` guard), so no reference can be freed or relinked
    // - `at` is the non-null head of the weakref list of a live object the caller borrows,
    //   or the `wr_next` of a reference on that list: every reference on the list is a live
    //   `PyWeakReference` (one removes itself from the list in `weakref_dealloc` and when it
    //   is cleared), a complete struct (proxies and subclasses start with it)
    // - the three fields are plain pointer fields at offsets proven against the headers
    //   (test_offsets.py)
    let links = unsafe {
        let word = |off: usize| p.add(off).cast::<usize>().read_unaligned();
        (
            word(PyWeakReference::wr_object.offset),
            word(PyWeakReference::wr_prev.offset),
            word(PyWeakReference::wr_next.offset),
        )
    };
    Ok(links)
}

/// Free-threaded builds (untested here): other threads may clear references concurrently.
#[cfg(Py_GIL_DISABLED)]
fn weakref_links(at: usize) -> Result<WeakrefLinks, ReadError> {
    weakref_links_fault_free(at)
}

/// The head word of the weak-reference list whose slot is at `slot`: read directly when
/// the slot is a word of `obj`'s own allocation (inside its `tp_basicsize`, or the managed
/// pre-header word of a GC object), fault-free otherwise (the per-type state of a static
/// builtin type). Returns the head and whether it may be followed directly.
fn weaklist_head(obj: &Bound<'_, PyAny>, slot: usize) -> Result<(usize, bool), ReadError> {
    let address = obj.as_ptr() as usize;
    let slots = rawobj::type_slots(&obj.get_type());
    let gc = rawobj::is_gc(obj);
    let below = if gc && has_flag(slots.flags, TPFLAGS_MANAGED_DICT | TPFLAGS_MANAGED_WEAKREF) {
        GC_HEAD_SIZE + 2 * size_of::<usize>()
    } else {
        0
    };
    // A static type object is a bare `PyTypeObject`, smaller than its metatype's
    // `tp_basicsize` (`sizeof(PyHeapTypeObject)` for `type`).
    let mut size = slots.basicsize.max(0) as usize;
    if let Ok(tp) = obj.cast::<PyType>() {
        if !has_flag(rawobj::type_slots(tp).flags, ffi::Py_TPFLAGS_HEAPTYPE) {
            size = size.min(size_of::<ffi::PyTypeObject>());
        }
    }
    let lo = address.wrapping_sub(below);
    let hi = address.wrapping_add(size);
    let owned = !FREE_THREADED
        && slot >= lo
        && slot
            .checked_add(size_of::<usize>())
            .is_some_and(|e| e <= hi)
        && slot % size_of::<usize>() == 0;
    if owned {
        // SAFETY:
        // - point 1 of the rule in raw/mod.rs, as follows
        // - the thread is attached and `obj` is a live object the caller borrows
        // - `[slot, slot + 8)` lies inside the object's own allocation: inside its type's
        //   `tp_basicsize` (every instance is at least that large; a static type object is
        //   a whole `PyTypeObject`), or in the GC head and the two-word pre-header CPython
        //   allocates before instances of a GC type with a managed dict or weakref list
        //   (`_PyType_PreHeaderSize`, 3.11+)
        // - the slot is word-aligned and holds a plain pointer
        let head = unsafe { (slot as *const usize).read() };
        Ok((head, true))
    } else {
        Ok((mem::read_usize(slot)?, false))
    }
}

/// The number of weak references on `obj`'s list, whose head is stored at `slot` (found by
/// the caller from the type: `tp_weaklistoffset`, the managed pre-header word, or a static
/// builtin type's per-type state); every reference must refer to `obj` and link back to its
/// predecessor; at most `limit`. The caller keeps the collector paused and runs no Python
/// code meanwhile.
pub fn count_weakrefs(
    _paused: &Paused,
    obj: &Bound<'_, PyAny>,
    slot: usize,
    limit: usize,
) -> Result<usize, WeakrefError> {
    let address = obj.as_ptr() as usize;
    let (mut node, owned) = weaklist_head(obj, slot)?;
    let mut prev = 0usize;
    let mut n = 0usize;
    while node != 0 {
        if n == limit {
            return Err(WeakrefError::TooMany { limit });
        }
        // A head read from outside the object (a static type's per-type state, located by
        // pyhood) is proven by its first reference, read fault-free, before any direct read.
        let (referent, back, next) = if n == 0 && !owned {
            weakref_links_fault_free(node)?
        } else {
            weakref_links(node)?
        };
        if referent != address || back != prev {
            return Err(WeakrefError::Foreign {
                index: n,
                at: node,
                referent,
                back,
                expected_back: prev,
            });
        }
        n += 1;
        prev = node;
        node = next;
    }
    Ok(n)
}
