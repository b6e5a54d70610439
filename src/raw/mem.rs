//! Fault-free reads of this process's own memory.
//!
//! Every read of memory that pyhood did not get from a live, borrowed Python object goes
//! through [`read`] or [`probe`]: the kernel copies the range and reports `EFAULT` for
//! unmapped addresses instead of raising `SIGSEGV`. Small ranges are written into a private
//! pipe and read back (`write(2)` reports `EFAULT` too; two cheap syscalls), larger ones are
//! copied by `process_vm_readv(2)` on our own pid, with the pipe as the fallback where that
//! syscall is refused (seccomp, old kernels).
//!
//! Two kinds of read:
//! - [`read`]: a range pyhood relies on, inside one object, block or static image. Its bytes
//!   are copied as they are, padding and unused capacity included: a snapshot of a live
//!   object, whose padding bytes have unspecified values that pyhood shows as raw bytes.
//! - [`probe`]: a range that may reach past the end of any allocation by design: an
//!   allocator's own header before a block, a bounded search that reads a struct's
//!   neighbourhood, the 8-byte granule holding a C string's last bytes. The caller uses
//!   only what it then proves (a header must agree with the block, a candidate must pass
//!   its proof) or asserts (a C string's bytes up to its NUL: [`assert_addressable`]).
//!
//! Under valgrind's memcheck (detected once per process: valgrind puts its preload library
//! in `LD_PRELOAD`) the copy itself is what memcheck cannot judge: it checks every byte the
//! kernel reads for `write(2)`, so a pipe read of a live object's padding is reported as
//! uninitialised and a probe as unaddressable. There every copy goes through
//! `process_vm_readv`, whose source memcheck does not check, and every [`read`] then asks
//! memcheck about exactly its range: a `read(2)` into the range from a pipe that has no
//! writer. Memcheck checks that a `read(2)` buffer is addressable (not that it is defined)
//! and reports any byte outside the program's allocations, with pyhood's frames; the kernel
//! returns end-of-file without writing a byte. So a read that runs past the end of a block,
//! the bug a memory inspector can have, is reported, and padding is not. What memcheck then
//! cannot see: the bytes copied are defined in its eyes, so whether pyhood decides anything
//! from a byte that was undefined is not checked. (`tests/test_valgrind.py` runs this.)

use std::cell::RefCell;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Once, OnceLock};

/// Largest single read pyhood will ever make (a bound on every copy).
pub const MAX_READ: usize = 64 << 20;

/// Why a read failed; turned into `pyhood.MemoryReadError` at the Python boundary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    pub address: usize,
    pub len: usize,
    pub reason: &'static str,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot read {} bytes at {:#x}: {}",
            self.len, self.address, self.reason
        )
    }
}

fn fail(address: usize, len: usize, reason: &'static str) -> ReadError {
    ReadError {
        address,
        len,
        reason,
    }
}

/// Copy `len` bytes starting at `address` without ever faulting: a range pyhood relies on.
pub fn read(address: usize, len: usize) -> Result<Vec<u8>, ReadError> {
    if len > MAX_READ {
        return Err(fail(address, len, "larger than pyhood's read limit"));
    }
    let mut buf = vec![0u8; len];
    read_into(address, &mut buf)?;
    Ok(buf)
}

/// Fill `buf` from `address` without ever faulting: a range pyhood relies on.
pub fn read_into(address: usize, buf: &mut [u8]) -> Result<(), ReadError> {
    copy(address, buf)?;
    assert_addressable(address, buf.len());
    Ok(())
}

/// Copy `len` bytes starting at `address` without ever faulting: a probe, whose range may
/// reach past the end of any allocation (see the module documentation).
pub fn probe(address: usize, len: usize) -> Result<Vec<u8>, ReadError> {
    if len > MAX_READ {
        return Err(fail(address, len, "larger than pyhood's read limit"));
    }
    let mut buf = vec![0u8; len];
    copy(address, &mut buf)?;
    Ok(buf)
}

/// The smallest page size: memory is mapped, and protected, in whole pages of 4 KiB or a
/// multiple of it.
const PAGE: usize = 4096;

/// `buf.len()` bytes at `address` copied directly, when they lie on the same 4 KiB page as
/// `mapped`: a byte the caller may read directly (of a live object's allocation or a block
/// it owns: points 1 and 2 of the rule in `raw`). Memory is mapped and protected a page at
/// a time, so those bytes cannot fault: an allocator's header right before a block is
/// read without a syscall. Whether the copy was made; where it was not (the bytes reach
/// another page, memcheck runs and the bytes may be an allocator's redzone, or the CPU is
/// not x86-64, where arm64's memory tagging can fault on bytes tagged apart from the
/// block), the caller probes.
pub fn copy_beside(mapped: usize, address: usize, buf: &mut [u8]) -> bool {
    let Some(last) = address
        .checked_add(buf.len())
        .and_then(|e| e.checked_sub(1))
    else {
        return false;
    };
    let same_page = address / PAGE == mapped / PAGE && last / PAGE == mapped / PAGE;
    if !same_page || !cfg!(target_arch = "x86_64") || under_memcheck() {
        return false;
    }
    // SAFETY:
    // - `mapped` is a byte the caller may read directly (a live object's allocation or a
    //   block it owns, points 1 and 2 of the rule in `raw`), so its page is mapped and
    //   readable; `[address, address + len)` lies on that same page (checked above), and
    //   page protection covers whole pages: the copy cannot fault
    // - on x86-64 no finer-grained tag guards the bytes; under memcheck this path is not
    //   taken (they may be a redzone it would report)
    // - `buf` is a distinct buffer of exactly `len` bytes; a byte copy makes no assumption
    //   about the bytes' values
    unsafe { core::ptr::copy_nonoverlapping(address as *const u8, buf.as_mut_ptr(), buf.len()) };
    true
}

/// Under memcheck, have it check that `[address, address + len)` is addressable: a range
/// pyhood relies on that was read through a probe (a C string found granule by granule).
/// Nothing happens otherwise.
pub fn assert_addressable(address: usize, len: usize) {
    if len == 0 || !under_memcheck() {
        return;
    }
    let Some(fd) = writerless_pipe() else {
        return;
    };
    // SAFETY:
    // - `fd` is the read end of a pipe whose only write end was closed right after `pipe2`
    //   created it (never shared, so no descriptor anywhere can write into it, in this
    //   process or a forked child): `read(2)` returns end-of-file at once and the kernel
    //   writes nothing to the buffer, which pyhood never writes to
    // - the call only lets memcheck check the buffer argument of `read(2)`, as it checks
    //   every syscall's; its result (0) says nothing and is ignored
    unsafe { libc::read(fd, address as *mut libc::c_void, len) };
}

/// Whether valgrind's memcheck runs this process: valgrind starts the program with its
/// preload libraries in `LD_PRELOAD` (and takes them out again for programs it does not
/// trace). Read once, on pyhood's first read.
pub fn under_memcheck() -> bool {
    static MEMCHECK: OnceLock<bool> = OnceLock::new();
    *MEMCHECK.get_or_init(|| {
        std::env::var_os("LD_PRELOAD").is_some_and(|v| {
            v.as_encoded_bytes()
                .windows(b"vgpreload_memcheck".len())
                .any(|w| w == b"vgpreload_memcheck")
        })
    })
}

/// The read end of a pipe with no write end (under memcheck only: one descriptor for the
/// life of the process), or `None` if no pipe could be made.
fn writerless_pipe() -> Option<libc::c_int> {
    static FD: OnceLock<Option<libc::c_int>> = OnceLock::new();
    *FD.get_or_init(|| {
        let mut fds = [0 as libc::c_int; 2];
        // SAFETY:
        // - `fds` is a valid, writable array of two ints as pipe2 requires
        let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) };
        if rc != 0 {
            return None;
        }
        // SAFETY:
        // - `fds[1]` is the write end pipe2 just opened, closed here once and never used
        unsafe { libc::close(fds[1]) };
        Some(fds[0])
    })
}

/// Fill `buf` from `address` without ever faulting, asserting nothing.
fn copy(address: usize, buf: &mut [u8]) -> Result<(), ReadError> {
    let len = buf.len();
    if len == 0 {
        return Ok(());
    }
    if address == 0 {
        return Err(fail(address, len, "null pointer"));
    }
    if len > MAX_READ {
        return Err(fail(address, len, "larger than pyhood's read limit"));
    }
    if address.checked_add(len).is_none() || address.checked_add(len).unwrap() > (1usize << 47) {
        return Err(fail(address, len, "not a user-space address range"));
    }
    // Small reads through the pipe cost two cheap syscalls; `process_vm_readv` pins pages
    // and costs more per call, but copies large ranges in one go (measured on x86-64 Linux).
    // Under memcheck every copy is `process_vm_readv`'s (see the module documentation).
    if len <= PIPE_CHUNK && !under_memcheck() {
        return pipe_read(address, buf);
    }
    match vm_readv(address, buf) {
        Ok(()) => Ok(()),
        Err(VmErr::Fault) => Err(fail(address, len, "memory is not mapped")),
        Err(VmErr::Unavailable) => pipe_read(address, buf),
    }
}

/// Probes of several ranges ([`probe`]) in as few syscalls as possible: small batches
/// (allocator headers) in one `writev` into the pipe and one `read` back; a batch that
/// faults anywhere (a pipe keeps no partly copied page), a large one or one under memcheck,
/// range by range. Each result is the range's bytes, or `None` where it is not mapped.
pub fn probe_many(ranges: &[(usize, usize)]) -> Vec<Option<Vec<u8>>> {
    let total: usize = ranges.iter().map(|r| r.1).sum();
    let batchable = total <= PIPE_CHUNK
        && !under_memcheck()
        && ranges
            .iter()
            .all(|&(a, n)| n > 0 && a != 0 && a.checked_add(n).is_some_and(|e| e <= 1usize << 47));
    if batchable {
        if let Some(all) = pipe_readv(ranges, total) {
            let mut at = 0;
            return ranges
                .iter()
                .map(|&(_, n)| {
                    at += n;
                    Some(all[at - n..at].to_vec())
                })
                .collect();
        }
    }
    ranges.iter().map(|&(a, n)| probe(a, n).ok()).collect()
}

/// Read one native-endian machine word.
pub fn read_usize(address: usize) -> Result<usize, ReadError> {
    let mut b = [0u8; 8];
    read_into(address, &mut b)?;
    Ok(usize::from_ne_bytes(b))
}

/// Read one native-endian machine word through a probe ([`probe`]).
pub fn probe_usize(address: usize) -> Result<usize, ReadError> {
    let mut b = [0u8; 8];
    copy(address, &mut b)?;
    Ok(usize::from_ne_bytes(b))
}

enum VmErr {
    Fault,
    Unavailable,
}

fn vm_readv(address: usize, buf: &mut [u8]) -> Result<(), VmErr> {
    let local = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let remote = libc::iovec {
        iov_base: address as *mut libc::c_void,
        iov_len: buf.len(),
    };
    // SAFETY:
    // - `local` describes `buf`, a live, writable, exclusively borrowed buffer of iov_len bytes
    // - `remote` is only read by the kernel, which validates it and reports EFAULT instead of
    //   faulting; no Rust reference to that memory is created
    // - the pid is our own, so the call cannot affect another process
    let n = unsafe { libc::process_vm_readv(own_pid(), &local, 1, &remote, 1, 0) };
    if n == buf.len() as isize {
        return Ok(());
    }
    if n >= 0 {
        // A partial read means the range crosses into unmapped memory.
        return Err(VmErr::Fault);
    }
    match std::io::Error::last_os_error().raw_os_error() {
        Some(libc::EFAULT) | Some(libc::ESRCH) => Err(VmErr::Fault),
        _ => Err(VmErr::Unavailable),
    }
}

/// Largest write that a pipe takes atomically (`PIPE_BUF` on Linux).
const PIPE_CHUNK: usize = 4096;

/// A thread's private pipe and the fork generation that created it: a forked child must
/// not share its parent's pipe, or the two processes could read each other's bytes. Both
/// ends are closed when it is dropped: when it is replaced after a fork, and when its
/// thread exits (thread-local destructor), so short-lived threads leave no descriptor.
struct Pipe {
    fds: [libc::c_int; 2],
    generation: u64,
}

impl Drop for Pipe {
    fn drop(&mut self) {
        for fd in self.fds {
            // SAFETY:
            // - `fd` is an end of this pipe, opened by `pipe2` for this thread (or inherited
            //   by a forked child as its own copy) and closed only here, once
            unsafe { libc::close(fd) };
        }
    }
}

thread_local! {
    /// This thread's pipe, made on its first pipe read.
    static PIPE: RefCell<Option<Pipe>> = const { RefCell::new(None) };
}

/// Bumped in every forked child (a `pthread_atfork` handler), so pipes made before the fork
/// are recognised as inherited without a `getpid` call per read.
static FORK_GENERATION: AtomicU64 = AtomicU64::new(0);
static ATFORK: Once = Once::new();

extern "C" fn after_fork_in_child() {
    FORK_GENERATION.fetch_add(1, Ordering::SeqCst);
    PID.store(0, Ordering::SeqCst);
}

/// This process's pid, asked once per process (glibc's `getpid` is a syscall each time);
/// a forked child asks again (the atfork handler clears it).
static PID: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

fn own_pid() -> libc::pid_t {
    fork_generation(); // registers the atfork handler that clears PID in a child
    let pid = PID.load(Ordering::SeqCst);
    if pid != 0 {
        return pid;
    }
    // SAFETY: getpid has no preconditions
    let pid = unsafe { libc::getpid() };
    PID.store(pid, Ordering::SeqCst);
    pid
}

fn fork_generation() -> u64 {
    ATFORK.call_once(|| {
        // SAFETY:
        // - registers a child handler that only touches an atomic (async-signal-safe)
        // - called once per process; no prepare/parent handlers
        unsafe { libc::pthread_atfork(None, None, Some(after_fork_in_child)) };
    });
    FORK_GENERATION.load(Ordering::SeqCst)
}

/// Run `f` with this thread's pipe (read end, write end), made on first use and made anew
/// in a forked child; `None` when no pipe can be made.
fn with_pipe<T>(f: impl FnOnce(libc::c_int, libc::c_int) -> T) -> Option<T> {
    let generation = fork_generation();
    PIPE.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.as_ref().is_some_and(|p| p.generation != generation) {
            *slot = None; // inherited from before a fork: its ends are closed by `Drop`
        }
        if slot.is_none() {
            let mut fds = [0 as libc::c_int; 2];
            // SAFETY:
            // - `fds` is a valid, writable array of two ints as pipe2 requires
            let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) };
            if rc != 0 {
                return None;
            }
            *slot = Some(Pipe { fds, generation });
        }
        let [rfd, wfd] = slot.as_ref().expect("pipe was just created").fds;
        Some(f(rfd, wfd))
    })
}

/// Empty the pipe after a write that stopped short, so it is empty for the next call.
fn drain(rfd: libc::c_int) {
    let mut scratch = [0u8; PIPE_CHUNK];
    // SAFETY:
    // - `scratch` is a valid writable buffer of PIPE_CHUNK bytes; `rfd` is our pipe's read end
    //   (non-blocking: an empty pipe returns at once)
    unsafe { libc::read(rfd, scratch.as_mut_ptr().cast(), PIPE_CHUNK) };
}

/// `write(2)` the range into a private non-blocking pipe and read it back.
fn pipe_read(address: usize, buf: &mut [u8]) -> Result<(), ReadError> {
    const CHUNK: usize = PIPE_CHUNK;
    let len = buf.len();
    let done = with_pipe(|rfd, wfd| {
        let mut done = 0usize;
        while done < len {
            let n = CHUNK.min(len - done);
            // SAFETY:
            // - the kernel reads `n` bytes at address+done and reports EFAULT rather than
            //   faulting if any of them is unmapped; we never form a reference to that memory
            // - `wfd` is our own pipe's write end
            let w = unsafe { libc::write(wfd, (address + done) as *const libc::c_void, n) };
            if w != n as isize {
                drain(rfd);
                return Err(fail(address, len, "memory is not mapped"));
            }
            // SAFETY:
            // - buf[done..done+n] is in bounds (done + n <= len) and exclusively borrowed
            // - `rfd` holds exactly the n bytes just written
            let r = unsafe { libc::read(rfd, buf[done..].as_mut_ptr().cast(), n) };
            if r != n as isize {
                return Err(fail(address, len, "pipe read-back failed"));
            }
            done += n;
        }
        Ok(())
    });
    done.unwrap_or_else(|| Err(fail(address, len, "no fault-free read is available")))
}

/// `writev(2)` the `ranges` (`total` bytes in all, at most `PIPE_CHUNK`) into the pipe in
/// one call and read them back in one: all their bytes, or `None` when any range faults or
/// no pipe is available.
fn pipe_readv(ranges: &[(usize, usize)], total: usize) -> Option<Vec<u8>> {
    let remote: Vec<libc::iovec> = ranges
        .iter()
        .map(|&(a, n)| libc::iovec {
            iov_base: a as *mut libc::c_void,
            iov_len: n,
        })
        .collect();
    with_pipe(|rfd, wfd| {
        // SAFETY:
        // - the kernel reads the `remote` ranges in order and reports EFAULT rather than
        //   faulting if any byte is unmapped; we never form a reference to that memory;
        //   `wfd` is our own pipe's write end
        let w = unsafe { libc::writev(wfd, remote.as_ptr(), remote.len() as libc::c_int) };
        if w != total as isize {
            drain(rfd);
            return None;
        }
        let mut all = vec![0u8; total];
        // SAFETY:
        // - `all` is a valid writable buffer of `total` bytes; `rfd` holds the `total` bytes
        //   just written
        let r = unsafe { libc::read(rfd, all.as_mut_ptr().cast(), total) };
        (r == w).then_some(all)
    })
    .flatten()
}

/// Little-endian decoding helpers over a byte buffer that was read at `base`.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub base: usize,
    pub bytes: Vec<u8>,
}

impl Snapshot {
    /// A snapshot of a range pyhood relies on ([`read`]).
    pub fn take(base: usize, len: usize) -> Result<Self, ReadError> {
        Ok(Self {
            base,
            bytes: read(base, len)?,
        })
    }

    /// A snapshot of a range that may reach past any allocation ([`probe`]).
    pub fn probe(base: usize, len: usize) -> Result<Self, ReadError> {
        Ok(Self {
            base,
            bytes: probe(base, len)?,
        })
    }

    /// The bytes at `[addr, addr + len)`, if the snapshot covers them.
    pub fn slice(&self, addr: usize, len: usize) -> Option<&[u8]> {
        let start = addr.checked_sub(self.base)?;
        let end = start.checked_add(len)?;
        self.bytes.get(start..end)
    }

    pub fn uint(&self, addr: usize, len: usize) -> Option<u64> {
        let s = self.slice(addr, len)?;
        let mut b = [0u8; 8];
        b[..len.min(8)].copy_from_slice(&s[..len.min(8)]);
        Some(u64::from_le_bytes(b))
    }

    pub fn int(&self, addr: usize, len: usize) -> Option<i64> {
        let u = self.uint(addr, len)?;
        let shift = 64 - 8 * (len.min(8) as u32);
        Some(((u << shift) as i64) >> shift)
    }

    pub fn word(&self, addr: usize) -> Option<usize> {
        self.uint(addr, 8).map(|v| v as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_beside_a_mapped_byte_only_on_its_page() {
        let buf: Vec<u8> = (0..3 * PAGE).map(|i| i as u8).collect();
        let base = buf.as_ptr() as usize;
        let page = base.div_ceil(PAGE) * PAGE; // a page boundary inside the buffer
        let mut out = [0u8; 8];
        let copied = copy_beside(page + 100, page + 92, &mut out);
        assert_eq!(copied, cfg!(target_arch = "x86_64") && !under_memcheck());
        if copied {
            let at = page + 92 - base;
            assert_eq!(out[..], buf[at..at + 8]);
        }
        // Bytes reaching the page before the mapped byte's are not copied.
        assert!(!copy_beside(page + 4, page - 4, &mut out));
        assert!(!copy_beside(page + PAGE - 1, page + PAGE - 4, &mut out));
    }

    #[test]
    fn reads_own_stack_and_refuses_null_and_unmapped() {
        let x: u64 = 0x1122_3344_5566_7788;
        let addr = &x as *const u64 as usize;
        assert_eq!(read(addr, 8).unwrap(), x.to_ne_bytes());
        assert!(read(0, 8).is_err());
        assert!(read(8, 8).is_err());
        let mut b = [0u8; 8];
        assert!(pipe_read(addr, &mut b).is_ok());
        assert_eq!(b, x.to_ne_bytes());
        assert!(pipe_read(16, &mut b).is_err());
    }

    #[test]
    fn probe_many_reads_each_range_and_goes_on_after_one_that_faults() {
        let xs: [u64; 3] = [1, 2, 3];
        let at = |i: usize| &xs[i] as *const u64 as usize;
        let got = probe_many(&[(at(0), 8), (16, 8), (at(1), 16), (0, 8), (at(2), 8)]);
        assert_eq!(got[0].as_deref(), Some(&1u64.to_ne_bytes()[..]));
        assert_eq!(got[1], None);
        let two_three: Vec<u8> = [2u64, 3].iter().flat_map(|v| v.to_ne_bytes()).collect();
        assert_eq!(got[2].as_deref(), Some(&two_three[..]));
        assert_eq!(got[3], None);
        assert_eq!(got[4].as_deref(), Some(&3u64.to_ne_bytes()[..]));
    }
}
