"""Server settings: OVMS's command-line flags, also settable as ``PIPESERVE_*`` variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipeserve.cpus import available_cpus

FOUR_K_RGB_BYTES = 3840 * 2160 * 3


class Settings(BaseSettings):
    """Everything the ``pipeserve`` command accepts; flags override environment variables."""

    model_config = SettingsConfigDict(env_prefix="PIPESERVE_", protected_namespaces=())

    config_path: Path | None = None
    """OVMS ``config.json`` with ``model_config_list`` and ``mediapipe_config_list``; with
    neither this nor ``model_path``, the bundled default config is served."""
    model_path: Path | None = None
    """Serve one graph folder (with ``graph.pbtxt``) or one model folder without a config."""
    model_name: str | None = None
    """Name of the servable given by ``model_path``."""
    target_device: str = "CPU"
    """OpenVINO device for the model given by ``model_path``."""
    port: int = Field(9000, ge=0, le=65535)
    """gRPC port (OVMS ``--port``; 9000, the port OVMS's demos and clients use)."""
    rest_port: int = Field(0, ge=0, le=65535)
    """REST (HTTP) port; 0 disables REST (as in OVMS)."""
    grpc_bind_address: str = "127.0.0.1"
    """Address the gRPC server binds to."""
    rest_bind_address: str = "127.0.0.1"
    """Address the REST server binds to."""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    """DEBUG, INFO, WARNING or ERROR (any case)."""
    file_system_poll_wait_seconds: float = Field(1.0, ge=0)
    """How often the config file is checked for changes; 0 disables reloading."""
    max_message_size: int = Field(FOUR_K_RGB_BYTES + (8 << 20), gt=0)
    """Largest gRPC message in bytes (default: a 4K RGB frame plus headroom)."""
    max_stream_buffer_mb: int = Field(64, gt=0)
    """Outputs one stream may hold for a slow client (MiB); when full the server stops
    reading that stream's requests until the client catches up."""
    shutdown_timeout_seconds: float = Field(10.0, ge=0)
    """On SIGTERM, how long open streams may drain before they are cancelled."""
    workers: int = Field(1, ge=1)
    """Server processes sharing the ports (``auto``: one per available CPU)."""
    graph_processes: int = Field(0, ge=0)
    """Processes that run the graphs (``auto``: one per available CPU); each new graph
    instance goes to the one running the fewest. 0 runs graphs in the server process."""

    max_streams: int = Field(256, ge=1)
    """Open streams (graph instances) server-wide; one more ends ``RESOURCE_EXHAUSTED``."""
    stream_idle_timeout_seconds: float = Field(0.0, ge=0)
    """End a gRPC stream without requests or responses this long (``DEADLINE_EXCEEDED``); 0 off."""
    stream_max_lifetime_seconds: float = Field(0.0, ge=0)
    """End a gRPC stream open this long (``DEADLINE_EXCEEDED``); 0 off."""
    rest_max_body_mb: float = Field(64.0, gt=0)
    """Largest REST request body in MiB; a larger one gets 413."""
    rest_header_timeout_seconds: float = Field(10.0, gt=0)
    """Close a REST connection whose request headers take longer than this."""
    rest_body_timeout_seconds: float = Field(30.0, gt=0)
    """Answer 408 when a REST request body stalls this long between two chunks."""
    handshake_timeout_seconds: float = Field(10.0, gt=0)
    """Close a gRPC connection that has not finished its TLS and HTTP/2 handshake by then, and a
    REST connection over TLS that has not finished its TLS handshake."""
    grpc_keepalive_time_seconds: float = Field(60.0, gt=0)
    """Ping a gRPC client after this long without traffic during a call (finds dead peers)."""
    grpc_keepalive_timeout_seconds: float = Field(20.0, gt=0)
    """Close the connection when a keepalive ping is not answered within this."""
    grpc_max_connection_idle_seconds: float = Field(300.0, gt=0)
    """Close a gRPC connection without calls for this long (clients reconnect on demand)."""
    switch_interval_ms: float = Field(1.0, gt=0)
    """Python's thread switch interval: shorter than Python's 5 ms so a light stream's
    request does not wait behind heavy streams' graph threads (fairness)."""
    profile_graphs: bool = False
    """Run every graph with its per-node profiler on (calls, wall and CPU time per node), as
    a graph's own ``profiler_config``; read the totals at ``GET /v1/profile/<graph>``."""
    grpc_channel_arguments: str = ""
    """OVMS's extra gRPC server arguments, ``name=value,name=value`` (override the above)."""

    grpc_tls_cert_path: Path | None = None
    """PEM certificate (chain) for gRPC over TLS; with ``grpc_tls_key_path``."""
    grpc_tls_key_path: Path | None = None
    """PEM private key of ``grpc_tls_cert_path``."""
    grpc_tls_client_ca_path: Path | None = None
    """PEM CA bundle: gRPC clients must present a certificate it signed (mutual TLS)."""
    rest_tls_cert_path: Path | None = None
    """PEM certificate (chain) for REST over HTTPS; with ``rest_tls_key_path``."""
    rest_tls_key_path: Path | None = None
    """PEM private key of ``rest_tls_cert_path``."""
    auth_token_path: Path | None = None
    """File of accepted bearer tokens, one per line; without it no token is asked for."""

    @model_validator(mode="after")
    def _tls_pairs(self) -> Settings:
        for side in ("grpc", "rest"):
            cert, key = (
                getattr(self, f"{side}_tls_cert_path"),
                getattr(self, f"{side}_tls_key_path"),
            )
            if (cert is None) != (key is None):
                raise ValueError(f"give both --{side}_tls_cert_path and --{side}_tls_key_path")
        if self.grpc_tls_client_ca_path is not None and self.grpc_tls_cert_path is None:
            raise ValueError("--grpc_tls_client_ca_path needs --grpc_tls_cert_path")
        return self

    @field_validator("grpc_channel_arguments")
    @classmethod
    def _channel_arguments(cls, value: str) -> str:
        parse_channel_arguments(value)
        return value

    @field_validator("workers", "graph_processes", mode="before")
    @classmethod
    def _auto_workers(cls, value: object) -> object:
        return available_cpus() if isinstance(value, str) and value.lower() == "auto" else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


def parse_channel_arguments(text: str) -> list[tuple[str, int | str]]:
    """OVMS's ``--grpc_channel_arguments``: ``name=value`` pairs, comma-separated; integers
    stay integers (``grpc.max_connection_age_ms=60000,grpc.http2.max_ping_strikes=0``)."""
    pairs: list[tuple[str, int | str]] = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = (x.strip() for x in item.partition("="))
        if not sep or not name:
            raise ValueError(f"expected name=value in grpc_channel_arguments, got {item!r}")
        try:
            pairs.append((name, int(value)))
        except ValueError:
            pairs.append((name, value))
    return pairs
