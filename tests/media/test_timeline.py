"""The timeline on both databases: spans merged from segments, or grouped per pixel by the
database for large windows, give the same picture; pauses shorter than a pixel do not
split a span; the segment being written extends the last span."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from belfort.app import Services
from belfort.media import timeline as timeline_module
from belfort.media.models import Gap, MediaEvent, Segment
from belfort.media.timeline import Span, camera_timeline, merge_spans

T0 = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)


def add_segments(services: Services, camera_id: uuid.UUID, starts: list[datetime], seconds: int = 60) -> None:
    with services.db.session() as session:
        session.add_all(
            Segment(
                camera_id=camera_id,
                storage_id="s",
                path=f"x/{i}.mp4",
                state="complete",
                start_time=start,
                end_time=start + timedelta(seconds=seconds),
                bytes=1,
                frames=1,
                keyframes=1,
                codec="avc1.640028",
                width=1280,
                height=720,
                fragments=b"",
            )
            for i, start in enumerate(starts)
        )


def minutes(first: int, count: int) -> list[datetime]:
    return [T0 + timedelta(minutes=first + i) for i in range(count)]


def test_merge_spans_joins_pauses_up_to_the_tolerance() -> None:
    second = timedelta(seconds=1)
    pairs = [(T0, T0 + 10 * second), (T0 + 11 * second, T0 + 20 * second), (T0 + 25 * second, T0 + 30 * second)]
    assert merge_spans(pairs, second) == [Span(T0, T0 + 20 * second), Span(T0 + 25 * second, T0 + 30 * second)]
    assert merge_spans(pairs, 5 * second) == [Span(T0, T0 + 30 * second)]
    assert merge_spans([], second) == []


@given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 500)), max_size=40), st.integers(0, 300))
def test_merged_spans_are_ordered_apart_and_cover_every_pair(raw: list[tuple[int, int]], tolerance: int) -> None:
    pairs = sorted((T0 + timedelta(seconds=a), T0 + timedelta(seconds=a + d)) for a, d in raw)
    spans = merge_spans(pairs, timedelta(seconds=tolerance))
    for before, after in itertools.pairwise(spans):
        assert after.start - before.end > timedelta(seconds=tolerance)
    for start, end in pairs:
        assert any(span.start <= start and end <= span.end for span in spans)


@pytest.fixture
def camera_id(services: Services) -> uuid.UUID:
    from tests.conftest import POLICE, SYSTEM
    from tests.support.recordings import police_camera

    with services.db.session() as session:
        services.accounts.add_organisation(session, SYSTEM, POLICE, "police_zone")
    return police_camera(services)


def test_a_pause_splits_a_span_only_when_wider_than_a_pixel(services: Services, camera_id: uuid.UUID) -> None:
    add_segments(services, camera_id, minutes(0, 10) + minutes(15, 10))  # a 5-minute pause
    with services.db.session() as session:
        fine = camera_timeline(session, camera_id, T0, T0 + timedelta(hours=1), pixels=600)  # 6 s per pixel
        coarse = camera_timeline(session, camera_id, T0, T0 + timedelta(days=1), pixels=100)  # 14.4 min per pixel
    assert fine.exact and fine.spans == [
        Span(T0, T0 + timedelta(minutes=10)),
        Span(T0 + timedelta(minutes=15), T0 + timedelta(minutes=25)),
    ]
    assert coarse.spans == [Span(T0, T0 + timedelta(minutes=25))]
    assert (fine.first, fine.last) == (T0, T0 + timedelta(minutes=25))


def test_large_windows_are_grouped_by_the_database_to_the_same_picture(
    services: Services, camera_id: uuid.UUID, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_segments(services, camera_id, minutes(0, 120) + minutes(180, 60) + minutes(600, 30))
    window = (T0 - timedelta(hours=1), T0 + timedelta(hours=13))
    with services.db.session() as session:
        exact = camera_timeline(session, camera_id, *window, pixels=500)
        monkeypatch.setattr(timeline_module, "EXACT_LIMIT", 20)
        grouped = camera_timeline(session, camera_id, *window, pixels=500)
    assert exact.exact and not grouped.exact
    assert grouped.spans == exact.spans
    assert len(grouped.spans) == 3


def test_the_window_is_bounded_by_an_earlier_long_segment(services: Services, camera_id: uuid.UUID) -> None:
    add_segments(services, camera_id, [T0], seconds=3 * 3600)
    add_segments(services, camera_id, [T0 + timedelta(hours=3)])
    with services.db.session() as session:
        view = camera_timeline(session, camera_id, T0 + timedelta(hours=2), T0 + timedelta(hours=4), pixels=120)
    assert view.spans == [Span(T0, T0 + timedelta(hours=3, minutes=1))]


def test_gaps_narrower_than_a_pixel_are_left_out_and_events_are_listed(
    services: Services, camera_id: uuid.UUID
) -> None:
    with services.db.session() as session:
        session.add_all(
            [
                Gap(camera_id=camera_id, start_time=T0, end_time=T0 + timedelta(seconds=3), reason="recorder_down"),
                Gap(camera_id=camera_id, start_time=T0 + timedelta(minutes=5), end_time=None, reason="camera_offline"),
                MediaEvent(
                    ts=T0 + timedelta(minutes=1), camera_id=camera_id, level="warning", kind="recovery", message="m"
                ),
            ]
        )
    with services.db.session() as session:
        fine = camera_timeline(session, camera_id, T0, T0 + timedelta(minutes=10), pixels=600)  # 1 s per pixel
        coarse = camera_timeline(session, camera_id, T0, T0 + timedelta(hours=10), pixels=600)  # 1 min per pixel
    assert [g.reason for g in fine.gaps] == ["recorder_down", "camera_offline"]
    assert [g.reason for g in coarse.gaps] == ["camera_offline"], "an open gap is always shown"
    assert [e.kind for e in fine.events] == ["recovery"]


def test_the_segment_being_written_extends_the_last_span(services: Services, camera_id: uuid.UUID) -> None:
    add_segments(services, camera_id, minutes(0, 2))
    writing = (T0 + timedelta(minutes=2), T0 + timedelta(minutes=2, seconds=40))
    with services.db.session() as session:
        view = camera_timeline(session, camera_id, T0, T0 + timedelta(minutes=5), pixels=300, writing=writing)
    assert view.spans == [Span(T0, writing[1])] and view.last == writing[1]


def test_an_empty_or_inverted_window(services: Services, camera_id: uuid.UUID) -> None:
    with services.db.session() as session:
        empty = camera_timeline(session, camera_id, T0, T0 + timedelta(hours=1), pixels=100)
        assert empty.spans == [] and empty.first is None and empty.last is None
        with pytest.raises(ValueError, match="after its start"):
            camera_timeline(session, camera_id, T0, T0, pixels=100)
