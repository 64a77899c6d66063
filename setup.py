"""The build steps ``pyproject.toml`` cannot declare.

- Packages: every folder below a ``package-dir`` entry that has an ``__init__.py``, plus the
  demo folders that hold graphs or configs (``*.pbtxt``, ``*.json``), shipped as data only:
  the bundled default config serves them.
- Protobuf stubs: ``proto/build.py`` generates the ``_pb2`` modules into ``proto/`` before
  the wheel or the sdist collects the package's files, so both contain them (the build
  requirements in ``pyproject.toml`` give it grpcio-tools and mediapipe's descriptors).
"""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

ROOT = Path(__file__).resolve().parent
MAPPING: dict[str, str] = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"][
    "setuptools"
]["package-dir"]
DATA_ONLY = "pipeserve.demos"


def _packages() -> list[str]:
    found = []
    for package, folder in MAPPING.items():
        base = ROOT / folder
        for init in sorted(base.rglob("__init__.py")):
            found.append(".".join((package, *init.parent.relative_to(base).parts)))
    demos = ROOT / MAPPING[DATA_ONLY]
    data = {p.parent for pattern in ("*.pbtxt", "*.json") for p in demos.rglob(pattern)}
    found += [".".join((DATA_ONLY, *d.relative_to(demos).parts)) for d in sorted(data - {demos})]
    return found


def _generate_stubs() -> None:
    """Run ``proto/build.py`` from its file (``pipeserve`` is not importable while it builds)."""
    spec = importlib.util.spec_from_file_location("pipeserve_proto_build", ROOT / "proto/build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.generate()


class BuildPyWithStubs(build_py):
    """``build_py`` that generates the stubs first and ships demo folders without scripts."""

    def run(self) -> None:
        _generate_stubs()
        super().run()

    def find_package_modules(self, package: str, package_dir: str) -> list[tuple[str, str, str]]:
        if package.startswith(f"{DATA_ONLY}."):
            return []
        return super().find_package_modules(package, package_dir)


class SdistWithStubs(sdist):
    """``sdist`` that generates the stubs first, so the archive installs without protoc."""

    def run(self) -> None:
        _generate_stubs()
        super().run()


setup(packages=_packages(), cmdclass={"build_py": BuildPyWithStubs, "sdist": SdistWithStubs})
