"""PreviousLoopbackCalculator: the LOOP packet of the previous MAIN timestamp, re-stamped."""

from __future__ import annotations

from collections import deque
from typing import Any

from pipeserve.graphs import (
    Calculator,
    CalculatorContext,
    Input,
    Output,
    Packet,
    register_calculator,
)
from pipeserve.graphs.timestamp import MAX, UNSET, UNSTARTED


@register_calculator("PreviousLoopbackCalculator")
class PreviousLoopbackCalculator(Calculator):
    """At each MAIN packet, emits the LOOP packet of the previous non-empty MAIN timestamp.

    The packet is re-stamped to the current MAIN timestamp. When that LOOP packet is
    absent (only a bound arrived), PREV_LOOP gets only a timestamp bound; a MAIN
    bound-only advance moves PREV_LOOP's bound too. LOOP is normally a back edge
    (``input_stream_info { tag_index: "LOOP" back_edge: true }``). Runs with the
    immediate input stream handler and on timestamp bounds.

    Ports: MAIN - any (drives timing); LOOP - any; PREV_LOOP - same as LOOP.

    Example::

        node {
          calculator: "PreviousLoopbackCalculator"
          input_stream: "MAIN:image"
          input_stream: "LOOP:rect_from_landmarks"
          input_stream_info { tag_index: "LOOP" back_edge: true }
          output_stream: "PREV_LOOP:prev_rect_from_landmarks"
        }
    """

    MAIN = Input[Any]("MAIN")
    LOOP = Input[Any]("LOOP")
    PREV_LOOP = Output[Any]("PREV_LOOP")
    process_timestamp_bounds = True
    input_stream_handler = "ImmediateInputStreamHandler"

    def open(self, cc: CalculatorContext) -> None:
        # (MAIN timestamp, timestamp of the LOOP packet it expects) per pending MAIN.
        self.mains: deque[tuple[int, int]] = deque()
        self.loops: deque[Packet] = deque()
        self.prev_main_ts = UNSTARTED
        self.prev_nonempty_main_ts = UNSTARTED
        self.prev_loop_ts = UNSET
        self.closed = False

    def process(self, cc: CalculatorContext) -> None:
        main = cc.inputs["MAIN"]
        if self.prev_main_ts < main.timestamp:
            expected = UNSET
            if not main.is_empty:
                expected, self.prev_nonempty_main_ts = self.prev_nonempty_main_ts, main.timestamp
            self.mains.append((main.timestamp, expected))
            self.prev_main_ts = main.timestamp
        loop = cc.inputs["LOOP"]
        if self.prev_loop_ts < loop.timestamp:
            self.loops.append(loop)
            self.prev_loop_ts = loop.timestamp
        self._match(cc)

    def _match(self, cc: CalculatorContext) -> None:
        out = cc.outputs["PREV_LOOP"]
        while self.mains and self.loops and not self.closed:
            main_ts, expected = self.mains[0]
            loop = self.loops[0]
            if expected == loop.timestamp and not loop.is_empty:
                out.add(loop.value, main_ts)
            elif expected <= loop.timestamp and main_ts < MAX:
                out.set_next_timestamp_bound(main_ts + 1)  # no LOOP packet for this MAIN
            if expected <= loop.timestamp:
                self.mains.popleft()
            if expected >= loop.timestamp:
                self.loops.popleft()
            if main_ts >= MAX:  # the last possible MAIN (MAIN is done): nothing more to send
                out.close()
                self.closed = True
