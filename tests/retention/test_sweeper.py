"""Retention on both databases: footage is erased after its camera's maximum, never
before its minimum, never under an evidence hold; a size budget evicts oldest first with
a warning; every erasure is audited."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from belfort.app import Services
from belfort.audit import AuditFilter, verify_chain
from belfort.auth.service import actor_of_user
from belfort.cameras.models import Camera
from belfort.cameras.service import CameraSpec
from belfort.errors import Forbidden, InvalidInput
from belfort.media.models import MediaEvent, Segment
from belfort.media.service import open_storage
from belfort.media.storage import Storage
from belfort.policy import Purpose, PurposeKind
from belfort.retention.sweeper import RetentionSweeper
from belfort.timeutil import FrozenClock
from tests.conftest import SYSTEM, Population
from tests.support.judicial import register_authorisation


@pytest.fixture
def storage(services: Services, tmp_path: Path) -> Storage:
    return open_storage(services.db, tmp_path / "recordings")


def camera(services: Services, name: str, org: str, **spec: object) -> Camera:
    with services.db.session() as session:
        return services.cameras.add(
            session, SYSTEM, CameraSpec(name=name, organisation=org, main_url="rtsp://cam/x", **spec)
        )


def segment(
    services: Services, storage: Storage, cam: Camera, start: datetime, minutes: int = 1, size: int = 1000
) -> Segment:
    segment_id = uuid.uuid4()
    relative = Storage.relative_path(cam.id, segment_id, start)
    path = storage.path(relative)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0" * size)
    row = Segment(
        id=segment_id,
        camera_id=cam.id,
        storage_id=storage.id,
        path=relative,
        state="complete",
        start_time=start,
        end_time=start + timedelta(minutes=minutes),
        bytes=size,
        frames=1200,
        keyframes=60,
        codec="avc1.4D401F",
        width=1280,
        height=720,
        fragments=b"",
    )
    with services.db.session() as session:
        session.add(row)
    return row


def remaining(services: Services) -> set[uuid.UUID]:
    with services.db.session() as session:
        return set(session.scalars(select(Segment.id)))


def test_erases_after_max_retention_and_never_early(
    services: Services, population: Population, storage: Storage, clock: FrozenClock
) -> None:
    police = camera(services, "Markt", "PZ Test", retention_max_days=30, council_consent_ref="GR/1")
    now = clock()
    old = segment(services, storage, police, now - timedelta(days=31))
    edge = segment(services, storage, police, now - timedelta(days=30, seconds=30))  # ends 29d 23h 59m 30s ago
    young = segment(services, storage, police, now - timedelta(days=2))
    report = RetentionSweeper(services.db, services.gate, storage, services.settings.policy, clock=clock).sweep()
    assert report.erased_segments == 1
    assert remaining(services) == {edge.id, young.id}
    assert not storage.path(old.path).exists() and storage.path(edge.path).exists()
    clock.advance(timedelta(minutes=1))
    RetentionSweeper(services.db, services.gate, storage, services.settings.policy, clock=clock).sweep()
    assert remaining(services) == {young.id}


def test_erasure_is_audited(services: Services, population: Population, storage: Storage, clock: FrozenClock) -> None:
    cam = camera(services, "Markt", "PZ Test", retention_max_days=10)
    first = segment(services, storage, cam, clock() - timedelta(days=20))
    segment(services, storage, cam, clock() - timedelta(days=15))
    RetentionSweeper(services.db, services.gate, storage, services.settings.policy, clock=clock).sweep()
    with services.db.session() as session:
        records = services.audit.query(session, AuditFilter(action="recording.erase"))
        assert len(records) == 1
        record = records[0]
        assert record.op == "erase" and record.outcome == "granted" and record.actor_name == "retention-sweeper"
        assert record.range_start == first.start_time and '"segments": 2' in record.detail
        assert "Markt" in record.resources
        assert verify_chain(session).ok


def test_evidence_hold_survives_the_sweeper(
    services: Services, population: Population, storage: Storage, clock: FrozenClock
) -> None:
    cam = camera(services, "Markt", "PZ Test", retention_max_days=30, council_consent_ref="GR/1")
    held = segment(services, storage, cam, clock() - timedelta(days=40))
    free = segment(services, storage, cam, clock() - timedelta(days=40, minutes=5))
    purpose = Purpose(PurposeKind.JUDICIAL, "Armed robbery at the jeweller's", "KO.21.L7.000123/26")
    register_authorisation(services, "KO.21.L7.000123/26")
    with services.db.session() as session:
        inspector = actor_of_user(services.accounts.user_by_name(session, "inspector"))
        hold, _ = services.holds.place(
            session,
            inspector,
            str(cam.id),
            held.start_time + timedelta(seconds=10),
            held.start_time + timedelta(seconds=20),
            "PV 2026/004512",
            "robbery evidence",
            purpose,
        )
    RetentionSweeper(services.db, services.gate, storage, services.settings.policy, clock=clock).sweep()
    assert remaining(services) == {held.id}
    assert not storage.path(free.path).exists()
    with services.db.session() as session:
        services.holds.lift(session, inspector, str(hold.id), purpose)
    RetentionSweeper(services.db, services.gate, storage, services.settings.policy, clock=clock).sweep()
    assert remaining(services) == set()
    with services.db.session() as session:
        actions = [r.action for r in services.audit.query(session, AuditFilter(person="inspector"))]
    assert actions.count("hold.place") == 1 and actions.count("hold.lift") == 1


def test_holds_need_the_right_role_and_purpose(
    services: Services, population: Population, storage: Storage, clock: FrozenClock
) -> None:
    cam = camera(services, "Markt", "PZ Test")
    now = clock()
    with services.db.session() as session:
        operator = actor_of_user(services.accounts.user_by_name(session, "operator"))
        with pytest.raises(Forbidden, match="may not put evidence holds"):
            services.holds.place(
                session,
                operator,
                str(cam.id),
                now - timedelta(hours=1),
                now,
                "PV 1",
                "x",
                Purpose(PurposeKind.ADMINISTRATIVE, "Incident on the market"),
            )


def test_size_budget_evicts_oldest_but_respects_minimum_retention(
    services: Services, population: Population, storage: Storage, clock: FrozenClock
) -> None:
    bodycam = camera(services, "Bodycam 7", "PZ Test", kind="bodycam")
    fixed = camera(services, "Markt", "PZ Test")
    now = clock()
    oldest_bodycam = segment(services, storage, bodycam, now - timedelta(days=20), size=1000)
    old_fixed = segment(services, storage, fixed, now - timedelta(days=10), size=1000)
    newer_fixed = segment(services, storage, fixed, now - timedelta(days=5), size=1000)
    newest = segment(services, storage, fixed, now - timedelta(days=1), size=1000)
    report = RetentionSweeper(
        services.db, services.gate, storage, services.settings.policy, budget_bytes=3000, clock=clock
    ).sweep()
    assert oldest_bodycam.id in remaining(services), "bodycam footage younger than 30 days must stay"
    assert remaining(services) == {oldest_bodycam.id, newer_fixed.id, newest.id}
    assert report.evicted_for_budget == 1 and report.held_back == 1
    assert not storage.path(old_fixed.path).exists()
    with services.db.session() as session:
        warning = session.scalars(select(MediaEvent).where(MediaEvent.kind == "size_budget")).one()
        assert warning.level == "warning" and "over its size budget" in warning.message
        erase = services.audit.query(session, AuditFilter(action="recording.erase"))[0]
        assert '"reason": "size budget"' in erase.detail


def test_an_administrative_hold_keeps_footage_no_longer_than_the_law_allows(
    services: Services, population: Population, storage: Storage, clock: FrozenClock
) -> None:
    """Camera law: a month at most. An administrative hold keeps footage past the camera's own
    retention, but not past that month; a judicial hold keeps it until lifted."""
    cam = camera(services, "Shop door", "Shop Test", retention_max_days=7)
    placed = clock()
    early = segment(services, storage, cam, placed - timedelta(days=3))
    late = segment(services, storage, cam, placed - timedelta(days=3, minutes=5))
    administrative = Purpose(PurposeKind.ADMINISTRATIVE, "Shoplifting reported by the owner")
    judicial = Purpose(PurposeKind.JUDICIAL, "Burglary: footage for the investigation", "KO.21.L7.000124/26")
    with services.db.session() as session:
        for held, purpose in ((early, administrative), (late, judicial)):
            services.holds.place(
                session,
                SYSTEM,
                str(cam.id),
                held.start_time,
                held.end_time,
                "PV 2026/7",
                "kept for the case",
                purpose,
            )
    clock.advance(timedelta(days=20))
    RetentionSweeper(services.db, services.gate, storage, services.settings.policy, clock=clock).sweep()
    assert remaining(services) == {early.id, late.id}  # past the camera's 7 days, both held
    clock.advance(timedelta(days=15))
    RetentionSweeper(services.db, services.gate, storage, services.settings.policy, clock=clock).sweep()
    assert remaining(services) == {late.id}  # past the camera law's month only the judicial hold keeps


def test_hold_ranges_are_bounded_by_their_purpose(
    services: Services, population: Population, clock: FrozenClock
) -> None:
    cam = camera(services, "Markt", "PZ Test")
    now = clock()
    administrative = Purpose(PurposeKind.ADMINISTRATIVE, "Fight on the market square")
    judicial = Purpose(PurposeKind.JUDICIAL, "Investigation of the fight", "KO.21.L7.000125/26")
    with services.db.session() as session:
        with pytest.raises(InvalidInput, match="administrative hold covers footage recorded already"):
            services.holds.place(
                session,
                SYSTEM,
                str(cam.id),
                now - timedelta(hours=1),
                now + timedelta(days=1),
                "PV 1",
                "x",
                administrative,
            )
        with pytest.raises(InvalidInput, match="at most 31 days ahead"):
            services.holds.place(
                session, SYSTEM, str(cam.id), now, datetime(9999, 1, 1, tzinfo=UTC), "PV 1", "x", judicial
            )
        hold, _ = services.holds.place(
            session, SYSTEM, str(cam.id), now, now + timedelta(days=30), "PV 1", "x", judicial
        )
        assert hold.purpose == "judicial" and hold.legal_basis_ref == "KO.21.L7.000125/26"
