"""SyncSetInputStreamHandler: independent groups of inputs, each synchronized on its own."""

from __future__ import annotations

from typing import Any

from mediapipe.framework.stream_handler import sync_set_input_stream_handler_pb2

from pipeserve.errors import GraphConfigError

from ..input_queue import InputQueue
from ..tag_map import TagMap, parse_stream_spec
from ..timestamp import DONE, ONE_OVER_POSTSTREAM, POSTSTREAM, UNSET, UNSTARTED
from ..timestamp import previous_allowed_in_stream as settled_before
from .base import (
    BOUND,
    CLOSE,
    PROCESS,
    InputStreamHandler,
    Invocation,
    register_input_stream_handler,
)


class SyncGroup:
    """Inputs synchronized together: a set at T is ready when each has a packet at T or a
    bound past T (or, for nodes processing bounds, when T is settled and unprocessed)."""

    __slots__ = ("last_processed", "queues")

    def __init__(self, queues: list[InputQueue]) -> None:
        self.queues = queues
        self.last_processed = UNSET

    def readiness(self, process_bounds: bool) -> tuple[bool | None, int]:
        """``(True, T)`` ready at T, ``(False, T)`` waiting (T: smallest timestamp or
        bound), ``(None, DONE)`` when no more packets can come."""
        min_packet = min_bound = DONE
        for q in self.queues:
            if q.packets:
                min_packet = min(min_packet, q.packets[0].timestamp)
            else:
                min_bound = min(min_bound, q.bound)
        lowest = min(min_packet, min_bound)
        if lowest >= ONE_OVER_POSTSTREAM:
            self.last_processed = DONE - 1
            return None, DONE
        if not process_bounds:
            if min_bound > min_packet:
                self.last_processed = lowest
                return True, lowest
            return False, lowest
        settled = (
            min_packet
            if min_packet == POSTSTREAM and min_bound > min_packet
            else settled_before(min_bound)
        )
        ts = min(min_packet, settled)
        if ts > max(self.last_processed, UNSTARTED):
            self.last_processed = ts
            return True, ts
        return False, lowest


@register_input_stream_handler
class SyncSetInputStreamHandler(InputStreamHandler):
    """Inputs split into sync sets (options: ``sync_set { tag_index: ... }``; the inputs no
    set names form one more set). The ready set with the earliest timestamp forms the input
    set; the other inputs get empty packets at their settled timestamps. A set whose inputs
    are all done drops out; the node closes when every set has.

    Example (a generative node: graph inputs and its LOOPBACK are independent)::

        input_stream_handler {
          input_stream_handler: "SyncSetInputStreamHandler"
          options {
            [mediapipe.SyncSetInputStreamHandlerOptions.ext] {
              sync_set { tag_index: "LOOPBACK:0" }
            }
          }
        }
    """

    name = "SyncSetInputStreamHandler"
    options_type = sync_set_input_stream_handler_pb2.SyncSetInputStreamHandlerOptions

    @classmethod
    def resolve_options(cls, options: Any, inputs: TagMap, node: str) -> list[list[int]]:
        """The sync sets as lists of input positions, the unnamed inputs last."""
        groups: list[list[int]] = []
        used: set[int] = set()
        for sync_set in options.sync_set:
            group = []
            for tag_index in sync_set.tag_index:
                tag, index, _ = parse_stream_spec(f"{tag_index}:x", node)
                pos = inputs.id_of((tag, index or 0))
                if pos is None:
                    raise GraphConfigError(f"sync_set names unknown input {tag_index!r}", node=node)
                if pos in used:
                    raise GraphConfigError(
                        f"input {tag_index!r} is in more than one sync set", node=node
                    )
                used.add(pos)
                group.append(pos)
            if not group:
                raise GraphConfigError("a sync_set needs at least one tag_index", node=node)
            groups.append(group)
        rest = [pos for pos in range(len(inputs)) if pos not in used]
        return [*groups, rest] if rest else groups

    def __init__(self, queues: list[InputQueue], process_bounds: bool, options: Any) -> None:
        super().__init__(queues, process_bounds, options)
        sets = options if options is not None else [list(range(len(queues)))]
        self.groups = [SyncGroup([queues[pos] for pos in group]) for group in sets]

    def next_invocation(self) -> Invocation | None:
        chosen: SyncGroup | None = None
        chosen_ts = DONE
        lowest = DONE
        for group in list(self.groups):
            ready, ts = group.readiness(self.process_bounds)
            if ready is None:
                self.groups.remove(group)
            elif ready and ts < chosen_ts:
                chosen, chosen_ts = group, ts
            lowest = min(lowest, ts)
        if chosen is not None:
            members = {id(q) for q in chosen.queues}
            packets = [
                q.pop_at(chosen_ts) if id(q) in members else q.empty_packet() for q in self.queues
            ]
            self.last_ts = chosen_ts
            return Invocation(PROCESS, chosen_ts, packets)
        if not self.groups:
            return Invocation(CLOSE)
        if lowest > self.last_bound:
            self.last_bound = lowest
            return Invocation(BOUND, lowest)
        return None
