"""Compiled OpenVINO models: one per (file, compile config) per process, and model providers.

A *model provider* is what graphs find in ``services["models"]``: any object with
``compiled_model(name, version, outputs=None) -> openvino.CompiledModel`` (version ``None``,
``""`` or ``"0"`` = the default, i.e. highest, version; ``outputs`` = a variant computing only
those outputs). The server implements it over its model repository;
this module has two file-based providers for graphs run without a server:

- ``ModelDirectory(root)``: OVMS's layout, ``<root>/<name>/<version>/<file>.xml|onnx|tflite``.
- ``WheelModels()``: the ``.tflite`` files shipped in the mediapipe wheel, by OVMS servable
  names (``face_detection``, ``pose_landmark_full``, ...).

Every model compiles with ``DEFAULT_COMPILE_CONFIG`` updated by the model's own plugin
config: f32 inference precision (the CPU default may be bf16, which moves holistic
landmarks by tens of pixels) and no CPU pinning (pinned inference threads fight the graph's
own threads for the cores: holistic tracking ran 25 % slower pinned on 2 cores).
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Protocol

import openvino as ov

from pipeserve.cpus import worker_share

DEFAULT_COMPILE_CONFIG: Mapping[str, str] = {
    "PERFORMANCE_HINT": "LATENCY",
    "INFERENCE_PRECISION_HINT": "f32",
    "ENABLE_CPU_PINNING": "NO",
}
MODEL_SUFFIXES = (".xml", ".onnx", ".tflite")
WHEEL_MODELS: Mapping[str, str] = {
    "face_detection": "face_detection/face_detection_short_range.tflite",
    "face_landmark": "face_landmark/face_landmark.tflite",
    "hand_landmark_full": "hand_landmark/hand_landmark_full.tflite",
    "hand_recrop": "holistic_landmark/hand_recrop.tflite",
    "pose_detection": "pose_detection/pose_detection.tflite",
    "pose_landmark_full": "pose_landmark/pose_landmark_full.tflite",
}
"""OVMS servable name -> path under ``mediapipe/modules`` in the wheel."""

_core: ov.Core | None = None
_compiled: dict[
    tuple[str, tuple[tuple[str, str], ...], tuple[str, ...] | None], ov.CompiledModel
] = {}
_lock = threading.Lock()


class ModelProvider(Protocol):
    """What ``services["models"]`` must offer to OpenVINOModelServerSessionCalculator."""

    def compiled_model(
        self, name: str, version: str | None = None, outputs: Collection[str] | None = None
    ) -> ov.CompiledModel:
        """The shared compiled model; with ``outputs``, a shared variant that computes only
        those outputs (``keep_outputs``)."""
        ...


class ModelNotFoundError(LookupError):
    """No model file for a servable name/version (message names both and where it looked)."""


def compile_config(plugin_config: Mapping[str, object] | None = None) -> dict[str, str]:
    """``DEFAULT_COMPILE_CONFIG`` updated by a model's plugin config (values as strings);
    in a worker process (``--workers``), inference threads default to the worker's CPU share."""
    config = dict(DEFAULT_COMPILE_CONFIG)
    if (share := worker_share()) is not None:
        config["INFERENCE_NUM_THREADS"] = str(share)
    config.update({k: str(v) for k, v in (plugin_config or {}).items()})
    return config


def keep_outputs(model: ov.Model, names: Collection[str]) -> ov.Model:
    """``model`` with only the outputs named in ``names``: OpenVINO then drops the layers
    that only the others need (pose_landmark_full without its unused segmentation mask
    runs in two thirds of the time). The kept outputs are computed by the same layers."""
    wanted = set(names)
    results = [
        result
        for result, port in zip(model.get_results(), model.outputs, strict=True)
        if wanted & port.get_names()
    ]
    missing = wanted - set().union(*(port.get_names() for port in model.outputs))
    if missing:
        raise ValueError(f"model has no output {', '.join(sorted(missing))}")
    return ov.Model(results, model.get_parameters(), model.get_friendly_name())


def compile_model(
    path: str | Path,
    plugin_config: Mapping[str, object] | None = None,
    device: str = "CPU",
    outputs: Collection[str] | None = None,
) -> ov.CompiledModel:
    """The model at ``path`` compiled once per process for ``(path, device, config,
    outputs)``; ``outputs`` keeps only those model outputs (``keep_outputs``)."""
    global _core
    config = compile_config(plugin_config)
    resolved = str(Path(path).resolve())
    kept = tuple(sorted(outputs)) if outputs is not None else None
    key = (resolved, (("DEVICE", device), *sorted(config.items())), kept)
    with _lock:
        model = _compiled.get(key)
        if model is None:
            if not Path(resolved).is_file():
                raise ModelNotFoundError(f"model file {path} does not exist")
            _core = _core or ov.Core()
            source = _core.read_model(resolved)
            if kept is not None:
                source = keep_outputs(source, kept)
            model = _core.compile_model(source, device, config)
            _compiled[key] = model
    return model


def mediapipe_root() -> Path:
    """The directory holding the installed ``mediapipe`` package (so ``mediapipe/modules/..``
    paths from MediaPipe graphs resolve against it)."""
    import mediapipe

    return Path(mediapipe.__file__).resolve().parent.parent


def resolve_model_path(model_path: str) -> Path:
    """A graph's ``model_path``: absolute, or relative to the cwd or the mediapipe install."""
    path = Path(model_path)
    if path.is_absolute() or path.exists():
        return path
    return mediapipe_root() / path


class ModelDirectory:
    """Models in OVMS's repository layout: ``<root>/<name>/<version>/<model file>``."""

    def __init__(
        self, root: str | Path, plugin_config: Mapping[str, Mapping[str, object]] | None = None
    ) -> None:
        self.root = Path(root)
        self.plugin_config = dict(plugin_config or {})

    def model_file(self, name: str, version: str | None = None) -> Path:
        """The model file of ``name`` at ``version`` (default: highest numbered version)."""
        base = self.root / name
        versions = sorted(int(p.name) for p in base.glob("*") if p.name.isdigit() and p.is_dir())
        chosen = int(version or 0) or (versions[-1] if versions else 0)
        if chosen not in versions:
            raise ModelNotFoundError(
                f"model {name!r} version {version or 'default'}: no version folder under {base}"
            )
        files = sorted(p for p in (base / str(chosen)).iterdir() if p.suffix in MODEL_SUFFIXES)
        if not files:
            raise ModelNotFoundError(
                f"model {name!r} version {chosen}: no {'/'.join(MODEL_SUFFIXES)} file in "
                f"{base / str(chosen)}"
            )
        return files[0]

    def compiled_model(
        self, name: str, version: str | None = None, outputs: Collection[str] | None = None
    ) -> ov.CompiledModel:
        path = self.model_file(name, version)
        return compile_model(path, self.plugin_config.get(name), outputs=outputs)

    def __repr__(self) -> str:
        return f"ModelDirectory({str(self.root)!r})"


class WheelModels:
    """The mediapipe wheel's holistic models under their OVMS servable names (version ignored)."""

    def __init__(self, plugin_config: Mapping[str, object] | None = None) -> None:
        self.plugin_config = dict(plugin_config or {})

    def model_file(self, name: str) -> Path:
        relative = WHEEL_MODELS.get(name)
        if relative is None:
            raise ModelNotFoundError(
                f"model {name!r} is not a wheel model (known: {', '.join(sorted(WHEEL_MODELS))})"
            )
        return mediapipe_root() / "mediapipe" / "modules" / relative

    def compiled_model(
        self, name: str, version: str | None = None, outputs: Collection[str] | None = None
    ) -> ov.CompiledModel:
        return compile_model(self.model_file(name), self.plugin_config, outputs=outputs)

    def __repr__(self) -> str:
        return "WheelModels()"
