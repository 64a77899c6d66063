"""Lay out the holistic models the way OVMS's ``config_holistic.json`` expects them.

Each model in the config's ``model_config_list`` becomes
``<folder>/<base_path>/1/<base_path>.tflite``, a symlink to the ``.tflite`` file shipped in
the installed mediapipe wheel (nothing is downloaded or copied).

    python demos/holistic_tracking/setup_models.py            # next to the config here
    python demos/holistic_tracking/setup_models.py --config path/to/config_holistic.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pipeserve.calculators.openvino.models import WheelModels

HERE = Path(__file__).resolve().parent


def link_models(config: Path) -> list[Path]:
    """Create the version-1 symlinks for every model of ``config``; returns the links."""
    entries = json.loads(config.read_text())["model_config_list"]
    wheel = WheelModels()
    links = []
    for entry in (e["config"] for e in entries):
        base = Path(entry["base_path"])
        folder = base if base.is_absolute() else config.parent / base
        link = folder / "1" / f"{base.name}.tflite"
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(wheel.model_file(entry["name"]))
        links.append(link)
    return links


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=HERE / "config_holistic.json")
    for link in link_models(parser.parse_args().config):
        print(f"{link} -> {link.resolve()}")


if __name__ == "__main__":
    main()
