"""Shifts on both databases: planned in local time, never overlapping for one person, the
team chief's only for a team chief, cancelled but never erased, every change audited."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from belfort.app import Services
from belfort.audit.models import AuditRecord
from belfort.auth.service import actor_of_user
from belfort.errors import Conflict, Forbidden, InvalidInput, Unseen
from belfort.policy import Actor
from belfort.staffing.shifts import ShiftSpec
from belfort.timeutil import FrozenClock
from tests.conftest import Population

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def actor(services: Services, username: str) -> Actor:
    """The person as they act (read before the session that acts: SQLite has one writer)."""
    with services.db.session() as session:
        return actor_of_user(services.accounts.user_by_name(session, username))


def plan(
    services: Services, username: str, start: timedelta, hours: float, chief: bool = False, by: str = "supervisor"
) -> str:
    planner = actor(services, by)
    with services.db.session() as session:
        shift = services.shifts.add(
            session, planner, ShiftSpec(username, NOW + start, NOW + start + timedelta(hours=hours), chief)
        )
        return str(shift.id)


def test_a_team_chief_plans_the_shifts_and_is_named_on_duty(services: Services, population: Population) -> None:
    chief = plan(services, "supervisor", timedelta(hours=-2), 8, chief=True)
    plan(services, "operator", timedelta(hours=-2), 8, by="admin")
    plan(services, "operator", timedelta(hours=6), 8)
    admin, dpo = actor(services, "admin"), actor(services, "dpo")
    with services.db.session() as session:
        on_duty = services.shifts.on_duty(session, admin.organisation_id)  # type: ignore[arg-type]
        assert [(s.person.username, s.team_chief) for s in on_duty] == [("supervisor", True), ("operator", False)]
        assert str(on_duty[0].id) == chief
        week = services.shifts.listed(session, dpo, NOW, NOW + timedelta(days=7))
        assert len(week) == 3
    with services.db.session() as session:
        records = session.scalars(select(AuditRecord).where(AuditRecord.action == "staff.shifts")).all()
    assert [(r.actor_name, r.outcome, json.loads(r.detail)["team_chief"]) for r in records] == [
        ("supervisor", "granted", True),
        ("admin", "granted", False),
        ("supervisor", "granted", False),
    ]


def test_bad_shifts_are_refused_naming_the_field(services: Services, population: Population) -> None:
    plan(services, "operator", timedelta(hours=1), 8)
    chief, operator = actor(services, "supervisor"), actor(services, "operator")
    cases = [
        (
            ShiftSpec("operator", NOW + timedelta(hours=3), NOW + timedelta(hours=2)),
            InvalidInput,
            "End: give a moment after",
        ),
        (
            ShiftSpec("operator", NOW - timedelta(hours=9), NOW - timedelta(hours=1)),
            InvalidInput,
            "that moment has passed",
        ),
        (ShiftSpec("operator", NOW, NOW + timedelta(hours=25)), InvalidInput, "at most 24 hours"),
        (ShiftSpec("operator", NOW, NOW + timedelta(hours=2), team_chief=True), InvalidInput, "the team chief's role"),
        (ShiftSpec("inspector", NOW, NOW + timedelta(hours=2)), InvalidInput, "neither at the video wall"),
        (
            ShiftSpec("operator", NOW + timedelta(hours=8), NOW + timedelta(hours=10)),
            Conflict,
            "already has a shift from",
        ),
        (ShiftSpec("partner", NOW, NOW + timedelta(hours=2)), Unseen, "There is no user 'partner'"),
        (ShiftSpec("nobody", NOW, NOW + timedelta(hours=2)), Unseen, "There is no user 'nobody'"),
    ]
    for spec, error, message in cases:
        with services.db.session() as session, pytest.raises(error, match=message):
            services.shifts.add(session, chief, spec)
    with services.db.session() as session, pytest.raises(Forbidden, match="may not plan shifts"):
        services.shifts.add(session, operator, ShiftSpec("operator", NOW, NOW + timedelta(hours=1)))


def test_a_shift_is_cancelled_not_erased_and_an_ended_one_stays(
    services: Services, population: Population, clock: FrozenClock
) -> None:
    under_way = plan(services, "operator", timedelta(hours=-1), 2)
    later = plan(services, "operator", timedelta(hours=3), 2)
    chief = actor(services, "supervisor")
    with services.db.session() as session:
        cancelled = services.shifts.cancel(session, chief, later)
        assert cancelled.cancelled_by == "supervisor"
    with services.db.session() as session, pytest.raises(Conflict, match="already cancelled"):
        services.shifts.cancel(session, chief, later)
    clock.advance(timedelta(hours=2))
    with services.db.session() as session, pytest.raises(Conflict, match="has ended"):
        services.shifts.cancel(session, chief, under_way)
    with services.db.session() as session:
        shown = services.shifts.listed(session, chief, NOW - timedelta(days=1), NOW + timedelta(days=1))
        assert [(str(s.id), s.cancelled_at is not None) for s in shown] == [(under_way, False), (later, True)]
    with services.db.session() as session, pytest.raises(Unseen):
        services.shifts.cancel(session, chief, "not-a-shift")
