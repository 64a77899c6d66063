"""Contract rules shared by the vision calculators ("exactly one of", "as many as")."""

from __future__ import annotations

from typing import Protocol

from pipeserve.graphs import CalculatorContract


class Ports(Protocol):
    """A node's inputs or outputs (TagMap at contract time, InputSet/OutputSet at run time)."""

    def count(self, tag: str) -> int: ...


def one_of(ports: Ports, *tags: str) -> str | None:
    """The one tag of ``tags`` that ``ports`` has, or None when none or several are wired."""
    present = [tag for tag in tags if ports.count(tag) > 0]
    return present[0] if len(present) == 1 else None


def require_one_of(cc: CalculatorContract, outputs: bool, *tags: str) -> str:
    """The one tag of ``tags`` wired on the node's inputs (or outputs); else a config error."""
    tag = one_of(cc.outputs if outputs else cc.inputs, *tags)
    if tag is None:
        kind = "outputs" if outputs else "inputs"
        raise cc.fail(f"exactly one of {' or '.join(tags)} {kind} is required")
    return tag


def require_same_count(cc: CalculatorContract, tag: str) -> None:
    """As many ``tag`` outputs as ``tag`` inputs (output i follows input i)."""
    if cc.inputs.count(tag) != cc.outputs.count(tag):
        raise cc.fail(f"same number of {tag} inputs and outputs is required")
