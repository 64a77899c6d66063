"""GraphStream over a real gRPC connection to a scripted server."""

from __future__ import annotations

import grpc
import numpy as np
import pytest
from pipeserve.clients.stream import GraphStream, StreamError

from tests.clients.scripted_server import data, echo, error, request_array, request_timestamp


def frames(count: int) -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    return [rng.integers(0, 256, (6, 8, 3), np.uint8) for _ in range(count)]


def test_frames_go_out_with_30_fps_microsecond_timestamps_and_results_come_back_in_order(
    scripted_server,
):
    url, server = scripted_server
    sent = frames(5)
    with GraphStream(url, "pose", "first_input_video", ["out"], parameters={"mode": 2}) as stream:
        results = list(stream.run(sent))
    assert [request_timestamp(r) for r in server.requests] == [0, 33333, 66666, 99999, 133332]
    assert [r.timestamp for r in results] == [0, 33333, 66666, 99999, 133332]
    assert [r.frame for r in results] == [0, 1, 2, 3, 4]
    for result, frame in zip(results, sent, strict=True):
        np.testing.assert_array_equal(result.outputs["out"], frame)
    first, second = server.requests[:2]
    assert (first.model_name, first.inputs[0].name) == ("pose", "first_input_video")
    assert (first.inputs[0].datatype, list(first.inputs[0].shape)) == ("UINT8", [6, 8, 3])
    assert first.parameters["mode"].int64_param == 2  # side packets go with the first request
    assert "mode" not in second.parameters
    assert server.ended.is_set()  # the client half-closed the stream


def test_a_frame_whose_outputs_were_partly_skipped_is_released_with_what_arrived(scripted_server):
    url, server = scripted_server

    def two_outputs(index, request):
        ts = request_timestamp(request)
        meta = [] if index == 1 else [data("meta", np.array([index], np.int64), ts)]
        return [data("out", request_array(request), ts), *meta]

    server.script = two_outputs
    with GraphStream(url, "g", "in", ["out", "meta"], fps=10) as stream:
        results = list(stream.run(frames(3)))
    assert [r.timestamp for r in results] == [0, 100000, 200000]
    assert [sorted(r.outputs) for r in results] == [["meta", "out"], ["out"], ["meta", "out"]]


def test_an_in_stream_error_raises_with_the_servers_message(scripted_server):
    url, server = scripted_server
    message = "Mediapipe execution failed. MP status - node pose at ts 33333: boom"
    server.script = lambda index, request: [error(message)] if index == 1 else echo(index, request)
    with (
        pytest.raises(StreamError, match=r"graph 'g': Mediapipe execution failed.*boom"),
        GraphStream(url, "g", "in", ["out"]) as stream,
    ):
        list(stream.run(frames(4)))


def test_a_rejected_stream_raises_with_the_status_message(scripted_server):
    url, server = scripted_server
    server.abort = (
        grpc.StatusCode.NOT_FOUND,
        "Mediapipe graph definition with requested name is not found: nope",
    )
    with (
        pytest.raises(StreamError, match="requested name is not found: nope"),
        GraphStream(url, "nope", "in", ["out"]) as stream,
    ):
        list(stream.run(frames(2)))


def test_no_more_than_window_frames_are_in_flight(scripted_server):
    url, server = scripted_server
    server.hold_until = 3  # the server answers once it holds 3 frames
    with GraphStream(url, "g", "in", ["out"], window=3, timeout=5) as stream:
        assert len(list(stream.run(frames(6)))) == 6

    server.requests.clear()
    server.hold_until = 4  # ... but a window of 3 never lets a 4th frame go out unanswered
    with (
        pytest.raises(StreamError, match=r"no response within 0\.5 s"),
        GraphStream(url, "g", "in", ["out"], window=3, timeout=0.5) as stream,
    ):
        list(stream.run(frames(6)))
    assert len(server.requests) == 3


def test_explicit_timestamps_are_sent_as_given_and_must_increase(scripted_server):
    url, server = scripted_server
    frame = frames(1)[0]
    with GraphStream(url, "g", "in", ["out"]) as stream:
        assert stream.send(frame, timestamp=-5) == -5
        assert stream.send(frame, timestamp=7) == 7
        with pytest.raises(ValueError, match="timestamp 7 is not greater than the last 7"):
            stream.send(frame, timestamp=7)
        stream.close()
        assert [r.timestamp for r in stream.results()] == [-5, 7]
    assert [request_timestamp(r) for r in server.requests] == [-5, 7]


def test_bad_settings_and_sending_before_open_are_refused():
    with pytest.raises(ValueError, match="window must be at least 1"):
        GraphStream("127.0.0.1:1", "g", "in", window=0)
    with pytest.raises(StreamError, match="not open"):
        GraphStream("127.0.0.1:1", "g", "in").send(frames(1)[0])


def test_an_unreachable_server_raises_a_stream_error():
    with (
        pytest.raises(StreamError, match="graph 'g'"),
        GraphStream("127.0.0.1:1", "g", "in", ["out"], timeout=5) as stream,
    ):
        list(stream.run(frames(2)))
