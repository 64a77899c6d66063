"""Test handler: answers with a Tensor of a datatype KServe does not define."""

from pyovms import Tensor


class OvmsPythonModel:
    def execute(self, inputs):
        return [Tensor("out", b"null0terminated0string0", shape=(3,), datatype="my_string")]
