"""Test handler: finalize fails (the unload must go on)."""

from pyovms import Tensor


class OvmsPythonModel:
    def execute(self, inputs):
        return [Tensor("out", inputs[0])]

    def finalize(self):
        raise RuntimeError("finalize went wrong")
