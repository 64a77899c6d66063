"""The iris tracking demo served as OVMS's demo is: our graph and config with the wheel's
models linked in OVMS's layout, one photo per unary ``infer`` (as OVMS's client sends)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import numpy as np
import pytest
import tritonclient.grpc as grpcclient

from pipeserve.clients.local_server import LocalServer
from tests.demos.demo_scripts import DEMOS, load_demo_script

IRIS = DEMOS / "iris_tracking"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    folder = tmp_path_factory.mktemp("iris")
    for name in ("config_iris.json", "iris_tracking.pbtxt"):
        shutil.copy(IRIS / name, folder / name)
    links = load_demo_script("holistic_tracking", "setup_models").link_models(
        folder / "config_iris.json"
    )
    assert sorted(p.parent.parent.name for p in links) == [
        "face_detection_short_range",
        "face_landmark",
        "iris_landmark",
    ]
    with LocalServer(folder / "config_iris.json", folder / "server.log") as running:
        running.wait_ready(60, ["irisTracking"])
        yield running


def _annotate(server: LocalServer, image: np.ndarray) -> np.ndarray:
    client = grpcclient.InferenceServerClient(server.url)
    try:
        tensor = grpcclient.InferInput("first_input_video", list(image.shape), "UINT8")
        tensor.set_data_from_numpy(image)
        outputs = [grpcclient.InferRequestedOutput("output")]
        return client.infer("irisTracking", [tensor], outputs=outputs).as_numpy("output")
    finally:
        client.close()


# Where the eyes are on each photo (x0, y0, x1, y1 in pixels).
EYE_REGIONS = {"grace_hopper": (190, 160, 400, 220), "astronaut": (185, 85, 270, 125)}


@pytest.mark.parametrize("photo", sorted(EYE_REGIONS))
def test_photo_comes_back_with_irises_circled(
    server: LocalServer, photo: str, request: pytest.FixtureRequest
) -> None:
    image = request.getfixturevalue(photo)
    out = _annotate(server, image)

    assert out.shape == image.shape and out.dtype == np.uint8
    drawn = (out != image).any(axis=2)
    assert 0.002 < drawn.mean() < 0.3  # face box, mesh, eyes; the photo itself kept
    circles = np.argwhere((out[..., 2] > 200) & (out[..., 0] < 60) & (out[..., 1] < 60))
    assert len(circles) > 20, "blue iris circles"
    x0, y0, x1, y1 = EYE_REGIONS[photo]
    assert (circles[:, 1] >= x0).all() and (circles[:, 1] <= x1).all()
    assert (circles[:, 0] >= y0).all() and (circles[:, 0] <= y1).all()
