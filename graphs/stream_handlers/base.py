"""Input stream handler policy: when a node is ready, and which packets form its input set."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar

from ..input_queue import InputQueue
from ..packet import Packet
from ..tag_map import TagMap
from ..timestamp import DONE, PRESTREAM, UNSET


class InvocationKind(Enum):
    """What a node does next."""

    PROCESS = "process"
    """Run ``process`` on an input set at a timestamp."""
    CLOSE = "close"
    """Every input is done: run ``close``."""
    BOUND = "bound"
    """Inputs only advanced their bounds: propagate the bound (no ``process`` call)."""


PROCESS = InvocationKind.PROCESS
CLOSE = InvocationKind.CLOSE
BOUND = InvocationKind.BOUND


@dataclass(slots=True)
class Invocation:
    """What a handler decided: process an input set, close the node, or only propagate a bound."""

    kind: InvocationKind
    timestamp: int = UNSET
    packets: list[Packet] | None = None


class InputStreamHandler:
    """Base policy. Subclasses implement ``next_invocation``; called under the graph lock."""

    name: ClassVar[str] = ""
    options_type: ClassVar[type | None] = None

    def __init__(self, queues: list[InputQueue], process_bounds: bool, options: Any) -> None:
        self.queues = queues
        self.process_bounds = process_bounds
        self.options = options
        self.last_ts = UNSET
        self.last_bound = PRESTREAM

    @classmethod
    def resolve_options(cls, options: Any, inputs: TagMap, node: str) -> Any:
        """Options turned into what ``__init__`` receives, once per graph build (e.g. tags
        into input positions); raise GraphConfigError for options that cannot apply."""
        return options

    def next_invocation(self) -> Invocation | None:
        """The next thing the node should do, or None when it must wait."""
        raise NotImplementedError

    def ready(self) -> bool:
        """False only when ``next_invocation`` would return None now (it changes nothing):
        the scheduler then leaves the node alone instead of handing it to a thread. A
        policy that cannot tell cheaply says True."""
        return True

    def all_done(self) -> bool:
        """True when every input is closed and has no packet left."""
        return all(q.bound == DONE and not q.packets for q in self.queues)


_handlers: dict[str, type[InputStreamHandler]] = {}


def register_input_stream_handler(cls: type[InputStreamHandler]) -> type[InputStreamHandler]:
    """Class decorator: register a handler under its MediaPipe name (``cls.name``)."""
    _handlers[cls.name] = cls
    return cls


def find_input_stream_handler(name: str) -> type[InputStreamHandler] | None:
    """The handler class registered under ``name``, if any."""
    return _handlers.get(name)
