"""A node's input stream: a FIFO of packets plus the next timestamp bound."""

from __future__ import annotations

from collections import deque

from .packet import EMPTY, Packet
from .timestamp import (
    MAX,
    MIN,
    PRESTREAM,
    UNSTARTED,
    next_allowed_in_stream,
    previous_allowed_in_stream,
)


class InputQueue:
    """Packets waiting at one node input; ``bound`` is the smallest timestamp still possible."""

    __slots__ = ("back_edge", "bound", "name", "packets", "peak")

    def __init__(self, name: str, back_edge: bool = False) -> None:
        self.name = name
        self.back_edge = back_edge
        self.packets: deque[Packet] = deque()
        self.bound = PRESTREAM
        self.peak = 0

    def push(self, packet: Packet) -> None:
        packets = self.packets
        packets.append(packet)
        ts = packet.timestamp
        self.bound = ts + 1 if MIN <= ts < MAX else next_allowed_in_stream(ts)
        if len(packets) > self.peak:
            self.peak = len(packets)

    def raise_bound(self, bound: int) -> bool:
        """Move the bound up; True when it changed (the consumer may become ready)."""
        if bound > self.bound:
            self.bound = bound
            return True
        return False

    def min_ts_or_bound(self) -> int:
        """The head packet's timestamp, or the bound when no packet waits."""
        return self.packets[0].timestamp if self.packets else self.bound

    def pop_at(self, timestamp: int) -> Packet:
        """The packet at ``timestamp`` if it is at the head, else an empty packet at the settled bound."""
        packets = self.packets
        if packets and packets[0].timestamp == timestamp:
            packet = packets.popleft()
        else:
            packet = self.empty_packet()
        if self.bound <= timestamp:
            self.bound = next_allowed_in_stream(timestamp)
        return packet

    def empty_packet(self) -> Packet:
        """An empty packet stamped with the stream's settled timestamp (MediaPipe's convention)."""
        settled = previous_allowed_in_stream(self.min_ts_or_bound())
        return Packet(EMPTY, max(settled, UNSTARTED))

    def __len__(self) -> int:
        return len(self.packets)

    def __repr__(self) -> str:
        return f"InputQueue({self.name!r}, {len(self.packets)} packets, bound={self.bound})"
