"""The model repository: compiled once, shared, reused on reload; the `models` service API."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from pipeserve.calculators.openvino.models import compiled_variants
from pipeserve.errors import Code, PipeserveError
from pipeserve.server.config import ModelEntry, load_config
from pipeserve.server.models import ModelRepository
from pipeserve.server.servables import Servables

from .graphs import MODEL_NAME, write_double_model


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("models") / MODEL_NAME
    write_double_model(folder)
    return folder


def test_compiled_model_is_shared_and_runs_in_f32(model_dir: Path) -> None:
    repo = ModelRepository.load((ModelEntry(MODEL_NAME, model_dir),))
    compiled = repo.compiled_model(MODEL_NAME, None)
    assert repo.compiled_model(MODEL_NAME, "1") is compiled
    assert str(compiled.get_property("INFERENCE_PRECISION_HINT")) in ("f32", "<Type: 'float32'>")
    assert compiled.get_property("ENABLE_CPU_PINNING") is False
    out = repo.infer(MODEL_NAME, None, {"x": np.array([[1, 2, 3]], np.float32)})
    assert out["y"].tolist() == [[2, 4, 6]]


def test_plugin_config_overrides_the_defaults(model_dir: Path) -> None:
    entry = ModelEntry(MODEL_NAME, model_dir, plugin_config={"ENABLE_CPU_PINNING": True})
    compiled = ModelRepository.load((entry,)).compiled_model(MODEL_NAME)
    assert compiled.get_property("ENABLE_CPU_PINNING") is True
    assert str(compiled.get_property("INFERENCE_PRECISION_HINT")) in ("f32", "<Type: 'float32'>")


def test_unknown_model_or_version_is_not_found_naming_it(model_dir: Path) -> None:
    repo = ModelRepository.load((ModelEntry(MODEL_NAME, model_dir),))
    for name, version in (("nope", None), (MODEL_NAME, "3")):
        with pytest.raises(PipeserveError) as info:
            repo.compiled_model(name, version)
        assert info.value.code == Code.NOT_FOUND and name in info.value.message


def test_model_without_version_folder_is_unavailable(tmp_path: Path) -> None:
    repo = ModelRepository.load((ModelEntry("empty", tmp_path),))
    assert not repo.ready("empty")
    with pytest.raises(PipeserveError) as info:
        repo.compiled_model("empty")
    assert info.value.code == Code.UNAVAILABLE
    assert "no numeric version folder" in info.value.message


def test_reload_reuses_unchanged_models(model_dir: Path) -> None:
    entry = ModelEntry(MODEL_NAME, model_dir)
    first = ModelRepository.load((entry,))
    again = ModelRepository.load((entry,), previous=first)
    changed = ModelRepository.load(
        (ModelEntry(MODEL_NAME, model_dir, plugin_config={"NUM_STREAMS": 1}),), previous=first
    )
    assert again.compiled_model(MODEL_NAME) is first.compiled_model(MODEL_NAME)
    assert changed.compiled_model(MODEL_NAME) is not first.compiled_model(MODEL_NAME)


def write_two_output_model(folder: Path) -> None:
    """An OpenVINO model with outputs ``y = 2 * x`` and ``z = x + 1`` at ``folder/1``."""
    import openvino as ov
    from openvino import opset13 as ops

    x = ops.parameter([1, 3], np.float32, name="x")
    y = ops.multiply(x, ops.constant(np.float32(2)))
    z = ops.add(x, ops.constant(np.float32(1)))
    y.output(0).set_names({"y"})
    z.output(0).set_names({"z"})
    (folder / "1").mkdir(parents=True)
    ov.save_model(ov.Model([y, z], [x], "two"), str(folder / "1" / "two.xml"))


ONE_OUTPUT_GRAPH = """
input_stream: "in"
output_stream: "out"
node {
  calculator: "OpenVINOModelServerSessionCalculator"
  output_side_packet: "SESSION:session"
  node_options: { [type.googleapis.com/mediapipe.OpenVINOModelServerSessionCalculatorOptions]: {
    servable_name: "two" } }
}
node {
  calculator: "OpenVINOInferenceCalculator"
  input_side_packet: "SESSION:session"
  input_stream: "X:in"
  output_stream: "Y:out"
  node_options: { [type.googleapis.com/mediapipe.OpenVINOInferenceCalculatorOptions]: {
    tag_to_input_tensor_names { key: "X" value: "x" }
    tag_to_output_tensor_names { key: "Y" value: "y" } } }
}
"""


def test_output_variants_are_compiled_once_and_shared(tmp_path: Path) -> None:
    write_two_output_model(tmp_path / "two")
    repo = ModelRepository.load((ModelEntry("two", tmp_path / "two"),))

    variant = repo.compiled_model("two", None, ["y"])

    assert [port.get_any_name() for port in variant.outputs] == ["y"]
    assert repo.compiled_model("two", "1", ("y",)) is variant
    assert len(repo.compiled_model("two").outputs) == 2


def test_loading_a_config_opens_each_graph_once_so_its_variants_exist(tmp_path: Path) -> None:
    write_two_output_model(tmp_path / "two")
    (tmp_path / "g").mkdir()
    (tmp_path / "g" / "graph.pbtxt").write_text(ONE_OUTPUT_GRAPH)
    config = {
        "model_config_list": [{"config": {"name": "two", "base_path": "two"}}],
        "mediapipe_config_list": [{"name": "g", "base_path": "g"}],
    }
    (tmp_path / "config.json").write_text(json.dumps(config))

    servables = Servables.build(load_config(tmp_path / "config.json"))

    assert compiled_variants(servables.models.get("two").path) == {None, ("y",)}
    assert servables.not_ready("g") is None


def test_openvino_failures_say_why_on_one_line(model_dir: Path) -> None:
    entry = ModelEntry("bad", model_dir, plugin_config={"NOT_A_CPU_PROPERTY": 1})
    reason = ModelRepository.load((entry,)).error("bad")
    assert reason is not None and reason.startswith("OpenVINO cannot load ")
    assert reason.endswith(": NotFound: Unsupported property NOT_A_CPU_PROPERTY by CPU plugin.")

    repo = ModelRepository.load((ModelEntry(MODEL_NAME, model_dir),))
    with pytest.raises(PipeserveError) as info:
        repo.infer(MODEL_NAME, None, {"x": np.zeros((1, 5), np.float32)})
    assert info.value.code == Code.INVALID_ARGUMENT
    assert info.value.message == (
        f"model {MODEL_NAME!r}: inference failed: The input tensor size is not equal to the "
        "model input type: got [1,5] expecting [1,3]."
    )
