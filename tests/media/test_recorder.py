"""Ingest and recorder without a network: packets of a real H.264 clip, cut into slices
the way FFmpeg's RTSP reader hands them over, go through the same ingest and recorder
as a camera's; the files are decoded back with PyAV. Runs on both databases."""

from __future__ import annotations

import itertools
import threading
import time
import uuid

import av
from sqlalchemy import select

from belfort.app import Services
from belfort.media.ingest import CameraIngest
from belfort.media.models import Gap, Segment
from belfort.media.storage import Storage
from tests.support.cameras import Clip
from tests.support.feeds import FPS, ListSource, OfflineSource, access_units, fast_clock, record, sliced_packets


def decoded_frames(storage: Storage, segment: Segment) -> int:
    with av.open(str(storage.path(segment.path))) as container:
        return sum(1 for _ in container.decode(video=0))


def test_every_frame_recorded_and_segments_cut_at_keyframes(
    services: Services, storage: Storage, camera_id: uuid.UUID, clip: Clip
) -> None:
    units = access_units(clip)
    packets = sliced_packets(units)
    assert len(packets) > 2 * len(units), "the clip must have several slices per frame"
    record(services, storage, camera_id, ListSource(packets, clip), wait_frames=len(units))
    with services.db.session() as session:
        segments = session.scalars(select(Segment).order_by(Segment.start_time)).all()
        assert sum(s.frames for s in segments) == len(units)
        assert [decoded_frames(storage, s) for s in segments] == [s.frames for s in segments]
        assert len(segments) == 4 and all(s.state == "complete" for s in segments)
        assert all(s.frames == 2 * FPS for s in segments)
        assert all(a.end_time == b.start_time for a, b in itertools.pairwise(segments))
        assert segments[0].codec.startswith("avc1.") and (segments[0].width, segments[0].height) == (320, 240)


def test_disconnect_leaves_an_explicit_gap_and_recording_resumes(
    services: Services, storage: Storage, camera_id: uuid.UUID, clip: Clip
) -> None:
    units = access_units(clip)
    first, second = units[:30], units[30:]
    feeds = [ListSource(sliced_packets(first), clip), ListSource(sliced_packets(second, 1000), clip)]
    record(services, storage, camera_id, *feeds, wait_frames=len(units))
    with services.db.session() as session:
        segments = session.scalars(select(Segment).order_by(Segment.start_time)).all()
        gaps = session.scalars(select(Gap)).all()
        assert sum(s.frames for s in segments) == len(units)
        offline = [g for g in gaps if g.reason == "camera_offline"]
        assert offline and offline[0].end_time is not None
        before = [s for s in segments if s.end_time <= offline[0].start_time]
        after = [s for s in segments if s.start_time >= offline[0].end_time]
        assert sum(s.frames for s in before) == len(first) and sum(s.frames for s in after) == len(second)
        # the camera stays away at the end: the last gap is still open
        assert gaps[-1].end_time is None or len(offline) >= 2


def test_wall_clock_stays_monotonic(services: Services, storage: Storage, camera_id: uuid.UUID, clip: Clip) -> None:
    units = access_units(clip)
    seen: list = []

    class Spy:
        def on_frame(self, camera: str, frame: object) -> None:
            seen.append(frame)

        def on_disconnect(self, camera: str, at: object, reason: str) -> None:
            pass

    feeds = iter([ListSource(sliced_packets(units[:20]), clip), ListSource(sliced_packets(units[20:40], 0), clip)])
    ingest = CameraIngest(
        str(camera_id), lambda: next(feeds, OfflineSource([], clip)), [Spy()], fast_clock, backoff=(0.01, 0.01)
    )
    ingest.start()
    deadline = time.monotonic() + 10
    while len(seen) < 40 and time.monotonic() < deadline:
        time.sleep(0.02)
    ingest.stop()
    walls = [f.wallclock for f in seen]
    assert len(walls) == 40
    assert all(a < b for a, b in itertools.pairwise(walls))
    assert all(f.keyframe == units[i][1] for i, f in enumerate(seen))


def test_consumer_failure_does_not_stop_the_others(
    services: Services, storage: Storage, camera_id: uuid.UUID, clip: Clip
) -> None:
    units = access_units(clip)[:20]
    counted = threading.Event()
    frames: list = []

    class Broken:
        def on_frame(self, camera: str, frame: object) -> None:
            raise RuntimeError("boom")

        def on_disconnect(self, camera: str, at: object, reason: str) -> None:
            raise RuntimeError("boom")

    class Counter:
        def on_frame(self, camera: str, frame: object) -> None:
            frames.append(frame)
            if len(frames) == len(units):
                counted.set()

        def on_disconnect(self, camera: str, at: object, reason: str) -> None:
            pass

    feeds = iter([ListSource(sliced_packets(units), clip)])
    ingest = CameraIngest(
        str(camera_id), lambda: next(feeds, OfflineSource([], clip)), [Broken(), Counter()], backoff=(0.01, 0.01)
    )
    ingest.start()
    assert counted.wait(10)
    ingest.stop()
