"""Camera connections read by a few read loops instead of a thread each: every frame of
several cameras delivered in order, each camera's from one loop thread; a silent camera
fails on the read timeout; keep-alives go out; a stop lets go of the connection at once
(TEARDOWN sent) and a loop stopped with cameras on it ends them."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest

from belfort.media.frames import Frame
from belfort.media.ingest import CameraIngest
from belfort.media.readloop import ReadLoops
from belfort.media.rtsp import RtspClientSource
from belfort.timeutil import utcnow
from tests.media.test_rtsp import FakeCamera, fake_camera
from tests.support.cameras import H264, H265, Clip, RtspCameraServer, cached_clip, read_frame_counters

__all__ = ["fake_camera"]

CODECS = {"plain": H264, "sliced": H264, "hevc": H265}


@pytest.fixture(scope="module")
def cameras() -> Iterator[RtspCameraServer]:
    def clip(codec: str, slices: int = 1) -> Clip:
        return cached_clip(
            codec=codec, width=640, height=360, fps=20, seconds=4, bitrate=400_000, gop_seconds=1, slices=slices
        )

    with RtspCameraServer({"plain": clip(H264), "sliced": clip(H264, 4), "hevc": clip(H265)}) as server:
        yield server


class Collect:
    """Frame counters and disconnections per camera, with the thread each frame came on."""

    def __init__(self) -> None:
        self.frames: dict[str, list[int]] = defaultdict(list)
        self.threads: dict[str, set[str]] = defaultdict(set)
        self.reasons: dict[str, list[str]] = defaultdict(list)
        self.ended = threading.Event()

    def on_frame(self, camera_id: str, frame: Frame) -> None:
        self.frames[camera_id] += read_frame_counters(frame.data, CODECS.get(camera_id, H264))
        self.threads[camera_id].add(threading.current_thread().name)

    def on_disconnect(self, camera_id: str, at: datetime, reason: str) -> None:
        self.reasons[camera_id].append(reason)
        self.ended.set()


def ingest_on(loops: ReadLoops, name: str, url: str, consumer: Collect, read_timeout: float = 5) -> CameraIngest:
    ingest = CameraIngest(
        name,
        lambda: RtspClientSource(url, open_timeout=5, read_timeout=read_timeout),
        [consumer],
        utcnow,
        backoff=(30, 30),  # one connection per test: no reconnection within it
        loops=loops,
    )
    ingest.start()
    return ingest


def wait_until(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.02)


def test_one_loop_reads_several_cameras_every_frame_in_order(cameras: RtspCameraServer) -> None:
    loops = ReadLoops(1)
    loops.start()
    collect = Collect()
    ingests = [ingest_on(loops, name, cameras.url(name), collect) for name in CODECS]
    try:
        wait_until(lambda: all(len(collect.frames[name]) >= 40 for name in CODECS))
        for ingest in ingests:
            started = time.monotonic()
            ingest.stop(5)
            assert time.monotonic() - started < 1.0, "a stop lets go of the connection within a tick"
        for name in CODECS:
            counters = collect.frames[name]
            assert counters == list(range(counters[0], counters[0] + len(counters))), f"{name}: a frame lost"
            assert collect.threads[name] == {"camera-reads-0"}, collect.threads[name]
        assert collect.reasons == {}, "a stop is not a camera failure"
        assert len(loops.loops[0]) == 0
    finally:
        loops.stop()


def test_a_silent_camera_fails_on_the_read_timeout_and_keep_alives_go_out(
    fake_camera: Callable[..., FakeCamera],
) -> None:
    loops = ReadLoops(2)
    loops.start()
    collect = Collect()
    silent = fake_camera(frames=1, close_after_frames=False, session="abc;timeout=2")
    ingest = ingest_on(loops, "silent", silent.url, collect, read_timeout=1.5)
    try:
        started = time.monotonic()
        assert collect.ended.wait(10)
        assert collect.reasons["silent"] == ["no video from the camera for 1.5 s"], "it answers keep-alives only"
        assert time.monotonic() - started < 4
        assert "GET_PARAMETER" in silent.methods(), "a keep-alive every second (half the session timeout)"
    finally:
        ingest.stop(5)
        loops.stop()


def test_a_stop_sends_teardown(fake_camera: Callable[..., FakeCamera]) -> None:
    loops = ReadLoops(1)
    loops.start()
    camera = fake_camera(frames=10_000, interval=0.02, close_after_frames=False)
    ingest = ingest_on(loops, "cam", camera.url, Collect())
    try:
        wait_until(lambda: len(loops.loops[0]) == 1 and "PLAY" in camera.methods())
        ingest.stop(5)
        assert camera.finished.wait(5) and camera.methods()[-1] == "TEARDOWN"
    finally:
        loops.stop()


def test_stopping_the_loops_ends_the_cameras_on_them(cameras: RtspCameraServer) -> None:
    loops = ReadLoops(1)
    loops.start()
    collect = Collect()
    ingest = ingest_on(loops, "cam", cameras.url("plain"), collect)
    try:
        wait_until(lambda: len(collect.frames["cam"]) >= 3)
        loops.stop()
        assert collect.ended.wait(5)
        assert collect.reasons["cam"] == ["recorder stopped"]
    finally:
        ingest.stop(5)
