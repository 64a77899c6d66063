"""Per-request and per-stream bounds, resolved once from the settings."""

from __future__ import annotations

from dataclasses import dataclass

from .settings import Settings

MIB = 1 << 20


@dataclass(frozen=True, slots=True)
class StreamLimits:
    """What one request may describe and what one stream may hold (bytes)."""

    max_request_bytes: int = Settings.model_fields["max_message_size"].default
    """A tensor's declared size is checked against this before anything is allocated."""
    max_buffer_bytes: int = Settings.model_fields["max_stream_buffer_mb"].default * MIB
    """Outputs a stream holds for a slow client before it stops reading its requests."""

    @classmethod
    def from_settings(cls, settings: Settings) -> StreamLimits:
        return cls(settings.max_message_size, settings.max_stream_buffer_mb * MIB)
