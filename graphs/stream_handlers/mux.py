"""MuxInputStreamHandler: the control input picks which data input joins each input set."""

from __future__ import annotations

from typing import Any

from pipeserve.errors import GraphConfigError

from ..input_queue import InputQueue
from ..packet import as_scalar
from ..tag_map import TagMap
from ..timestamp import DONE, next_allowed_in_stream
from .base import (
    BOUND,
    CLOSE,
    PROCESS,
    InputStreamHandler,
    Invocation,
    register_input_stream_handler,
)


@register_input_stream_handler
class MuxInputStreamHandler(InputStreamHandler):
    """The control input is the last input in (tag, index) order (``SELECT`` after
    ``INPUT:0..n-1`` in MuxCalculator); its int packet at T names the data input, in the
    same order, that must have a packet at T or a bound past T. The input set holds the
    control packet and that data input's packet (empty when only its bound moved past T);
    older data packets are dropped. The node closes when the control input is done.

    Example::

        node {
          calculator: "MuxCalculator"
          input_stream: "INPUT:0:a"
          input_stream: "INPUT:1:b"
          input_stream: "SELECT:pick"
          output_stream: "OUTPUT:out"
          input_stream_handler { input_stream_handler: "MuxInputStreamHandler" }
        }
    """

    name = "MuxInputStreamHandler"

    @classmethod
    def resolve_options(cls, options: Any, inputs: TagMap, node: str) -> list[int]:
        """Input positions in MediaPipe's (tag, index) order; the control input last."""
        if len(inputs) < 2:
            raise GraphConfigError(
                "MuxInputStreamHandler needs data inputs and a control input", node=node
            )
        specs = inputs.specs
        return sorted(range(len(inputs)), key=lambda pos: (specs[pos].tag, specs[pos].index))

    def __init__(self, queues: list[InputQueue], process_bounds: bool, options: Any) -> None:
        super().__init__(queues, process_bounds, options)
        order = options if options is not None else list(range(len(queues)))
        self.control = queues[order[-1]]
        self.data = [queues[pos] for pos in order[:-1]]

    def next_invocation(self) -> Invocation | None:
        control = self.control
        ts = control.min_ts_or_bound()
        self._drop_earlier_than(ts)
        if not control.packets:
            if ts == DONE:
                return Invocation(CLOSE)
            return self._bound(ts)
        chosen = self._chosen(control.packets[0].value)
        if chosen is not None and not chosen.packets and chosen.bound <= ts:
            return self._bound(ts)
        packets = [
            q.pop_at(ts) if q is control or q is chosen else q.empty_packet() for q in self.queues
        ]
        self._drop_earlier_than(next_allowed_in_stream(ts))
        self.last_ts = ts
        return Invocation(PROCESS, ts, packets)

    def _chosen(self, select: Any) -> InputQueue | None:
        """The data input a control value names; None for a bad value (the calculator
        then sees only the control packet and reports it)."""
        try:
            index = as_scalar(select, int)
        except (TypeError, ValueError):
            return None
        return self.data[index] if 0 <= index < len(self.data) else None

    def _drop_earlier_than(self, ts: int) -> None:
        for q in self.data:
            while q.packets and q.packets[0].timestamp < ts:
                q.packets.popleft()

    def _bound(self, ts: int) -> Invocation | None:
        if ts > self.last_bound:
            self.last_bound = ts
            return Invocation(BOUND, ts)
        return None
