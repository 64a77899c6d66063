"""KServe's binary tensor data extension on REST (what ``tritonclient.http`` sends by default).

A body may start with a JSON header of ``Inference-Header-Content-Length`` bytes, followed by
the raw bytes of the inputs whose parameters give ``binary_data_size``, in input order (BYTES
in KServe's length-prefixed layout). A response puts an output in binary when the request
asks for it (``outputs[].parameters.binary_data`` or ``parameters.binary_data_output``): the
JSON header names its ``binary_data_size``, and its bytes follow the header in output order.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from ..codecs import encode_bytes
from ..errors import InvalidRequestError
from ..types import InferResponse, OutputTensor
from .converters import JsonInferRequest, output_json
from .strict_json import strict_loads

HEADER_LENGTH = "Inference-Header-Content-Length"
BINARY_SIZE = "binary_data_size"
BINARY_CONTENT = "application/octet-stream"


def split_request(
    body: bytes, header_length: str | None
) -> tuple[JsonInferRequest, list[memoryview | None]]:
    """The JSON header and each input's binary data (None for inputs given as JSON ``data``);
    the list is empty when no input is binary."""
    length = len(body) if header_length is None else _header_length(header_length, len(body))
    try:
        request = JsonInferRequest.model_validate(strict_loads(body[:length]))
    except json.JSONDecodeError as exc:
        error = {"loc": ("body", exc.pos), "msg": f"JSON decode error: {exc.msg}"}
        raise RequestValidationError([error]) from exc
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from exc
    rest = memoryview(body)[length:]
    raws: list[memoryview | None] = []
    pos = 0
    for inp in request.inputs:
        size = inp.parameters.get(BINARY_SIZE)
        if size is None:
            if inp.data is None:
                raise InvalidRequestError(f"input {inp.name!r}: no data and no {BINARY_SIZE}")
            raws.append(None)
            continue
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise InvalidRequestError(f"input {inp.name!r}: {BINARY_SIZE} must be a byte count")
        if pos + size > len(rest):
            raise InvalidRequestError(
                f"input {inp.name!r}: {BINARY_SIZE} {size} runs past the {len(rest)} bytes of "
                "binary data"
            )
        raws.append(rest[pos : pos + size])
        pos += size
    if pos != len(rest):
        raise InvalidRequestError(
            f"the body has {len(rest)} bytes after the JSON header, the inputs' {BINARY_SIZE} "
            f"add up to {pos}"
        )
    return request, raws if any(r is not None for r in raws) else []


def _header_length(value: str, body_length: int) -> int:
    try:
        length = int(value)
    except ValueError:
        length = -1
    if not 0 <= length <= body_length:
        raise InvalidRequestError(
            f"{HEADER_LENGTH} {value!r} is not a length within the {body_length}-byte body"
        )
    return length


def encode_response(response: InferResponse, request: JsonInferRequest) -> Response:
    """The response as plain JSON, or as a JSON header and binary outputs where asked."""
    wanted = {
        o.get("name"): (o.get("parameters") or {}).get("binary_data") for o in request.outputs
    }
    default = bool(request.parameters.get("binary_data_output", False))
    outputs: list[dict[str, Any]] = []
    blobs: list[bytes] = []
    for out in response.outputs:
        binary = wanted.get(out.name)
        if binary if binary is not None else default:
            blob = _raw(out)
            blobs.append(blob)
            outputs.append(_binary_output(out, len(blob)))
        else:
            outputs.append(output_json(out.name, out.datatype, out.data))
    body = {
        "model_name": response.model_name,
        "model_version": response.model_version,
        "id": response.id,
        "parameters": response.parameters,
        "outputs": outputs,
    }
    if not blobs:
        return JSONResponse(body)
    header = json.dumps(body).encode()
    return Response(
        b"".join([header, *blobs]),
        media_type=BINARY_CONTENT,
        headers={HEADER_LENGTH: str(len(header))},
    )


def _binary_output(out: OutputTensor, size: int) -> dict[str, Any]:
    return {
        "name": out.name,
        "datatype": out.datatype,
        "shape": list(out.shape),
        "parameters": {BINARY_SIZE: size},
    }


def _raw(out: OutputTensor) -> bytes:
    return encode_bytes(out.data) if out.datatype == "BYTES" else out.data.tobytes()
