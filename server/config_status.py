"""OVMS's config status (``GET /v1/config``): every configured servable's version state.

Each model and graph reports one version entry: ``AVAILABLE`` with ``OK`` when it serves,
``LOADING`` with ``UNKNOWN`` and the reason when it failed to load or validate, and names
removed by a config reload report ``END`` (OVMS's state for an unloaded version).
Graphs are version ``1``, as in OVMS.
"""

from __future__ import annotations

from dataclasses import dataclass

from .servables import GRAPH_VERSION, Servables


@dataclass(frozen=True, slots=True)
class VersionStatus:
    """One servable version's state and status, in OVMS's vocabulary."""

    name: str
    version: str
    state: str
    error_code: str = "OK"
    error_message: str = "OK"


def config_status(servables: Servables) -> list[VersionStatus]:
    """The status of every configured and retired servable, sorted by name."""
    out = []
    for name in servables.graphs:
        error = servables.graphs[name].error
        out.append(_status(name, GRAPH_VERSION, error))
    for name in servables.models.names:
        model = servables.models.get(name) if servables.models.ready(name) else None
        out.append(_status(name, model.version if model else "1", servables.models.error(name)))
    out += [VersionStatus(name, GRAPH_VERSION, "END") for name in servables.retired]
    return sorted(out, key=lambda s: s.name)


def _status(name: str, version: str, error: str | None) -> VersionStatus:
    if error is None:
        return VersionStatus(name, version, "AVAILABLE")
    return VersionStatus(name, version, "LOADING", "UNKNOWN", error)
