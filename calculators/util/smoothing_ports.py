"""Ports shared by the landmark smoothing calculators (normalized or world landmarks)."""

from __future__ import annotations

from pipeserve.graphs import Calculator, CalculatorContract, Input, Output


class LandmarkFilterCalculator(Calculator):
    """Base of the smoothers: NORM_LANDMARKS → NORM_FILTERED_LANDMARKS, or LANDMARKS →
    FILTERED_LANDMARKS (exactly one pair). Not registered itself."""

    NORM_LANDMARKS = Input("NORM_LANDMARKS", optional=True)
    LANDMARKS = Input("LANDMARKS", optional=True)
    NORM_FILTERED_LANDMARKS = Output("NORM_FILTERED_LANDMARKS", optional=True)
    FILTERED_LANDMARKS = Output("FILTERED_LANDMARKS", optional=True)
    timestamp_offset = 0

    @classmethod
    def update_contract(cls, cc: CalculatorContract) -> None:
        normalized = cc.inputs.count("NORM_LANDMARKS") > 0
        if normalized == (cc.inputs.count("LANDMARKS") > 0):
            raise cc.fail("exactly one of NORM_LANDMARKS or LANDMARKS is required")
        out = "NORM_FILTERED_LANDMARKS" if normalized else "FILTERED_LANDMARKS"
        if cc.outputs.count(out) != 1:
            raise cc.fail(f"{out} output is required")

    @staticmethod
    def port_tags(normalized: bool) -> tuple[str, str]:
        """(input tag, output tag) for normalized or world landmarks."""
        if normalized:
            return "NORM_LANDMARKS", "NORM_FILTERED_LANDMARKS"
        return "LANDMARKS", "FILTERED_LANDMARKS"
