"""ImagePropertiesCalculator: (width, height) of an HWC or HW image."""

from __future__ import annotations

import numpy as np
import pytest
from core_helpers import run_node

from pipeserve.errors import GraphConfigError


@pytest.mark.parametrize("tag", ["IMAGE", "IMAGE_CPU"])
def test_size_is_width_then_height(tag):
    node = f'calculator: "ImagePropertiesCalculator" input_stream: "{tag}:img" output_stream: "SIZE:size"'
    images = [(np.zeros((480, 640, 3), np.uint8), 0), (np.zeros((10, 20), np.uint8), 1)]
    assert run_node(node, {"img": images})["size"] == [(0, (640, 480)), (1, (20, 10))]


@pytest.mark.parametrize("inputs", ['input_stream: "IMAGE:a" input_stream: "IMAGE_CPU:b"', ""])
def test_needs_exactly_one_image_input(inputs):
    with pytest.raises(GraphConfigError, match="exactly one"):
        run_node(f'calculator: "ImagePropertiesCalculator" {inputs} output_stream: "SIZE:s"', {})
