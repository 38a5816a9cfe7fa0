"""Playback through the API, on both databases, with footage recorded by the real recorder:
the timeline, playback from a moment (one audited consultation), further clips of the
same grant without a new decision, and the 30-day rule on backdated footage."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import av
import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient

from belfort.app import Services
from belfort.audit import AuditFilter
from belfort.media.models import Segment
from belfort.timeutil import FrozenClock, iso_utc, parse_iso
from tests.conftest import Population, bearer
from tests.support.judicial import register_authorisation
from tests.support.recordings import open_recordings, police_camera, record_with_gap, small_clip

ADMINISTRATIVE = {"kind": "administrative", "justification": "Fight reported on the market square"}
JUDICIAL = {"kind": "judicial", "justification": "Burglary, case PV 2026/0815", "legal_basis_ref": "PK 2026/77"}


@pytest.fixture
def camera(services: Services, population: Population) -> uuid.UUID:
    return police_camera(services)


@pytest.fixture
def recorded(services: Services, camera: uuid.UUID, tmp_path: Path) -> Iterator[list[Segment]]:
    storage = open_recordings(services, tmp_path / "recordings")
    segments = [segment for segment, _ in record_with_gap(services, storage, camera, small_clip())]
    yield segments
    services.media.index.stop()


def frames_in(data: bytes) -> int:
    with av.open(io.BytesIO(data), format="mp4") as container:
        return sum(1 for _ in container.decode(video=0))


def play(
    client: TestClient, headers: dict[str, str], camera: uuid.UUID, start: datetime, end: datetime, purpose: object
) -> httpx.Response:
    return client.post(
        "/api/recordings/playback",
        json={"camera": str(camera), "start": iso_utc(start), "end": iso_utc(end), "purpose": purpose},
        headers=headers,
    )


def test_play_from_a_moment_and_continue_after_the_gap_under_one_grant(
    client: TestClient, services: Services, camera: uuid.UUID, recorded: list[Segment]
) -> None:
    headers = bearer(client, "inspector")
    first, last = recorded[0], recorded[-1]
    moment = first.start_time + timedelta(milliseconds=1500)
    answer = play(client, headers, camera, moment, last.end_time + timedelta(hours=1), ADMINISTRATIVE)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert parse_iso(body["grant_end"]) == last.end_time, "the grant ends with the newest footage, not in the future"
    clip = body["clip"]
    assert parse_iso(clip["start"]) <= moment < parse_iso(clip["end"]) and clip["next_start"] is not None
    whole = client.get(clip["url"], headers=headers)
    assert whole.status_code == 200 and frames_in(whole.content) == clip["frames"]
    layout = client.get(
        "/api/recordings/layout",
        params={"camera": str(camera), "start": clip["next_start"], "end": body["grant_end"], "grant": body["grant"]},
        headers=headers,
    )
    assert layout.status_code == 200, layout.text
    after = layout.json()
    assert after["start"] == clip["next_start"] and after["next_start"] is None
    rest = client.get(after["url"], headers=headers)
    assert frames_in(whole.content) + frames_in(rest.content) == sum(s.frames for s in recorded) - 10
    with services.db.session() as session:
        records = services.audit.query(session, AuditFilter(person="inspector", action="recording.view"))
    assert len(records) == 1, "one consultation for the whole grant, whatever the clips"
    outside = client.get(
        "/api/recordings/layout",
        params={
            "camera": str(camera),
            "start": iso_utc(first.start_time - timedelta(minutes=5)),
            "end": body["grant_end"],
            "grant": body["grant"],
        },
        headers=headers,
    )
    assert outside.status_code == 403 and "outside the range" in outside.json()["detail"]
    other = client.get(
        "/api/recordings/layout",
        params={"camera": str(camera), "start": clip["next_start"], "end": body["grant_end"], "grant": body["grant"]},
        headers=bearer(client, "supervisor"),
    )
    assert other.status_code == 404, "a grant is personal"


def test_a_moment_not_yet_recorded_is_refused_with_a_reason(
    client: TestClient, camera: uuid.UUID, recorded: list[Segment]
) -> None:
    later = recorded[-1].end_time + timedelta(days=2)
    answer = play(client, bearer(client, "inspector"), camera, later, later + timedelta(hours=1), ADMINISTRATIVE)
    assert answer.status_code == 409 and "nothing has been recorded from that moment on yet" in answer.json()["detail"]


def test_the_30_day_rule_on_backdated_footage(
    client: TestClient, services: Services, camera: uuid.UUID, recorded: list[Segment]
) -> None:
    assert isinstance(services.clock, FrozenClock)
    start, end = recorded[0].start_time, recorded[-1].end_time
    services.clock.now = start + timedelta(days=31)
    headers = bearer(client, "inspector")
    unregistered = play(client, headers, camera, start, end, JUDICIAL)
    assert unregistered.status_code == 403 and "'PK 2026/77' is registered" in unregistered.json()["detail"]
    register_authorisation(services, "PK 2026/77")
    refused = play(client, headers, camera, start, end, ADMINISTRATIVE)
    assert refused.status_code == 403
    assert "more than 30 days old" in refused.json()["detail"]
    assert refused.json()["needs"] == ["judicial_reference"]
    no_reference = play(client, headers, camera, start, end, {**JUDICIAL, "legal_basis_ref": ""})
    assert no_reference.status_code == 403 and "reference" in no_reference.json()["detail"]
    granted = play(client, headers, camera, start, end, JUDICIAL)
    assert granted.status_code == 200 and "prosecutor's decision PK 2026/77" in granted.json()["reason"]
    with services.db.session() as session:
        records = services.audit.query(session, AuditFilter(person="inspector", action="recording.view"))
    outcomes = sorted((r.outcome, r.purpose, r.legal_basis_ref) for r in records)
    assert outcomes == [
        ("granted", "judicial", "PK 2026/77"),
        ("refused", "administrative", ""),
        ("refused", "judicial", ""),
        ("refused", "judicial", "PK 2026/77"),
    ]
    fresh = start + timedelta(days=29)
    services.clock.now = fresh
    assert play(client, headers, camera, start, end, ADMINISTRATIVE).status_code == 200


def test_the_timeline_shows_footage_the_gap_and_the_rules(
    client: TestClient, services: Services, camera: uuid.UUID, recorded: list[Segment]
) -> None:
    start, end = recorded[0].start_time - timedelta(seconds=10), recorded[-1].end_time + timedelta(seconds=10)
    answer = client.get(
        f"/api/cameras/{camera}/timeline",
        params={"start": iso_utc(start), "end": iso_utc(end), "pixels": 2000},
        headers=bearer(client, "operator"),
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert len(body["spans"]) == 2 and body["exact"]
    between = body["spans"][0]["end"] <= body["gaps"][0]["start"] < body["spans"][1]["start"]
    assert body["gaps"][0]["reason"] == "camera_offline" and between
    assert body["legal_regime"] == "police" and body["administrative_since"] is not None
    assert body["first"].startswith(iso_utc(recorded[0].start_time)[:19])
    wide = client.get(
        f"/api/cameras/{camera}/timeline",
        params={"start": "2024-01-01T00:00:00Z", "end": "2026-12-31T00:00:00Z"},
        headers=bearer(client, "operator"),
    )
    assert wide.status_code == 422 and "two years" in wide.json()["detail"]
    assert (
        client.get(
            f"/api/cameras/{camera}/timeline",
            params={"start": iso_utc(start), "end": iso_utc(end)},
            headers=bearer(client, "partner"),
        ).status_code
        == 404
    ), "a partner sees only its own cameras"
