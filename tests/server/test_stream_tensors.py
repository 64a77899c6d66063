"""Spec §4 inputs and §5 outputs: every datatype, ranks, tags, one message per packet."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import ServerProcess
from .streams import Stream

ARRAYS = {
    "FP64": np.array([1.5, -2.0]),
    "FP32": np.arange(6, dtype=np.float32).reshape(2, 3),
    "FP16": np.array([0.5, 1.0], np.float16),
    "INT64": np.array([2**40, -1], np.int64),
    "INT32": np.array([[-7]], np.int32),
    "INT16": np.array([300], np.int16),
    "INT8": np.array([-3, 4], np.int8),
    "UINT64": np.array([2**63], np.uint64),
    "UINT32": np.array([7], np.uint32),
    "UINT16": np.array([65535], np.uint16),
    "UINT8": np.arange(24, dtype=np.uint8).reshape(2, 3, 4),
    "BOOL": np.array([True, False, True]),
    "BYTES": np.array([b"x", b"", "\u00e9".encode()], dtype=object),
    "scalar": np.array(3.25, np.float32),
    "zero-size": np.zeros((0, 3), np.float32),
}


@pytest.mark.parametrize("array", ARRAYS.values(), ids=ARRAYS.keys())
def test_every_datatype_and_rank_round_trips(server: ServerProcess, array: np.ndarray) -> None:
    with Stream(server.grpc_url) as s:
        s.send("passthrough", {"in": array})
        ts, out = s.data("out")
    assert ts == 0 and out.dtype == array.dtype and out.shape == array.shape
    assert out.tolist() == array.tolist()


def test_data_message_has_one_output_named_after_the_stream(server: ServerProcess) -> None:
    with Stream(server.grpc_url) as s:
        s.send("delayed", {"in": np.array([1], np.float32)})
        result, _ = s.get()
    response = result.get_response()
    assert (response.model_name, response.model_version) == ("delayed", "1")
    assert [o.name for o in response.outputs] == ["now"]
    assert len(response.raw_output_contents) == 1


def test_python_scalars_and_strings_become_one_element_tensors(server: ServerProcess) -> None:
    with Stream(server.grpc_url) as s:
        s.send("sum", {"a": np.array([1], np.int32), "b": np.array([2.5], np.float32)})
        _, total = s.data("sum")
    assert total.dtype == np.float64 and total.shape == (1,)
    with Stream(server.grpc_url) as s:
        s.send("side", {"in": np.array([0], np.uint8)}, label="cam", count=4)
        _, label = s.data("out")
    assert label.dtype == object and label.tolist() == [b"cam:5"]


def test_image_tag_takes_an_hwc_frame(server: ServerProcess) -> None:
    frame = np.random.default_rng(0).integers(0, 255, (48, 64, 3), dtype=np.uint8)
    with Stream(server.grpc_url) as s:
        s.send("image", {"image": frame})
        _, out = s.data("image_out")
    assert np.array_equal(out, frame)


def test_request_tag_gets_the_whole_request_and_response_is_built_by_the_graph(
    server: ServerProcess,
) -> None:
    with Stream(server.grpc_url) as s:
        s.send("request", {"first": np.ones(1, np.float32), "second": np.ones(2, np.int8)})
        ts, names = s.data("names")
    assert ts == 0 and names.tolist() == [b"first", b"second"]


def test_side_packets_come_from_the_first_request_only(server: ServerProcess) -> None:
    with Stream(server.grpc_url) as s:
        s.send("side", {"in": np.array([0], np.uint8)}, label="a", count=10)
        s.send("side", {"in": np.array([0], np.uint8)}, label="ignored", count=0)
        assert [s.data("out")[1].tolist() for _ in range(2)] == [[b"a:11"], [b"a:12"]]


def test_a_4k_rgb_frame_fits_the_default_message_size(server: ServerProcess) -> None:
    frame = np.full((2160, 3840, 3), 7, np.uint8)
    with Stream(server.grpc_url) as s:
        s.send("image", {"image": frame})
        _, out = s.data("image_out", timeout=30)
    assert out.shape == frame.shape and int(out[-1, -1, -1]) == 7
