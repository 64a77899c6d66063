"""Readiness: the one rule behind every "ready?" answer, and the draining switch.

The server is ready when it is not draining and every configured graph and model is
ready; a servable is ready when its snapshot holds no reason against it (``Servables``:
a graph needs a valid spec and every model its nodes name, a model must be loaded). gRPC
``ServerReady``/``ModelReady``, REST ``/v2/health/ready`` and ``/v2/models/{name}/ready``
and ``grpc.health.v1`` all ask this module; an unknown name is NOT_FOUND on both
transports. ``drain()`` makes every answer "not ready" (SIGTERM, before streams drain).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from .servables import ServableStore

log = logging.getLogger(__name__)

Listener = Callable[[bool], None]
"""Called with the server's readiness whenever it may have changed (from any thread)."""


class Readiness:
    """Answers readiness over a store's current snapshot; publishes changes to listeners."""

    def __init__(self, store: ServableStore) -> None:
        self.store = store
        self._draining = False
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()
        self._last = self.server_ready()
        store.on_swap(lambda _: self._publish())

    @property
    def draining(self) -> bool:
        return self._draining

    def drain(self) -> None:
        """From now on nothing is ready (load balancers stop sending new streams)."""
        self._draining = True
        log.info("draining: readiness is now false")
        self._publish()

    def server_ready(self) -> bool:
        return not self._draining and not self.store.current.not_ready_all()

    def model_ready(self, name: str, version: str = "") -> bool:
        """Whether ``name`` (at ``version``) is ready; NOT_FOUND when it is unknown."""
        reason = self.store.current.not_ready(name, version)
        return not self._draining and reason is None

    def watch(self, listener: Listener) -> None:
        """Call ``listener`` now and on every change of the server's readiness."""
        self._listeners.append(listener)
        listener(self.server_ready())

    def _publish(self) -> None:
        ready = self.server_ready()
        with self._lock:
            if ready == self._last:
                return
            self._last = ready
        log.info("server %s", "ready" if ready else "not ready")
        for listener in self._listeners:
            listener(ready)

    def __repr__(self) -> str:
        state = "draining" if self._draining else "ready" if self.server_ready() else "not ready"
        return f"Readiness({state})"
