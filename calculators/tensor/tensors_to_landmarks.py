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
        self.normalize_z = np.float32(options.normalize_z)
        self.sigmoid = (
            options.visibility_activation == Options.SIGMOID,
            options.presence_activation == Options.SIGMOID,
        )
        self.flip = (options.flip_horizontally, options.flip_vertically)
        self.raw = cc.outputs.has("LANDMARKS")

    def process(self, cc: CalculatorContext) -> None:
        packet = cc.inputs["TENSORS"]
        if packet.is_empty:
            return
        values = np.asarray(packet.value[0], np.float32).reshape(-1)
        dims = values.size // self.count
        if dims <= 0:
            raise ValueError(f"{values.size} values for {self.count} landmarks")
        data = np.zeros((self.count, 5), np.float32)
        used = min(dims, 5)
        data[:, :used] = values[: self.count * dims].reshape(self.count, dims)[:, :used]
        for axis, (flag_tag, default) in enumerate(
            zip(("FLIP_HORIZONTALLY", "FLIP_VERTICALLY"), self.flip, strict=True)
        ):
            flag = cc.inputs.get(flag_tag)
            if (default if flag.is_empty else bool(flag.value)) and dims > axis:
                data[:, axis] = self.size[axis] - data[:, axis]
        for column, activate in ((3, self.sigmoid[0]), (4, self.sigmoid[1])):
            if activate and dims > column:
                data[:, column] = sigmoid(data[:, column])
        if self.normalized:
            norm = data.copy()
            norm[:, :2] /= self.size
            norm[:, 2] = norm[:, 2] / self.size[0] / self.normalize_z
            cc.outputs["NORM_LANDMARKS"].add(NormalizedLandmarkList(norm))
        if self.raw:
            cc.outputs["LANDMARKS"].add(LandmarkList(data))
