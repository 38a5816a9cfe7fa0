"""The annual report on both databases, checked against the audit log counted by the test.

A police zone's year is lived through the real services: live looks and playback allowed
and refused, evidence exports, holds placed and lifted, plate reads and hits, a drone
mission and a data-subject request, on both sides of the turn of the year in Brussels
(31 December 23:30 and 1 January 00:30 local time, which are both 31 December in UTC).
The test then counts the expected figures itself, from the audit records and the tables,
placing each in its local year with its own arithmetic, and compares them with the report.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from belfort.anpr.models import PlateRead
from belfort.app import Services
from belfort.audit.models import AuditRecord
from belfort.auth.service import actor_of_user
from belfort.cameras.service import CameraSpec
from belfort.dpo.subject_requests import SubjectRequestSpec
from belfort.errors import Forbidden, InvalidInput, Unseen
from belfort.evidence.service import ExportItem, ExportRequest
from belfort.judicial.drones import MissionSpec
from belfort.policy import Action, Actor, Purpose, PurposeKind
from belfort.timeutil import FrozenClock, iso_utc
from belfort.transparency.report import AnnualReport
from belfort.transparency.report_pdf import pdf
from tests.conftest import POLICE, SYSTEM, Population, bearer
from tests.support.judicial import register_authorisation
from tests.support.pdf import rendered_pages
from tests.support.recordings import open_recordings, record_clip, small_clip

BRUSSELS = ZoneInfo("Europe/Brussels")
LAST_HALF_HOUR = datetime(2026, 12, 31, 23, 30, tzinfo=BRUSSELS)
FIRST_HALF_HOUR = datetime(2027, 1, 1, 0, 30, tzinfo=BRUSSELS)
REPORTED = datetime(2027, 2, 1, 12, 0, tzinfo=UTC)
PROSECUTOR = "KO.21.L7.000123/26"
JUDGE = "JO/2026/77"
ADMINISTRATIVE = Purpose(PurposeKind.ADMINISTRATIVE, "Fight on the market square reported by a patrol")
BY_PROSECUTOR = Purpose(PurposeKind.JUDICIAL, "Robbery of the jeweller, case AN.21.L7.1234/26", PROSECUTOR)
BY_JUDGE = Purpose(PurposeKind.JUDICIAL, "Robbery of the jeweller, case AN.21.L7.1234/26", JUDGE)
CONSULTATIONS = {"live.view", "recording.view", "anpr.search", "anpr.hits", "dpo.subject_footage"}
AGE_LIMITED = {"recording.view", "evidence.export", "hold.place", "anpr.search", "dpo.subject_footage"}


@dataclass
class Year:
    camera: str
    footage: tuple[datetime, datetime]
    police_id: str
    hold_2027: str


def actor(session: Session, services: Services, username: str) -> Actor:
    return actor_of_user(services.accounts.user_by_name(session, username))


def live(services: Services, username: str, camera: str, purpose: Purpose | None) -> None:
    with services.db.session() as session:
        services.cameras.granted(session, actor(session, services, username), camera, Action.VIEW_LIVE, purpose)


def play(
    services: Services, username: str, year_camera: str, footage: tuple[datetime, datetime], purpose: Purpose
) -> None:
    with services.db.session() as session:
        services.playback.request(session, actor(session, services, username), year_camera, *footage, purpose)


def export(services: Services, camera: str, footage: tuple[datetime, datetime], purpose: Purpose, to: str) -> None:
    with services.db.session() as session:
        request = ExportRequest((ExportItem(camera, *footage),), "PV 2026/4711", to, purpose)
        services.exports.request(session, actor(session, services, "inspector"), request)


def hold(services: Services, camera: str, footage: tuple[datetime, datetime], purpose: Purpose) -> str:
    with services.db.session() as session:
        placed, _camera = services.holds.place(
            session, actor(session, services, "inspector"), camera, *footage, "PV 2026/4711", "kept for court", purpose
        )
        return str(placed.id)


def lift(services: Services, hold_id: str) -> None:
    with services.db.session() as session:
        services.holds.lift(session, actor(session, services, "inspector"), hold_id, BY_PROSECUTOR)


def refused(call: object, *args: object) -> None:
    assert callable(call)
    with pytest.raises((Forbidden, Unseen)):
        call(*args)


def read(client: TestClient, token: dict[str, str], services: Services, plate: str) -> None:
    answer = client.post(
        "/api/anpr/reads",
        json={
            "reads": [{"id": uuid.uuid4().hex, "plate": plate, "time": iso_utc(services.clock()), "unit": "Combi 3"}]
        },
        headers=token,
    )
    assert answer.status_code == 200, answer.text


def fly(services: Services, drone: str, start: datetime, end: datetime) -> None:
    with services.db.session() as session:
        services.drone_missions.log(
            session,
            actor(session, services, "inspector"),
            MissionSpec(
                regime="administrative",
                camera=drone,
                requesting_officer="Commissaris Vermeulen",
                responsible_officer="Inspecteur Claes",
                purpose="Crowd control during the New Year's Eve fireworks on the Grote Markt",
                proportionality="Twenty thousand people on one square; only the crowd's movement was filmed, "
                "from high above, for the forty minutes of the fireworks.",
                subsidiarity="The fixed cameras do not see the side streets where people pressed in, and "
                "patrols could not move through the crowd to look.",
                area="Grote Markt",
                started_at=start,
                ended_at=end,
            ),
        )


def ask_own_footage(services: Services, camera: str, answer: bool) -> None:
    now = services.clock()
    with services.db.session() as session:
        dpo = actor(session, services, "dpo")
        spec = SubjectRequestSpec(
            requester_name="Anna Peeters",
            requester_contact="anna.peeters@example.org",
            identity_check="ID card seen at the desk",
            identity_checked_by="Inspector Claes",
            period_start=now - timedelta(hours=3),
            period_end=now - timedelta(hours=2),
            cameras=[camera],
        )
        reference = services.subject_requests.record(session, dpo, spec).reference
        if answer:
            services.subject_requests.answer(
                session, dpo, reference, "No footage of the requester was kept", "a letter by post"
            )


@pytest.fixture
def year(
    services: Services, population: Population, client: TestClient, clock: FrozenClock, tmp_path: Path
) -> Iterator[Year]:
    """A police zone's year, lived through the services, across the turn of the year."""
    with services.db.session() as session:
        camera = services.cameras.add(
            session,
            SYSTEM,
            CameraSpec(name="Grote Markt", organisation=POLICE, main_url="rtsp://192.0.2.1/1", retention_max_days=60),
        )
        drone = services.cameras.add(
            session,
            SYSTEM,
            CameraSpec(name="Drone 1", organisation=POLICE, main_url="rtsp://192.0.2.2/1", kind="drone"),
        )
        camera_id, drone_id = str(camera.id), str(drone.id)
        _, secret = services.accounts.create_token(
            session, SYSTEM, name="anpr-e17", organisation=POLICE, scopes=["anpr:ingest"]
        )
    token = {"Authorization": f"Bearer {secret}"}
    storage = open_recordings(services, tmp_path / "recordings")
    segments = record_clip(services, storage, uuid.UUID(camera_id), small_clip())
    footage = (segments[0].start_time, segments[-1].end_time)
    supervisor = bearer(client, "supervisor")
    hotlist = client.post("/api/anpr/hotlists", json={"name": "National"}, headers=supervisor).json()["id"]
    client.put(
        f"/api/anpr/hotlists/{hotlist}/entries",
        content=b"1-ABC-234,stolen,1,,grey Golf\n",
        headers={**supervisor, "Content-Type": "text/csv"},
    )
    assert services.anpr.hotlists.wait_built()

    clock.now = footage[1] + timedelta(hours=1)  # 21 November 2026: within the first month
    live(services, "operator", camera_id, ADMINISTRATIVE)
    refused(live, services, "operator", camera_id, None)
    play(services, "operator", camera_id, footage, ADMINISTRATIVE)
    export(services, camera_id, footage, ADMINISTRATIVE, "Parket Kortrijk")
    first_hold = hold(services, camera_id, footage, BY_PROSECUTOR)
    read(client, token, services, "1ABC234")
    register_authorisation(services, PROSECUTOR)
    register_authorisation(services, JUDGE, kind="investigating_judge_order")

    clock.now = LAST_HALF_HOUR.astimezone(UTC)  # the footage is 40 days old now
    refused(play, services, "operator", camera_id, footage, ADMINISTRATIVE)
    play(services, "inspector", camera_id, footage, BY_PROSECUTOR)
    export(services, camera_id, footage, BY_JUDGE, "Onderzoeksrechter Gent")
    lift(services, first_hold)
    read(client, token, services, "1ABC234")
    fly(services, drone_id, clock.now - timedelta(hours=2), clock.now - timedelta(hours=1))
    ask_own_footage(services, camera_id, answer=True)

    clock.now = FIRST_HALF_HOUR.astimezone(UTC)  # 23:30 UTC on 31 December: already 2027 in Brussels
    refused(play, services, "operator", camera_id, footage, ADMINISTRATIVE)
    export(services, camera_id, footage, BY_PROSECUTOR, "Onderzoeksrechter Gent")
    live(services, "operator", camera_id, ADMINISTRATIVE)
    later_hold = hold(services, camera_id, footage, BY_PROSECUTOR)
    read(client, token, services, "2XYZ999")
    fly(services, drone_id, clock.now - timedelta(minutes=20), clock.now - timedelta(minutes=5))
    ask_own_footage(services, camera_id, answer=False)

    clock.now = REPORTED
    yield Year(camera_id, footage, population.police_id, later_hold)
    services.media.index.stop()


def report_of(services: Services, username: str, year: int, organisation: str = POLICE) -> AnnualReport:
    with services.db.session() as session:
        return services.annual_report.report(session, actor(session, services, username), organisation, year)


# -- the test's own counting ---------------------------------------------------------------


def local_year(moment: datetime) -> int:
    return moment.astimezone(BRUSSELS).year


def records_in(services: Services, org: str, year: int) -> list[AuditRecord]:
    """The audit records of the organisation's people and of others' looks at its cameras, of
    the local year, selected and placed by the test itself."""
    owner = f'"id": "{org}", "kind": "organisation"'
    with services.db.session() as session:
        rows = session.scalars(select(AuditRecord).order_by(AuditRecord.seq)).all()
        session.expunge_all()
    return [
        r
        for r in rows
        if local_year(r.ts_utc) == year
        and (r.organisation_id == org or owner in json.dumps(json.loads(r.resources), sort_keys=True))
    ]


def expected_consultations(records: list[AuditRecord]) -> dict[tuple[str, bool], int]:
    return dict(Counter((r.purpose, r.outcome == "granted") for r in records if r.action in CONSULTATIONS))


def expected_judicial(records: list[AuditRecord]) -> dict[str, tuple[int, int]]:
    granted = Counter(
        r.action
        for r in records
        if r.action in AGE_LIMITED
        and r.outcome == "granted"
        and r.purpose == "judicial"
        and r.legal_basis_ref
        and r.range_start is not None
        and (r.ts_utc - r.range_start).total_seconds() > 30 * 86400
    )
    denied = Counter(
        r.action
        for r in records
        if r.action in AGE_LIMITED and r.outcome == "refused" and json.loads(r.detail or "{}").get("rule") == "30-day"
    )
    return {action: (granted[action], denied[action]) for action in set(granted) | set(denied)}


def expected_exports(records: list[AuditRecord]) -> dict[str, int]:
    exports: dict[str, set[str]] = {}
    for r in records:
        if r.action == "evidence.export" and r.outcome == "granted":
            exports.setdefault(r.recipient, set()).add(json.loads(r.detail)["export"])
    return {recipient: len(ids) for recipient, ids in exports.items()}


def expected_holds(records: list[AuditRecord]) -> dict[str, tuple[int, int]]:
    placed = Counter(r.purpose for r in records if r.action == "hold.place" and r.outcome == "granted")
    lifted = Counter(r.purpose for r in records if r.action == "hold.lift" and r.outcome == "granted")
    return {purpose: (placed[purpose], lifted[purpose]) for purpose in ("administrative", "judicial")}


def reads_in(services: Services, org: str, year: int) -> int:
    with services.db.session() as session:
        times = session.scalars(select(PlateRead.ts).where(PlateRead.organisation_id == uuid.UUID(org))).all()
    return sum(1 for ts in times if local_year(ts) == year)


def figures_of(report: AnnualReport) -> dict[str, object]:
    return {
        "consultations": {
            (c.purpose, granted): n
            for c in report.consultations
            for granted, n in ((True, c.granted), (False, c.refused))
            if n
        },
        "judicial": {j.action: (j.granted, j.refused) for j in report.judicial},
        "exports": {e.recipient: e.exports for e in report.exports},
        "holds": {h.purpose: (h.placed, h.lifted) for h in report.holds},
    }


@pytest.mark.parametrize("reported_year", [2026, 2027])
def test_the_report_agrees_with_the_audit_log_counted_independently(
    services: Services, year: Year, reported_year: int
) -> None:
    report = report_of(services, "dpo", reported_year)
    records = records_in(services, year.police_id, reported_year)
    assert figures_of(report) == {
        "consultations": expected_consultations(records),
        "judicial": expected_judicial(records),
        "exports": expected_exports(records),
        "holds": expected_holds(records),
    }
    assert report.plates.reads == reads_in(services, year.police_id, reported_year)


def test_each_moment_lands_in_its_local_year(services: Services, year: Year) -> None:
    """What the test did, in figures: 23:30 on 31 December belongs to 2026, 00:30 on 1 January
    (still 31 December in UTC) to 2027."""
    last, first = report_of(services, "dpo", 2026), report_of(services, "dpo", 2027)
    assert figures_of(last) == {
        "consultations": {
            ("administrative", True): 2,
            ("administrative", False): 1,
            ("", False): 1,
            ("judicial", True): 1,
        },
        "judicial": {"recording.view": (1, 1), "evidence.export": (1, 0)},
        "exports": {"Parket Kortrijk": 1, "Onderzoeksrechter Gent": 1},
        "holds": {"administrative": (0, 0), "judicial": (1, 1)},
    }
    assert figures_of(first) == {
        "consultations": {("administrative", True): 1, ("administrative", False): 1},
        "judicial": {"recording.view": (0, 1), "evidence.export": (1, 0), "hold.place": (1, 0)},
        "exports": {"Onderzoeksrechter Gent": 1},
        "holds": {"administrative": (0, 0), "judicial": (1, 0)},
    }
    assert (last.authorisations, last.references) == ({"investigating_judge_order": 1, "prosecutor_decision": 1}, 2)
    assert (first.authorisations, first.references) == ({"prosecutor_decision": 2}, 1)
    assert (last.plates.reads, last.plates.hits, first.plates.reads, first.plates.hits) == (2, 2, 1, 0)
    assert [(d.regime, d.missions, d.hours) for d in last.drones] == [("administrative", 1, 1.0), ("judicial", 0, 0.0)]
    assert [d.missions for d in first.drones] == [1, 0]
    assert (last.requests.received, last.requests.answered, last.requests.in_time, last.requests.open) == (1, 1, 1, 0)
    assert (first.requests.received, first.requests.open, first.requests.overdue) == (1, 1, 0)
    assert sorted((c.kind, c.regime, c.cameras) for c in last.cameras) == [
        ("drone", "police", 1),
        ("fixed", "police", 1),
    ]
    assert report_of(services, "dpo", 2025).cameras == (), "the cameras were added in November 2026"


def test_retention_shows_the_oldest_footage_and_flags_what_no_hold_keeps(services: Services, year: Year) -> None:
    police = report_of(services, "dpo", 2026).retention[0]
    assert (police.regime, police.limit_days, police.cameras) == ("police", 365, 1)
    assert police.oldest == year.footage[0] and police.oldest_days == (REPORTED - year.footage[0]).days
    assert police.beyond == 0, "past the camera's 60 days, but a judicial hold keeps it"
    lift(services, year.hold_2027)
    assert report_of(services, "dpo", 2026).retention[0].beyond == 1


def test_each_reading_is_one_audit_record_and_another_zone_is_refused_on_record(services: Services, year: Year) -> None:
    def readings() -> list[AuditRecord]:
        with services.db.session() as session:
            rows = session.scalars(
                select(AuditRecord).where(AuditRecord.action == "transparency.report").order_by(AuditRecord.seq)
            ).all()
            session.expunge_all()
            return list(rows)

    report_of(services, "supervisor", 2026)
    with services.db.session() as session:
        services.accounts.add_organisation(session, SYSTEM, "PZ Elders", "police_zone")
    with pytest.raises(Unseen):
        report_of(services, "dpo", 2026, "PZ Elders")
    with pytest.raises(Forbidden):
        report_of(services, "operator", 2026)
    assert report_of(services, "auditor", 2026, "PZ Elders").organisation == "PZ Elders"
    with pytest.raises(InvalidInput, match="year: '2028' is not a year of the report"):
        report_of(services, "dpo", 2028)
    assert [(r.actor_name, r.outcome, json.loads(r.detail).get("year")) for r in readings()] == [
        ("supervisor", "granted", 2026),
        ("dpo", "refused", 2026),
        ("operator", "refused", 2026),
        ("auditor", "granted", 2026),
    ]


def test_the_pdf_opens_and_reads_as_the_report(services: Services, year: Year, tmp_path: Path) -> None:
    """pdftoppm (poppler) renders every page; the pictures are kept in test-artifacts/."""
    document = tmp_path / "annual-report.pdf"
    document.write_bytes(pdf(report_of(services, "dpo", 2026), "nl", BRUSSELS))
    pages = rendered_pages(document, "annual-report")
    assert len(pages) >= 3, "a title page and the sections"
    text = subprocess.run(
        ["pdftotext", "-layout", str(document), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert POLICE in text and "2026" in text
    assert "Parket Kortrijk" in text and "Onderzoeksrechter Gent" in text
    named = [name for name in ("Anna Peeters", "Commissaris Vermeulen", "Inspecteur Claes") if name in text]
    assert named == [], "the report names no one"
