"""Graphs and configs with Python nodes for the tests (our own files, OVMS's layout)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

HANDLERS = Path(__file__).resolve().parent / "handlers"


def python_node(
    name: str,
    handler: str,
    inputs: list[str],
    outputs: list[str],
    loopback: bool = False,
) -> str:
    """A PythonExecutorCalculator node; ``loopback`` adds the generative wiring."""
    streams = [f'input_stream: "{s}"' for s in inputs] + [f'output_stream: "{s}"' for s in outputs]
    if loopback:
        streams += [
            'input_stream: "LOOPBACK:loopback"',
            'output_stream: "LOOPBACK:loopback"',
            "input_stream_info { tag_index: 'LOOPBACK:0' back_edge: true }",
            'input_stream_handler { input_stream_handler: "SyncSetInputStreamHandler" '
            "options { [mediapipe.SyncSetInputStreamHandlerOptions.ext] { "
            'sync_set { tag_index: "LOOPBACK:0" } } } }',
        ]
    name_line = f'name: "{name}"' if name else ""
    return f"""
node {{
  {name_line}
  calculator: "PythonExecutorCalculator"
  input_side_packet: "PYTHON_NODE_RESOURCES:py"
  {" ".join(streams)}
  node_options: {{
    [type.googleapis.com/mediapipe.PythonExecutorCalculatorOptions]: {{ handler_path: "{handler}" }}
  }}
}}
"""


def single(name: str, handler: str, loopback: bool = False) -> str:
    """One Python node between graph input ``in`` and graph output ``out``."""
    return 'input_stream: "OVMS_PY_TENSOR:in"\noutput_stream: "OVMS_PY_TENSOR:out"\n' + python_node(
        name, handler, ["INPUT:in"], ["OUTPUT:out"], loopback
    )


SUMMATOR = """
input_stream: "OVMS_PY_TENSOR1:in1"
input_stream: "OVMS_PY_TENSOR2:in2"
output_stream: "OVMS_PY_TENSOR:out"
""" + python_node("summator", "summator.py", ["INPUT1:in1", "INPUT2:in2"], ["OUTPUT:out"])

GENERATOR_TWO = """
input_stream: "OVMS_PY_TENSOR1:in1"
input_stream: "OVMS_PY_TENSOR2:in2"
output_stream: "OVMS_PY_TENSOR1:out1"
output_stream: "OVMS_PY_TENSOR2:out2"
""" + python_node(
    "generator",
    "counting_generator.py",
    ["INPUT1:in1", "INPUT2:in2"],
    ["OUTPUT1:out1", "OUTPUT2:out2"],
    loopback=True,
)


def write_graphs(root: Path, graphs: dict[str, str]) -> Path:
    """Graph folders holding their graph and every test handler, and ``config.json``."""
    for name, text in graphs.items():
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        for handler in HANDLERS.glob("*.py"):
            shutil.copy(handler, folder / handler.name)
        (folder / "graph.pbtxt").write_text(text)
    config = {
        "model_config_list": [],
        "mediapipe_config_list": [{"name": n, "base_path": n} for n in graphs],
    }
    path = root / "config.json"
    path.write_text(json.dumps(config, indent=1))
    return path
