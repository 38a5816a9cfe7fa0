"""Motion detection on synthetic pictures: a moving object in a zone starts motion, the same
outside the zones does not; image noise, a slow change of light (additive or multiplicative),
a flash and a one-picture flicker do not; sensitivity moves the thresholds."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from belfort.analytics.motion import MotionDetector, Reading, Zone, small_grey, thresholds, zone_mask
from tests.support.motion import SyntheticCamera

LOWER_RIGHT = (0.5, 0.5, 0.5, 0.5)


def readings(pictures: list[np.ndarray], sensitivity: int = 50, zones: Sequence[Zone] = ()) -> list[Reading]:
    detector = MotionDetector(sensitivity, zones)
    return [detector.feed(picture) for picture in pictures]


def started(found: list[Reading]) -> bool:
    return any(reading.started for reading in found)


def test_a_box_moving_in_the_zone_starts_motion_after_three_pictures() -> None:
    camera = SyntheticCamera()
    found = readings(camera.still(10) + camera.walker((170, 130), 12), zones=[LOWER_RIGHT])
    assert not any(reading.moving for reading in found[:10])
    starts = [index for index, reading in enumerate(found) if reading.started]
    assert starts == [12], "motion starts once, on the third moving picture in a row"
    assert all(reading.moving for reading in found[12:])
    # a 30 x 30 box in a 160 x 120 zone, compared at half size: about 15 x 15 of 80 x 60 pixels
    assert 3 < found[12].score < 12


def test_colour_pictures_read_as_their_grey() -> None:
    camera = SyntheticCamera()
    found = readings(camera.still(5, colour=True) + camera.walker((170, 130), 5, colour=True), zones=[LOWER_RIGHT])
    assert started(found)


def test_the_same_box_outside_the_zones_is_not_motion() -> None:
    camera = SyntheticCamera()
    found = readings(camera.still(10) + camera.walker((10, 10), 12), zones=[LOWER_RIGHT])
    assert not started(found) and max(reading.score for reading in found) == 0


def test_without_zones_the_whole_picture_is_watched() -> None:
    camera = SyntheticCamera()
    assert started(readings(camera.still(10) + camera.walker((10, 10), 12)))


@pytest.mark.parametrize("sensitivity", [50, 100])
def test_image_noise_is_not_motion(sensitivity: int) -> None:
    camera = SyntheticCamera(noise=12.0)
    assert not started(readings(camera.still(100), sensitivity))


@pytest.mark.parametrize("sensitivity", [50, 100])
def test_a_slow_change_of_light_is_not_motion(sensitivity: int) -> None:
    camera = SyntheticCamera()
    brighter = [camera.picture(offset=i) for i in range(100)]
    darker = [camera.picture(gain=1.5 - i / 110) for i in range(100)]
    assert not started(readings(brighter, sensitivity))
    assert not started(readings(darker, sensitivity))


@pytest.mark.parametrize("sensitivity", [50, 100])
def test_a_flash_or_a_one_picture_flicker_is_not_motion(sensitivity: int) -> None:
    camera = SyntheticCamera()
    flash = [*camera.still(10), camera.picture(offset=80), *camera.still(10)]
    flicker = [*camera.still(10), camera.picture((100, 100, 60, 60)), *camera.still(10)]
    two = [*camera.still(10), camera.picture((100, 100, 60, 60)), camera.picture((106, 103, 60, 60))]
    assert not started(readings(flash, sensitivity))
    found = readings(flicker, sensitivity)
    assert max(reading.score for reading in found) > 1, "the flicker is seen, in one picture"
    assert not started(found)
    assert not started(readings(two + camera.still(10), sensitivity))


def test_sensitivity_decides_whether_a_faint_small_change_is_motion() -> None:
    camera = SyntheticCamera()
    faint = camera.still(10) + [camera.picture((100 + 4 * i, 100, 24, 24), contrast=18) for i in range(12)]
    assert started(readings(faint, 90))
    assert not started(readings(faint, 50))
    assert not started(readings(faint, 10))


def test_thresholds_fall_as_sensitivity_rises() -> None:
    levels = [thresholds(sensitivity) for sensitivity in range(1, 101)]
    assert all(a.pixel > b.pixel and a.area > b.area for a, b in itertools.pairwise(levels))
    assert levels[0].area == pytest.approx(15.0) and levels[-1].area == pytest.approx(0.05)
    with pytest.raises(ValueError):
        thresholds(0)
    with pytest.raises(ValueError):
        MotionDetector(101)


def test_motion_ends_when_the_scene_is_still_again_and_can_start_again() -> None:
    camera = SyntheticCamera()
    found = readings(camera.still(5) + camera.walker((170, 130), 8) + camera.still(60) + camera.walker((170, 130), 8))
    assert [index for index, reading in enumerate(found) if reading.started] == [7, 75]
    assert not found[72].moving


def test_something_that_stays_becomes_part_of_the_scene() -> None:
    camera = SyntheticCamera()
    parked = [camera.picture((150, 120, 60, 40)) for _ in range(200)]
    found = readings(camera.still(5) + parked)
    assert found[8].moving
    assert not found[-1].moving and found[-1].score == 0


def test_a_reset_or_a_new_picture_size_starts_a_new_background() -> None:
    camera = SyntheticCamera()
    detector = MotionDetector()
    for picture in camera.still(3):
        detector.feed(picture)
    assert detector.feed(camera.picture()[:120]) == Reading(0.0, False, False)
    detector.reset()
    assert detector.feed(camera.picture((0, 0, 200, 200))) == Reading(0.0, False, False)


def test_large_pictures_are_compared_about_160_pixels_wide() -> None:
    assert small_grey(np.zeros((1080, 1920, 3), np.uint8)).shape == (90, 160)
    assert small_grey(np.zeros((576, 704), np.uint8)).shape == (144, 176)
    assert small_grey(np.full((90, 100), 7, np.uint8)).shape == (90, 100)
    with pytest.raises(ValueError):
        small_grey(np.zeros((0, 100), np.uint8))


zone = st.tuples(st.floats(0, 0.99), st.floats(0, 0.99), st.floats(0.001, 1), st.floats(0.001, 1)).map(
    lambda z: (z[0], z[1], min(z[2], 1 - z[0]), min(z[3], 1 - z[1]))
)


@given(st.lists(zone, min_size=1, max_size=16), st.integers(1, 200), st.integers(1, 200))
def test_every_zone_watches_at_least_one_pixel_inside_the_picture(zones: list[Zone], height: int, width: int) -> None:
    mask = zone_mask(zones, height, width)
    assert mask.shape == (height, width)
    for x, y, _w, _h in zones:
        top, left = min(height - 1, int(y * height)), min(width - 1, int(x * width))
        assert mask[top, left]


def test_a_zone_covers_its_own_part_of_the_picture() -> None:
    mask = zone_mask([(0.25, 0.5, 0.5, 0.25)], 100, 200)
    assert mask.sum() == 25 * 100
    assert mask[50:75, 50:150].all()
