"""The live feed without a network: frames of a real H.264 clip go through the ingest's
assembler into a LiveFeed; what viewers receive is parsed and decoded back with PyAV."""

from __future__ import annotations

import asyncio
import io
import json
import struct
import threading
from collections.abc import Callable, Coroutine

import av
import pytest

from belfort.media.frames import Frame
from belfort.media.ingest import FrameAssembler
from belfort.media.live import (
    COALESCE_VIEWERS,
    HEADER,
    KIND_INIT,
    KIND_MEDIA,
    LiveFeed,
    LiveHub,
    ViewerSink,
    split_frames,
    unframe,
    websocket_frame,
)
from tests.support.cameras import Clip
from tests.support.feeds import START, ListSource, access_units, sliced_packets

GOP = 10
"""The clip of tests/media/conftest.py: 10 fps, one keyframe a second."""


class RecordingSink(ViewerSink):
    """Keeps every frame written; its backlog is whatever the test says."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.pending = 0
        self.is_closed = False

    def backlog(self) -> int:
        return self.pending

    def write(self, framed: bytes) -> None:
        self.writes.append(framed)

    def closed(self) -> bool:
        return self.is_closed

    def frames(self) -> list[tuple[int, bytes]]:
        return [frame for data in self.writes for frame in split_frames(data)]

    def texts(self) -> list[dict[str, object]]:
        return [json.loads(payload) for opcode, payload in self.frames() if opcode == 0x1]

    def binaries(self) -> list[tuple[int, int, bool, float, bytes]]:
        """(kind, sequence, keyframe, media time, payload) of each binary message."""
        out = []
        for opcode, payload in self.frames():
            if opcode != 0x2:
                continue
            kind, flags, _, seq, _arrival, media_time = HEADER.unpack_from(payload)
            out.append((kind, seq, bool(flags & 1), media_time, payload[HEADER.size :]))
        return out


@pytest.fixture(scope="module")
def frames(clip: Clip) -> list[Frame]:
    assembler = FrameAssembler(ListSource([], clip).open(), lambda: START)
    out = [frame for packet in sliced_packets(access_units(clip)[:40]) for frame in assembler.push(packet)]
    return out + list(assembler.flush())


def run_in_new_loop(main: Callable[[], Coroutine[object, object, None]]) -> None:
    """asyncio.run in a thread of its own: the browser tests' Playwright keeps an event
    loop running in the main thread for the whole session."""
    failures: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(main())
        except BaseException as exc:  # re-raised in the test's thread
            failures.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if failures:
        raise failures[0]


def run_with_feed(test: Callable[[LiveFeed], Coroutine[object, object, None]]) -> None:
    run_in_new_loop(lambda: test(LiveFeed("cam")))


def push(feed: LiveFeed, frames: list[Frame]) -> None:
    """From another thread, as the ingest does."""
    thread = threading.Thread(target=lambda: [feed.on_frame("cam", f) for f in frames])
    thread.start()
    thread.join()


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_a_late_joiner_starts_at_the_latest_keyframe_and_gets_a_playable_stream(frames: list[Frame]) -> None:
    async def scenario(feed: LiveFeed) -> None:
        push(feed, frames[: 2 * GOP + 4])
        sink = RecordingSink()
        feed.join(sink)
        push(feed, frames[2 * GOP + 4 :])
        await settle()
        messages = sink.binaries()
        assert messages[0][0] == KIND_INIT
        media = messages[1:]
        assert all(kind == KIND_MEDIA for kind, *_ in media)
        assert media[0][2], "the first fragment is the latest keyframe"
        assert [seq for _, seq, *_ in media] == list(range(2 * GOP + 1, len(frames) + 1))
        times = [t for *_, t, _ in media]
        assert times == sorted(times) and times[1] - times[0] == pytest.approx(0.1, abs=1e-4)
        stream = b"".join(payload for *_, payload in messages)
        with av.open(io.BytesIO(stream), format="mp4") as container:
            decoded = sum(1 for _ in container.decode(video=0))
        assert decoded == len(frames) - 2 * GOP
        texts = sink.texts()
        assert texts[0] == {"type": "state", "state": "online", "reason": ""}
        assert texts[1]["type"] == "track" and str(texts[1]["codec"]).startswith("avc1.")

    run_with_feed(scenario)


def test_a_slow_viewer_skips_to_the_next_keyframe_instead_of_queueing(frames: list[Frame]) -> None:
    async def scenario(feed: LiveFeed) -> None:
        sink = RecordingSink()
        viewer = feed.join(sink)
        push(feed, frames[:3])
        await settle()
        sink.pending = 10 * 1024 * 1024  # the viewer's connection stopped draining
        push(feed, frames[3:5])
        await settle()
        sink.pending = 0
        push(feed, frames[5:])
        await settle()
        sequences = [seq for kind, seq, *_ in sink.binaries() if kind == KIND_MEDIA]
        assert sequences == [1, 2, 3, *range(GOP + 1, len(frames) + 1)]
        assert viewer.frames_skipped == GOP - 3 and viewer.skips == 1

    run_with_feed(scenario)


def test_viewers_share_one_message_per_frame_and_hear_of_disconnects(frames: list[Frame]) -> None:
    async def scenario(feed: LiveFeed) -> None:
        sinks = [RecordingSink() for _ in range(3)]
        for sink in sinks:
            feed.join(sink)
        push(feed, frames[:GOP])
        await settle()
        first = [sink.writes[-1] for sink in sinks]
        assert first[0] is first[1] is first[2], "one message object for all viewers"
        threading.Thread(target=feed.on_disconnect, args=("cam", START, "camera went away")).start()
        await asyncio.sleep(0.05)
        push(feed, frames[GOP : 2 * GOP])
        await settle()
        states = [t for t in sinks[0].texts() if t["type"] == "state"]
        assert [s["state"] for s in states] == ["starting", "online", "offline", "online"]
        assert states[2]["reason"] == "camera went away"
        assert feed.viewer_count() == 3

    run_with_feed(scenario)


def test_a_large_audience_gets_frames_two_at_a_time_and_nothing_is_held_back(frames: list[Frame]) -> None:
    async def scenario(feed: LiveFeed) -> None:
        sinks = [RecordingSink() for _ in range(COALESCE_VIEWERS)]
        for sink in sinks:
            feed.join(sink)
        push(feed, frames[: GOP + 5])
        await settle()

        def media_per_write(sink: RecordingSink) -> list[int]:
            counts = [
                sum(1 for opcode, payload in split_frames(data) if opcode == 0x2 and payload[0] == KIND_MEDIA)
                for data in sink.writes
            ]
            return [count for count in counts if count]

        assert media_per_write(sinks[0]) == [2] * ((GOP + 5) // 2), "the last frame waits for its pair"
        assert all(sink.writes[-1] is sinks[0].writes[-1] for sink in sinks), "one joined message for all"
        threading.Thread(target=feed.on_disconnect, args=("cam", START, "gone")).start()
        await asyncio.sleep(0.05)
        assert media_per_write(sinks[0]) == [2] * ((GOP + 5) // 2) + [1]
        sequences = [seq for kind, seq, *_ in sinks[0].binaries() if kind == KIND_MEDIA]
        assert sequences == list(range(1, GOP + 6)), "a held frame goes out when the camera drops"

    run_with_feed(scenario)


def test_a_closed_viewer_gets_nothing_more_and_can_leave(frames: list[Frame]) -> None:
    async def scenario(feed: LiveFeed) -> None:
        sink = RecordingSink()
        viewer = feed.join(sink)
        push(feed, frames[:2])
        await settle()
        sink.is_closed = True
        count = len(sink.writes)
        push(feed, frames[2:4])
        await settle()
        assert len(sink.writes) == count
        feed.leave(viewer)
        assert feed.viewer_count() == 0

    run_with_feed(scenario)


def test_a_stopped_feed_refuses_new_viewers_and_the_hub_replaces_it() -> None:
    async def scenario() -> None:
        hub = LiveHub()
        old = hub.feed_for("cam")
        new = hub.feed_for("cam")
        assert old.closed and hub.get("cam") is new
        with pytest.raises(LookupError):
            old.join(RecordingSink())
        hub.drop("cam", new)
        assert hub.get("cam") is None

    run_in_new_loop(scenario)


def test_snapshot_is_a_jpeg_of_the_latest_keyframe(frames: list[Frame], clip: Clip) -> None:
    feed = LiveFeed("cam")
    assert feed.snapshot_jpeg() is None
    for frame in frames[: GOP + 3]:
        feed.on_frame("cam", frame)
    jpeg = feed.snapshot_jpeg()
    assert jpeg is not None and jpeg[:2] == b"\xff\xd8"
    with av.open(io.BytesIO(jpeg)) as container:
        picture = next(container.decode(video=0))
    assert (picture.width, picture.height) == (clip.width, clip.height)
    assert feed.snapshot_jpeg() is jpeg, "cached briefly"


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536, 200_000])
def test_websocket_frames_carry_their_length(size: int) -> None:
    payload = bytes(range(256)) * (size // 256) + bytes(size % 256)
    framed = websocket_frame(0x2, payload)
    assert framed[0] == 0x82 and not framed[1] & 0x80, "final, binary, unmasked"
    length = framed[1] & 0x7F
    if size < 126:
        assert length == size
    elif size < 65536:
        assert length == 126 and struct.unpack(">H", framed[2:4])[0] == size
    else:
        assert length == 127 and struct.unpack(">Q", framed[2:10])[0] == size
    assert unframe(framed) == payload
