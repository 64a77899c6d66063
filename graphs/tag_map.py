"""Stream and side-packet specs: ``name``, ``TAG:name`` and ``TAG:index:name``."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pipeserve.errors import GraphConfigError

_TAG = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

TagIndex = tuple[str, int]


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """One parsed ``TAG:index:name`` entry (tag ``""`` when untagged)."""

    tag: str
    index: int
    name: str

    def __str__(self) -> str:
        if not self.tag:
            return self.name
        return f"{self.tag}:{self.index}:{self.name}" if self.index else f"{self.tag}:{self.name}"


def parse_stream_spec(text: str, where: str | None = None) -> tuple[str, int | None, str]:
    """Split a spec into (tag, explicit index or None, name); raise GraphConfigError if malformed."""
    parts = text.split(":")
    tag, index, name = "", None, parts[-1]
    if len(parts) == 2:
        tag = parts[0]
    elif len(parts) == 3:
        tag = parts[0]
        if not parts[1].isdigit():
            raise GraphConfigError(f"malformed index in {text!r}", node=where, stream=text)
        index = int(parts[1])
    elif len(parts) != 1:
        raise GraphConfigError(f"malformed stream spec {text!r}", node=where, stream=text)
    if tag and not _TAG.match(tag):
        raise GraphConfigError(
            f"malformed tag {tag!r} in {text!r} (tags are UPPER_CASE)", node=where, stream=text
        )
    if not _NAME.match(name):
        raise GraphConfigError(f"malformed name {name!r} in {text!r}", node=where, stream=text)
    return tag, index, name


class TagMap:
    """An ordered collection of specs addressable by (tag, index) and by flat position."""

    __slots__ = ("positions", "specs")

    def __init__(self, specs: Iterable[StreamSpec]) -> None:
        self.specs: list[StreamSpec] = list(specs)
        self.positions: dict[str | int | TagIndex, int] = {}
        """Flat position by every key form: ``(tag, index)``, ``tag`` for index 0, and the
        index of an untagged entry (one dict lookup on the per-call path)."""
        for i, s in enumerate(self.specs):
            self.positions[(s.tag, s.index)] = i
            if s.index == 0:
                self.positions[s.tag] = i
            if not s.tag:
                self.positions[s.index] = i

    @classmethod
    def parse(cls, texts: Iterable[str], where: str | None = None) -> TagMap:
        """Parse specs, numbering repeated tags 0, 1, ... when no index is given."""
        specs: list[StreamSpec] = []
        next_index: dict[str, int] = {}
        seen: set[TagIndex] = set()
        for text in texts:
            tag, index, name = parse_stream_spec(text, where)
            if index is None:
                index = next_index.get(tag, 0)
            next_index[tag] = max(next_index.get(tag, 0), index + 1)
            if (tag, index) in seen:
                raise GraphConfigError(f"tag {tag or '<untagged>'}:{index} given twice", node=where)
            seen.add((tag, index))
            specs.append(StreamSpec(tag, index, name))
        return cls(specs)

    def __len__(self) -> int:
        return len(self.specs)

    def __iter__(self) -> Iterator[StreamSpec]:
        return iter(self.specs)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str | int | tuple) and self.id_of(key) is not None

    def id_of(self, key: str | int | TagIndex) -> int | None:
        """Flat position of ``tag``, ``(tag, index)`` or an untagged ``index``; None if absent."""
        return self.positions.get(key)

    def has(self, key: str | int | TagIndex) -> bool:
        """True when ``key`` (a tag, ``(tag, index)`` or untagged index) is present."""
        return self.id_of(key) is not None

    def tags(self) -> list[str]:
        """Distinct tags in order of first appearance."""
        return list(dict.fromkeys(s.tag for s in self.specs))

    def count(self, tag: str) -> int:
        """How many entries carry ``tag``."""
        return sum(1 for s in self.specs if s.tag == tag)

    def name(self, key: str | int | TagIndex) -> str:
        """The stream name at a key; KeyError if absent."""
        pos = self.id_of(key)
        if pos is None:
            raise KeyError(key)
        return self.specs[pos].name

    def names(self) -> list[str]:
        """Stream names in order."""
        return [s.name for s in self.specs]

    def __repr__(self) -> str:
        return f"TagMap({[str(s) for s in self.specs]})"
