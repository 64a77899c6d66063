"""ImageTransformationCalculator against the wheel's own, pixel for pixel, on real photos."""

from __future__ import annotations

import mediapipe as mp
import numpy as np
import pytest

import pipeserve.calculators  # noqa: F401  (registers the calculators)
from pipeserve.errors import PipeserveError
from pipeserve.graphs.testing import run_graph
from tests.calculators.mp_oracle import run_mediapipe

OPTIONS = {
    "stretch_down": "output_width: 320 output_height: 200",
    "stretch_up_one_side": "output_width: 700 output_height: 300",
    "fit_black": "output_width: 256 output_height: 256 scale_mode: FIT",
    "fit_replicate": "output_width: 300 output_height: 100 scale_mode: FIT constant_padding: false",
    "fit_coloured": (
        "output_width: 200 output_height: 300 scale_mode: FIT "
        "padding_color { red: 10 green: 200 blue: 30 }"
    ),
    "fill_and_crop": "output_width: 128 output_height: 256 scale_mode: FILL_AND_CROP",
    "nearest": "output_width: 123 output_height: 77 interpolation_mode: NEAREST",
    "rotate_90": "rotation_mode: ROTATION_90",
    "rotate_180_sized": "output_width: 100 output_height: 100 rotation_mode: ROTATION_180",
    "flips": "flip_horizontally: true flip_vertically: true",
    "flip_after_fit": "output_width: 64 output_height: 64 scale_mode: FIT flip_horizontally: true",
}


def _graph(options: str) -> str:
    return f"""
    input_stream: "image" output_stream: "out"
    node {{ calculator: "ImageTransformationCalculator" input_stream: "IMAGE:image"
      output_stream: "IMAGE:out"
      options {{ [mediapipe.ImageTransformationCalculatorOptions.ext] {{ {options} }} }} }}
    """


def _theirs(text: str, image: np.ndarray) -> np.ndarray:
    frame = mp.packet_creator.create_image_frame(image_format=mp.ImageFormat.SRGB, data=image)
    out = run_mediapipe(text, {"image": [(frame, 0)]}, ["out"], mp.packet_getter.get_image_frame)
    return out["out"][0][0].numpy_view()


@pytest.mark.parametrize("name", OPTIONS)
def test_output_equals_mediapipes_calculator(name: str, grace_hopper: np.ndarray) -> None:
    text = _graph(OPTIONS[name])
    ours = run_graph(text, {"image": [(grace_hopper, 0)]})["out"][0].value
    np.testing.assert_array_equal(ours, _theirs(text, grace_hopper))


def test_fit_reports_normalized_letterbox_padding(grace_hopper: np.ndarray) -> None:
    text = _graph("output_width: 256 output_height: 256 scale_mode: FIT").replace(
        'output_stream: "IMAGE:out"',
        'output_stream: "IMAGE:out" output_stream: "LETTERBOX_PADDING:pad"',
    )
    out = run_graph(text, {"image": [(grace_hopper, 0)]}, observe=["pad"])
    left, top, right, bottom = out["pad"][0].value
    assert top == bottom == 0.0  # 600 high x 512 wide: bars left and right
    assert left == right == pytest.approx((1 - 512 / 600) / 2)


def test_flip_stream_overrides_the_options_from_its_timestamp(astronaut: np.ndarray) -> None:
    text = """
    input_stream: "image" input_stream: "flip" output_stream: "out"
    node { calculator: "ImageTransformationCalculator" input_stream: "IMAGE:image"
      input_stream: "FLIP_HORIZONTALLY:flip" output_stream: "IMAGE:out" }
    """
    inputs = {"image": [(astronaut, 0), (astronaut, 1)], "flip": [(True, 0), (False, 1)]}
    out = [p.value for p in run_graph(text, inputs)["out"]]
    np.testing.assert_array_equal(out[0], astronaut[:, ::-1])
    np.testing.assert_array_equal(out[1], astronaut)


def test_rotation_that_is_not_a_right_angle_is_refused(astronaut: np.ndarray) -> None:
    text = """
    input_stream: "image" output_stream: "out"
    node { calculator: "ImageTransformationCalculator" input_stream: "IMAGE:image"
      input_side_packet: "ROTATION_DEGREES:angle" output_stream: "IMAGE:out" }
    """
    with pytest.raises(PipeserveError, match="multiple of 90"):
        run_graph(text, {"image": [(astronaut, 0)]}, side_packets={"angle": 45})
