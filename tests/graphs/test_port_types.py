"""Port payload types: which produced types may feed which accepted types."""

from typing import Any

import numpy as np
import pytest

from pipeserve.calculators.formats import Detection, NormalizedLandmarkList, NormalizedRect
from pipeserve.graphs import Input, Output, Scalar
from pipeserve.graphs.port_types import can_feed, type_name

FEEDS = [
    (np.ndarray, np.ndarray),
    (np.ndarray, Any),
    (Any, list[Detection]),
    (bool, Scalar),
    (np.ndarray, Scalar),
    (int, float),
    (list[Detection], list),
    (list[Detection], list[Detection]),
    (tuple[int, int], tuple[int, int]),
    (tuple[int, ...], tuple[int, int]),
    (NormalizedRect, NormalizedRect | list[NormalizedRect]),
    (NormalizedRect | list[NormalizedRect], list[NormalizedRect]),
]
REFUSES = [
    (np.ndarray, NormalizedLandmarkList),
    (tuple[int, int], np.ndarray),
    (list[NormalizedRect], list[Detection]),
    (float, int),
    (str, Scalar),
    (NormalizedRect | list[NormalizedRect], Detection),
    (tuple[float, float], tuple[int, int]),
]


@pytest.mark.parametrize(("produced", "accepted"), FEEDS, ids=str)
def test_compatible_types_feed(produced, accepted):
    assert can_feed(produced, accepted)


@pytest.mark.parametrize(("produced", "accepted"), REFUSES, ids=str)
def test_incompatible_types_are_refused(produced, accepted):
    assert not can_feed(produced, accepted)


def test_ports_are_untyped_unless_subscripted():
    assert Input("IMAGE").payload is Any
    port = Output[list[Detection]]("DETECTIONS", optional=True)
    assert (port.tag, port.optional, port.multiple, port.payload) == (
        "DETECTIONS",
        True,
        False,
        list[Detection],
    )
    assert isinstance(port, Output)


def test_type_names_are_short():
    assert type_name(np.ndarray) == "ndarray"
    assert type_name(list[Detection]) == "list[Detection]"
    assert type_name(NormalizedRect | list[NormalizedRect]) == (
        "NormalizedRect | list[NormalizedRect]"
    )
    assert type_name(Any) == "Any"
