"""Live streams over real sockets: the app under uvicorn, a GStreamer RTSP camera, and
plain WebSocket clients. Many viewers share one upstream connection; a viewer on a slow
link is moved ahead to the newest keyframe instead of watching a growing delay."""

from __future__ import annotations

import base64
import itertools
import os
import socket
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx2 as httpx
import pytest

from belfort.app import Services
from belfort.cameras.service import CameraSpec
from belfort.media.live import HEADER, KIND_MEDIA
from belfort.timeutil import Clock, utcnow
from tests.conftest import PASSWORD, POLICE, SYSTEM, Population
from tests.support.cameras import RtspCameraServer, cached_clip

PURPOSE = "?purpose=administrative&justification=Checking+the+live+stream"


@pytest.fixture
def clock() -> Clock:
    return utcnow


@pytest.fixture
def camera(services: Services, population: Population) -> Iterator[tuple[str, RtspCameraServer]]:
    clip = cached_clip(width=1280, height=720, fps=20, seconds=6, bitrate=2_500_000, gop_seconds=1)
    with RtspCameraServer({"cam": clip}) as server:
        with services.db.session() as session:
            added = services.cameras.add(
                session,
                SYSTEM,
                CameraSpec(
                    name="Busy street",
                    organisation=POLICE,
                    main_url=server.url("cam"),
                    council_consent_ref="GR/1",
                    enabled=True,
                ),
            )
        services.settings.recording.sweep_interval_seconds = 3600
        services.start_recording()
        yield str(added.id), server


@dataclass
class Received:
    seq: int
    keyframe: bool
    lag_ms: float


@dataclass
class RawViewer:
    """A WebSocket client on a plain socket, so the test decides how fast it reads."""

    base_url: str
    path: str
    token: str
    receive_buffer: int = 0
    sock: socket.socket = field(init=False)

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if self.receive_buffer:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.receive_buffer)
        self.sock.connect((parts.hostname, parts.port))
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {self.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer {self.token}\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        assert head.startswith(b"HTTP/1.1 101"), head

    def _exact(self, size: int) -> bytes:
        data = bytearray()
        while len(data) < size:
            chunk = self.sock.recv(min(size - len(data), 65536))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return bytes(data)

    def message(self) -> tuple[int, bytes]:
        first, second = self._exact(2)
        size = second & 0x7F
        if size == 126:
            size = struct.unpack(">H", self._exact(2))[0]
        elif size == 127:
            size = struct.unpack(">Q", self._exact(8))[0]
        return first & 0x0F, self._exact(size)

    def media(self) -> Received:
        """The next media fragment (skipping text, the init segment and pings)."""
        while True:
            opcode, payload = self.message()
            if opcode == 0x2 and payload[0] == KIND_MEDIA:
                _, flags, _, seq, arrival, _ = HEADER.unpack_from(payload)
                return Received(seq, bool(flags & 1), time.time() * 1000 - arrival)
            if opcode == 0x8:
                raise ConnectionError(f"closed by the server: {payload[2:].decode(errors='replace')}")

    def close(self) -> None:
        self.sock.close()


def token_of(base_url: str, user: str = "operator") -> str:
    response = httpx.post(f"{base_url}/api/auth/login", json={"username": user, "password": PASSWORD})
    return str(response.json()["token"])


def rtsp_clients(port: int) -> int:
    """Established TCP connections to the RTSP server's port, from /proc/net/tcp."""
    count = 0
    with open("/proc/net/tcp") as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].split(":")[1], 16)
            if remote_port == port and fields[3] == "01":
                count += 1
    return count


def test_many_viewers_share_one_upstream_connection(
    live_server: str, camera: tuple[str, RtspCameraServer], services: Services
) -> None:
    camera_id, server = camera
    token = token_of(live_server)
    viewers = [RawViewer(live_server, f"/api/live/{camera_id}/ws{PURPOSE}", token) for _ in range(8)]
    try:
        received: list[list[Received]] = [[] for _ in viewers]

        def read(index: int) -> None:
            for _ in range(40):
                received[index].append(viewers[index].media())

        threads = [threading.Thread(target=read, args=(i,)) for i in range(len(viewers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert all(len(frames) == 40 for frames in received)
        assert all(frames[0].keyframe for frames in received), "every viewer starts at a keyframe"
        assert all([f.seq for f in frames] == list(range(frames[0].seq, frames[0].seq + 40)) for frames in received), (
            "a viewer that keeps up gets every frame"
        )
        assert rtsp_clients(server.port) == 1, "one upstream connection however many watch"
        assert len(services.media.live.watching()) == 8
    finally:
        for viewer in viewers:
            viewer.close()


def test_a_slow_viewer_skips_ahead_to_the_newest_keyframe(
    live_server: str, camera: tuple[str, RtspCameraServer]
) -> None:
    camera_id, _ = camera
    slow = RawViewer(live_server, f"/api/live/{camera_id}/ws{PURPOSE}", token_of(live_server), receive_buffer=16384)
    try:
        frames: list[Received] = []
        started = time.monotonic()
        while time.monotonic() - started < 14:
            frames.append(slow.media())
            time.sleep(0.1)  # a link far slower than the camera's 2.5 Mbit/s
    finally:
        slow.close()
    gaps = [(a, b) for a, b in itertools.pairwise(frames) if b.seq != a.seq + 1]
    assert gaps, "the slow viewer must have skipped frames"
    assert all(after.keyframe for _, after in gaps), "it resumes at keyframes only"
    late = [f.lag_ms for f in frames if f.seq > frames[0].seq + 20 * 7]
    assert late and max(late) < 4000, f"the delay must stay bounded, not grow: {max(late):.0f} ms"
