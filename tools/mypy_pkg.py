"""Type-check the package as ``pipeserve.*``: mypy cannot follow setuptools' package-dir
mapping of an editable install, so this lays the mapping out as symlinks and checks that
(``pipeserve.demos`` is data in the package: its scripts are not checked)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    mapping = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-dir"
    ]
    with tempfile.TemporaryDirectory() as tmp:
        top = Path(tmp) / "pipeserve"
        top.mkdir()
        for item in (ROOT / mapping["pipeserve"]).iterdir():
            (top / item.name).symlink_to(item)
        packages = ["pipeserve"]
        for package, folder in mapping.items():
            if package == "pipeserve.demos":
                continue
            if package.startswith("pipeserve."):
                (top / package.split(".", 1)[1]).symlink_to(ROOT / folder)
            elif package != "pipeserve":  # a top-level package beside pipeserve (pyovms)
                (Path(tmp) / package).symlink_to(ROOT / folder)
                packages.append(package)
        command = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml")]
        for package in packages:
            command += ["-p", package]
        return subprocess.call(command, cwd=tmp)


if __name__ == "__main__":
    sys.exit(main())
