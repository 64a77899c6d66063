"""OVMS-format server configuration: ``config.json`` with models and MediaPipe graphs.

Relative paths resolve as in OVMS: a ``base_path`` against the config file's folder, a
graph's ``graph_path`` and ``subconfig`` against the graph's ``base_path``. A
``model_config_list`` entry whose folder holds ``graph.pbtxt`` is a graph. A model's
``base_path`` may also name a file in the installed mediapipe package,
``mediapipe://modules/<folder>/<file>.tflite``, served as version 1 (no set-up step).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeserve.calculators.openvino.models import WHEEL_SCHEME
from pipeserve.errors import Code, PipeserveError

GRAPH_FILE = "graph.pbtxt"
SUBCONFIG_FILE = "subconfig.json"


class ConfigError(PipeserveError):
    """A config file that cannot be used: names the file and the problem."""

    code = Code.FAILED_PRECONDITION


@dataclass(frozen=True, slots=True)
class ModelEntry:
    """An OpenVINO model: ``<base_path>/<version>/<file>.{xml,onnx,tflite}``, or a
    ``mediapipe://`` file (kept as text)."""

    name: str
    base_path: Path | str
    target_device: str = "CPU"
    plugin_config: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class GraphEntry:
    """A MediaPipe graph: its pbtxt and the models of its optional subconfig."""

    name: str
    base_path: Path
    graph_path: Path
    models: tuple[ModelEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """Everything one config file declares."""

    models: tuple[ModelEntry, ...] = ()
    graphs: tuple[GraphEntry, ...] = ()
    source: Path | None = None

    @property
    def all_models(self) -> tuple[ModelEntry, ...]:
        """Top-level models and those of every graph's subconfig."""
        return self.models + tuple(m for g in self.graphs for m in g.models)


def load_config(path: str | Path) -> ServerConfig:
    """Read and check ``config.json``; raises ConfigError naming the file and the fault."""
    path = Path(path).resolve()
    data = _read_json(path)
    root = path.parent
    models: list[ModelEntry] = []
    graphs: list[GraphEntry] = []
    for item in _list(data, "model_config_list", path):
        config = item.get("config") if isinstance(item, dict) else None
        if not isinstance(config, dict):
            raise ConfigError(f'{path}: model_config_list entries need a "config" object')
        base = _model_base(root, _field(config, "base_path", path))
        if isinstance(base, Path) and (base / GRAPH_FILE).is_file():
            graphs.append(_graph_entry({"name": _field(config, "name", path)}, base, path))
        else:
            models.append(_model_entry(config, root, path))
    for item in _list(data, "mediapipe_config_list", path):
        if not isinstance(item, dict):
            raise ConfigError(f"{path}: mediapipe_config_list entries must be objects")
        name = _field(item, "name", path)
        base = _resolve(root, item.get("base_path") or name)
        graphs.append(_graph_entry(item, base, path))
    _check_unique([m.name for m in models] + [g.name for g in graphs], path)
    return ServerConfig(tuple(models), tuple(graphs), path)


def single_servable_config(model_path: str | Path, name: str, target_device: str) -> ServerConfig:
    """The config for ``--model_path``/``--model_name``: one graph folder or one model."""
    base = Path(model_path).resolve()
    if (base / GRAPH_FILE).is_file():
        return ServerConfig(graphs=(_graph_entry({"name": name}, base, base),))
    return ServerConfig(models=(ModelEntry(name, base, target_device),))


def _graph_entry(item: dict[str, Any], base: Path, source: Path) -> GraphEntry:
    graph_path = _resolve(base, item.get("graph_path") or GRAPH_FILE)
    subconfig = item.get("subconfig")
    sub_path = _resolve(base, subconfig or SUBCONFIG_FILE)
    models: tuple[ModelEntry, ...] = ()
    if subconfig or sub_path.is_file():
        models = _subconfig_models(sub_path)
    return GraphEntry(_field(item, "name", source), base, graph_path, models)


def _subconfig_models(path: Path) -> tuple[ModelEntry, ...]:
    data = _read_json(path)
    models = []
    for item in _list(data, "model_config_list", path):
        config = item.get("config") if isinstance(item, dict) else None
        if not isinstance(config, dict):
            raise ConfigError(f'{path}: model_config_list entries need a "config" object')
        models.append(_model_entry(config, path.parent, path))
    return tuple(models)


def _model_entry(config: dict[str, Any], root: Path, source: Path) -> ModelEntry:
    plugin_config = config.get("plugin_config", {})
    if isinstance(plugin_config, str):
        try:
            plugin_config = json.loads(plugin_config)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{source}: plugin_config is not JSON: {exc}") from exc
    if not isinstance(plugin_config, dict):
        raise ConfigError(f"{source}: plugin_config must be an object")
    return ModelEntry(
        name=_field(config, "name", source),
        base_path=_model_base(root, _field(config, "base_path", source)),
        target_device=str(config.get("target_device", "CPU")),
        plugin_config=plugin_config,
    )


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise ConfigError(f"config {path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"config {path} must be a JSON object")
    return data


def _list(data: dict[str, Any], key: str, source: Path) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise ConfigError(f"{source}: {key} must be a list")
    return value


def _field(item: dict[str, Any], key: str, source: Path) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{source}: entry {item.get('name', '?')!r} needs a string {key!r}")
    return value


def _model_base(root: Path, value: str) -> Path | str:
    return value if value.startswith(WHEEL_SCHEME) else _resolve(root, value)


def _resolve(root: Path, value: str | Path) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (root / path).resolve()


def _check_unique(names: list[str], source: Path) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ConfigError(f"{source}: servable name {name!r} is declared twice")
        seen.add(name)
