"""ToImageCalculator: numpy images pass through unchanged, one input tag at a time."""

from __future__ import annotations

import pytest

import pipeserve.calculators  # noqa: F401  (registers the calculators)
from pipeserve.errors import GraphConfigError
from pipeserve.graphs.testing import CalculatorRunner


@pytest.mark.parametrize("tag", ["IMAGE", "IMAGE_CPU"])
def test_image_passes_through_shared(astronaut, tag):
    runner = CalculatorRunner(
        f'calculator: "ToImageCalculator" input_stream: "{tag}:in" output_stream: "IMAGE:out"'
    )
    (packet,) = runner.run({"in": [(astronaut, 5)]})["out"]
    assert packet.value is astronaut and packet.timestamp == 5


def test_two_inputs_are_a_config_error():
    runner = CalculatorRunner(
        'calculator: "ToImageCalculator" input_stream: "IMAGE:a" input_stream: "IMAGE_CPU:b" '
        'output_stream: "IMAGE:out"'
    )
    with pytest.raises(GraphConfigError, match="exactly one"):
        runner.run({"a": [], "b": []})
