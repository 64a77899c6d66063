"""PythonExecutorCalculator and pyovms.Tensor in-process (no server): fast checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeserve.calculators.python.handler import load_python_nodes
from pipeserve.graphs import CalculatorGraph, GraphSpec, Packet, load_graph_config
from pyovms import Tensor

from .graphs import GENERATOR_TWO, single, write_graphs


def run(root: Path, name: str, inputs: dict[str, float], close: bool = True) -> list:
    spec = GraphSpec(load_graph_config(root / name / "graph.pbtxt"), name=name)
    nodes = load_python_nodes(spec, root / name)
    assert nodes is not None
    graph = CalculatorGraph(spec)
    out: list = []
    for stream in spec.output_streams:
        graph.observe_output_stream(
            stream.name,
            lambda p: out.append((p.value.name, p.timestamp, np.array(p.value).tolist())),
        )
    graph.start(nodes.side_packets())
    for key, value in inputs.items():
        graph.add_packet(key, Packet(Tensor(key, np.array([value], np.float32)), 5))
    graph.close_all_input_streams()
    assert graph.wait_until_done(10)  # the LOOPBACK cycle must not keep the graph open
    nodes.retire()
    return out


def test_generative_node_yields_and_its_graph_finishes(tmp_path: Path) -> None:
    write_graphs(tmp_path, {"two": GENERATOR_TWO})
    assert run(tmp_path, "two", {"in1": 1.0, "in2": 10.0}) == [
        ("out1", 5, [2.0]), ("out2", 5, [11.0]), ("out1", 6, [3.0]),
        ("out2", 6, [12.0]), ("out1", 7, [4.0]), ("out2", 7, [13.0]),
    ]  # fmt: skip


def test_an_input_stream_without_the_py_tensor_tag_arrives_as_a_tensor(tmp_path: Path) -> None:
    graph = single("generator", "counting_generator.py", loopback=True).replace(
        "OVMS_PY_TENSOR:in", "in"
    )
    write_graphs(tmp_path, {"plain": graph})
    assert [v for _, _, v in run(tmp_path, "plain", {"in": 0.5})] == [[1.5], [2.5], [3.5]]


@pytest.mark.parametrize(
    ("data", "datatype", "shape", "fmt"),
    [
        (np.zeros((2, 3), np.float32), "FP32", (2, 3), "f"),
        (np.zeros(4, np.int64), "INT64", (4,), "l"),  # C long maps by its size
        (np.zeros(2, np.float16), "FP16", (2,), "e"),
        (np.zeros(1, np.bool_), "BOOL", (1,), "?"),
        (b"text", "UINT8", (4,), "B"),
        (np.array("my string"), "9w", (), "9w"),  # no KServe type: the format itself
    ],
)
def test_tensor_takes_shape_and_datatype_from_its_buffer(
    data: object, datatype: str, shape: tuple, fmt: str
) -> None:
    tensor = Tensor("t", data)
    assert (tensor.datatype, tensor.shape, tensor.data.format) == (datatype, shape, fmt)
    assert tensor.size == memoryview(data).nbytes  # type: ignore[arg-type]
    assert bytes(tensor) == memoryview(data).tobytes()  # type: ignore[arg-type]


def test_tensor_attributes_override_without_touching_the_buffer() -> None:
    source = np.arange(6, dtype=np.float32)
    tensor = Tensor("t", source, shape=(2, 3), datatype="my_type")
    assert (tensor.shape, tensor.datatype, tensor.data.shape) == ((2, 3), "my_type", (6,))
    assert np.shares_memory(np.asarray(tensor), source)


def test_tensor_over_request_bytes_is_typed_or_raw() -> None:
    typed = Tensor.from_buffer("x", np.arange(3, dtype="<i4").tobytes(), (1, 3), "INT32")
    assert np.asarray(typed).tolist() == [[0, 1, 2]]
    custom = Tensor.from_buffer("s", b"null0terminated0string0", (3,), "my_string")
    assert (custom.shape, custom.datatype, custom.data.format, custom.data.shape) == (
        (3,), "my_string", "B", (23,),
    )  # fmt: skip
