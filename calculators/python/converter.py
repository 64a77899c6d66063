"""PyTensorOvTensorConverterCalculator: pyovms.Tensor <-> OpenVINO tensor (numpy array)."""

from __future__ import annotations

from typing import Any

import numpy as np

from pipeserve.graphs import (
    Calculator,
    CalculatorContext,
    CalculatorContract,
    Input,
    Output,
    register_calculator,
)
from pipeserve.proto.python_calculators_pb2 import PyTensorOvTensorConverterCalculatorOptions
from pyovms import DATATYPE_FORMATS, Tensor

PY_TAG = "OVMS_PY_TENSOR"
OV_TAG = "OVTENSOR"


@register_calculator("PyTensorOvTensorConverterCalculator")
class PyTensorOvTensorConverterCalculator(Calculator):
    """Converts one stream either way: OVMS_PY_TENSOR in -> OVTENSOR out (the Tensor's
    buffer as an array of its datatype and shape, no copy), or OVTENSOR in ->
    OVMS_PY_TENSOR out, named by ``tag_to_output_tensor_names["OVMS_PY_TENSOR"]``.

    Ports: OVMS_PY_TENSOR - pyovms.Tensor; OVTENSOR - np.ndarray / ov.Tensor.

    Example::

        node {
          calculator: "PyTensorOvTensorConverterCalculator"
          input_stream: "OVTENSOR:logits"
          output_stream: "OVMS_PY_TENSOR:logits_py"
          node_options: {
            [type.googleapis.com/mediapipe.PyTensorOvTensorConverterCalculatorOptions] {
              tag_to_output_tensor_names { key: "OVMS_PY_TENSOR" value: "logits" }
            }
          }
        }
    """

    PY_IN = Input[Any](PY_TAG, optional=True)
    OV_IN = Input[Any](OV_TAG, optional=True)
    PY_OUT = Output[Tensor](PY_TAG, optional=True)
    OV_OUT = Output[np.ndarray](OV_TAG, optional=True)
    options_type = PyTensorOvTensorConverterCalculatorOptions
    timestamp_offset = 0

    @classmethod
    def update_contract(cls, cc: CalculatorContract) -> None:
        to_py = OV_TAG in cc.inputs and PY_TAG in cc.outputs
        to_ov = PY_TAG in cc.inputs and OV_TAG in cc.outputs
        if len(cc.inputs) != 1 or len(cc.outputs) != 1 or not (to_py or to_ov):
            raise cc.fail("needs one OVMS_PY_TENSOR and one OVTENSOR stream, one in, one out")
        if to_py and PY_TAG not in cc.options.tag_to_output_tensor_names:
            raise cc.fail('tag_to_output_tensor_names needs a name for "OVMS_PY_TENSOR"')

    def open(self, cc: CalculatorContext) -> None:
        self.to_py = cc.inputs.has(OV_TAG)
        self.name = cc.options.tag_to_output_tensor_names.get(PY_TAG, "")

    def process(self, cc: CalculatorContext) -> None:
        if self.to_py:
            array = np.asarray(getattr(cc.inputs[OV_TAG].value, "data", cc.inputs[OV_TAG].value))
            cc.outputs[PY_TAG].add(Tensor(self.name, np.ascontiguousarray(array)))
            return
        tensor = cc.inputs[PY_TAG].value
        if not isinstance(tensor, Tensor):
            raise TypeError(f"OVMS_PY_TENSOR input is a {type(tensor).__name__}, not a Tensor")
        cc.outputs[OV_TAG].add(to_array(tensor))


def to_array(tensor: Tensor) -> np.ndarray:
    """The Tensor's buffer as an array of its datatype and shape (no copy)."""
    fmt = DATATYPE_FORMATS.get(tensor.datatype)
    if fmt is None:
        raise ValueError(f"Undefined precision in input python tensor: {tensor.datatype}")
    if any(d < 0 for d in tensor.shape):
        raise ValueError(f"dimension negative during conversion: {list(tensor.shape)}")
    dtype = np.dtype(fmt)
    count = int(np.prod(tensor.shape, dtype=np.int64))
    if count * dtype.itemsize != tensor.size:
        raise ValueError(
            f"Python tensor buffer has {tensor.size} bytes, shape {list(tensor.shape)} of "
            f"{tensor.datatype} needs {count * dtype.itemsize}"
        )
    return np.frombuffer(tensor.data, dtype=dtype).reshape(tensor.shape)
