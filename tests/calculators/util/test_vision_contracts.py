"""Bad wiring of the vision calculators is rejected when the graph is built."""

from __future__ import annotations

import pytest

import pipeserve.calculators  # noqa: F401  (registers the calculators)
from pipeserve.errors import GraphConfigError
from pipeserve.graphs.testing import CalculatorRunner

BAD_NODES = {
    "image_to_tensor_both_outputs": (
        'calculator: "ImageToTensorCalculator" input_stream: "IMAGE:a" '
        'output_stream: "TENSORS:b" output_stream: "TENSOR:c"'
        " options { [mediapipe.ImageToTensorCalculatorOptions.ext] {"
        " output_tensor_float_range { min: 0 max: 1 } } }",
        "exactly one of TENSORS or TENSOR",
    ),
    "image_to_tensor_uint_range": (
        'calculator: "ImageToTensorCalculator" input_stream: "IMAGE:a" output_stream: "TENSORS:b"'
        " options { [mediapipe.ImageToTensorCalculatorOptions.ext] {"
        " output_tensor_uint_range { min: 0 max: 255 } } }",
        "float_range",
    ),
    "detections_to_rects_two_inputs": (
        'calculator: "DetectionsToRectsCalculator" input_stream: "DETECTION:a" '
        'input_stream: "DETECTIONS:b" output_stream: "NORM_RECT:c"',
        "exactly one of DETECTION or DETECTIONS",
    ),
    "rect_transformation_pixel_rect": (
        'calculator: "RectTransformationCalculator" input_stream: "RECT:a" '
        'input_stream: "IMAGE_SIZE:s" output_stream: "b"',
        "RECT",
    ),
    "projection_unpaired_outputs": (
        'calculator: "LandmarkProjectionCalculator" input_stream: "NORM_LANDMARKS:0:a" '
        'input_stream: "NORM_LANDMARKS:1:b" input_stream: "NORM_RECT:r" '
        'output_stream: "NORM_LANDMARKS:0:c"',
        "same number of NORM_LANDMARKS",
    ),
    "projection_rect_and_matrix": (
        'calculator: "LandmarkProjectionCalculator" input_stream: "NORM_LANDMARKS:a" '
        'input_stream: "NORM_RECT:r" input_stream: "PROJECTION_MATRIX:m" '
        'output_stream: "NORM_LANDMARKS:c"',
        "exactly one of NORM_RECT or PROJECTION_MATRIX",
    ),
    "smoothing_without_image_size": (
        'calculator: "LandmarksSmoothingCalculator" input_stream: "NORM_LANDMARKS:a" '
        'output_stream: "NORM_FILTERED_LANDMARKS:b"',
        "IMAGE_SIZE",
    ),
    "visibility_smoothing_wrong_output": (
        'calculator: "VisibilitySmoothingCalculator" input_stream: "NORM_LANDMARKS:a" '
        'output_stream: "FILTERED_LANDMARKS:b"',
        "NORM_FILTERED_LANDMARKS output is required",
    ),
    "visibility_copy_two_sources": (
        'calculator: "VisibilityCopyCalculator" input_stream: "LANDMARKS_FROM:a" '
        'input_stream: "NORM_LANDMARKS_FROM:b" input_stream: "LANDMARKS_TO:c" '
        'output_stream: "LANDMARKS_TO:d"',
        "exactly one of LANDMARKS_FROM or NORM_LANDMARKS_FROM",
    ),
}


@pytest.mark.parametrize("name", BAD_NODES)
def test_bad_wiring_is_a_config_error(name):
    node, message = BAD_NODES[name]
    runner = CalculatorRunner(node)
    with pytest.raises(GraphConfigError, match=message):
        runner.run({})
