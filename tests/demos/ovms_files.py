"""OVMS's own demo files, for the tests that check they run unchanged.

They are never part of the repository: CI lays them out in ``shared/`` beside the clone
(``<repo>/../shared/ovms_holistic_demo/``). Tests that need them skip where that folder is
absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2].parent / "shared"


def ovms_demo_folder(name: str) -> Path:
    """``<repo>/../shared/<name>``, or skip the calling test when it is not there."""
    folder = SHARED / name
    if not folder.is_dir():
        pytest.skip(f"OVMS's demo files are not beside the clone ({folder})")
    return folder
