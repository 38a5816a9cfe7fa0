"""The test cameras themselves: GStreamer's RTSP server, read back with PyAV (FFmpeg) over TCP.

Recording tests trust these cameras to send real-time, frame-counted streams, so this checks
what they rely on: the pace (20 fps by the wall clock and by the RTP clock), one frame counter
per frame and no gap between counters, keyframes every GOP, several packets per timestamp for a
multi-slice stream (and one frame again once they are merged), and a camera that reboots or goes
offline and comes back on the same URL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise

import av
import pytest

from tests.support.cameras import (
    H264,
    H265,
    Clip,
    ReceivedFrame,
    RtspCameraServer,
    cached_clip,
    merge_by_timestamp,
    read_frame_counters,
)
from tests.support.rtsp_camera_server import access_units, counter_sei, frame_counter_of, is_vcl, split_annexb

SECONDS = 4.5
OPEN_TIMEOUT = 15.0


@dataclass
class Reception:
    """What one reader got: FFmpeg's packets as (pts, data, keyframe, arrival) and when it opened."""

    codec: str
    opened: float
    packets: list[tuple[int | None, bytes, bool, float]]

    @property
    def frames(self) -> list[ReceivedFrame]:
        """The packets merged into frames. When FFmpeg handed over the first packet without a
        timestamp, the frame after it may miss that packet (a sliced keyframe's first slice,
        which holds the counter): it is left out too."""
        frames = merge_by_timestamp(self.packets)
        return frames[1:] if self.packets and self.packets[0][0] is None else frames


def receive(url: str, codec: str, seconds: float) -> Reception:
    with av.open(url, options={"rtsp_transport": "tcp"}, timeout=OPEN_TIMEOUT) as container:
        opened = time.monotonic()
        stream = container.streams.video[0]
        packets = []
        for packet in container.demux(stream):
            if packet.size:
                packets.append((packet.pts, bytes(packet), packet.is_keyframe, time.monotonic()))
            if time.monotonic() - opened > seconds:
                break
    return Reception(codec, opened, packets)


CLIPS = {
    "plain": {"codec": H264},
    "sliced": {"codec": H264, "slices": 4},
    "hevc": {"codec": H265, "width": 640, "height": 360, "bitrate": 1_000_000},
}


@pytest.fixture(scope="module")
def clips() -> dict[str, Clip]:
    return {name: cached_clip(**parameters) for name, parameters in CLIPS.items()}


@pytest.fixture(scope="module")
def receptions(clips: dict[str, Clip]) -> Iterator[dict[str, Reception]]:
    """The three cameras read at the same time, each for SECONDS after it opened."""
    with RtspCameraServer(clips) as server:
        results: dict[str, Reception | BaseException] = {}

        def read(name: str) -> None:
            try:
                results[name] = receive(server.url(name), clips[name].codec, SECONDS)
            except BaseException as error:  # reported by the test that needs it
                results[name] = error

        readers = [threading.Thread(target=read, args=(name,)) for name in clips]
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join(timeout=OPEN_TIMEOUT + SECONDS + 10)
        yield {name: _reception(name, result, server) for name, result in results.items()}


def _reception(name: str, result: Reception | BaseException, server: RtspCameraServer) -> Reception:
    if isinstance(result, BaseException):
        raise AssertionError(f"reading {name} failed: {result!r}\nserver stderr:\n{server.stderr_text()}")
    return result


def counters_of(frames: list[ReceivedFrame], codec: str) -> list[list[int]]:
    return [read_frame_counters(frame.data, codec) for frame in frames]


def test_the_frame_counter_sei_survives_emulation_prevention() -> None:
    for codec in (H264, H265):
        for counter in (0, 1, 3, 0x0300, 0x01_0000_0000, 35_906_121_449, 2**64 - 1):
            nal = counter_sei(codec, counter)
            assert b"\x00\x00\x00" not in nal and b"\x00\x00\x01" not in nal and b"\x00\x00\x02" not in nal
            assert frame_counter_of(codec, nal) == counter
            annex_b = b"\x00\x00\x00\x01" + nal
            avcc = len(nal).to_bytes(4, "big") + nal
            assert read_frame_counters(annex_b, codec) == read_frame_counters(avcc, codec) == [counter]


def test_sliced_clip_has_several_slices_in_every_access_unit(clips: dict[str, Clip]) -> None:
    clip = clips["sliced"]
    units = access_units(H264, split_annexb(clip.path.read_bytes()))
    assert len(units) == clip.frames
    assert {sum(is_vcl(H264, nal) for nal in unit) for unit in units} == {4}


@pytest.mark.parametrize("name", list(CLIPS))
def test_camera_sends_in_real_time(name: str, receptions: dict[str, Reception], clips: dict[str, Clip]) -> None:
    reception, fps = receptions[name], clips[name].fps
    frames = reception.frames
    # Frames buffered while FFmpeg probed the stream arrive in a burst at open: count from 1 s on.
    steady = [frame for frame in frames if frame.received >= reception.opened + 1.0]
    window = steady[-1].received - steady[0].received
    assert abs((len(steady) - 1) / window - fps) < 0.1 * fps
    # The RTP clock advances one frame period per frame (appsrc stamps frames as they are pushed).
    ticks = [later.pts - earlier.pts for earlier, later in pairwise(frames)]
    assert abs(sum(ticks) / len(ticks) - 90_000 / fps) < 0.05 * 90_000 / fps


@pytest.mark.parametrize("name", list(CLIPS))
def test_every_frame_carries_the_next_counter(name: str, receptions: dict[str, Reception]) -> None:
    reception = receptions[name]
    per_frame = counters_of(reception.frames, reception.codec)
    assert all(len(counters) == 1 for counters in per_frame), per_frame
    counters = [counters[0] for counters in per_frame]
    assert counters == list(range(counters[0], counters[0] + len(counters)))
    assert len(counters) >= SECONDS * 20 * 0.9


@pytest.mark.parametrize("name", list(CLIPS))
def test_keyframes_come_every_gop(name: str, receptions: dict[str, Reception], clips: dict[str, Clip]) -> None:
    reception, clip = receptions[name], clips[name]
    keyframes = [
        counters[0]
        for frame, counters in zip(reception.frames, counters_of(reception.frames, reception.codec), strict=True)
        if frame.keyframe
    ]
    assert len(keyframes) >= 2
    assert {later - earlier for earlier, later in pairwise(keyframes)} == {clip.gop_frames}


def test_the_first_packet_may_lack_a_timestamp(receptions: dict[str, Reception]) -> None:
    # Documented for the recorder: FFmpeg's RTSP reader may hand over a first packet without pts,
    # and only that one; `merge_by_timestamp` drops it.
    for reception in receptions.values():
        assert all(pts is not None for pts, *_ in reception.packets[1:])


def test_sliced_keyframes_come_as_several_packets_and_merge_into_one_frame(receptions: dict[str, Reception]) -> None:
    reception = receptions["sliced"]
    timestamps = [pts for pts, *_ in reception.packets if pts is not None]
    split = [frame for frame in reception.frames if frame.packets > 1]
    # FFmpeg hands over several packets with one timestamp (for x264's sliced keyframes, one per slice)...
    assert split and len(timestamps) > len(set(timestamps))
    for frame in split:
        # ...only the first of which holds the counter; merged, they are one frame with all its slices.
        assert len(read_frame_counters(frame.data)) == 1
        assert sum(is_vcl(H264, nal) for nal in split_annexb(frame.data)) == 4


@pytest.fixture
def camera() -> Iterator[RtspCameraServer]:
    with RtspCameraServer({"door": cached_clip()}) as server:
        yield server


def test_a_restarted_camera_comes_back_on_the_same_url(camera: RtspCameraServer) -> None:
    url, port = camera.url("door"), camera.port
    before = read_frame_counters(frame.data for frame in receive(url, H264, 1.0).frames)
    camera.restart(down_seconds=1.0)
    assert camera.url("door") == url and camera.port == port
    after = read_frame_counters(frame.data for frame in receive(url, H264, 1.0).frames)
    assert after == list(range(after[0], after[0] + len(after)))
    # Counters follow the wall clock: the frames "made" while the camera was down are missing.
    assert after[0] - before[-1] > 20


def test_an_offline_camera_drops_its_readers_and_answers_404_until_back(camera: RtspCameraServer) -> None:
    url = camera.url("door")
    container = av.open(url, options={"rtsp_transport": "tcp"}, timeout=OPEN_TIMEOUT)
    packets = container.demux(container.streams.video[0])
    next(packets)
    camera.set_offline("door")
    ended = time.monotonic()
    with pytest.raises((av.error.FFmpegError, StopIteration)):
        while time.monotonic() - ended < 10:
            next(packets)
    assert time.monotonic() - ended < 5
    container.close()
    with pytest.raises(av.error.HTTPNotFoundError):
        av.open(url, options={"rtsp_transport": "tcp"}, timeout=OPEN_TIMEOUT)
    camera.set_online("door")
    assert read_frame_counters(frame.data for frame in receive(url, H264, 1.0).frames)
