"""DefaultInputStreamHandler: timestamp-synchronized input sets across all inputs."""

from __future__ import annotations

from typing import Any

from ..input_queue import InputQueue
from ..timestamp import (
    DONE,
    MAX,
    MIN,
    UNSTARTED,
    next_allowed_in_stream,
    previous_allowed_in_stream,
)
from .base import (
    BOUND,
    CLOSE,
    PROCESS,
    InputStreamHandler,
    Invocation,
    register_input_stream_handler,
)


@register_input_stream_handler
class DefaultInputStreamHandler(InputStreamHandler):
    """A set at T is ready once every input has a packet at T or a bound past T."""

    name = "DefaultInputStreamHandler"

    def __init__(self, queues: list[InputQueue], process_bounds: bool, options: Any) -> None:
        super().__init__(queues, process_bounds, options)
        self._only = queues[0] if len(queues) == 1 and not process_bounds else None
        """The input of a one-input node that skips bound-only calls (most nodes): its
        decision needs no scan over inputs."""

    def _lowest(self) -> tuple[int, int]:
        """The earliest head packet's timestamp and the lowest bound of an empty input."""
        min_packet = DONE
        min_bound = DONE
        for q in self.queues:
            if q.packets:
                ts = q.packets[0].timestamp
                if ts < min_packet:
                    min_packet = ts
            elif q.bound < min_bound:
                min_bound = q.bound
        return min_packet, min_bound

    def ready(self) -> bool:
        min_packet, min_bound = self._lowest()
        if min_packet == DONE and min_bound == DONE:
            return True
        if self.process_bounds:
            ts = min(min_packet, previous_allowed_in_stream(min_bound))
            return ts > max(self.last_ts, UNSTARTED)
        return min_packet < min_bound or min_bound > self.last_bound

    def next_invocation(self) -> Invocation | None:
        only = self._only
        if only is not None:  # the general rule below, for one input
            if only.packets:
                ts = only.packets[0].timestamp
                self.last_ts = ts
                self.last_bound = ts + 1 if MIN <= ts < MAX else next_allowed_in_stream(ts)
                return Invocation(PROCESS, ts, [only.pop_at(ts)])
            bound = only.bound
            if bound == DONE:
                return Invocation(CLOSE)
            if bound > self.last_bound:
                self.last_bound = bound
                return Invocation(BOUND, bound)
            return None
        min_packet, min_bound = self._lowest()
        if min_packet == DONE and min_bound == DONE:
            return Invocation(CLOSE)
        if self.process_bounds:
            ts = min(min_packet, previous_allowed_in_stream(min_bound))
            if ts > max(self.last_ts, UNSTARTED):
                self.last_ts = ts
                return Invocation(PROCESS, ts, [q.pop_at(ts) for q in self.queues])
            return None
        if min_packet < min_bound:
            self.last_ts = min_packet
            # processing at T settles the outputs up to T: no BOUND call for T + 1 follows
            self.last_bound = (
                min_packet + 1 if MIN <= min_packet < MAX else next_allowed_in_stream(min_packet)
            )
            return Invocation(PROCESS, min_packet, [q.pop_at(min_packet) for q in self.queues])
        if min_bound > self.last_bound:
            self.last_bound = min_bound
            return Invocation(BOUND, min_bound)
        return None
