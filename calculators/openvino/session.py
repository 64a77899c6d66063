"""The SESSION side packet: a shared compiled model plus per-node infer requests."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeAlias

import numpy as np
import openvino as ov

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
        """A new infer request (one per node instance: requests are not thread-safe)."""
        return SessionRequest(self, self.compiled_model.create_infer_request())


@dataclass(slots=True)
class SessionRequest:
    """One infer request of a session: feeds arrays without copying, returns owned outputs."""

    session: InferenceSession
    request: ov.InferRequest = field(repr=False)

    def infer(self, inputs: Mapping[str, TensorLike]) -> dict[str, np.ndarray]:
        """Run synchronously; outputs by name, copied out of the request's buffers."""
        result = self.request.infer(dict(inputs), share_inputs=True, share_outputs=False)
        return {
            name: result[port]
            for name, port in zip(
                self.session.output_names, self.session.compiled_model.outputs, strict=True
            )
        }

    def infer_vector(self, tensors: Sequence[TensorLike]) -> list[np.ndarray]:
        """Inputs in model input order in, outputs in model output order out."""
        if len(tensors) != len(self.session.input_names):
            raise ValueError(
                f"model {self.session.name!r} takes {len(self.session.input_names)} input "
                f"tensors, got {len(tensors)}"
            )
        outputs = self.infer(dict(zip(self.session.input_names, tensors, strict=True)))
        return [outputs[name] for name in self.session.output_names]


def _names(ports: Sequence[ov.ConstOutput]) -> tuple[str, ...]:
    return tuple(port.get_any_name() for port in ports)
