//! What the C library's malloc itself says about its chunks, learned once from a block of
//! pyhood's own: how many bytes of an mmapped chunk are not usable. glibc 2.36 puts both
//! header words inside the chunk (usable = chunk size - 16); glibc 2.43 starts the chunk
//! 16 bytes into the mapping and lends it the word after it (usable = chunk size - 8), so
//! the overhead is measured rather than assumed.

use std::sync::OnceLock;

use super::mem;

/// Larger than glibc's largest dynamic mmap threshold (`DEFAULT_MMAP_THRESHOLD_MAX`, 32 MiB
/// on 64-bit, malloc/malloc.c): always served by its own mapping, and freeing it does not
/// move the threshold. Never touched, so it costs no resident memory.
const PROBE_BYTES: usize = 64 << 20;

/// Chunk size minus usable size of an mmapped chunk on the running C library, or `None`
/// when the probe block was not mmapped or the answer is not one glibc gives (8 or 16).
pub fn mmapped_chunk_overhead() -> Option<usize> {
    static OVERHEAD: OnceLock<Option<usize>> = OnceLock::new();
    *OVERHEAD.get_or_init(measure)
}

fn measure() -> Option<usize> {
    // SAFETY:
    // - `malloc` may be called from any thread; a null result is handled
    let p = unsafe { libc::malloc(PROBE_BYTES) };
    if p.is_null() {
        return None;
    }
    // A probe: the chunk header is malloc's, outside the block it handed out.
    let word = mem::probe_usize(p as usize - 8).ok();
    // SAFETY:
    // - `p` was returned by `malloc` above and not freed yet: `malloc_usable_size` reads its
    //   chunk header only
    let usable = unsafe { libc::malloc_usable_size(p) };
    // SAFETY:
    // - `p` came from `malloc` and is freed exactly once, here; nothing keeps it
    unsafe { libc::free(p) };
    let word = word?;
    let chunk = word & !7;
    let overhead = chunk.checked_sub(usable)?;
    (word & 2 != 0 && matches!(overhead, 8 | 16)).then_some(overhead)
}
