"""OVMS's model demos on pipeserve, with models generated to their interfaces, over gRPC.

- objectDetection: our demo folder (graph, config, label map) and the stand-in SSD model
  built by ``demos/object_detection/make_model.py``; the client sends what OVMS's client
  sends (one image, unary ``infer``, requested output ``output``).
- resnetMediapipe-style classification: session + inference with OVMS's tag mapping
  (``B`` -> input ``0``, ``A`` <- output ``1463``) on a generated [1, 3, 224, 224] model.
- dummyAdd-style two-model graph: ``dummy`` (b -> a = b + 1) feeding ``add``.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import openvino as ov
import pytest
import tritonclient.grpc as grpcclient
from openvino import opset13 as ops

from pipeserve.clients.local_server import LocalServer
from tests.demos.demo_scripts import DEMOS, load_demo_script

CLASSIFICATION = """
input_stream: "in"
output_stream: "out"
node { calculator: "OpenVINOModelServerSessionCalculator" output_side_packet: "SESSION:session"
  node_options { [type.googleapis.com/mediapipe.OpenVINOModelServerSessionCalculatorOptions] {
    servable_name: "resnet" servable_version: "1" } } }
node { calculator: "OpenVINOInferenceCalculator" input_side_packet: "SESSION:session"
  input_stream: "B:in" output_stream: "A:out"
  node_options { [type.googleapis.com/mediapipe.OpenVINOInferenceCalculatorOptions] {
    tag_to_input_tensor_names { key: "B" value: "0" }
    tag_to_output_tensor_names { key: "A" value: "1463" } } } }
"""
TWO_MODELS = """
input_stream: "in1"
input_stream: "in2"
output_stream: "out"
node { calculator: "OpenVINOModelServerSessionCalculator" output_side_packet: "SESSION:dummy"
  node_options { [type.googleapis.com/mediapipe.OpenVINOModelServerSessionCalculatorOptions] {
    servable_name: "dummy" } } }
node { calculator: "OpenVINOModelServerSessionCalculator" output_side_packet: "SESSION:add"
  node_options { [type.googleapis.com/mediapipe.OpenVINOModelServerSessionCalculatorOptions] {
    servable_name: "add" } } }
node { calculator: "OpenVINOInferenceCalculator" input_side_packet: "SESSION:dummy"
  input_stream: "DUMMY_IN:in1" output_stream: "DUMMY_OUT:dummy_output"
  node_options { [type.googleapis.com/mediapipe.OpenVINOInferenceCalculatorOptions] {
    tag_to_input_tensor_names { key: "DUMMY_IN" value: "b" }
    tag_to_output_tensor_names { key: "DUMMY_OUT" value: "a" } } } }
node { calculator: "OpenVINOInferenceCalculator" input_side_packet: "SESSION:add"
  input_stream: "ADD_INPUT1:dummy_output" input_stream: "ADD_INPUT2:in2"
  output_stream: "SUM:out"
  node_options { [type.googleapis.com/mediapipe.OpenVINOInferenceCalculatorOptions] {
    tag_to_input_tensor_names { key: "ADD_INPUT1" value: "input1" }
    tag_to_input_tensor_names { key: "ADD_INPUT2" value: "input2" }
    tag_to_output_tensor_names { key: "SUM" value: "sum" } } } }
"""
CLASS_WEIGHTS = np.zeros((3, 1000), np.float32)
CLASS_WEIGHTS[[0, 1, 2], [404, 207, 340]] = 10.0  # red, green, blue images -> one class each


def _save(model: ov.Model, folder: Path) -> None:
    (folder / "1").mkdir(parents=True)
    ov.save_model(model, str(folder / "1" / "model.xml"))


def _named(node: ov.Node, name: str) -> ov.Node:
    node.output(0).set_names({name})
    return node


def _classifier() -> ov.Model:
    """``0`` [1, 3, 224, 224] -> ``1463`` [1, 1000]: softmax over the mean colour."""
    image = _named(ops.parameter([1, 3, 224, 224], np.float32, name="0"), "0")
    mean = ops.reduce_mean(image, ops.constant(np.array([2, 3], np.int64)), keep_dims=False)
    logits = ops.matmul(mean, ops.constant(CLASS_WEIGHTS / 255.0), False, False)
    return ov.Model([_named(ops.softmax(logits, 1), "1463")], [image], "classifier")


def _dummy_and_add() -> tuple[ov.Model, ov.Model]:
    b = _named(ops.parameter([1, 10], np.float32, name="b"), "b")
    a = _named(ops.add(b, ops.constant(np.float32(1))), "a")
    x = _named(ops.parameter([1, 10], np.float32, name="input1"), "input1")
    y = _named(ops.parameter([1, 10], np.float32, name="input2"), "input2")
    total = _named(ops.add(x, y), "sum")
    return ov.Model([a], [b], "dummy"), ov.Model([total], [x, y], "add")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    root = tmp_path_factory.mktemp("ovms_demos")
    detection = root / "object_detection"
    detection.mkdir()
    for name in ("graph.pbtxt", "config.json", "ssdlite_object_detection_labelmap.txt"):
        shutil.copy(DEMOS / "object_detection" / name, detection / name)
    load_demo_script("object_detection", "make_model").write_model(
        detection / "ssdlite_object_detection"
    )
    _save(_classifier(), root / "models" / "resnet")
    dummy, add = _dummy_and_add()
    _save(dummy, root / "models" / "dummy")
    _save(add, root / "models" / "add")
    for name, text in (("classification", CLASSIFICATION), ("dummyAdd", TWO_MODELS)):
        (root / name).mkdir()
        (root / name / "graph.pbtxt").write_text(text)
    config = json.loads((detection / "config.json").read_text())
    config["model_config_list"][0]["config"]["base_path"] = str(
        detection / "ssdlite_object_detection"
    )
    config["mediapipe_config_list"][0]["base_path"] = str(detection)
    config["model_config_list"] += [
        {"config": {"name": n, "base_path": f"models/{n}"}} for n in ("resnet", "dummy", "add")
    ]
    config["mediapipe_config_list"] += [
        {"name": "resnetMediapipe", "base_path": "classification"},
        {"name": "dummyAdd", "base_path": "dummyAdd"},
    ]
    (root / "config.json").write_text(json.dumps(config))
    with contextlib.chdir(detection):  # the label map is found from the working directory
        running = LocalServer(root / "config.json", root / "server.log")
    with running:
        yield running


def _infer(server: LocalServer, graph: str, inputs: dict[str, np.ndarray], output: str):
    client = grpcclient.InferenceServerClient(server.url)
    try:
        request = []
        for name, value in inputs.items():
            tensor = grpcclient.InferInput(
                name, list(value.shape), "UINT8" if value.dtype == np.uint8 else "FP32"
            )
            tensor.set_data_from_numpy(value)
            request.append(tensor)
        outputs = [grpcclient.InferRequestedOutput(output)]
        return client.infer(graph, request, outputs=outputs).as_numpy(output)
    finally:
        client.close()


def test_object_detection_boxes_the_red_square_as_a_person(
    server: LocalServer, astronaut: np.ndarray
) -> None:
    grey = astronaut[:320, 96:416].mean(axis=2).astype(np.uint8)  # 320 x 320: 16 px cells
    image = np.repeat(grey[..., None], 3, axis=2)  # no colour, so nothing else is found
    image[80:96, 128:144] = (255, 0, 0)  # exactly the cell in row 5, column 8
    out = _infer(server, "objectDetection", {"input": image}, "output")

    assert out.shape == (320, 320, 3) and out.dtype == np.uint8
    changed = np.argwhere((out != image).any(axis=2))
    # the anchor box: 32 x 32 px centred on the cell (136, 88), 4 px anti-aliased red outline + caption
    (top, left), (bottom, right) = changed.min(axis=0), changed.max(axis=0)
    assert abs(left - 120) <= 5 and abs(right - 152) <= 5
    assert abs(top - 72) <= 5 and abs(bottom - 104) <= 5
    outline = out[72:74, 124:148]
    assert (outline[..., 0] > 200).all() and (outline[..., 1:] < 60).all()


def test_image_classification_graph_runs_the_model_by_tag_mapping(server: LocalServer) -> None:
    images = np.zeros((3, 1, 3, 224, 224), np.float32)
    for channel in range(3):
        images[channel, 0, channel] = 255.0
    classes = [
        int(np.argmax(_infer(server, "resnetMediapipe", {"in": image}, "out"))) for image in images
    ]
    assert classes == [404, 207, 340]


def test_two_model_graph_feeds_one_model_into_the_other(server: LocalServer) -> None:
    in1 = np.arange(10, dtype=np.float32)[None]
    in2 = np.full((1, 10), 2, np.float32)
    out = _infer(server, "dummyAdd", {"in1": in1, "in2": in2}, "out")
    np.testing.assert_array_equal(out, in1 + 1 + in2)
