"""Clips: a range across three segments and a gap becomes one MP4 that PyAV decodes frame
for frame, on one timeline starting at 0, and any byte range of it is the same bytes."""

from __future__ import annotations

import io
import itertools
import random
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl

import av
import pytest
from sqlalchemy import select

from belfort.app import Services
from belfort.media.clips import plan_clip, read_clip
from belfort.media.fmp4 import retime_fragment, scan
from belfort.media.ingest import CameraIngest
from belfort.media.models import Gap, Segment
from belfort.media.recorder import SegmentRecorder
from belfort.media.storage import Storage
from tests.support.cameras import Clip
from tests.support.feeds import FPS, ListSource, access_units, fast_clock, sliced_packets
from tests.support.recordings import record_with_gap


@pytest.fixture
def recorded(services: Services, storage: Storage, camera_id: uuid.UUID, clip: Clip) -> list[tuple[Segment, Path]]:
    """Two seconds per segment; the camera drops after 3 s and comes back for 5 s."""
    segments = record_with_gap(services, storage, camera_id, clip)
    with services.db.session() as session:
        assert session.scalars(select(Gap).where(Gap.reason == "camera_offline")).first() is not None
    return segments


def decode(data: bytes) -> list[float]:
    with av.open(io.BytesIO(data), format="mp4") as container:
        return [float(frame.time) for frame in container.decode(video=0)]


def test_a_range_over_three_segments_and_a_gap_is_one_playable_mp4(recorded: list[tuple[Segment, Path]]) -> None:
    segments = [segment for segment, _ in recorded]
    assert len(segments) >= 4
    gap_after = next(
        i for i, (a, b) in enumerate(itertools.pairwise(segments)) if b.start_time - a.end_time > timedelta(0)
    )
    start = segments[gap_after].start_time + timedelta(milliseconds=500)
    end = segments[gap_after + 2].start_time + timedelta(milliseconds=500)
    plan = plan_clip(recorded, start, end)
    assert len(plan.segment_ids) == 3
    assert plan.start <= start and plan.end >= end, "keyframe-aligned start, whole last fragment"
    assert start - plan.start < timedelta(seconds=1)
    data = b"".join(read_clip(plan))
    assert len(data) == plan.size
    times = decode(data)
    assert len(times) == plan.frames
    assert times[0] == 0 and all(a < b for a, b in itertools.pairwise(times))
    gap = (segments[gap_after + 1].start_time - segments[gap_after].end_time).total_seconds()
    jumps = [b - a for a, b in itertools.pairwise(times)]
    assert max(jumps) == pytest.approx(gap + 0.1, abs=0.05), "the gap stays a gap on the clip's timeline"
    assert times[-1] == pytest.approx((plan.end - plan.start).total_seconds() - 0.1, abs=0.05)
    fragments = scan(io.BytesIO(data)).fragments
    assert [f.sequence_number for f in fragments] == list(range(1, len(fragments) + 1))
    assert all(f.starts_with_keyframe for f in fragments)
    assert fragments[0].base_decode_time == 0


def test_any_byte_range_of_a_clip_is_the_same_bytes(recorded: list[tuple[Segment, Path]]) -> None:
    segments = [segment for segment, _ in recorded]
    plan = plan_clip(recorded, segments[0].start_time, segments[-1].end_time)
    whole = b"".join(read_clip(plan))
    assert len(decode(whole)) == sum(s.frames for s in segments)
    chance = random.Random(7)
    for _ in range(200):
        first = chance.randrange(plan.size)
        last = min(plan.size - 1, first + chance.choice([0, 1, 7, 100, 5000, 100_000]))
        assert b"".join(read_clip(plan, first, last)) == whole[first : last + 1]


def test_a_range_without_recordings_is_refused(recorded: list[tuple[Segment, Path]]) -> None:
    segments = [segment for segment, _ in recorded]
    later = segments[-1].end_time + timedelta(hours=1)
    with pytest.raises(ValueError, match="nothing was recorded"):
        plan_clip(recorded, later, later + timedelta(minutes=1))


def test_changed_codec_parameters_end_the_clip_before_the_change(recorded: list[tuple[Segment, Path]]) -> None:
    (first, _), (second, second_path), *_ = recorded
    init_size = int.from_bytes(second_path.read_bytes()[:4], "big")  # ftyp
    with second_path.open("r+b") as file:  # another encoder name in the moov: a different init segment
        file.seek(init_size + 200)
        byte = file.read(1)
        file.seek(init_size + 200)
        file.write(bytes([byte[0] ^ 0xFF]))
    plan = plan_clip(recorded, first.start_time, second.end_time)
    assert plan.cut_at == second.start_time and plan.segment_ids == (str(first.id),)


def test_retiming_refuses_a_negative_decode_time() -> None:
    from belfort.media.fmp4 import Sample, media_fragment

    fragment = bytearray(media_fragment(3, 1000, [Sample(b"\x00\x00\x00\x01\x65", 3000, True)]))
    assert retime_fragment(fragment, 1, 500) == 1500
    with pytest.raises(ValueError, match="does not fit"):
        retime_fragment(fragment, 1, -2000)


def test_a_granted_playback_serves_the_range_as_one_clip_with_http_ranges(
    services: Services, recorded: list[tuple[Segment, Path]], camera_id: uuid.UUID
) -> None:
    from fastapi.testclient import TestClient

    from belfort.web.app import create_app
    from tests.conftest import PASSWORD, POLICE, SYSTEM, bearer

    with services.db.session() as session:
        for name, role in (("op", "operator"), ("other", "operator")):
            services.accounts.add_user(
                session, SYSTEM, username=name, role=role, organisation=POLICE, password=PASSWORD
            )
    services.media.load_storage_areas()
    segments = [segment for segment, _ in recorded]
    start, end = segments[0].start_time, segments[-1].end_time
    with TestClient(create_app(services)) as client:
        headers = bearer(client, "op")
        body = {
            "camera": str(camera_id),
            "start": start.isoformat(),
            "end": end.isoformat(),
            "purpose": {"kind": "administrative", "justification": "Fight on the market square"},
        }
        granted = client.post("/api/recordings/playback", json=body, headers=headers)
        assert granted.status_code == 200, granted.text
        url = granted.json()["clip_url"]
        whole = client.get(url, headers=headers)
        assert whole.status_code == 200 and whole.headers["accept-ranges"] == "bytes"
        assert len(decode(whole.content)) == sum(s.frames for s in segments) == int(whole.headers["x-clip-frames"])
        part = client.get(url, headers={**headers, "Range": "bytes=100-1099"})
        assert part.status_code == 206 and part.content == whole.content[100:1100]
        assert part.headers["content-range"] == f"bytes 100-1099/{len(whole.content)}"
        tail = client.get(url, headers={**headers, "Range": "bytes=-500"})
        assert tail.content == whole.content[-500:]
        beyond = client.get(url, headers={**headers, "Range": f"bytes={len(whole.content)}-"})
        assert beyond.status_code == 416 and "outside the clip" in beyond.json()["detail"]
        assert client.get(url, headers=bearer(client, "other")).status_code == 404, "a grant is personal"
        path, _, query = url.partition("?")
        params = dict(parse_qsl(query))
        wider = client.get(path, params={**params, "start": "2026-11-01T00:00:00Z"}, headers=headers)
        assert wider.status_code == 403 and "outside the range" in wider.json()["detail"]


def test_a_player_clip_stops_at_the_first_gap_and_says_where_footage_resumes(
    recorded: list[tuple[Segment, Path]],
) -> None:
    segments = [segment for segment, _ in recorded]
    gap_after = next(
        i for i, (a, b) in enumerate(itertools.pairwise(segments)) if b.start_time - a.end_time > timedelta(0)
    )
    start = segments[0].start_time + timedelta(milliseconds=1500)
    plan = plan_clip(recorded, start, segments[-1].end_time, stop_at_gap=timedelta(seconds=0.5))
    assert plan.next_start == segments[gap_after + 1].start_time
    assert plan.end == segments[gap_after].end_time
    assert plan.segment_ids == tuple(str(s.id) for s in segments[: gap_after + 1])
    times = decode(b"".join(read_clip(plan)))
    assert len(times) == plan.frames == sum(s.frames for s in segments[: gap_after + 1]) - 10, "from the 1-s keyframe"
    after = plan_clip(recorded, plan.next_start, segments[-1].end_time, stop_at_gap=timedelta(seconds=0.5))
    assert after.start == plan.next_start and after.next_start is None and after.end == segments[-1].end_time
    starting_in_gap = plan_clip(
        recorded, plan.end + timedelta(milliseconds=10), segments[-1].end_time, stop_at_gap=timedelta(seconds=0.5)
    )
    assert starting_in_gap.start == plan.next_start, "a moment in the gap plays from where footage resumes"


def test_the_segment_being_written_plays_up_to_its_last_written_fragment(
    services: Services, storage: Storage, camera_id: uuid.UUID, clip: Clip
) -> None:
    units = access_units(clip)
    recorder = SegmentRecorder(camera_id, storage, services.media.index, segment_seconds=60)
    feed = ListSource(sliced_packets(units), clip)
    ingest = CameraIngest(str(camera_id), lambda: feed, [recorder], fast_clock, backoff=(0.05, 0.05))
    ingest.start()
    try:
        deadline = time.monotonic() + 20
        while ingest.status.frames_total < len(units) - 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        view = recorder.writing()
        assert view is not None, "a segment is being written"
        path = storage.path(view.path)
        plan = plan_clip([(view, path)], view.start_time, view.end_time)
        frames = decode(b"".join(read_clip(plan)))
        assert len(frames) == plan.frames >= len(units) - 2 * FPS, "every GOP but the one still in memory"
        services.media.writing_segment = lambda _camera: view  # type: ignore[method-assign]
        services.media.storage = storage  # the recorder's own folder, as when the node records
        services.media.load_storage_areas()
        with services.db.session() as session:
            found = services.media.recorded(session, camera_id, view.start_time, view.end_time)
        assert [segment.id for segment, _ in found] == [view.id], "the row of a writing segment is not used"

        # a node says in the index how far its open segment is written, every round; another
        # node lays the clip out from that row (here, a copy of the row as it was opened)
        opened = uuid.uuid4()
        with services.db.session() as session:
            session.add(
                Segment(
                    id=opened,
                    camera_id=camera_id,
                    storage_id=storage.id,
                    path=view.path,
                    state="writing",
                    start_time=view.start_time,
                    end_time=view.start_time,
                    codec=view.codec,
                    width=view.width,
                    height=view.height,
                    fragments=b"",
                )
            )
        services.media.index.segments_progress([(opened, view.end_time, view.frames, view.fragments)])
        assert services.media.index.wait_idle()
        with services.db.session() as session:
            row = session.get(Segment, opened)
            assert row is not None and row.state == "writing"
            assert (row.end_time, row.frames, row.fragments) == (view.end_time, view.frames, view.fragments)
            elsewhere = plan_clip([(row, path)], view.start_time, view.end_time)
        assert elsewhere.frames == plan.frames and elsewhere.size == plan.size
    finally:
        ingest.stop()
        recorder.close()
        services.media.index.wait_idle()
