"""A small worker pool: threads started on demand, fed through a C-level queue."""

from __future__ import annotations

import threading
from collections.abc import Callable
from queue import SimpleQueue
from typing import Any

_STOP = object()


class WorkerPool:
    """Runs ``task(arg)`` calls on up to ``size`` daemon threads; cheaper than futures.

    A thread is started whenever the waiting threads cannot cover the queued calls.
    ``shutdown()`` lets running calls finish, drops queued ones, and ends every thread.
    """

    def __init__(self, size: int, name: str) -> None:
        self._size = size
        self._name = name
        self._queue: SimpleQueue[Any] = SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._waiting = 0  # threads blocked on the queue
        self._queued = 0  # calls put and not yet taken
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, task: Callable[[Any], None], arg: Any) -> None:
        """Queue one call (ignored after shutdown)."""
        with self._lock:
            if self._closed:
                return
            self._queued += 1
            if self._waiting < self._queued and len(self._threads) < self._size:
                thread = threading.Thread(
                    target=self._work, name=f"{self._name}-{len(self._threads)}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
        self._queue.put((task, arg))

    def shutdown(self) -> None:
        """Stop taking work; threads exit once their current call returns."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            count = len(self._threads)
        for _ in range(count):
            self._queue.put(_STOP)

    def _work(self) -> None:
        lock = self._lock
        while True:
            with lock:
                self._waiting += 1
            item = self._queue.get()
            with lock:
                self._waiting -= 1
                if item is not _STOP:
                    self._queued -= 1
            if item is _STOP:
                return
            if not self._closed:
                task, arg = item
                task(arg)
