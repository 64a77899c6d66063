"""A scripted KServe gRPC server for client tests (tritonclient's own stubs, in process).

The scripted server speaks the same wire protocol as pipeserve, so client behaviour
(timestamps, ordering, skipped outputs, errors, back-pressure) is tested over a real
gRPC connection with responses chosen by each test.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent import futures
from typing import TypeAlias

import grpc
import numpy as np
from tritonclient.grpc import service_pb2, service_pb2_grpc
from tritonclient.utils import np_to_triton_dtype, triton_to_np_dtype

TIMESTAMP = "OVMS_MP_TIMESTAMP"
Response: TypeAlias = service_pb2.ModelStreamInferResponse
Script = Callable[[int, service_pb2.ModelInferRequest], list[Response]]


def request_timestamp(request: service_pb2.ModelInferRequest) -> int:
    return request.parameters[TIMESTAMP].int64_param


def request_array(request: service_pb2.ModelInferRequest) -> np.ndarray:
    tensor = request.inputs[0]
    dtype = triton_to_np_dtype(tensor.datatype)
    return np.frombuffer(request.raw_input_contents[0], dtype).reshape(tensor.shape)


def data(name: str, array: np.ndarray, timestamp: int, graph: str = "g") -> Response:
    """One data message: a single output at ``timestamp``, as the contract says."""
    response = service_pb2.ModelInferResponse(model_name=graph, model_version="1")
    response.parameters[TIMESTAMP].int64_param = timestamp
    output = response.outputs.add(name=name, datatype=np_to_triton_dtype(array.dtype))
    output.shape.extend(array.shape)
    response.raw_output_contents.append(np.ascontiguousarray(array).tobytes())
    return Response(infer_response=response)


def error(message: str) -> Response:
    return Response(error_message=message)


def echo(index: int, request: service_pb2.ModelInferRequest) -> list[Response]:
    """Default script: the input comes back as output ``out`` at the request's timestamp."""
    return [data("out", request_array(request), request_timestamp(request))]


class ScriptedServicer(service_pb2_grpc.GRPCInferenceServiceServicer):
    """Answers each streamed request with ``script(index, request)``.

    Responses are held back until ``hold_until`` requests have arrived; ``abort`` ends
    the RPC with a status instead.
    """

    def __init__(self) -> None:
        self.script: Script = echo
        self.hold_until = 0
        self.abort: tuple[grpc.StatusCode, str] | None = None
        self.requests: list[service_pb2.ModelInferRequest] = []
        self.ended = threading.Event()

    def ModelStreamInfer(self, request_iterator, context) -> Iterator[Response]:
        if self.abort is not None:
            context.abort(*self.abort)
        held: list[Response] = []
        for index, request in enumerate(request_iterator):
            self.requests.append(request)
            held.extend(self.script(index, request))
            if len(self.requests) >= self.hold_until:
                yield from held
                held.clear()
        yield from held
        self.ended.set()


def start_scripted_server() -> tuple[grpc.Server, str, ScriptedServicer]:
    """A started server on an ephemeral port, its ``host:port`` and its servicer."""
    servicer = ScriptedServicer()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    service_pb2_grpc.add_GRPCInferenceServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, f"127.0.0.1:{port}", servicer
