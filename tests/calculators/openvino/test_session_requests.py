"""Infer requests pooled per compiled model: shared across nodes and streams, never by two
inferences at once, and a request of its own for each node of a model with state."""

from __future__ import annotations

import threading
from contextlib import ExitStack

import numpy as np
import openvino as ov
import openvino.opset13 as ops
from openvino.op.util import Variable, VariableInfo

from pipeserve.calculators.openvino.session import REQUESTS, InferenceSession, RequestPool
from pipeserve.cpus import available_cpus

SHAPE = [1, 64, 64, 3]


def _affine() -> ov.CompiledModel:
    """y = 2x + 1, a model of its own (so no other test shares its pool)."""
    x = ops.parameter(SHAPE, np.float32, name="x")
    y = ops.add(ops.multiply(x, np.float32(2)), np.float32(1))
    y.output(0).get_tensor().set_names({"y"})
    return ov.Core().compile_model(ov.Model([y], [x]), "CPU")


def _accumulator() -> ov.CompiledModel:
    """y = state + x; state = y: a model with state (one per stream)."""
    x = ops.parameter([1], np.float32, name="x")
    info = VariableInfo()
    info.data_shape, info.data_type, info.variable_id = ov.PartialShape([1]), ov.Type.f32, "acc"
    variable = Variable(info)
    total = ops.add(ops.read_value(ops.constant(np.zeros([1], np.float32)), variable), x)
    total.output(0).get_tensor().set_names({"y"})
    model = ov.Model(
        results=[ops.result(total)], sinks=[ops.assign(total, variable)], parameters=[x]
    )
    return ov.Core().compile_model(model, "CPU")


def test_nodes_of_different_streams_share_their_models_requests() -> None:
    model = _affine()
    nodes = [InferenceSession("affine", "1", model).create_request() for _ in range(5)]
    for k, node in enumerate(nodes):
        x = np.full(SHAPE, k, np.float32)
        np.testing.assert_array_equal(node.infer({"x": x})["y"], 2 * x + 1)
    assert REQUESTS.idle(model) == 1  # one inference at a time: one request for all five


def test_concurrent_inferences_never_share_a_request() -> None:
    model = _affine()
    session = InferenceSession("affine", "1", model)
    wrong: list[str] = []

    def stream(k: int) -> None:
        node = session.create_request()
        for i in range(40):
            x = np.full(SHAPE, k * 1000 + i, np.float32)
            try:
                if not np.array_equal(node.infer({"x": x})["y"], 2 * x + 1):
                    wrong.append(f"stream {k}: another stream's output")
            except RuntimeError as exc:  # OpenVINO: "Infer Request is busy"
                wrong.append(f"stream {k}: {exc}")

    threads = [threading.Thread(target=stream, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []
    assert 1 <= REQUESTS.idle(model) <= available_cpus()  # the rest freed


def test_idle_requests_are_kept_up_to_the_bound() -> None:
    model, pool = _affine(), RequestPool(keep=2)
    with ExitStack() as stack:
        lent = [stack.enter_context(pool.lend(model)) for _ in range(5)]
        assert len({id(r) for r in lent}) == 5  # five at once: five requests
    assert pool.idle(model) == 2


def test_each_node_of_a_model_with_state_keeps_its_own_request() -> None:
    session = InferenceSession("acc", "1", _accumulator())
    first, second = session.create_request(), session.create_request()
    one = {"x": np.ones([1], np.float32)}
    assert [float(first.infer(one)["y"][0]) for _ in range(3)] == [1.0, 2.0, 3.0]
    assert float(second.infer(one)["y"][0]) == 1.0  # not 4: its own state
    assert REQUESTS.idle(session.compiled_model) == 0
