"""Runtime tests: register the product calculators and the test-only ones."""

import pipeserve.calculators  # noqa: F401  (registers calculators)
import tests.graphs.fixture_calculators  # noqa: F401  (registers test calculators)
