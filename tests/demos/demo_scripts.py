"""Import a demo's script (demos are folders of scripts, not packages)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

DEMOS = Path(__file__).resolve().parents[2] / "demos"


def load_demo_script(demo: str, name: str) -> ModuleType:
    """``demos/<demo>/<name>.py`` as a module named ``name``."""
    spec = importlib.util.spec_from_file_location(name, DEMOS / demo / f"{name}.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {demo}/{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module
