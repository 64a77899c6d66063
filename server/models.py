"""The model repository: the configured models by name, shared by graphs and streams.

Files are found and compiled by the one loader (``pipeserve.calculators.openvino.models``:
the highest numeric version folder, OVMS's default ``latest`` policy, and its first file by
format); a model that cannot be loaded keeps its reason, which readiness reports.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openvino as ov

from pipeserve.calculators.openvino.models import (
    ModelLoadError,
    compile_model,
    find_model,
    openvino_reason,
)
from pipeserve.errors import Code, PipeserveError

from .codecs import datatype_name
from .config import ModelEntry
from .errors import ModelNotFoundError, UnavailableError
from .types import ModelMetadata, TensorMetadata

log = logging.getLogger(__name__)


@dataclass(slots=True)
class LoadedModel:
    """One compiled model version."""

    name: str
    version: str
    path: Path
    compiled: ov.CompiledModel
    metadata: ModelMetadata

    def __repr__(self) -> str:
        return f"LoadedModel({self.name!r}, v{self.version}, {self.path.name})"


@dataclass(slots=True)
class ModelState:
    """A configured model: loaded, or the reason it is unavailable."""

    entry: ModelEntry
    model: LoadedModel | None = None
    error: str | None = None


class ModelRepository:
    """Models by name; also the ``models`` service graphs use (``compiled_model``)."""

    def __init__(self, states: dict[str, ModelState]) -> None:
        self._states = states

    @classmethod
    def load(
        cls, entries: tuple[ModelEntry, ...], previous: ModelRepository | None = None
    ) -> ModelRepository:
        """Compile every entry; unchanged entries reuse ``previous``'s compiled model."""
        states: dict[str, ModelState] = {}
        for entry in entries:
            old = previous._states.get(entry.name) if previous else None
            if old is not None and old.entry == entry and _same_file(old):
                states[entry.name] = old
                continue
            states[entry.name] = _load_state(entry)
        return cls(states)

    @property
    def names(self) -> list[str]:
        return list(self._states)

    @property
    def entries(self) -> tuple[ModelEntry, ...]:
        return tuple(state.entry for state in self._states.values())

    def __contains__(self, name: object) -> bool:
        return name in self._states

    def ready(self, name: str, version: str | None = None) -> bool:
        """True when the model (and version, if given) is loaded."""
        try:
            self.get(name, version)
        except PipeserveError:
            return False
        return True

    def error(self, name: str) -> str | None:
        """Why the configured model ``name`` is not loaded, or None when it is."""
        state = self._states[name]
        return None if state.model is not None else state.error or "not loaded"

    def get(self, name: str, version: str | None = None) -> LoadedModel:
        """The loaded model; NOT_FOUND for unknown names/versions, UNAVAILABLE if it failed."""
        state = self._states.get(name)
        if state is None:
            raise ModelNotFoundError(name)
        if state.model is None:
            raise UnavailableError("Model", name, state.error or "not loaded")
        if version not in (None, "", "0", state.model.version):
            raise ModelNotFoundError(name, version)
        return state.model

    def compiled_model(
        self, name: str, version: str | None = None, outputs: Collection[str] | None = None
    ) -> ov.CompiledModel:
        """The shared compiled model (the graphs' ``models`` service); with ``outputs``, a
        shared variant computing only those outputs, compiled on first use."""
        model = self.get(name, version)
        if outputs is None:
            return model.compiled
        entry = self._states[name].entry
        return compile_model(model.path, entry.plugin_config, entry.target_device, outputs)

    def metadata(self, name: str, version: str | None = None) -> ModelMetadata:
        return self.get(name, version).metadata

    def infer(
        self, name: str, version: str | None, inputs: dict[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        """Run one inference on a fresh infer request (thread-safe)."""
        model = self.get(name, version)
        expected = {t.name for t in model.metadata.inputs}
        unknown = sorted(set(inputs) - expected)
        missing = sorted(expected - set(inputs))
        if unknown or missing:
            raise PipeserveError(
                f"model {name!r}: inputs must be {sorted(expected)}"
                f" (unknown: {unknown}, missing: {missing})",
                Code.INVALID_ARGUMENT,
            )
        request = model.compiled.create_infer_request()
        try:
            results = request.infer(inputs)
        except RuntimeError as exc:
            raise PipeserveError(
                f"model {name!r}: inference failed: {openvino_reason(exc)}", Code.INVALID_ARGUMENT
            ) from exc
        return {port.any_name: np.array(value) for port, value in results.items()}

    def __repr__(self) -> str:
        return f"ModelRepository({self.names})"


def _load_state(entry: ModelEntry) -> ModelState:
    try:
        source = find_model(entry.base_path)
        compiled = compile_model(source.path, entry.plugin_config, entry.target_device)
    except ModelLoadError as exc:
        log.error("model %s unavailable: %s", entry.name, exc)
        return ModelState(entry, error=str(exc))
    log.info("model %s version %s loaded from %s", entry.name, source.version, source.path)
    metadata = ModelMetadata(
        entry.name,
        (source.version,),
        "OpenVINO",
        tuple(_port_metadata(p) for p in compiled.inputs),
        tuple(_port_metadata(p) for p in compiled.outputs),
    )
    return ModelState(
        entry, LoadedModel(entry.name, source.version, source.path, compiled, metadata)
    )


def _same_file(state: ModelState) -> bool:
    """True when the loaded model is still the file the entry's folder points at."""
    try:
        return (
            state.model is not None and find_model(state.entry.base_path).path == state.model.path
        )
    except ModelLoadError:
        return False


def _port_metadata(port: ov.ConstOutput) -> TensorMetadata:
    shape = tuple(d.get_length() if d.is_static else -1 for d in port.get_partial_shape())
    try:
        datatype = datatype_name(np.dtype(port.get_element_type().to_dtype()))
    except (TypeError, RuntimeError):
        datatype = ""
    return TensorMetadata(port.any_name, datatype, shape)
