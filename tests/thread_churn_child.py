"""The child half of test_safety.py's thread-churn test: ``python thread_churn_child.py
[threads] [warmup]`` in a fresh interpreter (defaults: 1000 threads after 100).

Short-lived threads, one after the other, each call every public function of pyhood once
on objects of their own (see :func:`calls`), render every result with ``str``, and make
three calls that raise. Only the whole-heap walks ``gc_generations()``, ``census()`` and
``referrers()`` (milliseconds each) are left to every ``WALK_EVERY``-th thread.

Four readings are taken: at the start (after the main thread has made every call once, so
its own pipe and every lazily made piece of state exist), after a warm-up batch of threads
and after the measured batch. Each one waits until no thread but the main one is left:
``/proc/self/task``, the kernel's list of the process's threads, drops a thread only once it
has exited, after its thread-local destructors (which close its pyhood pipe) have run;
``join()`` returns before that. Then ``gc.collect()``, and the readings:

- ``fds``: entries of ``/proc/self/fd``;
- ``rss``: the resident set, ``/proc/self/statm`` field 2 (pages) times the page size;
- ``blocks``: ``sys.getallocatedblocks()``, the object allocator's live blocks;
- ``malloc``: bytes the C library's malloc has handed out and not had back, glibc's
  ``mallinfo2()`` ``uordblks + hblkhd`` (None without it); pyhood's own Rust allocations
  (its per-thread state among them) come from there.

It prints one JSON document: the functions called, any exception a thread raised, and the
readings.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import sys
import threading
import time
import weakref

import pyhood

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
WARMUP = int(sys.argv[2]) if len(sys.argv) > 2 else 100
WALK_EVERY = 50
PAGE = os.sysconf("SC_PAGE_SIZE")
INTERNED = sys.intern("pyhood thread churn")


class Plain:
    pass


def _gc_watch() -> object:
    with pyhood.gc_watch() as watch:
        pass
    return watch


def _track() -> object:
    with pyhood.track() as tracker:
        pass
    return tracker


#: How often, and how long apart, a call refused because a collection is running is tried
#: again (2 s in all, then the refusal is the thread's error).
RETRIES, RETRY_PAUSE = 400, 0.005


def _call(func, *args):
    """``func(*args)``, or the ``UnreachableStateError`` it raises where this interpreter
    keeps what it asks for out of reach (3.10's interned strings): the refusal is a path
    to run as well.

    A call that walks the collector's lists refuses while a collection is running
    (``StateValidationError``, "the collector is running"), and another thread's collection
    can be running when this thread calls: the main thread, back from ``Thread.start()``
    while this thread runs, may start one, which calls this thread's ``gc_watch`` callback
    (Python code, so the GIL may pass to this thread with the collection unfinished). Such a
    call is tried again after a pause that lets the collection end; what this test checks
    is that nothing is left behind, not when collections happen."""
    refused = None
    for _ in range(RETRIES):
        try:
            return func(*args)
        except pyhood.UnreachableStateError as exc:
            return exc
        except pyhood.StateValidationError as exc:
            if "the collector is running" not in str(exc):
                raise
            refused = exc
        time.sleep(RETRY_PAUSE)
    raise refused  # still refused after 2 s: no collection takes that long here


def calls(walk: bool) -> dict[str, object]:
    """Every public function of pyhood called once, on objects this thread made: name ->
    result (the heap walks ``gc_generations``, ``census`` and ``referrers`` only when
    ``walk``)."""
    obj = Plain()
    ref = weakref.ref(obj)
    xs = [1.5, "s" * 40, {"k": obj}, (1, 2)]
    frame = sys._getframe()
    out: dict[str, object] = {
        "header": _call(pyhood.header, xs),
        "refcnt": _call(pyhood.refcnt, xs),
        "layout": _call(pyhood.layout, xs),
        "peek": _call(pyhood.peek, xs, 0, 16),
        "block_info": _call(pyhood.block_info, xs),
        "footprint": _call(pyhood.footprint, xs[2]),
        "deep_footprint": _call(pyhood.deep_footprint, xs),
        "frame_layout": _call(pyhood.frame_layout, frame),
        "freelists": _call(pyhood.freelists),
        "gc_info": _call(pyhood.gc_info, xs),
        "intern_state": _call(pyhood.intern_state, INTERNED),
        "interned_count": _call(pyhood.interned_count),
        "is_immortal": _call(pyhood.is_immortal, xs),
        "is_small_int": _call(pyhood.is_small_int, 5),
        "weakref_count": _call(pyhood.weakref_count, obj),
        "obmalloc_stats": _call(pyhood.obmalloc_stats),
        "gc_watch": _call(_gc_watch),
        "track": _call(_track),
    }
    if walk:
        out["gc_generations"] = _call(pyhood.gc_generations)
        out["census"] = _call(pyhood.census)
        out["referrers"] = _call(pyhood.referrers, obj, 2)
    for result in out.values():
        str(result)
    # The error paths too: refused arguments must leave nothing behind either.
    for bad in (
        lambda: pyhood.peek(xs, 0, 2**63),
        lambda: pyhood.frame_layout(xs),
        lambda: pyhood.intern_state(1),
    ):
        try:
            bad()
        except (TypeError, ValueError):
            pass
    del frame, ref
    return out


ERRORS: list[str] = []


def thread_main(walk: bool) -> None:
    try:
        calls(walk)
    except BaseException as exc:  # reported to the parent, not lost with the thread
        ERRORS.append(repr(exc))


def batch(count: int, first: int) -> None:
    for i in range(first, first + count):
        t = threading.Thread(target=thread_main, args=(i % WALK_EVERY == 0,))
        t.start()
        t.join()


class _Mallinfo2(ctypes.Structure):
    """``struct mallinfo2`` (glibc 2.33+, ``malloc/malloc.h``): ten ``size_t`` fields."""

    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost"
        ).split()
    ]


def _mallinfo2():
    try:
        func = ctypes.CDLL(None).mallinfo2
    except AttributeError:  # not glibc, or glibc before 2.33
        return None
    func.restype = _Mallinfo2
    func.argtypes = []
    return func


MALLINFO2 = _mallinfo2()


def tasks() -> int:
    return len(os.listdir("/proc/self/task"))


def reading(alone: int) -> dict[str, int | None]:
    """The figures, once the process has ``alone`` threads again (waiting at most 10 s)."""
    for _ in range(1000):
        if tasks() == alone:
            break
        time.sleep(0.01)
    gc.collect()
    fds = len(os.listdir("/proc/self/fd"))
    with open("/proc/self/statm") as statm:
        rss = int(statm.read().split()[1]) * PAGE
    blocks = sys.getallocatedblocks()
    info = MALLINFO2() if MALLINFO2 else None
    malloc = None if info is None else info.uordblks + info.hblkhd
    return {"tasks": tasks(), "fds": fds, "rss": rss, "blocks": blocks, "malloc": malloc}


def main() -> None:
    alone = tasks()
    called = sorted(calls(True))
    start = reading(alone)
    batch(WARMUP, 0)
    warm = reading(alone)
    batch(THREADS, WARMUP)
    after = reading(alone)
    result = {"called": called, "errors": ERRORS, "alone": alone}
    result.update(start=start, warm=warm, after=after)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
