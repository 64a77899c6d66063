"""OVMS's tag rules for inference ports: which tags carry a tensor vector, which tensor names.

A tag's kind is decided by the first matching prefix of ``TAG_PREFIXES`` (so
``OVTENSORS2`` is a vector, ``TENSOR_A`` a single tensor); tags matching none are
single tensors. Vector ports map element ``i`` to ``order[i]``; single ports use their
mapped name, or the tag itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pipeserve.graphs.tag_map import TagMap

TAG_PREFIXES = (
    "OVTENSORS",
    "OVTENSOR",
    "TENSORS",
    "TENSOR",
    "TFTENSORS",
    "TFTENSOR",
    "TFLITE_TENSORS",
    "TFLITE_TENSOR",
)
VECTOR_PREFIXES = frozenset({"OVTENSORS", "TENSORS", "TFTENSORS", "TFLITE_TENSORS"})


def is_vector_tag(tag: str) -> bool:
    """True when ``tag`` carries a list of tensors (``TENSORS``, ``OVTENSORS2``, ...)."""
    prefix = next((p for p in TAG_PREFIXES if tag.startswith(p)), None)
    return prefix in VECTOR_PREFIXES


@dataclass(frozen=True, slots=True)
class TensorBinding:
    """One port of an inference node: its flat position, tag and model tensor names."""

    pos: int
    tag: str
    vector: bool
    names: tuple[str, ...]


def side_errors(
    ports: TagMap, mapping: Mapping[str, str], order: Sequence[str], side: str
) -> list[str]:
    """The option/wiring mismatches of one side (``input`` or ``output``), as messages."""
    vector_tags = [s.tag for s in ports if is_vector_tag(s.tag)]
    single_tags = {s.tag for s in ports if not is_vector_tag(s.tag)}
    errors = []
    if mapping and order:
        errors.append(f"tag_to_{side}_tensor_names and {side}_order_list are exclusive")
    if order and not vector_tags:
        errors.append(f"{side}_order_list given but no {side} carries a tensor vector")
    if len(vector_tags) > 1:
        errors.append(f"at most one vector {side} tag, got {', '.join(vector_tags)}")
    unknown = sorted(set(mapping) - single_tags)
    if unknown:
        errors.append(
            f"tag_to_{side}_tensor_names names {', '.join(unknown)}, which are not "
            f"single-tensor {side} tags of this node"
        )
    return errors


def bind(
    ports: TagMap, mapping: Mapping[str, str], order: Sequence[str], default_order: Sequence[str]
) -> list[TensorBinding]:
    """Resolve every port to model tensor names (vectors: ``order`` or ``default_order``)."""
    return [
        TensorBinding(pos, spec.tag, True, tuple(order or default_order))
        if is_vector_tag(spec.tag)
        else TensorBinding(pos, spec.tag, False, (mapping.get(spec.tag, spec.tag),))
        for pos, spec in enumerate(ports)
    ]
