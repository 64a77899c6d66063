"""GraphStream against a real pipeserve server process running test graphs."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from pipeserve.clients.stream import GraphStream, StreamError, min_window
from tests.server.conftest import ServerProcess, wait_for
from tests.server.graphs import GRAPHS, write_config

SLOW = """
input_stream: "in"
output_stream: "out"
node { calculator: "TestSlowCalculator" input_stream: "IN:in" output_stream: "OUT:out"
       input_side_packet: "DELAY:delay" }
"""
"""Passes each frame on after waiting the ``delay`` parameter (seconds, a side packet)."""

GRAPH_TEXTS = {name: GRAPHS[name] for name in ("passthrough", "fail", "side", "image")}
GRAPH_TEXTS |= {
    # one node, so its two outputs come in order: "flag" every frame, "accept" when in > 0.5
    "threshold": """
input_stream: "in"
output_stream: "flag"
output_stream: "accept"
node {
  calculator: "ThresholdingCalculator"
  input_stream: "FLOAT:in"
  output_stream: "FLAG:flag"
  output_stream: "ACCEPT:accept"
  options: { [mediapipe.ThresholdingCalculatorOptions.ext] { threshold: 0.5 } }
}
""",
    # emits each frame when the next one arrives, the last one when the stream is closed
    "delayed": """
input_stream: "in"
output_stream: "later"
node { calculator: "TestServerDelayUntilNextCalculator" input_stream: "in"
       output_stream: "later" }
""",
    "slow": SLOW,
    # "fast" runs ahead of "slow" (the DELAY side packet) by several frames
    "branches": """
input_stream: "in"
output_stream: "fast"
output_stream: "slow"
node { calculator: "PassThroughCalculator" input_stream: "in" output_stream: "fast" }
node { calculator: "TestSlowCalculator" input_stream: "IN:in" output_stream: "OUT:slow"
       input_side_packet: "DELAY:delay" }
""",
    "stalled": SLOW,  # the same, apart from its own request counts
    # answers each request with the parameters it carried, as "name=value" strings
    "parameters": """
input_stream: "REQUEST:request"
output_stream: "RESPONSE:response"
node { calculator: "TestServerRequestParametersCalculator" input_stream: "REQUEST:request"
       output_stream: "RESPONSE:response" }
""",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    config = write_config(tmp_path_factory.mktemp("stream"), GRAPH_TEXTS, model=False)
    proc = ServerProcess(config)
    yield proc
    proc.stop()


def frames(count: int) -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    return [rng.integers(0, 256, (6, 8, 3), np.uint8) for _ in range(count)]


def accepted(server: ServerProcess, graph: str) -> float:
    """Requests the server validated and pushed into ``graph``'s streams."""
    return server.metric("pipeserve_requests_accepted_total", name=graph, method="ModelStreamInfer")


def test_frames_go_out_with_30_fps_microsecond_timestamps_and_results_come_back_in_order(
    server: ServerProcess,
) -> None:
    sent = frames(5)
    with GraphStream(server.grpc_url, "passthrough", "in", ["out"]) as stream:
        results = list(stream.run(sent))
    assert [r.timestamp for r in results] == [0, 33333, 66666, 99999, 133332]
    assert [r.frame for r in results] == [0, 1, 2, 3, 4]
    for result, frame in zip(results, sent, strict=True):  # same name, datatype, shape, bytes
        assert result.outputs["out"].dtype == np.uint8
        np.testing.assert_array_equal(result.outputs["out"], frame)


def test_ending_the_stream_half_closes_it_and_collects_the_outputs_emitted_on_close(
    server: ServerProcess,
) -> None:
    sent = frames(3)
    with GraphStream(server.grpc_url, "delayed", "in", ["later"]) as stream:
        results = list(stream.run(sent))
    assert [r.frame for r in results] == [0, 1, 2]  # the last one emitted on close
    for result, frame in zip(results, sent, strict=True):
        np.testing.assert_array_equal(result.outputs["later"], frame)


def test_side_packets_go_with_the_first_request_only(server: ServerProcess) -> None:
    parameters = {"mode": 2, "label": "cam"}
    with GraphStream(
        server.grpc_url, "parameters", "in", ["parameters"], parameters=parameters
    ) as stream:
        results = list(stream.run(frames(3)))
    assert [r.outputs["parameters"].tolist() for r in results] == [
        [b"OVMS_MP_TIMESTAMP=0", b"label=cam", b"mode=2"],
        [b"OVMS_MP_TIMESTAMP=33333"],
        [b"OVMS_MP_TIMESTAMP=66666"],
    ]


def test_parameters_become_the_graphs_side_packets(server: ServerProcess) -> None:
    parameters = {"label": "cam", "count": 10}  # "side" emits "<label>:<count + n>"
    with GraphStream(server.grpc_url, "side", "in", ["out"], parameters=parameters) as stream:
        results = list(stream.run(frames(3)))
    assert [r.outputs["out"].tolist() for r in results] == [[b"cam:11"], [b"cam:12"], [b"cam:13"]]


def test_a_frame_whose_outputs_were_partly_skipped_is_released_with_what_arrived(
    server: ServerProcess,
) -> None:
    sent = [np.array([v], np.float32) for v in (0.9, 0.1, 0.7, 0.2)]  # no "accept" at 0.1, 0.2
    # with a window of 2, frame 1 must be released (once "accept" moves on to frame 2) for
    # frame 3 to go out: the stream would stall if it waited for frame 1's "accept"
    with GraphStream(
        server.grpc_url, "threshold", "in", ["flag", "accept"], window=2, fps=10, timeout=10
    ) as stream:
        results = list(stream.run(sent))
    assert [r.timestamp for r in results] == [0, 100000, 200000, 300000]
    assert [sorted(r.outputs) for r in results] == [["accept", "flag"], ["flag"]] * 2
    assert [r.outputs["flag"].tolist() for r in results] == [[True], [False], [True], [False]]


def test_the_stream_requests_only_the_outputs_it_declares(server: ServerProcess) -> None:
    sent = [np.array([v], np.float32) for v in (0.9, 0.1, 0.7)]  # "accept" at 0.9 and 0.7
    with GraphStream(server.grpc_url, "threshold", "in", ["flag"], fps=10) as stream:
        results = list(stream.run(sent))
    assert [sorted(r.outputs) for r in results] == [["flag"]] * 3  # "accept" never sent
    with GraphStream(server.grpc_url, "threshold", "in", window=2, fps=10) as stream:
        results = list(stream.run(sent))  # none declared: every output
    assert [sorted(r.outputs) for r in results] == [
        ["accept", "flag"],
        ["flag"],
        ["accept", "flag"],
    ]


def test_an_output_running_ahead_does_not_split_a_frame_from_a_slower_one(
    server: ServerProcess,
) -> None:
    sent = frames(8)
    with GraphStream(
        server.grpc_url, "branches", "in", ["fast", "slow"], parameters={"delay": "0.05"}
    ) as stream:
        results = list(stream.run(sent))
    assert [r.frame for r in results] == list(range(8))
    for result, frame in zip(results, sent, strict=True):
        assert sorted(result.outputs) == ["fast", "slow"]
        np.testing.assert_array_equal(result.outputs["slow"], frame)


def test_a_calculator_failure_raises_with_the_servers_message(server: ServerProcess) -> None:
    sent = [np.array([v], np.int64) for v in (1, -1, 2, 3)]  # "fail" refuses -1
    with (
        pytest.raises(StreamError, match=r"graph 'fail': Mediapipe execution failed.*-1"),
        GraphStream(server.grpc_url, "fail", "in", ["out"]) as stream,
    ):
        list(stream.run(sent))


def test_a_frame_the_server_rejects_raises_with_the_servers_reason(server: ServerProcess) -> None:
    with (
        pytest.raises(StreamError, match=r"graph 'image': input 'image': an IMAGE must be HWC"),
        GraphStream(server.grpc_url, "image", "image", ["image_out"]) as stream,
    ):
        list(stream.run([np.zeros((6, 8), np.uint8)]))


def test_a_rejected_stream_raises_with_the_status_message(server: ServerProcess) -> None:
    with (
        pytest.raises(StreamError, match="requested name is not found: nope"),
        GraphStream(server.grpc_url, "nope", "in", ["out"], timeout=10) as stream,
    ):
        list(stream.run(frames(2)))


def test_no_more_than_window_frames_are_in_flight(server: ServerProcess) -> None:
    window, parameters = 2, {"delay": "0.1"}
    with GraphStream(
        server.grpc_url, "slow", "in", ["out"], window=window, parameters=parameters
    ) as stream:
        for result in stream.run(frames(6)):
            assert result.frame is not None
            assert accepted(server, "slow") <= result.frame + window  # sent so far
    assert result.frame == 5 and accepted(server, "slow") == 6


def test_a_full_window_sends_nothing_more_until_a_result_arrives(server: ServerProcess) -> None:
    parameters = {"delay": "1.5"}  # no result within the client's timeout
    with (
        pytest.raises(StreamError, match=r"no response within 0\.5 s"),
        GraphStream(
            server.grpc_url, "stalled", "in", ["out"], window=3, parameters=parameters, timeout=0.5
        ) as stream,
    ):
        list(stream.run(frames(6)))
    assert wait_for(lambda: accepted(server, "stalled") == 3)


def test_explicit_timestamps_are_sent_as_given_and_must_increase(server: ServerProcess) -> None:
    frame = frames(1)[0]
    with GraphStream(server.grpc_url, "passthrough", "in", ["out"]) as stream:
        assert stream.send(frame, timestamp=-5) == -5
        assert stream.send(frame, timestamp=7) == 7
        with pytest.raises(ValueError, match="timestamp 7 is not greater than the last 7"):
            stream.send(frame, timestamp=7)
        stream.close()
        assert [r.timestamp for r in stream.results()] == [-5, 7]  # the outputs' timestamps


def test_bad_settings_and_sending_before_open_are_refused() -> None:
    with pytest.raises(ValueError, match="window must be at least 1"):
        GraphStream("127.0.0.1:1", "g", "in", ["out"], window=0)
    with pytest.raises(ValueError, match=r"window must be at least 2, got 1 \(with no expected"):
        GraphStream("127.0.0.1:1", "g", "in", window=1)
    with pytest.raises(StreamError, match="not open"):
        GraphStream("127.0.0.1:1", "g", "in").send(frames(1)[0])


def test_the_window_counts_frames_awaiting_the_server_not_results_awaiting_optional_outputs(
    server: ServerProcess,
) -> None:
    # "accept" is skipped at 0.1, 0.2 and 0.3: those results wait until SETTLE_LAG later
    # frames are answered, but the server has answered them ("flag" came), so they leave
    # the window at once and the next frame goes out
    sent = [np.array([v], np.float32) for v in (0.9, 0.1, 0.2, 0.7, 0.3, 0.8)]
    no_expected = r"window must be at least 2, got 1 \(with no expected output"
    with pytest.raises(ValueError, match=no_expected):
        GraphStream(server.grpc_url, "threshold", "in", [], 1, ["flag", "accept"])
    for expected, optional in ((["flag"], ["accept"]), ([], ["flag", "accept"])):
        window, _ = min_window(expected, optional)
        with GraphStream(
            server.grpc_url, "threshold", "in", expected, window, optional, fps=10, timeout=10
        ) as stream:
            results = list(stream.run(sent))
        assert [r.frame for r in results] == list(range(6))
        assert [sorted(r.outputs) for r in results] == [
            ["accept", "flag"],
            ["flag"],
            ["flag"],
            ["accept", "flag"],
            ["flag"],
            ["accept", "flag"],
        ]


def test_an_unreachable_server_raises_a_stream_error() -> None:
    with (
        pytest.raises(StreamError, match="graph 'g'"),
        GraphStream("127.0.0.1:1", "g", "in", ["out"], timeout=5) as stream,
    ):
        list(stream.run(frames(2)))
