"""The supervisor dashboard on both databases: a look at logs that passes the gate and is
recorded; the team chief on duty named; a live look outside the person's shift and a run of
refusals flagged from the audit log; nothing of another organisation's people."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from belfort.app import Services
from belfort.audit.models import AuditRecord
from belfort.auth.service import actor_of_user
from belfort.cameras.service import CameraSpec
from belfort.errors import Forbidden, Unseen
from belfort.media.frames import Frame
from belfort.policy import Actor, Purpose, PurposeKind
from belfort.staffing.anomalies import Flag
from belfort.staffing.shifts import ShiftSpec
from tests.conftest import POLICE, SYSTEM, Population
from tests.web.test_live_api import frames  # noqa: F401 - a fixture: real H.264 frames

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
PURPOSE = Purpose(PurposeKind.ADMINISTRATIVE, "Checking the square after a call")


def actor(services: Services, username: str) -> Actor:
    with services.db.session() as session:
        return actor_of_user(services.accounts.user_by_name(session, username))


def test_the_dashboard_names_the_team_chief_and_flags_a_look_outside_the_shift(
    services: Services,
    population: Population,
    frames: list[Frame],  # noqa: F811 - the fixture
) -> None:
    chief, operator, partner = actor(services, "supervisor"), actor(services, "operator"), actor(services, "partner")
    with services.db.session() as session:
        camera = str(
            services.cameras.add(
                session,
                SYSTEM,
                CameraSpec(name="Grote Markt", organisation=POLICE, main_url="rtsp://c/1", council_consent_ref="GR/1"),
            ).id
        )
        services.shifts.add(
            session, chief, ShiftSpec("supervisor", NOW - timedelta(hours=1), NOW + timedelta(hours=7), True)
        )
        services.shifts.add(session, chief, ShiftSpec("operator", NOW + timedelta(hours=1), NOW + timedelta(hours=9)))
    feed = services.media.live.feed_for(camera)
    thread = threading.Thread(target=lambda: [feed.on_frame(camera, f) for f in frames[:12]])
    thread.start()
    thread.join()
    try:
        with services.db.session() as session:
            services.live.snapshot(session, operator, None, camera, PURPOSE)
    finally:
        services.media.live.drop(camera, feed)
    for _ in range(5):
        with services.db.session() as session, pytest.raises(Unseen):
            services.live.snapshot(session, partner, None, camera, PURPOSE)  # the shop's people: not theirs

    with services.db.session() as session:
        board = services.supervisor_board.dashboard(session, chief)
    assert board.organisation == POLICE and [s.person.username for s in board.team_chiefs] == ["supervisor"]
    assert board.watching == [], "a snapshot is a look, not a stream left open"
    (flag,) = board.anomalies
    assert (flag.flag, flag.person) == (Flag.OUTSIDE_SHIFT, "operator")
    assert flag.sentence.startswith("operator watched live outside their shift 1 time in the last 12 hours")
    assert "Grote Markt at 2026-11-21 13:00+01:00" in flag.sentence

    with services.db.session() as session:
        assert services.supervisor_board.dashboard(session, actor(services, "dpo")).anomalies == board.anomalies
    for username in ("operator", "inspector", "security_guard"):
        refused = actor(services, username)
        with services.db.session() as session, pytest.raises(Forbidden, match="may not see who is watching"):
            services.supervisor_board.dashboard(session, refused)
    with services.db.session() as session:
        looks = session.scalars(select(AuditRecord).where(AuditRecord.action == "staff.supervise")).all()
    assert [(r.actor_name, r.outcome) for r in looks] == [
        ("supervisor", "granted"),
        ("dpo", "granted"),
        ("operator", "refused"),
        ("inspector", "refused"),
        ("security_guard", "refused"),
    ]
    assert json.loads(looks[0].resources)[0]["kind"] == "audit_log"
