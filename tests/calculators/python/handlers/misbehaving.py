"""Test handler: each node (by name) breaks one rule of OvmsPythonModel.execute."""

from pyovms import Tensor


class OvmsPythonModel:
    def initialize(self, kwargs):
        self.node = kwargs["node_name"]
        if self.node == "initialize_raises":
            raise RuntimeError("cannot initialize")

    def execute(self, inputs):
        if self.node == "raises":
            raise ZeroDivisionError("division by zero")
        if self.node == "returns_int":
            return 1
        if self.node == "returns_none":
            return None
        if self.node == "returns_non_tensor":
            return [3]
        if self.node == "unknown_output":
            return [Tensor("not_an_output", bytes(inputs[0]))]
        if self.node == "yields_without_loopback":
            return (x for x in [[Tensor("out", bytes(inputs[0]))]])
        return [Tensor("out", inputs[0])]
