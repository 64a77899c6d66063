"""WordsCalculator: a generator that emits one packet per word of its input text."""

from __future__ import annotations

from typing import Any

import numpy as np

from pipeserve.graphs import Calculator, CalculatorContext, Input, Output, register_calculator
from pipeserve.graphs.timestamp import UNSET


def _text(value: Any) -> str:
    """A str from str/bytes or a one-element BYTES tensor."""
    if isinstance(value, np.ndarray):
        if value.size != 1:
            raise TypeError(f"expected one string, got a tensor of shape {list(value.shape)}")
        value = value.reshape(()).item()
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, str):
        return value
    raise TypeError(f"expected a string, got {type(value).__name__}")


@register_calculator("WordsCalculator")
class WordsCalculator(Calculator):
    """Splits each TEXT packet on whitespace and emits one WORD packet per word.

    Words get increasing timestamps starting at the input's timestamp, each one past
    the previous word, so a request at ``t`` with three words yields ``t, t+1, t+2``
    (and a later request continues after the last word if its timestamp is not past it).

    Ports: TEXT - str, bytes or a one-element BYTES tensor; WORD - str.

    Example::

        node {
          calculator: "WordsCalculator"
          input_stream: "TEXT:text"
          output_stream: "WORD:word"
        }
    """

    TEXT = Input[str | bytes | np.ndarray]("TEXT")
    WORD = Output[str]("WORD")

    def open(self, cc: CalculatorContext) -> None:
        self.last_ts = UNSET

    def process(self, cc: CalculatorContext) -> None:
        packet = cc.inputs["TEXT"]
        if packet.is_empty:
            return
        ts = max(packet.timestamp, self.last_ts + 1)
        out = cc.outputs["WORD"]
        for word in _text(packet.value).split():
            out.add(word, ts)
            self.last_ts = ts
            ts += 1
