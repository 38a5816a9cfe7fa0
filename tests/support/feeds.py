"""Feeding the ingest from a real H.264 clip without a network, as a camera on a fast clock.

Packets are cut into slices the way FFmpeg's RTSP reader hands them over (several packets
with one timestamp per frame), and replayed at SPEED times real time with a clock that
runs SPEED times fast, so wall-clock anchoring behaves as with a live camera.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import av

from belfort.app import Services
from belfort.media import nal
from belfort.media.frames import RawPacket, SourceError, StreamInfo
from belfort.media.ingest import CameraIngest
from belfort.media.recorder import SegmentRecorder
from belfort.media.storage import Storage
from tests.support.cameras import Clip

FPS = 10
TICKS = 90_000 // FPS
SPEED = 20
"""Sources replay at 20 times real time, and the ingest's clock runs 20 times fast to match."""
START = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
_T0 = time.monotonic()


def fast_clock() -> datetime:
    return START + timedelta(seconds=(time.monotonic() - _T0) * SPEED)


def access_units(clip: Clip) -> list[tuple[bytes, bool]]:
    with av.open(str(clip.path), format="h264") as container:
        return [(bytes(p), bool(p.is_keyframe)) for p in container.demux(video=0) if p.size]


def sliced_packets(units: list[tuple[bytes, bool]], first_index: int = 0) -> list[RawPacket]:
    """Every slice in its own packet, all packets of a frame with the frame's timestamp."""
    packets = []
    for i, (unit, keyframe) in enumerate(units):
        pts = (first_index + i) * TICKS
        nals = nal.split_annexb(unit)
        head = [n for n in nals if not (1 <= nal.nal_type("h264", n) <= 5)]
        slices = [n for n in nals if 1 <= nal.nal_type("h264", n) <= 5]
        groups = [head + slices[:1]] + [[s] for s in slices[1:]]
        for group in groups:
            data = b"".join(b"\x00\x00\x00\x01" + n for n in group)
            packets.append(RawPacket(data, pts, pts, keyframe, time.monotonic()))
    return packets


class ListSource:
    """Hands over its packets at SPEED times real time, like a camera on a fast clock."""

    def __init__(self, packets: list[RawPacket], clip: Clip) -> None:
        self.packets = list(packets)
        self.clip = clip
        self.started = 0.0
        self.first_pts = packets[0].pts if packets else 0

    def open(self) -> StreamInfo:
        self.started = time.monotonic()
        return StreamInfo("h264", self.clip.width, self.clip.height, b"", (1, 90_000), "annexb")

    def read(self) -> RawPacket | None:
        if not self.packets:
            return None
        packet = self.packets.pop(0)
        assert packet.pts is not None and self.first_pts is not None
        due = self.started + (packet.pts - self.first_pts) / 90_000 / SPEED
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        return packet

    def close(self) -> None:
        pass


class OfflineSource(ListSource):
    def open(self) -> StreamInfo:
        raise SourceError("connection refused")


def sources(*items: ListSource) -> Iterator[ListSource]:
    yield from items
    while True:
        yield OfflineSource([], items[0].clip)


def record(
    services: Services,
    storage: Storage,
    camera_id: uuid.UUID,
    *feeds: ListSource,
    seconds: int = 2,
    wait_frames: int = 0,
) -> CameraIngest:
    recorder = SegmentRecorder(camera_id, storage, services.media.index, segment_seconds=seconds)
    recorder.segment_ticks = seconds * 90_000
    feed = sources(*feeds)
    ingest = CameraIngest(str(camera_id), lambda: next(feed), [recorder], fast_clock, backoff=(0.05, 0.05))
    ingest.start()
    deadline = time.monotonic() + 20
    while ingest.status.frames_total < wait_frames and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)
    ingest.stop()
    recorder.close()
    assert services.media.index.wait_idle()
    return ingest
