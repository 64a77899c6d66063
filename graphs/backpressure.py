"""Back-pressure: writers into a graph wait while some node input is full.

A node input is full when it holds ``max_queue_size`` packets. A writer waits for room
unless the graph is stalled (no node running, or halted): then it needs this very packet
to make progress, so the packet goes in over the limit (MediaPipe does the same).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from pipeserve.errors import QueueFullError

from .input_queue import InputQueue


class BackPressure:
    """The input-queue limit of one graph run; every method runs under the graph lock."""

    __slots__ = ("_cond", "_deques", "_graph", "limit", "waiters")

    def __init__(
        self, limit: int, queues: Sequence[InputQueue], cond: threading.Condition, graph: str
    ) -> None:
        self.limit = limit
        self._deques = [q.packets for q in queues]
        """The queues' deques (each queue keeps its own for life): ``full`` measures them
        in one C-level pass, as each graph input packet asks."""
        self._cond = cond
        self._graph = graph
        self.waiters = 0
        """Writers blocked in ``wait_for_room``: while non-zero, the scheduler notifies the
        condition when a node takes a full queue below ``limit``."""

    def full(self) -> bool:
        """True when some node input holds the limit (a limit of 0 or less: never)."""
        limit = self.limit
        return limit > 0 and bool(self._deques) and max(map(len, self._deques)) >= limit

    def wait_for_room(self, timeout: float | None, stalled: Callable[[], bool]) -> None:
        """Block while full and not ``stalled()``; ``timeout=0`` fails at once instead.

        Raises QueueFullError when the timeout passes first.
        """
        if not self.full():
            return
        if timeout is not None and timeout <= 0 and not stalled():
            raise QueueFullError(f"graph {self._graph!r}: input queues are full")
        self.waiters += 1
        try:
            room = self._cond.wait_for(lambda: stalled() or not self.full(), timeout)
        finally:
            self.waiters -= 1
        if not room:
            raise QueueFullError(f"graph {self._graph!r}: input queues are full")
