"""TensorsToFloatsCalculator: the first tensor's values as a float or a float vector.

Ports:
    TENSORS - list[np.ndarray] (only the first tensor is read)
    FLOAT - float (the tensor must hold exactly one value), or
    FLOATS - np.ndarray (float32, flattened); exactly one of the two

Options: ``mediapipe.TensorsToFloatsCalculatorOptions`` (activation NONE or SIGMOID).

Example::

    node {
      calculator: "TensorsToFloatsCalculator"
      input_stream: "TENSORS:face_flag_tensor"
      output_stream: "FLOAT:face_presence_score"
      options: { [mediapipe.TensorsToFloatsCalculatorOptions.ext] { activation: SIGMOID } }
    }
"""

from __future__ import annotations

import numpy as np
from mediapipe.calculators.tensor import tensors_to_floats_calculator_pb2

from pipeserve.calculators.util.contracts import require_one_of
from pipeserve.graphs import (
    Calculator,
    CalculatorContext,
    CalculatorContract,
    Input,
    Output,
    register_calculator,
)

Options = tensors_to_floats_calculator_pb2.TensorsToFloatsCalculatorOptions


def sigmoid(values: np.ndarray) -> np.ndarray:
    """float32 ``1 / (1 + expf(-v))``; exp in float64 rounded to float32 matches the
    C library's (correctly rounded) expf."""
    with np.errstate(over="ignore"):
        e = np.exp(-np.asarray(values, np.float64)).astype(np.float32)
    return np.float32(1.0) / (np.float32(1.0) + e)


@register_calculator("TensorsToFloatsCalculator")
class TensorsToFloatsCalculator(Calculator):
    TENSORS = Input[list[np.ndarray]]("TENSORS")
    FLOAT = Output[float]("FLOAT", optional=True)
    FLOATS = Output[np.ndarray]("FLOATS", optional=True)
    options_type = Options
    timestamp_offset = 0

    @classmethod
    def update_contract(cls, cc: CalculatorContract) -> None:
        require_one_of(cc, True, "FLOAT", "FLOATS")

    def open(self, cc: CalculatorContext) -> None:
        self.sigmoid = cc.options.activation == Options.SIGMOID
        self.single = cc.outputs.has("FLOAT")

    def process(self, cc: CalculatorContext) -> None:
        tensors = cc.inputs["TENSORS"].value
        if not len(tensors):
            raise ValueError("TENSORS is empty")
        values = np.asarray(tensors[0], np.float32).reshape(-1)
        if self.sigmoid:
            values = sigmoid(values)
        if not self.single:
            cc.outputs["FLOATS"].add(values)
        elif values.size != 1:
            raise ValueError(f"FLOAT needs a one-element tensor, got {values.size} values")
        else:
            cc.outputs["FLOAT"].add(float(values[0]))
