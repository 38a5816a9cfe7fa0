"""Synthetic number plates and street scenes, for tests and the demo's simulated ANPR camera.

`render_plate` draws a plate the way its country prints it (colours, EU band, separators);
`car_scene` puts one on the back of a simple car in a street with a shop sign, optionally
turned in perspective, blurred and noisy. Pure drawing with Pillow and numpy: no files are
written and nothing is downloaded; a missing system font falls back to Pillow's own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from belfort.anpr import plates

FONT_FILES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
)
PLATE_RATIO = 110 / 520
"""Height over width of a European plate (520 x 110 mm)."""
EU_BLUE = (0, 51, 153)
EU_YELLOW = (255, 204, 0)
Rgb = tuple[int, int, int]


@dataclass(frozen=True)
class Style:
    """How a country prints its plates."""

    background: Rgb
    ink: Rgb
    band: str
    """The letters of the blue EU band on the left."""
    region: bool = False
    """A blue band on the right too (France: the region's logo and département number)."""


STYLES = {
    "BE": Style(background=(250, 250, 250), ink=(150, 20, 35), band="B"),
    "NL": Style(background=(247, 181, 0), ink=(15, 15, 15), band="NL"),
    "FR": Style(background=(250, 250, 250), ink=(15, 15, 15), band="F", region=True),
    "DE": Style(background=(250, 250, 250), ink=(15, 15, 15), band="D"),
    "LU": Style(background=(255, 210, 0), ink=(15, 15, 15), band="L"),
}


@cache
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A bold sans-serif font of `size` pixels: DejaVu when installed, else Pillow's own."""
    for path in FONT_FILES:
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def _fitted(text: str, width: float, height: float) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The largest font in which `text` fits in width x height pixels."""
    size = max(6, int(height))
    while size > 6:
        face = font(size)
        left, top, right, bottom = face.getbbox(text)
        if right - left <= width and bottom - top <= height:
            return face
        size -= max(1, size // 20)
    return font(6)


def _centred(
    draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float], text: str, fill: Rgb, fill_height: float
) -> None:
    """Draw `text` centred in `box`, as large as fits `fill_height` of the box's height."""
    x0, y0, x1, y1 = box
    face = _fitted(text, (x1 - x0) * 0.92, (y1 - y0) * fill_height)
    draw.text(((x0 + x1) / 2, (y0 + y1) / 2), text, font=face, fill=fill, anchor="mm")


def _stars(draw: ImageDraw.ImageDraw, centre: tuple[float, float], radius: float) -> None:
    """The EU circle of twelve yellow stars (drawn as dots)."""
    dot = max(1.0, radius / 5)
    for index in range(12):
        angle = 2 * math.pi * index / 12
        x, y = centre[0] + radius * math.cos(angle), centre[1] + radius * math.sin(angle)
        draw.ellipse((x - dot, y - dot, x + dot, y + dot), fill=EU_YELLOW)


def _band(draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float], letters: str) -> None:
    """The blue EU band: the circle of stars above the country letters."""
    x0, y0, x1, y1 = box
    draw.rectangle(box, fill=EU_BLUE)
    width = x1 - x0
    _stars(draw, ((x0 + x1) / 2, y0 + (y1 - y0) * 0.3), width * 0.3)
    _centred(draw, (x0, y0 + (y1 - y0) * 0.55, x1, y1 - (y1 - y0) * 0.05), letters, (255, 255, 255), 0.85)


def render_plate(plate: str, country: str = "BE", width: int = 520) -> np.ndarray:
    """An RGB picture (height width * 110/520) of `plate` as `country` prints it, with its
    separators (`plates.display`; the normalised text when the plate fits no format there).

    Raises ValueError for a country without a style (BE, NL, FR, DE, LU are known).
    """
    style = STYLES.get(country)
    if style is None:
        raise ValueError(f"no plate style for {country!r}: use one of {', '.join(STYLES)}")
    height = max(12, round(width * PLATE_RATIO))
    image = Image.new("RGB", (width, height), style.background)
    draw = ImageDraw.Draw(image)
    border = max(1, round(height * 0.04))
    draw.rounded_rectangle(
        (0, 0, width - 1, height - 1), radius=border * 3, outline=style.ink, width=border, fill=style.background
    )
    band = round(width * 0.085)
    _band(draw, (border, border, border + band, height - 1 - border), style.band)
    right = width - border
    if style.region:
        region = round(width * 0.085)
        right -= region
        draw.rectangle((right, border, width - 1 - border, height - 1 - border), fill=EU_BLUE)
        _centred(draw, (right, height // 2, width - border, height - border), "75", (255, 255, 255), 0.7)
    _centred(draw, (border + band, border, right, height - border), plates.display(plate, country), style.ink, 0.72)
    return np.asarray(image)


def _homography(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The 3x3 matrix mapping the four `source` points onto the four `target` points."""
    rows = []
    for (x, y), (u, v) in zip(source, target, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y, -u])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y, -v])
    _, _, vt = np.linalg.svd(np.array(rows, dtype=np.float64))
    matrix = vt[-1].reshape(3, 3)
    return np.asarray(matrix / matrix[2, 2], dtype=np.float64)


def turned_corners(width: int, height: int, yaw: float, pitch: float = 0.0) -> np.ndarray:
    """Where the corners of a width x height plate land, around its centre, when it is turned
    by `yaw` (degrees, about its vertical axis) and `pitch` (about its horizontal axis) and
    seen by a camera about 2.5 plate widths away."""
    distance = 2.5 * width
    a, b = math.radians(yaw), math.radians(pitch)
    rotation = np.array([[math.cos(a), 0, math.sin(a)], [0, 1, 0], [-math.sin(a), 0, math.cos(a)]]) @ np.array(
        [[1, 0, 0], [0, math.cos(b), -math.sin(b)], [0, math.sin(b), math.cos(b)]]
    )
    corners = np.array([[-width / 2, -height / 2, 0], [width / 2, -height / 2, 0], [width / 2, height / 2, 0]])
    corners = np.vstack([corners, [-width / 2, height / 2, 0]]) @ rotation.T
    depth = distance + corners[:, 2]
    return np.column_stack([corners[:, 0] * distance / depth, corners[:, 1] * distance / depth])


def place_plate(
    scene: np.ndarray, plate: np.ndarray, centre: tuple[float, float], yaw: float = 0.0, pitch: float = 0.0
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A copy of the RGB `scene` with the RGB `plate` picture centred at `centre`, turned in
    perspective by `yaw` and `pitch` degrees; and the plate's box in it (x0, y0, x1, y1)."""
    image = Image.fromarray(scene)
    box = _paste_plate(image, plate, centre, yaw, pitch)
    return np.asarray(image), box


def _paste_plate(
    scene: Image.Image, plate: np.ndarray, centre: tuple[float, float], yaw: float, pitch: float
) -> tuple[int, int, int, int]:
    """Paste `plate` into `scene` in place (see `place_plate`); returns its box."""
    source = Image.fromarray(plate)
    width, height = source.size
    target = turned_corners(width, height, yaw, pitch) + np.array(centre)
    x0, y0 = np.floor(target.min(axis=0)).astype(int)
    x1, y1 = np.ceil(target.max(axis=0)).astype(int)
    local = target - np.array([x0, y0])
    rectangle = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float64)
    coefficients = tuple(_homography(local, rectangle).flatten()[:8])
    size = (int(x1 - x0), int(y1 - y0))
    warped = source.transform(size, Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BICUBIC)
    mask = Image.new("L", source.size, 255).transform(size, Image.Transform.PERSPECTIVE, coefficients)
    scene.paste(warped, (int(x0), int(y0)), mask)
    return int(x0), int(y0), int(x1), int(y1)


def _street(width: int, height: int, sign: str, rng: np.random.Generator) -> Image.Image:
    """A street: sky, a shop front with a lettered sign (none when `sign` is empty), pavement and road."""
    image = Image.new("RGB", (width, height), (150, 180, 210))
    draw = ImageDraw.Draw(image)
    horizon = int(height * 0.55)
    draw.rectangle((0, int(height * 0.1), width, horizon), fill=tuple(int(v) for v in rng.integers(120, 190, 3)))
    for index in range(6):
        x = int(width * (0.05 + index * 0.16))
        draw.rectangle((x, int(height * 0.3), x + int(width * 0.1), horizon - 10), fill=(60, 70, 80))
    if sign:
        sign_box = (int(width * 0.08), int(height * 0.14), int(width * 0.62), int(height * 0.25))
        draw.rectangle(sign_box, fill=(30, 90, 40))
        _centred(draw, sign_box, sign, (240, 240, 220), 0.6)
    draw.rectangle((0, horizon, width, height), fill=(85, 85, 90))
    draw.rectangle((0, horizon, width, horizon + int(height * 0.05)), fill=(150, 150, 145))
    return image


def street_scene(size: tuple[int, int] = (1280, 720), sign: str = "BAKKERIJ DE MOLEN", seed: int = 0) -> np.ndarray:
    """An RGB street picture with a shop sign reading `sign` and no vehicle."""
    return np.asarray(_street(size[0], size[1], sign, np.random.default_rng(seed)))


def _car(draw: ImageDraw.ImageDraw, centre: tuple[float, float], plate_width: float, colour: Rgb) -> None:
    """The rear of a car around a plate `plate_width` pixels wide centred at `centre`."""
    cx, cy = centre
    body = plate_width * 3.4
    draw.rounded_rectangle(
        (cx - body / 2, cy - body * 0.42, cx + body / 2, cy + body * 0.2), radius=body * 0.08, fill=colour
    )
    draw.rounded_rectangle(
        (cx - body * 0.4, cy - body * 0.38, cx + body * 0.4, cy - body * 0.2), radius=body * 0.04, fill=(40, 50, 60)
    )
    for side in (-1, 1):
        x = cx + side * body * 0.4
        draw.rectangle((x - body * 0.07, cy - body * 0.14, x + body * 0.07, cy - body * 0.07), fill=(200, 20, 20))
        draw.rectangle((x - body * 0.05, cy + body * 0.2, x + body * 0.03, cy + body * 0.3), fill=(20, 20, 20))
    draw.rectangle((cx - body * 0.48, cy + body * 0.06, cx + body * 0.48, cy + body * 0.12), fill=(30, 30, 30))


def car_scene(
    plate: str,
    country: str = "BE",
    *,
    size: tuple[int, int] = (1280, 720),
    plate_width: int = 200,
    centre: tuple[float, float] | None = None,
    yaw: float = 0.0,
    pitch: float = 0.0,
    blur: float = 0.0,
    noise: float = 0.0,
    sign: str = "BAKKERIJ DE MOLEN",
    seed: int = 0,
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """An RGB street picture with a car whose plate reads `plate`, and the plate's box.

    `yaw`/`pitch` turn the plate in perspective (degrees), `blur` is a Gaussian radius in
    pixels, `noise` the standard deviation of added Gaussian noise (0-255 scale), and `sign`
    the text of a shop sign in the background (distractor text; "" for none).
    """
    rng = np.random.default_rng(seed)
    width, height = size
    image = _street(width, height, sign, rng)
    where = centre or (width * 0.55, height * 0.68)
    red, green, blue = (int(value) for value in rng.integers(40, 220, 3))
    _car(ImageDraw.Draw(image), where, plate_width, (red, green, blue))
    box = _paste_plate(image, render_plate(plate, country, plate_width), where, yaw, pitch)
    if blur > 0:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    pixels = np.asarray(image, dtype=np.float64)
    if noise > 0:
        pixels = pixels + rng.normal(0.0, noise, pixels.shape)
    return np.clip(pixels, 0, 255).astype(np.uint8), box
