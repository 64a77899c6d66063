"""RefineLandmarksFromHeatmapCalculator against a literal loop over holistic.md §1.4 step 7."""

from __future__ import annotations

import numpy as np
import pytest

import pipeserve.calculators  # noqa: F401  (registers the calculators)
from pipeserve.calculators.formats import NormalizedLandmarkList
from pipeserve.graphs.testing import CalculatorRunner

NODE = """calculator: "RefineLandmarksFromHeatmapCalculator"
  input_stream: "NORM_LANDMARKS:lms" input_stream: "TENSORS:hm" output_stream: "NORM_LANDMARKS:out"
  options { [mediapipe.RefineLandmarksFromHeatmapCalculatorOptions.ext] { kernel_size: 7 %s } }"""


def reference(
    lms: np.ndarray, heatmap: np.ndarray, min_conf: float, refine_vis: bool
) -> np.ndarray:
    """Per landmark: window centred on (int(x*W), int(y*H)) (truncation), sigmoid weights."""
    height, width, _ = heatmap.shape
    out = lms.copy()
    for i, (x, y) in enumerate(lms[:, :2]):
        col, row = int(x * width), int(y * height)
        if not (0 <= col < width and 0 <= row < height):
            continue
        total = wc = wr = peak = 0.0
        for r in range(max(0, row - 3), min(height, row + 4)):
            for c in range(max(0, col - 3), min(width, col + 4)):
                conf = 1 / (1 + np.exp(-float(heatmap[r, c, i])))
                total, wc, wr, peak = total + conf, wc + c * conf, wr + r * conf, max(peak, conf)
        if peak >= min_conf and total > 0:
            out[i, 0], out[i, 1] = wc / width / total, wr / height / total
        if refine_vis and total > 0:
            out[i, 3] = min(out[i, 3], peak)
    return out


@pytest.mark.parametrize(
    "options, min_conf, refine_vis",
    [("", 0.5, False), ("min_confidence_to_refine: 0.2 refine_visibility: true", 0.2, True)],
)
def test_refinement_matches_the_literal_algorithm(options, min_conf, refine_vis):
    rng = np.random.default_rng(0)
    count = 39
    lms = rng.uniform(0, 1, (count, 5)).astype(np.float32)
    lms[0, :2] = [-0.005, 0.5]  # int() truncates -0.32 to column 0: still refined
    lms[1, :2] = [1.2, 0.5]  # outside: untouched
    lms[2, :2] = [0.999, 0.001]  # corner: clipped window
    heatmap = rng.normal(-1, 2, (64, 64, count)).astype(np.float32)
    out = CalculatorRunner(NODE % options).run(
        {"lms": [(NormalizedLandmarkList(lms), 0)], "hm": [([heatmap[None]], 0)]}
    )
    refined = out["out"][0].value.data
    expected = reference(lms, heatmap, min_conf, refine_vis)
    np.testing.assert_allclose(refined, expected, atol=2e-6)
    assert refined[0, 0] != lms[0, 0] and refined[1, 0] == lms[1, 0]


def test_without_heatmap_landmarks_pass_through():
    lms = NormalizedLandmarkList(np.zeros((3, 5), np.float32))
    out = CalculatorRunner(NODE % "").run({"lms": [(lms, 0)]})
    assert out["out"][0].value is lms
