"""Motion in a camera's pictures: how much of the watched area changed, and whether it persists.

Each picture is made small and grey (about 160 pixels wide, box-averaged, lightly blurred)
and compared with a background that follows the scene (a running average). Before comparing,
the picture's brightness is matched to the background's (median and spread), so a cloud, dusk
or the camera's exposure does not count as motion. A pixel has changed when it differs from
the background by more than the sensitivity's threshold (or than the picture's own noise
allows); the score is the percentage of the watched area (the zones, or the whole picture)
that changed. Motion starts only when the score stays above the sensitivity's area threshold
for `persist` pictures in a row, and ends after `quiet` pictures below it: a single flicker
never starts it. Pure: arrays in, readings out; no I/O, no clock, no picture kept.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Zone = tuple[float, float, float, float]
"""A watched rectangle: x, y, width, height as fractions of the picture (0..1), from the top left."""

WIDTH = 160
"""Pictures are compared about this many pixels wide."""
LEARNING = 0.05
"""How much of each picture the background takes in where nothing moves: the light of the
scene is followed over some 1 / LEARNING pictures."""
FOREGROUND_LEARNING = 0.25
"""Pixels that differ learn this much slower, so what passed by leaves no ghost that reads as
motion in the next pictures (something that stays is still taken in, some four times later)."""
PERSIST = 3
"""Pictures in a row above the area threshold before motion starts."""
QUIET = 3
"""Pictures in a row below it before motion ends (and may start again)."""
NOISE_FACTOR = 6.0
"""A pixel's difference must also exceed this many times the picture's median difference
(about four standard deviations of its noise), so a grainy night picture does not trigger."""
MIN_PIXELS = 2
DEFAULT_SENSITIVITY = 50
LUMA = np.array([0.299, 0.587, 0.114], np.float32)


@dataclass(frozen=True)
class Thresholds:
    pixel: float
    """Grey levels (0..255) a pixel must differ from the background to count as changed."""
    area: float
    """Percent of the watched area that must change for a picture to count as motion."""


def thresholds(sensitivity: int) -> Thresholds:
    """What a sensitivity (1: only large, strong changes; 100: the slightest) asks: pixel levels
    from 36 down to 6, area from 15 % down to 0.05 % (geometrically)."""
    if not 1 <= sensitivity <= 100:
        raise ValueError(f"sensitivity must be 1..100, not {sensitivity}")
    step = (sensitivity - 1) / 99
    return Thresholds(pixel=6.0 + (100 - sensitivity) * 0.3, area=15.0 * (0.05 / 15.0) ** step)


def small_grey(picture: np.ndarray, width: int = WIDTH) -> np.ndarray:
    """`picture` (H x W grey or H x W x 3 RGB, uint8) as float32 grey about `width` pixels wide:
    the mean of each block (of every few pixels of it, for large pictures)."""
    height, full_width = picture.shape[:2]
    wanted = max(1, full_width // width)
    step = max(1, wanted // 4)
    block = wanted // step
    rows, columns = height // (step * block), full_width // (step * block)
    if rows == 0 or columns == 0:
        raise ValueError(f"a picture of {full_width} x {height} pixels is too small to watch")
    cropped = picture[::step, ::step][: rows * block, : columns * block].astype(np.float32)
    if cropped.ndim == 3:
        cropped = cropped @ LUMA
    blocks: np.ndarray = cropped.reshape(rows, block, columns, block).mean(axis=(1, 3))
    return blocks


def blurred(picture: np.ndarray) -> np.ndarray:
    """A 3 x 3 box blur (edges repeated): single-pixel noise spreads thin."""
    padded = np.pad(picture, 1, mode="edge")
    height, width = picture.shape
    total = np.zeros_like(picture)
    for dy in range(3):
        for dx in range(3):
            total += padded[dy : dy + height, dx : dx + width]
    result: np.ndarray = total / 9.0
    return result


def levelled(picture: np.ndarray, background: np.ndarray) -> np.ndarray:
    """`picture` with its brightness matched to `background`: the same median, and the same
    spread between the quartiles (within a factor 2), so a global change of light cancels."""
    low, middle, high = np.percentile(picture, (25, 50, 75))
    background_low, background_middle, background_high = np.percentile(background, (25, 50, 75))
    spread, background_spread = high - low, background_high - background_low
    gain = background_spread / spread if spread > 1 and background_spread > 1 else 1.0
    gain = min(2.0, max(0.5, float(gain)))
    result: np.ndarray = (picture - middle) * gain + background_middle
    return result


def zone_mask(zones: Sequence[Zone], height: int, width: int) -> np.ndarray:
    """Which pixels of a `height` x `width` picture the zones watch (all of them without zones);
    each zone covers at least one pixel."""
    if not zones:
        return np.ones((height, width), bool)
    mask = np.zeros((height, width), bool)
    for x, y, w, h in zones:
        left, top = min(width - 1, math.floor(x * width)), min(height - 1, math.floor(y * height))
        right = max(left + 1, min(width, math.ceil((x + w) * width)))
        bottom = max(top + 1, min(height, math.ceil((y + h) * height)))
        mask[top:bottom, left:right] = True
    return mask


@dataclass(frozen=True)
class Reading:
    score: float
    """Percent of the watched area that changed in this picture."""
    moving: bool
    """Motion has started (persisted) and not yet ended."""
    started: bool
    """This picture started it."""


class MotionDetector:
    """Motion in one camera's successive pictures; feed them in order, one at a time."""

    def __init__(
        self,
        sensitivity: int = DEFAULT_SENSITIVITY,
        zones: Sequence[Zone] = (),
        *,
        width: int = WIDTH,
        learning: float = LEARNING,
        persist: int = PERSIST,
        quiet: int = QUIET,
    ) -> None:
        self.limits = thresholds(sensitivity)
        self.zones = tuple(zones)
        self.width = width
        self.learning = learning
        self.persist = persist
        self.quiet = quiet
        self.moving = False
        self._background: np.ndarray | None = None
        self._mask: np.ndarray = np.ones((0, 0), bool)
        self._watched = 0
        self._above = 0
        self._below = 0

    def reset(self) -> None:
        """Forget the scene (after the camera was away: it may look different now)."""
        self._background = None
        self.moving = False
        self._above = self._below = 0

    def feed(self, picture: np.ndarray) -> Reading:
        """The reading of the next picture (H x W grey or H x W x 3 RGB, uint8). The first
        picture, and one of another size, start a new background and read as still."""
        small = blurred(small_grey(picture, self.width))
        background = self._background
        if background is None or background.shape != small.shape:
            self._start(small)
            return Reading(0.0, False, False)
        difference = np.abs(levelled(small, background) - background)
        pixel = max(self.limits.pixel, NOISE_FACTOR * float(np.median(difference)))
        different = difference > pixel
        changed = int(np.count_nonzero(different & self._mask))
        score = 100.0 * changed / self._watched
        background += np.where(different, self.learning * FOREGROUND_LEARNING, self.learning) * (small - background)
        return self._step(score, changed >= max(MIN_PIXELS, self.limits.area / 100.0 * self._watched))

    def _start(self, small: np.ndarray) -> None:
        self.reset()
        self._background = small
        self._mask = zone_mask(self.zones, *small.shape)
        self._watched = int(np.count_nonzero(self._mask))

    def _step(self, score: float, active: bool) -> Reading:
        if active:
            self._above += 1
            self._below = 0
        else:
            self._above = 0
            self._below += 1
        started = not self.moving and self._above >= self.persist
        if started:
            self.moving = True
        elif self.moving and self._below >= self.quiet:
            self.moving = False
        return Reading(score, self.moving, started)
