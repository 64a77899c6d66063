"""Request bodies parsed as strict JSON: ``NaN`` and ``Infinity`` are not JSON numbers.

Python's ``json`` accepts them; KServe clients that send them would get values no other
server reads the same way. They are refused with 400 (docs/streaming.md §10); binary data
(gRPC raw contents) carries IEEE NaN and infinities unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute


def _refuse_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not a JSON number", name, 0)


def strict_loads(data: bytes | memoryview) -> Any:
    """``json.loads`` that refuses ``NaN``, ``Infinity`` and ``-Infinity``."""
    return json.loads(bytes(data), parse_constant=_refuse_constant)


class StrictJsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = strict_loads(await self.body())
        return self._json


class StrictJsonRoute(APIRoute):
    """An ``APIRoute`` whose JSON body refuses ``NaN``, ``Infinity`` and ``-Infinity``."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(StrictJsonRequest(request.scope, request.receive))

        return strict
