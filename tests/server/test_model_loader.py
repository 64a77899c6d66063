"""One loader: a version folder resolves to the same file for every kind of model user."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from pipeserve.calculators.openvino.models import (
    ModelDirectory,
    ModelLoadError,
    WheelModels,
    find_model,
)
from pipeserve.graphs.testing import run_graph
from pipeserve.server.config import load_config
from pipeserve.server.servables import Servables

from .graphs import MODEL_NAME, write_double_model
from .onnx_writer import write_scale_model

GRAPH = f"""
input_stream: "x"
output_stream: "y"
node {{
  calculator: "OpenVINOModelServerSessionCalculator"
  output_side_packet: "SESSION:session"
  node_options: {{
    [type.googleapis.com/mediapipe.OpenVINOModelServerSessionCalculatorOptions]: {{
      servable_name: "{MODEL_NAME}" servable_version: "1" }} }}
}}
node {{
  calculator: "OpenVINOInferenceCalculator"
  input_side_packet: "SESSION:session"
  input_stream: "X:x"
  output_stream: "Y:y"
  node_options: {{
    [type.googleapis.com/mediapipe.OpenVINOInferenceCalculatorOptions]: {{
      tag_to_input_tensor_names {{ key: "X" value: "x" }}
      tag_to_output_tensor_names {{ key: "Y" value: "y" }} }} }}
}}
"""


@pytest.fixture()
def two_format_folder(tmp_path: Path) -> Path:
    """``models/double/1`` with ``model.xml`` (y = 2x) and ``model.onnx`` (y = 3x, and
    first by name): the IR must win for everyone."""
    folder = tmp_path / "models" / MODEL_NAME
    write_double_model(folder)
    for suffix in ("xml", "bin"):
        (folder / "1" / f"{MODEL_NAME}.{suffix}").rename(folder / "1" / f"model.{suffix}")
    write_scale_model(folder / "1" / "model.onnx", 3.0)
    return tmp_path


def test_a_folder_with_xml_and_onnx_resolves_to_the_xml_for_every_user(
    two_format_folder: Path,
) -> None:
    root = two_format_folder
    config = {
        "model_config_list": [
            {"config": {"name": MODEL_NAME, "base_path": f"models/{MODEL_NAME}"}}
        ],
        "mediapipe_config_list": [{"name": "g", "base_path": "g"}],
    }
    (root / "g").mkdir()
    (root / "g" / "graph.pbtxt").write_text(GRAPH)
    (root / "config.json").write_text(json.dumps(config))
    x = np.array([[1, 2, 3]], np.float32)

    servables = Servables.build(load_config(root / "config.json"))
    served = servables.models.get(MODEL_NAME)
    inside = run_graph(
        servables.graphs["g"].require_spec().config,
        {"x": [(x, 0)]},
        services={"models": servables.models},
    )
    outside = ModelDirectory(root / "models")

    assert served.path.name == "model.xml"
    np.testing.assert_array_equal(servables.models.infer(MODEL_NAME, None, {"x": x})["y"], 2 * x)
    np.testing.assert_array_equal(inside["y"][0].value, 2 * x)
    assert outside.model_file(MODEL_NAME) == served.path
    result = outside.compiled_model(MODEL_NAME).create_infer_request().infer({"x": x})
    np.testing.assert_array_equal(next(iter(result.values())), 2 * x)


def test_without_the_xml_the_onnx_file_is_served(two_format_folder: Path) -> None:
    folder = two_format_folder / "models" / MODEL_NAME
    for ir in (folder / "1").glob("model.[xb]*"):
        ir.unlink()
    source = find_model(folder)
    assert (source.version, source.path.name) == ("1", "model.onnx")
    x = np.array([[1, 2, 3]], np.float32)
    result = ModelDirectory(folder.parent).compiled_model(MODEL_NAME).create_infer_request()
    np.testing.assert_array_equal(next(iter(result.infer({"x": x}).values())), 3 * x)


@pytest.mark.parametrize(
    ("base", "message"),
    [
        ("missing", "cannot read model folder {root}/missing: No such file or directory"),
        ("empty", "no numeric version folder in {root}/empty"),
        (
            "mediapipe://modules/nope.tflite",
            "mediapipe://modules/nope.tflite: no such file in the mediapipe package",
        ),
    ],
)
def test_what_cannot_be_found_is_one_error_naming_where_it_looked(
    tmp_path: Path, base: str, message: str
) -> None:
    (tmp_path / "empty").mkdir()
    location = base if base.startswith("mediapipe://") else tmp_path / base
    with pytest.raises(ModelLoadError) as info:
        find_model(location)
    assert str(info.value).startswith(message.format(root=tmp_path))


def test_a_wheel_model_is_version_one_of_the_installed_mediapipe_file() -> None:
    source = find_model("mediapipe://modules/pose_detection/pose_detection.tflite")
    assert source.version == "1"
    assert source.path == WheelModels().model_file("pose_detection")
    assert source.path.parts[-4:] == (
        "mediapipe",
        "modules",
        "pose_detection",
        "pose_detection.tflite",
    )
