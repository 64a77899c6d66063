"""IrisToRenderDataCalculator: a circle around each iris and dots on its landmarks.

Each eye's 5 iris landmarks are the centre then 4 edge points; the circle's radius is
the mean centre-to-edge distance in pixels (so it stays round on any frame shape).
Circles are blue, 2 px; dots green, 1 px.

Ports:
    IRIS - NormalizedLandmarkList (10: left iris then right iris)
    IMAGE_SIZE - (width, height)
    RENDER_DATA (output) - RenderData

Example::

    node {
      calculator: "IrisToRenderDataCalculator"
      input_stream: "IRIS:iris_landmarks"
      input_stream: "IMAGE_SIZE:image_size"
      output_stream: "RENDER_DATA:iris_render_data"
    }
"""

from __future__ import annotations

import numpy as np

from pipeserve.calculators.formats import NormalizedLandmarkList
from pipeserve.graphs import Calculator, CalculatorContext, Input, Output, register_calculator

from .render_data import Annotation, Lines, Points, RenderData

CIRCLE_COLOR, DOT_COLOR = (0, 0, 255), (0, 255, 0)
_ANGLES = np.linspace(0.0, 2.0 * np.pi, 33)


def circle(center: np.ndarray, radius: float, size: tuple[int, int]) -> np.ndarray:
    """A closed polygon around ``center`` (normalized) as ``[32, 2, 2]`` segments."""
    offsets = np.stack([np.cos(_ANGLES), np.sin(_ANGLES)], axis=1) * radius / np.array(size)
    ring = center + offsets
    return np.stack([ring[:-1], ring[1:]], axis=1)


@register_calculator("IrisToRenderDataCalculator")
class IrisToRenderDataCalculator(Calculator):
    IRIS = Input[NormalizedLandmarkList]("IRIS")
    IMAGE_SIZE = Input[tuple[int, int]]("IMAGE_SIZE")
    RENDER_DATA = Output[RenderData]("RENDER_DATA")
    timestamp_offset = 0

    def process(self, cc: CalculatorContext) -> None:
        iris, size = cc.inputs["IRIS"], cc.inputs["IMAGE_SIZE"]
        if iris.is_empty or size.is_empty:
            return
        xy = iris.value.data[:, :2].astype(np.float64)
        if len(xy) % 5:
            raise ValueError(f"expected 5 iris landmarks per eye, got {len(xy)}")
        pixels = np.array(size.value, np.float64)
        annotations: list[Annotation] = []
        for eye in xy.reshape(-1, 5, 2):
            radius = float(np.linalg.norm((eye[1:] - eye[0]) * pixels, axis=1).mean())
            annotations.append(Lines(circle(eye[0], radius, size.value), CIRCLE_COLOR, 2))
        annotations.append(Points(xy, DOT_COLOR, 1))
        cc.outputs["RENDER_DATA"].add(RenderData(tuple(annotations)))
