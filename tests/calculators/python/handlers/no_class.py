"""Test handler: defines no OvmsPythonModel."""


def execute(inputs):
    return inputs
