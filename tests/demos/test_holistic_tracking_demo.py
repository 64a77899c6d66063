"""The holistic demo graph and config run on the wheel's models, served by the server's
model repository built from that config: ours, and OVMS's own files unchanged."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import pipeserve.calculators  # noqa: F401  (registers calculators and subgraphs)
from pipeserve.graphs import load_graph_config
from pipeserve.graphs.testing import run_graph
from pipeserve.server.config import load_config
from pipeserve.server.models import ModelRepository
from tests.demos.ovms_files import ovms_demo_folder

DEMO = Path(__file__).resolve().parents[2] / "demos" / "holistic_tracking"


def _setup_models() -> ModuleType:
    spec = importlib.util.spec_from_file_location("setup_models", DEMO / "setup_models.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_setup_links_every_configured_model_in_ovms_layout(tmp_path: Path) -> None:
    config = tmp_path / "config_holistic.json"
    shutil.copy(DEMO / "config_holistic.json", config)

    links = _setup_models().link_models(config)

    assert sorted(str(p.relative_to(tmp_path)) for p in links) == [
        "face_detection_short_range/1/face_detection_short_range.tflite",
        "face_landmark/1/face_landmark.tflite",
        "hand_landmark_full/1/hand_landmark_full.tflite",
        "hand_recrop/1/hand_recrop.tflite",
        "pose_detection/1/pose_detection.tflite",
        "pose_landmark_full/1/pose_landmark_full.tflite",
    ]
    assert all(p.is_symlink() and p.resolve().is_file() for p in links)


@pytest.mark.parametrize("origin", ["ours", "ovms"])
def test_holistic_tracking_graph_draws_landmarks_on_each_frame(
    tmp_path: Path, astronaut: np.ndarray, origin: str
) -> None:
    demo = DEMO if origin == "ours" else ovms_demo_folder("ovms_holistic_demo")
    for name in ("config_holistic.json", "holistic_tracking.pbtxt"):
        shutil.copy(demo / name, tmp_path / name)
    config = tmp_path / "config_holistic.json"
    _setup_models().link_models(config)
    models = ModelRepository.load(load_config(config).all_models)

    frames = [(astronaut, 0), (astronaut, 33333)]
    out = run_graph(
        load_graph_config(tmp_path / "holistic_tracking.pbtxt"),
        {"first_input_video": frames},
        services={"models": models},
    )["output"]

    assert [p.timestamp for p in out] == [0, 33333]
    for packet in out:
        assert packet.value.shape == astronaut.shape
        changed = np.any(packet.value != astronaut, axis=-1)
        assert 0.001 < changed.mean() < 0.5, "skeleton, face mesh and ROI drawn, photo kept"
