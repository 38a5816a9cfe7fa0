"""The range query of the recording index: exact for segments of any length, on both databases.

`segments_overlapping` seeks the (camera_id, start_time) index from the last segment that
starts at or before the range instead of filtering every earlier row; these tests hold it
to the plain definition of overlap ([start, end) against [start_time, end_time)) at the
edges where a seek could go wrong: a long segment that began well before the range, the
very first and last segments, gaps, exact boundaries, and another camera's segments.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from belfort.app import Services
from belfort.cameras.service import CameraSpec
from belfort.media.models import Segment
from belfort.media.recordings import segments_overlapping
from tests.conftest import POLICE, SYSTEM

T0 = datetime(2026, 1, 1, tzinfo=UTC)
Span = tuple[datetime, datetime]


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def add_segments(services: Services, camera_id: uuid.UUID, spans: list[Span]) -> None:
    with services.db.session() as session:
        for start, end in spans:
            segment_id = uuid.uuid4()
            session.add(
                Segment(
                    id=segment_id,
                    camera_id=camera_id,
                    storage_id="storage",
                    path=f"{camera_id}/{start:%Y-%m-%d}/{segment_id}.mp4",
                    state="complete",
                    start_time=start,
                    end_time=end,
                    codec="avc1.640028",
                    width=1280,
                    height=720,
                    fragments=b"",
                )
            )


def found(services: Services, camera_id: uuid.UUID, start: datetime, end: datetime) -> list[Span]:
    with services.db.session() as session:
        return [(s.start_time, s.end_time) for s in segments_overlapping(session, camera_id, start, end)]


def expected(spans: list[Span], start: datetime, end: datetime) -> list[Span]:
    return sorted(span for span in spans if span[0] < end and span[1] > start)


@pytest.fixture
def other_camera_id(services: Services, camera_id: uuid.UUID) -> uuid.UUID:
    with services.db.session() as session:
        camera = services.cameras.add(
            session, SYSTEM, CameraSpec(name="Other cam", organisation=POLICE, main_url="rtsp://cam/2")
        )
        return camera.id


LAYOUT = [
    (at(0), at(60)),
    (at(60), at(120)),
    (at(120), at(3 * 3600)),  # a long segment: a camera with a long GOP, or crash recovery
    (at(3 * 3600), at(3 * 3600 + 60)),
    # a gap of one hour
    (at(4 * 3600 + 60), at(4 * 3600 + 120)),
    (at(4 * 3600 + 120), at(4 * 3600 + 180)),
]


@pytest.mark.parametrize(
    ("start", "end", "indexes"),
    [
        pytest.param(at(2 * 3600), at(2 * 3600 + 60), [2], id="inside a long segment that began hours before"),
        pytest.param(at(3 * 3600 - 1), at(3 * 3600 + 1), [2, 3], id="across the end of the long segment"),
        pytest.param(at(-600), at(30), [0], id="from before the first segment"),
        pytest.param(at(0), at(60), [0], id="exactly the first segment"),
        pytest.param(at(-600), at(0), [], id="ending where the first segment starts"),
        pytest.param(at(4 * 3600 + 170), at(5 * 3600), [5], id="over the end of the last segment"),
        pytest.param(at(4 * 3600 + 180), at(5 * 3600), [], id="starting where the last segment ends"),
        pytest.param(at(3 * 3600 + 600), at(4 * 3600), [], id="inside a gap"),
        pytest.param(at(3 * 3600 + 30), at(4 * 3600 + 90), [3, 4], id="across a gap"),
        pytest.param(at(3 * 3600 + 600), at(4 * 3600 + 61), [4], id="from a gap into a segment"),
        pytest.param(at(60), at(60.000001), [1], id="one microsecond at a boundary"),
        pytest.param(at(-1), at(10 * 3600), [0, 1, 2, 3, 4, 5], id="everything"),
    ],
)
def test_edges_of_the_range_query(
    services: Services,
    camera_id: uuid.UUID,
    other_camera_id: uuid.UUID,
    start: datetime,
    end: datetime,
    indexes: list[int],
) -> None:
    add_segments(services, camera_id, LAYOUT)
    add_segments(services, other_camera_id, [(at(s), at(s + 30)) for s in range(-3600, 6 * 3600, 30)])
    assert found(services, camera_id, start, end) == [LAYOUT[i] for i in indexes]


def test_no_segments_at_all(services: Services, camera_id: uuid.UUID, other_camera_id: uuid.UUID) -> None:
    add_segments(services, other_camera_id, [(at(0), at(60))])
    assert found(services, camera_id, at(0), at(60)) == []


def test_random_layouts_match_the_definition_of_overlap(services: Services, camera_id: uuid.UUID) -> None:
    """Segments of 1 s to 3 h with gaps of up to a day; ranges anywhere, often on a boundary."""
    chance = random.Random(20261201)
    spans: list[Span] = []
    cursor = 0.0
    for _ in range(300):
        cursor += chance.choice([0, 0, 0, 0.5, 90, 86_400 * chance.random()])
        length = chance.choice([60, 60, 60, 1, 119.5, 600, 3 * 3600])
        spans.append((at(cursor), at(cursor + length)))
        cursor += length
    add_segments(services, camera_id, spans)
    edges = [t for span in spans for t in span]
    for _ in range(300):
        start = chance.choice(edges) if chance.random() < 0.5 else at(chance.uniform(-3600, cursor + 3600))
        start += chance.choice([timedelta(0), timedelta(microseconds=1), -timedelta(microseconds=1)])
        end = start + timedelta(seconds=chance.choice([0.000001, 1, 60, 3600, 86_400, 7 * 86_400]))
        assert found(services, camera_id, start, end) == expected(spans, start, end), (start, end)


def test_the_query_seeks_the_index_on_sqlite(services: Services, camera_id: uuid.UUID) -> None:
    """No scan of the index entries before the range: both lookups are bounded seeks."""
    if services.db.dialect != "sqlite":
        pytest.skip("the plan is checked on SQLite; PostgreSQL plans a table this small as a sequential scan")
    add_segments(services, camera_id, [(at(60 * i), at(60 * i + 60)) for i in range(100)])
    executed: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        executed.append((statement, parameters))

    event.listen(services.db.engine, "before_cursor_execute", capture)
    try:
        assert len(found(services, camera_id, at(3000), at(3600))) == 10
    finally:
        event.remove(services.db.engine, "before_cursor_execute", capture)
    statement, parameters = next((s, p) for s, p in executed if "FROM segment" in s)
    with services.db.session() as session:
        plan = [row[3] for row in session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)]
    assert not [step for step in plan if step.startswith("SCAN")], plan
    assert "SEARCH segment USING INDEX ix_segment_camera_start (camera_id=? AND start_time>? AND start_time<?)" in plan
    assert "SEARCH segment USING COVERING INDEX ix_segment_camera_start (camera_id=? AND start_time<?)" in plan
