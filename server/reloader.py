"""Config reload: poll the config file and the model folders; a new valid config replaces
the served snapshot.

A reload happens when the config file changes (its content or its modification time, so
``touch config.json`` reloads) or when a model's version folders change (a version folder
or a file in one appears or goes, as OVMS polls them). A config that cannot be read or
parsed keeps the current snapshot serving, and the reason is logged. Open streams keep the
graph they started with.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from pathlib import Path

from pipeserve.errors import PipeserveError

from .config import ModelEntry, load_config
from .servables import ServableStore

log = logging.getLogger(__name__)

Fingerprint = tuple[object, ...]


def _fingerprint(path: Path, models: tuple[ModelEntry, ...]) -> Fingerprint | None:
    try:
        config = (path.stat().st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())
    except OSError:
        return None
    return (*config, *(_version_folders(m.base_path) for m in models))


def _version_folders(base: Path | str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each numeric version folder under ``base`` with its file names (empty for a
    ``mediapipe://`` model or an unreadable folder)."""
    if not isinstance(base, Path):
        return ()
    try:
        return tuple(
            (v.name, tuple(sorted(f.name for f in v.iterdir())))
            for v in sorted(base.iterdir())
            if v.name.isdigit() and v.is_dir()
        )
    except OSError:
        return ()


class ConfigReloader:
    """Checks ``path`` every ``interval`` seconds and rebuilds the store when it changed."""

    def __init__(self, path: Path, store: ServableStore, interval: float) -> None:
        self.path = path
        self.store = store
        self.interval = interval
        self._seen = self._fingerprint()

    async def run(self) -> None:
        """Poll until cancelled."""
        while True:
            await asyncio.sleep(self.interval)
            await self.check()

    async def check(self) -> bool:
        """Reload if the file or a model folder changed; True when a new snapshot is served."""
        try:
            return await self.reload()
        except PipeserveError as exc:
            log.error("config reload failed, still serving the previous config: %s", exc)
            return False

    async def reload(self) -> bool:
        """As ``check``, but a config that fails to load raises (OVMS's reload request)."""
        current = self._fingerprint()
        if current == self._seen:
            return False
        self._seen = current
        config = await asyncio.to_thread(load_config, self.path)
        servables = await asyncio.to_thread(self.store.rebuild, config)
        self._seen = self._fingerprint()  # the new config's model folders
        log.info("config reloaded from %s: %s", self.path, servables)
        return True

    def _fingerprint(self) -> Fingerprint | None:
        return _fingerprint(self.path, self.store.current.models.entries)

    def __repr__(self) -> str:
        return f"ConfigReloader({str(self.path)!r}, every {self.interval}s)"
