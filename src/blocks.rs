//! Where an allocation lives (pymalloc pool, malloc chunk, static memory), read from the
//! allocator's own headers (guide §10.2–10.4, §12.1): the `BlockInfo` snapshot and the
//! classification behind `pyhood.block_info` (which is in `footprint.rs`, beside the extent
//! it takes from `layout`). Beneath `layout`: decoders ask `accepted_sizes`/`resolve_size`
//! which sizes a header accepts, so nothing here calls back into `layout`.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use pyo3::prelude::*;

use crate::cpython::obmalloc::{
    pool_header, POOL_OVERHEAD, POOL_SIZE, PYMALLOC_ALIGNMENT, SMALL_REQUEST_THRESHOLD,
};
use crate::errors;
use crate::errors::read_err;
use crate::raw::dynlink;
use crate::raw::traverse::AddrHasher;
use crate::render;

/// Debug hooks (`PYTHONMALLOC=*_debug`) put two words before every block (requested size;
/// API id and forbidden bytes) and one after it (forbidden bytes): `_PyMem_DebugRawAlloc`,
/// `Objects/obmalloc.c` v3.10.13–v3.15.2, `total = nbytes + 3*SST` (the serial-number word
/// only exists with `PYMEM_DEBUG_SERIALNO`, off by default).
const DEBUG_HEAD: usize = 2 * 8;
const DEBUG_PAD: usize = 3 * 8;

/// Where one allocation lives.
#[pyclass(frozen, module = "pyhood", name = "BlockInfo")]
#[derive(Clone)]
pub struct PyBlockInfo {
    /// "pymalloc", "malloc", "static", or "mimalloc".
    #[pyo3(get)]
    pub domain: &'static str,
    /// Start of the allocation (pre-header included; debug hooks' header excluded).
    #[pyo3(get)]
    pub block_address: usize,
    /// Bytes requested from the allocator (what the object's layout spans).
    #[pyo3(get)]
    pub requested: usize,
    /// Bytes the allocator set aside: the pymalloc size class, or malloc's usable size.
    #[pyo3(get)]
    pub block_size: Option<usize>,
    /// Whether debug hooks wrap the block (`PYTHONMALLOC=..._debug`).
    #[pyo3(get)]
    pub debug_hooks: bool,
    #[pyo3(get)]
    pub pool_address: Option<usize>,
    #[pyo3(get)]
    pub size_class: Option<u32>,
    #[pyo3(get)]
    pub pool_blocks_in_use: Option<u32>,
    #[pyo3(get)]
    pub pool_capacity: Option<u32>,
    #[pyo3(get)]
    pub arena_index: Option<u32>,
}

#[pymethods]
impl PyBlockInfo {
    fn __str__(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "block_info_text")
    }

    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        render::text(slf.as_any(), "block_info_html")
    }

    /// IPython's pretty printer: the same text as `str()`.
    fn _repr_pretty_(slf: &Bound<'_, Self>, p: &Bound<'_, PyAny>, cycle: bool) -> PyResult<()> {
        render::pretty(slf.as_any(), p, cycle)
    }

    fn __repr__(&self) -> String {
        let mut s = format!(
            "<BlockInfo {} block at {:#x}: requested {} bytes",
            self.domain, self.block_address, self.requested
        );
        if let Some(b) = self.block_size {
            s.push_str(&format!(", block {b} bytes"));
        }
        if let (Some(p), Some(c), Some(u), Some(cap)) = (
            self.pool_address,
            self.size_class,
            self.pool_blocks_in_use,
            self.pool_capacity,
        ) {
            s.push_str(&format!(
                ", size class {c}, pool {p:#x} ({u}/{cap} blocks in use)"
            ));
        }
        if self.debug_hooks {
            s.push_str(", debug hooks");
        }
        s.push('>');
        s
    }

    /// A JSON-ready dict of the snapshot's attributes.
    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        render::call(slf.as_any(), "block_info_dict")
    }
}

/// Classify the allocation `[block_address, block_address + requested)`.
pub fn classify(
    py: Python<'_>,
    block_address: usize,
    requested: usize,
    static_hint: bool,
) -> PyResult<PyBlockInfo> {
    Ok(classify_with(
        py,
        block_address,
        requested,
        static_hint,
        Fit::Exact,
    )?)
}

/// Why a block was not found where its size says: made into a `pyhood` exception only
/// when it reaches the caller (`accepted_sizes` tries sizes that are refused by design).
#[derive(Debug)]
enum Refused {
    Read(crate::raw::mem::ReadError),
    Pool {
        pool: usize,
        raw_start: usize,
        raw_len: usize,
        szidx: u32,
        count: u32,
        maxnextoffset: usize,
    },
    Chunk {
        raw_start: usize,
        word: usize,
        raw_len: usize,
    },
    UnknownAllocator(String),
    NotStatic {
        block_address: usize,
        inner: Box<Refused>,
    },
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Read(e) => write!(f, "{e}"),
            Refused::Pool {
                pool,
                raw_start,
                raw_len,
                szidx,
                count,
                maxnextoffset,
            } => write!(
                f,
                "the pool header at {pool:#x} does not describe a {raw_len}-byte block at \
                 {raw_start:#x} (szidx {szidx}, count {count}, maxnextoffset {maxnextoffset}); \
                 the object was not allocated by pymalloc"
            ),
            Refused::Chunk {
                raw_start,
                word,
                raw_len,
            } => write!(
                f,
                "the malloc chunk header before {raw_start:#x} ({word:#x}) does not describe a \
                 {raw_len}-byte block"
            ),
            Refused::UnknownAllocator(name) => write!(
                f,
                "unknown allocator {name:?}: pyhood cannot tell where blocks live"
            ),
            Refused::NotStatic {
                block_address,
                inner,
            } => write!(
                f,
                "ob_flags says the object at {block_address:#x} is statically allocated, but it \
                 is in no loaded image, and {inner}"
            ),
        }
    }
}

impl From<Refused> for PyErr {
    fn from(r: Refused) -> PyErr {
        match r {
            Refused::Read(e) => read_err(e),
            other => errors::layout_error(other.to_string()),
        }
    }
}

/// How an allocation's block may differ from the size its object or buffer spans now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fit {
    /// The size is what CPython asked the allocator for.
    Exact,
    /// CPython may have shrunk it with `PyObject_Realloc` (see `classify_resized`).
    Realloc,
    /// CPython may have asked for more and used less (an int normalized after
    /// allocation): any block at least this large.
    AtLeast,
}

/// Sizes an allocation may have that only the allocator's block tells apart
/// ([`resolve_size`]): `first + step·j` for `j` up to `more`, the largest it accepts
/// (as `Fit::Exact`) being the allocation's. `more == 0`: `first` alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    pub first: usize,
    pub step: usize,
    pub more: usize,
}

impl Sizes {
    /// `len` alone.
    pub fn one(len: usize) -> Self {
        Self {
            first: len,
            step: 0,
            more: 0,
        }
    }

    /// The sizes, largest first.
    pub fn largest_first(self) -> impl Iterator<Item = usize> {
        (0..=self.more)
            .rev()
            .map(move |j| self.first + self.step * j)
    }
}

/// `classify` for an allocation CPython may have shrunk with `PyObject_Realloc` /
/// `PyMem_Realloc` (`_PyTuple_Resize`, `resize_compact`, `_PyBytes_Resize`, `list_resize`):
/// pymalloc keeps the old block when the new size is more than 3/4 of its size class
/// (`pymalloc_realloc`, Objects/obmalloc.c v3.10–v3.15), and a block that came from
/// malloc stays there (`PyMem_RawRealloc`) even once the size would fit a pool.
pub fn classify_resized(
    py: Python<'_>,
    block_address: usize,
    requested: usize,
    static_hint: bool,
) -> PyResult<PyBlockInfo> {
    Ok(classify_with(
        py,
        block_address,
        requested,
        static_hint,
        Fit::Realloc,
    )?)
}

/// `classify` with the given fit.
pub fn classify_fit(
    py: Python<'_>,
    block_address: usize,
    requested: usize,
    static_hint: bool,
    fit: Fit,
) -> PyResult<PyBlockInfo> {
    Ok(classify_with(
        py,
        block_address,
        requested,
        static_hint,
        fit,
    )?)
}

fn classify_with(
    py: Python<'_>,
    block_address: usize,
    requested: usize,
    static_hint: bool,
    fit: Fit,
) -> Result<PyBlockInfo, Refused> {
    let info = PyBlockInfo {
        domain: "static",
        block_address,
        requested,
        block_size: Some(requested),
        debug_hooks: false,
        pool_address: None,
        size_class: None,
        pool_blocks_in_use: None,
        pool_capacity: None,
        arena_index: None,
    };
    if in_loaded_image(block_address) {
        return Ok(info);
    }
    // 3.14+'s `_Py_STATICALLY_ALLOCATED_FLAG` (`static_hint`) is no proof: `PyObject_HEAD_INIT`
    // sets it in a C static, and an extension that copies such a prototype into memory of
    // its own copies the flag too (numpy's legacy dtype classes: malloc blocks whose
    // ob_flags say static). Only a loaded image's memory is static; anything else is the
    // allocator's, or an error that says the flag was set.
    allocator_block(py, info, fit).map_err(|e| {
        if static_hint {
            Refused::NotStatic {
                block_address,
                inner: Box::new(e),
            }
        } else {
            e
        }
    })
}

/// `classify` for a block outside every loaded image: the allocator's.
fn allocator_block(py: Python<'_>, info: PyBlockInfo, fit: Fit) -> Result<PyBlockInfo, Refused> {
    let block_address = info.block_address;
    let name = allocator_name(py);
    if !name.is_empty() {
        return with_allocator(info, &name, fit);
    }
    // Hooks of someone else's wrap the allocator (tracemalloc's do while it traces) and
    // CPython names none; the blocks are still the wrapped allocator's, and each says
    // which: debug hooks leave their own header before the block, and a pymalloc block
    // or a malloc chunk must agree with its own header.
    let names: &[&str] = if debug_header_before(block_address) {
        &["pymalloc_debug", "malloc_debug"]
    } else {
        &["pymalloc", "malloc"]
    };
    let mut last = None;
    for name in names {
        match with_allocator(info.clone(), name, fit) {
            Ok(found) => return Ok(found),
            Err(e) => last = Some(e),
        }
    }
    Err(last.expect("two allocators were tried"))
}

/// What `memoised` remembers: allocator headers probed, and which addresses lie in a
/// loaded image.
#[derive(Default)]
struct Memo {
    /// By (base, len): a walk over a million objects asks for thousands.
    headers: HashMap<(usize, usize), Header, BuildHasherDefault<AddrHasher>>,
    /// Headers likely to be asked for, read along with the first one that is.
    hints: Vec<(usize, usize)>,
    allocator: Option<std::borrow::Cow<'static, str>>,
    /// The loaded images' ranges (`dynlink::image_ranges`), once asked.
    images: Option<std::sync::Arc<Vec<(usize, usize)>>>,
}

/// `dynlink::in_loaded_image`, with the images' ranges asked once inside `memoised` (no
/// image is loaded while the thread holds the GIL and runs no Python code).
fn in_loaded_image(address: usize) -> bool {
    let ranges = PROBED.with(|p| match p.borrow_mut().as_mut() {
        Some(m) => m.images.get_or_insert_with(dynlink::image_ranges).clone(),
        None => dynlink::image_ranges(),
    });
    dynlink::in_loaded_image(&ranges, address)
}

/// Inside `memoised`: the allocator header of a block of `len` bytes at `address` is
/// likely to be asked for (its pool's header if pymalloc would serve that size, else the
/// malloc chunk header before it); it is then read in the same syscall as the first header
/// that is (`mem::probe_many`). Nothing happens outside `memoised`.
pub fn hint_block(address: usize, len: usize) {
    let hint = if (1..=SMALL_REQUEST_THRESHOLD).contains(&len) {
        (address & !(POOL_SIZE - 1), pool_header::SIZE)
    } else {
        (address.wrapping_sub(8), 8)
    };
    PROBED.with(|p| {
        if let Some(m) = p.borrow_mut().as_mut() {
            let known = m.headers.contains_key(&hint);
            if !known && !m.hints.contains(&hint) {
                m.hints.push(hint);
            }
        }
    });
}

thread_local! {
    /// What was learned inside `memoised` (nothing outside it).
    static PROBED: std::cell::RefCell<Option<Memo>> = const { std::cell::RefCell::new(None) };
}

/// `dynlink::allocator_name`, asked once inside `memoised` (the allocator cannot change
/// while the thread holds the GIL and runs no Python code).
fn allocator_name(py: Python<'_>) -> std::borrow::Cow<'static, str> {
    let known = PROBED.with(|p| p.borrow().as_ref().and_then(|m| m.allocator.clone()));
    if let Some(name) = known {
        return name;
    }
    let name = dynlink::allocator_name(py).unwrap_or_default();
    PROBED.with(|p| {
        if let Some(m) = p.borrow_mut().as_mut() {
            m.allocator = Some(name.clone());
        }
    });
    name
}

/// Run `f` with allocator-header probes remembered: a header read twice inside `f` (the
/// pool header of a block whose candidate sizes are tried one by one, or of two blocks in
/// one pool) costs one read. Only for work that allocates no Python object in between, so
/// the headers stay as they were read (a live block's pool keeps its size class; its count
/// may differ by pyhood's own Rust allocations, which pymalloc does not serve).
pub fn memoised<T>(f: impl FnOnce() -> T) -> T {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            if self.0 {
                PROBED.with(|p| *p.borrow_mut() = None);
            }
        }
    }
    let outermost = PROBED.with(|p| {
        let mut p = p.borrow_mut();
        let outermost = p.is_none();
        if outermost {
            *p = Some(Memo::default());
        }
        outermost
    });
    let _reset = Reset(outermost);
    f()
}

/// An allocator header as probed: at most `HEADER_MAX` bytes at `base`, kept inline.
#[derive(Clone, Copy)]
struct Header {
    base: usize,
    len: usize,
    bytes: [u8; HEADER_MAX],
}

/// The longest header probed: a pool header.
const HEADER_MAX: usize = pool_header::SIZE;

impl Header {
    fn new(base: usize, bytes: &[u8]) -> Self {
        let mut h = Header {
            base,
            len: bytes.len().min(HEADER_MAX),
            bytes: [0; HEADER_MAX],
        };
        h.bytes[..h.len].copy_from_slice(&bytes[..h.len]);
        h
    }

    /// The little-endian integer of `len` bytes at `addr`, if the header holds them.
    fn uint(&self, addr: usize, len: usize) -> Option<u64> {
        let at = addr.checked_sub(self.base)?;
        let raw = self.bytes[..self.len].get(at..at.checked_add(len)?)?;
        let mut b = [0u8; 8];
        b[..len.min(8)].copy_from_slice(&raw[..len.min(8)]);
        Some(u64::from_le_bytes(b))
    }

    fn remember(self) -> Self {
        PROBED.with(|p| {
            if let Some(m) = p.borrow_mut().as_mut() {
                m.headers.insert((self.base, self.len), self);
            }
        });
        self
    }
}

/// A probe of an allocator's header (`mem::probe`), remembered inside `memoised`; with
/// the headers hinted so far, read in one go (`mem::probe_many`).
fn header_probe(addr: usize, len: usize) -> Result<Header, crate::raw::mem::ReadError> {
    header_read(None, addr, len)
}

/// [`header_probe`] of the header right before the block at `block` that CPython handed
/// out for a live object (the block its caller sizes: the object's own allocation or one
/// it owns): copied directly when it shares the block's first page (`mem::copy_beside`).
fn header_before(
    block: usize,
    addr: usize,
    len: usize,
) -> Result<Header, crate::raw::mem::ReadError> {
    header_read(Some(block), addr, len)
}

fn header_read(
    block: Option<usize>,
    addr: usize,
    len: usize,
) -> Result<Header, crate::raw::mem::ReadError> {
    debug_assert!(len <= HEADER_MAX);
    let hit = PROBED.with(|p| {
        p.borrow()
            .as_ref()
            .and_then(|m| m.headers.get(&(addr, len)).copied())
    });
    if let Some(h) = hit {
        return Ok(h);
    }
    if let Some(block) = block {
        let mut bytes = [0u8; HEADER_MAX];
        if crate::raw::mem::copy_beside(block, addr, &mut bytes[..len]) {
            return Ok(Header::new(addr, &bytes[..len]).remember());
        }
    }
    let hints = PROBED.with(|p| {
        p.borrow_mut()
            .as_mut()
            .map(|m| std::mem::take(&mut m.hints))
            .unwrap_or_default()
    });
    let mut ranges = vec![(addr, len)];
    ranges.extend(hints.into_iter().filter(|h| *h != (addr, len)));
    if ranges.len() == 1 {
        let bytes = crate::raw::mem::probe(addr, len)?;
        return Ok(Header::new(addr, &bytes).remember());
    }
    let read = crate::raw::mem::probe_many(&ranges);
    for (&(base, _), bytes) in ranges.iter().zip(&read).skip(1) {
        if let Some(bytes) = bytes {
            Header::new(base, bytes).remember();
        }
    }
    match read.into_iter().next().flatten() {
        Some(bytes) => Ok(Header::new(addr, &bytes).remember()),
        // Not mapped: the single probe reports why, as it always has.
        None => crate::raw::mem::probe(addr, len).map(|b| Header::new(addr, &b)),
    }
}

/// Whether `_PyMem_DebugRawAlloc`'s header precedes the block: after the requested size
/// (a big-endian word, not compared: a resized or over-allocated object may span less), the
/// API id (`'r'`, `'m'` or `'o'`) and seven FORBIDDENBYTEs (0xFD), Objects/obmalloc.c
/// v3.10–v3.15.
fn debug_header_before(block_address: usize) -> bool {
    // A probe: without the debug hooks these 8 bytes are the allocator's own header.
    match header_before(block_address, block_address.wrapping_sub(8), 8) {
        Ok(h) => b"rmo".contains(&h.bytes[0]) && h.bytes[1..8].iter().all(|&b| b == 0xFD),
        Err(_) => false,
    }
}

/// `classify` once the allocator behind the block is known by name.
fn with_allocator(mut info: PyBlockInfo, name: &str, fit: Fit) -> Result<PyBlockInfo, Refused> {
    let (block_address, requested) = (info.block_address, info.requested);
    info.debug_hooks = name.ends_with("_debug");
    let (raw_start, raw_len) = if info.debug_hooks {
        (
            block_address.wrapping_sub(DEBUG_HEAD),
            requested + DEBUG_PAD,
        )
    } else {
        (block_address, requested)
    };
    if name.starts_with("mimalloc") || crate::cpython::FREE_THREADED {
        info.domain = "mimalloc";
        info.block_size = None;
        return Ok(info);
    }
    if name.starts_with("pymalloc") && (1..=SMALL_REQUEST_THRESHOLD).contains(&raw_len) {
        if let Err(e) = pool(&mut info, raw_start, raw_len, fit) {
            // Moved out of pymalloc's reach, it lives in malloc (under the raw domain's
            // debug hooks too when they are on).
            let (start, len) = if info.debug_hooks {
                (raw_start.wrapping_sub(DEBUG_HEAD), raw_len + DEBUG_PAD)
            } else {
                (raw_start, raw_len)
            };
            if fit == Fit::Exact || malloc_chunk(&mut info, start, len, fit).is_err() {
                return Err(e);
            }
        }
    } else if name.starts_with("pymalloc") && info.debug_hooks {
        // A request pymalloc does not serve goes to `PyMem_RawMalloc` (`_PyObject_Malloc`,
        // Objects/obmalloc.c), whose own debug hooks wrap it once more.
        let (start, len) = (raw_start.wrapping_sub(DEBUG_HEAD), raw_len + DEBUG_PAD);
        malloc_chunk(&mut info, start, len, fit)?;
    } else if name.starts_with("pymalloc") || name.starts_with("malloc") {
        malloc_chunk(&mut info, raw_start, raw_len, fit)?;
    } else {
        return Err(Refused::UnknownAllocator(name.to_owned()));
    }
    Ok(info)
}

/// A pool header's fields, as read, with the block size and capacity of its size class.
#[derive(Clone, Copy)]
struct PoolFacts {
    pool: usize,
    count: u32,
    arenaindex: u32,
    szidx: u32,
    maxnextoffset: usize,
    size: u32,
    capacity: u32,
    /// Whether the header is one `init_pool` could have written for its size class (what
    /// `pool_fit` asks of the pool, whatever the block).
    sound: bool,
    /// `size`'s divisibility constant, `⌈2^64 / size⌉` ([`on_grid`]).
    grid: u64,
}

/// Whether `offset` is a multiple of the block size whose constant `grid` is: a 32-bit
/// offset `n` is divisible by `d` exactly when `n · ⌈2^64/d⌉ mod 2^64 < ⌈2^64/d⌉` (Lemire,
/// Kaser and Kurz, "Faster remainder by direct computation", 2019), a multiply where `%`
/// would divide (a walk asks it for every block it sizes).
fn on_grid(offset: u32, grid: u64) -> bool {
    // A size of 1 has the constant 2^64, which wraps to 0: every offset is on its grid.
    grid == 0 || u64::from(offset).wrapping_mul(grid) < grid
}

/// The constant [`on_grid`] takes for block size `size` (at least 1).
fn grid_of(size: u32) -> u64 {
    (u64::MAX / u64::from(size.max(1))).wrapping_add(1)
}

/// The header of the pool at `pool` (a probe: the address is a block's, rounded down; the
/// header is proven by `pool_fit`).
fn pool_facts(pool: usize) -> Result<PoolFacts, Refused> {
    let h = header_probe(pool, pool_header::SIZE).map_err(Refused::Read)?;
    Ok(facts_of(pool, &h))
}

/// How many pools a [`Sizer`] reads at once when it meets a new one: that pool and the
/// ones after it not yet read (a walk's objects fill neighbouring pools of an arena), in
/// one batch of probes (`mem::probe_many`; a batch that reaches past an arena's end is
/// read range by range).
const POOLS_AT_ONCE: usize = 16;

/// The headers of `pool` and of the next pools not in `known` (at most [`POOLS_AT_ONCE`] in
/// all, each `None` where it is not mapped), read in one batch of probes.
fn pool_facts_from(
    pool: usize,
    known: &HashMap<usize, Option<PoolFacts>, BuildHasherDefault<AddrHasher>>,
) -> Vec<(usize, Option<PoolFacts>)> {
    let ranges: Vec<(usize, usize)> = (0..POOLS_AT_ONCE)
        .filter_map(|k| pool.checked_add(k * POOL_SIZE))
        .filter(|p| *p == pool || !known.contains_key(p))
        .map(|p| (p, pool_header::SIZE))
        .collect();
    let read = crate::raw::mem::probe_many(&ranges);
    ranges
        .iter()
        .zip(read)
        .map(|(&(p, _), bytes)| {
            let facts = bytes.map(|b| facts_of(p, &Header::new(p, &b).remember()));
            (p, facts)
        })
        .collect()
}

/// A pool header's facts, from its bytes as read.
fn facts_of(pool: usize, h: &Header) -> PoolFacts {
    let field = |off: usize, len: usize| h.uint(pool + off, len).unwrap_or(u64::MAX);
    let szidx = field(pool_header::szidx.offset, 4) as u32;
    let size = (szidx as usize + 1) * PYMALLOC_ALIGNMENT;
    let count = field(pool_header::ref_count.offset, 4) as u32;
    let nextoffset = field(pool_header::nextoffset.offset, 4) as usize;
    let maxnextoffset = field(pool_header::maxnextoffset.offset, 4) as usize;
    let capacity = ((POOL_SIZE - POOL_OVERHEAD) / size.max(1)) as u32;
    PoolFacts {
        pool,
        count,
        arenaindex: field(pool_header::arenaindex.offset, 4) as u32,
        szidx,
        maxnextoffset,
        size: size.min(u32::MAX as usize) as u32,
        grid: grid_of(size.min(u32::MAX as usize) as u32),
        capacity,
        sound: maxnextoffset == POOL_SIZE.wrapping_sub(size)
            && nextoffset <= POOL_SIZE
            && (1..=capacity).contains(&count),
    }
}

/// The block size of `[raw_start, raw_start + raw_len)` if the pool header `p` proves that
/// pymalloc serves it with `fit`: a header `init_pool` could have written for that size
/// class, and the block on its grid.
fn pool_fit(p: &PoolFacts, raw_start: usize, raw_len: usize, fit: Fit) -> Result<usize, Refused> {
    pool_fit_size(p, raw_start, raw_len, fit).ok_or(Refused::Pool {
        pool: p.pool,
        raw_start,
        raw_len,
        szidx: p.szidx,
        count: p.count,
        maxnextoffset: p.maxnextoffset,
    })
}

/// [`pool_fit`]'s block size, `None` where it refuses.
#[inline]
fn pool_fit_size(p: &PoolFacts, raw_start: usize, raw_len: usize, fit: Fit) -> Option<usize> {
    (p.sound && in_class(p.pool, p.szidx, p.size, p.grid, raw_start, raw_len, fit))
        .then_some(p.size as usize)
}

/// Whether `[raw_start, raw_start + raw_len)` is a block of the pool at `pool` whose size
/// class is `szidx` (`size` bytes, `grid` its [`on_grid`] constant), allocated with `fit`:
/// past the header, on the class's grid, and of a length the class serves.
#[inline(always)]
fn in_class(
    pool: usize,
    szidx: u32,
    size: u32,
    grid: u64,
    raw_start: usize,
    raw_len: usize,
    fit: Fit,
) -> bool {
    let expected_class = ((raw_len.wrapping_sub(1)) / PYMALLOC_ALIGNMENT) as u32;
    let fits = match fit {
        Fit::Exact => szidx == expected_class,
        // `pymalloc_realloc` keeps the block when `4 * nbytes > 3 * size`.
        Fit::Realloc => {
            szidx == expected_class || (szidx > expected_class && 4 * raw_len > 3 * size as usize)
        }
        Fit::AtLeast => szidx >= expected_class,
    };
    // Past the header (a wrapped difference is huge): a 32-bit remainder after that.
    let from_first = raw_start.wrapping_sub(pool + POOL_OVERHEAD);
    fits && from_first < POOL_SIZE - POOL_OVERHEAD && on_grid(from_first as u32, grid)
}

/// pymalloc: read and validate the pool header of the block's pool.
fn pool(info: &mut PyBlockInfo, raw_start: usize, raw_len: usize, fit: Fit) -> Result<(), Refused> {
    let p = pool_facts(raw_start & !(POOL_SIZE - 1))?;
    let size = pool_fit(&p, raw_start, raw_len, fit)?;
    info.domain = "pymalloc";
    info.block_size = Some(size);
    info.pool_address = Some(p.pool);
    info.size_class = Some(p.szidx);
    info.pool_blocks_in_use = Some(p.count);
    info.pool_capacity = Some(p.capacity);
    info.arena_index = Some(p.arenaindex);
    Ok(())
}

/// How many pools a [`Sizer`] keeps at hand (by address bits).
const RECENT_POOLS: usize = 512;

/// Block sizes for a walk over many objects (`deep_footprint`, `census`): what
/// [`classify_fit`] answers, with what every block of the walk shares learned once: the
/// allocator's name, the loaded images' ranges (`dynlink::image_ranges`), and each pool's
/// header (a live block's pool keeps its size class while the walk runs no Python code and
/// frees nothing). pymalloc blocks without debug hooks are sized here; every other block by
/// `classify_fit`.
pub struct Sizer {
    pymalloc: bool,
    images: std::sync::Arc<Vec<(usize, usize)>>,
    /// Every pool header read (`None`: not mapped).
    pools: HashMap<usize, Option<PoolFacts>, BuildHasherDefault<AddrHasher>>,
    /// What [`Sizer::known`] needs of a few recent spans, by address bits (objects of a
    /// walk alternate between size classes, each in its own pools).
    recent: Box<[Span; RECENT_POOLS]>,
}

/// A block [`Sizer::known`] sizes without reading anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Known {
    /// A pymalloc block of this many bytes.
    Pymalloc(usize),
    /// Inside a loaded image: statically allocated, its requested length.
    Static,
}

/// What a [`Sizer`] keeps at hand of one 16 KiB-aligned span: whether a loaded image
/// overlaps it, else, when its header is one `init_pool` could have written (`sound`), its
/// size class.
#[derive(Clone, Copy)]
struct Span {
    /// The span's address; `usize::MAX` (never a span's): an empty entry.
    pool: usize,
    kind: SpanKind,
    szidx: u32,
    size: u32,
    /// `size`'s [`on_grid`] constant.
    grid: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SpanKind {
    /// A sound pymalloc pool, no image near.
    Pool,
    /// A loaded image overlaps the span.
    Image,
    /// Anything else: `Sizer::block` tells.
    Other,
}

const NO_SPAN: Span = Span {
    pool: usize::MAX,
    kind: SpanKind::Other,
    szidx: 0,
    size: 0,
    grid: 0,
};

impl Sizer {
    /// For one walk, while the thread holds the GIL.
    pub fn new(py: Python<'_>) -> Self {
        Self {
            pymalloc: dynlink::allocator_name(py).is_some_and(|n| n == "pymalloc"),
            images: dynlink::image_ranges(),
            pools: HashMap::default(),
            recent: Box::new([NO_SPAN; RECENT_POOLS]),
        }
    }

    /// Drop what was learned of pools (Python code ran: pools may have been emptied and
    /// given to other size classes).
    pub fn forget_pools(&mut self) {
        self.pools.clear();
        self.recent.fill(NO_SPAN);
    }

    /// [`Sizer::block`]'s answer when it is one this walk already knows without reading
    /// anything: a block inside a loaded image (static: no allocator's), or a pymalloc
    /// block of a pool whose header the walk read (`Pymalloc(block size)`, as
    /// [`pool_fit_size`] checks it), no image near. `None`: ask `block`.
    #[inline(always)]
    pub fn known(&mut self, addr: usize, len: usize, fit: Fit) -> Option<Known> {
        let pool = addr & !(POOL_SIZE - 1);
        let way = (pool / POOL_SIZE) % RECENT_POOLS;
        if self.recent[way].pool != pool && !self.recall(pool, way) {
            return None;
        }
        let span = &self.recent[way];
        match span.kind {
            SpanKind::Pool => ((1..=SMALL_REQUEST_THRESHOLD).contains(&len)
                && in_class(pool, span.szidx, span.size, span.grid, addr, len, fit))
            .then_some(Known::Pymalloc(span.size as usize)),
            // A block of a heap pool beside an image is left to `block`.
            SpanKind::Image => {
                overlaps_image(&self.images, addr, addr + 1).then_some(Known::Static)
            }
            SpanKind::Other => None,
        }
    }

    /// Make the span `pool` a recent one (at `way`) from what the walk holds without
    /// reading: a header read along with another pool's (`pool_facts_from` reads 16 at a
    /// time), or, for a span a loaded image overlaps, nothing more than that. Whether it
    /// did.
    #[cold]
    fn recall(&mut self, pool: usize, way: usize) -> bool {
        let near_image = overlaps_image(&self.images, pool, pool + POOL_SIZE);
        let facts = self.pools.get(&pool).copied();
        if facts.is_none() && !near_image {
            return false;
        }
        self.recent[way] = self.span(pool, near_image, facts.flatten());
        true
    }

    /// What [`Sizer::known`] keeps of the span `pool`.
    fn span(&self, pool: usize, near_image: bool, facts: Option<PoolFacts>) -> Span {
        match facts {
            _ if near_image => Span {
                pool,
                kind: SpanKind::Image,
                ..NO_SPAN
            },
            Some(p) if p.sound && self.pymalloc => Span {
                pool,
                kind: SpanKind::Pool,
                szidx: p.szidx,
                size: p.size,
                grid: p.grid,
            },
            _ => Span { pool, ..NO_SPAN },
        }
    }

    /// The allocated size and domain of the block `[addr, addr + len)` of a live object.
    pub fn block(
        &mut self,
        py: Python<'_>,
        addr: usize,
        len: usize,
        static_hint: bool,
        fit: Fit,
    ) -> PyResult<(usize, &'static str)> {
        let near_image = self.learn(addr);
        if near_image && overlaps_image(&self.images, addr, addr + 1) {
            return Ok((len, "static"));
        }
        if self.pymalloc && (1..=SMALL_REQUEST_THRESHOLD).contains(&len) {
            if let Some(p) = self.facts(addr) {
                if let Ok(size) = pool_fit(&p, addr, len, fit) {
                    return Ok((size, "pymalloc"));
                }
            }
        }
        let info = classify_fit(py, addr, len, static_hint, fit)?;
        Ok((info.block_size.unwrap_or(info.requested), info.domain))
    }

    /// Make the span of the block at `addr` one this walk knows (its pool header read, if
    /// pymalloc's): [`Sizer::known`] then answers for its blocks. Whether a loaded image
    /// overlaps the span.
    pub fn learn(&mut self, addr: usize) -> bool {
        let pool = addr & !(POOL_SIZE - 1);
        let near_image = overlaps_image(&self.images, pool, pool + POOL_SIZE);
        let facts = if self.pymalloc && !near_image {
            self.facts(addr)
        } else {
            None
        };
        self.recent[(pool / POOL_SIZE) % RECENT_POOLS] = self.span(pool, near_image, facts);
        near_image
    }

    /// [`Sizer::known`] of the largest of `sizes` a pymalloc pool accepts, with that size.
    #[inline]
    pub fn known_pymalloc_of(
        &mut self,
        addr: usize,
        sizes: Sizes,
        fit: Fit,
    ) -> Option<(usize, usize)> {
        sizes
            .largest_first()
            .find_map(|len| match self.known(addr, len, fit)? {
                Known::Pymalloc(size) => Some((len, size)),
                Known::Static => None,
            })
    }

    /// The header of the pool holding `addr` when it is pymalloc's, read with the 15
    /// after it when it is new (`pool_facts_from`), else remembered.
    fn facts(&mut self, addr: usize) -> Option<PoolFacts> {
        let pool = addr & !(POOL_SIZE - 1);
        if let Some(&facts) = self.pools.get(&pool) {
            return facts;
        }
        let mut facts = None;
        for (p, f) in pool_facts_from(pool, &self.pools) {
            if p == pool {
                facts = f;
            }
            self.pools.insert(p, f);
        }
        facts
    }
}

/// Whether `[lo, hi)` overlaps one of the loaded images' sorted ranges.
fn overlaps_image(images: &[(usize, usize)], lo: usize, hi: usize) -> bool {
    let i = images.partition_point(|r| r.1 <= lo);
    images.get(i).is_some_and(|r| r.0 < hi)
}

/// malloc (glibc): the chunk's size word sits just before the block; bit 1 marks an
/// mmapped chunk, whose overhead the running C library is asked for once
/// (`raw::glibc::mmapped_chunk_overhead`: 16 bytes on glibc 2.36, 8 on 2.43; when its probe
/// block was not mmapped, no chunk is and the 16 is never used).
fn malloc_chunk(
    info: &mut PyBlockInfo,
    raw_start: usize,
    raw_len: usize,
    fit: Fit,
) -> Result<(), Refused> {
    // A probe: the chunk header is malloc's, outside the block it handed out.
    let h =
        header_before(info.block_address, raw_start.wrapping_sub(8), 8).map_err(Refused::Read)?;
    let word = h.uint(h.base, 8).unwrap_or(0) as usize;
    let mmapped = word & 2 != 0;
    let chunk = word & !7;
    let overhead = if mmapped {
        crate::raw::glibc::mmapped_chunk_overhead().unwrap_or(16)
    } else {
        8
    };
    let usable = chunk.saturating_sub(overhead);
    let slack = if mmapped { 2 * 4096 } else { 48 };
    if usable < raw_len || (fit != Fit::AtLeast && usable > raw_len + slack) {
        return Err(Refused::Chunk {
            raw_start,
            word,
            raw_len,
        });
    }
    info.domain = "malloc";
    info.block_size = Some(usable);
    Ok(())
}

/// Which of `candidates` (possible byte sizes of the allocation at `addr`, the first being
/// the reading CPython's own data gives) the allocator's header agrees with, ascending.
/// Static and mimalloc blocks have no header to check: only the first candidate is kept.
/// Empty when the header accepts none of them.
pub fn accepted_sizes(py: Python<'_>, addr: usize, candidates: &[usize]) -> Vec<usize> {
    memoised(|| accepted_sizes_of(py, addr, candidates))
}

fn accepted_sizes_of(py: Python<'_>, addr: usize, candidates: &[usize]) -> Vec<usize> {
    let Some(&first) = candidates.first() else {
        return Vec::new();
    };
    let mut sorted = candidates.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    if let Ok(info) = classify_with(py, addr, first, false, Fit::Exact) {
        if matches!(info.domain, "static" | "mimalloc") {
            return vec![first];
        }
    }
    // glibc: a chunk of `max(32, (n + 8 + 15) & !15)` bytes, usable size 8 less; a chunk
    // taken from a larger free one is handed out whole when the rest would be smaller than
    // MINSIZE (32), so 16 bytes more (`_int_malloc`, `remainder_size < MINSIZE`, malloc/
    // malloc.c, glibc 2.36–2.42). A malloc candidate is kept when one of those two chunks
    // has the usable size read.
    let glibc = |n: usize| ((n + 8 + 15) & !15).max(32) - 8;
    sorted.retain(|&n| match classify_with(py, addr, n, false, Fit::Exact) {
        Ok(i) if i.domain == "pymalloc" => true,
        Ok(i) if i.domain == "malloc" => {
            // Under the debug hooks the chunk also holds their header and trailer.
            let raw = if i.debug_hooks { n + DEBUG_PAD } else { n };
            i.block_size == Some(glibc(raw)) || i.block_size == Some(glibc(raw) + 16)
        }
        _ => false,
    });
    sorted
}

/// The largest of `candidates` the allocator accepts (bytes it set aside for the block
/// belong to the block); the first candidate when it accepts none, so that the check of
/// that size reports the disagreement.
pub fn resolve_size(py: Python<'_>, addr: usize, candidates: &[usize]) -> usize {
    let first = candidates.first().copied().unwrap_or(0);
    accepted_sizes(py, addr, candidates)
        .last()
        .copied()
        .unwrap_or(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_test_agrees_with_the_remainder() {
        let sizes = (1..=64u32).map(|k| k * PYMALLOC_ALIGNMENT as u32);
        for size in sizes.chain([1, 3, 7, u32::MAX]) {
            let grid = grid_of(size);
            let offsets = (0..2 * POOL_SIZE as u32).chain([u32::MAX - 1, u32::MAX]);
            for n in offsets {
                assert_eq!(on_grid(n, grid), n % size == 0, "{n} % {size}");
            }
        }
    }
}
