"""The built-in reader of an ANPR camera: plates in its pictures, one read per passing vehicle.

It taps the camera's shared ingest (`belfort.media.tap`, a few decoded pictures a second)
and reads plates with the shared `PlateReader`. A vehicle is read in several pictures:
reads of one plate (or of OCR-equivalent ones) closer together than `vehicle_seconds`
form one passage, which is stored once, with the most confident reading, its plate crop
and the whole picture, when the vehicle has gone. Stored reads go through the same
`ReadService` as the API's, so hits reach operators the same way. Pictures are never
kept beyond the passage being read.
"""

from __future__ import annotations

import io
import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from belfort.anpr.plates import equivalence_key
from belfort.anpr.reads import IncomingRead, ReadService
from belfort.db import Database
from belfort.media.frames import Frame
from belfort.media.service import AnalyserFactory, CameraStream
from belfort.media.tap import FrameTap, Picture
from belfort.policy.model import system_actor
from belfort.settings import AnprSettings

if TYPE_CHECKING:
    from belfort.anpr.reader import PlateReader

log = logging.getLogger(__name__)

CROP_MARGIN = 0.15
OVERVIEW_WIDTH = 1280
EDGE_PIXELS = 4
"""A plate this close to the picture's edge may be cut off (a car entering or leaving): not read."""


@dataclass
class _Passage:
    key: str
    plate: str
    confidence: float
    country: str
    candidates: list[tuple[str, float]]
    ts: datetime
    last_seen: datetime
    crop: np.ndarray
    overview: np.ndarray


def jpeg(picture: np.ndarray, quality: int = 85) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def crop_of(picture: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    x0, y0, x1, y1 = box
    dx, dy = int((x1 - x0) * CROP_MARGIN), int((y1 - y0) * CROP_MARGIN)
    height, width = picture.shape[:2]
    return np.ascontiguousarray(picture[max(0, y0 - dy) : min(height, y1 + dy), max(0, x0 - dx) : min(width, x1 + dx)])


def cut_off(box: tuple[int, int, int, int], picture: np.ndarray) -> bool:
    height, width = picture.shape[:2]
    x0, y0, x1, y1 = box
    return x0 < EDGE_PIXELS or y0 < EDGE_PIXELS or x1 > width - EDGE_PIXELS or y1 > height - EDGE_PIXELS


def overview_of(picture: np.ndarray) -> np.ndarray:
    height, width = picture.shape[:2]
    if width <= OVERVIEW_WIDTH:
        return picture
    size = (OVERVIEW_WIDTH, round(height * OVERVIEW_WIDTH / width))
    return np.asarray(Image.fromarray(picture).resize(size, Image.Resampling.BILINEAR))


class CameraPlateReader:
    """Analyses one ANPR camera; a frame consumer of its ingest, closed when the camera stops."""

    def __init__(
        self,
        camera_id: uuid.UUID,
        camera_name: str,
        organisation_id: uuid.UUID,
        reader: PlateReader,
        reader_lock: threading.Lock,
        db: Database,
        reads: ReadService,
        fps: float,
        vehicle_seconds: float,
    ) -> None:
        self.camera_id = camera_id
        self.camera_name = camera_name
        self.organisation_id = organisation_id
        self.reader = reader
        self.reader_lock = reader_lock
        self.db = db
        self.reads = reads
        self.window = timedelta(seconds=vehicle_seconds)
        self._passages: dict[str, _Passage] = {}
        self._lock = threading.Lock()
        self.stored = 0
        self._tap = FrameTap(str(camera_id), fps, self.analyse)

    # -- FrameConsumer ------------------------------------------------------------------

    def on_frame(self, camera_id: str, frame: Frame) -> None:
        self._tap.on_frame(camera_id, frame)

    def on_disconnect(self, camera_id: str, at: datetime, reason: str) -> None:
        self._tap.on_disconnect(camera_id, at, reason)

    def close(self) -> None:
        self._tap.close()
        self._store(list(self._passages.values()))
        self._passages.clear()

    # -- reading ------------------------------------------------------------------------

    def analyse(self, picture: Picture) -> None:
        with self.reader_lock:
            found = [reading for reading in self.reader.read(picture.rgb) if not cut_off(reading.box, picture.rgb)]
        gone = []
        with self._lock:
            for reading in found:
                key = equivalence_key(reading.plate)
                passage = self._passages.get(key)
                if passage is None or reading.confidence > passage.confidence:
                    self._passages[key] = _Passage(
                        key,
                        reading.plate,
                        reading.confidence,
                        reading.country,
                        list(reading.candidates),
                        picture.wallclock if passage is None else passage.ts,
                        picture.wallclock,
                        crop_of(picture.rgb, reading.box),
                        overview_of(picture.rgb),
                    )
                else:
                    passage.last_seen = picture.wallclock
            for key, passage in list(self._passages.items()):
                if picture.wallclock - passage.last_seen > self.window:
                    gone.append(self._passages.pop(key))
        self._store(gone)

    def _store(self, passages: list[_Passage]) -> None:
        if not passages:
            return
        incoming = [
            IncomingRead(
                plate=passage.plate,
                ts=passage.ts,
                confidence=min(1.0, max(0.0, passage.confidence)),
                candidates=tuple(passage.candidates),
                country=passage.country,
                camera=str(self.camera_id),
                crop=jpeg(passage.crop),
                overview=jpeg(passage.overview, 75),
            )
            for passage in passages
        ]
        try:
            with self.db.session() as session:
                results = self.reads.ingest(
                    session,
                    system_actor(f"plate reader {self.camera_name}"),
                    f"camera:{self.camera_id}",
                    self.organisation_id,
                    incoming,
                    audit=False,
                )
                hits = [hit for result in results for hit in result.hits]
        except Exception:
            log.exception("camera %s: the reads of %d vehicles could not be stored", self.camera_name, len(incoming))
            return
        self.stored += len(incoming)
        self.reads.announce(hits)


def reader_factory(settings: AnprSettings, db: Database, reads: ReadService) -> AnalyserFactory:
    """The analyser each ANPR camera gets: one `PlateReader` (its models load once, on the
    first ANPR camera), shared by every camera, one picture at a time."""
    shared: dict[str, Any] = {}
    lock = threading.Lock()

    def for_camera(camera: CameraStream) -> CameraPlateReader | None:
        if camera.kind != "anpr":
            return None
        with lock:
            if "reader" not in shared:
                from belfort.anpr.reader import PlateReader

                shared["reader"] = PlateReader(countries=settings.reader_countries)
        return CameraPlateReader(
            camera.id,
            camera.name,
            camera.organisation_id,
            shared["reader"],
            lock,
            db,
            reads,
            settings.reader_fps,
            settings.vehicle_seconds,
        )

    return for_camera
