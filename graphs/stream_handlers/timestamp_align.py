"""TimestampAlignInputStreamHandler: inputs on different clocks, aligned to a base input."""

from __future__ import annotations

from typing import Any

from mediapipe.framework.stream_handler import timestamp_align_input_stream_handler_pb2

from pipeserve.errors import GraphConfigError

from ..input_queue import InputQueue
from ..packet import Packet
from ..tag_map import TagMap, parse_stream_spec
from ..timestamp import DONE, is_range_value
from .base import (
    BOUND,
    CLOSE,
    PROCESS,
    InputStreamHandler,
    Invocation,
    register_input_stream_handler,
)


@register_input_stream_handler
class TimestampAlignInputStreamHandler(InputStreamHandler):
    """Each input's timestamps are shifted by a fixed offset onto the base input's clock.

    Until every offset is known, each base packet is processed alone, and an input with a
    packet waiting at that moment gets offset ``base timestamp - its timestamp``. After
    that, input sets synchronize as with the default handler on the shifted timestamps,
    and packets are re-stamped to the input set's timestamp. If the base input ends before
    every offset is known the node closes (MediaPipe would wait forever).

    Options (MediaPipe's ``TimestampAlignInputStreamHandlerOptions``):
    ``timestamp_base_tag_index`` (e.g. ``"VIDEO:0"``; default: the first untagged input).
    """

    name = "TimestampAlignInputStreamHandler"
    options_type = timestamp_align_input_stream_handler_pb2.TimestampAlignInputStreamHandlerOptions

    @classmethod
    def resolve_options(cls, options: Any, inputs: TagMap, node: str) -> int:
        """The base input's position."""
        tag_index = options.timestamp_base_tag_index
        tag, index, _ = parse_stream_spec(f"{tag_index}:x" if tag_index else "x", node)
        pos = inputs.id_of((tag, index or 0))
        if pos is None:
            raise GraphConfigError(
                f"timestamp_base_tag_index {tag_index!r} is not an input", node=node
            )
        return pos

    def __init__(self, queues: list[InputQueue], process_bounds: bool, options: Any) -> None:
        super().__init__(queues, process_bounds, options)
        self.base = queues[options if isinstance(options, int) else 0]
        self.offsets = [0] * len(queues)
        self.aligned = len(queues) == 1

    def next_invocation(self) -> Invocation | None:
        if not self.aligned:
            return self._learn_offsets()
        lowest = min_bound = DONE
        for q, offset in zip(self.queues, self.offsets, strict=True):
            ts = q.min_ts_or_bound()
            if is_range_value(ts):
                ts += offset
            if not q.packets:
                min_bound = min(min_bound, ts)
            lowest = min(lowest, ts)
        if lowest == DONE:
            return Invocation(CLOSE)
        if min_bound > lowest:
            packets = [
                self._pop_shifted(q, lowest - offset, lowest)
                for q, offset in zip(self.queues, self.offsets, strict=True)
            ]
            self.last_ts = lowest
            return Invocation(PROCESS, lowest, packets)
        if lowest > self.last_bound:
            self.last_bound = lowest
            return Invocation(BOUND, lowest)
        return None

    def _learn_offsets(self) -> Invocation | None:
        """Before alignment: process each base packet alone, noting the other inputs' offsets."""
        base = self.base
        if not base.packets:
            return Invocation(CLOSE) if base.bound == DONE else None
        ts = base.packets[0].timestamp
        unknown = 0
        for i, q in enumerate(self.queues):
            if q is base:
                continue
            if q.packets:
                self.offsets[i] = ts - q.packets[0].timestamp
            else:
                unknown += 1
        self.aligned = unknown == 0
        packets = [base.pop_at(ts) if q is base else q.empty_packet() for q in self.queues]
        self.last_ts = ts
        return Invocation(PROCESS, ts, packets)

    @staticmethod
    def _pop_shifted(queue: InputQueue, own_ts: int, ts: int) -> Packet:
        packet = queue.pop_at(own_ts)
        return packet if packet.is_empty else packet.at(ts)
