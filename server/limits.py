"""Stream limits: the slot counter behind ``--max_streams``, stream clocks, size bounds.

Both transports take one slot per open stream (a gRPC ``ModelStreamInfer`` call, a REST
``infer_stream``) and give it back when the stream ends, however it ends. ``StreamSlots`` is
the interface: a server running several worker processes swaps in a counter shared by them.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Protocol, TypeVar

from prometheus_client import Gauge

from pipeserve.errors import Code, PipeserveError

from .settings import Settings

T = TypeVar("T")
R = TypeVar("R")


class StreamSlots(Protocol):
    """Open-stream slots: ``acquire`` one before a stream starts, ``release`` it at its end."""

    limit: int

    def acquire(self) -> bool:
        """Take a slot; False when all ``limit`` slots are taken."""
        ...

    def release(self) -> None:
        """Give back a slot taken by ``acquire``."""
        ...


class LocalStreamSlots:
    """Slots counted in this process (the event loop is its only caller, so no lock)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_use = 0

    def acquire(self) -> bool:
        if self.in_use >= self.limit:
            return False
        self.in_use += 1
        return True

    def release(self) -> None:
        self.in_use -= 1

    def __repr__(self) -> str:
        return f"LocalStreamSlots({self.in_use}/{self.limit})"


class MeteredStreamSlots:
    """``slots`` that keep ``gauge`` at the number of slots taken (a leak shows there)."""

    def __init__(self, slots: StreamSlots, gauge: Gauge) -> None:
        self.limit = slots.limit
        self._slots, self._gauge = slots, gauge

    def acquire(self) -> bool:
        if not self._slots.acquire():
            return False
        self._gauge.inc()
        return True

    def release(self) -> None:
        self._slots.release()
        self._gauge.dec()

    def __repr__(self) -> str:
        return f"Metered{self._slots!r}"


class TooManyStreamsError(PipeserveError):
    """Every stream slot is taken; names the limit and the flag that sets it."""

    code = Code.RESOURCE_EXHAUSTED

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"too many open streams: this server's limit is {limit} (--max_streams); "
            "retry when a stream has ended"
        )


class StreamExpiredError(PipeserveError):
    """A stream ended by the server's idle timeout or maximum lifetime."""

    code = Code.DEADLINE_EXCEEDED


class StreamClock:
    """When one stream must end: ``idle`` seconds without traffic, or ``lifetime`` after start.

    A limit of 0 is off. ``touch`` records traffic (a request read or a response sent).
    """

    __slots__ = ("_last", "_started", "idle", "lifetime")

    def __init__(self, idle: float, lifetime: float) -> None:
        self.idle, self.lifetime = idle, lifetime
        self._started = self._last = time.monotonic()

    def touch(self) -> None:
        self._last = time.monotonic()

    def remaining(self) -> float | None:
        """Seconds until the stream expires (<= 0 once it has), None if it never does."""
        ends = []
        if self.idle:
            ends.append(self._last + self.idle)
        if self.lifetime:
            ends.append(self._started + self.lifetime)
        return min(ends) - time.monotonic() if ends else None

    def expired_error(self) -> StreamExpiredError:
        """The error that ends an expired stream, naming the limit it reached."""
        now = time.monotonic()
        if self.lifetime and now >= self._started + self.lifetime:
            return StreamExpiredError(
                f"stream open for {self.lifetime:g} s, the server's maximum stream lifetime "
                "(--stream_max_lifetime_seconds)"
            )
        return StreamExpiredError(
            f"stream idle for {self.idle:g} s, the server's stream idle timeout "
            "(--stream_idle_timeout_seconds)"
        )

    def __repr__(self) -> str:
        return f"StreamClock(idle={self.idle:g}, lifetime={self.lifetime:g})"


@dataclasses.dataclass(frozen=True, slots=True)
class StreamTimeouts:
    """The server's idle timeout and maximum lifetime for streams (seconds, 0 = off): the
    one rule both transports apply to every stream (gRPC ``ModelStreamInfer``, REST
    ``infer_stream``)."""

    idle: float = 0.0
    lifetime: float = 0.0

    @classmethod
    def from_settings(cls, settings: Settings) -> StreamTimeouts:
        return cls(settings.stream_idle_timeout_seconds, settings.stream_max_lifetime_seconds)

    def apply(
        self, run: Callable[[AsyncIterator[T]], AsyncGenerator[R, None]], requests: AsyncIterator[T]
    ) -> AsyncGenerator[R, None]:
        """``run(requests)``'s responses, ended by ``StreamExpiredError`` once the stream has
        had no request or response for ``idle`` seconds, or is ``lifetime`` seconds old.

        Both off: ``run(requests)`` itself, so the default costs nothing per message.
        """
        if not (self.idle or self.lifetime):
            return run(requests)
        clock = StreamClock(self.idle, self.lifetime)
        return _expiring(run(_touching(requests, clock)), clock)


async def _touching(requests: AsyncIterator[T], clock: StreamClock) -> AsyncIterator[T]:
    """``requests``, each one recorded as traffic on ``clock``."""
    async for request in requests:
        clock.touch()
        yield request


async def _expiring(
    responses: AsyncGenerator[R, None], clock: StreamClock
) -> AsyncGenerator[R, None]:
    """``responses`` until they end, or ``StreamExpiredError`` once ``clock`` runs out.

    The expired stream's generator is closed (which cancels its graph) before the error.
    """
    pending: asyncio.Future[R] = asyncio.ensure_future(anext(responses))
    try:
        while True:
            remaining = clock.remaining()
            if remaining is not None and remaining <= 0:
                raise clock.expired_error()
            done, _ = await asyncio.wait({pending}, timeout=remaining)
            if not done:
                continue
            try:
                item = pending.result()
            except StopAsyncIteration:
                return
            clock.touch()
            yield item
            pending = asyncio.ensure_future(anext(responses))
    finally:
        pending.cancel()
        with contextlib.suppress(BaseException):
            await pending
        await responses.aclose()


MIB = 1 << 20


@dataclasses.dataclass(frozen=True, slots=True)
class StreamLimits:
    """What one request may describe and what one stream may hold (bytes)."""

    max_request_bytes: int = Settings.model_fields["max_message_size"].default
    """A tensor's declared size is checked against this before anything is allocated."""
    max_buffer_bytes: int = Settings.model_fields["max_stream_buffer_mb"].default * MIB
    """Outputs a stream holds for a slow client before it stops reading its requests."""

    @classmethod
    def from_settings(cls, settings: Settings) -> StreamLimits:
        return cls(settings.max_message_size, settings.max_stream_buffer_mb * MIB)
