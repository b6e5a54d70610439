//! What the dynamic linker can tell: the active allocator's name (`dlsym` of
//! `_PyMem_GetCurrentAllocatorName`), and whether an address lies inside a loaded image
//! (`dladdr`; statically allocated objects). Used by `block_info`/`footprint` (guide §12.1).
//!
//! Tests: `tests/test_12_1_blocks.py` (e.g. statically allocated objects are "static").

use core::ffi::CStr;

use pyo3::prelude::*;

/// `_PyMem_GetCurrentAllocatorName()`: "pymalloc", "pymalloc_debug", "malloc",
/// "malloc_debug", "mimalloc", … (exported by every supported version; public in
/// `cpython/pymem.h` before 3.13, internal after). `None` if the symbol is absent.
pub fn allocator_name(_py: Python<'_>) -> Option<std::borrow::Cow<'static, str>> {
    // The symbol's address never changes while the interpreter is loaded: looked up once.
    static SYM: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let sym = *SYM.get_or_init(|| {
        // SAFETY:
        // - dlsym with RTLD_DEFAULT only looks a symbol up; the name is a NUL-terminated
        //   literal
        (unsafe {
            libc::dlsym(
                libc::RTLD_DEFAULT,
                c"_PyMem_GetCurrentAllocatorName".as_ptr(),
            )
        }) as usize
    }) as *mut libc::c_void;
    if sym.is_null() {
        return None;
    }
    // SAFETY:
    // - the symbol is CPython's `const char *_PyMem_GetCurrentAllocatorName(void)`
    // - the thread is attached (we hold `_py`), as CPython requires for allocator queries
    // - the result is NULL or a pointer to a static NUL-terminated string
    let name = unsafe {
        let f: extern "C" fn() -> *const core::ffi::c_char = core::mem::transmute(sym);
        let p = f();
        if p.is_null() {
            return None;
        }
        let name = CStr::from_ptr(p).to_bytes();
        // The names CPython has (Objects/obmalloc.c v3.10–v3.15), without an allocation.
        const KNOWN: &[&str] = &[
            "pymalloc",
            "pymalloc_debug",
            "malloc",
            "malloc_debug",
            "mimalloc",
            "mimalloc_debug",
        ];
        match KNOWN.iter().find(|k| k.as_bytes() == name) {
            Some(k) => std::borrow::Cow::Borrowed(*k),
            None => std::borrow::Cow::Owned(String::from_utf8_lossy(name).into_owned()),
        }
    };
    Some(name)
}

/// Whether `address` belongs to a mapped executable or shared library image (its data
/// or bss segment holds statically allocated objects such as `None` and static types):
/// inside a segment of [`image_ranges`] (given as `ranges`).
pub fn in_loaded_image(ranges: &[(usize, usize)], address: usize) -> bool {
    let i = ranges.partition_point(|r| r.1 <= address);
    ranges.get(i).is_some_and(|r| r.0 <= address)
}

/// The dynamic linker's load and unload counts (`dlpi_adds`, `dlpi_subs`), read from the
/// first object `dl_iterate_phdr` reports (it stops there): they change whenever an image
/// is loaded or unloaded.
fn load_generation() -> (u64, u64) {
    unsafe extern "C" fn first(
        info: *mut libc::dl_phdr_info,
        _size: libc::size_t,
        data: *mut libc::c_void,
    ) -> libc::c_int {
        // SAFETY: `dl_iterate_phdr` passes a valid `dl_phdr_info` for the call; `data` is
        // the `&mut (u64, u64)` below, used by nobody else meanwhile
        unsafe {
            let out = &mut *data.cast::<(u64, u64)>();
            *out = ((*info).dlpi_adds, (*info).dlpi_subs);
        }
        1 // stop after the first object
    }
    let mut g = (0u64, 0u64);
    // SAFETY: `first` only reads what the dynamic linker hands it and writes to `g`
    unsafe {
        libc::dl_iterate_phdr(Some(first), (&mut g as *mut (u64, u64)).cast());
    }
    g
}

/// [`loaded_image_ranges`], read again only when an image was loaded or unloaded since the
/// last reading (the dynamic linker's counts moved: [`load_generation`]); a segment's range
/// never changes while its image stays loaded.
pub fn image_ranges() -> std::sync::Arc<Vec<(usize, usize)>> {
    type Cached = Option<((u64, u64), std::sync::Arc<Vec<(usize, usize)>>)>;
    static CACHE: std::sync::Mutex<Cached> = std::sync::Mutex::new(None);
    let generation = load_generation();
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((g, ranges)) = cache.as_ref() {
        if *g == generation {
            return std::sync::Arc::clone(ranges);
        }
    }
    let ranges = std::sync::Arc::new(loaded_image_ranges());
    *cache = Some((generation, std::sync::Arc::clone(&ranges)));
    ranges
}

/// The address ranges of every loaded image's segments (`PT_LOAD` program headers, as
/// `dl_iterate_phdr` reports them: the executable and each shared library), sorted and
/// merged. An object in one of them is statically allocated.
fn loaded_image_ranges() -> Vec<(usize, usize)> {
    unsafe extern "C" fn each(
        info: *mut libc::dl_phdr_info,
        _size: libc::size_t,
        data: *mut libc::c_void,
    ) -> libc::c_int {
        // SAFETY:
        // - `dl_iterate_phdr` calls back on this thread with a valid `dl_phdr_info` whose
        //   `dlpi_phdr` points at `dlpi_phnum` program headers, for the call's duration
        // - `data` is the `&mut Vec` given below, used by nobody else meanwhile
        unsafe {
            let out = &mut *data.cast::<Vec<(usize, usize)>>();
            let info = &*info;
            for i in 0..info.dlpi_phnum as usize {
                let ph = &*info.dlpi_phdr.add(i);
                if ph.p_type == libc::PT_LOAD && ph.p_memsz > 0 {
                    let start = (info.dlpi_addr as usize).wrapping_add(ph.p_vaddr as usize);
                    out.push((start, start.wrapping_add(ph.p_memsz as usize)));
                }
            }
        }
        0
    }
    let mut out: Vec<(usize, usize)> = Vec::new();
    // SAFETY: `each` only reads what the dynamic linker hands it and writes to `out`
    unsafe {
        libc::dl_iterate_phdr(Some(each), (&mut out as *mut Vec<(usize, usize)>).cast());
    }
    out.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(out.len());
    for (s, e) in out {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}
