"""Test handler: for each input x, yields x+1, x+2, x+3 (one list of outputs per step)."""

import numpy as np

from pyovms import Tensor


class OvmsPythonModel:
    def execute(self, inputs):
        values = {t.name: np.array(t) for t in inputs}
        for _ in range(3):
            outputs = []
            for name in sorted(values):
                values[name] = values[name] + 1
                outputs.append(Tensor(name.replace("in", "out"), values[name]))
            yield outputs
