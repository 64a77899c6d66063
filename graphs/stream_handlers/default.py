"""DefaultInputStreamHandler: timestamp-synchronized input sets across all inputs."""

from __future__ import annotations

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
