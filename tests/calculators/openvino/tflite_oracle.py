"""TFLite reference outputs: MediaPipe's own ImageToTensor + InferenceCalculator (XNNPACK).

Runs a 4-node ``mp.CalculatorGraph`` and reads back the exact input tensor and every
output tensor as float lists (``TensorsToFloatsCalculator``), so OpenVINO can be fed the
very same input.
"""

from __future__ import annotations

from dataclasses import dataclass

import mediapipe as mp
import numpy as np
from google.protobuf import text_format
from mediapipe.framework import calculator_pb2

from pipeserve.calculators.openvino.models import mediapipe_root


@dataclass(frozen=True)
class TfliteRun:
    """The input tensor MediaPipe built and the model's outputs (flattened, model order)."""

    input: np.ndarray
    outputs: list[np.ndarray]


def _graph_text(
    model_file: str, size: tuple[int, int], value_range: tuple[float, float], num_outputs: int
) -> str:
    width, height = size
    ranges = " ".join(f"ranges {{ begin: {i} end: {i + 1} }}" for i in range(num_outputs))
    splits = " ".join(f'output_stream: "out{i}"' for i in range(num_outputs))
    floats = "\n".join(
        f'node {{ calculator: "TensorsToFloatsCalculator" input_stream: "TENSORS:out{i}" '
        f'output_stream: "FLOATS:floats{i}" }}'
        for i in range(num_outputs)
    )
    return f"""
input_stream: "image"
node {{
  calculator: "ImageToTensorCalculator" input_stream: "IMAGE:image" output_stream: "TENSORS:in"
  options {{ [mediapipe.ImageToTensorCalculatorOptions.ext] {{
    output_tensor_width: {width} output_tensor_height: {height} keep_aspect_ratio: true
    output_tensor_float_range {{ min: {value_range[0]} max: {value_range[1]} }} }} }}
}}
node {{ calculator: "TensorsToFloatsCalculator" input_stream: "TENSORS:in"
        output_stream: "FLOATS:input_floats" }}
node {{
  calculator: "InferenceCalculator" input_stream: "TENSORS:in" output_stream: "TENSORS:out"
  options {{ [mediapipe.InferenceCalculatorOptions.ext] {{
    model_path: "{model_file}" delegate {{ xnnpack {{}} }} }} }}
}}
node {{
  calculator: "SplitTensorVectorCalculator" input_stream: "out" {splits}
  options {{ [mediapipe.SplitVectorCalculatorOptions.ext] {{ {ranges} }} }}
}}
{floats}
"""


def run_tflite(
    model: str,
    image: np.ndarray,
    size: tuple[int, int],
    value_range: tuple[float, float],
    num_outputs: int,
) -> TfliteRun:
    """Run ``model`` (path under ``mediapipe/modules``) on ``image`` letterboxed to ``size``."""
    model_file = mediapipe_root() / "mediapipe" / "modules" / model
    config = text_format.Parse(
        _graph_text(str(model_file), size, value_range, num_outputs),
        calculator_pb2.CalculatorGraphConfig(),
    )
    graph = mp.CalculatorGraph(graph_config=config)
    results: dict[str, np.ndarray] = {}
    names = ["input_floats"] + [f"floats{i}" for i in range(num_outputs)]
    for name in names:
        graph.observe_output_stream(
            name,
            lambda stream, packet: results.__setitem__(
                stream, np.array(mp.packet_getter.get_float_list(packet), np.float32)
            ),
        )
    graph.start_run()
    frame = mp.packet_creator.create_image_frame(image_format=mp.ImageFormat.SRGB, data=image)
    graph.add_packet_to_input_stream("image", frame.at(0))
    graph.close()
    return TfliteRun(results["input_floats"], [results[f"floats{i}"] for i in range(num_outputs)])
