"""Test handler: sums its two inputs element-wise (OVMS's summator example, our code)."""

import numpy as np

from pyovms import Tensor


class OvmsPythonModel:
    def initialize(self, kwargs):
        self.output_name = kwargs["output_names"][0]

    def execute(self, inputs):
        first, second = (np.asarray(t) for t in inputs)
        return [Tensor(self.output_name, first + second)]
