"""Calculator implementations; importing this package registers all of them."""

from __future__ import annotations

import importlib
import pkgutil

_loaded = False


def load_all() -> None:
    """Import every calculator module (registration happens at import)."""
    global _loaded
    if _loaded:
        return
    for info in pkgutil.walk_packages(__path__, prefix=__name__ + "."):
        importlib.import_module(info.name)
    _loaded = True


load_all()
