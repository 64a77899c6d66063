"""Python nodes across config loads: one set of OvmsPythonModel objects per graph definition.

A definition's models are created and initialized when it loads. A reload keeps them when
the graph's config entry and graph file are unchanged (as OVMS reloads only changed
definitions); otherwise, or when the graph is removed, the old models are retired and
finalized once the streams still using them end.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from pipeserve.calculators.python.handler import PythonNodeError, load_python_nodes

if TYPE_CHECKING:
    from .servables import GraphServable

log = logging.getLogger(__name__)


def attach_python_nodes(servable: GraphServable, previous: GraphServable | None) -> GraphServable:
    """``servable`` with its Python node models: reused from ``previous`` when the
    definition is unchanged, else loaded now; unavailable when a node fails to load."""
    if servable.spec is None or servable.error is not None:
        return servable
    key = _definition_key(servable)
    if previous is not None and previous.python is not None and previous.python.key == key:
        return dataclasses.replace(servable, python=previous.python)
    try:
        python = load_python_nodes(servable.spec, servable.entry.base_path)
    except PythonNodeError as exc:
        log.error("graph %s unavailable: %s", servable.name, exc)
        return dataclasses.replace(servable, spec=None, error=str(exc))
    if python is not None:
        python.key = key
    return dataclasses.replace(servable, python=python)


def retire_python_nodes(old: Iterable[GraphServable], new: Iterable[GraphServable]) -> None:
    """Retire the Python node models of ``old`` definitions that ``new`` does not keep."""
    kept = {id(s.python) for s in new if s.python is not None}
    for servable in old:
        if servable.python is not None and id(servable.python) not in kept:
            log.info("graph %s: Python nodes unloaded", servable.name)
            servable.python.retire()


def _definition_key(servable: GraphServable) -> str:
    entry = servable.entry
    try:
        text = entry.graph_path.read_bytes()
    except OSError:
        text = b""
    return f"{entry!r}:{hashlib.sha256(text).hexdigest()}"
