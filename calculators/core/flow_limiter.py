"""FlowLimiterCalculator: admits at most ``max_in_flight`` frames until FINISHED comes back."""

from __future__ import annotations

import bisect
from collections import deque

from mediapipe.calculators.core.flow_limiter_calculator_pb2 import FlowLimiterCalculatorOptions
from pipeserve.graphs import (
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

    FRAMES = Input("", multiple=True)
    FINISHED = Input("FINISHED")
    OPTIONS = Input("OPTIONS", optional=True)
    OPTIONS_SIDE = InputSidePacket("OPTIONS", optional=True)
    MAX_IN_FLIGHT = InputSidePacket("MAX_IN_FLIGHT", optional=True)
    OUT = Output("", multiple=True)
    ALLOW = Output("ALLOW", optional=True)
    options_type = FlowLimiterCalculatorOptions
    process_timestamp_bounds = True
    input_stream_handler = "ImmediateInputStreamHandler"

    def open(self, cc: CalculatorContext) -> None:
        self.options = FlowLimiterCalculatorOptions()
        self.options.CopyFrom(cc.options)
        if cc.input_side_packets.has("OPTIONS"):
            self.options.MergeFrom(cc.input_side_packets["OPTIONS"])
        if cc.input_side_packets.has("MAX_IN_FLIGHT"):
            self.options.max_in_flight = as_scalar(cc.input_side_packets["MAX_IN_FLIGHT"], int)
        self.count = cc.inputs.count("")
        self.outs = [cc.outputs[("", i)] for i in range(self.count)]
        self.queues: list[deque[Packet]] = [deque() for _ in range(self.count)]
        self.in_flight: deque[int] = deque()
        self.allowed_ts = [UNSET]  # sorted starts of ranges with one decision each
        self.allowed = [True]

    def process(self, cc: CalculatorContext) -> None:
        options_packet = cc.inputs.get("OPTIONS")
        if not options_packet.is_empty:
            self.options.MergeFrom(options_packet.value)
        finished = cc.inputs["FINISHED"]
        if finished.timestamp == cc.input_timestamp:
            while self.in_flight and self.in_flight[0] <= finished.timestamp:
                self.in_flight.popleft()
        packets = [cc.inputs[("", i)] for i in range(self.count)]
        for queue, packet in zip(self.queues, packets, strict=True):
            if not packet.is_empty:
                queue.append(packet)
        self._expire(packets[0].timestamp, cc.input_timestamp)
        self._release_frames(cc, packets[0])
        self._release_auxiliary(packets)
        self._forget_decisions(packets)

    def _expire(self, latest: int, input_ts: int) -> None:
        """Abandon frames in flight for longer than ``in_flight_timeout`` (in timestamps)."""
        timeout = self.options.in_flight_timeout
        if timeout > 0 and latest == input_ts and latest < MAX:
            while self.in_flight and latest - self.in_flight[0] > timeout:
                self.in_flight.popleft()

    def _release_frames(self, cc: CalculatorContext, frame: Packet) -> None:
        queue = self.queues[0]
        while len(self.in_flight) < self.options.max_in_flight and queue:
            packet = queue.popleft()
            self.outs[0].add_packet(packet)
            self._decide(cc, True, packet.timestamp)
            self.in_flight.append(packet.timestamp)
        while len(queue) > self.options.max_in_queue:
            self._decide(cc, False, queue.popleft().timestamp)
        if queue:
            self.frame_bound = queue[0].timestamp
        else:
            self.frame_bound = next_allowed_in_stream(frame.timestamp)
            if cc.outputs.has("ALLOW"):
                _settle(cc.outputs["ALLOW"], self.frame_bound)
        _settle(self.outs[0], self.frame_bound)

    def _decide(self, cc: CalculatorContext, allow: bool, ts: int) -> None:
        if cc.outputs.has("ALLOW"):
            cc.outputs["ALLOW"].add(allow, ts)
        pos = bisect.bisect_left(self.allowed_ts, ts)
        if pos < len(self.allowed_ts) and self.allowed_ts[pos] == ts:
            self.allowed[pos] = allow
        else:
            self.allowed_ts.insert(pos, ts)
            self.allowed.insert(pos, allow)

    def _is_allowed(self, ts: int) -> bool:
        return self.allowed[bisect.bisect_right(self.allowed_ts, ts) - 1]

    def _release_auxiliary(self, packets: list[Packet]) -> None:
        """Send each other input's packets once the frame at their timestamp is decided."""
        for queue, packet, out in zip(self.queues[1:], packets[1:], self.outs[1:], strict=True):
            while queue and queue[0].timestamp < self.frame_bound:
                aux = queue.popleft()
                if self._is_allowed(aux.timestamp):
                    out.add_packet(aux)
            _settle(out, queue[0].timestamp if queue else next_allowed_in_stream(packet.timestamp))

    def _forget_decisions(self, packets: list[Packet]) -> None:
        bound = min(
            (q[0].timestamp if q else next_allowed_in_stream(p.timestamp))
            for q, p in zip(self.queues, packets, strict=True)
        )
        first = bisect.bisect_right(self.allowed_ts, bound) - 1
        del self.allowed_ts[:first]
        del self.allowed[:first]
