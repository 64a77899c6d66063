"""The model repository: OpenVINO models read and compiled once, shared by graphs and streams.

Folders follow OVMS: ``<base_path>/<version>/<file>.{xml,onnx,tflite}``; the highest
numeric version is served (OVMS's default ``latest`` policy).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import openvino as ov

from pipeserve.calculators.openvino.models import MODEL_SUFFIXES, compile_config, keep_outputs
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
    variants: dict[tuple[str, ...], ov.CompiledModel] = field(default_factory=dict)
    """Compiled on demand, by kept output names (``ModelRepository.compiled_model``)."""

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
        self._variants_lock = threading.Lock()

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

    def __contains__(self, name: object) -> bool:
        return name in self._states

    def ready(self, name: str, version: str | None = None) -> bool:
        """True when the model (and version, if given) is loaded."""
        try:
            self.get(name, version)
        except PipeserveError:
            return False
        return True

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
        key = tuple(sorted(outputs))
        with self._variants_lock:
            variant = model.variants.get(key)
            if variant is None:
                variant = _compile(model.path, self._states[name].entry, key)
                model.variants[key] = variant
        return variant

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
                f"model {name!r}: inference failed: {exc}", Code.INVALID_ARGUMENT
            ) from exc
        return {port.any_name: np.array(value) for port, value in results.items()}

    def __repr__(self) -> str:
        return f"ModelRepository({self.names})"


def _load_state(entry: ModelEntry) -> ModelState:
    try:
        version, path = _model_file(entry)
        compiled = _compile(path, entry)
    except (PipeserveError, RuntimeError) as exc:
        log.error("model %s unavailable: %s", entry.name, exc)
        return ModelState(entry, error=str(exc))
    log.info("model %s version %s loaded from %s", entry.name, version, path)
    metadata = ModelMetadata(
        entry.name,
        (version,),
        "OpenVINO",
        tuple(_port_metadata(p) for p in compiled.inputs),
        tuple(_port_metadata(p) for p in compiled.outputs),
    )
    return ModelState(entry, LoadedModel(entry.name, version, path, compiled, metadata))


def _same_file(state: ModelState) -> bool:
    """True when the loaded model is still the file the entry's folder points at."""
    try:
        return state.model is not None and _model_file(state.entry)[1] == state.model.path
    except PipeserveError:
        return False


def _model_file(entry: ModelEntry) -> tuple[str, Path]:
    """The highest numeric version folder and the model file in it."""
    try:
        versions = sorted(
            (int(p.name), p) for p in entry.base_path.iterdir() if p.is_dir() and p.name.isdigit()
        )
    except OSError as exc:
        raise PipeserveError(f"cannot read {entry.base_path}: {exc.strerror}") from exc
    if not versions:
        raise PipeserveError(f"no numeric version folder in {entry.base_path}")
    number, folder = versions[-1]
    for suffix in MODEL_SUFFIXES:
        files = sorted(folder.glob(f"*{suffix}"))
        if files:
            return str(number), files[0]
    raise PipeserveError(f"no {'/'.join(MODEL_SUFFIXES)} model file in {folder}")


def _compile(
    path: Path, entry: ModelEntry, outputs: Collection[str] | None = None
) -> ov.CompiledModel:
    core = _core()
    model = core.read_model(str(path))
    if outputs is not None:
        model = keep_outputs(model, outputs)
    return core.compile_model(model, entry.target_device, compile_config(entry.plugin_config))


_core_lock = threading.Lock()
_core_instance: ov.Core | None = None


def _core() -> ov.Core:
    global _core_instance
    with _core_lock:
        if _core_instance is None:
            _core_instance = ov.Core()
        return _core_instance


def _port_metadata(port: ov.ConstOutput) -> TensorMetadata:
    shape = tuple(d.get_length() if d.is_static else -1 for d in port.get_partial_shape())
    try:
        datatype = datatype_name(np.dtype(port.get_element_type().to_dtype()))
    except (TypeError, RuntimeError):
        datatype = ""
    return TensorMetadata(port.any_name, datatype, shape)
