"""Registries of calculators and subgraphs, by their MediaPipe names."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from mediapipe.framework import calculator_pb2

from pipeserve.errors import GraphConfigError

from .calculator import Calculator

C = TypeVar("C", bound=type[Calculator])

_calculators: dict[str, type[Calculator]] = {}
_subgraphs: dict[str, calculator_pb2.CalculatorGraphConfig] = {}
_lock = threading.Lock()


def register_calculator(name: str) -> Callable[[C], C]:
    """Class decorator: register a calculator under its pbtxt (MediaPipe/OVMS) name."""

    def decorate(cls: C) -> C:
        with _lock:
            existing = _calculators.get(name)
            if existing is not None and existing is not cls:
                raise ValueError(f"calculator {name!r} registered twice ({existing}, {cls})")
            _calculators[name] = cls
        return cls

    return decorate


def register_subgraph(config: calculator_pb2.CalculatorGraphConfig, name: str = "") -> str:
    """Register a graph config as a subgraph usable as a node; returns its name."""
    sub_name = name or config.type
    if not sub_name:
        raise GraphConfigError("a subgraph needs a name (its `type:` field)")
    with _lock:
        _subgraphs[sub_name] = config
    return sub_name


def register_subgraph_file(path: str | Path) -> str:
    """Parse a ``.pbtxt``/``.binarypb`` subgraph file and register it by its ``type``."""
    from .config import load_graph_config

    return register_subgraph(load_graph_config(path))


def find_calculator(name: str) -> type[Calculator] | None:
    """The calculator class registered under ``name``, if any."""
    return _calculators.get(name)


def find_subgraph(name: str) -> calculator_pb2.CalculatorGraphConfig | None:
    """The subgraph config registered under ``name``, if any."""
    return _subgraphs.get(name)


def registered_calculators() -> list[str]:
    """All registered calculator names, sorted."""
    return sorted(_calculators)
