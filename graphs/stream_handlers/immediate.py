"""ImmediateInputStreamHandler: every input on its own, processed as soon as it arrives."""

from __future__ import annotations

from typing import Any

from ..input_queue import InputQueue
from ..timestamp import DONE, MAX, UNSET, UNSTARTED, previous_allowed_in_stream
from .base import (
    BOUND,
    CLOSE,
    PROCESS,
    InputStreamHandler,
    Invocation,
    register_input_stream_handler,
)


@register_input_stream_handler
class ImmediateInputStreamHandler(InputStreamHandler):
    """Each input is its own sync set; the earliest ready input(s) form the next input set.

    Input timestamps may go back across inputs (e.g. FlowLimiter's FINISHED back edge).
    An input that becomes done triggers an invocation at ``Max()`` with its empty packet
    at ``Max()``, so the calculator can see ``cc.inputs.is_done(tag)``; for a node that
    processes bounds, that happens again after every later invocation (MediaPipe keeps a
    done input ready at ``Max()``).
    """

    name = "ImmediateInputStreamHandler"

    def __init__(self, queues: list[InputQueue], process_bounds: bool, options: Any) -> None:
        super().__init__(queues, process_bounds, options)
        self.last_per_stream = [UNSET] * len(queues)
        self.done_pending = False

    def next_invocation(self) -> Invocation | None:
        ready: list[int] = []
        became_done = False
        for i, q in enumerate(self.queues):
            if q.packets:
                ready.append(q.packets[0].timestamp)
                continue
            if q.bound == DONE:
                if self.last_per_stream[i] != DONE:
                    self.last_per_stream[i] = DONE
                    became_done = True
                became_done = became_done or self.done_pending
            elif self.process_bounds:
                settled = previous_allowed_in_stream(q.bound)
                if settled > max(self.last_per_stream[i], UNSTARTED):
                    ready.append(settled)
                    continue
            ready.append(DONE)
        ts = min(ready) if ready else DONE
        if ts == DONE:
            if became_done and (self.process_bounds or not self.all_done()):
                self.done_pending = False
                return Invocation(PROCESS, MAX, [q.empty_packet() for q in self.queues])
            if self.all_done():
                return Invocation(CLOSE)
            bound = min(q.min_ts_or_bound() for q in self.queues)
            if bound > self.last_bound:
                self.last_bound = bound
                return Invocation(BOUND, bound)
            return None
        packets = []
        for i, q in enumerate(self.queues):
            if ready[i] == ts:
                self.last_per_stream[i] = ts
                head = q.packets[0] if q.packets else None
                packets.append(
                    q.packets.popleft() if head and head.timestamp == ts else q.empty_packet()
                )
            else:
                packets.append(q.empty_packet())
        self.last_ts = ts
        self.done_pending = self.process_bounds
        return Invocation(PROCESS, ts, packets)
