"""The drone missions log on both databases: a flight with both justifications is logged
and its real video (MP4 or MKV, H.264) becomes the drone camera's footage for the flight,
copied without transcoding and playable as a clip; a flight without justification is
refused naming the field, and the refusal is recorded; the council's report counts it."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.audit import AuditFilter
from belfort.auth.service import actor_of_user
from belfort.cameras.service import CameraSpec
from belfort.errors import Forbidden, InvalidInput, Unseen
from belfort.judicial.drones import MissionSpec, UnjustifiedMission, Video, report_csv
from belfort.media.models import Segment
from belfort.policy import Actor
from belfort.timeutil import FrozenClock
from tests.conftest import CITY, POLICE, SYSTEM, Population
from tests.support.judicial import drone_video

PROPORTIONALITY = "Only the park was filmed, for twenty minutes, from sixty metres, at night when it is empty."
SUBSIDIARITY = "No fixed camera covers the pond or the woods, and a search on foot would take hours in the dark."


@pytest.fixture
def drone(services: Services, population: Population) -> str:
    with services.db.session() as session:
        camera = services.cameras.add(session, SYSTEM, CameraSpec(name="Drone PZ 1", organisation=POLICE, kind="drone"))
        services.cameras.add(session, SYSTEM, CameraSpec(name="Drone City", organisation=CITY, kind="drone"))
        services.cameras.add(
            session, SYSTEM, CameraSpec(name="Grote Markt", organisation=POLICE, main_url="rtsp://192.0.2.1/1")
        )
        return str(camera.id)


def actor(session: Session, services: Services, username: str) -> Actor:
    return actor_of_user(services.accounts.user_by_name(session, username))


def mission(drone: str, start: datetime, **changes: object) -> MissionSpec:
    spec = MissionSpec(
        regime="administrative",
        camera=drone,
        requesting_officer="Commissaris A. Claes",
        responsible_officer="Inspecteur B. Wouters (pilot)",
        purpose="Search for a missing child in the city park",
        proportionality=PROPORTIONALITY,
        subsidiarity=SUBSIDIARITY,
        area="Stadspark, Kortrijk",
        started_at=start,
        ended_at=start + timedelta(minutes=20),
    )
    return replace(spec, **changes)  # type: ignore[arg-type]


def segments(services: Services, drone: str) -> list[Segment]:
    with services.db.session() as session:
        rows = session.scalars(select(Segment).order_by(Segment.start_time)).all()
        session.expunge_all()
    return [row for row in rows if str(row.camera_id) == drone]


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])
def test_a_justified_flight_is_logged_and_its_video_becomes_footage(
    services: Services, drone: str, clock: FrozenClock, tmp_path: Path, suffix: str
) -> None:
    start = clock() - timedelta(hours=2)
    video = drone_video(tmp_path, suffix)
    with services.db.session() as session, video.open("rb") as handle:
        row = services.drone_missions.log(
            session,
            actor(session, services, "inspector"),
            mission(drone, start),
            [Video(handle, start + timedelta(minutes=5))],
        )
        mission_id = str(row.mission.id)
    assert row.segments >= 1 and row.footage_seconds == pytest.approx(4, abs=0.2)
    kept = segments(services, drone)
    assert kept[0].start_time == start + timedelta(minutes=5) and kept[0].codec.startswith("avc1")
    assert kept[-1].end_time == pytest.approx(start + timedelta(minutes=5, seconds=4), abs=timedelta(seconds=0.2))
    assert sum(segment.frames for segment in kept) == 40  # every frame, none re-encoded
    with services.db.session() as session:
        plan = services.media.clip(session, kept[0].camera_id, start, start + timedelta(minutes=20))
        assert plan.end - plan.start == pytest.approx(timedelta(seconds=4), abs=timedelta(seconds=0.2))
        logged = services.audit.query(session, AuditFilter(action="drone.log"))
        assert [(r.outcome, r.actor_name) for r in logged] == [("granted", "inspector")]
        seen = services.drone_missions.get(session, actor(session, services, "dpo"), mission_id)
        assert seen.segments == row.segments


@pytest.mark.parametrize("field", ["proportionality", "subsidiarity"])
def test_a_flight_without_justification_is_refused_naming_the_field_and_recorded(
    services: Services, drone: str, clock: FrozenClock, tmp_path: Path, field: str
) -> None:
    start = clock() - timedelta(hours=2)
    video = drone_video(tmp_path)
    with pytest.raises(UnjustifiedMission) as refused, services.db.session() as session, video.open("rb") as handle:
        services.drone_missions.log(
            session, actor(session, services, "inspector"), mission(drone, start, **{field: ""}), [Video(handle)]
        )
    assert refused.value.status_code == 422
    assert refused.value.message.startswith(f"{field.capitalize()} is missing: a drone mission is refused without it.")
    with services.db.session() as session:
        records = services.audit.query(session, AuditFilter(action="drone.log"))
        assert [(r.outcome, r.reason) for r in records] == [("refused", refused.value.message)]
        assert f'"field": "{field}"' in records[0].detail
        assert session.scalar(select(func.count()).select_from(Segment)) == 0
    assert not list((services.settings.storage_dir).glob("*/*/*.mp4"))


def test_a_video_longer_than_the_flight_is_refused_and_leaves_nothing(
    services: Services, drone: str, clock: FrozenClock, tmp_path: Path
) -> None:
    start = clock() - timedelta(hours=2)
    video = drone_video(tmp_path)
    refused = pytest.raises(InvalidInput, match="after the flight ended")
    with refused, services.db.session() as session, video.open("rb") as handle:
        services.drone_missions.log(
            session,
            actor(session, services, "inspector"),
            mission(drone, start),
            [Video(handle, start + timedelta(minutes=19, seconds=58))],
        )
    assert segments(services, drone) == []
    with services.db.session() as session:
        assert services.audit.query(session, AuditFilter(action="drone.log")) == []


def test_a_second_video_is_added_and_may_not_overlap_the_first(
    services: Services, drone: str, clock: FrozenClock, tmp_path: Path
) -> None:
    start = clock() - timedelta(hours=2)
    video = drone_video(tmp_path)
    with services.db.session() as session:
        mission_id = str(
            services.drone_missions.log(
                session, actor(session, services, "supervisor"), mission(drone, start)
            ).mission.id
        )
    with services.db.session() as session, video.open("rb") as handle:
        row = services.drone_missions.add_video(
            session, actor(session, services, "inspector"), mission_id, Video(handle)
        )
        assert row.footage_seconds == pytest.approx(4, abs=0.2)
    refused = pytest.raises(InvalidInput, match="already has footage")
    with refused, services.db.session() as session, video.open("rb") as handle:
        services.drone_missions.add_video(
            session, actor(session, services, "inspector"), mission_id, Video(handle, start + timedelta(seconds=2))
        )
    assert len({segment.id for segment in segments(services, drone)}) == row.segments
    files = list(services.settings.storage_dir.glob("*/*/*.mp4"))
    assert len(files) == row.segments  # the refused video's files were removed with its rows


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"regime": "military"}, "regime:"),
        ({"requesting_officer": " "}, "requesting officer:"),
        ({"purpose": "park"}, "purpose:"),
        ({"area": ""}, "area:"),
        ({"ended_at": None}, "flight:"),
        ({"camera": ""}, "drone:"),
        ({"camera": "Grote Markt"}, "drone: 'Grote Markt' is not a drone"),
        ({"authorisation": "JO/1"}, "authorisation: only a judicial mission"),
        ({"regime": "judicial", "authorisation": "JO/1"}, "authorisation: PZ Test has no authorisation"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    services: Services, drone: str, clock: FrozenClock, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInput) as refused, services.db.session() as session:
        services.drone_missions.log(
            session, actor(session, services, "inspector"), mission(drone, clock() - timedelta(hours=2), **changes)
        )
    assert refused.value.message.startswith(message)


def test_landing_in_the_future_and_a_foreign_drone_are_refused(
    services: Services, drone: str, clock: FrozenClock
) -> None:
    with pytest.raises(InvalidInput, match="landing: the log is of flights made"), services.db.session() as session:
        services.drone_missions.log(
            session, actor(session, services, "inspector"), mission(drone, clock() - timedelta(minutes=5))
        )
    with pytest.raises(Unseen), services.db.session() as session:
        services.drone_missions.log(
            session, actor(session, services, "inspector"), mission("Drone City", clock() - timedelta(hours=2))
        )
    with pytest.raises(Forbidden), services.db.session() as session:
        services.drone_missions.log(
            session, actor(session, services, "operator"), mission(drone, clock() - timedelta(hours=2))
        )


def test_the_councils_report_counts_the_years_missions(services: Services, drone: str, clock: FrozenClock) -> None:
    with services.db.session() as session:
        inspector = actor(session, services, "inspector")
        services.drone_missions.log(session, inspector, mission(drone, clock() - timedelta(days=3)))
        services.drone_missions.log(session, inspector, mission(drone, clock() - timedelta(days=2), regime="judicial"))
        services.drone_missions.log(session, inspector, mission(drone, clock() - timedelta(days=365)))  # last year
    with services.db.session() as session:
        report = services.drone_missions.report(session, actor(session, services, "dpo"), 2026)
        assert [row.mission.regime for row in report.missions] == ["administrative", "judicial"]
        assert report.flight_time == timedelta(minutes=40)
        lines = list(csv.DictReader(io.StringIO(report_csv(report, services.settings.zone))))
        assert [line["regime"] for line in lines] == ["administrative", "judicial"]
        assert lines[0]["date"] == "2026-11-18" and lines[0]["minutes"] == "20"
        assert lines[0]["area"] == "Stadspark, Kortrijk" and lines[0]["subsidiarity"] == SUBSIDIARITY
        assert (
            services.drone_missions.report(session, SYSTEM, 2025, POLICE).missions[0].mission.regime == "administrative"
        )
        with pytest.raises(Unseen):
            services.drone_missions.report(session, actor(session, services, "dpo"), 2026, CITY)
        reads = services.audit.query(session, AuditFilter(action="drone.view"))
        assert sorted(r.outcome for r in reads) == ["granted", "granted", "refused"]
