"""Plate reading from pictures: RapidOCR finds text lines, a plate-format filter keeps the plates.

Text detection runs once on the whole picture; each text line that could be a plate is cut
out (straightened, with a margin) and recognised, and the recogniser's per-character
probabilities are turned into alternative readings that `plates.interpretations` ranks.
Models are the ONNX files shipped in the `rapidocr` wheel: never downloaded at run time.
Pictures are only read: nothing is kept, logged or written.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import onnxruntime  # type: ignore[import-untyped]  # ships no type information
from PIL import Image

from belfort.anpr import plates

DET_MODEL = "PP-OCRv6_det_small.onnx"
REC_MODEL = "PP-OCRv6_rec_small.onnx"
REC_HEIGHT = 48
REC_MIN_WIDTH = 320
"""Crops are padded to this width at least, as the recogniser was trained."""
REC_BATCH = 8
MAX_REC_RATIO = 12.0
"""Longest text line recognised, as width over height (longer lines are not plates)."""
MARGINS = ((0.15, -0.08), (0.05, -0.15))
"""The crops a line is read through: margins along and across the text, in text heights
(negative: tighter than the detected box, which the detector already grows around the text)."""
HALVES_OVERLAP = 0.25
"""How much the two halves of a closer look overlap, as a share of the picture's long side."""
BEAM = 12
"""Readings kept per line and crop."""
OPTION_MIN = 0.04
"""A character alternative (or dropping a character) is considered from this probability up."""
MAX_OPTIONS = 3
SEPARATORS = " -.:/·•"
"""Marks kept in the recognised text (the others become spaces): plates and timestamps use them."""
CROWDED = 0.6
"""Ranking factor of a line that as wide a text continues (a word of a sign, rarely a plate)."""
BAND_CODES = {"BE": "B", "NL": "NL", "FR": "F", "DE": "D", "LU": "L"}
"""The country letters of the blue EU band on the left of the plate."""

_TIMESTAMP = re.compile(r"\d{1,2}[:.]\d{2}[:.]\d{2}|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}:\d{2}")


@dataclass(frozen=True)
class PlateRead:
    """One plate read in a picture."""

    plate: str
    """Normalised: A-Z and 0-9 only."""
    display: str
    """As written in `country` (with its separators)."""
    country: str
    confidence: float
    """Recognition confidence, 0-1: the geometric mean of the characters' probabilities,
    averaged over the crops the line was read through."""
    box: tuple[int, int, int, int]
    """x0, y0, x1, y1 of the plate text in image pixels."""
    candidates: list[tuple[str, float]]
    """(plate, confidence) readings of the same text, best first; the first is `plate`."""
    text: str
    """What the recogniser read, before any filtering."""


class PlateReader:
    """Reads plates in RGB pictures; build one and reuse it (the models load once).

    Not thread-safe: call it from one thread at a time.
    """

    def __init__(
        self,
        countries: Sequence[str] | None = None,
        det_limit_side_len: int = 960,
        min_confidence: float = 0.3,
        threads: int = 2,
        look_closer: bool = False,
    ) -> None:
        """`countries`: the plate formats accepted (`plates.interpretations`; None: BE, NL, FR, DE,
        LU). `det_limit_side_len`: the text detector sees the picture scaled down to this longest
        side. `min_confidence`: reads less confident are dropped. `threads`: ONNX Runtime threads
        per model. `look_closer`: where the whole picture shows no plate, detect again in its two
        halves at a finer scale (small plates in photographs; doubles the cost of such pictures).
        Raises ValueError for an unknown country, RuntimeError when the models are missing.
        """
        from rapidocr import RapidOCR

        self.countries: tuple[str, ...] = plates.EUROPEAN if countries is None else tuple(countries)
        plates.interpretations("", self.countries)
        self.min_confidence = min_confidence
        self.look_closer = look_closer
        self._detector = RapidOCR(
            params={
                "Global.log_level": "error",
                "Global.use_cls": False,
                "Global.use_rec": False,
                "Det.model_path": str(_shipped_model(DET_MODEL)),
                "Det.limit_type": "max",
                "Det.limit_side_len": det_limit_side_len,
                "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            }
        )
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._recogniser = onnxruntime.InferenceSession(
            str(_shipped_model(REC_MODEL)), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._input = self._recogniser.get_inputs()[0].name
        characters = self._recogniser.get_modelmeta().custom_metadata_map["character"].splitlines()
        self._alphabet = _Alphabet(characters)

    # -- public -------------------------------------------------------------------------

    def read(self, image: np.ndarray) -> list[PlateRead]:
        """The plates in an RGB (H, W, 3) uint8 picture, most likely first; empty when none."""
        picture = _checked(image)
        pil = Image.fromarray(picture)
        found = self._read_lines(pil, self._lines(self._detected(picture)))
        if not found and self.look_closer:
            found = self._read_lines(pil, self._lines(self._detected_in_halves(picture)))
        return _distinct(found)

    def read_crop(self, crop: np.ndarray) -> PlateRead | None:
        """The plate in a picture that is already a plate (an edge camera's crop); None when unread.

        The whole crop is recognised as one line; when that fits no plate format (a two-line
        plate, a crop with the state name or a dealer frame), the crop's own text lines are read.
        """
        picture = _checked(crop)
        height, width = picture.shape[:2]
        whole = _Line(np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float64))
        pil = Image.fromarray(picture)
        found = self._best([self._readings(probs) for probs in self._recognise([_resized(pil)])], whole, 1.0)
        if found is None:
            reads = self._read_lines(pil, self._lines(self._detected(picture)))
            found = max(reads, default=None, key=lambda pair: pair[0])
        return None if found is None else found[1]

    # -- steps --------------------------------------------------------------------------

    def _detected(self, picture: np.ndarray) -> list[_Line]:
        """Text lines found by the detector in an RGB picture (or part of one)."""
        result = self._detector(np.ascontiguousarray(picture[:, :, ::-1]), use_det=True, use_cls=False, use_rec=False)
        boxes = getattr(result, "boxes", None)
        return [] if boxes is None else [_Line(np.asarray(quad, dtype=np.float64)) for quad in boxes]

    def _detected_in_halves(self, picture: np.ndarray) -> list[_Line]:
        """Text lines found in two overlapping halves of the picture, each detected at a finer scale."""
        height, width = picture.shape[:2]
        length = max(height, width)
        size = math.ceil(length * (1 + HALVES_OVERLAP) / 2)
        found: list[_Line] = []
        for start in (0, length - size):
            part = picture[:, start : start + size] if width >= height else picture[start : start + size]
            offset = np.array([start, 0] if width >= height else [0, start], dtype=np.float64)
            for line in self._detected(part):
                moved = _Line(line.quad + offset)
                if all(_overlap(moved.box, other.box) < 0.5 for other in found):
                    found.append(moved)
        return found

    def _lines(self, detected: list[_Line]) -> list[_Line]:
        """The detected lines that could hold a plate, plus neighbours joined on one line."""
        detected = [line for line in detected if line.height >= 6 and abs(line.angle) <= 40]
        pairs = [
            (left, right) for left in detected for right in detected if left is not right and _same_line(left, right)
        ]
        before = {id(right) for left, right in pairs if left.width >= 0.8 * right.width}
        after = {id(left) for left, right in pairs if right.width >= 0.8 * left.width}
        detected = [replace(line, crowded=id(line) in before or id(line) in after) for line in detected]
        joined = [
            _Line(
                np.array([left.quad[0], right.quad[1], right.quad[2], left.quad[3]]),
                id(left) in before or id(right) in after,
            )
            for left, right in pairs
        ]
        return [line for line in detected + joined if 0.8 <= line.width / line.height <= MAX_REC_RATIO]

    def _read_lines(self, picture: Image.Image, lines: list[_Line]) -> list[tuple[float, PlateRead]]:
        """The best plate reading of each line that has one, with its ranking score.

        Every line is read through the first of MARGINS; a line with a plate reading there is
        read again through the others, and the readings of all its crops are combined.
        """
        first = [
            self._readings(probs)
            for probs in self._recognise([_straightened(picture, line, *MARGINS[0]) for line in lines])
        ]
        promising = [index for index, readings in enumerate(first) if self._best([readings], lines[index], 1.0)]
        again = self._recognise(
            [_straightened(picture, lines[index], *margins) for index in promising for margins in MARGINS[1:]]
        )
        views = [[readings] for readings in first]
        for number, probs in enumerate(again):
            views[promising[number // (len(MARGINS) - 1)]].append(self._readings(probs))
        found: list[tuple[float, PlateRead]] = []
        for line, each in zip(lines, views, strict=True):
            read = self._best(each, line, _geometry_prior(line, picture.height))
            if read is not None:
                found.append(read)
        return found

    def _readings(self, probs: np.ndarray) -> list[_Reading]:
        """The most probable readings of one crop's recogniser output."""
        return _readings(_segments(probs, self._alphabet), BEAM)

    def _recognise(self, crops: list[Image.Image]) -> list[np.ndarray]:
        """Per-step class probabilities (T, C) of each crop (RGB, REC_HEIGHT pixels high).

        Each crop is padded to at least REC_MIN_WIDTH, as the recogniser was trained; crops up to
        that width go in batches (same input, less overhead), wider ones alone (padding a crop
        to the width of a longer one changes what is read in it).
        """
        out: list[np.ndarray] = [np.empty(0)] * len(crops)
        narrow = [index for index, crop in enumerate(crops) if crop.width <= REC_MIN_WIDTH]
        groups = [narrow[start : start + REC_BATCH] for start in range(0, len(narrow), REC_BATCH)]
        groups += [[index] for index, crop in enumerate(crops) if crop.width > REC_MIN_WIDTH]
        for group in groups:
            width = max(REC_MIN_WIDTH, *(crops[index].width for index in group))
            tensor = np.zeros((len(group), 3, REC_HEIGHT, width), dtype=np.float32)
            for row, index in enumerate(group):
                pixels = np.asarray(crops[index], dtype=np.float32)[:, :, ::-1] / 127.5 - 1.0
                tensor[row, :, :, : crops[index].width] = pixels.transpose(2, 0, 1)
            probs = self._recogniser.run(None, {self._input: tensor})[0]
            for row, index in enumerate(group):
                out[index] = probs[row]
        return out

    def _best(self, views: list[list[_Reading]], line: _Line, prior: float) -> tuple[float, PlateRead] | None:
        """The best plate reading of one line seen through one or more crops, with its ranking
        score; None when no reading fits a plate format."""
        readings = _combined(views)
        if not readings or _timestamp(readings[0].text):
            return None
        choices = (_interpreted(reading, self.countries) for reading in readings)
        valid = sorted((choice for choice in choices if choice is not None), key=lambda choice: -choice.score)
        if not valid or valid[0].confidence < self.min_confidence:
            return None
        choice = valid[0]
        interpretation = choice.interpretation
        candidates: dict[str, float] = {}
        for other in valid:
            candidates.setdefault(other.interpretation.plate, round(other.confidence, 4))
        return choice.score * prior, PlateRead(
            plate=interpretation.plate,
            display=interpretation.display,
            country=interpretation.country,
            confidence=round(choice.confidence, 4),
            box=line.box,
            candidates=list(candidates.items()),
            text=readings[0].text,
        )


def _checked(image: np.ndarray) -> np.ndarray:
    """`image`, when it is an RGB picture; raises ValueError otherwise."""
    if not isinstance(image, np.ndarray) or image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError("expected an RGB picture: a numpy array of shape (height, width, 3) and dtype uint8")
    return image


def _shipped_model(name: str) -> Path:
    """The path of a model file inside the installed `rapidocr` wheel; raises if it is absent."""
    import rapidocr

    path = Path(rapidocr.__file__).resolve().parent / "models" / name
    if not path.is_file():
        raise RuntimeError(
            f"the rapidocr package has no {name} (looked in {path.parent}); install a rapidocr 3.x "
            "wheel that ships it: Belfort never downloads models"
        )
    return path


@dataclass(frozen=True)
class _Line:
    """A detected text line: its corners clockwise from the top left, in image pixels."""

    quad: np.ndarray
    crowded: bool = False
    """Whether as wide a text continues the line outside this quad (a word of a sign)."""

    @property
    def width(self) -> float:
        q = self.quad
        return float((np.linalg.norm(q[1] - q[0]) + np.linalg.norm(q[2] - q[3])) / 2)

    @property
    def height(self) -> float:
        q = self.quad
        return float((np.linalg.norm(q[3] - q[0]) + np.linalg.norm(q[2] - q[1])) / 2)

    @property
    def angle(self) -> float:
        """Slope of the text in degrees (0 = horizontal)."""
        dx, dy = (self.quad[1] - self.quad[0]) + (self.quad[2] - self.quad[3])
        return math.degrees(math.atan2(dy, dx))

    @property
    def box(self) -> tuple[int, int, int, int]:
        x0, y0 = np.floor(self.quad.min(axis=0)).astype(int)
        x1, y1 = np.ceil(self.quad.max(axis=0)).astype(int)
        return int(x0), int(y0), int(x1), int(y1)

    def expanded(self, side: float, vertical: float) -> np.ndarray:
        """The quad grown by `side` and `vertical` times its height along and across the text."""
        q = self.quad
        along = (q[1] - q[0]) + (q[2] - q[3])
        along /= np.linalg.norm(along) or 1.0
        across = (q[3] - q[0]) + (q[2] - q[1])
        across /= np.linalg.norm(across) or 1.0
        dx, dy = along * side * self.height, across * vertical * self.height
        return np.array([q[0] - dx - dy, q[1] + dx - dy, q[2] + dx + dy, q[3] - dx + dy])


def _same_line(left: _Line, right: _Line) -> bool:
    """Whether `right` continues `left` on one line, as the two halves of a plate split by a gap do."""
    h0, h1 = left.height, right.height
    if max(h0, h1) > 1.4 * min(h0, h1):
        return False
    height = (h0 + h1) / 2
    gap = right.quad[[0, 3], 0].mean() - left.quad[[1, 2], 0].mean()
    rise = right.quad[:, 1].mean() - left.quad[:, 1].mean()
    return bool(-0.3 * height < gap < 1.5 * height and abs(rise) < 0.35 * height)


def _geometry_prior(line: _Line, picture_height: int) -> float:
    """How plate-like a text line's size is: text taller than a tenth of the picture is a sign."""
    share = line.height / picture_height
    prior = 1.0 if share <= 0.1 else max(0.2, 1.0 - (share - 0.1) * 4)
    return prior * CROWDED if line.crowded else prior


def _straightened(picture: Image.Image, line: _Line, side: float, vertical: float) -> Image.Image:
    """The line's text, with a margin, straightened into a rectangle REC_HEIGHT pixels high."""
    quad = line.expanded(side, vertical)
    width = float(np.linalg.norm(quad[1] - quad[0]))
    height = float(np.linalg.norm(quad[3] - quad[0]))
    size = (max(1, round(width)), max(1, round(height)))
    corners = (quad[0], quad[3], quad[2], quad[1])
    data = tuple(float(value) for corner in corners for value in corner)
    return _resized(picture.transform(size, Image.Transform.QUAD, data, Image.Resampling.BICUBIC))


def _resized(crop: Image.Image) -> Image.Image:
    """`crop` scaled to REC_HEIGHT pixels high (and at most MAX_REC_RATIO times as wide)."""
    ratio = min(MAX_REC_RATIO, crop.width / max(1, crop.height))
    return crop.resize((max(REC_HEIGHT // 2, round(REC_HEIGHT * ratio)), REC_HEIGHT), Image.Resampling.BILINEAR)


def _timestamp(text: str) -> bool:
    """Whether the raw text holds a date or a time, as camera overlays print them (never a plate)."""
    return _TIMESTAMP.search(text) is not None


@dataclass(frozen=True)
class _Segment:
    """One character position of a recognised line: alternatives with their probabilities."""

    options: tuple[tuple[str, float], ...]
    """(character, probability); "" drops the position, " " is a separator."""


@dataclass(frozen=True)
class _Reading:
    """One way to read a line: its text, normalised plate and confidence."""

    text: str
    """With separators, as `plates.interpretations` wants it."""
    plate: str
    confidence: float


@dataclass(frozen=True)
class _Choice:
    """A reading's best plate interpretation and its ranking score."""

    interpretation: plates.Interpretation
    confidence: float
    score: float


class _Alphabet:
    """Maps the recogniser's output classes onto plate characters."""

    def __init__(self, characters: list[str]) -> None:
        vocabulary = ["", *characters, " "]
        pairs = sorted(
            (plates.ALPHABET.index(plates.normalise(char)), index)
            for index, char in enumerate(vocabulary)
            if len(plates.normalise(char)) == 1
        )
        self.columns = np.array([index for _, index in pairs])
        targets = [target for target, _ in pairs]
        self.starts = np.array([targets.index(target) for target in range(len(plates.ALPHABET))])
        marks = [(index, char) for index, char in enumerate(vocabulary) if char and char in SEPARATORS]
        self.punctuation = np.array([index for index, _ in marks])
        self.marks = [char for _, char in marks]

    def separator(self, probs: np.ndarray) -> str:
        """The punctuation mark most probable over these steps, or a space for anything else."""
        scores = probs[:, self.punctuation].max(axis=0)
        best = int(np.argmax(scores))
        return self.marks[best] if scores[best] >= 0.3 else " "

    def per_character(self, probs: np.ndarray) -> np.ndarray:
        """(T, 36) probabilities of each plate character at each step."""
        return np.add.reduceat(probs[:, self.columns], self.starts, axis=1)


def _segments(probs: np.ndarray, alphabet: _Alphabet) -> list[_Segment]:
    """The CTC best path of one line, collapsed into character positions with their alternatives."""
    chars = alphabet.per_character(probs)
    blank = probs[:, 0]
    other = np.clip(1.0 - blank - chars.sum(axis=1), 0.0, 1.0)
    classes = np.argmax(np.column_stack([blank, other, chars]), axis=1)
    segments: list[_Segment] = []
    start = 0
    for end in range(1, len(classes) + 1):
        if end < len(classes) and classes[end] == classes[start]:
            continue
        kind = int(classes[start])
        if kind != 0:
            best = chars[start:end].max(axis=0)
            order = np.argsort(best)[::-1][:MAX_OPTIONS]
            options = [(plates.ALPHABET[i], float(best[i])) for i in order if best[i] >= OPTION_MIN]
            if kind == 1:
                options = [(alphabet.separator(probs[start:end]), float(other[start:end].max())), *options[:1]]
            else:
                drop = 1.0 - float(chars[start:end].sum(axis=1).max())
                if drop >= OPTION_MIN:
                    options.append(("", drop))
            segments.append(_Segment(tuple(options)))
        start = end
    return segments


def _readings(segments: list[_Segment], limit: int) -> list[_Reading]:
    """The `limit` most probable texts of a line, best first (beam search over the alternatives)."""
    beam: list[tuple[float, str]] = [(0.0, "")]
    for segment in segments:
        grown = [
            (logp + math.log(max(prob, 1e-6)), text + char) for logp, text in beam for char, prob in segment.options
        ]
        beam = heapq.nlargest(limit, grown)
    size = max(1, sum(1 for segment in segments if segment.options[0][0] != " "))
    found: dict[str, _Reading] = {}
    for logp, text in beam:
        plate = plates.normalise(text)
        if plate and plate not in found:
            found[plate] = _Reading(text, plate, math.exp(logp / size))
    return list(found.values())


def _combined(views: list[list[_Reading]]) -> list[_Reading]:
    """Readings of one line through several crops, by mean confidence (0 where a crop lacks one)."""
    if len(views) == 1:
        return views[0]
    total: dict[str, float] = {}
    texts: dict[str, str] = {}
    for readings in views:
        for reading in readings:
            total[reading.plate] = total.get(reading.plate, 0.0) + reading.confidence / len(views)
            texts.setdefault(reading.plate, reading.text)
    ranked = sorted(total, key=lambda plate: -total[plate])
    return [_Reading(texts[plate], plate, total[plate]) for plate in ranked]


def _without_last(text: str, count: int) -> str:
    """`text` without its last `count` letters and digits (and what follows them)."""
    kept = 0
    for index in range(len(text) - 1, -1, -1):
        if plates.normalise(text[index]):
            kept += 1
            if kept == count:
                return text[:index]
    return ""


def _variants(text: str, countries: Sequence[str]) -> list[tuple[str, Sequence[str], str]]:
    """(text, countries, band country) to interpret: as read; without a leading EU band code
    (its country must then agree); for France without the département on the right (or the
    part of it inside the crop); and each also without separators (OCR misses and invents
    gaps; a gap where the country writes one only adds to a score)."""
    found: list[tuple[str, Sequence[str], str]] = [(text, countries, "")]
    upper = text.upper().lstrip(SEPARATORS)
    for country, code in BAND_CODES.items():
        if country in countries and upper.startswith(code) and len(plates.normalise(upper)) > len(code) + 3:
            found.append((upper[len(code) :], countries, country))
    if "FR" in countries:
        for candidate, _, band in list(found):
            plate = plates.normalise(candidate)
            for count in (1, 2, 3):
                tail = plate[-count:]
                if len(plate) > count + 5 and (tail.isdigit() or tail in ("2A", "2B")) and band in ("", "FR"):
                    found.append((_without_last(candidate, count), ("FR",), band))
    bare = [(plates.normalise(each), wanted, band) for each, wanted, band in found]
    return found + [variant for variant in bare if variant not in found]


def _shape_prior(plate: str) -> float:
    """How plate-like a text is whatever its country: few characters, or digits only, are rarer."""
    prior = {1: 0.2, 2: 0.3, 3: 0.5, 4: 0.75}.get(len(plate), 1.0)
    return prior * 0.8 if plate.isdigit() else prior


def _written(interpretation: plates.Interpretation) -> plates.Interpretation:
    """US plates print the letter O and the digit 0 alike in most states: both are recorded as 0."""
    if interpretation.country != "US" or "O" not in interpretation.plate:
        return interpretation
    plate = interpretation.plate.replace("O", "0")
    return replace(interpretation, plate=plate, display=interpretation.display.replace("O", "0"))


def _interpreted(reading: _Reading, countries: Sequence[str]) -> _Choice | None:
    """The best plate format `reading` fits, with its ranking score; None when it fits none."""
    best: _Choice | None = None
    trimmed = reading.text.strip(" ")
    cut = trimmed.startswith("-") or trimmed.endswith("-")  # a character beyond the dash was lost
    for text, wanted, band in _variants(reading.text, countries):
        found = plates.interpretations(text, wanted)
        if not found:
            continue
        interpretation = _written(found[0])
        agrees = band == interpretation.country
        if band and not agrees:
            continue
        prior = _shape_prior(interpretation.plate) * (1.15 if agrees else 1.0) * (0.7 if cut else 1.0)
        score = reading.confidence * interpretation.score * prior
        if best is None or score > best.score:
            best = _Choice(interpretation, reading.confidence, score)
    return best


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection over the smaller box."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return width * height / max(1, smaller)


def _distinct(found: list[tuple[float, PlateRead]]) -> list[PlateRead]:
    """Reads best first, without a worse read of the same plate or of an overlapping box."""
    kept: list[PlateRead] = []
    for _, read in sorted(found, key=lambda pair: -pair[0]):
        if all(read.plate != other.plate and _overlap(read.box, other.box) < 0.5 for other in kept):
            kept.append(read)
    return kept
