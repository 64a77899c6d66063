"""Fixtures for client tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.clients.scripted_server import ScriptedServicer, start_scripted_server


@pytest.fixture
def scripted_server() -> Iterator[tuple[str, ScriptedServicer]]:
    """A scripted KServe gRPC server: ``(url, servicer)``; tests set its script."""
    server, url, servicer = start_scripted_server()
    yield url, servicer
    server.stop(grace=None)
