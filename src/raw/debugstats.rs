//! pymalloc's own report, `_PyObject_DebugMallocStats(FILE *out)`, captured into memory.
//!
//! `sys._debugmallocstats()` calls this C function with the C `stderr`; here it writes into
//! an `open_memstream(3)` buffer instead, and the text is handed to safe code to parse
//! (`crate::obmalloc`). The function is exported by the interpreter (`PyAPI_FUNC`) on every
//! supported version, 3.10–3.15, but only declared in the *internal* headers since 3.11, so
//! it is looked up at run time with `dlsym(RTLD_DEFAULT, …)` rather than linked: if a build
//! ever lacks it, `import pyhood` still works and only `obmalloc_stats()` fails, clearly.

use std::ffi::{c_char, c_int, c_void};
use std::sync::OnceLock;

use pyo3::Python;

/// `int _PyObject_DebugMallocStats(FILE *out)`: 1 when it wrote pymalloc's statistics,
/// 0 when pymalloc is not the active object allocator (it then writes nothing).
type DebugMallocStats = unsafe extern "C" fn(out: *mut libc::FILE) -> c_int;

const SYMBOL: &std::ffi::CStr = c"_PyObject_DebugMallocStats";

/// Why the report could not be captured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptureError {
    /// The running interpreter does not export `_PyObject_DebugMallocStats`.
    Missing,
    /// libc's in-memory stream failed (`open_memstream`, a write, or `fclose`).
    Stream(String),
}

/// What the C function returned and wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The function's return value: true when pymalloc is active and statistics were written.
    pub written: bool,
    /// Everything it wrote (empty when `written` is false), as UTF-8 (it writes ASCII only).
    pub text: String,
}

/// The address of `_PyObject_DebugMallocStats` in this process, looked up once.
fn function() -> Option<DebugMallocStats> {
    static ADDRESS: OnceLock<usize> = OnceLock::new();
    let address = *ADDRESS.get_or_init(|| {
        // SAFETY:
        // - RTLD_DEFAULT searches the global symbol scope, which holds the interpreter
        //   (the executable or libpython) that loaded this extension
        // - SYMBOL is a NUL-terminated 'static C string; dlsym only reads it
        // - the result is only compared with NULL and stored as an integer here
        unsafe { libc::dlsym(libc::RTLD_DEFAULT, SYMBOL.as_ptr()) as usize }
    });
    if address == 0 {
        return None;
    }
    // SAFETY:
    // - `address` is the non-NULL address dlsym returned for `_PyObject_DebugMallocStats`,
    //   a function declared `PyAPI_FUNC(int) _PyObject_DebugMallocStats(FILE *out)` in
    //   Include/cpython/objimpl.h (3.10), internal/pycore_pymem.h (3.11) and
    //   internal/pycore_obmalloc.h (3.12–3.15): exactly the C signature of DebugMallocStats
    // - data and function pointers have the same size and representation on every
    //   platform pyhood builds for (x86-64 and aarch64 Linux, where dlsym is the only way
    //   to look functions up)
    Some(unsafe { std::mem::transmute::<usize, DebugMallocStats>(address) })
}

/// Run `_PyObject_DebugMallocStats` into a memory buffer and return what it wrote.
///
/// Takes `Python<'_>` as proof that this thread holds the GIL: the function walks every
/// arena and pool of the interpreter's pymalloc state, which only the GIL holder may read.
/// It allocates nothing from pymalloc (the stream grows with libc `malloc`), so the report
/// describes the allocator exactly as it was when the call began.
pub fn capture(_py: Python<'_>) -> Result<Report, CaptureError> {
    let func = function().ok_or(CaptureError::Missing)?;
    let mut buf: *mut c_char = std::ptr::null_mut();
    let mut len: libc::size_t = 0;
    // SAFETY:
    // - `buf` and `len` are live locals that outlive the stream: open_memstream stores their
    //   addresses and updates them on fflush/fclose, which happen below in this function
    let stream = unsafe { libc::open_memstream(&mut buf, &mut len) };
    if stream.is_null() {
        return Err(CaptureError::Stream(format!(
            "open_memstream failed: {}",
            std::io::Error::last_os_error()
        )));
    }
    // SAFETY:
    // - `func` is `_PyObject_DebugMallocStats` with its exact C signature (see `function`)
    // - `stream` is a valid, open, writable FILE that nothing else uses
    // - the GIL is held (`_py`), as the function requires to walk pymalloc's arenas
    let rc = unsafe { func(stream) };
    // SAFETY:
    // - `stream` is still open; ferror only reads its error flag
    let write_failed = unsafe { libc::ferror(stream) } != 0;
    // SAFETY:
    // - `stream` is open and is closed exactly once, here; after fclose `buf` points to a
    //   malloc'd, NUL-terminated buffer holding `len` bytes of output (or is NULL on failure)
    let close_failed = unsafe { libc::fclose(stream) } != 0;
    let bytes = if buf.is_null() {
        Vec::new()
    } else {
        // SAFETY:
        // - after fclose, `buf` is a valid allocation of at least `len + 1` bytes that only
        //   this function owns; the bytes are copied out before it is freed, exactly once
        let copy = unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), len) }.to_vec();
        // SAFETY:
        // - `buf` was allocated by libc for the memstream and is freed once, by its owner
        unsafe { libc::free(buf.cast::<c_void>()) };
        copy
    };
    if write_failed || close_failed {
        return Err(CaptureError::Stream(
            "writing pymalloc's statistics into memory failed".to_owned(),
        ));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| CaptureError::Stream("the statistics were not UTF-8 text".to_owned()))?;
    Ok(Report {
        written: rc != 0,
        text,
    })
}
