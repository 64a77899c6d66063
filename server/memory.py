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
  inside the arenas go back too.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
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


class MemoryTrimmer:
    """``request()`` runs one trim on a worker thread; requests while one runs coalesce into
    one more trim after it (so the last request is always followed by a trim)."""

    def __init__(self) -> None:
        self._running = False
        self._again = False

    def request(self) -> None:
        if _TRIM is None:
            return
        if self._running:
            self._again = True
            return
        self._running = True
        task = asyncio.get_running_loop().run_in_executor(None, _TRIM, 0)
        task.add_done_callback(self._done)

    def _done(self, future: asyncio.Future[int]) -> None:
        self._running = False
        if not future.cancelled() and future.exception() is not None:
            log.debug("malloc_trim failed: %s", future.exception())
        if self._again:
            self._again = False
            self.request()
