"""Clips for simulated cameras: a street with moving shapes and a clock, encoded once.

The demo needs cameras without hardware or GStreamer. Each simulated camera replays one
of these clips through `SimulatedSource`, at real-time pace, through the same ingest and
recorder as a real RTSP camera. Clips are H.264 (Main profile, no B-frames, 2 s GOP) in
MP4, drawn with NumPy and encoded with the libx264 bundled in the PyAV wheel.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray

Image = NDArray[np.uint8]

# Seven-segment digits: segments a, b, c, d, e, f, g.
_SEGMENTS = {
    "0": "abcdef",
    "1": "bc",
    "2": "abdeg",
    "3": "abcdg",
    "4": "bcfg",
    "5": "acdfg",
    "6": "acdefg",
    "7": "abc",
    "8": "abcdefg",
    "9": "abcdfg",
    ":": "",
}


@dataclass(frozen=True)
class ClipSpec:
    name: str
    title: str
    width: int = 640
    height: int = 360
    fps: int = 15
    seconds: int = 30
    seed: int = 0


DEMO_CLIPS = (
    ClipSpec("grote-markt", "Grote Markt", seed=1),
    ClipSpec("stationsplein", "Stationsplein", seed=2),
    ClipSpec("kerkstraat", "Kerkstraat", seed=3),
    ClipSpec("ring-noord", "Ring Noord", seed=4),
    ClipSpec("kolonel-dusart", "Kolonel Dusartplein", seed=5),
    ClipSpec("havermarkt", "Havermarkt", seed=6),
)


def _digit(image: Image, x: int, y: int, char: str, size: int, colour: tuple[int, int, int]) -> None:
    w, h, t = size, size * 2, max(2, size // 4)
    bars = {
        "a": (x, y, w, t),
        "b": (x + w - t, y, t, h // 2),
        "c": (x + w - t, y + h // 2, t, h // 2),
        "d": (x, y + h - t, w, t),
        "e": (x, y + h // 2, t, h // 2),
        "f": (x, y, t, h // 2),
        "g": (x, y + h // 2 - t // 2, w, t),
    }
    if char == ":":
        image[y + h // 3 : y + h // 3 + t, x + w // 2 : x + w // 2 + t] = colour
        image[y + 2 * h // 3 : y + 2 * h // 3 + t, x + w // 2 : x + w // 2 + t] = colour
        return
    for segment in _SEGMENTS[char]:
        bx, by, bw, bh = bars[segment]
        image[by : by + bh, bx : bx + bw] = colour


def draw_clock(image: Image, text: str, x: int, y: int, size: int = 10) -> None:
    """Draw digits and colons (a clock such as 00:12:05) as seven-segment glyphs."""
    pad = size // 2
    width = len(text) * (size + pad) + pad
    image[y - pad : y + size * 2 + pad, x - pad : x + width] = (0, 0, 0)
    for i, char in enumerate(text):
        _digit(image, x + i * (size + pad), y, char, size, (255, 220, 60))


def _street(spec: ClipSpec) -> Image:
    h, w = spec.height, spec.width
    image = np.zeros((h, w, 3), dtype=np.uint8)
    image[:] = (70, 90, 70)
    road_top, road_bottom = h // 3, 2 * h // 3
    image[road_top - 20 : road_top] = (150, 150, 140)
    image[road_bottom : road_bottom + 20] = (150, 150, 140)
    image[road_top:road_bottom] = (60, 60, 64)
    middle = (road_top + road_bottom) // 2
    for x in range(0, w, 60):
        image[middle - 2 : middle + 2, x : x + 30] = (230, 230, 230)
    rng = np.random.default_rng(spec.seed)
    for x in range(0, w, 90):
        height = int(rng.integers(40, road_top - 25))
        shade = rng.integers(90, 200, size=3)
        image[road_top - 20 - height : road_top - 20, x + 5 : x + 80] = shade
    return image


def render_frame(spec: ClipSpec, background: Image, index: int) -> Image:
    image = background.copy()
    h, w = spec.height, spec.width
    t = index / spec.fps
    road_top, road_bottom = h // 3, 2 * h // 3
    lanes = (road_top + 15, (road_top + road_bottom) // 2 + 10)
    colours = ((200, 30, 30), (30, 80, 200), (230, 230, 230), (20, 20, 20), (220, 180, 20))
    for car in range(5):
        lane = lanes[car % 2]
        direction = 1 if car % 2 == 0 else -1
        speed = 60 + 25 * ((car + spec.seed) % 4)
        x = int((car * 170 + direction * speed * t) % (w + 120)) - 60
        image[lane : lane + 28, max(0, x) : max(0, x + 60)] = colours[(car + spec.seed) % len(colours)]
    walker_x = int((40 + 25 * t) % w)
    image[road_bottom + 4 : road_bottom + 16, walker_x : walker_x + 6] = (240, 200, 160)
    seconds = int(t)
    draw_clock(image, f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}", w - 150, 12)
    return image


def encode_clip(spec: ClipSpec, path: Path) -> Path:
    """Encode the clip to `path` (MP4, H.264) unless it is already there."""
    background = _street(spec)
    frames = (render_frame(spec, background, index) for index in range(spec.fps * spec.seconds))
    return encode_frames(frames, path, spec.width, spec.height, spec.fps)


def encode_frames(frames: Iterable[Image], path: Path, width: int, height: int, fps: int, crf: int = 26) -> Path:
    """Encode RGB pictures to `path` (MP4, H.264 Main, no B-frames, 2 s GOP) unless it is
    already there; the file appears complete or not at all."""
    if path.exists() and path.stat().st_size > 0:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.mp4")
    with av.open(str(partial), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {
            "preset": "veryfast",
            "profile": "main",
            "bf": "0",
            "g": str(fps * 2),
            "keyint_min": str(fps * 2),
            "sc_threshold": "0",
            "crf": str(crf),
        }
        for picture in frames:
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    partial.replace(path)
    return path
