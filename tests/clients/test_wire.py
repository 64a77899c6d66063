"""GraphStream's messages: the same requests tritonclient writes, responses read as views."""

from __future__ import annotations

import numpy as np
import pytest
import tritonclient.grpc as grpcclient
from tritonclient.grpc import _utils
from tritonclient.grpc import service_pb2 as pb
from tritonclient.utils import np_to_triton_dtype, serialize_byte_tensor

from pipeserve.clients.wire import decode_response, encode_request, output_arrays

ARRAYS = {
    "frame": np.arange(600 * 512 * 3, dtype=np.uint8).reshape(600, 512, 3),
    "strided": np.arange(24, dtype=np.float32).reshape(4, 6)[:, ::2],
    "scalar": np.array(2.5, np.float64),
    "bytes": np.array([b"ab", b"", "\u00e9".encode()], dtype=object),
    "empty": np.zeros((0, 3), np.int16),
}
PARAMETERS = {"OVMS_MP_TIMESTAMP": 33333, "label": "cam", "flag": True, "rate": 0.5}


@pytest.mark.parametrize("array", ARRAYS.values(), ids=ARRAYS.keys())
def test_a_request_is_the_one_tritonclient_writes(array: np.ndarray) -> None:
    tensor = grpcclient.InferInput("in", list(array.shape), _datatype(array))
    tensor.set_data_from_numpy(array)
    outputs = [grpcclient.InferRequestedOutput(name) for name in ("a", "b")]
    theirs = _utils._get_inference_request(
        model_name="g",
        inputs=[tensor],
        model_version="",
        request_id="",
        outputs=outputs,
        sequence_id=0,
        sequence_start=False,
        sequence_end=False,
        priority=0,
        timeout=None,
        parameters=PARAMETERS,
    )
    ours = pb.ModelInferRequest.FromString(encode_request("g", "in", array, PARAMETERS, ["a", "b"]))
    assert ours == theirs


def _datatype(array: np.ndarray) -> str:
    return np_to_triton_dtype(array.dtype)


def test_response_outputs_are_read_as_arrays_of_their_datatype_and_shape() -> None:
    message = pb.ModelStreamInferResponse()
    response = message.infer_response
    for name, array in (("pose", ARRAYS["strided"]), ("words", ARRAYS["bytes"])):
        tensor = response.outputs.add(name=name, datatype=_datatype(array))
        tensor.shape.extend(array.shape)
        raw = serialize_byte_tensor(array).item() if array.dtype == object else array.tobytes()
        response.raw_output_contents.append(raw)
    read = dict(output_arrays(decode_response(message.SerializeToString()).infer_response))
    np.testing.assert_array_equal(read["pose"], ARRAYS["strided"])
    assert read["pose"].dtype == np.float32
    assert read["words"].tolist() == ARRAYS["bytes"].tolist()
