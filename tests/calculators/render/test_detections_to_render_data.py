"""DetectionsToRenderDataCalculator: captions and clipped boxes, drawn by the overlay."""

from __future__ import annotations

import numpy as np
import pytest

import pipeserve.calculators  # noqa: F401  (registers the calculators)
from pipeserve.calculators.formats import Detection
from pipeserve.calculators.render.render_data import Rect, Text
from pipeserve.graphs.testing import run_graph

GRAPH = """
input_stream: "detections" output_stream: "render"
node { calculator: "DetectionsToRenderDataCalculator" input_stream: "DETECTIONS:detections"
  output_stream: "RENDER_DATA:render"
  options { [mediapipe.DetectionsToRenderDataCalculatorOptions.ext] {
    thickness: 4.0 color { r: 255 g: 0 b: 0 } OPTIONS } } }
"""


def _render(detections: list[Detection], options: str = "") -> list:
    out = run_graph(GRAPH.replace("OPTIONS", options), {"detections": [(detections, 0)]})
    return [p.value for p in out["render"]]


def test_each_detection_gets_a_caption_and_its_box() -> None:
    person = Detection(0.2, 0.4, 0.5, 0.3, 0.876, label_id=1, label="person")
    (render,) = _render([person, Detection(0.1, 0.1, 0.2, 0.2, 0.5, label_id=3)])
    text, rect, text2, _ = render.annotations
    assert isinstance(text, Text) and isinstance(rect, Rect)
    assert (text.text, text2.text) == ("person,0.88,", "3,0.5,")
    assert text.left == 0.2 and text.baseline == pytest.approx(0.43)
    assert text.height == pytest.approx(0.9 * 0.03) and text.color == (255, 0, 0)
    assert (rect.rect.x_center, rect.rect.width) == pytest.approx((0.45, 0.5))
    assert rect.thickness == 4


def test_boxes_are_clipped_to_the_image_and_dropped_outside_it() -> None:
    (render,) = _render([Detection(-0.2, 0.9, 0.4, 0.3, 0.7), Detection(1.2, 0.5, 0.1, 0.1, 0.7)])
    rects = [a.rect for a in render.annotations if isinstance(a, Rect)]
    assert len(rects) == 1
    assert rects[0].x_center == pytest.approx(0.1) and rects[0].width == pytest.approx(0.2)
    assert rects[0].y_center == pytest.approx(0.95) and rects[0].height == pytest.approx(0.1)


@pytest.mark.parametrize(("options", "packets"), [("", 1), ("produce_empty_packet: false", 0)])
def test_no_detections_give_an_empty_render_data_unless_told_not_to(
    options: str, packets: int
) -> None:
    out = _render([], options)
    assert len(out) == packets and all(len(r) == 0 for r in out)


def test_the_overlay_draws_the_box_in_the_detection_colour() -> None:
    text = """
    input_stream: "image" input_stream: "detections" output_stream: "out"
    node { calculator: "DetectionsToRenderDataCalculator" input_stream: "DETECTIONS:detections"
      output_stream: "RENDER_DATA:render"
      options { [mediapipe.DetectionsToRenderDataCalculatorOptions.ext] {
        thickness: 2.0 color { r: 0 g: 0 b: 255 } } } }
    node { calculator: "AnnotationOverlayCalculator" input_stream: "IMAGE:image"
      input_stream: "render" output_stream: "IMAGE:out" }
    """
    image = np.zeros((100, 200, 3), np.uint8)
    box = Detection(0.25, 0.5, 0.5, 0.4, 0.9, label="boat")
    out = run_graph(text, {"image": [(image, 0)], "detections": [([box], 0)]})["out"][0].value
    drawn = np.argwhere(out[..., 2] > 128)
    assert drawn[:, 1].min() in (49, 50) and drawn[:, 1].max() in (149, 150, 151)
    assert drawn[:, 0].max() in (89, 90, 91) and (out[..., :2] == 0).all()
