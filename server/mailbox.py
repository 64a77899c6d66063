"""A thread-safe FIFO feeding one asyncio consumer, with one loop wake-up per burst."""

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
    """

    __slots__ = ("_event", "_items", "_loop", "_loop_thread", "_wake_pending")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        """Create on the loop's thread (``put`` from it then skips the cross-thread wake-up)."""
        self._items: deque[Any] = deque()
        self._loop = loop
        self._loop_thread = threading.get_ident()
        self._event = asyncio.Event()
        self._wake_pending = False

    def put(self, item: Any) -> None:
        self._items.append(item)
        if threading.get_ident() == self._loop_thread:
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
        return self._items.popleft()

    def __repr__(self) -> str:
        return f"Mailbox({len(self._items)} items)"
