"""Test handler: logs initialize/finalize to events.log beside it; counts executes across
all streams of the definition (one shared object)."""

from pathlib import Path

import numpy as np

from pyovms import Tensor


class OvmsPythonModel:
    def initialize(self, kwargs):
        self.log = Path(kwargs["base_path"]) / "events.log"
        previous = self.log.read_text().count("initialize") if self.log.exists() else 0
        self.id = previous + 1
        self.calls = 0
        names = (kwargs["node_name"], kwargs["input_names"], kwargs["output_names"])
        self._write(f"initialize {names}")

    def execute(self, inputs):
        self.calls += 1
        return [Tensor("out", np.array([self.calls], np.int64))]

    def finalize(self):
        self._write("finalize")

    def _write(self, event):
        with self.log.open("a") as log:
            log.write(f"{self.id} {event}\n")
