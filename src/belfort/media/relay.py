"""Live view of a camera that another node records: one upstream connection per camera and
web node, relayed to every viewer of that node.

The first viewer of such a camera on a web node starts a relay: a thread that asks the
camera's holder (from its hold and the nodes' addresses) for the camera's live stream over
a WebSocket, under a short link signed with the site's key, and turns each fragment back
into the frame it was made of for a local `LiveFeed`. Viewers of the web node are viewers of
that feed, exactly as of a camera recorded here: one upstream connection serves them all.

When the connection drops (the holder died, or the camera moved to another node) the feed
says `offline` and the relay asks again every second; once the camera records elsewhere,
frames flow again into the same feed, so the viewers' players carry on by themselves. A
relay with no viewer for half a minute ends.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from websockets.sync.client import connect

from belfort.media.fmp4 import TrackInfo, single_sample, track_of_init
from belfort.media.frames import Frame
from belfort.media.live import HEADER, KIND_INIT, KIND_MEDIA, LiveFeed

log = logging.getLogger(__name__)

IDLE_SECONDS = 30.0
RETRY_SECONDS = 1.0

Locate = Callable[[str], str | None]
"""The WebSocket address (with its signed link) of a camera's live stream on the node that
records it now, or None when no other node does."""


class Relay:
    def __init__(self, camera_id: str, feed: LiveFeed, locate: Locate, ended: Callable[[Relay], None]) -> None:
        self.camera_id = camera_id
        self.feed = feed
        self._locate = locate
        self._ended = ended
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"relay-{camera_id[:8]}", daemon=True)
        self._track: TrackInfo | None = None
        self._base: datetime | None = None
        self._last: datetime | None = None
        self.connections = 0
        """Upstream connections opened so far (one per holder, and one more per reconnection)."""

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(5)

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._stop.is_set()

    def _idle(self, since: list[float]) -> bool:
        if self.feed.viewer_count() or not since:
            since[:] = [time.monotonic()]
            return False
        return time.monotonic() - since[0] > IDLE_SECONDS

    def _run(self) -> None:
        since = [time.monotonic()]
        try:
            while not self._stop.is_set() and not self.feed.closed and not self._idle(since):
                address = self._locate(self.camera_id)
                if address is None:
                    self._lost("no node records this camera now")
                else:
                    self._follow(address, since)
                self._stop.wait(RETRY_SECONDS)
        finally:
            self._ended(self)

    def _follow(self, address: str, since: list[float]) -> None:
        try:
            with connect(address, open_timeout=5, close_timeout=1, max_size=None, compression=None) as upstream:
                self.connections += 1
                self._track, self._base = None, None
                while not self._stop.is_set() and not self.feed.closed and not self._idle(since):
                    try:
                        message = upstream.recv(timeout=1.0)
                    except TimeoutError:
                        continue
                    if isinstance(message, bytes):
                        self._relay(message)
        except Exception as exc:  # the holder went away, or refused: ask again in a second
            log.info("live relay of camera %s: %s", self.camera_id, exc)
        self._lost("the node recording this camera does not answer")

    def _relay(self, message: bytes) -> None:
        kind, _flags, _reserved, _seq, arrival_ms, media_time = HEADER.unpack_from(message)
        body = message[HEADER.size :]
        if kind == KIND_INIT:
            self._track = track_of_init(body)
            return
        if kind != KIND_MEDIA or self._track is None:
            return
        dts, duration, keyframe, offset, data = single_sample(body)
        if self._base is None:  # a new upstream: carry on from the last frame, on its own timeline
            start = (
                self._last + timedelta(seconds=duration / 90_000)
                if self._last
                else datetime.fromtimestamp(arrival_ms / 1000, UTC)
            )
            self._base = start - timedelta(seconds=media_time)
        wallclock = self._base + timedelta(seconds=media_time)
        arrival = time.monotonic() - max(0.0, time.time() - arrival_ms / 1000)
        self._last = wallclock
        self.feed.on_frame(self.camera_id, Frame(data, dts, dts + offset, keyframe, wallclock, arrival, self._track))

    def _lost(self, reason: str) -> None:
        if self.feed.state != "offline":
            self.feed.on_disconnect(self.camera_id, datetime.now(UTC), reason)
