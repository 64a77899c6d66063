"""Handler scripts of Python nodes: loading, one OvmsPythonModel per node and definition.

A graph definition's Python nodes are loaded when the definition loads (``load_python_nodes``):
each node's script is imported, its ``OvmsPythonModel`` created and ``initialize``d once.
The resulting ``PythonNodes`` is shared by every graph instance (stream) of that definition
through the ``PYTHON_NODE_RESOURCES`` side packet, and finalized once the definition is
unloaded (``retire``) and no graph instance still uses it.

Trust model: handler paths come only from the server's own graph files; a request cannot
name or replace a handler (the side packet is set by the server, after client parameters).
"""

from __future__ import annotations

import importlib.util
import itertools
import logging
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from pipeserve.errors import Code, PipeserveError
from pipeserve.graphs import GraphSpec
from pipeserve.graphs.tag_map import TagMap

log = logging.getLogger(__name__)

EXECUTOR = "PythonExecutorCalculator"
RESOURCES_TAG = "PYTHON_NODE_RESOURCES"
LOOPBACK_TAG = "LOOPBACK"
_module_ids = itertools.count()


class PythonNodeError(PipeserveError):
    """A Python node that cannot load: names the graph, node and handler, and why."""

    code = Code.FAILED_PRECONDITION


@dataclass(slots=True)
class PythonNodeModel:
    """One node's ``OvmsPythonModel`` object and where its outputs go."""

    node: str
    handler_path: Path
    model: Any
    outputs: dict[str, tuple[str, int]]
    """Output stream name -> (tag, index): a returned Tensor's name picks its stream."""
    module: str

    def finalize(self) -> None:
        """Call ``finalize`` if the model has one; its errors are logged, not raised."""
        finalize = getattr(self.model, "finalize", None)
        try:
            if finalize is not None:
                finalize()
        except Exception:
            log.exception("Python node %r (%s): finalize failed", self.node, self.handler_path)
        finally:
            sys.modules.pop(self.module, None)

    def __repr__(self) -> str:
        return f"PythonNodeModel({self.node!r}, {str(self.handler_path)!r})"


class PythonNodes:
    """The Python node models of one graph definition, shared by its graph instances."""

    def __init__(self, models: dict[str, PythonNodeModel], side_packets: list[str]) -> None:
        self.models = models
        self.side_packet_names = side_packets
        self.key = ""
        """What identifies the definition these models were loaded for (set by the server)."""
        self._lock = threading.Lock()
        self._users = 0
        self._retired = False
        self._finalized = False

    def side_packets(self) -> dict[str, Any]:
        """The graph side packets the server sets: resource name -> node models by node name."""
        return dict.fromkeys(self.side_packet_names, self.models)

    def acquire(self) -> bool:
        """Count one graph instance using the models; False once the definition is retired."""
        with self._lock:
            if self._retired:
                return False
            self._users += 1
            return True

    def release(self) -> None:
        """One graph instance is done with the models."""
        with self._lock:
            self._users -= 1
            last = self._retired and self._users == 0
        if last:
            self._finalize()

    def retire(self) -> None:
        """The definition is unloaded: finalize now, or when its last graph instance ends."""
        with self._lock:
            if self._retired:
                return
            self._retired = True
            idle = self._users == 0
        if idle:
            self._finalize()

    def _finalize(self) -> None:
        with self._lock:
            if self._finalized:
                return
            self._finalized = True
        for model in self.models.values():
            model.finalize()

    def __repr__(self) -> str:
        return f"PythonNodes({list(self.models)}, users={self._users}, retired={self._retired})"


def load_python_nodes(spec: GraphSpec, base_path: Path) -> PythonNodes | None:
    """Load and initialize every Python node of ``spec``; None when it has none.

    Raises PythonNodeError (after finalizing the nodes already initialized) when a node
    is unnamed, named twice, or its handler is missing, lacks ``OvmsPythonModel.execute``,
    or fails to import or ``initialize``.
    """
    nodes = [n for n in spec.nodes if n.contract.calculator == EXECUTOR]
    if not nodes:
        return None
    models: dict[str, PythonNodeModel] = {}
    side_packets: set[str] = set()
    try:
        for node in nodes:
            name = spec.config.node[node.index].name
            if not name:
                raise PythonNodeError(f"graph {spec.name!r}: a {EXECUTOR} node needs a name")
            if name in models:
                raise PythonNodeError(
                    f"graph {spec.name!r}: Python node name {name!r} is used twice"
                )
            contract = node.contract
            side_packets.add(contract.input_side_packets.name(RESOURCES_TAG))
            path = _handler_path(contract.options.handler_path, base_path)
            models[name] = _load_model(spec.name, name, path, contract.inputs, contract.outputs)
    except BaseException:
        for model in models.values():
            model.finalize()
        raise
    return PythonNodes(models, sorted(side_packets))


def _handler_path(handler_path: str, base_path: Path) -> Path:
    path = Path(handler_path).expanduser()
    return path if path.is_absolute() else (base_path / path).resolve()


def _load_model(
    graph: str, node: str, path: Path, inputs: TagMap, outputs: TagMap
) -> PythonNodeModel:
    where = f"graph {graph!r}, Python node {node!r}, handler {str(path)!r}"
    if not path.is_file():
        raise PythonNodeError(f"{where}: the handler file does not exist")
    module_name = f"pipeserve_python_node_{next(_module_ids)}_{path.stem}"
    try:
        module = _import(module_name, path)
        cls = getattr(module, "OvmsPythonModel", None)
        if cls is None:
            raise PythonNodeError(f"{where}: no OvmsPythonModel class in the handler")
        if not callable(getattr(cls, "execute", None)):
            raise PythonNodeError(f"{where}: OvmsPythonModel does not implement execute")
        model = cls()
        initialize = getattr(model, "initialize", None)
        if initialize is not None:
            initialize(
                {
                    "node_name": node,
                    "input_names": inputs.names(),
                    "output_names": outputs.names(),
                    "base_path": str(path.parent),
                }
            )
    except PythonNodeError:
        sys.modules.pop(module_name, None)
        raise
    except Exception as exc:  # the user's script failed to import or initialize
        sys.modules.pop(module_name, None)
        log.debug("%s: initialization failed", where, exc_info=True)
        raise PythonNodeError(
            f"{where}: initialization failed: {type(exc).__name__}: {exc}"
        ) from exc
    routes = {s.name: (s.tag, s.index) for s in outputs if s.tag != LOOPBACK_TAG}
    log.info("Python node %r of graph %r loaded from %s", node, graph, path)
    return PythonNodeModel(node, path, model, routes, module_name)


def _import(module_name: str, path: Path) -> ModuleType:
    """Import the script as its own module (scripts with one file name in different
    folders stay distinct); its folder joins ``sys.path`` for its own imports."""
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.append(folder)
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise PythonNodeError(f"cannot import {str(path)!r} as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module
