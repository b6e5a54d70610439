//! Interpreter state on the running interpreter (guide §12.2–§12.4): where the collector's
//! state, the free lists, the interned strings and the static builtin types' state are,
//! found before any of it is read.
//!
//! The build-time probe (`cpython::pycore_interp`) says where the release pyhood was built
//! for keeps each piece. That is a *prediction*: a wheel is installed on other patch
//! releases, and patch releases move this state (3.10.2, 3.13.1, Debian's 3.13.18, 3.14.4,
//! 3.14.5; `shared/reference/patch-releases.md`). Each piece is therefore proven on the
//! running interpreter the first time it is needed, and re-established when the prediction
//! fails:
//!
//! 1. the prediction, moved by the nearest anchor that the running interpreter publishes
//!    (3.13+: `_Py_DebugOffsets` at the start of `_PyRuntime`; every version: the located GC
//!    state), is checked first;
//! 2. then a bounded search of the running `PyInterpreterState` / `_PyRuntime` for the one
//!    place that passes the piece's proof.
//!
//! The proofs are strong by construction: the GC state points at itself
//! (`generation0 == &generations[0]`) and shows `gc.get_threshold()`, `gc.isenabled()`,
//! `gc.get_debug()`; the free lists hold the very objects pyhood just freed onto them; the
//! interned dict maps pyhood's own interned string to itself; the static-string table was
//! made with `PyMem_RawMalloc`/`PyMem_RawFree` and holds `"__name__"`; the static types'
//! entries name `&PyLong_Type` and `&PyUnicode_Type` at their own indices. A piece that
//! cannot be proven is an error naming the release, the piece and the remedy, never a
//! number. A proven offset is kept for the process (offsets are the same for every
//! interpreter of it); every read through it is validated again by its user.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyList, PyString, PyTuple};

use crate::cpython::pycore_interp::{self as probe, Anchor, FreeListShape, GcProbe};
use crate::errors;
use crate::raw::compat;
use crate::raw::interp;
use crate::raw::mem::{self, Snapshot};

/// The parts of interpreter state pyhood locates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Piece {
    /// `PyInterpreterState.gc`.
    Gc,
    /// `PyInterpreterState.cached_objects.interned_strings` (3.12+).
    InternedDict,
    /// `_PyRuntimeState.cached_objects.interned_strings` (3.12+).
    InternedStatic,
    /// A member of `PyInterpreterState` holding free lists (index into `FREELIST_GROUPS`).
    FreeLists(usize),
    /// `PyInterpreterState.types.builtins[…]` (3.12+).
    StaticTypes,
}

/// Where a piece was found, relative to its struct, and how.
#[derive(Clone, Debug)]
pub struct Located {
    pub piece: Piece,
    /// The C member, e.g. `"PyInterpreterState.gc"`.
    pub member: String,
    /// Offset on the running interpreter.
    pub offset: usize,
    /// Offset in the headers pyhood was built with.
    pub built: usize,
    /// How the offset was established and proven.
    pub how: String,
}

/// The collector's state as located: its offset and the layout that was proven there.
#[derive(Clone, Debug)]
pub struct GcState {
    /// `&interp->gc` of the calling thread's interpreter.
    pub at: usize,
    pub layout: GcLayout,
    pub located: Located,
}

/// `struct _gc_runtime_state` as proven on the running interpreter: the build's shape
/// ([`GcProbe`]) with `in_interp`, `generations`, `permanent` and `collecting` as found here.
pub type GcLayout = GcProbe;

static LOCATED: Mutex<Vec<Located>> = Mutex::new(Vec::new());
static GC_LAYOUT: Mutex<Option<GcLayout>> = Mutex::new(None);
/// Test hook (`_relocate_by_search`): ignore every prediction and anchor, so that each piece
/// is found by its search alone, as on a release whose layout the build knows nothing of.
static SEARCH_ONLY: AtomicBool = AtomicBool::new(false);

fn search_only() -> bool {
    SEARCH_ONLY.load(Ordering::Relaxed)
}

/// Forget everything located, then locate it again with `locate` while predictions are
/// ignored (`search_only`); afterwards the normal path is back, and the cache is cleared
/// again so that the next call locates as usual.
pub fn relocate_by_search<T>(locate: impl FnOnce() -> T) -> T {
    let forget = || {
        LOCATED.lock().unwrap_or_else(|e| e.into_inner()).clear();
        *GC_LAYOUT.lock().unwrap_or_else(|e| e.into_inner()) = None;
    };
    forget();
    SEARCH_ONLY.store(true, Ordering::Relaxed);
    let out = locate();
    SEARCH_ONLY.store(false, Ordering::Relaxed);
    forget();
    out
}

fn cached(piece: Piece) -> Option<Located> {
    let v = LOCATED.lock().unwrap_or_else(|e| e.into_inner());
    v.iter().find(|l| l.piece == piece).cloned()
}

fn remember(l: &Located) {
    let mut v = LOCATED.lock().unwrap_or_else(|e| e.into_inner());
    if !v.iter().any(|x| x.piece == l.piece) {
        v.push(l.clone());
    }
}

/// Everything located so far, in the order it was located (for `_located_state()`).
pub fn located_so_far() -> Vec<Located> {
    LOCATED.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// `sys.hexversion` of the running interpreter.
pub fn running_hexversion(py: Python<'_>) -> PyResult<u32> {
    py.import("sys")?
        .getattr(pyo3::intern!(py, "hexversion"))?
        .extract()
}

/// `"3.13.18"` (plus `a1`/`b2`/`rc1` for pre-releases) from a `PY_VERSION_HEX` value.
pub fn version_name(hex: u32) -> String {
    let (major, minor, micro) = (hex >> 24, (hex >> 16) & 0xff, (hex >> 8) & 0xff);
    let (level, serial) = ((hex >> 4) & 0xf, hex & 0xf);
    let suffix = match level {
        0xa => format!("a{serial}"),
        0xb => format!("b{serial}"),
        0xc => format!("rc{serial}"),
        _ => String::new(),
    };
    format!("{major}.{minor}.{micro}{suffix}")
}

/// The release whose headers this build was probed against, e.g. "3.13.0".
pub fn built_release() -> String {
    version_name(probe::BUILT_HEXVERSION)
}

/// A piece could not be located and proven: what, where pyhood looked, and the remedy.
fn not_located(py: Python<'_>, member: &str, tried: &str) -> PyErr {
    let running = running_hexversion(py)
        .map(version_name)
        .unwrap_or_else(|_| "?".into());
    let remedy = if running == built_release() {
        "this interpreter's memory does not match its own headers; pyhood will not guess"
            .to_string()
    } else {
        format!(
            "pyhood was built with the headers of CPython {}; reinstall it from source with this \
             interpreter (`pip install --force-reinstall --no-binary pyhood-internals \
             pyhood-internals`, or `pip install .` in a checkout) so that its build reads \
             {running}'s own headers",
            built_release()
        )
    };
    errors::state_validation_error(format!(
        "pyhood could not locate {member} in CPython {running}: {tried}. {remedy}"
    ))
}

/// The outcome of checking one candidate place.
pub enum Check {
    /// This is the piece.
    Proven,
    /// Not the piece: why (for the error message when nothing is found).
    Reject(String),
    /// Stop looking and report this (the collector is running, for instance).
    Fatal(PyErr),
}

// ---------------------------------------------------------------------------------------
// Regions: PyInterpreterState and _PyRuntime, read once per search
// ---------------------------------------------------------------------------------------

/// Read up to `len` bytes at `base`: all of it, or as many whole pages as are mapped.
/// Probes: a region is searched past the end of the struct the build's headers describe,
/// into whatever follows it.
fn region(base: usize, len: usize) -> Snapshot {
    if let Ok(s) = Snapshot::probe(base, len) {
        return s;
    }
    const PAGE: usize = 4096;
    let mut bytes = Vec::with_capacity(len);
    let mut at = base;
    while bytes.len() < len {
        let n = (PAGE - at % PAGE).min(len - bytes.len());
        match mem::probe(at, n) {
            Ok(b) => bytes.extend_from_slice(&b),
            Err(_) => break,
        }
        at += n;
    }
    Snapshot { base, bytes }
}

/// The running interpreter's `_Py_DebugOffsets` values pyhood uses (3.13+).
#[derive(Clone, Copy, Debug)]
pub struct DebugValues {
    pub runtime_size: usize,
    pub interp_size: usize,
    pub interp_gc: usize,
    pub gc_size: usize,
    pub gc_collecting: usize,
}

/// `_Py_DebugOffsets` of the running interpreter, checked (cookie, version, build flavour,
/// sizes that hold what they describe); `None` before 3.13.
pub fn debug_offsets(py: Python<'_>) -> PyResult<Option<(DebugValues, Snapshot)>> {
    let Some(d) = probe::DEBUG_OFFSETS else {
        return Ok(None);
    };
    let runtime = interp::runtime_address()
        .ok_or_else(|| errors::state_validation_error("_PyRuntime is not exported".into()))?;
    let snap = Snapshot::take(runtime, d.size)
        .map_err(|e| errors::state_validation_error(format!("_PyRuntime is not readable ({e})")))?;
    let hex = running_hexversion(py)?;
    let values = parse_debug_offsets(&snap, &d, hex).map_err(errors::state_validation_error)?;
    Ok(Some((values, snap)))
}

/// Decode and check the first `d.size` bytes of `_PyRuntime`.
pub fn parse_debug_offsets(
    snap: &Snapshot,
    d: &probe::DebugOffsetsProbe,
    hexversion: u32,
) -> Result<DebugValues, String> {
    let word = |off: usize| snap.word(snap.base + off).unwrap_or(usize::MAX);
    if snap.slice(snap.base, 8) != Some(&probe::DEBUG_COOKIE[..]) {
        return Err(
            "_PyRuntime does not start with the _Py_DebugOffsets cookie \"xdebugpy\"".into(),
        );
    }
    if word(d.version) != hexversion as usize
        || word(d.free_threaded) != compat::FREE_THREADED as usize
    {
        return Err(format!(
            "_Py_DebugOffsets describes version {:#x} (free-threaded {}), not this interpreter \
             ({hexversion:#x})",
            word(d.version),
            word(d.free_threaded)
        ));
    }
    let v = DebugValues {
        runtime_size: word(d.runtime_size),
        interp_size: word(d.interp_size),
        interp_gc: word(d.interp_gc),
        gc_size: word(d.gc_size),
        gc_collecting: word(d.gc_collecting),
    };
    let fits = v
        .interp_gc
        .checked_add(v.gc_size)
        .is_some_and(|end| end <= v.interp_size && v.interp_size < 1 << 24);
    if !fits || v.gc_collecting >= v.gc_size || v.runtime_size >= 1 << 24 {
        return Err(format!(
            "_Py_DebugOffsets is inconsistent: gc at {} ({} bytes, collecting at {}) in a \
             PyInterpreterState of {} bytes",
            v.interp_gc, v.gc_size, v.gc_collecting, v.interp_size
        ));
    }
    Ok(v)
}

/// How far `built` (an offset in the build's struct) is predicted to have moved on the
/// running interpreter: by the nearest anchor at or before it.
fn shift(built: usize, anchors: &[(String, usize, usize)]) -> (usize, Option<String>) {
    let best = anchors
        .iter()
        .filter(|(_, b, _)| *b <= built)
        .max_by_key(|(_, b, _)| *b);
    match best {
        Some((name, b, r)) if r != b => (
            (built as isize + (*r as isize - *b as isize)) as usize,
            Some(format!(
                "moved by {:+} with {name}",
                *r as isize - *b as isize
            )),
        ),
        _ => (built, None),
    }
}

/// `(name, built offset, running offset)` of every anchor `_Py_DebugOffsets` publishes.
fn debug_anchors(snap: &Snapshot, anchors: &[Anchor]) -> Vec<(String, usize, usize)> {
    anchors
        .iter()
        .filter_map(|a| {
            let r = snap.word(snap.base + a.debug_at)?;
            (r < 1 << 24).then(|| (a.name.to_string(), a.built, r))
        })
        .collect()
}

/// Anchors inside `PyInterpreterState`: `_Py_DebugOffsets`'s (3.13+) and the located GC state.
fn interp_anchors(py: Python<'_>) -> Vec<(String, usize, usize)> {
    let mut v = match debug_offsets(py) {
        Ok(Some((_, snap))) => debug_anchors(&snap, probe::INTERP_ANCHORS),
        _ => Vec::new(),
    };
    if let (Ok(g), Ok(p)) = (gc_state(py), probe::GC) {
        if !v.iter().any(|(n, _, _)| n == "gc") {
            v.push(("gc".into(), p.in_interp, g.located.offset));
        }
    }
    v
}

fn runtime_anchors(py: Python<'_>) -> Vec<(String, usize, usize)> {
    match debug_offsets(py) {
        Ok(Some((_, snap))) => debug_anchors(&snap, probe::RUNTIME_ANCHORS),
        _ => Vec::new(),
    }
}

/// Size of the running `PyInterpreterState` (from `_Py_DebugOffsets` where published).
fn interp_size(py: Python<'_>) -> usize {
    match debug_offsets(py) {
        Ok(Some((v, _))) => v.interp_size.max(probe::INTERP_SIZE),
        _ => probe::INTERP_SIZE + probe::INTERP_SIZE / 8,
    }
}

fn runtime_size(py: Python<'_>) -> usize {
    match debug_offsets(py) {
        Ok(Some((v, _))) => v.runtime_size.max(probe::RUNTIME_SIZE),
        _ => probe::RUNTIME_SIZE + probe::RUNTIME_SIZE / 8,
    }
}

/// Try `candidates` (offsets into a struct at `base`) in order; the first proven one wins.
/// `check` gets the candidate's absolute address.
fn first_proven(
    base: usize,
    candidates: impl IntoIterator<Item = (usize, String)>,
    mut check: impl FnMut(usize) -> Check,
) -> PyResult<Option<(usize, String)>> {
    let mut seen: Vec<usize> = Vec::new();
    for (offset, how) in candidates {
        if seen.contains(&offset) {
            continue;
        }
        seen.push(offset);
        match check(base + offset) {
            Check::Proven => return Ok(Some((offset, how))),
            Check::Reject(_) => {}
            Check::Fatal(e) => return Err(e),
        }
    }
    Ok(None)
}

/// Locate a pointer-sized member of a struct at `base`: the prediction, then every word of
/// `[prediction - window, prediction + window)` that holds a plausible pointer.
#[allow(clippy::too_many_arguments)]
fn locate_pointer_member(
    py: Python<'_>,
    piece: Piece,
    member: &str,
    base: usize,
    size: usize,
    built: usize,
    anchors: &[(String, usize, usize)],
    window: usize,
    proof: &str,
    check: impl FnMut(usize) -> Check,
) -> PyResult<Located> {
    if let Some(l) = cached(piece) {
        return Ok(l);
    }
    let (predicted, moved) = shift(built, anchors);
    let lo = predicted.saturating_sub(window) & !7;
    let hi = (predicted + window).min(size);
    let snap = region(base + lo, hi.saturating_sub(lo));
    let mut candidates = vec![
        (
            predicted,
            match &moved {
                Some(m) => format!("predicted from the build's headers ({m}), {proof}"),
                None => format!("from the build's headers, {proof}"),
            },
        ),
        (built, format!("from the build's headers, {proof}")),
    ];
    if search_only() {
        candidates.clear();
    }
    let mut near: Vec<usize> = (lo..hi)
        .step_by(8)
        .filter(|off| {
            snap.word(base + off)
                .is_some_and(|w| w != 0 && w % 8 == 0 && w < 1 << 47)
        })
        .collect();
    near.sort_by_key(|off| off.abs_diff(predicted));
    candidates.extend(near.into_iter().map(|off| {
        (
            off,
            format!(
                "found by a search of ±{window} bytes around +{predicted} (the build's +{built}), \
                 {proof}"
            ),
        )
    }));
    match first_proven(base, candidates, check)? {
        Some((offset, how)) => {
            let l = Located {
                piece,
                member: member.into(),
                offset,
                built,
                how,
            };
            remember(&l);
            Ok(l)
        }
        None => Err(not_located(
            py,
            member,
            &format!(
                "neither the build's +{built} nor any word within ±{window} bytes of +{predicted} \
                 passed the proof ({proof})"
            ),
        )),
    }
}

// ---------------------------------------------------------------------------------------
// The GC state
// ---------------------------------------------------------------------------------------

fn gc_probe(py: Python<'_>) -> PyResult<GcProbe> {
    probe::GC.map_err(|why| {
        let _ = py;
        errors::unreachable_state_error(format!(
            "pyhood reads no collector state on this build: {why}"
        ))
    })
}

/// What the `gc` module says, to compare with memory.
struct PublicGc {
    thresholds: [i64; 3],
    enabled: i64,
    debug: i64,
}

fn public_gc(py: Python<'_>) -> PyResult<PublicGc> {
    let gc = py.import("gc")?;
    let t: (i64, i64, i64) = gc
        .call_method0(pyo3::intern!(py, "get_threshold"))?
        .extract()?;
    Ok(PublicGc {
        thresholds: [t.0, t.1, t.2],
        enabled: gc
            .call_method0(pyo3::intern!(py, "isenabled"))?
            .extract::<bool>()? as i64,
        debug: gc.call_method0(pyo3::intern!(py, "get_debug"))?.extract()?,
    })
}

/// The layout proven at `at` (the absolute address of a candidate `struct
/// _gc_runtime_state`): its `generation0` must point at a `generations` array within a few
/// bytes of where the build's headers put it (Debian's 3.13.18 aligns `PyGC_Head` to 4 and
/// moves the array 4 bytes down), holding `gc.get_threshold()`; `enabled`/`debug` must equal
/// `gc.isenabled()`/`gc.get_debug()`; the collector must not be running.
fn gc_layout_at(
    at: usize,
    p: &GcProbe,
    collecting: usize,
    public: &PublicGc,
) -> Result<GcLayout, Check> {
    let snap = Snapshot::take(at, p.size).map_err(|e| Check::Reject(e.to_string()))?;
    let g0 = snap.word(at + p.generation0).unwrap_or(0);
    let rel = g0.wrapping_sub(at) as isize;
    let lowest = (p.debug + 4) as isize;
    if rel % 4 != 0 || rel < lowest || (rel - p.generations as isize).abs() > 8 {
        return Err(Check::Reject(format!(
            "its generation0 ({g0:#x}) does not point at a generations array near +{}",
            p.generations
        )));
    }
    let generations = rel as usize;
    let gsize = p.generation_size;
    if generations + 3 * gsize > p.size {
        return Err(Check::Reject(
            "generations would end past the struct".into(),
        ));
    }
    // The permanent generation follows the array directly (3.14+) or the generation0
    // pointer (3.10–3.13); in the first case it moves with the array.
    let permanent = if p.permanent == p.generations + 3 * gsize {
        generations + 3 * gsize
    } else {
        p.permanent
    };
    let l = GcLayout {
        generations,
        permanent,
        collecting,
        ..*p
    };
    let int = |off: usize| snap.int(at + off, 4).unwrap_or(i64::MIN);
    let thresholds = [0, 1, 2].map(|i| int(generations + i * gsize + p.threshold));
    if thresholds != public.thresholds
        || int(p.enabled) != public.enabled
        || int(p.debug) != public.debug
    {
        return Err(Check::Reject(format!(
            "it holds thresholds {thresholds:?}, enabled={}, debug={}; gc says {:?}, {}, {}",
            int(p.enabled),
            int(p.debug),
            public.thresholds,
            public.enabled,
            public.debug
        )));
    }
    let running = int(collecting);
    if running != 0 {
        return Err(Check::Fatal(errors::state_validation_error(format!(
            "the collector is running (gcstate->collecting = {running}): pyhood does not locate \
             or walk its lists during a collection"
        ))));
    }
    Ok(l)
}

/// `PyInterpreterState.gc` of the calling thread's interpreter, located and proven.
pub fn gc_state(py: Python<'_>) -> PyResult<GcState> {
    let interp = interp::interpreter_address(py);
    let p = gc_probe(py)?;
    let layout = *GC_LAYOUT.lock().unwrap_or_else(|e| e.into_inner());
    if let (Some(l), Some(layout)) = (cached(Piece::Gc), layout) {
        return Ok(GcState {
            at: interp + l.offset,
            layout,
            located: l,
        });
    }
    let public = public_gc(py)?;
    let member = "PyInterpreterState.gc";
    let mut candidates: Vec<(usize, usize, String)> = Vec::new(); // (offset, collecting, how)
    let tried;
    let published = if search_only() {
        None
    } else {
        debug_offsets(py)?
    };
    if let Some((d, _)) = published {
        if d.gc_size != p.size {
            let hint = incremental_hint(py);
            return Err(not_located(
                py,
                member,
                &format!(
                    "_Py_DebugOffsets says struct _gc_runtime_state is {} bytes here, the build's \
                     headers say {}: a different collector{hint}",
                    d.gc_size, p.size
                ),
            ));
        }
        candidates.push((
            d.interp_gc,
            d.gc_collecting,
            format!(
                "from _Py_DebugOffsets (the build's headers: +{})",
                p.in_interp
            ),
        ));
        tried = "the offset _Py_DebugOffsets publishes did not pass the proof".into();
    } else {
        if !search_only() {
            candidates.push((p.in_interp, p.collecting, "from the build's headers".into()));
        }
        // Every word that points a few bytes past itself as generation0 does at its own array.
        let size = interp_size(py);
        let snap = region(interp, size);
        let want = p.generations as isize - p.generation0 as isize;
        for slot in (0..snap.bytes.len().saturating_sub(8)).step_by(8) {
            let w = snap.word(interp + slot).unwrap_or(0);
            let rel = w.wrapping_sub(interp + slot) as isize;
            if (rel - want).abs() <= 8 && rel % 4 == 0 && slot >= p.generation0 {
                let offset = slot - p.generation0;
                candidates.push((
                    offset,
                    p.collecting,
                    format!(
                        "found by a search of PyInterpreterState for its generation0 self-pointer \
                         (the build's headers: +{})",
                        p.in_interp
                    ),
                ));
            }
        }
        tried = format!(
            "no struct _gc_runtime_state passed the proof at the build's +{} or at any of {} \
             places in PyInterpreterState whose generation0 points at its own generations",
            p.in_interp,
            candidates.len()
        );
    }
    let mut last = String::new();
    for (offset, collecting, how) in candidates {
        match gc_layout_at(interp + offset, &p, collecting, &public) {
            Ok(mut layout) => {
                layout.in_interp = offset;
                let mut how = format!("{how}, proven: generation0 points at its own generations");
                if layout.generations != p.generations {
                    how.push_str(&format!(
                        " (at +{}, the build's headers: +{})",
                        layout.generations, p.generations
                    ));
                }
                how.push_str(", thresholds/enabled/debug equal the gc module's");
                let l = Located {
                    piece: Piece::Gc,
                    member: member.into(),
                    offset,
                    built: p.in_interp,
                    how,
                };
                *GC_LAYOUT.lock().unwrap_or_else(|e| e.into_inner()) = Some(layout);
                remember(&l);
                return Ok(GcState {
                    at: interp + offset,
                    layout,
                    located: l,
                });
            }
            Err(Check::Fatal(e)) => return Err(e),
            Err(Check::Reject(why)) => last = why,
            Err(Check::Proven) => unreachable!("gc_layout_at never returns Err(Proven)"),
        }
    }
    Err(not_located(
        py,
        member,
        &format!("{tried}; last: {last}{}", incremental_hint(py)),
    ))
}

/// 3.14.0–3.14.4 run the incremental collector (gh-148726 reverted it in 3.14.5): a GC state
/// that does not have the generational shape there is most likely that one.
fn incremental_hint(py: Python<'_>) -> &'static str {
    match running_hexversion(py) {
        Ok(0x030e_0000..0x030e_0500) => {
            " (CPython 3.14.0-3.14.4 run the incremental collector, whose young/old spaces \
             pyhood cannot prove here)"
        }
        _ => "",
    }
}

// ---------------------------------------------------------------------------------------
// Interned strings (3.12+)
// ---------------------------------------------------------------------------------------

/// Address of `interp->cached_objects.interned_strings`, proven by `check` (which gets the
/// dict pointer stored there).
pub fn interned_dict_slot(
    py: Python<'_>,
    mut check: impl FnMut(usize) -> Check,
) -> PyResult<Option<usize>> {
    let Some(built) = probe::INTERNED_DICT else {
        return Ok(None);
    };
    let interp = interp::interpreter_address(py);
    let anchors = interp_anchors(py);
    let size = interp_size(py);
    let l = locate_pointer_member(
        py,
        Piece::InternedDict,
        "PyInterpreterState.cached_objects.interned_strings",
        interp,
        size,
        built,
        &anchors,
        1 << 14,
        "proven: a dict mapping pyhood's own interned string to itself",
        |slot| match mem::read_usize(slot) {
            Ok(dict) => check(dict),
            Err(e) => Check::Reject(e.to_string()),
        },
    )?;
    Ok(Some(interp + l.offset))
}

/// Address of `_PyRuntime.cached_objects.interned_strings`, proven by `check` (which gets
/// the table pointer stored there).
pub fn interned_static_slot(
    py: Python<'_>,
    mut check: impl FnMut(usize) -> Check,
) -> PyResult<Option<usize>> {
    let Some(built) = probe::INTERNED_STATIC else {
        return Ok(None);
    };
    let runtime = interp::runtime_address()
        .ok_or_else(|| errors::state_validation_error("_PyRuntime is not exported".into()))?;
    let anchors = runtime_anchors(py);
    let size = runtime_size(py);
    let l = locate_pointer_member(
        py,
        Piece::InternedStatic,
        "_PyRuntimeState.cached_objects.interned_strings",
        runtime,
        size,
        built,
        &anchors,
        1 << 14,
        "proven: a _Py_hashtable_t made by PyMem_RawMalloc holding \"__name__\"",
        |slot| match mem::read_usize(slot) {
            Ok(table) => check(table),
            Err(e) => Check::Reject(e.to_string()),
        },
    )?;
    Ok(Some(runtime + l.offset))
}

// ---------------------------------------------------------------------------------------
// Free lists
// ---------------------------------------------------------------------------------------

/// Where each free-list group starts in the calling thread's `PyInterpreterState`
/// (absolute addresses, one per `FREELIST_GROUPS` entry), located and proven.
///
/// The proof: pyhood creates a float, a 2-tuple, a list and a dict and frees them; each
/// goes to the head (or the top of the array) of its free list, so the running
/// interpreter's lists are where those four addresses now sit. Each group must be found by
/// its own object(s) (3.13+: all four agree on one group), and then every list of the
/// group must pass `check` (a walk of each list against its count). This frees one object
/// of pyhood's own onto each of those lists, once per process.
pub fn freelist_groups(
    py: Python<'_>,
    mut check: impl FnMut(usize /*group*/, usize /*base*/) -> Result<(), String>,
) -> PyResult<Vec<usize>> {
    if compat::FREE_THREADED {
        return Err(errors::unreachable_state_error(
            "free-threaded builds keep free lists per thread; pyhood does not read them yet".into(),
        ));
    }
    let interp = interp::interpreter_address(py);
    let groups = probe::FREELIST_GROUPS;
    let cached_all: Option<Vec<usize>> = (0..groups.len())
        .map(|g| cached(Piece::FreeLists(g)).map(|l| interp + l.offset))
        .collect();
    if let Some(bases) = cached_all {
        return Ok(bases);
    }
    // The four objects pyhood frees, and the free list each must head.
    let proofs: [(&str, usize); 4] = {
        let f = PyFloat::new(py, 0.5);
        let t = PyTuple::new(py, [py.None(), py.None()])?;
        let l = PyList::empty(py);
        let d = PyDict::new(py);
        let addrs = [
            ("float", f.as_ptr() as usize),
            ("tuple[2]", t.as_ptr() as usize),
            ("list", l.as_ptr() as usize),
            ("dict", d.as_ptr() as usize),
        ];
        drop((d, l, t, f));
        addrs
    };
    // No Python code runs between the frees above and this read.
    let size = interp_size(py);
    let snap = region(interp, size);
    // For each group, the bases every one of its proofs allows. A stale pointer (an array
    // slot above the count, a list of another type that once held the same address) can
    // allow a wrong base too; the walk of the group's lists below settles it.
    let mut allowed: Vec<Option<Vec<usize>>> = vec![None; groups.len()];
    for (name, addr) in proofs {
        let Some(def) = probe::FREELISTS.iter().find(|d| d.name == name) else {
            continue;
        };
        let mut found = Vec::new();
        for slot in (0..snap.bytes.len().saturating_sub(8))
            .step_by(8)
            .filter(|off| snap.word(interp + off) == Some(addr))
        {
            match def.shape {
                FreeListShape::Linked { head_at, .. } => found.extend(slot.checked_sub(head_at)),
                FreeListShape::Array { count_at, items_at } => {
                    // The object is the top of the array: items[count - 1].
                    for k in 0..def.limit.max(0) as usize {
                        let Some(b) = slot.checked_sub(items_at + 8 * k) else {
                            break;
                        };
                        if snap.int(interp + b + count_at, 4) == Some(k as i64 + 1) {
                            found.push(b);
                        }
                    }
                }
            }
        }
        let entry = &mut allowed[def.group];
        *entry = Some(match entry.take() {
            None => found,
            Some(prev) => prev.into_iter().filter(|b| found.contains(b)).collect(),
        });
    }
    let mut out = Vec::with_capacity(groups.len());
    for (g, group) in groups.iter().enumerate() {
        let member = format!("PyInterpreterState.{}", group.member);
        let candidates = allowed[g].clone().unwrap_or_default();
        let mut walked = Vec::new();
        let mut why_not = Vec::new();
        for &b in &candidates {
            match check(g, interp + b) {
                Ok(()) => walked.push(b),
                Err(why) => why_not.push(format!("+{b}: {why}")),
            }
        }
        let base = match walked.as_slice() {
            [b] => *b,
            [] if candidates.is_empty() => {
                return Err(not_located(
                    py,
                    &member,
                    "the objects pyhood freed are not at the head of any free list in \
                     PyInterpreterState",
                ))
            }
            [] => {
                return Err(not_located(
                    py,
                    &member,
                    &format!(
                        "the places the freed objects point to do not walk as free lists ({})",
                        why_not.join("; ")
                    ),
                ))
            }
            many => {
                return Err(not_located(
                    py,
                    &member,
                    &format!(
                        "{} places pass every proof ({many:?}); pyhood will not choose",
                        many.len()
                    ),
                ))
            }
        };
        let proved: Vec<&str> = proofs
            .iter()
            .map(|(n, _)| *n)
            .filter(|n| {
                probe::FREELISTS
                    .iter()
                    .any(|d| d.name == *n && d.group == g)
            })
            .collect();
        let l = Located {
            piece: Piece::FreeLists(g),
            member,
            offset: base,
            built: group.at,
            how: format!(
                "found where the {} pyhood freed now heads its list (the build's headers: +{}), \
                 proven: every list of it walks to its count",
                proved.join(", "),
                group.at
            ),
        };
        remember(&l);
        out.push(interp + base);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Static builtin types' per-interpreter state (3.12+)
// ---------------------------------------------------------------------------------------

/// `tp_subclasses - 1` of a static builtin type: its index in `types.builtins` (3.12+).
fn static_index(type_address: usize) -> Option<usize> {
    let at = type_address + core::mem::offset_of!(pyo3::ffi::PyTypeObject, tp_subclasses);
    let v = mem::read_usize(at).ok()?;
    (1..=4096).contains(&v).then(|| v - 1)
}

/// Address of the `static_builtin_state` / `managed_static_type_state` entry of the static
/// builtin type at `type_address` in the calling thread's interpreter (3.12+): the entry
/// at its index must name the type itself.
pub fn static_type_entry(py: Python<'_>, type_address: usize) -> PyResult<usize> {
    let Some(p) = probe::STATIC_TYPES else {
        return Err(errors::unreachable_state_error(
            "static types keep their own tp_weaklist before 3.12".into(),
        ));
    };
    let interp = interp::interpreter_address(py);
    let member = if probe::STATIC_TYPES.is_some_and(|s| s.extensions.is_some()) {
        "PyInterpreterState.types.builtins.initialized"
    } else {
        "PyInterpreterState.types.builtins"
    };
    let names_itself = |base: usize, ty: usize| -> bool {
        static_index(ty).is_some_and(|i| {
            i < p.max_builtins
                && mem::read_usize(base + i * p.entry_size + p.type_at).ok() == Some(ty)
        })
    };
    let located = match cached(Piece::StaticTypes) {
        Some(l) => l,
        None => {
            let int_type = py.get_type::<pyo3::types::PyInt>().as_ptr() as usize;
            let str_type = py.get_type::<PyString>().as_ptr() as usize;
            let proof = |base: usize| names_itself(base, int_type) && names_itself(base, str_type);
            let Some(int_index) = static_index(int_type) else {
                return Err(not_located(py, member, "int has no static type index"));
            };
            let (predicted, moved) = shift(p.builtins, &interp_anchors(py));
            let mut found: Option<(usize, String)> = None;
            let predictions = if search_only() { 0 } else { 2 };
            for (off, how) in [
                (
                    predicted,
                    match moved {
                        Some(m) => format!("predicted from the build's headers ({m})"),
                        None => "from the build's headers".to_string(),
                    },
                ),
                (p.builtins, "from the build's headers".to_string()),
            ]
            .into_iter()
            .take(predictions)
            {
                if proof(interp + off) {
                    found = Some((off, how));
                    break;
                }
            }
            if found.is_none() {
                // Every place that holds &PyLong_Type where int's entry would name it.
                let snap = region(interp, interp_size(py));
                for slot in (0..snap.bytes.len().saturating_sub(8)).step_by(8) {
                    if snap.word(interp + slot) != Some(int_type) {
                        continue;
                    }
                    let Some(base) = slot.checked_sub(int_index * p.entry_size + p.type_at) else {
                        continue;
                    };
                    if proof(interp + base) {
                        found = Some((
                            base,
                            "found by a search of PyInterpreterState for int's entry".into(),
                        ));
                        break;
                    }
                }
            }
            let Some((offset, how)) = found else {
                return Err(not_located(
                    py,
                    member,
                    &format!(
                        "no array in PyInterpreterState names int and str at their indices (the \
                         build's headers: +{})",
                        p.builtins
                    ),
                ));
            };
            let l = Located {
                piece: Piece::StaticTypes,
                member: member.into(),
                offset,
                built: p.builtins,
                how: format!(
                    "{how}, proven: the entries at int's and str's indices name int and str"
                ),
            };
            remember(&l);
            l
        }
    };
    let base = interp + located.offset;
    let i = static_index(type_address).unwrap_or(0);
    if names_itself(base, type_address) {
        return Ok(base + i * p.entry_size);
    }
    // 3.13+: a static type of an extension module CPython manages has its entry at the
    // same index of `types.for_extensions.initialized`, which `managed_static_type_state_get`
    // (Objects/typeobject.c v3.13.0) reads when the builtin entry names another type; the
    // array sits where the build's headers put it relative to `types.builtins`, and its
    // entry must name the type too.
    if let Some(ext) = p.extensions {
        let ext_base = (base + ext).wrapping_sub(p.builtins);
        let entry = ext_base + i * p.entry_size;
        if static_index(type_address).is_some()
            && i < p.max_extensions
            && mem::read_usize(entry + p.type_at).ok() == Some(type_address)
        {
            return Ok(entry);
        }
    }
    Err(errors::state_validation_error(format!(
        "the static-type state entry at index {:?} does not name the type at \
         {type_address:#x}",
        static_index(type_address)
    )))
}

/// Offset of `tp_weaklist` inside a static type's state entry.
pub fn static_weaklist_at() -> Option<usize> {
    probe::STATIC_TYPES.map(|p| p.weaklist_at)
}

// ---------------------------------------------------------------------------------------
// Export for tests/test_offsets.py
// ---------------------------------------------------------------------------------------

const INTERP_HDR: &str = "internal/pycore_interp.h";
const RUNTIME_HDR: &str = "internal/pycore_runtime.h";

/// `(key, offset, size, header)` entries, in `_offsets()` form, for everything located so far
/// on the running interpreter: the C probe of `tests/test_offsets.py` compiles the running
/// interpreter's own headers, so on a patch release other than the build's these entries
/// prove the re-established offsets, not the build's.
pub fn offset_entries() -> Vec<(String, isize, isize, &'static str)> {
    let mut v = Vec::new();
    let mut push = |key: String, offset: usize, size: usize, header: &'static str| {
        v.push((key, offset as isize, size as isize, header));
    };
    let layout = *GC_LAYOUT.lock().unwrap_or_else(|e| e.into_inner());
    for l in located_so_far() {
        match l.piece {
            Piece::Gc => {
                let Some(g) = layout else { continue };
                let gc = l.offset;
                let p = &l.member;
                let gen = g.generation_size;
                push(p.clone(), gc, g.size, INTERP_HDR);
                push(format!("{p}.enabled"), gc + g.enabled, 4, INTERP_HDR);
                push(format!("{p}.debug"), gc + g.debug, 4, INTERP_HDR);
                push(
                    format!("{p}.generations"),
                    gc + g.generations,
                    3 * gen,
                    INTERP_HDR,
                );
                push(
                    format!("{p}.generation0"),
                    gc + g.generation0,
                    8,
                    INTERP_HDR,
                );
                let perm = format!("{p}.permanent_generation");
                push(perm.clone(), gc + g.permanent, gen, INTERP_HDR);
                push(format!("{perm}.head"), gc + g.permanent, 16, INTERP_HDR);
                push(
                    format!("{perm}.threshold"),
                    gc + g.permanent + g.threshold,
                    4,
                    INTERP_HDR,
                );
                push(
                    format!("{perm}.count"),
                    gc + g.permanent + g.count,
                    4,
                    INTERP_HDR,
                );
                push(format!("{p}.collecting"), gc + g.collecting, 4, INTERP_HDR);
            }
            Piece::InternedDict => push(l.member.clone(), l.offset, 8, INTERP_HDR),
            Piece::InternedStatic => push(l.member.clone(), l.offset, 8, RUNTIME_HDR),
            Piece::FreeLists(g) => {
                let size = probe::FREELIST_GROUPS.get(g).map_or(0, |g| g.size);
                push(l.member.clone(), l.offset, size, INTERP_HDR);
            }
            Piece::StaticTypes => {
                let Some(p) = probe::STATIC_TYPES else {
                    continue;
                };
                push(
                    l.member.clone(),
                    l.offset,
                    p.max_builtins * p.entry_size,
                    INTERP_HDR,
                );
            }
        }
    }
    v
}
