"""Build a stand-in for the SSDLite detector of the object detection demo, in code.

No wheel ships the SSDLite COCO model, so this writes an OpenVINO model with its exact
interface: input ``normalized_input_image_tensor`` float32 [1, 320, 320, 3] (RGB in
-1..1), outputs ``raw_outputs/box_encodings`` [1, 2034, 4] and
``raw_outputs/class_predictions`` [1, 2034, 91] (logits), over the demo graph's 2034
SSD anchors. What it "detects" is colour: every 16 x 16 cell of the input that is mostly
red, green or blue scores high for class 1, 2 or 3 (person, bicycle, car) on the first
anchor of that cell (a 32 x 32 box centred on the cell), with zero box regressions. So a
red 32 x 32 square drawn on a photo comes back as a "person" box around it.

    python demos/object_detection/make_model.py          # -> ssdlite_object_detection/1/
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import openvino as ov
from openvino import opset13 as ops

HERE = Path(__file__).resolve().parent
INPUT = "normalized_input_image_tensor"
BOXES, SCORES = "raw_outputs/box_encodings", "raw_outputs/class_predictions"
NUM_BOXES, NUM_CLASSES, GRID = 2034, 91, 20
ANCHORS_PER_CELL = 3  # the lowest layer's anchors (reduce_boxes_in_lowest_layer)
BACKGROUND_LOGIT = -8.0


def build_model() -> ov.Model:
    """The colour detector with the SSDLite demo model's names and shapes."""
    image = ops.parameter([1, 320, 320, 3], np.float32, name=INPUT)
    image.output(0).set_names({INPUT})
    nchw = ops.transpose(image, ops.constant(np.array([0, 3, 1, 2], np.int64)))
    cells = ops.avg_pool(nchw, [16, 16], [0, 0], [0, 0], [16, 16], exclude_pad=True)
    # colour dominance per cell: channel minus the mean of the two others, in -2..2
    mix = np.full((3, 3, 1, 1), -0.5, np.float32)
    np.fill_diagonal(mix[:, :, 0, 0], 1.0)
    dominance = ops.convolution(cells, ops.constant(mix), [1, 1], [0, 0], [0, 0], [1, 1])
    logits = ops.subtract(
        ops.multiply(dominance, ops.constant(np.float32(8.0))), ops.constant(np.float32(6.0))
    )
    per_cell = ops.reshape(
        ops.transpose(logits, ops.constant(np.array([0, 2, 3, 1], np.int64))),
        ops.constant(np.array([GRID * GRID, 3], np.int64)),
        special_zero=False,
    )
    background = np.full((GRID * GRID, 1), BACKGROUND_LOGIT, np.float32)
    rest = np.full((GRID * GRID, NUM_CLASSES - 4), BACKGROUND_LOGIT, np.float32)
    first_anchor = ops.concat([ops.constant(background), per_cell, ops.constant(rest)], 1)
    other = np.full((GRID * GRID, ANCHORS_PER_CELL - 1, NUM_CLASSES), BACKGROUND_LOGIT, np.float32)
    lowest = ops.concat(
        [ops.unsqueeze(first_anchor, ops.constant(np.int64(1))), ops.constant(other)], 1
    )
    upper = np.full((NUM_BOXES - GRID * GRID * ANCHORS_PER_CELL, NUM_CLASSES), BACKGROUND_LOGIT)
    scores = ops.reshape(
        ops.concat(
            [
                ops.reshape(lowest, ops.constant(np.array([-1, NUM_CLASSES], np.int64)), False),
                ops.constant(upper.astype(np.float32)),
            ],
            0,
        ),
        ops.constant(np.array([1, NUM_BOXES, NUM_CLASSES], np.int64)),
        special_zero=False,
    )
    # zero regressions that still depend on the input, so the model has one data path
    boxes = ops.multiply(
        ops.reduce_sum(image, ops.constant(np.array([1, 2, 3], np.int64)), keep_dims=False),
        ops.constant(np.zeros((1, NUM_BOXES, 4), np.float32)),
    )
    boxes.output(0).set_names({BOXES})
    scores.output(0).set_names({SCORES})
    return ov.Model([boxes, scores], [image], "ssdlite_object_detection_stand_in")


def write_model(folder: Path) -> Path:
    """Save the model as ``<folder>/1/model.xml`` (OVMS's layout); returns the path."""
    path = folder / "1" / "model.xml"
    path.parent.mkdir(parents=True, exist_ok=True)
    ov.save_model(build_model(), str(path))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=HERE / "ssdlite_object_detection")
    print(write_model(parser.parse_args().output))


if __name__ == "__main__":
    main()
