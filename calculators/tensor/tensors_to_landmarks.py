"""TensorsToLandmarksCalculator: a landmark model's raw output as landmark lists.

Each landmark takes ``size / num_landmarks`` consecutive values: x, y, z, visibility,
presence (missing ones stay 0). Normalized output divides x, y by the model input size and
z by ``input_image_width * normalize_z``.

Ports:
    TENSORS - list[np.ndarray] (only the first tensor is read)
    FLIP_HORIZONTALLY, FLIP_VERTICALLY - bool (optional streams; else options)
    NORM_LANDMARKS - NormalizedLandmarkList (optional)
    LANDMARKS - LandmarkList (optional; raw model units)

Options: ``mediapipe.TensorsToLandmarksCalculatorOptions``.

Example::

    node {
      calculator: "TensorsToLandmarksCalculator"
      input_stream: "TENSORS:landmark_tensors"
      output_stream: "NORM_LANDMARKS:landmarks"
      options: { [mediapipe.TensorsToLandmarksCalculatorOptions.ext] {
        num_landmarks: 21 input_image_width: 224 input_image_height: 224
        normalize_z: 0.4 } }
    }
"""

from __future__ import annotations

import numpy as np
from mediapipe.calculators.tensor import tensors_to_landmarks_calculator_pb2

from pipeserve.calculators.formats import LandmarkList, NormalizedLandmarkList
from pipeserve.graphs import Calculator, CalculatorContext, Input, Output, register_calculator
from pipeserve.graphs.packet import Scalar

from .tensors_to_floats import sigmoid

Options = tensors_to_landmarks_calculator_pb2.TensorsToLandmarksCalculatorOptions


@register_calculator("TensorsToLandmarksCalculator")
class TensorsToLandmarksCalculator(Calculator):
    TENSORS = Input[list[np.ndarray]]("TENSORS")
    FLIP_HORIZONTALLY = Input[Scalar]("FLIP_HORIZONTALLY", optional=True)
    FLIP_VERTICALLY = Input[Scalar]("FLIP_VERTICALLY", optional=True)
    NORM_LANDMARKS = Output[NormalizedLandmarkList]("NORM_LANDMARKS", optional=True)
    LANDMARKS = Output[LandmarkList]("LANDMARKS", optional=True)
    options_type = Options
    timestamp_offset = 0

    def open(self, cc: CalculatorContext) -> None:
        options = cc.options
        if not options.HasField("num_landmarks"):
            raise ValueError("num_landmarks is required")
        has_size = options.HasField("input_image_width") and options.HasField("input_image_height")
        self.normalized = cc.outputs.has("NORM_LANDMARKS")
        if self.normalized and not has_size:
            raise ValueError("input_image_width/height are required for NORM_LANDMARKS")
        self.count = options.num_landmarks
        self.size = np.array([options.input_image_width, options.input_image_height], np.float32)
        width, height = self.size
        self.divisor = np.array([width, height, width, 1, 1], np.float32)
        """Normalizing divides x by the width, y by the height, z by the width (and then by
        ``normalize_z``); visibility and presence by 1 (unchanged)."""
        self.normalize_z = np.float32(options.normalize_z)
        self.sigmoid = (
            options.visibility_activation == Options.SIGMOID,
            options.presence_activation == Options.SIGMOID,
        )
        flip = (options.flip_horizontally, options.flip_vertically)
        self.flips = [
            (axis, tag, flip[axis])
            for axis, tag in enumerate(("FLIP_HORIZONTALLY", "FLIP_VERTICALLY"))
            if flip[axis] or cc.inputs.has(tag)
        ]
        """The flips that may apply: set by the options or by a wired input."""
        self.raw = cc.outputs.has("LANDMARKS")

    def process(self, cc: CalculatorContext) -> None:
        packet = cc.inputs["TENSORS"]
        if packet.is_empty:
            return
        count = self.count
        values = np.asarray(packet.value[0], np.float32).reshape(-1)
        dims = values.size // count
        if dims <= 0:
            raise ValueError(f"{values.size} values for {count} landmarks")
        rows = values[: count * dims].reshape(count, dims)
        if dims >= 5:
            data = rows[:, :5].copy()
        else:
            data = np.zeros((count, 5), np.float32)
            data[:, :dims] = rows
        for axis, tag, default in self.flips:
            flag = cc.inputs.get(tag)
            if (default if flag.is_empty else bool(flag.value)) and dims > axis:
                data[:, axis] = self.size[axis] - data[:, axis]
        visibility, presence = self.sigmoid
        if visibility and presence and dims >= 5:
            data[:, 3:5] = sigmoid(data[:, 3:5])
        else:
            for column, activate in ((3, visibility), (4, presence)):
                if activate and dims > column:
                    data[:, column] = sigmoid(data[:, column])
        if self.normalized:
            norm = data / self.divisor
            norm[:, 2] /= self.normalize_z
            cc.outputs["NORM_LANDMARKS"].add(NormalizedLandmarkList(norm))
        if self.raw:
            cc.outputs["LANDMARKS"].add(LandmarkList(data))
