"""OpenVINOInferenceCalculator: OVMS's inference node, one inference per input set."""

from __future__ import annotations

from typing import Any

from pipeserve.graphs.calculator import Calculator, CalculatorContext
from pipeserve.graphs.contract import CalculatorContract, Input, InputSidePacket, Output
from pipeserve.graphs.packet import describe_value
from pipeserve.graphs.registry import register_calculator
from pipeserve.graphs.timestamp import timestamp_name
from pipeserve.proto.openvino_calculators_pb2 import OpenVINOInferenceCalculatorOptions

from .session import InferenceSession, TensorLike
from .tensor_ports import TensorBinding, bind, side_errors


@register_calculator("OpenVINOInferenceCalculator")
class OpenVINOInferenceCalculator(Calculator):
    """Runs the SESSION's model on the input tensors (OVMS's calculator and options).

    Tags follow OVMS's prefix rules (``tensor_ports``): ``TENSORS``/``OVTENSORS``/
    ``TFTENSORS``/``TFLITE_TENSORS`` ports carry a list of tensors, any other tag one
    tensor. Vector inputs feed ``input_order_list`` (default: the model's input order);
    vector outputs follow ``output_order_list`` (default: output names sorted, as OVMS);
    single-tensor ports use ``tag_to_*_tensor_names`` or their tag as the tensor name.
    Every input must have a packet at each processed timestamp. Arrays are fed without
    copying; outputs are new float arrays owned by the packets. Model outputs that no port
    names are not computed: the node runs the provider's variant of the model without them.

    Ports:
        any tag (input, 1+) - list[np.ndarray] for vector tags, else np.ndarray/ov.Tensor
        any tag (output, 1+) - list[np.ndarray] for vector tags, else np.ndarray
        SESSION (input side packet) - InferenceSession

    Example::

        node {
          calculator: "OpenVINOInferenceCalculator"
          input_side_packet: "SESSION:session"
          input_stream: "TENSORS:input_tensors"
          output_stream: "TENSORS:detection_tensors"
          node_options: {
            [type.googleapis.com/mediapipe.OpenVINOInferenceCalculatorOptions]: {
              input_order_list: ["input_1"] output_order_list: ["Identity", "Identity_1"] } }
        }
    """

    INPUTS = Input[Any]("*", multiple=True)
    OUTPUTS = Output[Any]("*", multiple=True)
    SESSION = InputSidePacket[InferenceSession]("SESSION")
    options_type = OpenVINOInferenceCalculatorOptions
    timestamp_offset = 0

    @classmethod
    def update_contract(cls, cc: CalculatorContract) -> None:
        options = cc.options or OpenVINOInferenceCalculatorOptions()
        if not len(cc.inputs) or not len(cc.outputs):
            raise cc.fail("needs at least one input and one output stream")
        errors = side_errors(
            cc.inputs, options.tag_to_input_tensor_names, options.input_order_list, "input"
        )
        errors += side_errors(
            cc.outputs, options.tag_to_output_tensor_names, options.output_order_list, "output"
        )
        if errors:
            raise cc.fail("; ".join(errors))

    def open(self, cc: CalculatorContext) -> None:
        session: InferenceSession = cc.input_side_packets["SESSION"]
        options = cc.options
        self.inputs = bind(
            cc.inputs.tag_map,
            options.tag_to_input_tensor_names,
            options.input_order_list,
            session.input_names,
        )
        self.outputs = bind(
            cc.outputs.tag_map,
            options.tag_to_output_tensor_names,
            options.output_order_list,
            sorted(session.output_names),
        )
        session.check_names([n for b in self.inputs for n in b.names], "input")
        used = [n for b in self.outputs for n in b.names]
        session.check_names(used, "output")
        self.request = session.for_outputs(used).create_request()

    def process(self, cc: CalculatorContext) -> None:
        feed: dict[str, TensorLike] = {}
        for binding in self.inputs:
            packet = cc.inputs.packets[binding.pos]
            if packet.is_empty:
                raise ValueError(
                    f"input {binding.tag} has no packet at {timestamp_name(cc.input_timestamp)}"
                )
            feed.update(_feed(binding, packet.value))
        results = self.request.infer(feed)
        for binding in self.outputs:
            tensors = [results[name] for name in binding.names]
            cc.outputs.streams[binding.pos].add(tensors if binding.vector else tensors[0])


def _feed(binding: TensorBinding, value: Any) -> dict[str, TensorLike]:
    if not binding.vector:
        return {binding.names[0]: value}
    if not isinstance(value, list | tuple) or len(value) != len(binding.names):
        raise ValueError(
            f"input {binding.tag} must be a list of {len(binding.names)} tensors "
            f"({', '.join(binding.names)}), got {describe_value(value)}"
        )
    return dict(zip(binding.names, value, strict=True))
