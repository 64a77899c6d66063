"""InferenceCalculator: MediaPipe's TFLite inference node, run on OpenVINO (CPU, f32)."""

from __future__ import annotations

import numpy as np
from mediapipe.calculators.tensor.inference_calculator_pb2 import InferenceCalculatorOptions

from pipeserve.graphs.calculator import Calculator, CalculatorContext
from pipeserve.graphs.contract import CalculatorContract, Input, Output
from pipeserve.graphs.registry import register_calculator

from .models import ModelProvider, compile_model, resolve_model_path
from .session import InferenceSession


@register_calculator("InferenceCalculator")
class InferenceCalculator(Calculator):
    """Runs ``model_path`` (a ``.tflite``, or any file OpenVINO reads) on a tensor vector.

    ``model_path`` is absolute, relative to the working directory, or a MediaPipe path
    such as ``mediapipe/modules/pose_detection/pose_detection.tflite`` (resolved in the
    installed mediapipe package). Inputs go to the model inputs in order; outputs come in
    the model's output order (TFLite's). Delegate and thread options are ignored; the
    compiled model is shared per process (see ``models.compile_model``).

    Ports:
        TENSORS (input) - list[np.ndarray]
        TENSORS (output) - list[np.ndarray]

    Example::

        node {
          calculator: "InferenceCalculator"
          input_stream: "TENSORS:input_tensors"
          output_stream: "TENSORS:output_tensors"
          options: { [mediapipe.InferenceCalculatorOptions.ext] {
              model_path: "mediapipe/modules/pose_detection/pose_detection.tflite" } }
        }
    """

    TENSORS_IN = Input[list[np.ndarray]]("TENSORS")
    TENSORS_OUT = Output[list[np.ndarray]]("TENSORS")
    options_type = InferenceCalculatorOptions
    timestamp_offset = 0

    @classmethod
    def update_contract(cls, cc: CalculatorContract) -> None:
        if cc.options is None or not cc.options.model_path:
            raise cc.fail("options.model_path is required (MODEL side packets are unsupported)")

    @classmethod
    def check_models(cls, options: InferenceCalculatorOptions, provider: ModelProvider) -> None:
        """Raises ModelLoadError when ``model_path`` cannot be read and compiled."""
        compile_model(resolve_model_path(options.model_path))

    def open(self, cc: CalculatorContext) -> None:
        path = resolve_model_path(cc.options.model_path)
        self.request = InferenceSession(str(path), "0", compile_model(path)).create_request()

    def process(self, cc: CalculatorContext) -> None:
        packet = cc.inputs["TENSORS"]
        if not packet.is_empty:
            cc.outputs["TENSORS"].add(self.request.infer_vector(packet.value))
