"""The live-view rule on designations: where the organisation designates its viewers, only a
person with a designation in force watches live; a private security guard always needs
one, naming a supervising inspector, and never plays back, exports or searches."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from belfort.policy import (
    Action,
    Actor,
    ActorKind,
    DesignationTerm,
    GrantTerm,
    OrganisationKind,
    PolicyRules,
    Purpose,
    PurposeKind,
    Resource,
    ResourceKind,
    Right,
    Role,
    decide,
)
from belfort.policy.model import system_actor

BRUSSELS = ZoneInfo("Europe/Brussels")
NOW = datetime(2026, 11, 21, 22, 30, tzinfo=UTC)
"""23:30 in Brussels: still 21 November there."""
RULES = PolicyRules(zone=BRUSSELS)
ZONE = uuid.uuid4()
SHOP = uuid.uuid4()
PURPOSE = Purpose(PurposeKind.ADMINISTRATIVE, "Night patrol around the station")
CAMERA = Resource(ResourceKind.CAMERA, "cam-1", "Grote Markt", ZONE)


def watcher(role: Role = Role.OPERATOR, designation: DesignationTerm | None = None, *, required: bool = True) -> Actor:
    return Actor(
        ActorKind.USER,
        uuid.uuid4(),
        role.value,
        role,
        ZONE,
        "PZ Test",
        OrganisationKind.POLICE_ZONE,
        live_designation_required=required,
        designation=designation,
    )


def until(day: date, *, revoked_at: datetime | None = None, supervisor: str = "") -> DesignationTerm:
    return DesignationTerm("d-1", day, revoked_at, supervisor)


def live(actor: Actor, resource: Resource = CAMERA) -> tuple[bool, str, str]:
    decision = decide(actor, Action.VIEW_LIVE, resource, PURPOSE, RULES, NOW)
    return decision.granted, decision.rule, decision.reason


def test_without_a_designation_live_view_is_refused_with_the_reason() -> None:
    granted, rule, reason = live(watcher())
    assert (granted, rule) == (False, "designation")
    assert reason.startswith("You are not designated to watch live: ask your chief of police")


def test_a_designation_in_force_opens_live_view_to_its_last_day_inclusive() -> None:
    assert live(watcher(designation=until(date(2026, 11, 21))))[0], "its last day, local time"
    assert live(watcher(designation=until(date(2027, 6, 30))))[0]


def test_an_expired_designation_says_until_when_it_held() -> None:
    granted, rule, reason = live(watcher(designation=until(date(2026, 11, 20))))
    assert (granted, rule) == (False, "designation")
    assert reason == (
        "Your designation to watch live has expired: it was valid until 2026-11-20. Ask your chief of police to "
        "renew it after a refresher training."
    )
    assert reason.values["day"] == "2026-11-20"  # type: ignore[attr-defined]


def test_the_last_day_ends_at_local_midnight_not_utc() -> None:
    after_midnight = datetime(2026, 11, 21, 23, 30, tzinfo=UTC)  # 00:30 on the 22nd in Brussels
    decision = decide(
        watcher(designation=until(date(2026, 11, 21))), Action.VIEW_LIVE, CAMERA, PURPOSE, RULES, after_midnight
    )
    assert not decision.granted and decision.rule == "designation"


def test_a_revoked_designation_is_refused_from_the_moment_of_revocation() -> None:
    revoked = until(date(2027, 1, 1), revoked_at=NOW - timedelta(minutes=1))
    granted, rule, reason = live(watcher(designation=revoked))
    assert (granted, rule) == (False, "designation")
    assert reason.startswith("Your designation to watch live was revoked on 2026-11-21 23:29+01:00")
    assert live(watcher(designation=until(date(2027, 1, 1), revoked_at=NOW + timedelta(minutes=1))))[0]


def test_an_organisation_that_does_not_designate_lets_its_watchers_watch() -> None:
    assert live(watcher(required=False))[0]
    assert live(watcher(Role.SUPERVISOR, required=False))[0]


def test_a_security_guard_needs_a_designation_naming_a_supervisor_even_where_none_is_required() -> None:
    for required in (True, False):
        assert live(watcher(Role.SECURITY_GUARD, required=required))[1] == "designation"
        granted, rule, reason = live(watcher(Role.SECURITY_GUARD, until(date(2027, 1, 1)), required=required))
        assert (granted, rule) == (False, "designation")
        assert "only under a supervising inspector" in reason
        supervised = until(date(2027, 1, 1), supervisor="inspector-jan")
        assert live(watcher(Role.SECURITY_GUARD, supervised, required=required))[0]


@pytest.mark.parametrize(
    "action", [Action.VIEW_RECORDING, Action.EXPORT_EVIDENCE, Action.SEARCH_PLATES, Action.HANDLE_HITS]
)
def test_a_designated_security_guard_never_plays_back_exports_or_searches(action: Action) -> None:
    guard = watcher(Role.SECURITY_GUARD, until(date(2027, 1, 1), supervisor="inspector-jan"))
    footage = Resource(ResourceKind.RECORDING, "cam-1", "Grote Markt", ZONE, start=NOW - timedelta(hours=1))
    decision = decide(guard, action, footage, PURPOSE, RULES, NOW)
    assert not decision.granted and decision.rule == "role"
    assert decision.reason.startswith("A private security guard may not")


def test_the_designation_is_checked_before_the_camera_and_the_purpose() -> None:
    """Who may watch at all comes first: an undesignated person learns nothing about a camera."""
    unknown = Resource(ResourceKind.CAMERA, "", "nowhere", asked="nowhere", known=False)
    assert decide(watcher(), Action.VIEW_LIVE, unknown, None, RULES, NOW).rule == "designation"


def test_under_another_organisations_grant_the_watchers_own_rule_applies() -> None:
    grant = GrantTerm("g1", "Shop Test", ZONE, frozenset({Right.LIVE}), NOW - timedelta(days=1))
    shop_camera = Resource(ResourceKind.CAMERA, "cam-9", "Shop door", SHOP, grants=(grant,))
    assert live(watcher(), shop_camera)[1] == "designation"
    assert live(watcher(designation=until(date(2027, 1, 1))), shop_camera)[0]
    assert live(watcher(required=False), shop_camera)[0]


def test_other_actions_and_belfort_itself_are_not_asked_for_a_designation() -> None:
    footage = Resource(ResourceKind.RECORDING, "cam-1", "Grote Markt", ZONE, start=NOW - timedelta(hours=1))
    assert decide(watcher(), Action.VIEW_RECORDING, footage, PURPOSE, RULES, NOW).granted
    assert decide(system_actor("cli:root"), Action.VIEW_LIVE, CAMERA, PURPOSE, RULES, NOW).granted


@given(
    role=st.sampled_from([Role.OPERATOR, Role.SUPERVISOR, Role.PARTNER, Role.SECURITY_GUARD]),
    required=st.booleans(),
    last_day=st.none() | st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 1, 1)),
    revoked_minutes=st.none() | st.integers(min_value=-10_000, max_value=10_000),
    supervisor=st.sampled_from(["", "inspector-jan"]),
)
def test_live_view_is_granted_exactly_when_no_designation_is_needed_or_one_holds(
    role: Role, required: bool, last_day: date | None, revoked_minutes: int | None, supervisor: str
) -> None:
    term = None
    if last_day is not None:
        revoked = NOW + timedelta(minutes=revoked_minutes) if revoked_minutes is not None else None
        term = until(last_day, revoked_at=revoked, supervisor=supervisor)
    guard = role is Role.SECURITY_GUARD
    holds = (
        term is not None
        and (term.revoked_at is None or term.revoked_at > NOW)
        and term.valid_until >= NOW.astimezone(BRUSSELS).date()
        and (bool(term.supervisor) or not guard)
    )
    granted, rule, reason = live(watcher(role, term, required=required))
    assert granted is (holds or not (required or guard))
    if not granted:
        assert rule == "designation" and reason
