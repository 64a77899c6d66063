"""ImageToTensorCalculator: bit-exact against MediaPipe's own calculator on real photos."""

from __future__ import annotations

import itertools
import math
import pickle

import mediapipe as mp
import numpy as np
import pytest
from mp_oracle import proto, rect_to_proto, run_mediapipe

import pipeserve.calculators  # noqa: F401  (registers the calculators)
from pipeserve.calculators.formats import NormalizedRect
from pipeserve.calculators.tensor.image_crop import (
    CropPlanner,
    RotatedRect,
    pad_roi,
    roi_to_image_matrix,
)
from pipeserve.errors import NodeError
from pipeserve.graphs.testing import CalculatorRunner

ROIS = [
    NormalizedRect(0.5, 0.5, 1.0, 1.0, 0.0),
    NormalizedRect(0.4, 0.5, 0.7, 0.5, 0.6),  # rotated, wider than tall → letterbox
    NormalizedRect(0.31, 1.024, 2.451, 2.451, 0.16),  # pose-like ROI far outside the image
    NormalizedRect(0.8, 0.2, 0.3, 0.6, -2.9),  # taller than wide, near a corner
]
CASES = [
    # (width, height, keep_aspect_ratio, range, border)
    (64, 48, True, (-1.0, 1.0), "BORDER_ZERO"),
    (96, 96, True, (0.0, 1.0), "BORDER_REPLICATE"),
    (80, 60, False, (0.0, 1.0), "BORDER_UNSPECIFIED"),
]


def options(width: int, height: int, keep: bool, value_range: tuple, border: str) -> str:
    return (
        "options { [mediapipe.ImageToTensorCalculatorOptions.ext] { "
        f"output_tensor_width: {width} output_tensor_height: {height} "
        f"keep_aspect_ratio: {str(keep).lower()} "
        f"output_tensor_float_range {{ min: {value_range[0]} max: {value_range[1]} }} "
        f"border_mode: {border} }} }}"
    )


def mediapipe_tensor(image: np.ndarray, roi: NormalizedRect, case: tuple) -> np.ndarray:
    graph = f"""
    output_stream: "floats"
    node {{ calculator: "ImageToTensorCalculator" input_stream: "IMAGE:image"
      input_stream: "NORM_RECT:roi" output_stream: "TENSORS:t" {options(*case)} }}
    node {{ calculator: "TensorsToFloatsCalculator" input_stream: "TENSORS:t"
      output_stream: "FLOATS:floats" }}
    """
    frame = mp.packet_creator.create_image_frame(image_format=mp.ImageFormat.SRGB, data=image)
    inputs = {"image": [(frame, 0)], "roi": [(proto(rect_to_proto(roi)), 0)]}
    result = run_mediapipe(graph, inputs, ["floats"], getter=mp.packet_getter.get_float_list)
    width, height = case[:2]
    return np.array(result["floats"][0][0], np.float32).reshape(1, height, width, 3)


def run_ours(image: np.ndarray, roi: NormalizedRect | None, case: tuple) -> dict:
    rect_input = 'input_stream: "NORM_RECT:roi"' if roi is not None else ""
    runner = CalculatorRunner(
        f"""calculator: "ImageToTensorCalculator" input_stream: "IMAGE:image" {rect_input}
        output_stream: "TENSORS:t" output_stream: "LETTERBOX_PADDING:pad"
        output_stream: "MATRIX:matrix" {options(*case)}"""
    )
    inputs = {"image": [(image, 0)]}
    if roi is not None:
        inputs["roi"] = [(roi, 0)]
    return runner.run(inputs)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("roi", ROIS)
def test_crop_is_bit_exact_with_mediapipe(astronaut, grace_hopper, roi, case):
    for image in (astronaut, grace_hopper):
        ours = run_ours(image, roi, case)["t"][0].value
        assert len(ours) == 1 and ours[0].dtype == np.float32
        np.testing.assert_array_equal(ours[0], mediapipe_tensor(image, roi, case))


def test_a_repeated_crop_from_kept_maps_is_bit_exact_with_mediapipe(grace_hopper):
    case = (192, 192, True, (-1.0, 1.0), "BORDER_ZERO")  # the full-range face detector's
    runner = CalculatorRunner(
        f"""calculator: "ImageToTensorCalculator" input_stream: "IMAGE:image"
        output_stream: "TENSORS:t" {options(*case)}"""
    )
    flipped = np.ascontiguousarray(grace_hopper[::-1])
    frames = [grace_hopper, flipped, grace_hopper]  # the third is remapped over kept maps
    out = runner.run({"image": [(frame, t) for t, frame in enumerate(frames)]})["t"]
    whole = NormalizedRect(0.5, 0.5, 1.0, 1.0, 0.0)
    for packet, frame in zip(out, frames, strict=True):
        np.testing.assert_array_equal(packet.value[0], mediapipe_tensor(frame, whole, case))


def test_whole_image_letterbox_padding_and_zero_border(grace_hopper):
    out = run_ours(grace_hopper, None, (64, 64, True, (-1.0, 1.0), "BORDER_ZERO"))
    left, top, right, bottom = out["pad"][0].value
    # 512 wide x 600 high into a square: pad left/right by (1 - 512/600) / 2.
    assert left == pytest.approx((1 - 512 / 600) / 2, abs=1e-6) and top == 0.0
    assert (left, top) == (right, bottom)
    tensor = out["t"][0].value[0][0]
    assert np.all(tensor[:, :3] == -1.0)  # zero pixels → range min
    assert not np.all(tensor[:, 32] == -1.0)


def test_a_kept_crop_plan_is_used_only_for_the_same_float32_rect_and_image_size():
    """The plan is kept while the rect's float32 values and the image size repeat; a
    change, even only of a zero's sign or of a value float32 tells apart, makes a new one."""
    rects = [
        None,
        None,
        NormalizedRect(0.4, 0.5, 0.7, 0.5, 0.0),
        NormalizedRect(0.4, 0.5, 0.7, 0.5, -0.0),  # cos/sin of -0.0: signed zeros
        NormalizedRect(np.float32(0.4), 0.5, 0.7, 0.5, -0.0),  # the same float32 values
        NormalizedRect(0.4 + 1e-7, 0.5, 0.7, 0.5, -0.0),  # a float32 ulp further
    ]
    sizes = [(640, 480), (640, 480), (640, 480), (640, 480), (640, 480), (640, 480)]
    planner = CropPlanner(192, 192, True)
    plans = [planner(rect, *size) for rect, size in zip(rects, sizes, strict=True)]
    plans.append(planner(None, 480, 640))
    assert [p is q for p, q in itertools.pairwise(plans)] == [
        True,
        False,
        False,
        True,
        False,
        False,
    ]
    for plan, rect, size in zip(plans, [*rects, None], [*sizes, (480, 640)], strict=True):
        fresh = CropPlanner(192, 192, True).plan(rect, *size)
        assert pickle.dumps(plan) == pickle.dumps(fresh)
        assert not plan.matrix.flags.writeable
    assert pickle.dumps(plans[2].matrix) != pickle.dumps(plans[3].matrix)


def test_matrix_maps_tensor_corners_to_the_rotated_roi_corners():
    roi = RotatedRect(300.0, 200.0, 120.0, 80.0, 0.5)
    padded, padding = pad_roi(roi, 64, 64, keep_aspect_ratio=True)
    assert padded.height == pytest.approx(120.0) and padding[1] == pytest.approx(1 / 6)
    matrix = roi_to_image_matrix(padded, 640, 480).reshape(4, 4)
    corner = matrix @ np.array([0.0, 0.0, 0.0, 1.0])  # tensor top-left
    c, s = math.cos(0.5), math.sin(0.5)
    expected_x = 300.0 + (-60 * c + 60 * s)
    expected_y = 200.0 + (-60 * s - 60 * c)
    assert corner[0] * 640 == pytest.approx(expected_x, abs=1e-3)
    assert corner[1] * 480 == pytest.approx(expected_y, abs=1e-3)


def test_sentinel_and_missing_rect_emit_nothing(astronaut):
    case = (32, 32, True, (0.0, 1.0), "BORDER_ZERO")
    out = run_ours(astronaut, NormalizedRect(0.5, 0.5, 0.0, 0.0), case)
    assert out["t"] == [] and out["pad"] == [] and out["matrix"] == []


def test_float_images_are_rejected(astronaut):
    case = (32, 32, True, (0.0, 1.0), "BORDER_ZERO")
    with pytest.raises(NodeError, match="uint8"):
        run_ours(astronaut.astype(np.float32), None, case)
