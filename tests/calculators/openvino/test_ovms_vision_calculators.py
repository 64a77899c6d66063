"""OVMS's OpenVINOConverterCalculator and OpenVINOTensorsToDetectionsCalculator."""

from __future__ import annotations

import numpy as np
import pytest

import pipeserve.calculators  # noqa: F401  (registers the calculators)
from pipeserve.errors import PipeserveError
from pipeserve.graphs.testing import run_graph


def _convert(image: np.ndarray, options: str) -> np.ndarray:
    text = f"""
    input_stream: "image" output_stream: "tensors"
    node {{ calculator: "OpenVINOConverterCalculator" input_stream: "IMAGE:image"
      output_stream: "TENSORS:tensors"
      node_options {{ [type.googleapis.com/mediapipe.OpenVINOConverterCalculatorOptions] {{
        {options} }} }} }}
    """
    (tensor,) = run_graph(text, {"image": [(image, 0)]})["tensors"][0].value
    return tensor


PIXELS = np.array([[[0, 51, 255, 7], [255, 0, 102, 7]]], np.uint8)  # 1 x 2, RGBA


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ("enable_normalization: true", PIXELS[..., :3] / 127.5 - 1),
        ("enable_normalization: true zero_center: false", PIXELS[..., :3] / 255),
        (
            "enable_normalization: true output_tensor_float_range { min: 2 max: 4 }",
            2 + PIXELS[..., :3] / 127.5,
        ),
        (
            "enable_normalization: true use_custom_normalization: true custom_div: 51 "
            "custom_sub: 1",
            PIXELS[..., :3] / 51 - 1,
        ),
        ("enable_normalization: true max_num_channels: 4", PIXELS / 127.5 - 1),
        ("enable_normalization: true max_num_channels: 1", PIXELS[..., :1] / 127.5 - 1),
    ],
)
def test_normalization_maps_pixels_to_the_asked_range(options: str, expected: np.ndarray) -> None:
    tensor = _convert(PIXELS, options)
    assert tensor.dtype == np.float32 and tensor.shape == (1, *expected.shape)
    np.testing.assert_allclose(tensor[0], expected, rtol=1e-6, atol=1e-6)


def test_flip_vertically_puts_the_bottom_row_first(astronaut: np.ndarray) -> None:
    tensor = _convert(astronaut, "enable_normalization: true flip_vertically: true")
    np.testing.assert_allclose(tensor[0], astronaut[::-1] / 127.5 - 1, atol=1e-6)


def test_without_normalization_the_pixels_pass_as_they_are(astronaut: np.ndarray) -> None:
    tensor = _convert(astronaut, "")
    assert tensor.dtype == np.uint8 and tensor.shape == (1, 512, 512, 3)
    assert np.shares_memory(tensor, astronaut)  # no copy


def test_bad_channel_count_is_refused_at_open(astronaut: np.ndarray) -> None:
    with pytest.raises(PipeserveError, match="max_num_channels must be 1, 3 or 4"):
        _convert(astronaut, "max_num_channels: 2")


DECODE = """num_classes: 4 num_boxes: 6 num_coords: 4 ignore_classes: 0
  apply_exponential_on_box_size: true x_scale: 10.0 y_scale: 10.0 w_scale: 5.0 h_scale: 5.0
  {extra}"""


def _detections(calculator: str, options_form: str, extra: str) -> list:
    text = f"""
    input_stream: "tensors" output_stream: "detections"
    node {{ calculator: "{calculator}" input_stream: "TENSORS:tensors"
      input_side_packet: "ANCHORS:anchors" output_stream: "DETECTIONS:detections"
      {options_form.replace("OPTIONS", DECODE.format(extra=extra))} }}
    """
    rng = np.random.default_rng(7)
    boxes = rng.normal(0, 1, (1, 6, 4)).astype(np.float32)
    scores = rng.normal(0, 2, (1, 6, 4)).astype(np.float32)
    anchors = rng.uniform(0.2, 0.8, (6, 4)).astype(np.float32)
    out = run_graph(text, {"tensors": [([boxes, scores], 0)]}, side_packets={"anchors": anchors})
    return out["detections"][0].value


OVMS_FORM = (
    "node_options { [type.googleapis.com/mediapipe.OpenVINOTensorsToDetectionsCalculatorOptions]"
    " { OPTIONS } }"
)
MEDIAPIPE_FORM = "options { [mediapipe.TensorsToDetectionsCalculatorOptions.ext] { OPTIONS } }"


@pytest.mark.parametrize(
    "extra", ["", "sigmoid_score: true min_score_thresh: 0.5", "reverse_output_order: true"]
)
def test_ovms_decoder_equals_mediapipes_on_the_same_options(extra: str) -> None:
    ovms = _detections("OpenVINOTensorsToDetectionsCalculator", OVMS_FORM, extra)
    mediapipe = _detections("TensorsToDetectionsCalculator", MEDIAPIPE_FORM, extra)
    assert ovms and [repr(d) for d in ovms] == [repr(d) for d in mediapipe]
    assert all(d.label_id != 0 for d in ovms)  # ignore_classes: 0


def test_without_sigmoid_the_raw_scores_are_reported() -> None:
    scores = [d.score for d in _detections("OpenVINOTensorsToDetectionsCalculator", OVMS_FORM, "")]
    assert max(scores) > 1.0  # logits, as OVMS reports them without sigmoid_score
