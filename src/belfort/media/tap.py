"""Frame tap: decoded pictures of a camera, a few per second, for analytics (plate reading).

The only place recorded video is decoded for analysis. The ingest thread hands frames
over without waiting (a full queue drops frames up to the next keyframe, so the decoder
never sees a broken GOP); a decoder thread decodes them, only keyframes when they alone
give the asked rate; an analysis thread takes the newest picture when it is ready for
one, so a slow analyser skips pictures and never builds a backlog. Pictures are RGB.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import av
import numpy as np

from belfort.media import nal
from belfort.media.frames import Frame

log = logging.getLogger(__name__)

QUEUE_FRAMES = 240
START_CODE = b"\x00\x00\x00\x01"


@dataclass(frozen=True)
class Picture:
    camera_id: str
    wallclock: datetime
    rgb: np.ndarray


class FrameTap:
    """A consumer of one camera's frames that calls `analyse` with decoded pictures, at most `fps` a second."""

    def __init__(self, camera_id: str, fps: float, analyse: Callable[[Picture], None]) -> None:
        self.camera_id = camera_id
        self.interval = 1.0 / fps
        self.analyse = analyse
        self._frames: queue.Queue[Frame | None] = queue.Queue(QUEUE_FRAMES)
        self._skipping = False
        self._latest: Picture | None = None
        self._ready = threading.Condition()
        self._closed = False
        self._decoder = threading.Thread(target=self._decode_loop, name=f"tap-decode-{camera_id[:8]}", daemon=True)
        self._analyser = threading.Thread(target=self._analyse_loop, name=f"tap-analyse-{camera_id[:8]}", daemon=True)
        self._decoder.start()
        self._analyser.start()
        self.decoded = 0
        self.analysed = 0
        self.dropped = 0

    # -- FrameConsumer (ingest thread: never blocks) -------------------------------------

    def on_frame(self, camera_id: str, frame: Frame) -> None:
        if self._skipping and not frame.keyframe:
            self.dropped += 1
            return
        try:
            self._frames.put_nowait(frame)
            self._skipping = False
        except queue.Full:
            self._skipping = True
            self.dropped += 1

    def on_disconnect(self, camera_id: str, at: datetime, reason: str) -> None:
        self._skipping = True

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(queue.Full):
            self._frames.put_nowait(None)
        with self._ready:
            self._ready.notify_all()
        self._decoder.join(timeout=5)
        self._analyser.join(timeout=30)

    # -- decoding -----------------------------------------------------------------------

    def _decode_loop(self) -> None:
        decoder: av.CodecContext | None = None
        track = None
        keyframe_gap = 0.0
        last_keyframe: datetime | None = None
        last_picture: datetime | None = None
        times: dict[int, datetime] = {}
        counter = 0
        while not self._closed:
            frame = self._frames.get()
            if frame is None:
                return
            if frame.track is not track:
                track = frame.track
                decoder = av.CodecContext.create("h264" if track.codec == "h264" else "hevc", "r")
                times.clear()
                if not frame.keyframe:
                    continue
            assert decoder is not None
            if frame.keyframe:
                if last_keyframe is not None:
                    keyframe_gap = (frame.wallclock - last_keyframe).total_seconds()
                last_keyframe = frame.wallclock
            keyframes_suffice = 0 < keyframe_gap <= self.interval
            if keyframes_suffice and not frame.keyframe:
                continue
            units = nal.split_avcc(frame.data)
            if frame.keyframe:
                units = [*track.parameter_sets, *units]
            packet = av.Packet(b"".join(START_CODE + unit for unit in units))
            counter += 1
            packet.pts = counter
            times[counter] = frame.wallclock
            try:
                pictures = decoder.decode(packet)
            except av.error.FFmpegError as exc:
                log.warning("camera %s: a frame could not be decoded (%s)", self.camera_id, exc)
                continue
            for picture in pictures:
                wallclock = times.pop(picture.pts, frame.wallclock) if picture.pts is not None else frame.wallclock
                self.decoded += 1
                if last_picture is not None and (wallclock - last_picture).total_seconds() < self.interval * 0.9:
                    continue
                last_picture = wallclock
                self._offer(Picture(self.camera_id, wallclock, picture.to_ndarray(format="rgb24")))
            if len(times) > 64:
                times.clear()

    def _offer(self, picture: Picture) -> None:
        with self._ready:
            self._latest = picture
            self._ready.notify()

    # -- analysis -----------------------------------------------------------------------

    def _analyse_loop(self) -> None:
        while True:
            with self._ready:
                while self._latest is None and not self._closed:
                    self._ready.wait()
                if self._closed:
                    return
                picture, self._latest = self._latest, None
            assert picture is not None
            try:
                self.analyse(picture)
                self.analysed += 1
            except Exception:
                log.exception("camera %s: analysing a picture failed", self.camera_id)
