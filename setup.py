"""Lists the packages below each folder that pyproject.toml maps into ``pipeserve``."""

from pathlib import Path

import tomllib
from setuptools import setup

ROOT = Path(__file__).resolve().parent
MAPPING = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]


def _packages() -> list[str]:
    found = []
    for package, folder in MAPPING.items():
        base = ROOT / folder
        for init in sorted(base.rglob("__init__.py")):
            relative = init.parent.relative_to(base).parts
            found.append(".".join((package, *relative)))
    return found


setup(packages=_packages())
