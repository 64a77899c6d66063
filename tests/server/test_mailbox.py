"""Mailbox: items from worker threads and the loop arrive in order, none lost."""

from __future__ import annotations

import asyncio
import threading

from pipeserve.server.mailbox import Mailbox


async def test_items_from_threads_and_the_loop_arrive_in_order() -> None:
    box = Mailbox(asyncio.get_running_loop())

    def produce() -> None:
        for i in range(2000):
            box.put(i)

    worker = threading.Thread(target=produce)
    async with asyncio.timeout(10):
        worker.start()
        got = [await box.get() for _ in range(2000)]
        box.put("from the loop")
        assert await box.get() == "from the loop"
    worker.join()
    assert got == list(range(2000))


async def test_get_waits_for_a_later_put() -> None:
    box = Mailbox(asyncio.get_running_loop())
    later = threading.Timer(0.05, box.put, args=("late",))
    later.start()
    async with asyncio.timeout(5):
        assert await box.get() == "late"
