"""Server settings: OVMS's command-line flags, also settable as ``PIPESERVE_*`` variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

FOUR_K_RGB_BYTES = 3840 * 2160 * 3


class Settings(BaseSettings):
    """Everything the ``pipeserve`` command accepts; flags override environment variables."""

    model_config = SettingsConfigDict(env_prefix="PIPESERVE_", protected_namespaces=())

    config_path: Path | None = None
    """OVMS ``config.json`` with ``model_config_list`` and ``mediapipe_config_list``."""
    model_path: Path | None = None
    """Serve one graph folder (with ``graph.pbtxt``) or one model folder without a config."""
    model_name: str | None = None
    """Name of the servable given by ``model_path``."""
    target_device: str = "CPU"
    """OpenVINO device for the model given by ``model_path``."""
    port: int = Field(9178, ge=0, le=65535)
    """gRPC port (OVMS ``--port``)."""
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

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value
