"""What flows from a camera to its consumers: encoded frames, never decoded pictures.

A `Frame` is one access unit (all slices of one picture merged) in AVCC form (4-byte
length-prefixed NAL units) with parameter sets stripped out into its `TrackInfo`, a
90 kHz decode timestamp and a wall-clock time. Consumers must not mutate frames: one
frame object is shared by the recorder, live viewers and analytics.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from belfort.media.fmp4 import TrackInfo

TICKS_PER_SECOND = 90_000


@dataclass(frozen=True, slots=True)
class Frame:
    data: bytes
    """AVCC access unit without parameter sets."""
    dts: int
    """Decode time in 90 kHz ticks, monotonic within one connection."""
    pts: int
    keyframe: bool
    wallclock: datetime
    """When the frame was taken, UTC: anchored at connect, monotonic across reconnects."""
    arrival: float
    """`time.monotonic()` when its first packet arrived (for live-edge latency)."""
    track: TrackInfo
    """Codec parameters in force for this frame (the same object while they do not change)."""


@dataclass(frozen=True, slots=True)
class RawPacket:
    """A packet as the demuxer hands it over: maybe one slice of a frame."""

    data: bytes
    """Annex B (start codes)."""
    pts: int | None
    dts: int | None
    keyframe: bool
    arrival: float
    complete: bool = False
    """True when the source knows this packet is a whole access unit (RTP marker bit)."""


@dataclass(frozen=True)
class StreamInfo:
    codec: str
    """`h264` or `h265`."""
    width: int
    height: int
    extradata: bytes
    """Parameter sets as the source announced them (Annex B or avcC/hvcC), may be empty."""
    time_base: tuple[int, int]
    """Numerator and denominator of the packet timestamps' unit."""
    packet_format: str = "annexb"
    """`annexb` (start codes, as RTSP delivers) or `avcc` (length-prefixed, as MP4 stores)."""


class SourceError(Exception):
    """The camera could not be reached or stopped sending; the message is safe to show."""


class PacketSource(Protocol):
    """One upstream connection to a camera (or a simulated one)."""

    def open(self) -> StreamInfo: ...

    def read(self) -> RawPacket | None:
        """The next packet, blocking; None when the source has ended."""

    def close(self) -> None: ...


class FrameConsumer(Protocol):
    """Receives frames in the ingest thread: must be quick and must not block for long."""

    def on_frame(self, camera_id: str, frame: Frame) -> None: ...

    def on_disconnect(self, camera_id: str, at: datetime, reason: str) -> None: ...
