"""Recorded footage for tests of playback and export: a real clip recorded by the real
recorder, with a gap, on a police camera of the `population` fixture's police zone.

The footage is recorded on the feeds' fast clock (tests.support.feeds), so its wall-clock
times lie somewhat after the services' frozen clock; tests that need old footage move
that clock forward from the recording's own times.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import select

from belfort.app import Services
from belfort.cameras.service import CameraSpec
from belfort.media.models import Segment
from belfort.media.service import open_storage
from belfort.media.storage import Storage
from tests.conftest import POLICE, SYSTEM
from tests.support.cameras import Clip, cached_clip
from tests.support.feeds import FPS, ListSource, OfflineSource, access_units, record, sliced_packets


def small_clip() -> Clip:
    """8 s of 320x240 H.264 at the feeds' frame rate, GOP 1 s, three slices per frame."""
    return cached_clip(width=320, height=240, fps=FPS, seconds=8, bitrate=300_000, gop_seconds=1, slices=3)


def police_camera(services: Services, name: str = "Grote Markt") -> uuid.UUID:
    with services.db.session() as session:
        camera = services.cameras.add(
            session,
            SYSTEM,
            CameraSpec(name=name, organisation=POLICE, main_url="rtsp://cam/1", street="Grote Markt"),
        )
        return camera.id


def open_recordings(services: Services, folder: Path) -> Storage:
    """A storage folder the media service reads from, and its index writer running."""
    services.media.index.start()
    storage = open_storage(services.db, folder)
    services.media.load_storage_areas()
    return storage


def record_with_gap(
    services: Services, storage: Storage, camera_id: uuid.UUID, clip: Clip
) -> list[tuple[Segment, Path]]:
    """Two-second segments: the camera drops after 3 s, refuses three reconnections (a pause
    of a few seconds, longer than a player skips) and comes back for 5 s: at least 4
    segments, one `camera_offline` gap. Returns the segments oldest first with their files."""
    units = access_units(clip)
    away = [OfflineSource([], clip) for _ in range(3)]
    feeds = [ListSource(sliced_packets(units[:30]), clip), *away, ListSource(sliced_packets(units[30:], 1000), clip)]
    record(services, storage, camera_id, *feeds, wait_frames=len(units))
    with services.db.session() as session:
        segments = session.scalars(
            select(Segment).where(Segment.camera_id == camera_id).order_by(Segment.start_time)
        ).all()
        session.expunge_all()
    return [(segment, storage.path(segment.path)) for segment in segments]


def face_clip(folder: Path, frames: int = 30) -> Clip:
    """A camera that films a real face: scikit-image's photograph of astronaut Eileen Collins
    sliding across a 640x480 picture, H.264 at the feeds' frame rate, GOP 1 s, no B-frames."""
    import av
    import numpy as np
    import skimage.data

    photo = skimage.data.astronaut()[:480]
    path = folder / "astronaut.h264"
    with av.open(str(path), "w", format="h264") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 640, 480, "yuv420p"
        stream.options = {"g": str(FPS), "keyint_min": str(FPS), "sc_threshold": "0", "bf": "0", "crf": "20"}
        for index in range(frames):
            picture = np.full((480, 640, 3), 70, np.uint8)
            left = 2 * index
            picture[:, left : left + photo.shape[1]] = photo
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return Clip(path, "h264", 640, 480, FPS, frames, FPS, 0, 1)


def record_clip(services: Services, storage: Storage, camera_id: uuid.UUID, clip: Clip) -> list[Segment]:
    """Record `clip` once through the real ingest and recorder; the segments, oldest first."""
    units = access_units(clip)
    record(services, storage, camera_id, ListSource(sliced_packets(units), clip), wait_frames=len(units))
    with services.db.session() as session:
        segments = session.scalars(
            select(Segment).where(Segment.camera_id == camera_id).order_by(Segment.start_time)
        ).all()
        session.expunge_all()
    return list(segments)
