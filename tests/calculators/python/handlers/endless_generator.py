"""Test handler: yields its input, incremented, forever (until the graph stops)."""

import numpy as np

from pyovms import Tensor


class OvmsPythonModel:
    def execute(self, inputs):
        value = np.array(inputs[0])
        while True:
            value = value + 1
            yield [Tensor("out", value)]
