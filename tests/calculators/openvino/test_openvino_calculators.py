"""OVMS's session + inference calculators and MediaPipe's InferenceCalculator, run in graphs."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import cv2
import numpy as np
import openvino as ov
import pytest

import pipeserve.calculators  # noqa: F401  (registers the calculators)
from pipeserve.calculators.openvino.models import (
    ModelDirectory,
    ModelLoadError,
    WheelModels,
    compile_model,
    keep_outputs,
)
from pipeserve.calculators.openvino.tensor_ports import is_vector_tag
from pipeserve.errors import GraphConfigError, PipeserveError
from pipeserve.graphs.testing import run_graph

WHEEL = {"models": WheelModels()}
FaceReference = tuple[np.ndarray, dict[str, np.ndarray]]


def _session(servable: str, version: str = "1") -> str:
    return f"""
node {{
  calculator: "OpenVINOModelServerSessionCalculator"
  output_side_packet: "SESSION:session"
  node_options: {{ [type.googleapis.com/mediapipe.OpenVINOModelServerSessionCalculatorOptions]: {{
    servable_name: "{servable}" servable_version: "{version}" }} }}
}}"""


def _graph(
    servable: str,
    streams: str,
    options: str = "",
    inputs: tuple[str, ...] = ("in",),
    outputs: tuple[str, ...] = ("out",),
    version: str = "1",
) -> str:
    return (
        "\n".join(
            [f'input_stream: "{n}"' for n in inputs] + [f'output_stream: "{n}"' for n in outputs]
        )
        + _session(servable, version)
        + f"""
node {{
  calculator: "OpenVINOInferenceCalculator"
  input_side_packet: "SESSION:session"
  {streams}
  node_options: {{ [type.googleapis.com/mediapipe.OpenVINOInferenceCalculatorOptions]: {{
    {options} }} }}
}}"""
    )


def _face_tensor(image: np.ndarray) -> np.ndarray:
    """The photo squeezed to the face detector's input: float32 [1, 128, 128, 3] in [-1, 1]."""
    small = cv2.resize(image, (128, 128), interpolation=cv2.INTER_AREA)
    return (small.astype(np.float32) / 127.5 - 1.0)[None]


@pytest.fixture(scope="module")
def face_reference(astronaut: np.ndarray) -> FaceReference:
    """The input tensor and the face detector's outputs by name, from OpenVINO directly."""
    tensor = _face_tensor(astronaut)
    compiled = WheelModels().compiled_model("face_detection")
    result = compiled.create_infer_request().infer({"input": tensor})
    return tensor, {port.get_any_name(): np.array(v) for port, v in result.items()}


def test_vector_ports_follow_order_lists(face_reference: FaceReference) -> None:
    tensor, expected = face_reference
    config = _graph(
        "face_detection",
        'input_stream: "TENSORS:in" output_stream: "TENSORS:out"',
        'input_order_list: ["input"] output_order_list: ["regressors", "classificators"]',
    )

    out = run_graph(config, {"in": [([tensor], 0), ([tensor], 33333)]}, services=WHEEL)["out"]

    assert [p.timestamp for p in out] == [0, 33333]
    boxes, scores = out[1].value
    assert boxes.shape == (1, 896, 16) and scores.shape == (1, 896, 1)
    np.testing.assert_array_equal(boxes, expected["regressors"])
    np.testing.assert_array_equal(scores, expected["classificators"])
    assert scores.max() > 0, "a face in the astronaut photo gives a positive logit"


def test_vector_output_without_order_list_is_sorted_by_name(face_reference: FaceReference) -> None:
    tensor, expected = face_reference
    config = _graph(
        "face_detection", 'input_stream: "OVTENSORS:in" output_stream: "OVTENSORS2:out"'
    )

    first, second = run_graph(config, {"in": [([tensor], 0)]}, services=WHEEL)["out"][0].value

    np.testing.assert_array_equal(first, expected["classificators"])
    np.testing.assert_array_equal(second, expected["regressors"])


def test_single_tensor_ports_use_the_tag_map_and_accept_ov_tensors(
    face_reference: FaceReference,
) -> None:
    tensor, expected = face_reference
    config = _graph(
        "face_detection",
        'input_stream: "IMAGE:in" output_stream: "BOXES:boxes" output_stream: "SCORES:scores"',
        'tag_to_input_tensor_names { key: "IMAGE" value: "input" } '
        'tag_to_output_tensor_names { key: "BOXES" value: "regressors" } '
        'tag_to_output_tensor_names { key: "SCORES" value: "classificators" }',
        outputs=("boxes", "scores"),
    )

    out = run_graph(config, {"in": [(ov.Tensor(tensor), 0)]}, services=WHEEL)

    np.testing.assert_array_equal(out["boxes"][0].value, expected["regressors"])
    np.testing.assert_array_equal(out["scores"][0].value, expected["classificators"])


class RecordingWheelModels(WheelModels):
    """The wheel's models, remembering which outputs each request asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.requested: list[Collection[str] | None] = []

    def compiled_model(
        self, name: str, version: str | None = None, outputs: Collection[str] | None = None
    ) -> ov.CompiledModel:
        self.requested.append(outputs)
        return super().compiled_model(name, version, outputs)


def test_outputs_no_port_reads_are_not_computed(face_reference: FaceReference) -> None:
    tensor, expected = face_reference
    models = RecordingWheelModels()
    config = _graph(
        "face_detection",
        'input_stream: "IMAGE:in" output_stream: "SCORES:scores"',
        'tag_to_input_tensor_names { key: "IMAGE" value: "input" } '
        'tag_to_output_tensor_names { key: "SCORES" value: "classificators" }',
        outputs=("scores",),
    )

    out = run_graph(config, {"in": [(tensor, 0)]}, services={"models": models})

    np.testing.assert_array_equal(out["scores"][0].value, expected["classificators"])
    assert models.requested == [None, ["classificators"]]
    variant = models.compiled_model("face_detection", None, ["classificators"])
    assert [port.get_any_name() for port in variant.outputs] == ["classificators"]


def test_a_model_without_some_outputs_computes_the_others_bit_for_bit(
    astronaut: np.ndarray,
) -> None:
    path = WheelModels().model_file("pose_landmark_full")
    tensor = (cv2.resize(astronaut, (256, 256)).astype(np.float32) / 255.0)[None]
    kept = ["Identity", "Identity_1", "Identity_3", "Identity_4"]  # all but segmentation

    full = compile_model(path).create_infer_request().infer({0: tensor})
    part = compile_model(path, outputs=kept).create_infer_request().infer({0: tensor})

    by_name = {port.get_any_name(): value for port, value in full.items()}
    assert sorted(port.get_any_name() for port in part) == kept
    for port, value in part.items():
        np.testing.assert_array_equal(value, by_name[port.get_any_name()])
    with pytest.raises(ValueError, match="no output nope"):
        keep_outputs(ov.Core().read_model(path), ["Identity", "nope"])


@pytest.fixture(scope="module")
def sum_models(tmp_path_factory: pytest.TempPathFactory) -> ModelDirectory:
    """OVMS's hello-world model (sum = input1 + input2) at versions 1 and 2 (2 adds 1 more)."""
    root = tmp_path_factory.mktemp("models")
    for version, extra in ((1, 0.0), (2, 1.0)):
        a = ov.opset13.parameter([1, 3], ov.Type.f32, name="input1")
        b = ov.opset13.parameter([1, 3], ov.Type.f32, name="input2")
        total = ov.opset13.add(ov.opset13.add(a, b), ov.opset13.constant(np.float32(extra)))
        total.output(0).get_tensor().set_names({"sum"})
        folder = root / "sum" / str(version)
        folder.mkdir(parents=True)
        ov.save_model(ov.Model([total], [a, b], "sum"), folder / "model.xml")
    return ModelDirectory(root)


SUM_STREAMS = 'input_stream: "INPUT1:a" input_stream: "INPUT2:b" output_stream: "SUM:total"'
SUM_MAP = (
    'tag_to_input_tensor_names { key: "INPUT1" value: "input1" } '
    'tag_to_input_tensor_names { key: "INPUT2" value: "input2" } '
    'tag_to_output_tensor_names { key: "SUM" value: "sum" }'
)


@pytest.mark.parametrize(("version", "offset"), [("1", 0.0), ("2", 1.0), ("", 1.0), ("x", 1.0)])
def test_servable_version_selects_the_folder_and_defaults_to_the_highest(
    sum_models: ModelDirectory, version: str, offset: float
) -> None:
    config = _graph("sum", SUM_STREAMS, SUM_MAP, ("a", "b"), ("total",), version)
    a, b = np.array([[1, 2, 3]], np.float32), np.array([[10, 20, 30]], np.float32)

    out = run_graph(config, {"a": [(a, 5)], "b": [(b, 5)]}, services={"models": sum_models})

    np.testing.assert_array_equal(out["total"][0].value, a + b + offset)


def test_missing_input_at_a_timestamp_is_an_error(sum_models: ModelDirectory) -> None:
    config = _graph("sum", SUM_STREAMS, SUM_MAP, ("a", "b"), ("total",))
    a = np.zeros((1, 3), np.float32)
    with pytest.raises(PipeserveError, match="input INPUT2 has no packet"):
        run_graph(config, {"a": [(a, 5)], "b": [(a, 6)]}, services={"models": sum_models})


def test_a_tensor_of_the_wrong_shape_fails_the_node_with_the_reason_on_one_line() -> None:
    config = _graph("face_detection", 'input_stream: "TENSORS:in" output_stream: "TENSORS:out"')
    small = np.zeros((1, 64, 64, 3), np.float32)
    with pytest.raises(PipeserveError) as info:
        run_graph(config, {"in": [([small], 0)]}, services=WHEEL)
    assert str(info.value).endswith(
        "failed at timestamp 0: RuntimeError: model 'face_detection': Can't set the input "
        "tensor with index: 0, because the model input (shape=[1,128,128,3]) and the tensor "
        "(shape=(1.64.64.3)) are incompatible"
    )


BAD_OPTIONS = [
    (
        'input_stream: "TENSORS:in" output_stream: "TENSORS:out"',
        'input_order_list: ["input_1"] tag_to_input_tensor_names { key: "TENSORS" value: "x" }',
        "are exclusive",
    ),
    (
        'input_stream: "INPUT:in" output_stream: "TENSORS:out"',
        'input_order_list: ["input_1"]',
        "no input carries a tensor vector",
    ),
    (
        'input_stream: "TENSORS:in" output_stream: "TENSORS:out"',
        'tag_to_output_tensor_names { key: "OTHER" value: "x" }',
        "OTHER, which are not",
    ),
    (
        'input_stream: "TENSORS:in" output_stream: "TENSORS:out" output_stream: "OVTENSORS:out2"',
        "",
        "at most one vector output tag",
    ),
]


@pytest.mark.parametrize(("streams", "options", "message"), BAD_OPTIONS)
def test_inconsistent_options_are_rejected_before_running(
    streams: str, options: str, message: str
) -> None:
    config = _graph("face_detection", streams, options, outputs=())
    with pytest.raises(GraphConfigError, match=message):
        run_graph(config, {"in": []}, services=WHEEL)


@pytest.mark.parametrize(
    ("servable", "options", "services", "message"),
    [
        (
            "face_detection",
            'output_order_list: ["regressors", "boxes"]',
            WHEEL,
            "model 'face_detection' has no output 'boxes' \\(its outputs: regressors, classificators\\)",
        ),
        ("nope", "", WHEEL, "model 'nope' is not a wheel model"),
        ("face_detection", "", {}, "no model provider"),
    ],
)
def test_unknown_models_and_tensor_names_fail_at_start(
    servable: str, options: str, services: dict[str, object], message: str
) -> None:
    config = _graph(servable, 'input_stream: "TENSORS:in" output_stream: "TENSORS:out"', options)
    with pytest.raises(PipeserveError, match=message):
        run_graph(config, {"in": []}, services=services)


def test_mediapipe_inference_calculator_runs_wheel_paths_on_openvino(
    face_reference: FaceReference,
) -> None:
    tensor, expected = face_reference
    config = """
input_stream: "in"
output_stream: "out"
node {
  calculator: "InferenceCalculator"
  input_stream: "TENSORS:in"
  output_stream: "TENSORS:out"
  options { [mediapipe.InferenceCalculatorOptions.ext] {
    model_path: "mediapipe/modules/face_detection/face_detection_short_range.tflite"
    delegate { xnnpack {} } } }
}"""
    boxes, scores = run_graph(config, {"in": [([tensor], 0)]})["out"][0].value

    np.testing.assert_array_equal(boxes, expected["regressors"])
    np.testing.assert_array_equal(scores, expected["classificators"])


def test_model_directory_resolves_versions_and_names_what_is_missing(
    sum_models: ModelDirectory,
) -> None:
    assert sum_models.model_file("sum").parent.name == "2"
    assert sum_models.model_file("sum", "1").parent.name == "1"
    with pytest.raises(ModelLoadError, match="model 'sum': no version folder 3 in "):
        sum_models.model_file("sum", "3")


def test_models_compile_once_per_file_and_config_with_f32_default(tmp_path: Path) -> None:
    path = WheelModels().model_file("hand_recrop")
    link = tmp_path / "recrop.tflite"
    link.symlink_to(path)

    assert compile_model(link) is compile_model(path)
    bf16 = compile_model(path, {"INFERENCE_PRECISION_HINT": "bf16"})
    assert bf16 is not compile_model(path)
    assert compile_model(path).get_property("INFERENCE_PRECISION_HINT") == ov.Type.f32


@pytest.mark.parametrize(
    ("tag", "vector"),
    [
        ("TENSORS", True),
        ("OVTENSORS2", True),
        ("TFTENSORS", True),
        ("TFLITE_TENSORS_IN", True),
        ("TENSOR", False),
        ("TENSOR_A", False),
        ("OVTENSOR", False),
        ("TFLITE_TENSOR", False),
        ("INPUT1", False),
        ("", False),
    ],
)
def test_tag_prefixes_decide_vector_or_single_tensor(tag: str, vector: bool) -> None:
    assert is_vector_tag(tag) is vector


def test_mediapipe_inference_calculator_requires_a_model_path() -> None:
    config = """
input_stream: "in"
node { calculator: "InferenceCalculator" input_stream: "TENSORS:in" output_stream: "TENSORS:out" }
"""
    with pytest.raises(GraphConfigError, match="model_path is required"):
        run_graph(config, {"in": []})
