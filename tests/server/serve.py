"""The ``pipeserve`` command with the test-only calculators registered (run by the fixtures)."""

from __future__ import annotations

import sys

import tests.graphs.fixture_calculators
import tests.server.fixture_calculators
import tests.server.fixture_streaming  # noqa: F401
from pipeserve.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
