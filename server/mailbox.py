"""A thread-safe FIFO feeding one asyncio consumer, bounded in bytes, one wake-up per burst."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from typing import Any

log = logging.getLogger(__name__)


class Mailbox:
    """``put`` from any thread, ``await get()`` on the loop; items keep their order.

    Producers append and schedule a wake-up only when none is pending, so a burst of
    packets from a graph worker costs the event loop one wake-up, not one per packet.

    Each item carries a size in bytes. While the held bytes reach ``limit``, ``full`` is
    true: the loop side waits in ``wait_for_room`` (the stream stops reading requests) and a
    ``put`` of a sized item from another thread blocks until the consumer catches up (the
    graph stalls). A ``put`` on the loop's own thread, or of size 0, never blocks. ``close`` drops what is held, releases
    every waiter and turns later puts into no-ops.
    """

    __slots__ = (
        "_bytes",
        "_closed",
        "_event",
        "_items",
        "_limit",
        "_lock",
        "_loop",
        "_loop_thread",
        "_room",
        "_room_event",
        "_wake_pending",
    )

    def __init__(self, loop: asyncio.AbstractEventLoop, limit: int = 0) -> None:
        """Create on the loop's thread; ``limit`` is in bytes (0: unbounded)."""
        self._items: deque[tuple[Any, int]] = deque()
        self._loop = loop
        self._loop_thread = threading.get_ident()
        self._event = asyncio.Event()
        self._room_event = asyncio.Event()
        self._wake_pending = False
        self._limit = limit
        self._bytes = 0
        self._closed = False
        self._lock = threading.Lock()
        self._room = threading.Condition(self._lock)

    @property
    def held_bytes(self) -> int:
        """Bytes of the items not yet taken."""
        return self._bytes

    @property
    def full(self) -> bool:
        return 0 < self._limit <= self._bytes and not self._closed

    def put(self, item: Any, size: int = 0) -> None:
        on_loop = threading.get_ident() == self._loop_thread
        with self._lock:
            if size and not on_loop:
                self._room.wait_for(lambda: not self.full)
            if self._closed:
                return
            self._items.append((item, size))
            self._bytes += size
        if on_loop:
            self._event.set()
            return
        if self._wake_pending:
            return
        self._wake_pending = True
        try:
            self._loop.call_soon_threadsafe(self._wake)
        except RuntimeError:  # the loop is closed: nobody will read this any more
            log.debug("mailbox item dropped: loop closed")

    def _wake(self) -> None:
        self._wake_pending = False
        self._event.set()

    async def get(self) -> Any:
        while not self._items:
            self._event.clear()
            if self._items:
                break
            await self._event.wait()
        with self._lock:
            item, size = self._items.popleft()
            was_full = self.full
            self._bytes -= size
            if was_full and not self.full:
                self._room.notify_all()
                self._room_event.set()
        return item

    async def wait_for_room(self) -> None:
        """On the loop: return once the held bytes are under the limit (or on close)."""
        while self.full:
            self._room_event.clear()
            if not self.full:
                return
            await self._room_event.wait()

    def close(self) -> None:
        """On the loop: drop every held item and release all waiters; later puts are ignored."""
        with self._lock:
            self._closed = True
            self._items.clear()
            self._bytes = 0
            self._room.notify_all()
        self._room_event.set()

    def __repr__(self) -> str:
        return f"Mailbox({len(self._items)} items, {self._bytes} bytes)"
