"""Live view: each camera's frames as fragmented MP4, fanned out to WebSocket viewers.

A `LiveFeed` is one more consumer of a camera's shared ingest: it never opens a
connection of its own and never decodes. Every frame becomes one `moof`+`mdat`
fragment, built once and written to every viewer as the same bytes. The feed keeps the
frames since the latest keyframe, so a late joiner starts there at once; a viewer whose
unsent backlog grows past about a second stops receiving and resumes at the next
keyframe, so nobody watches a growing delay.

Fragments carry a media time taken from the frames' wall clock (monotonic across
reconnects), and a header with the time their first packet reached the server, so a
page can show how far behind reality each tile is. Frames arrive in ingest threads;
viewers live in the web server's event loop: the feed hands each frame over with one
`call_soon_threadsafe`, and writes go straight to the viewers' transports when the
server exposes them (see `belfort.web.live_transport`).
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import struct
import termios
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction

import av

from belfort.media import nal
from belfort.media.fmp4 import Sample, TrackInfo, init_segment, media_fragment
from belfort.media.frames import TICKS_PER_SECOND, Frame

log = logging.getLogger(__name__)

HEADER = struct.Struct(">BBHIdd")
"""Before every binary message: kind, flags, reserved, sequence, server arrival time
(ms since the Unix epoch) and media time (s) of the fragment."""
KIND_INIT = 1
KIND_MEDIA = 2
FLAG_KEYFRAME = 1

MIN_BACKLOG_BYTES = 256 * 1024
BACKLOG_SECONDS = 1.0
"""A viewer with more unsent bytes than this much of the stream skips to the next keyframe."""
COALESCE_VIEWERS = 8
COALESCE_FRAMES = 2
"""From 8 viewers of one camera on, frames go out two at a time: one write per viewer for
every two frames. Each write costs the kernel about 13 us whatever its size, so this
halves the cost of a large audience, for one frame interval of extra delay."""
SNAPSHOT_CACHE_SECONDS = 2.0
DEFAULT_FRAME_TICKS = TICKS_PER_SECOND // 25


_INT = b"\x00" * 4


def websocket_frame(opcode: int, payload: bytes) -> bytes:
    """An unmasked, unfragmented server-to-client WebSocket frame (RFC 6455, 5.2)."""
    size = len(payload)
    if size < 126:
        head = struct.pack(">BB", 0x80 | opcode, size)
    elif size < 1 << 16:
        head = struct.pack(">BBH", 0x80 | opcode, 126, size)
    else:
        head = struct.pack(">BBQ", 0x80 | opcode, 127, size)
    return head + payload


def text_message(**fields: object) -> str:
    return json.dumps(fields, separators=(",", ":"), default=str)


@dataclass(eq=False, slots=True)
class LiveEntry:
    """One frame on its way to viewers; the message is built at most once, when first needed."""

    seq: int
    frame: Frame
    media_ticks: int
    duration: int
    arrival_ms: float
    _framed: bytes | None = None

    @property
    def keyframe(self) -> bool:
        return self.frame.keyframe

    @property
    def track(self) -> TrackInfo:
        return self.frame.track

    @property
    def framed(self) -> bytes:
        """The whole WebSocket frame: header, live header, fragment."""
        if self._framed is None:
            frame = self.frame
            fragment = media_fragment(
                self.seq,
                self.media_ticks,
                [Sample(frame.data, self.duration, frame.keyframe, frame.pts - frame.dts)],
            )
            head = HEADER.pack(
                KIND_MEDIA,
                FLAG_KEYFRAME if frame.keyframe else 0,
                0,
                self.seq & 0xFFFFFFFF,
                self.arrival_ms,
                self.media_ticks / TICKS_PER_SECOND,
            )
            self._framed = websocket_frame(0x2, head + fragment)
        return self._framed


def init_message(track: TrackInfo) -> bytes:
    return websocket_frame(0x2, HEADER.pack(KIND_INIT, 0, 0, 0, time.time() * 1000, 0.0) + init_segment(track))


def unframe(message: bytes) -> bytes:
    """The payload of one frame made by `websocket_frame`."""
    return next(split_frames(message))[1]


def split_frames(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(opcode, payload) of each frame in `data`, frames made by `websocket_frame` back to back."""
    offset = 0
    while offset < len(data):
        opcode, size = data[offset] & 0x0F, data[offset + 1] & 0x7F
        offset += 2
        if size == 126:
            size = struct.unpack_from(">H", data, offset)[0]
            offset += 2
        elif size == 127:
            size = struct.unpack_from(">Q", data, offset)[0]
            offset += 8
        yield opcode, data[offset : offset + size]
        offset += size


class ViewerSink:
    """Where a viewer's bytes go: non-blocking writes of whole WebSocket frames."""

    def backlog(self) -> int:
        """Bytes accepted but not yet sent to the viewer."""
        raise NotImplementedError

    def write(self, framed: bytes) -> None:
        raise NotImplementedError

    def closed(self) -> bool:
        raise NotImplementedError


class TransportSink(ViewerSink):
    """Writes frames straight to the connection's transport: one syscall per frame and viewer.

    The backlog counts the transport's buffer and the socket's send queue (bytes the
    viewer has not acknowledged): over a slow link the kernel's buffer alone can hold
    seconds of video, and a viewer must not fall behind unseen.
    """

    def __init__(self, transport: asyncio.WriteTransport) -> None:
        self.transport = transport
        sock = transport.get_extra_info("socket")
        self._fd = sock.fileno() if sock is not None else -1

    def backlog(self) -> int:
        queued = self.transport.get_write_buffer_size()
        if self._fd >= 0:
            try:
                queued += struct.unpack("i", fcntl.ioctl(self._fd, termios.TIOCOUTQ, _INT))[0]
            except OSError:
                self._fd = -1
        return queued

    def write(self, framed: bytes) -> None:
        self.transport.write(framed)

    def closed(self) -> bool:
        return self.transport.is_closing()


class QueueSink(ViewerSink):
    """For servers that do not expose the transport: a queue drained by `pump`."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._pending = 0
        self._closed = False

    def backlog(self) -> int:
        return self._pending

    def write(self, framed: bytes) -> None:
        self._pending += len(framed)
        self._queue.put_nowait(framed)

    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        self._closed = True
        self._queue.put_nowait(None)

    async def pump(
        self, send_bytes: Callable[[bytes], Awaitable[None]], send_text: Callable[[str], Awaitable[None]]
    ) -> None:
        while True:
            framed = await self._queue.get()
            if framed is None:
                return
            self._pending -= len(framed)
            for opcode, payload in split_frames(framed):
                if opcode == 0x1:
                    await send_text(payload.decode())
                else:
                    await send_bytes(payload)


@dataclass(frozen=True)
class Watcher:
    person: str
    organisation_id: str
    organisation: str
    purpose: str
    justification: str
    since: datetime
    grant: str = ""
    """The owner's grant the stream was opened under (another organisation's camera), or ''."""
    person_id: str = ""
    """The person's user id, to weigh the stream against their shifts."""


@dataclass(frozen=True)
class Watching:
    """One stream open now: which camera, who, why, since when, and what it was sent."""

    camera_id: str
    watcher: Watcher
    stats: dict[str, object]


@dataclass
class Viewer:
    """One person's stream of one camera; counts what it was sent and what it skipped."""

    feed: LiveFeed
    sink: ViewerSink
    track: TrackInfo | None = None
    last_seq: int = -1
    waiting_for_keyframe: bool = False
    frames_sent: int = 0
    frames_skipped: int = 0
    bytes_sent: int = 0
    skips: int = 0
    opened: float = field(default_factory=time.monotonic)
    watcher: Watcher | None = None
    """Who watches and why, for the team chief's list of streams open now."""
    ended: asyncio.Future[str | None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    """Done when the feed stops (None: the camera was stopped or reconfigured) or when the
    look may go on no longer (the reason, e.g. the owner revoked the grant)."""

    def offer(self, batch: Sequence[LiveEntry], joined: bytes | None = None) -> None:
        """Send the frames of `batch` in one write, unless the viewer is too far behind (then
        wait for a keyframe). `joined` is the batch's messages joined, when already built."""
        if self.sink.closed():
            return
        fresh = [entry for entry in batch if entry.seq > self.last_seq]
        if not fresh:
            return
        self.last_seq = fresh[-1].seq
        if self.sink.backlog() > self.feed.backlog_limit():
            if not self.waiting_for_keyframe:
                self.skips += 1
            self.waiting_for_keyframe = True
            self.frames_skipped += len(fresh)
            return
        if self.waiting_for_keyframe:
            start = next((i for i, entry in enumerate(fresh) if entry.keyframe), len(fresh))
            self.frames_skipped += start
            fresh = fresh[start:]
            if not fresh:
                return
            self.waiting_for_keyframe = False
        parts: list[bytes] = []
        for entry in fresh:
            track = entry.track
            if track is not self.track and track != self.track:
                self.track = track
                text = text_message(type="track", codec=track.codec_string(), width=track.width, height=track.height)
                parts += (websocket_frame(0x1, text.encode()), init_message(track))
            parts.append(entry.framed)
        if joined is not None and len(parts) == len(batch):
            data = joined
        else:
            data = parts[0] if len(parts) == 1 else b"".join(parts)
        self.sink.write(data)
        self.frames_sent += len(fresh)
        self.bytes_sent += len(data)

    def send_text(self, text: str) -> None:
        if not self.sink.closed():
            self.sink.write(websocket_frame(0x1, text.encode()))

    def stats(self) -> dict[str, object]:
        return {
            "seconds": round(time.monotonic() - self.opened, 1),
            "frames_sent": self.frames_sent,
            "frames_skipped": self.frames_skipped,
            "skips_to_keyframe": self.skips,
            "bytes_sent": self.bytes_sent,
        }


class LiveFeed:
    """The live side of one camera: a frame consumer of its ingest, and its viewers."""

    def __init__(self, camera_id: str) -> None:
        self.camera_id = camera_id
        self._lock = threading.Lock()
        self._gop: list[LiveEntry] = []
        self._viewers: list[Viewer] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._epoch: datetime | None = None
        self._last_ticks: int | None = None
        self._last_duration = DEFAULT_FRAME_TICKS
        self._seq = 0
        self.state = "starting"
        self.reason = ""
        self._rate_window = (time.monotonic(), 0)
        self._byte_rate = 0.0
        self._snapshot: tuple[float, bytes] | None = None
        self._closed = False
        self._pending: list[LiveEntry] = []
        """Frames held back to go out together (only with many viewers, see COALESCE_VIEWERS)."""

    # -- ingest thread -------------------------------------------------------

    def on_frame(self, camera_id: str, frame: Frame) -> None:
        if self._epoch is None:
            self._epoch = frame.wallclock
        ticks = media_ticks(frame.wallclock - self._epoch)
        if self._last_ticks is not None and ticks > self._last_ticks:
            self._last_duration = ticks - self._last_ticks
        self._last_ticks = ticks
        self._count_rate(len(frame.data))
        arrival_ms = (time.time() - (time.monotonic() - frame.arrival)) * 1000
        came_back = self.state != "online"
        with self._lock:
            self._seq += 1
            entry = LiveEntry(self._seq, frame, ticks, self._last_duration, arrival_ms)
            if frame.keyframe:
                self._gop = [entry]
            elif self._gop:
                self._gop.append(entry)
            self.state, self.reason = "online", ""
            loop = self._loop if self._viewers else None
        if loop is not None:
            entry.framed  # noqa: B018 - build the message here, not in the event loop
            if came_back:
                loop.call_soon_threadsafe(self._broadcast_state)
            loop.call_soon_threadsafe(self._fan_out, entry)

    def on_disconnect(self, camera_id: str, at: datetime, reason: str) -> None:
        with self._lock:
            self._gop = []
            self.state, self.reason = "offline", reason
            loop = self._loop if self._viewers else None
        if loop is not None:
            loop.call_soon_threadsafe(self._broadcast_state)

    def _count_rate(self, size: int) -> None:
        started, total = self._rate_window
        total += size
        elapsed = time.monotonic() - started
        if elapsed >= 2.0:
            self._byte_rate = total / elapsed
            self._rate_window = (time.monotonic(), 0)
        else:
            self._rate_window = (started, total)

    # -- event loop ----------------------------------------------------------

    def backlog_limit(self) -> int:
        return max(MIN_BACKLOG_BYTES, int(self._byte_rate * BACKLOG_SECONDS))

    def join(self, sink: ViewerSink, watcher: Watcher | None = None) -> Viewer:
        """Add a viewer (call in the event loop): it gets the state, then the current GOP."""
        viewer = Viewer(self, sink, watcher=watcher)
        with self._lock:
            if self._closed:
                raise LookupError("this camera's live feed has stopped")
            self._loop = asyncio.get_running_loop()
            self._viewers = [*self._viewers, viewer]
            gop = list(self._gop)
        viewer.send_text(text_message(type="state", state=self.state, reason=self.reason))
        if gop:
            viewer.offer(gop)
        return viewer

    def leave(self, viewer: Viewer) -> None:
        with self._lock:
            self._viewers = [v for v in self._viewers if v is not viewer]

    def _fan_out(self, entry: LiveEntry) -> None:
        viewers = self._viewers
        if len(viewers) < COALESCE_VIEWERS and not self._pending:
            batch: Sequence[LiveEntry] = (entry,)
        else:
            self._pending.append(entry)
            if len(self._pending) < COALESCE_FRAMES and len(viewers) >= COALESCE_VIEWERS:
                return
            batch, self._pending = self._pending, []
        joined = b"".join(e.framed for e in batch) if len(batch) > 1 else None
        for viewer in viewers:
            viewer.offer(batch, joined)

    def _flush_pending(self) -> None:
        if self._pending:
            batch, self._pending = self._pending, []
            for viewer in self._viewers:
                viewer.offer(batch)

    def _broadcast_state(self) -> None:
        self._flush_pending()
        message = text_message(type="state", state=self.state, reason=self.reason)
        for viewer in self._viewers:
            viewer.send_text(message)
            if self._closed and not viewer.ended.done():
                viewer.ended.set_result(None)

    def close(self) -> None:
        """The camera stopped: tell viewers (thread-safe); they close their connections."""
        with self._lock:
            self._closed = True
            self._gop = []
            self.state, self.reason = "stopped", "the camera was stopped or reconfigured"
            loop = self._loop if self._viewers else None
        if loop is not None:
            loop.call_soon_threadsafe(self._broadcast_state)

    def stop_viewers(self, grant: str, reason: str) -> int:
        """End the streams opened under `grant` with `reason` (thread-safe); how many."""
        with self._lock:
            ending = [v for v in self._viewers if v.watcher is not None and v.watcher.grant == grant]
            loop = self._loop if ending else None
        if loop is not None:

            def end() -> None:
                for viewer in ending:
                    if not viewer.ended.done():
                        viewer.ended.set_result(reason)

            loop.call_soon_threadsafe(end)
        return len(ending)

    @property
    def closed(self) -> bool:
        return self._closed

    def viewer_count(self) -> int:
        return len(self._viewers)

    def viewers(self) -> list[Viewer]:
        return list(self._viewers)

    # -- snapshots -----------------------------------------------------------

    def snapshot_jpeg(self) -> bytes | None:
        """A JPEG of the latest keyframe (one decode, cached briefly); None while none is known."""
        cached = self._snapshot
        if cached is not None and time.monotonic() - cached[0] < SNAPSHOT_CACHE_SECONDS:
            return cached[1]
        with self._lock:
            keyframe = self._gop[0].frame if self._gop else None
        if keyframe is None:
            return None
        jpeg = encode_jpeg(keyframe)
        self._snapshot = (time.monotonic(), jpeg)
        return jpeg


def media_ticks(delta: timedelta) -> int:
    microseconds = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return microseconds * TICKS_PER_SECOND // 1_000_000


def encode_jpeg(frame: Frame) -> bytes:
    """Decode one keyframe and encode it as JPEG (the only decode live view ever does)."""
    start_code = b"\x00\x00\x00\x01"
    units = [*frame.track.parameter_sets, *nal.split_avcc(frame.data)]
    annexb = b"".join(start_code + unit for unit in units)
    decoder = av.CodecContext.create("h264" if frame.track.codec == "h264" else "hevc", "r")
    pictures = [*decoder.decode(av.Packet(annexb)), *decoder.decode(None)]
    if not pictures:
        raise ValueError("the keyframe could not be decoded")
    picture = pictures[0]
    encoder = av.CodecContext.create("mjpeg", "w")
    encoder.width, encoder.height = picture.width, picture.height
    encoder.pix_fmt = "yuvj420p"
    encoder.time_base = Fraction(1, 25)
    packets = [*encoder.encode(picture.reformat(format="yuvj420p")), *encoder.encode(None)]
    return b"".join(bytes(p) for p in packets)


class LiveHub:
    """The feeds of the cameras this node ingests, by camera id."""

    def __init__(self) -> None:
        self._feeds: dict[str, LiveFeed] = {}
        self._lock = threading.Lock()

    def feed_for(self, camera_id: str) -> LiveFeed:
        """A new feed for a camera that starts (replacing and closing any previous one)."""
        feed = LiveFeed(camera_id)
        with self._lock:
            old, self._feeds[camera_id] = self._feeds.get(camera_id), feed
        if old is not None:
            old.close()
        return feed

    def drop(self, camera_id: str, feed: LiveFeed) -> None:
        with self._lock:
            if self._feeds.get(camera_id) is feed:
                del self._feeds[camera_id]
        feed.close()

    def get(self, camera_id: str) -> LiveFeed | None:
        return self._feeds.get(camera_id)

    def stop_watching(self, grant: str, reason: str) -> int:
        """End every stream opened under the owner's grant `grant`, saying why; how many."""
        with self._lock:
            feeds = list(self._feeds.values())
        return sum(feed.stop_viewers(grant, reason) for feed in feeds)

    def watching(self) -> list[Watching]:
        """Every stream open now, oldest first."""
        with self._lock:
            feeds = list(self._feeds.items())
        streams = [
            Watching(camera_id, viewer.watcher, viewer.stats())
            for camera_id, feed in feeds
            for viewer in feed.viewers()
            if viewer.watcher is not None
        ]
        return sorted(streams, key=lambda stream: stream.watcher.since)
