"""Ingest: one upstream connection per camera, shared by every consumer.

Packets from the camera's source are merged into frames (packets with the same timestamp),
parameter sets stripped into a `TrackInfo`, timestamps anchored to the wall clock at connect
and kept monotonic, and each frame handed to the consumers (recorder, live view, analytics).
A thread per camera opens the connection; Belfort's RTSP client is then read by one of the
node's read loops (`belfort.media.readloop`: a few threads for all cameras), other sources by
the camera's thread itself. When the camera fails the thread reconnects with exponential
back-off and tells the consumers, so a gap is recorded. Nothing here decodes video.
"""

from __future__ import annotations

import logging
import struct
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from belfort.media import nal
from belfort.media.fmp4 import TrackInfo, parameter_sets_from_record
from belfort.media.frames import (
    TICKS_PER_SECOND,
    Frame,
    FrameConsumer,
    PacketSource,
    RawPacket,
    SourceError,
    StreamInfo,
)
from belfort.media.readloop import ReadLoops
from belfort.timeutil import Clock, utcnow

log = logging.getLogger(__name__)

DRIFT_LIMIT = timedelta(seconds=5)
"""Re-anchor the wall clock when the camera's timestamps drift further than this from ours."""


def parameter_sets_from_extradata(codec: str, extradata: bytes) -> list[bytes]:
    """SPS/PPS (and VPS) from a decoder configuration: Annex B, avcC or hvcC; [] if unreadable."""
    if not extradata:
        return []
    if extradata.startswith((b"\x00\x00\x01", b"\x00\x00\x00\x01")):
        return [n for n in nal.split_annexb(extradata) if nal.is_parameter_set(codec, n)]
    try:
        return [s for s in parameter_sets_from_record(codec, extradata) if s]
    except (ValueError, IndexError, struct.error):
        return []


class FrameAssembler:
    """Turns demuxed packets into whole frames with wall-clock times (pure, no threads)."""

    def __init__(self, info: StreamInfo, clock: Clock, not_before: datetime | None = None) -> None:
        self.info = info
        self._clock = clock
        self._annexb = info.packet_format == "annexb"
        num, den = info.time_base
        self._scale = (num * TICKS_PER_SECOND, den)
        self._params: dict[int, bytes] = {}
        for ps in parameter_sets_from_extradata(info.codec, info.extradata):
            self._params[nal.nal_type(info.codec, ps)] = ps
        self._track: TrackInfo | None = None
        self._pending: list[RawPacket] = []
        self._anchor: tuple[datetime, int] | None = None
        self._last_wall = not_before
        self._last_dts: int | None = None
        self._started = False

    def _ticks(self, value: int) -> int:
        num, den = self._scale
        return value * num // den if (num, den) != (TICKS_PER_SECOND, TICKS_PER_SECOND) else value

    def push(self, packet: RawPacket) -> Iterator[Frame]:
        """Feed one packet; yields a frame once it is known to be whole: at once for a packet
        that holds a complete access unit, else when a packet of the next frame arrives."""
        if packet.pts is None and packet.dts is None:
            return
        if self._pending and packet.pts != self._pending[0].pts:
            frame = self._assemble(self._pending)
            self._pending = []
            if frame is not None:
                yield frame
        if packet.complete and not self._pending:
            frame = self._assemble((packet,))
            if frame is not None:
                yield frame
            return
        self._pending.append(packet)

    def flush(self) -> Iterator[Frame]:
        if self._pending:
            frame = self._assemble(self._pending)
            self._pending = []
            if frame is not None:
                yield frame

    def _split(self, data: bytes) -> list[bytes]:
        return nal.split_annexb(data) if self._annexb else nal.split_avcc(data)

    def _assemble(self, packets: Sequence[RawPacket]) -> Frame | None:
        codec = self.info.codec
        units: list[bytes] = []
        params_changed = False
        for packet in packets:
            for unit in self._split(packet.data):
                if not unit:
                    continue
                if nal.is_parameter_set(codec, unit):
                    kind = nal.nal_type(codec, unit)
                    if self._params.get(kind) != unit:
                        self._params[kind] = unit
                        params_changed = True
                elif not nal.is_access_unit_delimiter(codec, unit):
                    units.append(unit)
        if not units:
            return None
        keyframe = any(nal.is_keyframe_nal(codec, u) for u in units) or packets[0].keyframe
        if self._track is None or params_changed:
            try:
                self._track = TrackInfo.from_nals(
                    codec, list(self._params.values()), self.info.width or None, self.info.height or None
                )
            except ValueError:
                return None
        if not self._started:
            if not keyframe:
                return None
            self._started = True
        first = packets[0]
        raw_dts = first.dts if first.dts is not None else first.pts
        assert raw_dts is not None
        dts = self._ticks(raw_dts)
        pts = self._ticks(first.pts) if first.pts is not None else dts
        if self._last_dts is not None and dts <= self._last_dts:
            dts = self._last_dts + 1
        self._last_dts = dts
        return Frame(
            data=nal.to_avcc(units),
            dts=dts,
            pts=max(pts, dts),
            keyframe=keyframe,
            wallclock=self._wallclock(dts),
            arrival=first.arrival,
            track=self._track,
        )

    def _wallclock(self, dts: int) -> datetime:
        now = self._clock()
        if self._anchor is None:
            self._anchor = (now, dts)
        wall = self._anchor[0] + timedelta(microseconds=(dts - self._anchor[1]) * 1_000_000 // TICKS_PER_SECOND)
        if abs(wall - now) > DRIFT_LIMIT:
            self._anchor = (now, dts)
            wall = now
        if self._last_wall is not None and wall <= self._last_wall:
            wall = self._last_wall + timedelta(microseconds=1)
        self._last_wall = wall
        return wall

    @property
    def last_wallclock(self) -> datetime | None:
        return self._last_wall


@dataclass
class CameraStatus:
    """What the admin page and the API show about one camera's stream."""

    state: str = "starting"
    """`starting`, `connecting`, `online` or `offline`."""
    since: datetime | None = None
    last_error: str = ""
    codec: str = ""
    width: int = 0
    height: int = 0
    frames_total: int = 0
    bytes_total: int = 0
    reconnects: int = 0
    fps: float = 0.0
    bitrate_kbps: float = 0.0
    _window: tuple[float, int, int] = field(default=(0.0, 0, 0), repr=False)

    def count(self, size: int) -> None:
        self.frames_total += 1
        self.bytes_total += size
        now = time.monotonic()
        started, frames, size_then = self._window
        elapsed = now - started
        if elapsed >= 5.0:
            if started:
                self.fps = round((self.frames_total - frames) / elapsed, 2)
                self.bitrate_kbps = round((self.bytes_total - size_then) * 8 / elapsed / 1000, 1)
            self._window = (now, self.frames_total, self.bytes_total)

    def as_dict(self) -> dict[str, object]:
        return {
            "state": self.state,
            "since": self.since,
            "last_error": self.last_error,
            "codec": self.codec,
            "width": self.width,
            "height": self.height,
            "fps": self.fps if self.state == "online" else 0.0,
            "bitrate_kbps": self.bitrate_kbps if self.state == "online" else 0.0,
            "frames_total": self.frames_total,
            "reconnects": self.reconnects,
        }


class CameraIngest:
    """Owns the one upstream connection of a camera and fans its frames out."""

    def __init__(
        self,
        camera_id: str,
        make_source: Callable[[], PacketSource],
        consumers: Sequence[FrameConsumer],
        clock: Clock = utcnow,
        backoff: tuple[float, float] = (1.0, 30.0),
        not_before: datetime | None = None,
        loops: ReadLoops | None = None,
    ) -> None:
        self.camera_id = camera_id
        self._loops = loops
        self._make_source = make_source
        self._consumers = list(consumers)
        self._clock = clock
        self._backoff = backoff
        self._not_before = not_before
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.status = CameraStatus()
        self._told = ""
        """The failure last written to the log (a camera retrying for the same reason is not logged again)."""
        self._source: PacketSource | None = None
        self._lost_before = 0
        self._thread = threading.Thread(target=self._run, name=f"ingest-{camera_id[:8]}", daemon=True)

    def add_consumer(self, consumer: FrameConsumer) -> None:
        with self._lock:
            self._consumers = [*self._consumers, consumer]

    def remove_consumer(self, consumer: FrameConsumer) -> None:
        with self._lock:
            self._consumers = [c for c in self._consumers if c is not consumer]

    def start(self) -> None:
        self._thread.start()

    def request_stop(self) -> None:
        """Ask the thread to stop after the packet it is waiting for (or its read timeout).

        The connection is closed by the ingest thread itself: closing an FFmpeg context
        while another thread reads from it crashes the process.
        """
        self._stop.set()

    def stop(self, timeout: float = 15.0) -> None:
        self.request_stop()
        self.join(timeout)

    def join(self, timeout: float = 15.0) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("ingest of camera %s did not stop within %.0f s", self.camera_id, timeout)

    def frames_lost(self) -> int:
        """Frames the camera sent that could not be recorded (a packet of theirs was lost), since
        the ingest started; only sources that see packets (Belfort's RTSP client) count them."""
        return self._lost_before + _frames_dropped(self._source)

    def _set_state(self, state: str, error: str = "") -> None:
        """Change the state shown; the node's log says when a camera comes online or goes
        offline (once per change, not at every retry)."""
        if self.status.state != state:
            self.status.since = self._clock()
        if state == "online" and self.status.state != state:
            log.info("camera %s online", self.camera_id)
            self._told = ""
        elif state == "offline" and error != self._told:
            log.warning("camera %s offline: %s", self.camera_id, error)
            self._told = error
        self.status.state = state
        if error:
            self.status.last_error = error

    def _run(self) -> None:
        delay = self._backoff[0]
        while not self._stop.is_set():
            self._set_state("connecting")
            source = self._source = self._make_source()
            try:
                info = source.open()
            except SourceError as exc:
                self._set_state("offline", str(exc))
                self._stop.wait(delay)
                delay = min(delay * 2, self._backoff[1])
                self.status.reconnects += 1
                continue
            reason = self._pump(source, info)
            source.close()
            self._lost_before += _frames_dropped(source)
            self._source = None
            if self._stop.is_set():
                break  # a clean stop is not a camera failure; consumers are closed by the owner
            self._disconnected(reason)
            self._set_state("offline", reason)
            delay = self._backoff[0] if self.status.frames_total else min(delay * 2, self._backoff[1])
            self._stop.wait(delay)
            self.status.reconnects += 1

    def _disconnected(self, reason: str) -> None:
        at = self._not_before or self._clock()
        for consumer in self._consumers:
            try:
                consumer.on_disconnect(self.camera_id, at, reason)
            except Exception:
                log.exception("consumer failed on disconnect of camera %s", self.camera_id)

    def _pump(self, source: PacketSource, info: StreamInfo) -> str:
        assembler = FrameAssembler(info, self._clock, self._not_before)
        self.status.codec, self.status.width, self.status.height = info.codec, info.width, info.height
        try:
            if self._loops is not None and hasattr(source, "unblock"):
                return self._pump_on_loop(source, assembler)
            while not self._stop.is_set():
                packet = source.read()
                if packet is None:
                    return "the camera ended the stream"
                self._push(assembler, packet)
            return "recorder stopped"
        except SourceError as exc:
            return str(exc)
        finally:
            for frame in assembler.flush():
                self._deliver(frame)
            self._not_before = assembler.last_wallclock or self._not_before

    def _pump_on_loop(self, source: Any, assembler: FrameAssembler) -> str:
        """Hand the opened connection to a read loop, which delivers its frames on its own
        thread; wait (asleep) until the connection leaves the loop, and say why."""
        assert self._loops is not None
        units = source.units

        def deliver() -> None:
            while units:
                self._push(assembler, units.popleft())

        deliver()  # what came with the answer to PLAY
        return self._loops.add(source, deliver, self._stop.is_set).wait()

    def _push(self, assembler: FrameAssembler, packet: RawPacket) -> None:
        for frame in assembler.push(packet):
            if self.status.state != "online":
                self._set_state("online")
                self.status.width, self.status.height = frame.track.width, frame.track.height
            self._deliver(frame)

    def _deliver(self, frame: Frame) -> None:
        self.status.count(len(frame.data))
        for consumer in self._consumers:
            try:
                consumer.on_frame(self.camera_id, frame)
            except Exception:
                log.exception("consumer failed on a frame of camera %s", self.camera_id)


def _frames_dropped(source: PacketSource | None) -> int:
    depacketizer = getattr(source, "depacketizer", None)
    return int(getattr(depacketizer, "dropped_units", 0))
