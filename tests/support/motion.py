"""Synthetic camera pictures for motion detection: a still, block-textured street scene with
sensor noise, a light level, and a box that may cross it; and that scene as an H.264 clip."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from tests.support.cameras import Clip

HEIGHT, WIDTH = 240, 320


def scene(seed: int = 0, height: int = HEIGHT, width: int = WIDTH) -> np.ndarray:
    """Blocks of grey between 40 and 150 (bright enough to brighten, dark enough not to clip)."""
    blocks = np.random.default_rng(seed).uniform(40, 150, (height // 16, width // 16))
    return np.kron(blocks, np.ones((16, 16)))


class SyntheticCamera:
    """Pictures of `scene` with Gaussian noise, an optional light change and a bright box."""

    def __init__(self, noise: float = 3.0, seed: int = 1, height: int = HEIGHT, width: int = WIDTH) -> None:
        self.background = scene(height=height, width=width)
        self.noise = noise
        self.rng = np.random.default_rng(seed)

    def picture(
        self,
        box: tuple[int, int, int, int] | None = None,
        contrast: float = 80.0,
        offset: float = 0.0,
        gain: float = 1.0,
        colour: bool = False,
    ) -> np.ndarray:
        picture = self.background * gain + offset + self.rng.normal(0, self.noise, self.background.shape)
        if box is not None:
            x, y, w, h = box
            picture[y : y + h, x : x + w] += contrast
        grey = np.clip(picture, 0, 255).astype(np.uint8)
        return np.repeat(grey[:, :, None], 3, axis=2) if colour else grey

    def still(self, count: int, colour: bool = False) -> list[np.ndarray]:
        return [self.picture(colour=colour) for _ in range(count)]

    def walker(
        self, start: tuple[int, int], count: int, contrast: float = 80.0, size: int = 30, colour: bool = False
    ) -> list[np.ndarray]:
        """A box crossing the picture, 6 pixels right and 3 down per picture."""
        x, y = start
        return [self.picture((x + 6 * i, y + 3 * i, size, size), contrast, colour=colour) for i in range(count)]


def moving_box_clip(folder: Path, still_seconds: float = 2.0, fps: int = 10) -> Clip:
    """A still street, a box crossing its lower right for 2.5 s, the street still again:
    320 x 240 H.264 (Annex B), GOP 1 s, no B-frames."""
    camera = SyntheticCamera()
    still = round(still_seconds * fps)
    pictures = (
        camera.still(still, colour=True)
        + camera.walker((165, 125), 25, colour=True, size=24)
        + camera.still(still, colour=True)
    )
    path = folder / "motion.h264"
    with av.open(str(path), "w", format="h264") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.options = {"g": str(fps), "keyint_min": str(fps), "sc_threshold": "0", "bf": "0", "crf": "20"}
        for picture in pictures:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(picture), format="rgb24")))
        out.mux(stream.encode(None))
    return Clip(path, "h264", WIDTH, HEIGHT, fps, len(pictures), fps, 0, 1)
