"""The SESSION side packet: a shared compiled model, and infer requests pooled per model.

A node does not own an infer request: for each inference it takes an idle one of its
model's pool and gives it back after (requests are not thread-safe; one holds its input
and output buffers, up to a few MiB). So a process holds about as many requests per model
as inferences run at once, not one per node of every open stream (a holistic stream held
~5 of its ~9 MiB in its own requests). A model with state (ReadValue/Assign variables)
keeps a request per node, as its state belongs to one stream.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeAlias

import numpy as np
import openvino as ov

from pipeserve.cpus import available_cpus, worker_share

from .models import openvino_reason

TensorLike: TypeAlias = np.ndarray | ov.Tensor


@dataclass(frozen=True, slots=True)
class InferenceSession:
    """A compiled model served under ``name``/``version``; shared by every node that uses it.

    Input and output names are the models' first tensor names, in model order.
    """

    name: str
    version: str
    compiled_model: ov.CompiledModel = field(repr=False)
    variant: Callable[[Collection[str]], ov.CompiledModel] | None = field(
        default=None, repr=False, compare=False
    )
    """Compiles (once) the model keeping only the given outputs; None: no variants."""
    input_names: tuple[str, ...] = field(init=False)
    output_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "input_names", _names(self.compiled_model.inputs))
        object.__setattr__(self, "output_names", _names(self.compiled_model.outputs))

    def check_names(self, names: Sequence[str], side: str) -> None:
        """Raise ValueError naming the model when ``names`` are not all model inputs/outputs."""
        known = self.input_names if side == "input" else self.output_names
        missing = [n for n in names if n not in known]
        if missing:
            raise ValueError(
                f"model {self.name!r} has no {side} {', '.join(map(repr, missing))} "
                f"(its {side}s: {', '.join(known)})"
            )

    def for_outputs(self, names: Collection[str]) -> InferenceSession:
        """This session, or one whose model computes only ``names`` when that is fewer
        outputs and the provider makes such variants (layers nobody reads are skipped)."""
        wanted = set(names)
        if self.variant is None or wanted >= set(self.output_names):
            return self
        return InferenceSession(self.name, self.version, self.variant(sorted(wanted)))

    def create_request(self) -> SessionRequest:
        """What a node infers with: the model's pooled requests, or its own request when
        the model has state."""
        return SessionRequest(self, REQUESTS.own_request(self.compiled_model))


@dataclass(slots=True)
class SessionRequest:
    """A node's inferences on a session: feeds arrays without copying, returns owned
    outputs; runs on a pooled request unless ``request`` (a stateful model's own) is set."""

    session: InferenceSession
    request: ov.InferRequest | None = field(default=None, repr=False)

    def infer(self, inputs: Mapping[str, TensorLike]) -> dict[str, np.ndarray]:
        """Run synchronously; outputs by name, copied out of the request's buffers."""
        if self.request is not None:
            return self._run(self.request, inputs)
        with REQUESTS.lend(self.session.compiled_model) as request:
            return self._run(request, inputs)

    def _run(
        self, request: ov.InferRequest, inputs: Mapping[str, TensorLike]
    ) -> dict[str, np.ndarray]:
        try:
            result = request.infer(dict(inputs), share_inputs=True, share_outputs=False)
        except RuntimeError as exc:  # a wrong shape or type: the reason, not OpenVINO's sources
            raise RuntimeError(f"model {self.session.name!r}: {openvino_reason(exc)}") from exc
        # in the model's output order; OVDict's lookup by port costs ~4 us per output
        return dict(zip(self.session.output_names, result.to_tuple(), strict=True))

    def infer_vector(self, tensors: Sequence[TensorLike]) -> list[np.ndarray]:
        """Inputs in model input order in, outputs in model output order out."""
        if len(tensors) != len(self.session.input_names):
            raise ValueError(
                f"model {self.session.name!r} takes {len(self.session.input_names)} input "
                f"tensors, got {len(tensors)}"
            )
        outputs = self.infer(dict(zip(self.session.input_names, tensors, strict=True)))
        return [outputs[name] for name in self.session.output_names]


class RequestPool:
    """Idle infer requests per compiled model; a model's pool goes when the model does.

    ``keep`` bounds the idle requests kept per model (one per CPU by default: as many
    inferences as can run at once); a request given back beyond it is freed.
    """

    def __init__(self, keep: int | None = None) -> None:
        self._keep = keep
        self._lock = threading.Lock()
        self._idle: weakref.WeakKeyDictionary[ov.CompiledModel, list[ov.InferRequest]] = (
            weakref.WeakKeyDictionary()
        )
        self._stateful: weakref.WeakKeyDictionary[ov.CompiledModel, bool] = (
            weakref.WeakKeyDictionary()
        )

    def own_request(self, model: ov.CompiledModel) -> ov.InferRequest | None:
        """A request of its own for a node of a model with state; None (use ``lend``)
        for a stateless model."""
        with self._lock:
            stateful = self._stateful.get(model)
        if stateful is None:
            request = model.create_infer_request()
            stateful = len(request.query_state()) > 0
            with self._lock:
                self._stateful[model] = stateful
                if not stateful:
                    self._idle.setdefault(model, []).append(request)
            return request if stateful else None
        return model.create_infer_request() if stateful else None

    @contextmanager
    def lend(self, model: ov.CompiledModel) -> Iterator[ov.InferRequest]:
        """An idle request of ``model`` (a new one when none is idle), taken back after."""
        with self._lock:
            idle = self._idle.setdefault(model, [])
            request = idle.pop() if idle else None
        if request is None:
            request = model.create_infer_request()
        try:
            yield request
        finally:
            if self._keep is None:
                self._keep = worker_share() or available_cpus()
            with self._lock:
                if len(idle) < self._keep:
                    idle.append(request)

    def idle(self, model: ov.CompiledModel) -> int:
        """How many requests of ``model`` are idle in the pool."""
        with self._lock:
            return len(self._idle.get(model, ()))


REQUESTS = RequestPool()
"""The process's pool: every session of one compiled model shares its requests."""


def _names(ports: Sequence[ov.ConstOutput]) -> tuple[str, ...]:
    return tuple(port.get_any_name() for port in ports)
