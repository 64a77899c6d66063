"""Spec §3 timestamps and §2.4 atomic requests, over tritonclient.grpc streams."""

from __future__ import annotations

import numpy as np
import pytest

from pipeserve.graphs import timestamp as T

from .conftest import ServerProcess
from .streams import Stream, status_of, timestamp

FP = np.float32


def test_automatic_timestamps_start_at_zero_and_add_one(server: ServerProcess) -> None:
    with Stream(server.grpc_url) as s:
        for value in range(3):
            s.send("passthrough", {"in": np.array([value], FP)})
        assert [s.data("out")[0] for _ in range(3)] == [0, 1, 2]


def test_manual_and_automatic_timestamps_mix(server: ServerProcess) -> None:
    with Stream(server.grpc_url) as s:
        s.send("passthrough", {"in": np.ones(1, FP)}, ts=1000)
        s.send("passthrough", {"in": np.ones(1, FP)})
        s.send("passthrough", {"in": np.ones(1, FP)}, ts=5000)
        s.send("passthrough", {"in": np.ones(1, FP)})
        assert [s.data("out")[0] for _ in range(4)] == [1000, 1001, 5000, 5001]


@pytest.mark.parametrize("ts", [T.MIN, T.MAX], ids=["Min", "Max"])
def test_timestamps_at_min_and_max_are_accepted(server: ServerProcess, ts: int) -> None:
    with Stream(server.grpc_url) as s:
        s.send("passthrough", {"in": np.array([4], FP)}, ts=ts)
        assert s.data("out") == (ts, [4])


@pytest.mark.parametrize(
    "ts",
    [T.UNSET, T.UNSTARTED, T.PRESTREAM, T.POSTSTREAM, T.ONE_OVER_POSTSTREAM, T.DONE],
    ids=lambda ts: T.timestamp_name(ts),
)
def test_special_timestamps_are_rejected_in_stream(server: ServerProcess, ts: int) -> None:
    with Stream(server.grpc_url) as s:
        s.send("passthrough", {"in": np.array([1], FP)}, ts=ts)
        error = s.error()
        assert status_of(error) == "None"
        assert error.message().startswith(
            f"Malformed packet timestamp - {T.timestamp_name(ts)} is outside"
        )
        s.send("passthrough", {"in": np.array([2], FP)}, ts=7)
        assert s.data("out") == (7, [2])  # the stream stayed open


@pytest.mark.parametrize("value", ["12", 1.5, True], ids=["string", "double", "bool"])
def test_timestamp_that_is_not_int64_is_rejected_in_stream(
    server: ServerProcess, value: object
) -> None:
    with Stream(server.grpc_url) as s:
        s.send("passthrough", {"in": np.array([1], FP)}, OVMS_MP_TIMESTAMP=value)
        message = s.error().message()
        assert message.startswith("Malformed packet timestamp - Should be int64")
        s.send("passthrough", {"in": np.array([2], FP)})
        assert s.data("out") == (0, [2])


def test_timestamp_not_greater_than_previous_is_rejected_and_state_kept(
    server: ServerProcess,
) -> None:
    with Stream(server.grpc_url) as s:
        for value in (10, 20):
            s.send("previous", {"in": np.array([value], FP)}, ts=value)
        s.send("previous", {"in": np.array([15], FP)}, ts=15)  # one late frame
        s.send("previous", {"in": np.array([30], FP)}, ts=30)
        got = [s.get() for _ in range(3)]  # the error may overtake data still in the graph
        errors = [e.message() for _, e in got if e is not None]
        assert errors == [
            "Malformed packet timestamp - 15 is not greater than the previous timestamp 20 "
            "on stream 'in'"
        ]
        data = [(timestamp(r), r.as_numpy("prev").tolist()) for r, e in got if e is None]
        assert data == [(20, [10]), (30, [20])]  # tracking state survived the late frame


def test_equal_timestamps_on_different_inputs_form_one_set(server: ServerProcess) -> None:
    with Stream(server.grpc_url) as s:
        s.send("sum", {"a": np.array([1.5], FP)}, ts=5)
        s.send("sum", {"b": np.array([2.0], FP)}, ts=5)
        ts, value = s.data("sum")
        assert ts == 5 and value.dtype == np.float64 and value.tolist() == [3.5]


def test_request_with_one_bad_input_pushes_nothing(server: ServerProcess) -> None:
    with Stream(server.grpc_url) as s:
        good, bad = np.array([1.0], FP), np.array([1.0], FP)
        s.send("sum", {"a": good, "c": bad}, ts=3)
        assert "input 'c' is not an input of 'sum'" in s.error().message()
        s.send("sum", {"a": good, "b": np.array([2.0], FP)}, ts=3)  # 'a' at 3 was not pushed
        assert s.data("sum") == (3, [3.0])


def test_generator_emits_several_packets_per_request_with_their_own_timestamps(
    server: ServerProcess,
) -> None:
    with Stream(server.grpc_url) as s:
        s.send("words", {"text": np.array([b"one two three"], object)}, ts=100)
        s.send("words", {"text": np.array([b"four"], object)})
        got = [s.data("word") for _ in range(4)]
        assert [ts for ts, _ in got] == [100, 101, 102, 103]
        assert [w.tolist() for _, w in got] == [[b"one"], [b"two"], [b"three"], [b"four"]]
