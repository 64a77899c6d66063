"""Ports shared by the landmark smoothing calculators (normalized or world landmarks)."""

from __future__ import annotations

from pipeserve.calculators.formats import LandmarkList, NormalizedLandmarkList
from pipeserve.graphs import Calculator, CalculatorContract, Input, Output

from .contracts import require_one_of


class LandmarkFilterCalculator(Calculator):
    """Base of the smoothers: NORM_LANDMARKS → NORM_FILTERED_LANDMARKS, or LANDMARKS →
    FILTERED_LANDMARKS (exactly one pair). Not registered itself."""

    NORM_LANDMARKS = Input[NormalizedLandmarkList]("NORM_LANDMARKS", optional=True)
    LANDMARKS = Input[LandmarkList]("LANDMARKS", optional=True)
    NORM_FILTERED_LANDMARKS = Output[NormalizedLandmarkList](
        "NORM_FILTERED_LANDMARKS", optional=True
    )
    FILTERED_LANDMARKS = Output[LandmarkList]("FILTERED_LANDMARKS", optional=True)
    timestamp_offset = 0

    @classmethod
    def update_contract(cls, cc: CalculatorContract) -> None:
        tag = require_one_of(cc, False, "NORM_LANDMARKS", "LANDMARKS")
        out = cls.port_tags(tag == "NORM_LANDMARKS")[1]
        if cc.outputs.count(out) != 1:
            raise cc.fail(f"{out} output is required")

    @staticmethod
    def port_tags(normalized: bool) -> tuple[str, str]:
        """(input tag, output tag) for normalized or world landmarks."""
        if normalized:
            return "NORM_LANDMARKS", "NORM_FILTERED_LANDMARKS"
        return "LANDMARKS", "FILTERED_LANDMARKS"
