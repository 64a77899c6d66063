"""``inference.GRPCInferenceService``: each RPC converts, calls the data plane, converts back."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any, TypeAlias

import grpc

from pipeserve.errors import PipeserveError
from pipeserve.proto import grpc_service_pb2 as pb

from ..dataplane import DataPlane
from ..types import InferRequest
from .converters import (
    ModelInferRequestConverter,
    ModelInferResponseConverter,
    ModelMetadataConverter,
    ReceivedRequest,
    ServerMetadataConverter,
    StreamResponseConverter,
)
from .errors import handle_errors, handle_stream_errors

SERVICE_NAME = "inference.GRPCInferenceService"
Context = grpc.aio.ServicerContext
MaybeRequest: TypeAlias = ReceivedRequest | PipeserveError


class InferenceServicer:
    """The KServe v2 service over one data plane."""

    def __init__(self, data_plane: DataPlane) -> None:
        self.data_plane = data_plane

    @handle_errors
    async def ServerLive(
        self, request: pb.ServerLiveRequest, context: Context
    ) -> pb.ServerLiveResponse:
        return pb.ServerLiveResponse(live=await self.data_plane.live())

    @handle_errors
    async def ServerReady(
        self, request: pb.ServerReadyRequest, context: Context
    ) -> pb.ServerReadyResponse:
        return pb.ServerReadyResponse(ready=await self.data_plane.ready())

    @handle_errors
    async def ModelReady(
        self, request: pb.ModelReadyRequest, context: Context
    ) -> pb.ModelReadyResponse:
        ready = await self.data_plane.model_ready(request.name, request.version)
        return pb.ModelReadyResponse(ready=ready)

    @handle_errors
    async def ServerMetadata(
        self, request: pb.ServerMetadataRequest, context: Context
    ) -> pb.ServerMetadataResponse:
        return ServerMetadataConverter.from_types(await self.data_plane.metadata())

    @handle_errors
    async def ModelMetadata(
        self, request: pb.ModelMetadataRequest, context: Context
    ) -> pb.ModelMetadataResponse:
        meta = await self.data_plane.model_metadata(request.name, request.version)
        return ModelMetadataConverter.from_types(meta)

    @handle_errors
    async def ModelInfer(self, request: MaybeRequest, context: Context) -> pb.ModelInferResponse:
        types = _to_types(request)
        response = await self.data_plane.infer(types, method="ModelInfer")
        return ModelInferResponseConverter.from_types(response)

    @handle_stream_errors
    async def ModelStreamInfer(
        self, requests: AsyncIterator[MaybeRequest], context: Context
    ) -> AsyncIterator[pb.ModelStreamInferResponse]:
        stream = self.data_plane.infer_stream(_decoded(requests), method="ModelStreamInfer")
        async for item in stream:
            yield StreamResponseConverter.from_types(item)


def _to_types(request: MaybeRequest) -> InferRequest:
    if isinstance(request, PipeserveError):
        raise request
    return ModelInferRequestConverter.to_types(request)


async def _decoded(
    requests: AsyncIterator[MaybeRequest],
) -> AsyncIterator[InferRequest | PipeserveError]:
    async for request in requests:
        try:
            yield _to_types(request)
        except PipeserveError as exc:
            yield exc


def method_handlers(servicer: InferenceServicer) -> grpc.GenericRpcHandler:
    """The service's handlers; requests that fail to parse reach the servicer as errors."""
    unary = grpc.unary_unary_rpc_method_handler
    plain: dict[str, tuple[Callable[..., Any], Any]] = {
        "ServerLive": (servicer.ServerLive, pb.ServerLiveRequest),
        "ServerReady": (servicer.ServerReady, pb.ServerReadyRequest),
        "ModelReady": (servicer.ModelReady, pb.ModelReadyRequest),
        "ServerMetadata": (servicer.ServerMetadata, pb.ServerMetadataRequest),
        "ModelMetadata": (servicer.ModelMetadata, pb.ModelMetadataRequest),
    }
    handlers = {
        name: unary(fn, request_deserializer=msg.FromString, response_serializer=_serialize)
        for name, (fn, msg) in plain.items()
    }
    parse = ModelInferRequestConverter.parse
    handlers["ModelInfer"] = unary(
        servicer.ModelInfer, request_deserializer=parse, response_serializer=_serialize
    )
    handlers["ModelStreamInfer"] = grpc.stream_stream_rpc_method_handler(
        servicer.ModelStreamInfer, request_deserializer=parse, response_serializer=_serialize
    )
    return grpc.method_handlers_generic_handler(SERVICE_NAME, handlers)


def _serialize(message: pb.ModelInferResponse) -> bytes:
    return message.SerializeToString()
