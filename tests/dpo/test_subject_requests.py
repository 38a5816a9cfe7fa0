"""Data-subject requests on both databases: recorded only with an identity check, found
through the gate for the request's cameras and period only, exported through the evidence
export with faces blurred and linked to the request, extended once, answered, and reminded
at the right days; every step leaves its audit record."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.audit.models import AuditRecord
from belfort.auth.service import actor_of_user
from belfort.cameras.service import CameraSpec
from belfort.dpo.deadlines import Urgency
from belfort.dpo.subject_requests import SubjectRequestSpec
from belfort.errors import Conflict, Forbidden, InvalidInput, Unseen
from belfort.evidence.service import ExportItem
from belfort.media.models import Segment
from belfort.policy import Action, Actor
from belfort.timeutil import FrozenClock
from tests.conftest import CITY, SYSTEM, Population
from tests.support.recordings import open_recordings, police_camera, record_with_gap, small_clip


def actor(session: Session, services: Services, username: str) -> Actor:
    return actor_of_user(services.accounts.user_by_name(session, username))


@pytest.fixture
def camera(services: Services, population: Population) -> uuid.UUID:
    return police_camera(services)


@pytest.fixture
def recorded(services: Services, camera: uuid.UUID, tmp_path: Path, clock: FrozenClock) -> Iterator[list[Segment]]:
    storage = open_recordings(services, tmp_path / "recordings")
    segments = [segment for segment, _ in record_with_gap(services, storage, camera, small_clip())]
    clock.now = segments[-1].end_time + timedelta(hours=2)
    yield segments
    services.media.index.stop()


def spec(start: datetime, end: datetime, **change: Any) -> SubjectRequestSpec:
    fields: dict[str, Any] = {
        "requester_name": "Anna Peeters",
        "requester_contact": "anna.peeters@example.org",
        "identity_check": "ID card seen at the desk",
        "identity_checked_by": "Inspector Claes",
        "period_start": start,
        "period_end": end,
        "place": "Grote Markt",
        "description": "Red coat, pushing a bicycle",
        **change,
    }
    return SubjectRequestSpec(**fields)


def record(services: Services, request: SubjectRequestSpec, username: str = "dpo") -> str:
    with services.db.session() as session:
        return services.subject_requests.record(session, actor(session, services, username), request).reference


def records_of(services: Services, action: Action) -> list[AuditRecord]:
    with services.db.session() as session:
        return list(session.scalars(select(AuditRecord).where(AuditRecord.action == action.value)))


def test_a_request_without_identity_check_is_refused_with_a_sentence(
    services: Services, camera: uuid.UUID, clock: FrozenClock
) -> None:
    period = (clock() - timedelta(days=2), clock() - timedelta(days=2) + timedelta(hours=1))
    for missing in ({"identity_check": ""}, {"identity_checked_by": " "}, {"identity_check": "ok"}):
        with pytest.raises(InvalidInput) as refused:
            record(services, spec(*period, **missing))
        assert refused.value.message.startswith("identity check: a request is recorded only once")
        assert "ID card seen at the desk" in refused.value.message
    with services.db.session() as session:
        assert services.subject_requests.listed(session, actor(session, services, "dpo")) == []


def test_bad_periods_and_places_are_refused_naming_the_field(
    services: Services, camera: uuid.UUID, clock: FrozenClock
) -> None:
    now = clock()
    cases = [
        (spec(now - timedelta(hours=1), now - timedelta(hours=2)), "period: the end"),
        (spec(now - timedelta(days=3), now - timedelta(days=1)), "period: a request covers at most 24 hours"),
        (spec(now - timedelta(hours=1), now + timedelta(hours=1)), "period: the footage asked for must lie"),
        (spec(now - timedelta(hours=2), now - timedelta(hours=1), place="", cameras=[]), "place:"),
        (spec(now - timedelta(hours=2), now - timedelta(hours=1), cameras=["Stadhuis"]), "cameras:"),
        (spec(now - timedelta(hours=2), now - timedelta(hours=1), received_on=date(2026, 12, 1)), "received on:"),
    ]
    with services.db.session() as session:
        services.cameras.add(
            session, SYSTEM, CameraSpec(name="Stadhuis", organisation=CITY, main_url="rtsp://192.0.2.9/1")
        )
    for request, field in cases:
        with pytest.raises(InvalidInput) as refused:
            record(services, request)
        assert refused.value.message.startswith(field), refused.value.message


def test_only_the_dpo_records_and_reads_requests_and_others_are_refused_on_record(
    services: Services, camera: uuid.UUID, clock: FrozenClock, population: Population
) -> None:
    period = (clock() - timedelta(hours=3), clock() - timedelta(hours=2))
    with pytest.raises(Forbidden):
        record(services, spec(*period), "inspector")
    reference = record(services, spec(*period))
    assert reference == "SR-2026-0001"
    assert record(services, spec(*period)) == "SR-2026-0002", "numbered per organisation and year"
    with services.db.session() as session, pytest.raises(Forbidden):
        services.subject_requests.get(session, actor(session, services, "supervisor"), reference)
    refused = [r for r in records_of(services, Action.HANDLE_SUBJECT_REQUESTS) if r.outcome == "refused"]
    assert [(r.actor_name, r.role) for r in refused] == [("inspector", "inspector"), ("supervisor", "supervisor")]
    granted = [r for r in records_of(services, Action.HANDLE_SUBJECT_REQUESTS) if r.outcome == "granted"]
    assert [json.loads(r.detail)["change"] for r in granted] == ["record", "record"]
    with services.db.session() as session:
        row = services.subject_requests.get(session, actor(session, services, "dpo"), reference)
        assert [c.name for c in services.subject_requests.cameras_of(session, row)] == ["Grote Markt"], "by place"
        assert row.due_on == date(2026, 12, 21) and row.status == "received"


def test_finding_the_footage_passes_the_gate_per_camera_and_exporting_blurs_and_links(
    services: Services, camera: uuid.UUID, recorded: list[Segment]
) -> None:
    start, end = recorded[0].start_time, recorded[-1].end_time
    reference = record(services, spec(start - timedelta(minutes=1), end + timedelta(minutes=1)))
    with services.db.session() as session:
        found = services.subject_requests.find(session, actor(session, services, "dpo"), reference)
    (footage,) = found
    assert footage.camera == "Grote Markt" and not footage.refused and footage.link
    assert len(footage.pieces) == 2, "two pieces of footage around the camera's pause"
    assert footage.pieces[0][0] == start and footage.pieces[-1][1] == end
    (look,) = records_of(services, Action.VIEW_SUBJECT_FOOTAGE)
    assert (look.outcome, look.actor_name, look.op) == ("granted", "dpo", "consult")
    assert reference in look.justification and json.loads(look.detail)["subject_request"] == reference
    assert (look.range_start, look.range_end) == (start - timedelta(minutes=1), end + timedelta(minutes=1))

    with services.db.session() as session:
        dpo = actor(session, services, "dpo")
        clip = services.playback.clip(session, dpo, footage.link, footage.camera_id, *footage.pieces[0])
        assert clip.frames > 0, "the player plays the request's footage under its link"
        with pytest.raises(InvalidInput):
            services.subject_requests.export(
                session, dpo, reference, [ExportItem(footage.camera_id, start - timedelta(hours=1), end)]
            )
    with services.db.session() as session:
        dpo = actor(session, services, "dpo")
        export = services.subject_requests.export(session, dpo, reference, [ExportItem("Grote Markt", start, end)])
        export_id = export.id
    with services.db.session() as session:
        row = services.subject_requests.get(session, actor(session, services, "dpo"), reference)
        assert row.status == "searching" and row.export_ids.split() == [str(export_id)]
        (package,) = services.subject_requests.exports_of(session, row)
        assert package.blur_faces and package.case_number == reference and package.requester_name == "dpo"
        assert package.recipient == f"Anna Peeters (data subject, {reference})"
    (disclosure,) = records_of(services, Action.EXPORT_EVIDENCE)
    assert disclosure.outcome == "granted" and disclosure.actor_name == "dpo" and disclosure.role == "dpo"
    assert json.loads(disclosure.detail)["faces"] == "blurred"
    with services.db.session() as session, pytest.raises(Unseen):
        services.subject_requests.package(session, actor(session, services, "dpo"), reference, str(uuid.uuid4()))


def test_the_dpo_may_not_look_outside_the_request_nor_at_old_police_footage(
    services: Services, camera: uuid.UUID, recorded: list[Segment], clock: FrozenClock
) -> None:
    start, end = recorded[0].start_time, recorded[-1].end_time
    reference = record(services, spec(start, end))
    with services.db.session() as session:
        dpo = actor(session, services, "dpo")
        (found,) = services.subject_requests.find(session, dpo, reference)
        with pytest.raises(Forbidden):  # the link plays the request's period, not the hour before
            services.playback.clip(session, dpo, found.link, found.camera_id, start - timedelta(hours=1), start)
    with services.db.session() as session, pytest.raises(Forbidden):  # playback itself stays refused to the DPO
        services.playback.request(
            session,
            actor(session, services, "dpo"),
            str(camera),
            start,
            end,
            services.subject_requests.purpose_of(
                services.subject_requests.get(session, actor(session, services, "dpo"), reference)
            ),
        )
    clock.now = start + timedelta(days=31)
    with services.db.session() as session:
        (old,) = services.subject_requests.find(session, actor(session, services, "dpo"), reference)
    assert old.link == "" and "judicial" in old.refused, "the 30-day rule holds for the DPO too"
    looks = records_of(services, Action.VIEW_SUBJECT_FOOTAGE)
    assert [look.outcome for look in looks] == ["granted", "refused"]


def test_extension_answer_and_reminders_follow_the_deadline(
    services: Services, camera: uuid.UUID, clock: FrozenClock
) -> None:
    clock.now = datetime.fromisoformat("2026-01-30T09:00:00+01:00")
    period = (clock() - timedelta(days=1), clock() - timedelta(days=1) - timedelta(hours=-1))
    reference = record(services, spec(*period))

    def reminded() -> list[Urgency]:
        with services.db.session() as session:
            return [r.urgency for r in services.subject_requests.reminders(session, actor(session, services, "dpo"))]

    with services.db.session() as session:
        row = services.subject_requests.get(session, actor(session, services, "dpo"), reference)
        assert row.received_on == date(2026, 1, 30) and row.due_on == date(2026, 3, 2), "28 Feb is a Saturday"
    assert reminded() == []
    clock.now = datetime.fromisoformat("2026-02-23T09:00:00+01:00")
    assert reminded() == [Urgency.DUE_SOON]
    with services.db.session() as session:
        assert services.subject_requests.reminders(session, actor(session, services, "inspector")) == []
    with pytest.raises(InvalidInput) as untold, services.db.session() as session:
        services.subject_requests.extend(session, actor(session, services, "dpo"), reference, "Many cameras", False)
    assert "requester informed" in untold.value.message
    with services.db.session() as session:
        row = services.subject_requests.extend(
            session, actor(session, services, "dpo"), reference, "Footage of eleven cameras to go through", True
        )
        assert row.status == "extended" and row.due_on == date(2026, 4, 30)
    assert reminded() == []
    with pytest.raises(Conflict), services.db.session() as session:
        services.subject_requests.extend(session, actor(session, services, "dpo"), reference, "Once more please", True)
    clock.now = datetime.fromisoformat("2026-05-01T09:00:00+02:00")
    assert reminded() == [Urgency.OVERDUE]
    with services.db.session() as session:
        row = services.subject_requests.answer(
            session,
            actor(session, services, "dpo"),
            reference,
            "Footage found on one camera, sent blurred",
            "Package by registered mail",
        )
        assert (row.status, row.closed_on, row.closed_on > row.due_on) == ("answered", date(2026, 5, 1), True)
    assert reminded() == []
    with pytest.raises(Conflict), services.db.session() as session:
        services.subject_requests.refuse(session, actor(session, services, "dpo"), reference, "Manifestly unfounded")
    changes = [json.loads(r.detail)["change"] for r in records_of(services, Action.HANDLE_SUBJECT_REQUESTS)]
    assert changes == ["record", "extend", "answer"], "each step once; refused input and closed requests leave none"
