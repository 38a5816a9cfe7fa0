"""Packet sources: a real camera over RTSP, or a simulated one for the demo.

RTSP over TCP is read by Belfort's own client (`belfort.media.rtsp`); UDP and RTSP over
TLS go through FFmpeg (PyAV). All hand over encoded packets exactly as they come, without
decoding. Error messages are scrubbed of stream credentials before they leave this
module. The simulated source
replays a pre-encoded clip at real-time pace with ever-increasing timestamps, so the
rest of the pipeline cannot tell it from a camera.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from belfort.media.frames import RawPacket, SourceError, StreamInfo
from belfort.media.rtsp import RtspClientSource
from belfort.streamurl import redact_text

CODECS = {"h264": "h264", "hevc": "h265", "h265": "h265"}


def _stream_info(container: Any, stream: Any, packet_format: str) -> StreamInfo:
    name = stream.codec_context.name
    if name not in CODECS:
        raise SourceError(f"the camera sends {name}; Belfort records H.264 and H.265")
    tb = stream.time_base or Fraction(1, 90_000)
    return StreamInfo(
        codec=CODECS[name],
        width=stream.codec_context.width or 0,
        height=stream.codec_context.height or 0,
        extradata=bytes(stream.codec_context.extradata or b""),
        time_base=(tb.numerator, tb.denominator),
        packet_format=packet_format,
    )


class RtspSource:
    """One RTSP connection, TCP by default (UDP as an option), read without decoding."""

    def __init__(self, url: str, transport: str = "tcp", open_timeout: float = 10.0, read_timeout: float = 10.0):
        self.url = url
        self.transport = transport
        self.open_timeout = open_timeout
        self.read_timeout = read_timeout
        self._container: Any = None
        self._packets: Iterator[Any] | None = None

    def open(self) -> StreamInfo:
        options = {
            "rtsp_transport": self.transport,
            "timeout": str(int(self.read_timeout * 1_000_000)),
            "allowed_media_types": "video",
        }
        try:
            self._container = av.open(self.url, options=options, timeout=(self.open_timeout, self.read_timeout))
            streams = self._container.streams.video
            if not streams:
                raise SourceError("the camera offers no video stream")
            stream = streams[0]
            info = _stream_info(self._container, stream, "annexb")
            self._packets = self._container.demux(stream)
            return info
        except SourceError:
            self.close()
            raise
        except Exception as exc:
            self.close()
            raise SourceError(redact_text(f"cannot open stream: {exc}", self.url)) from None

    def read(self) -> RawPacket | None:
        if self._packets is None:
            return None
        try:
            packet = next(self._packets)
        except StopIteration:
            return None
        except Exception as exc:
            raise SourceError(redact_text(f"stream read failed: {exc}", self.url)) from None
        if packet.size == 0:
            return None
        return RawPacket(bytes(packet), packet.pts, packet.dts, bool(packet.is_keyframe), time.monotonic())

    def close(self) -> None:
        container, self._container, self._packets = self._container, None, None
        if container is not None:
            with contextlib.suppress(Exception):  # closing a broken connection may fail; nothing to do
                container.close()


class SimulatedSource:
    """Replays a clip (MP4) at real-time pace, looping, with continuous timestamps."""

    def __init__(self, clip: Path, sleep: Callable[[float], None] = time.sleep):
        self.clip = clip
        self._sleep = sleep
        self._container: Any = None
        self._stream: Any = None
        self._packets: Iterator[Any] | None = None
        self._offset = 0
        self._loop_length = 0
        self._start_wall = 0.0
        self._last_pts = 0
        self._ticks = Fraction(1, 90_000)

    def _rewind(self) -> None:
        if self._container is not None:
            self._container.close()
        self._container = av.open(str(self.clip))
        self._stream = self._container.streams.video[0]
        self._packets = self._container.demux(self._stream)

    def open(self) -> StreamInfo:
        if not self.clip.exists():
            raise SourceError(f"simulated camera clip {self.clip.name} is missing")
        try:
            self._rewind()
        except Exception as exc:
            raise SourceError(f"cannot open simulated clip {self.clip.name}: {exc}") from None
        stream = self._stream
        frames = stream.frames or 0
        rate = stream.average_rate or Fraction(20)
        tb = stream.time_base
        self._ticks = tb
        self._loop_length = int(frames / rate / tb) if frames else int(stream.duration or 0)
        self._start_wall = time.monotonic()
        self._offset = 0
        return _stream_info(self._container, stream, "avcc")

    def read(self) -> RawPacket | None:
        assert self._packets is not None, "open() first"
        packet = next(self._packets, None)
        if packet is None or packet.size == 0:
            self._offset += self._loop_length
            self._rewind()
            packet = next(self._packets)
        pts = (packet.pts or 0) + self._offset
        dts = (packet.dts if packet.dts is not None else packet.pts or 0) + self._offset
        due = self._start_wall + float(dts * self._ticks)
        delay = due - time.monotonic()
        if delay > 0:
            self._sleep(delay)
        return RawPacket(bytes(packet), pts, dts, bool(packet.is_keyframe), time.monotonic())

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
            self._container = None
            self._packets = None


def source_for(url: str, transport: str, read_timeout: float, clips: Callable[[str], Path]) -> Any:
    """The source behind a camera URL: `sim://NAME` for simulated cameras, else RTSP.

    Plain RTSP over TCP is read by Belfort's own client (a fraction of FFmpeg's CPU per stream);
    UDP and RTSP over TLS (`rtsps://`) stay with FFmpeg.
    """
    if url.startswith("sim://"):
        return SimulatedSource(clips(url[len("sim://") :]))
    if transport == "tcp" and url[:7].lower() == "rtsp://":
        return RtspClientSource(url, open_timeout=read_timeout, read_timeout=read_timeout)
    return RtspSource(url, transport, read_timeout=read_timeout, open_timeout=read_timeout)
