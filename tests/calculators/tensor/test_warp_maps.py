"""PerspectiveWarp: a repeated transform remapped over kept maps gives warpPerspective's bytes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from pipeserve.calculators.tensor.warp_maps import PerspectiveWarp


def transforms(width: int, height: int, size: int) -> list[np.ndarray]:
    """ROI → tensor transforms as ImageToTensor builds them: rotated, shrinking, growing,
    reaching outside the image."""
    out = []
    for (cx, cy), (w, h), angle in (
        ((width / 2, height / 2), (width, width), 0.0),
        ((width / 2, height / 2), (height, height), 0.0),  # a letterbox: padded columns
        ((width / 2, height / 2), (width, 1.5 * width), 0.0),  # padded rows
        ((1.6 * width, 0.5 * height), (0.2 * width, 0.2 * width), 0.0),  # all outside
        ((0.4 * width, 0.5 * height), (0.7 * width, 0.5 * height), 34.4),
        ((0.31 * width, 1.02 * height), (2.45 * width, 2.45 * width), 9.2),
        ((0.8 * width, 0.2 * height), (0.1 * width, 0.13 * height), -166.2),
    ):
        src = cv2.boxPoints(((cx, cy), (w, h), angle)).astype(np.float32)
        dst = np.array([[0, size], [0, 0], [size, 0], [size, size]], np.float32)
        out.append(cv2.getPerspectiveTransform(src, dst))
    return out


@pytest.mark.parametrize("channels", [1, 3, 4])
@pytest.mark.parametrize("border", [cv2.BORDER_CONSTANT, cv2.BORDER_REPLICATE])
def test_kept_maps_give_the_bytes_of_warp_perspective(astronaut, channels, border):
    image = {1: astronaut[:, :, 0], 3: astronaut, 4: cv2.cvtColor(astronaut, cv2.COLOR_RGB2RGBA)}
    image = np.ascontiguousarray(image[channels][:480, :400])
    noise = np.random.default_rng(0).integers(0, 256, image.shape, np.uint8)
    for size in (128, 192, 224):
        for matrix in transforms(400, 480, size):
            warp = PerspectiveWarp()
            for picture in (image, noise, image):  # seen, then kept, then reused
                expected = cv2.warpPerspective(
                    picture, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=border
                )
                np.testing.assert_array_equal(warp(picture, matrix, (size, size), border), expected)
            assert warp._maps is not None  # the last two came from remap


def test_a_new_transform_or_image_size_is_not_served_from_old_maps(astronaut):
    warp = PerspectiveWarp()
    first, second = transforms(400, 480, 128)[:2]
    image = np.ascontiguousarray(astronaut[:480, :400])
    for matrix, picture in ((first, image), (first, image), (second, image), (first, astronaut)):
        expected = cv2.warpPerspective(picture, matrix, (128, 128), flags=cv2.INTER_LINEAR)
        np.testing.assert_array_equal(warp(picture, matrix, (128, 128), 0), expected)


@pytest.mark.parametrize("roi_size", [(480, 480), (400, 600)])
def test_a_letterbox_remaps_only_the_part_that_reads_the_image(astronaut, roi_size):
    """Padded columns (a portrait image) or rows (a tall ROI): the kept maps are cut to
    the box that reads the image, and the padding comes out as warpPerspective's zeros."""
    image = np.ascontiguousarray(astronaut[:480, :400])
    src = cv2.boxPoints(((200, 240), roi_size, 0.0)).astype(np.float32)
    dst = np.array([[0, 192], [0, 0], [192, 0], [192, 192]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    warp = PerspectiveWarp()
    for _ in range(3):
        expected = cv2.warpPerspective(image, matrix, (192, 192), flags=cv2.INTER_LINEAR)
        np.testing.assert_array_equal(warp(image, matrix, (192, 192), 0), expected)
    assert warp._maps is not None
    kept = warp._maps[1]
    assert not kept.whole and 0 < kept.cut_fraction.size < 192 * 192
    cut = np.zeros((192, 192), bool)
    cut[kept.rows, kept.cols] = True
    assert expected[~cut].max() == 0 and expected[cut].max() > 0


def test_kept_maps_changing_border_or_channels_leave_nothing_behind(astronaut):
    """The kept output buffer is per border and channels: a replicated border's padding
    or another image's pixels never show through a later zero-border letterbox."""
    image = np.ascontiguousarray(astronaut[:480, :400])
    pictures = {3: image, 4: cv2.cvtColor(image, cv2.COLOR_RGB2RGBA), 1: image[:, :, 1].copy()}
    src = cv2.boxPoints(((200, 240), (480, 480), 0.0)).astype(np.float32)
    dst = np.array([[0, 96], [0, 0], [96, 0], [96, 96]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    warp = PerspectiveWarp()
    for channels, border in [(3, 1), (3, 0), (3, 1), (3, 0), (4, 0), (1, 0), (3, 0), (3, 1)]:
        picture = pictures[channels]
        expected = cv2.warpPerspective(
            picture, matrix, (96, 96), flags=cv2.INTER_LINEAR, borderMode=border
        )
        np.testing.assert_array_equal(warp(picture, matrix, (96, 96), border), expected)
    assert warp._maps is not None
