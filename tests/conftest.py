"""Shared fixtures: the real photos the vision tests run on (RGB uint8 HWC)."""

from __future__ import annotations

import matplotlib.image
import numpy as np
import pytest
from matplotlib import cbook
from skimage import data

from tests.server.secured import secured  # noqa: F401  (the TLS + token server, shared)


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    """skimage's astronaut, 512 x 512."""
    return np.ascontiguousarray(data.astronaut())


@pytest.fixture(scope="session")
def grace_hopper() -> np.ndarray:
    """matplotlib's grace_hopper.jpg, 600 (H) x 512 (W)."""
    with cbook.get_sample_data("grace_hopper.jpg") as f:
        return np.ascontiguousarray(matplotlib.image.imread(f, format="jpg"))


@pytest.fixture(scope="session", autouse=True)
def holistic_model_links() -> None:
    """Link the wheel's holistic models where OVMS's config_holistic.json expects them
    (`make models`; the default config names them as mediapipe:// files instead)."""
    from demos.holistic_tracking.setup_models import HERE, link_models

    link_models(HERE / "config_holistic.json")
