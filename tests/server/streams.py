"""A small synchronous tritonclient stream helper for the tests."""

from __future__ import annotations

import queue
from typing import Any

import numpy as np
import tritonclient.grpc as grpcclient
from tritonclient.utils import InferenceServerException, np_to_triton_dtype

TS = "OVMS_MP_TIMESTAMP"
Result = tuple[Any, InferenceServerException | None]


def tensor(name: str, array: Any) -> grpcclient.InferInput:
    """An InferInput holding ``array`` in raw_input_contents."""
    array = np.asarray(array)
    inp = grpcclient.InferInput(name, list(array.shape), np_to_triton_dtype(array.dtype))
    inp.set_data_from_numpy(array)
    return inp


def requested(names: list[str]) -> list[grpcclient.InferRequestedOutput]:
    return [grpcclient.InferRequestedOutput(name) for name in names]


class Stream:
    """One ModelStreamInfer call: ``send`` requests, ``get`` results in arrival order."""

    def __init__(
        self,
        url: str,
        headers: dict[str, str] | None = None,
        deadline: float | None = None,
        **client: Any,
    ) -> None:
        """``deadline``: the call's timeout in seconds; ``client``: more InferenceServerClient
        arguments (``ssl``, ``root_certificates``)."""
        self.client = grpcclient.InferenceServerClient(url, **client)
        self.results: queue.Queue[Result] = queue.Queue()
        self.client.start_stream(self._collect, stream_timeout=deadline, headers=headers)

    def _collect(self, result: Any, error: InferenceServerException | None) -> None:
        self.results.put((result, error))

    def send(
        self,
        model: str,
        inputs: dict[str, Any],
        ts: int | None = None,
        version: str = "",
        outputs: list[str] | None = None,
        **params: Any,
    ) -> None:
        """``outputs``: the requested outputs' names (None: no list)."""
        if ts is not None:
            params[TS] = ts
        self.client.async_stream_infer(
            model,
            [tensor(k, v) for k, v in inputs.items()],
            model_version=version,
            outputs=None if outputs is None else requested(outputs),
            parameters=params or None,
        )

    def get(self, timeout: float = 10.0) -> Result:
        return self.results.get(timeout=timeout)

    def data(self, output: str, timeout: float = 10.0) -> tuple[int, np.ndarray]:
        """The next message, which must be data: (timestamp, output array)."""
        result, error = self.get(timeout)
        assert error is None, f"expected data, got error: {error}"
        return timestamp(result), result.as_numpy(output)

    def error(self, timeout: float = 10.0) -> InferenceServerException:
        """The next message, which must be an error."""
        result, error = self.get(timeout)
        assert error is not None, f"expected an error, got data {result.get_response()}"
        return error

    def close(self, cancel: bool = False) -> list[Result]:
        """Half-close (or cancel) and wait for the stream to end; returns what was left."""
        self.client.stop_stream(cancel_requests=cancel)
        left = []
        while not self.results.empty():
            left.append(self.results.get())
        self.client.close()
        return left

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.stop_stream(cancel_requests=True)
        self.client.close()


def timestamp(result: Any) -> int:
    return int(result.get_response().parameters[TS].int64_param)


def status_of(error: InferenceServerException) -> str:
    """``StatusCode.X`` for errors that ended the RPC, ``None`` for in-stream errors."""
    return str(error.status())
