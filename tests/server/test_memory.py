"""Giving memory back when a burst of streams ends (server/memory.py)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from typing import Any

import pytest

from pipeserve.server.memory import COLLECT_AFTER_STREAMS, MemoryTrimmer


@pytest.fixture
def full_collections() -> Iterator[list[int]]:
    """Full (generation 2) garbage collections seen, automatic ones off meanwhile."""
    seen: list[int] = []

    def watch(phase: str, info: dict[str, Any]) -> None:
        if phase == "start" and info["generation"] == 2:
            seen.append(1)

    gc.disable()
    gc.callbacks.append(watch)
    try:
        yield seen
    finally:
        gc.callbacks.remove(watch)
        gc.enable()


async def _burst_ends(peak: int) -> None:
    trimmer = MemoryTrimmer()
    for open_now in (1, peak, 2, 1):  # streams open as the burst grows and shrinks
        trimmer.opened(open_now)
    run = trimmer.request()
    assert run is not None
    await run


def test_a_big_burst_ends_with_a_full_collection(full_collections: list[int]) -> None:
    asyncio.run(_burst_ends(COLLECT_AFTER_STREAMS))
    assert full_collections


def test_streams_one_after_another_never_collect(full_collections: list[int]) -> None:
    asyncio.run(_burst_ends(COLLECT_AFTER_STREAMS - 1))
    assert not full_collections
