"""The one OpenVINO model loader: where model files are, one ``ov.Core``, one compile cache.

Every model the server serves, every inference calculator and every file-based provider
below resolves and compiles through this module, so one folder gives one answer.

Where a model is (``find_model``):

- a folder in OVMS's layout, ``<base_path>/<version>/<file>``: the highest numeric version
  folder (or the version asked for); in it, the first file by format, ``.xml`` (OpenVINO
  IR), then ``.onnx``, then ``.tflite``, and by name among files of one format.
- ``mediapipe://<path>``: a file in the installed mediapipe package, for example
  ``mediapipe://modules/pose_detection/pose_detection.tflite``; it is version 1.

A *model provider* is what graphs find in ``services["models"]``: any object with
``compiled_model(name, version, outputs=None) -> openvino.CompiledModel`` (version ``None``,
``""`` or ``"0"`` = the default, i.e. highest, version; ``outputs`` = a variant computing only
those outputs). The server implements it over its model repository; this module has two
file-based providers for graphs run without a server: ``ModelDirectory(root)`` (OVMS's
repository layout) and ``WheelModels()`` (the mediapipe wheel's models by OVMS servable name).

Every model compiles with ``DEFAULT_COMPILE_CONFIG`` updated by the model's own plugin
config: f32 inference precision (the CPU default may be bf16, which moves holistic
landmarks by tens of pixels), no CPU pinning (pinned inference threads fight the graph's
own threads for the cores: holistic tracking ran 25 % slower pinned on 2 cores) and one
inference thread, the caller's. A server already runs many inferences at once (graph nodes
in parallel, streams, requests); with OpenVINO's default of a thread per core, each of
holistic's ~7 small inferences per frame handed work to a worker thread that then spun
idle (server CPU per frame 35.3 ms against 31.9 ms with one thread, one paired run).
``"INFERENCE_NUM_THREADS": 0`` in a model's plugin config gives OpenVINO's own choice back
(every core on one request: lower latency for one big model on an idle machine).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import openvino as ov

from pipeserve.errors import Code, PipeserveError

DEFAULT_COMPILE_CONFIG: Mapping[str, str] = {
    "PERFORMANCE_HINT": "LATENCY",
    "INFERENCE_PRECISION_HINT": "f32",
    "ENABLE_CPU_PINNING": "NO",
    "INFERENCE_NUM_THREADS": "1",
}
MODEL_SUFFIXES = (".xml", ".onnx", ".tflite")
"""Model file formats in the order a version folder's files are chosen."""
WHEEL_SCHEME = "mediapipe://"
WHEEL_VERSION = "1"
DEFAULT_VERSIONS = (None, "", "0")
WHEEL_MODELS: Mapping[str, str] = {
    "face_detection": "mediapipe://modules/face_detection/face_detection_short_range.tflite",
    "face_landmark": "mediapipe://modules/face_landmark/face_landmark.tflite",
    "hand_landmark_full": "mediapipe://modules/hand_landmark/hand_landmark_full.tflite",
    "hand_recrop": "mediapipe://modules/holistic_landmark/hand_recrop.tflite",
    "iris_landmark": "mediapipe://modules/iris_landmark/iris_landmark.tflite",
    "pose_detection": "mediapipe://modules/pose_detection/pose_detection.tflite",
    "pose_landmark_full": "mediapipe://modules/pose_landmark/pose_landmark_full.tflite",
}
"""OVMS servable name -> the wheel's model file."""


class ModelLoadError(PipeserveError):
    """A model that cannot be used: no version folder, no model file, or OpenVINO failed."""

    code = Code.UNAVAILABLE


@dataclass(frozen=True, slots=True)
class ModelSource:
    """The file ``find_model`` chose and the version it is served as."""

    version: str
    path: Path


class ModelProvider(Protocol):
    """What ``services["models"]`` must offer to OpenVINOModelServerSessionCalculator."""

    def compiled_model(
        self, name: str, version: str | None = None, outputs: Collection[str] | None = None
    ) -> ov.CompiledModel:
        """The shared compiled model; with ``outputs``, a shared variant that computes only
        those outputs (``keep_outputs``). Raises a PipeserveError (ModelLoadError when
        the file cannot be loaded) when it cannot."""
        ...


@runtime_checkable
class ModelConsumer(Protocol):
    """A calculator whose ``open()`` needs models: ``check_models`` raises ModelLoadError
    when one of them cannot be had (the server's readiness asks before any stream)."""

    @classmethod
    def check_models(cls, options: Any, provider: ModelProvider) -> None: ...


def find_model(base_path: str | Path, version: str | None = None) -> ModelSource:
    """The model file of ``base_path`` (a version-folder root or a ``mediapipe://`` file)."""
    text = str(base_path)
    if text.startswith(WHEEL_SCHEME):
        path = mediapipe_root() / "mediapipe" / text.removeprefix(WHEEL_SCHEME)
        if version not in (*DEFAULT_VERSIONS, WHEEL_VERSION):
            raise ModelLoadError(f"{text} has only version {WHEEL_VERSION}, not {version}")
        if not path.is_file():
            raise ModelLoadError(f"{text}: no such file in the mediapipe package ({path})")
        return ModelSource(WHEEL_VERSION, path)
    root = Path(base_path)
    try:
        versions = sorted(int(p.name) for p in root.iterdir() if p.is_dir() and p.name.isdigit())
    except OSError as exc:
        raise ModelLoadError(f"cannot read model folder {root}: {exc.strerror}") from exc
    if not versions:
        raise ModelLoadError(f"no numeric version folder in {root}")
    chosen = versions[-1] if version in DEFAULT_VERSIONS else int(str(version))
    if chosen not in versions:
        raise ModelLoadError(f"no version folder {version} in {root}")
    folder = root / str(chosen)
    files = sorted(
        (MODEL_SUFFIXES.index(p.suffix), p.name, p)
        for p in folder.iterdir()
        if p.suffix in MODEL_SUFFIXES and p.is_file()
    )
    if not files:
        raise ModelLoadError(f"no {'/'.join(MODEL_SUFFIXES)} model file in {folder}")
    return ModelSource(str(chosen), files[0][2])


def compile_config(plugin_config: Mapping[str, object] | None = None) -> dict[str, str]:
    """``DEFAULT_COMPILE_CONFIG`` updated by a model's plugin config (values as strings)."""
    return {**DEFAULT_COMPILE_CONFIG, **{k: str(v) for k, v in (plugin_config or {}).items()}}


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


CacheKey = tuple[str, int, tuple[tuple[str, str], ...], tuple[str, ...] | None]
_core: ov.Core | None = None
_compiled: dict[CacheKey, ov.CompiledModel] = {}
_lock = threading.Lock()


def core() -> ov.Core:
    """The process's one OpenVINO core."""
    global _core
    with _lock:
        _core = _core or ov.Core()
        return _core


def compile_model(
    path: str | Path,
    plugin_config: Mapping[str, object] | None = None,
    device: str = "CPU",
    outputs: Collection[str] | None = None,
) -> ov.CompiledModel:
    """The model at ``path`` compiled once per process for ``(file, device, config,
    outputs)``; ``outputs`` keeps only those model outputs (``keep_outputs``). A file
    replaced in place compiles anew (its modification time is part of the key)."""
    resolved = Path(path).resolve()
    try:
        mtime = resolved.stat().st_mtime_ns
    except OSError as exc:
        raise ModelLoadError(f"model file {path}: {exc.strerror}") from exc
    config = compile_config(plugin_config)
    kept = tuple(sorted(outputs)) if outputs is not None else None
    key = (str(resolved), mtime, (("DEVICE", device), *sorted(config.items())), kept)
    with _lock:
        model = _compiled.get(key)
    if model is not None:
        return model
    ov_core = core()
    try:
        source = ov_core.read_model(str(resolved))
        if kept is not None:
            source = keep_outputs(source, kept)
        model = ov_core.compile_model(source, device, config)
    except RuntimeError as exc:
        raise ModelLoadError(f"OpenVINO cannot load {path}: {openvino_reason(exc)}") from exc
    with _lock:
        for old in [k for k in _compiled if k[0] == key[0] and k[1] != mtime]:
            del _compiled[old]  # the file was replaced: its old compilations are dead
        return _compiled.setdefault(key, model)


_SOURCE_LINE = re.compile(r"^(?:Exception from |Check '.*' failed at )\S+:\d+:\s*")


def openvino_reason(exc: BaseException) -> str:
    """An OpenVINO error's message without the source-file lines it is wrapped in, on one
    line ("Exception from src/inference/src/cpp/core.cpp:117:" says nothing to a user; the
    reason, e.g. "Unsupported property X by CPU plugin.", comes after such lines)."""
    lines = (_SOURCE_LINE.sub("", line).strip() for line in str(exc).splitlines())
    return " ".join(line for line in lines if line) or type(exc).__name__


def compiled_variants(path: str | Path) -> set[tuple[str, ...] | None]:
    """The output sets compiled so far for the file at ``path`` (None: all outputs)."""
    resolved = str(Path(path).resolve())
    with _lock:
        return {key[3] for key in _compiled if key[0] == resolved}


def mediapipe_root() -> Path:
    """The directory holding the installed ``mediapipe`` package (so ``mediapipe/modules/..``
    paths from MediaPipe graphs resolve against it)."""
    import mediapipe

    return Path(mediapipe.__file__).resolve().parent.parent


def resolve_model_path(model_path: str) -> Path:
    """A MediaPipe graph's ``model_path``: absolute, or relative to the cwd or the
    mediapipe install (``mediapipe/modules/...``)."""
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
        try:
            return find_model(self.root / name, version).path
        except ModelLoadError as exc:
            raise ModelLoadError(f"model {name!r}: {exc}") from exc

    def compiled_model(
        self, name: str, version: str | None = None, outputs: Collection[str] | None = None
    ) -> ov.CompiledModel:
        path = self.model_file(name, version)
        return compile_model(path, self.plugin_config.get(name), outputs=outputs)

    def __repr__(self) -> str:
        return f"ModelDirectory({str(self.root)!r})"


class WheelModels:
    """The mediapipe wheel's holistic models under their OVMS servable names (version 1)."""

    def __init__(self, plugin_config: Mapping[str, object] | None = None) -> None:
        self.plugin_config = dict(plugin_config or {})

    def model_file(self, name: str, version: str | None = None) -> Path:
        location = WHEEL_MODELS.get(name)
        if location is None:
            raise ModelLoadError(
                f"model {name!r} is not a wheel model (known: {', '.join(sorted(WHEEL_MODELS))})"
            )
        return find_model(location, version).path

    def compiled_model(
        self, name: str, version: str | None = None, outputs: Collection[str] | None = None
    ) -> ov.CompiledModel:
        path = self.model_file(name, version)
        return compile_model(path, self.plugin_config, outputs=outputs)

    def __repr__(self) -> str:
        return "WheelModels()"
