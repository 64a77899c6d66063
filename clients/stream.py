"""A client stream to one graph: frames in, results out in timestamp order (KServe v2 gRPC).

One ``GraphStream`` is one ``ModelStreamInfer`` RPC, so one graph instance on the server
that keeps its state (tracking, smoothing) from frame to frame. Each frame is sent with an
explicit microsecond timestamp (``OVMS_MP_TIMESTAMP``, ``k * 33333`` at 30 fps) because the
graph's filters run on packet time. The server answers with one message per output packet;
the stream groups them by timestamp. A frame's result is complete when every expected
output has arrived, when an output with a later timestamp arrives (graphs may skip
outputs on some frames), or when the stream has ended. The messages are tritonclient's
protobuf classes, written and read by ``wire.py`` with one copy of each frame.

Example::

    with GraphStream("127.0.0.1:9000", "holisticTracking", "first_input_video",
                     expected_outputs=["output"]) as stream:
        for result in stream.run(frames):
            show(result.outputs["output"])
"""

from __future__ import annotations

import bisect
import itertools
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc
import numpy as np

from .access import ServerAccess
from .wire import METHOD, decode_response, encode_request, output_arrays

TIMESTAMP_PARAM = "OVMS_MP_TIMESTAMP"
"""Request/response parameter holding a packet timestamp in microseconds (``int64_param``)."""


class StreamError(RuntimeError):
    """The server reported an error on the stream, or the stream broke."""


@dataclass(slots=True)
class StreamResult:
    """Every output received for one timestamp; ``frame`` is the sent frame's index (0-based).

    ``frame`` is None for a timestamp the client never sent (a graph may emit its own).
    ``outputs`` maps output names to arrays and lacks the outputs the graph skipped.
    ``late``: outputs of an earlier-released frame that came after ``SETTLE_LAG`` later
    frames were answered (an optional output the graph was slow to produce, not skipped).
    """

    timestamp: int
    frame: int | None
    outputs: dict[str, np.ndarray] = field(default_factory=dict)
    late: bool = False

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}{list(v.shape)}" for k, v in self.outputs.items())
        late = ", late" if self.late else ""
        return f"StreamResult(ts={self.timestamp}, frame={self.frame}{late}, {{{shapes}}})"


SETTLE_LAG = 2
"""An optional output not seen once two later frames have been answered is taken as
skipped for that frame (outputs of one frame may still arrive after the next frame's)."""
RELEASED_KEPT = 256
"""Released frames remembered, so that a late output is still given its frame."""


def min_window(
    expected_outputs: Sequence[str] = (), optional_outputs: Sequence[str] = ()
) -> tuple[int, str]:
    """The smallest window in which every frame can be answered, and why it is that."""
    if not expected_outputs:
        return 2, (
            "with no expected output, a frame the graph gives no output is known to be answered"
            " only once a later frame's output passes it"
        )
    return 1, "a frame must be able to go out"


class ResultCollector:
    """Groups output messages per timestamp and releases complete results in order.

    Not thread-safe on its own: ``GraphStream`` calls it under its lock.
    """

    def __init__(
        self, expected_outputs: Iterable[str] = (), optional_outputs: Iterable[str] = ()
    ) -> None:
        self.expected = frozenset(expected_outputs)
        self.optional = frozenset(optional_outputs)
        self._order: list[int] = []  # pending timestamps, ascending
        self._pending: dict[int, StreamResult] = {}
        self._latest: dict[str, int] = {}  # per output: the highest timestamp it arrived at
        self._released: dict[int, int] = {}  # timestamp -> frame of the latest released frames
        self._finished = False

    def __repr__(self) -> str:
        expected = sorted(self.expected)
        return f"ResultCollector(expected={expected}, in_flight={self.in_flight})"

    def sent(self, timestamp: int, frame: int) -> None:
        """A frame went out at ``timestamp`` (greater than every earlier one)."""
        self._pending[timestamp] = StreamResult(timestamp, frame)
        self._order.append(timestamp)

    def received(self, timestamp: int, name: str, value: np.ndarray) -> None:
        """An output message arrived."""
        result = self._pending.get(timestamp)
        if result is None:
            frame = self._released.get(timestamp)
            result = StreamResult(timestamp, frame, late=frame is not None)
            self._pending[timestamp] = result
            bisect.insort(self._order, timestamp)
        result.outputs[name] = value
        if timestamp > self._latest.get(name, timestamp - 1):
            self._latest[name] = timestamp

    def finish(self) -> None:
        """The stream ended: nothing more will arrive, every pending result is complete."""
        self._finished = True

    @property
    def in_flight(self) -> int:
        """Results not yet released."""
        return len(self._order)

    @property
    def awaiting(self) -> int:
        """Sent frames the server has not answered yet (what a stream's window bounds):
        an expected output has not arrived or moved past the frame; with none expected, no
        output has. A frame waiting only for optional outputs has been answered."""
        return sum(1 for t in self._order if not self._answered(t))

    def _answered(self, timestamp: int) -> bool:
        result = self._pending[timestamp]
        if self._finished or result.frame is None or result.late:
            return True
        if self.expected:
            return all(self._settled(name, timestamp, result.outputs) for name in self.expected)
        return bool(result.outputs) or any(t > timestamp for t in self._latest.values())

    def _complete(self, timestamp: int) -> bool:
        """Each expected output arrived at ``timestamp`` or moved past it (every output stream
        delivers in timestamp order); each optional one did too, or ``SETTLE_LAG`` later
        frames have been answered. With no outputs declared, those seen so far count, once
        some output has moved past the frame."""
        result = self._pending[timestamp]
        if self._finished or result.late:
            return True
        outputs = result.outputs
        if not self.expected and not self.optional:
            seen = self._latest
            return (
                bool(seen)
                and max(seen.values()) > timestamp
                and all(self._settled(name, timestamp, outputs) for name in seen)
            )
        if not all(self._settled(name, timestamp, outputs) for name in self.expected):
            return False
        if all(self._settled(name, timestamp, outputs) for name in self.optional):
            return True
        later = (t for t in self._order if t > timestamp and self._pending[t].outputs)
        return sum(1 for _ in itertools.islice(later, SETTLE_LAG)) >= SETTLE_LAG

    def _settled(self, name: str, timestamp: int, outputs: Mapping[str, np.ndarray]) -> bool:
        return name in outputs or self._latest.get(name, timestamp) > timestamp

    def has_complete(self) -> bool:
        """True when the oldest pending result is complete."""
        return bool(self._order) and self._complete(self._order[0])

    def pop_complete(self) -> list[StreamResult]:
        """The complete results at the head of the queue, in timestamp order."""
        done: list[StreamResult] = []
        while self.has_complete():
            result = self._pending.pop(self._order.pop(0))
            if result.frame is not None and not result.late:
                self._released[result.timestamp] = result.frame
                if len(self._released) > RELEASED_KEPT:
                    del self._released[next(iter(self._released))]
            done.append(result)
        return done


class GraphStream:
    """One streaming RPC to a graph with a bounded window of frames in flight.

    Args:
        url: the server's gRPC address, ``host:port``.
        graph: the graph (servable) name.
        input_name: the graph input stream name frames go to.
        expected_outputs: outputs every frame produces; a result waits for each of them.
        optional_outputs: outputs the graph may skip on a frame (e.g. a hand not found);
            a result takes them if they come before two later frames are answered.
            The stream requests exactly the declared outputs, so the server sends no
            other; with none declared it sends every output.
        window: frames in flight at most, i.e. sent and not yet answered by the server;
            ``send`` blocks while the window is full. A frame whose result waits only for
            optional outputs has been answered and does not count. At least
            ``min_window(...)``: 1, or 2 without expected outputs (a smaller one is refused
            with ValueError).
        fps: frame rate for automatic timestamps: frame k at ``k * round(1e6 / fps)`` µs.
        parameters: first-request parameters, i.e. the graph's input side packets.
        timeout: seconds to wait for a response before giving up.
        access: TLS files and bearer token for the server (default: plaintext, no token).
    """

    def __init__(
        self,
        url: str,
        graph: str,
        input_name: str,
        expected_outputs: Sequence[str] = (),
        window: int = 4,
        optional_outputs: Sequence[str] = (),
        fps: float = 30.0,
        parameters: Mapping[str, str | int | bool] | None = None,
        timeout: float = 60.0,
        access: ServerAccess | None = None,
    ) -> None:
        least, why = min_window(expected_outputs, optional_outputs)
        if window < least:
            raise ValueError(f"window must be at least {least}, got {window} ({why})")
        if fps <= 0:
            raise ValueError(f"fps must be positive, got {fps}")
        self.url, self.graph, self.input_name = url, graph, input_name
        self.window, self.fps, self.timeout = window, fps, timeout
        self.access = access or ServerAccess()
        self._parameters = dict(parameters or {})
        self._collector = ResultCollector(expected_outputs, optional_outputs)
        self._requested = list(dict.fromkeys([*expected_outputs, *optional_outputs]))
        """Sent with the first frame: the server returns only these outputs on the stream
        (none declared: every output)."""
        self._cond = threading.Condition()
        self._error: StreamError | None = None
        self._channel: grpc.Channel | None = None
        self._requests: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._call: Any = None  # the RPC: a response iterator that can be cancelled
        self._reader: threading.Thread | None = None
        self._sent = 0
        self._last_timestamp: int | None = None

    def __repr__(self) -> str:
        return f"GraphStream({self.url!r}, graph={self.graph!r}, sent={self._sent})"

    def __enter__(self) -> GraphStream:
        self.open()
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.cancel()

    def open(self) -> None:
        """Start the RPC (the server creates the graph on the first frame)."""
        self._channel = self.access.channel(self.url)
        start = self._channel.stream_stream(
            METHOD, request_serializer=bytes, response_deserializer=decode_response
        )
        headers = self.access.headers() or {}
        responses = start(iter(self._requests.get, None), metadata=tuple(headers.items()))
        self._call = responses
        self._reader = threading.Thread(target=self._read, args=(responses,), daemon=True)
        self._reader.start()

    def timestamp_of(self, frame: int) -> int:
        """The automatic timestamp (µs) of frame number ``frame``."""
        return frame * round(1_000_000 / self.fps)

    def send(self, frame: np.ndarray, timestamp: int | None = None) -> int:
        """Send one frame (HWC array); blocks while the window is full. Returns its timestamp."""
        if self._call is None:
            raise StreamError("the stream is not open")
        self._wait(self._has_room)
        ts = self.timestamp_of(self._sent) if timestamp is None else timestamp
        if self._last_timestamp is not None and ts <= self._last_timestamp:
            raise ValueError(f"timestamp {ts} is not greater than the last {self._last_timestamp}")
        first = self._sent == 0
        parameters = {**self._parameters, TIMESTAMP_PARAM: ts} if first else {TIMESTAMP_PARAM: ts}
        outputs = self._requested if first else ()
        request = encode_request(self.graph, self.input_name, frame, parameters, outputs)
        with self._cond:
            self._collector.sent(ts, self._sent)
        self._raise_if_failed()  # the stream is gone: say why
        self._requests.put(request)
        self._sent += 1
        self._last_timestamp = ts
        return ts

    def _has_room(self) -> bool:
        """Fewer than ``window`` frames await the server, and the results held for the
        caller stay bounded (one that never reads them gets the timeout, not more memory)."""
        collector = self._collector
        held = 2 * self.window + SETTLE_LAG
        return collector.awaiting < self.window and collector.in_flight < held

    def results(self, block: bool = False) -> list[StreamResult]:
        """Complete results in order; with ``block``, wait until one is ready or none is due."""
        if block:
            self._wait(lambda: self._collector.has_complete() or self._collector.in_flight == 0)
        with self._cond:
            done = self._collector.pop_complete()
        self._raise_if_failed()
        return done

    def run(self, frames: Iterable[np.ndarray]) -> Iterator[StreamResult]:
        """Send every frame and yield each result in order, then end the stream."""
        for frame in frames:
            self._wait(lambda: self._has_room() or self._collector.has_complete())
            yield from self.results()  # what completed while waiting, before more goes out
            self.send(frame)  # waits while `window` frames await the server
        self.close()
        yield from self.results()

    def close(self) -> None:
        """Half-close: the server finishes the graph and sends what is left; waits for it."""
        if self._call is not None:
            self._end()
        with self._cond:
            self._collector.finish()
            self._cond.notify_all()
        self._raise_if_failed()

    def cancel(self) -> None:
        """Abort the RPC now; the server cancels the graph."""
        if self._call is not None:
            with self._cond:
                self._collector.finish()
                self._error = self._error or StreamError("stream cancelled by the client")
            self._call.cancel()
            self._end()

    def _end(self) -> None:
        """Wait for the response reader to see the RPC end, then close the channel."""
        assert self._reader is not None and self._channel is not None
        self._call = None
        self._requests.put(None)  # the end of the requests: gRPC's request thread ends
        self._reader.join()
        self._channel.close()

    def _wait(self, predicate: Callable[[], bool]) -> None:
        with self._cond:
            ready = self._cond.wait_for(
                lambda: self._error is not None or predicate(), self.timeout
            )
        self._raise_if_failed()
        if not ready:
            raise StreamError(f"graph {self.graph!r}: no response within {self.timeout} s")

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    def _read(self, responses: Any) -> None:
        """The reader thread: collect every response until the RPC ends."""
        try:
            for message in responses:
                with self._cond:
                    self._collect(message)
                    self._cond.notify_all()
        except grpc.RpcError as exc:
            self._failed(exc.details() or str(exc.code()))
        except Exception as exc:  # a response this client cannot read ends the stream
            self._failed(f"unreadable response: {exc!r}")
            responses.cancel()

    def _failed(self, message: str) -> None:
        with self._cond:
            if self._error is None:
                self._error = StreamError(f"graph {self.graph!r}: {message}")
            self._cond.notify_all()

    def _collect(self, message: Any) -> None:
        if message.error_message:
            if self._error is None:
                self._error = StreamError(f"graph {self.graph!r}: {message.error_message}")
            return
        response = message.infer_response
        if TIMESTAMP_PARAM not in response.parameters:
            self._error = StreamError(f"graph {self.graph!r}: a response lacks {TIMESTAMP_PARAM}")
            return
        ts = response.parameters[TIMESTAMP_PARAM].int64_param
        for name, array in output_arrays(response):
            self._collector.received(ts, name, array)
