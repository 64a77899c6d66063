"""FlowLimiterCalculator: admits at most ``max_in_flight`` frames until FINISHED comes back."""

from __future__ import annotations

import bisect
from collections import deque
from typing import Any

from mediapipe.calculators.core.flow_limiter_calculator_pb2 import FlowLimiterCalculatorOptions

from pipeserve.graphs import (
    EMPTY,
    Calculator,
    CalculatorContext,
    Input,
    InputSidePacket,
    Output,
    OutputStream,
    Packet,
    as_scalar,
    register_calculator,
)
from pipeserve.graphs.packet import Scalar
from pipeserve.graphs.timestamp import MAX, UNSET, next_allowed_in_stream


def _settle(stream: OutputStream, bound: int) -> None:
    """Move a bound, or close the stream when no timestamp can follow."""
    if bound > MAX:
        stream.close()
    else:
        stream.set_next_timestamp_bound(bound)


@register_calculator("FlowLimiterCalculator")
class FlowLimiterCalculator(Calculator):
    """Drops or queues frames while ``max_in_flight`` frames are still being processed.

    A frame (untagged input 0) is released when fewer than ``max_in_flight`` frames are
    in flight; a FINISHED packet or bound at time t ends every frame at or before t.
    At most ``max_in_queue`` frames wait; older ones are dropped. ALLOW tells, per
    frame, whether it was released. Further untagged inputs follow the decision of the
    frame at their timestamp. Options come from the node, the OPTIONS side packet or
    stream (merged in), and MAX_IN_FLIGHT (int side packet, may be a 1-element array).

    Ports: untagged inputs - any (the first is the frame); FINISHED - any (back edge);
    OPTIONS - FlowLimiterCalculatorOptions (stream or side packet); MAX_IN_FLIGHT - int;
    untagged outputs - same as inputs; ALLOW - bool.

    Example::

        node {
          calculator: "FlowLimiterCalculator"
          input_stream: "input_video"
          input_stream: "FINISHED:output_video"
          input_stream_info { tag_index: "FINISHED" back_edge: true }
          output_stream: "throttled_input_video"
          options { [mediapipe.FlowLimiterCalculatorOptions.ext] { max_in_queue: 1 } }
        }
    """

    FRAMES = Input[Any]("", multiple=True)
    FINISHED = Input[Any]("FINISHED")
    OPTIONS = Input[FlowLimiterCalculatorOptions]("OPTIONS", optional=True)
    OPTIONS_SIDE = InputSidePacket[FlowLimiterCalculatorOptions]("OPTIONS", optional=True)
    MAX_IN_FLIGHT = InputSidePacket[Scalar]("MAX_IN_FLIGHT", optional=True)
    OUT = Output[Any]("", multiple=True)
    ALLOW = Output[bool]("ALLOW", optional=True)
    options_type = FlowLimiterCalculatorOptions
    process_timestamp_bounds = True
    input_stream_handler = "ImmediateInputStreamHandler"

    def open(self, cc: CalculatorContext) -> None:
        self.options = FlowLimiterCalculatorOptions()
        self.options.CopyFrom(cc.options)
        sides = cc.input_side_packets
        if sides.get("OPTIONS", EMPTY) is not EMPTY:
            self.options.MergeFrom(sides["OPTIONS"])
        if sides.get("MAX_IN_FLIGHT", EMPTY) is not EMPTY:
            self.options.max_in_flight = as_scalar(sides["MAX_IN_FLIGHT"], int)
        self.count = cc.inputs.count("")
        self.outs = [cc.outputs[("", i)] for i in range(self.count)]
        self.allow_out = cc.outputs["ALLOW"] if cc.outputs.has("ALLOW") else None
        self.queues: list[deque[Packet]] = [deque() for _ in range(self.count)]
        self.in_flight: deque[int] = deque()
        # Frame decisions as sorted (timestamp, allowed) range starts; frames come in order.
        self.allowed_ts = [UNSET]
        self.allowed = [True]

    def process(self, cc: CalculatorContext) -> None:
        options_packet = cc.inputs.get("OPTIONS")
        if not options_packet.is_empty:
            self.options.MergeFrom(options_packet.value)
        finished = cc.inputs["FINISHED"]
        if finished.timestamp == cc.input_timestamp:  # a FINISHED packet or bound
            while self.in_flight and self.in_flight[0] <= finished.timestamp:
                self.in_flight.popleft()
        packets = [cc.inputs[("", i)] for i in range(self.count)]
        for queue, packet in zip(self.queues, packets, strict=True):
            if not packet.is_empty:
                queue.append(packet)
        self._expire(packets[0].timestamp, cc.input_timestamp)
        self._release_frames(packets[0])
        self._release_auxiliary(packets)
        bound = min(map(_pending, self.queues, packets))
        first = bisect.bisect_right(self.allowed_ts, bound) - 1
        del self.allowed_ts[:first], self.allowed[:first]

    def _expire(self, latest: int, input_ts: int) -> None:
        """Abandon frames in flight for longer than ``in_flight_timeout`` (in timestamps)."""
        timeout = self.options.in_flight_timeout
        if timeout > 0 and latest == input_ts and latest < MAX:
            while self.in_flight and latest - self.in_flight[0] > timeout:
                self.in_flight.popleft()

    def _release_frames(self, frame: Packet) -> None:
        queue = self.queues[0]
        while len(self.in_flight) < self.options.max_in_flight and queue:
            packet = queue.popleft()
            self.outs[0].add_packet(packet)
            self._decide(True, packet.timestamp)
            self.in_flight.append(packet.timestamp)
        while len(queue) > self.options.max_in_queue:
            self._decide(False, queue.popleft().timestamp)
        self.frame_bound = _pending(queue, frame)
        if not queue and self.allow_out is not None:
            _settle(self.allow_out, self.frame_bound)
        _settle(self.outs[0], self.frame_bound)

    def _decide(self, allow: bool, ts: int) -> None:
        if self.allow_out is not None:
            self.allow_out.add(allow, ts)
        self.allowed_ts.append(ts)
        self.allowed.append(allow)

    def _release_auxiliary(self, packets: list[Packet]) -> None:
        """Send each other input's packets once the frame at their timestamp is decided."""
        for queue, packet, out in zip(self.queues[1:], packets[1:], self.outs[1:], strict=True):
            while queue and queue[0].timestamp < self.frame_bound:
                aux = queue.popleft()
                if self.allowed[bisect.bisect_right(self.allowed_ts, aux.timestamp) - 1]:
                    out.add_packet(aux)
            _settle(out, _pending(queue, packet))


def _pending(queue: deque[Packet], latest: Packet) -> int:
    """The lowest timestamp an input still has to deliver: its queue head, or its bound."""
    return queue[0].timestamp if queue else next_allowed_in_stream(latest.timestamp)
