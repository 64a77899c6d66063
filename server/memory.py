"""Give freed heap memory back to the OS after a burst of graphs ends (glibc only).

glibc keeps freed memory in its per-thread arenas; after hundreds of graph instances start
and end at once, the process would keep that peak as resident memory. Two measures,
no-ops elsewhere:

- ``tune_allocator()`` (at start) fixes glibc's thresholds. By default, each time a large
  block is freed glibc raises its trim threshold to twice that block's size (up to 64 MiB),
  and the free top of a thread arena is only ever returned above that threshold
  (``malloc_trim`` does not shrink thread arenas). Graph threads free infer-request tensors
  and frames of a few MiB, so each of the up to 8-per-CPU arenas kept tens of MiB after a
  burst. Fixed: arena tops above 2 MiB go back to the OS, blocks up to 4 MiB stay in the
  arenas (frames and tensors reuse memory, no page faults for each), and 2 arenas per CPU
  (less memory stranded in arenas; threads beyond that share them).
- ``MemoryTrimmer`` runs ``malloc_trim`` when the last graph of a burst ends: the free pages
  inside the arenas go back too, and so do the buffers OpenVINO's TBB allocator keeps
  (~10 MiB after 150 holistic streams open at once). After a burst of at least
  ``COLLECT_AFTER_STREAMS`` streams at once it first runs Python's cycle collector: ended
  graphs are object cycles, and Python may not look at them for a long time (150 ended
  holistic graphs: ~790,000 objects, ~27 MiB).
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import logging
import os
from collections.abc import Callable

from pipeserve.cpus import available_cpus, worker_share

log = logging.getLogger(__name__)


M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
TRIM_THRESHOLD = 2 << 20
"""A thread arena's free top above this goes back to the OS."""
MMAP_THRESHOLD = 4 << 20
"""Blocks from this size on get their own mapping (unmapped when freed)."""
ARENAS_PER_CPU = 2
COLLECT_AFTER_STREAMS = 32
"""A burst with this many streams open at once ends with a full garbage collection (one
stream after another never does: a collection holds the GIL for ~0.1-0.5 s)."""
TBB_MALLOC = "libtbbmalloc.so.2"
TBBMALLOC_CLEAN_ALL_BUFFERS = 0


def _libc_function(name: str) -> Callable[..., int] | None:
    path = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(path), name) if path else None
    except (OSError, AttributeError):
        return None


_TRIM = _libc_function("malloc_trim")
_MALLOPT = _libc_function("mallopt")


def tune_allocator() -> None:
    """Fix glibc's trim and mmap thresholds and its arena count (see the module doc); once,
    at start, before the graph threads allocate."""
    if _MALLOPT is None:
        return
    arenas = ARENAS_PER_CPU * (worker_share() or available_cpus())
    for option, value in (
        (M_TRIM_THRESHOLD, TRIM_THRESHOLD),
        (M_MMAP_THRESHOLD, MMAP_THRESHOLD),
        (M_ARENA_MAX, arenas),
    ):
        if not _MALLOPT(option, value):
            log.debug("mallopt(%d, %d) refused", option, value)


def _tbb_clean() -> None:
    """Let TBB's allocator (loaded by OpenVINO, if it is) give back its free buffers."""
    try:
        tbb = ctypes.CDLL(TBB_MALLOC, mode=os.RTLD_NOLOAD | os.RTLD_LAZY)
    except OSError:
        return  # not loaded: nothing to clean
    tbb.scalable_allocation_command(TBBMALLOC_CLEAN_ALL_BUFFERS, None)


def give_back(collect: bool) -> None:
    """Return free heap memory to the OS now (after a full collection if ``collect``)."""
    if collect:
        gc.collect()
    if _TRIM is not None:
        _TRIM(0)
    _tbb_clean()


class MemoryTrimmer:
    """``request()`` gives memory back on a worker thread; requests while that runs coalesce
    into one more after it (so the last request is always followed by one)."""

    def __init__(self) -> None:
        self._running = False
        self._again = False
        self._peak = 0

    def opened(self, streams: int) -> None:
        """``streams`` are open now (the burst's peak decides on a garbage collection)."""
        self._peak = max(self._peak, streams)

    def request(self) -> asyncio.Future[None] | None:
        """The last stream of a burst ended: the run started (None: one more after the
        current one)."""
        if self._running:
            self._again = True
            return None
        self._running = True
        collect, self._peak = self._peak >= COLLECT_AFTER_STREAMS, 0
        task = asyncio.get_running_loop().run_in_executor(None, give_back, collect)
        task.add_done_callback(self._done)
        return task

    def _done(self, future: asyncio.Future[None]) -> None:
        self._running = False
        if not future.cancelled() and future.exception() is not None:
            log.debug("giving memory back failed: %s", future.exception())
        if self._again:
            self._again = False
            self.request()
