"""A camera's own motion as an alarm source: it opens an incident in the owner's queue.

Every camera that records gets a `CameraMotion` from `MotionAlarms.for_camera` (an analyser
factory of the media service, like the built-in plate reader). It decodes nothing while the
camera's motion detection is off; when it is on, it taps the shared ingest (a few decoded
pictures a second) and feeds `belfort.analytics.motion`. Settings are read from the registry
by one watcher thread, at once for a camera that starts and every `poll_seconds` after, so a
change made on the camera's page takes effect within seconds without interrupting recording.
Motion that starts reports once, and again every `repeat` while it lasts; the incident service
decides between a new incident and a note on the recent one. Pictures are never kept.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from belfort.alarms.incidents import MOTION_NOTE_GAP, IncidentService
from belfort.analytics.motion import MotionDetector, Zone
from belfort.cameras.models import Camera
from belfort.cameras.service import motion_zones_of
from belfort.db import Database
from belfort.media.frames import Frame
from belfort.media.service import CameraStream
from belfort.media.tap import FrameTap, Picture

log = logging.getLogger(__name__)

FPS = 3.0
"""Pictures a second compared (decoding costs what the stream's keyframe spacing asks, see `FrameTap`)."""
POLL_SECONDS = 5.0


@dataclass(frozen=True)
class MotionSettings:
    enabled: bool
    sensitivity: int = 50
    zones: tuple[Zone, ...] = ()


OFF = MotionSettings(False)


def settings_of(camera: Camera) -> MotionSettings:
    """What the registry says of the camera's motion detection (off for a removed camera)."""
    if not camera.motion_enabled or camera.removed_at is not None:
        return OFF
    return MotionSettings(True, camera.motion_sensitivity, tuple(motion_zones_of(camera)))


class CameraMotion:
    """The motion watch of one camera: a frame consumer of its ingest, closed when the camera stops."""

    def __init__(
        self,
        camera_id: uuid.UUID,
        camera_name: str,
        db: Database,
        incidents: IncidentService,
        fps: float = FPS,
        repeat: timedelta = MOTION_NOTE_GAP,
        closed: Callable[[CameraMotion], None] | None = None,
    ) -> None:
        self.camera_id = camera_id
        self.camera_name = camera_name
        self.db = db
        self.incidents = incidents
        self.fps = fps
        self.repeat = repeat
        self.settings = OFF
        self.reported = 0
        self._closed_callback = closed
        self._lock = threading.Lock()
        self._tap: FrameTap | None = None
        self._detector: MotionDetector | None = None
        self._forget = False
        self._last_report: datetime | None = None
        self._closed = False

    @property
    def watching(self) -> bool:
        """Whether pictures are being decoded and compared (motion detection on)."""
        return self._tap is not None

    def apply(self, settings: MotionSettings) -> None:
        """Follow the registry: start or stop decoding, or compare with the new sensitivity and zones."""
        stopping: FrameTap | None = None
        with self._lock:
            if self._closed or settings == self.settings:
                return
            self.settings = settings
            if settings.enabled:
                self._detector = MotionDetector(settings.sensitivity, settings.zones)
                if self._tap is None:
                    self._tap = FrameTap(str(self.camera_id), self.fps, self.analyse)
            else:
                stopping, self._tap, self._detector = self._tap, None, None
        if stopping is not None:
            stopping.close()

    # -- FrameConsumer (ingest thread) -------------------------------------------------------

    def on_frame(self, camera_id: str, frame: Frame) -> None:
        tap = self._tap
        if tap is not None:
            tap.on_frame(camera_id, frame)

    def on_disconnect(self, camera_id: str, at: datetime, reason: str) -> None:
        self._forget = True
        tap = self._tap
        if tap is not None:
            tap.on_disconnect(camera_id, at, reason)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            stopping, self._tap, self._detector = self._tap, None, None
        if stopping is not None:
            stopping.close()
        if self._closed_callback is not None:
            self._closed_callback(self)

    # -- comparing (the tap's analysis thread) -----------------------------------------------

    def analyse(self, picture: Picture) -> None:
        detector = self._detector
        if detector is None:
            return
        if self._forget:
            self._forget = False
            detector.reset()
        reading = detector.feed(picture.rgb)
        if not reading.moving:
            return
        last = self._last_report
        if reading.started or last is None or picture.wallclock - last >= self.repeat:
            self._last_report = picture.wallclock
            self._report(picture.wallclock, reading.score)

    def _report(self, at: datetime, score: float) -> None:
        try:
            with self.incidents.opening, self.db.session() as session:
                camera = session.get(Camera, self.camera_id)
                change = (
                    self.incidents.on_motion(session, camera, at, score)
                    if camera is not None and settings_of(camera).enabled
                    else None
                )
        except Exception:
            log.exception("camera %s: motion could not be reported as an incident", self.camera_name)
            return
        self.reported += 1
        if change is not None:
            self.incidents.announce([change])


class MotionAlarms:
    """The analyser factory for motion alarms, and the one thread that keeps each camera's
    watch in step with its settings (it runs while any camera records)."""

    def __init__(
        self, db: Database, incidents: IncidentService, fps: float = FPS, poll_seconds: float = POLL_SECONDS
    ) -> None:
        self.db = db
        self.incidents = incidents
        self.fps = fps
        self.poll_seconds = poll_seconds
        self._watches: dict[uuid.UUID, CameraMotion] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._watcher: threading.Thread | None = None

    def for_camera(self, camera: CameraStream) -> CameraMotion:
        """A camera starts recording: its watch, off until the registry says otherwise (read in
        the watcher thread, so the caller never waits for the database)."""
        watch = CameraMotion(camera.id, camera.name, self.db, self.incidents, self.fps, closed=self._closed)
        with self._lock:
            self._watches[camera.id] = watch
            if self._watcher is None:
                self._watcher = threading.Thread(target=self._watch_settings, name="motion-settings", daemon=True)
                self._watcher.start()
        self._wake.set()
        return watch

    def refresh(self) -> None:
        """Read the motion settings of every recording camera and apply them."""
        with self._lock:
            watches = dict(self._watches)
        if not watches:
            return
        with self.db.session() as session:
            cameras = session.scalars(select(Camera).where(Camera.id.in_(watches)))
            settings = {camera.id: settings_of(camera) for camera in cameras}
        for camera_id, watch in watches.items():
            watch.apply(settings.get(camera_id, OFF))

    def _closed(self, watch: CameraMotion) -> None:
        with self._lock:
            if self._watches.get(watch.camera_id) is watch:
                del self._watches[watch.camera_id]

    def _watch_settings(self) -> None:
        while True:
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
            with self._lock:
                if not self._watches:
                    self._watcher = None
                    return
            try:
                self.refresh()
            except Exception:
                log.exception("motion detection settings could not be read; trying again")
