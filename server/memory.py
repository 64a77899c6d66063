"""Give freed heap memory back to the OS after a burst of graphs ends (glibc only).

glibc keeps freed memory in its per-thread arenas; after hundreds of graph instances start
and end at once, the process would keep that peak as resident memory. ``malloc_trim``
returns the free pages; elsewhere this is a no-op.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)


def _load_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


_TRIM = _load_trim()


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
