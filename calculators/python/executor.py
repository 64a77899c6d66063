"""PythonExecutorCalculator: runs the ``execute`` of a node's OvmsPythonModel (OVMS's node)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import numpy as np

from pipeserve.graphs import (
    ANY_TAG,
    Calculator,
    CalculatorContext,
    CalculatorContract,
    Input,
    InputSidePacket,
    Output,
    register_calculator,
)
from pipeserve.proto.python_calculators_pb2 import PythonExecutorCalculatorOptions
from pyovms import Tensor

from .handler import LOOPBACK_TAG, RESOURCES_TAG, PythonNodeModel

log = logging.getLogger(__name__)
EXECUTION_FAILED = "Error occurred during graph execution"


class PythonExecutionError(RuntimeError):
    """What a failed ``execute`` reports: OVMS's message, then the cause."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"{EXECUTION_FAILED}: {detail}")


class NodeBusyError(RuntimeError):
    """New inputs reached a node that is still generating for earlier ones."""

    def __init__(self) -> None:
        super().__init__("Node is already processing data. Create new stream for another request.")


@register_calculator("PythonExecutorCalculator")
class PythonExecutorCalculator(Calculator):
    """Calls ``execute(inputs)`` of the node's OvmsPythonModel with the non-empty inputs
    as ``pyovms.Tensor`` objects, sorted by tag. A returned list of Tensors goes out at
    the input timestamp, each to the output stream named like the Tensor. A generator
    (``yield``) needs a LOOPBACK input/output pair: each yielded list goes out at the
    next timestamp, and a LOOPBACK packet one later asks for the next one; new inputs
    while generating are an error. Wrong return values and exceptions fail the graph.

    Ports: any tag (input) - pyovms.Tensor; any tag (output) - pyovms.Tensor;
    LOOPBACK (input and output, optional) - bool; PYTHON_NODE_RESOURCES (input side
    packet) - dict of node name to PythonNodeModel, set by the server.

    Example::

        node {
          name: "summator"
          calculator: "PythonExecutorCalculator"
          input_side_packet: "PYTHON_NODE_RESOURCES:py"
          input_stream: "INPUT1:in1"
          input_stream: "INPUT2:in2"
          output_stream: "OUTPUT:out"
          node_options: {
            [type.googleapis.com/mediapipe.PythonExecutorCalculatorOptions] {
              handler_path: "summator.py"
            }
          }
        }
    """

    INPUTS = Input[Any](ANY_TAG, multiple=True)
    OUTPUTS = Output[Any](ANY_TAG, multiple=True)
    RESOURCES = InputSidePacket[dict](RESOURCES_TAG)
    options_type = PythonExecutorCalculatorOptions

    @classmethod
    def update_contract(cls, cc: CalculatorContract) -> None:
        if not len(cc.inputs) or not len(cc.outputs):
            raise cc.fail("needs at least one input stream and one output stream")
        if (LOOPBACK_TAG in cc.inputs) != (LOOPBACK_TAG in cc.outputs):
            raise cc.fail("If LOOPBACK is used, it must be defined on both input and output")
        if not cc.options.handler_path:
            raise cc.fail("PythonExecutorCalculatorOptions.handler_path is required")

    def open(self, cc: CalculatorContext) -> None:
        models = cc.input_side_packets[RESOURCES_TAG]
        model = models.get(cc.node_name) if isinstance(models, dict) else None
        if model is None:
            raise RuntimeError(f"no initialized Python node named {cc.node_name!r}")
        self.model: PythonNodeModel = model
        specs = sorted(cc.inputs.tag_map, key=lambda s: (s.tag, s.index))
        self.inputs = [(s.tag, s.index) for s in specs if s.tag != LOOPBACK_TAG]
        self.loopback = LOOPBACK_TAG in cc.inputs.tag_map
        self.generator: Iterator[Any] | None = None
        self.output_ts = 0

    def process(self, cc: CalculatorContext) -> None:
        if self.generator is not None:
            if any(not cc.inputs[key].is_empty for key in self.inputs):
                raise NodeBusyError()
            self._generate(cc)
            return
        self.output_ts = cc.input_timestamp
        inputs = [self._tensor(cc, key) for key in self.inputs if not cc.inputs[key].is_empty]
        try:
            result = self.model.model.execute(inputs)
        except Exception as exc:
            raise PythonExecutionError(f"{type(exc).__name__}: {exc}") from exc
        if isinstance(result, list):
            self._push(cc, result)
        elif isinstance(result, Iterator):
            if not self.loopback:
                raise PythonExecutionError(
                    "Execute yielded, but LOOPBACK is not defined in the node"
                )
            self.generator = result
            self._generate(cc)
        else:
            raise PythonExecutionError(
                f"execute returned {type(result).__name__}, expected a list or a generator"
            )

    @staticmethod
    def _tensor(cc: CalculatorContext, key: tuple[str, int]) -> Tensor:
        """The input as a Tensor; an array (a stream not tagged OVMS_PY_TENSOR) is wrapped
        under its stream's name."""
        value = cc.inputs[key].value
        if isinstance(value, Tensor):
            return value
        if isinstance(value, np.ndarray):
            return Tensor(cc.inputs.tag_map.name(key), value)
        raise PythonExecutionError(f"input is a {type(value).__name__}, not a pyovms.Tensor")

    def _generate(self, cc: CalculatorContext) -> None:
        assert self.generator is not None
        try:
            outputs = next(self.generator)
        except StopIteration:
            self.generator = None
            return
        except Exception as exc:
            raise PythonExecutionError(f"{type(exc).__name__}: {exc}") from exc
        if not isinstance(outputs, list):
            raise PythonExecutionError(f"execute yielded {type(outputs).__name__}, expected a list")
        self._push(cc, outputs)
        self.output_ts += 1
        cc.outputs[LOOPBACK_TAG].add(True, self.output_ts)

    def _push(self, cc: CalculatorContext, outputs: list[Any]) -> None:
        routes = self.model.outputs
        for tensor in outputs:
            if not isinstance(tensor, Tensor):
                raise PythonExecutionError(
                    f"execute output is a {type(tensor).__name__}, not a pyovms.Tensor"
                )
            route = routes.get(tensor.name)
            if route is None:
                raise PythonExecutionError(
                    f"output Tensor {tensor.name!r} is not an output of the node "
                    f"(outputs: {sorted(routes)})"
                )
            cc.outputs[route].add(tensor, self.output_ts)
