"""Config reload: poll the config file; a new valid config replaces the served snapshot.

A config that cannot be read or parsed keeps the current snapshot serving, and the
reason is logged. Open streams keep the graph they started with.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from pathlib import Path

from pipeserve.errors import PipeserveError

from .config import load_config
from .servables import ServableStore

log = logging.getLogger(__name__)


def _fingerprint(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class ConfigReloader:
    """Checks ``path`` every ``interval`` seconds and rebuilds the store when it changed."""

    def __init__(self, path: Path, store: ServableStore, interval: float) -> None:
        self.path = path
        self.store = store
        self.interval = interval
        self._seen = _fingerprint(path)

    async def run(self) -> None:
        """Poll until cancelled."""
        while True:
            await asyncio.sleep(self.interval)
            await self.check()

    async def check(self) -> bool:
        """Reload if the file changed; True when a new snapshot is now served."""
        current = _fingerprint(self.path)
        if current == self._seen:
            return False
        self._seen = current
        try:
            config = await asyncio.to_thread(load_config, self.path)
            servables = await asyncio.to_thread(self.store.rebuild, config)
        except PipeserveError as exc:
            log.error("config reload failed, still serving the previous config: %s", exc)
            return False
        log.info("config reloaded from %s: %s", self.path, servables)
        return True

    def __repr__(self) -> str:
        return f"ConfigReloader({str(self.path)!r}, every {self.interval}s)"
