"""Test handler: an OvmsPythonModel without execute."""


class OvmsPythonModel:
    def initialize(self, kwargs):
        pass
