"""The graphs the server tests serve, by name (written to a temporary config folder)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

PASSTHROUGH = """
input_stream: "in"
output_stream: "out"
node { calculator: "PassThroughCalculator" input_stream: "in" output_stream: "out" }
"""

GRAPHS = {
    "passthrough": PASSTHROUGH,
    "words": """
input_stream: "TEXT:text"
output_stream: "WORD:word"
node { calculator: "WordsCalculator" input_stream: "TEXT:text" output_stream: "WORD:word" }
""",
    "fail": """
input_stream: "in"
output_stream: "out"
node { calculator: "TestServerFailOnValueCalculator" input_stream: "in" output_stream: "out" }
""",
    "delayed": """
input_stream: "in"
output_stream: "now"
output_stream: "later"
node { calculator: "PassThroughCalculator" input_stream: "in" output_stream: "now" }
node { calculator: "TestServerDelayUntilNextCalculator" input_stream: "in" output_stream: "later" }
""",
    "side": """
input_stream: "in"
output_stream: "out"
node {
  calculator: "TestServerSideLabelCalculator"
  input_stream: "in"
  input_side_packet: "LABEL:label"
  input_side_packet: "COUNT:count"
  output_stream: "out"
}
""",
    "slow": """
input_stream: "in"
output_stream: "out"
max_queue_size: 2
node { calculator: "TestServerSlowCalculator" input_stream: "in" output_stream: "out" }
""",
    "previous": """
input_stream: "in"
output_stream: "prev"
node { calculator: "PassThroughCalculator" input_stream: "in" output_stream: "loop" }
node {
  calculator: "PreviousLoopbackCalculator"
  input_stream: "MAIN:in"
  input_stream: "LOOP:loop"
  input_stream_info { tag_index: "LOOP" back_edge: true }
  output_stream: "PREV_LOOP:prev"
}
""",
    "sum": """
input_stream: "a"
input_stream: "b"
output_stream: "sum"
node { calculator: "TestScalarAddCalculator" input_stream: "A:a" input_stream: "B:b"
       output_stream: "SUM:sum" }
""",
    "image": """
input_stream: "IMAGE:image"
output_stream: "IMAGE:image_out"
node { calculator: "PassThroughCalculator" input_stream: "IMAGE:image"
       output_stream: "IMAGE:image_out" }
""",
    "request": """
input_stream: "REQUEST:request"
output_stream: "RESPONSE:response"
node { calculator: "TestServerRequestEchoCalculator" input_stream: "REQUEST:request"
       output_stream: "RESPONSE:response" }
""",
    "ticker": """
input_stream: "in"
output_stream: "tick"
node { calculator: "TestServerTickerCalculator" input_stream: "in" output_stream: "tick" }
""",
    "pid": """
input_stream: "in"
output_stream: "pid"
node { calculator: "TestServerPidCalculator" input_stream: "in" output_stream: "pid" }
""",
    "pace": """
input_stream: "in"
output_stream: "tick"
node { calculator: "TestServerPaceCalculator" input_stream: "in" output_stream: "tick" }
""",
    "crawl": """
input_stream: "in"
output_stream: "out"
node { calculator: "TestServerPaceCalculator" input_stream: "in" output_stream: "tick" }
node { calculator: "TestServerNapCalculator" input_stream: "tick" output_stream: "out" }
""",
    "broken": """
input_stream: "in"
output_stream: "out"
node { calculator: "NoSuchCalculator" input_stream: "in" output_stream: "out" }
""",
}
MODEL_NAME = "double"


def write_double_model(folder: Path) -> None:
    """An OpenVINO model ``y = 2 * x`` (FP32 [1, 3]) at ``folder/1/double.xml``."""
    import openvino as ov
    from openvino import opset13 as ops

    x = ops.parameter([1, 3], np.float32, name="x")
    y = ops.multiply(x, ops.constant(np.float32(2)))
    y.output(0).set_names({"y"})
    (folder / "1").mkdir(parents=True)
    ov.save_model(ov.Model([y], [x], MODEL_NAME), str(folder / "1" / f"{MODEL_NAME}.xml"))


def write_config(root: Path, graphs: dict[str, str] = GRAPHS, model: bool = True) -> Path:
    """Graph folders, the model and an OVMS ``config.json`` under ``root``; returns its path."""
    for name, text in graphs.items():
        (root / name).mkdir(parents=True, exist_ok=True)
        (root / name / "graph.pbtxt").write_text(text)
    models = []
    if model:
        write_double_model(root / "models" / MODEL_NAME)
        models = [{"config": {"name": MODEL_NAME, "base_path": f"models/{MODEL_NAME}"}}]
    config = {
        "model_config_list": models,
        "mediapipe_config_list": [{"name": n, "base_path": n} for n in graphs],
    }
    path = root / "config.json"
    path.write_text(json.dumps(config, indent=1))
    return path
