//! pymalloc's pools: `struct pool_header` (`Objects/obmalloc.c` v3.10.13/v3.11.7,
//! `Include/internal/pycore_obmalloc.h` v3.12.1+; identical in every supported version) and
//! the allocator's geometry. Not probed: `pool_header` is a struct tag without a typedef,
//! and 3.10/3.11 do not install it; `obmalloc_stats` checks the geometry at run time.

use super::Ptr;

declare! {
    /// `struct pool_header`: the head of every 16 KiB pool.
    pub struct pool_header in "internal/pycore_obmalloc.h" [partial when(false)] {
        // `union { pymem_block *_padding; uint count; } ref`
        ref_count: usize = { "uint", Unsigned },
        freeblock: Ptr = { "pymem_block *", Pointer },
        nextpool: Ptr = { "struct pool_header *", Pointer },
        prevpool: Ptr = { "struct pool_header *", Pointer },
        arenaindex: u32 = { "uint", Unsigned },
        szidx: u32 = { "uint", Unsigned },
        nextoffset: u32 = { "uint", Unsigned },
        maxnextoffset: u32 = { "uint", Unsigned },
    }
}

/// pymalloc geometry on 64-bit builds with the radix tree (3.10+): `POOL_SIZE` 16 KiB
/// (`POOL_BITS` 14), `ALIGNMENT` 16, `SMALL_REQUEST_THRESHOLD` 512; `POOL_OVERHEAD` is
/// `sizeof(struct pool_header)` rounded to `ALIGNMENT` (48). Confirmed at run time against
/// the figures `_PyObject_DebugMallocStats` prints.
pub const POOL_SIZE: usize = 1 << 14;
pub const PYMALLOC_ALIGNMENT: usize = 16;
pub const SMALL_REQUEST_THRESHOLD: usize = 512;
pub const POOL_OVERHEAD: usize = pool_header::SIZE.div_ceil(PYMALLOC_ALIGNMENT) * PYMALLOC_ALIGNMENT;
