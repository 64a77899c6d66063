"""Spec §2, a stream's life, over tritonclient.grpc (sync streams)."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest

from .conftest import REPO, ServerProcess, wait_for
from .streams import Stream, status_of

FP = np.float32


def test_first_request_selects_the_graph_and_its_state_lives_across_requests(
    server: ServerProcess,
) -> None:
    with Stream(server.grpc_url) as s:
        for value in (10, 20, 30):
            s.send("previous", {"in": np.array([value], FP)})
        assert s.data("prev") == (1, pytest.approx([10]))
        assert s.data("prev") == (2, pytest.approx([20]))


def test_unknown_graph_ends_the_rpc_with_not_found_naming_it(server: ServerProcess) -> None:
    s = Stream(server.grpc_url)
    s.send("no_such_graph", {"in": np.ones(1, FP)})
    error = s.error()
    assert status_of(error) == "StatusCode.NOT_FOUND"
    assert error.message() == (
        "Mediapipe graph definition with requested name is not found: no_such_graph"
    )
    assert s.close() == []


def test_known_graph_that_cannot_load_ends_the_rpc_unavailable(server: ServerProcess) -> None:
    s = Stream(server.grpc_url)
    s.send("broken", {"in": np.ones(1, FP)})
    error = s.error()
    assert status_of(error) == "StatusCode.UNAVAILABLE"
    assert "broken" in error.message() and "NoSuchCalculator" in error.message()
    assert s.close() == []


def test_graph_missing_a_side_packet_fails_to_start_failed_precondition(
    server: ServerProcess,
) -> None:
    s = Stream(server.grpc_url)
    s.send("side", {"in": np.ones(1, FP)})
    error = s.error()
    assert status_of(error) == "StatusCode.FAILED_PRECONDITION"
    assert "label" in error.message()
    assert s.close() == []


def test_bad_side_packet_value_fails_to_start_failed_precondition(server: ServerProcess) -> None:
    s = Stream(server.grpc_url)
    s.send("side", {"in": np.ones(1, FP)}, label="x", count="not-a-number")
    error = s.error()
    assert status_of(error) == "StatusCode.FAILED_PRECONDITION"
    assert "COUNT must be an int" in error.message()
    assert s.close() == []


@pytest.mark.parametrize("version", ["", "0", "1"])
def test_graph_versions_empty_zero_and_one_are_accepted(
    server: ServerProcess, version: str
) -> None:
    with Stream(server.grpc_url) as s:
        s.send("passthrough", {"in": np.ones(2, FP)}, version=version)
        s.send("passthrough", {"in": np.ones(2, FP)}, version=version)
        assert [s.data("out")[0] for _ in range(2)] == [0, 1]


def test_bad_version_on_first_request_ends_the_rpc_not_found(server: ServerProcess) -> None:
    s = Stream(server.grpc_url)
    s.send("passthrough", {"in": np.ones(1, FP)}, version="2")
    error = s.error()
    assert status_of(error) == "StatusCode.NOT_FOUND"
    assert "passthrough" in error.message() and "'2'" in error.message()
    assert s.close() == []


def test_later_request_with_other_graph_name_is_an_in_stream_error_and_stream_lives(
    server: ServerProcess,
) -> None:
    with Stream(server.grpc_url) as s:
        s.send("passthrough", {"in": np.array([1], FP)})
        assert s.data("out") == (0, [1])
        s.send("words", {"in": np.array([2], FP)})
        error = s.error()
        assert status_of(error) == "None"
        assert error.message().startswith("Subsequent request with incorrect servable name")
        s.send("passthrough", {"in": np.array([3], FP)})
        assert s.data("out") == (1, [3])  # nothing from the bad request entered the graph


def test_later_request_with_bad_version_is_an_in_stream_error_and_stream_lives(
    server: ServerProcess,
) -> None:
    with Stream(server.grpc_url) as s:
        s.send("passthrough", {"in": np.array([1], FP)})
        assert s.data("out") == (0, [1])
        s.send("passthrough", {"in": np.array([2], FP)}, version="7")
        error = s.error()
        assert error.message().startswith("Subsequent request with incorrect servable version")
        s.send("passthrough", {"in": np.array([3], FP)}, version="1")
        assert s.data("out") == (1, [3])


def test_graph_error_is_sent_in_stream_at_once_then_ends_the_rpc_invalid_argument(
    server: ServerProcess,
) -> None:
    s = Stream(server.grpc_url)
    s.send("fail", {"in": np.array([5], np.int64)})
    assert s.data("out") == (0, [5])
    s.send("fail", {"in": np.array([-1], np.int64)})
    # No further request and no half-close: the error must come on its own.
    in_stream = s.error(timeout=5)
    assert status_of(in_stream) == "None"
    message = in_stream.message()
    assert message.startswith("Mediapipe execution failed. MP status - ")
    assert "TestServerFailOnValueCalculator" in message and "at timestamp 1" in message
    final = s.error(timeout=5)
    assert status_of(final) == "StatusCode.INVALID_ARGUMENT"
    assert final.message() == message
    s.close()


def test_graph_error_leaves_other_streams_on_the_same_graph_running(server: ServerProcess) -> None:
    with Stream(server.grpc_url) as healthy:
        failing = Stream(server.grpc_url)
        healthy.send("fail", {"in": np.array([1], np.int64)})
        failing.send("fail", {"in": np.array([-1], np.int64)})
        assert failing.error().message().startswith("Mediapipe execution failed")
        assert status_of(failing.error()) == "StatusCode.INVALID_ARGUMENT"
        failing.close()
        healthy.send("fail", {"in": np.array([2], np.int64)})
        assert healthy.data("out") == (0, [1])
        assert healthy.data("out") == (1, [2])


def test_half_close_drains_every_output_including_packets_emitted_on_close(
    server: ServerProcess,
) -> None:
    s = Stream(server.grpc_url)
    for value in (1, 2, 3):
        s.send("delayed", {"in": np.array([value], FP)})
    left = s.close()
    assert all(error is None for _, error in left), left
    later = [
        (
            r.get_response().parameters["OVMS_MP_TIMESTAMP"].int64_param,
            float(r.as_numpy("later")[0]),
        )
        for r, _ in left
        if r.as_numpy("later") is not None
    ]
    assert later == [(0, 1.0), (1, 2.0), (2, 3.0)]  # (2, 3.0) is emitted in Close()


def test_output_is_sent_before_later_packets_of_the_graph_exist(server: ServerProcess) -> None:
    with Stream(server.grpc_url) as s:
        s.send("delayed", {"in": np.array([7], FP)})
        # "later" for timestamp 0 only exists once the next request arrives; "now" must not wait.
        result, error = s.get(timeout=5)
        assert error is None and result.as_numpy("now") is not None
        assert s.results.empty()
        s.send("delayed", {"in": np.array([8], FP)})
        names = set()
        for _ in range(2):
            result, error = s.get(timeout=5)
            names |= {o.name for o in result.get_response().outputs}
        assert names == {"now", "later"}


def test_cancel_frees_the_graph_and_its_threads(server: ServerProcess) -> None:
    def cancelled_stream() -> None:
        s = Stream(server.grpc_url)
        s.send("slow", {"in": np.ones((4,), FP)})
        assert wait_for(lambda: server.metric("pipeserve_streams_open", name="slow") == 1)
        s.close(cancel=True)
        assert wait_for(lambda: server.metric("pipeserve_streams_open") == 0)

    # Warm-up: the first stream of a fresh server (this test alone) starts threads the
    # server keeps (its pool for blocking calls); a leak would show on the second stream.
    cancelled_stream()
    assert wait_for(lambda: server.metric("pipeserve_graph_threads") == 0)
    baseline = server.threads()
    cancelled_stream()
    assert wait_for(lambda: server.threads() <= baseline, timeout=10), server.threads()


def test_zero_message_stream_ends_ok(server: ServerProcess) -> None:
    s = Stream(server.grpc_url)
    time.sleep(0.1)
    assert s.close() == []


def test_words_example_client_prints_one_line_per_word(server: ServerProcess) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "demos/default/words_client.py",
            "--url",
            server.grpc_url,
            "--timestamp",
            "10",
            "hello streaming",
            "world",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert out.splitlines() == ["10 hello", "11 streaming", "12 world"]
