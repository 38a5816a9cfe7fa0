"""The 30-day rule with registered judicial authorisations, pure: past the administrative
window a police recording opens only under a prosecutor's decision or an investigating
judge's order of the asker's organisation, in force, whose scope covers the camera and the
footage; each refusal says which of these failed."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from belfort.policy import (
    Action,
    Actor,
    ActorKind,
    AuthorisationKind,
    AuthorisationTerm,
    LegalRegime,
    OrganisationKind,
    PolicyRules,
    Purpose,
    PurposeKind,
    Resource,
    ResourceKind,
    Role,
    decide,
)
from belfort.policy.model import system_actor

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
RULES = PolicyRules()
POLICE = uuid.uuid4()
OTHER_ZONE = uuid.uuid4()
INSPECTOR = Actor(ActorKind.USER, uuid.uuid4(), "inspector", Role.INSPECTOR, POLICE, "PZ", OrganisationKind.POLICE_ZONE)
CAMERA = "cam-grote-markt"


def footage(age_days: float, camera: str = CAMERA, minutes: int = 10) -> Resource:
    start = NOW - timedelta(days=age_days)
    return Resource(
        ResourceKind.RECORDING,
        camera,
        "Grote Markt",
        POLICE,
        LegalRegime.POLICE,
        (),
        start,
        start + timedelta(minutes=minutes),
    )


def term(
    kind: AuthorisationKind = AuthorisationKind.INVESTIGATING_JUDGE_ORDER,
    *,
    organisation: uuid.UUID = POLICE,
    cameras: frozenset[str] = frozenset(),
    footage_from: datetime = NOW - timedelta(days=100),
    footage_until: datetime = NOW - timedelta(days=20),
    expires_at: datetime = NOW + timedelta(days=30),
    revoked_at: datetime | None = None,
) -> AuthorisationTerm:
    return AuthorisationTerm(
        "a-1", organisation, kind, "JO/2026/123", footage_from, footage_until, expires_at, cameras, revoked_at
    )


def under(authorisation: AuthorisationTerm | None) -> Purpose:
    return Purpose(PurposeKind.JUDICIAL, "Armed robbery of the jeweller, PV 2026/0815", "JO/2026/123", authorisation)


def look(authorisation: AuthorisationTerm | None, resource: Resource | None = None, actor: Actor = INSPECTOR):
    return decide(actor, Action.VIEW_RECORDING, resource or footage(40), under(authorisation), RULES, NOW)


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        (AuthorisationKind.PROSECUTOR_DECISION, "under the prosecutor's decision JO/2026/123"),
        (AuthorisationKind.INVESTIGATING_JUDGE_ORDER, "under the investigating judge's order JO/2026/123"),
    ],
)
def test_either_kind_opens_old_footage_and_the_reason_names_it(kind: AuthorisationKind, words: str) -> None:
    decision = look(term(kind))
    assert decision.granted and words in decision.reason


@pytest.mark.parametrize("action", [Action.EXPORT_EVIDENCE, Action.PLACE_HOLD])
def test_it_opens_every_look_the_30_day_rule_limits(action: Action) -> None:
    decision = decide(INSPECTOR, action, footage(40), under(term()), RULES, NOW)
    assert decision.granted and "JO/2026/123" in decision.reason


def test_a_reference_no_authorisation_answers_to_is_refused_saying_so() -> None:
    decision = look(None)
    assert not decision.granted and decision.rule == "30-day" and decision.needs == ("judicial_reference",)
    assert "'JO/2026/123' is registered for your organisation" in decision.reason


def test_another_organisations_authorisation_is_refused_as_not_registered() -> None:
    decision = look(term(organisation=OTHER_ZONE))
    assert not decision.granted and "registered for your organisation" in decision.reason


def test_the_command_line_cites_any_organisations_authorisation() -> None:
    decision = look(term(organisation=OTHER_ZONE), actor=system_actor("ops"))
    assert decision.granted


def test_a_revoked_authorisation_is_refused_with_the_moment() -> None:
    decision = look(term(revoked_at=NOW - timedelta(hours=1)))
    assert not decision.granted and "was revoked on 2026-11-21 11:00+00:00" in decision.reason
    assert look(term(revoked_at=NOW + timedelta(hours=1))).granted  # revoked later: still in force now


def test_an_expired_authorisation_is_refused_with_the_moment() -> None:
    decision = look(term(expires_at=NOW))
    assert not decision.granted and "expired on 2026-11-21 12:00+00:00" in decision.reason


def test_an_authorisation_naming_cameras_covers_those_only() -> None:
    named = term(cameras=frozenset({CAMERA, "cam-station"}))
    assert look(named).granted
    other = look(named, footage(40, camera="cam-kerkstraat"))
    assert not other.granted and "does not cover Grote Markt" in other.reason


def test_a_search_across_every_camera_needs_an_authorisation_for_every_camera() -> None:
    reads = Resource(ResourceKind.PLATE_READS, "", "plate reads", POLICE, LegalRegime.POLICE, (), NOW - timedelta(40))
    named = term(cameras=frozenset({CAMERA}))
    refused = decide(INSPECTOR, Action.SEARCH_PLATES, reads, under(named), RULES, NOW)
    assert not refused.granted and "narrow it to those cameras" in refused.reason
    narrowed = replace(reads, extra_ids=(("camera", CAMERA, ""),))
    assert decide(INSPECTOR, Action.SEARCH_PLATES, narrowed, under(named), RULES, NOW).granted
    assert decide(INSPECTOR, Action.SEARCH_PLATES, reads, under(term()), RULES, NOW).granted


def test_footage_outside_the_authorised_period_is_refused_naming_the_period() -> None:
    too_old = look(term(), footage(101))
    assert not too_old.granted and "covers footage from 2026-08-13 12:00+00:00 to 2026-11-01 12:00+00:00" in (
        too_old.reason
    )
    crossing = look(term(footage_until=NOW - timedelta(days=40)), footage(40.01, minutes=60))  # ends after it
    assert not crossing.granted


def test_within_the_administrative_window_no_authorisation_is_needed_nor_named() -> None:
    decision = decide(INSPECTOR, Action.VIEW_RECORDING, footage(10), under(None), RULES, NOW)
    assert decision.granted and decision.reason == "Allowed: play back recordings."


def test_an_administrative_purpose_stays_refused_whatever_it_cites() -> None:
    administrative = Purpose(PurposeKind.ADMINISTRATIVE, "Traffic accident at the ring road", "JO/2026/123", term())
    decision = decide(INSPECTOR, Action.VIEW_RECORDING, footage(40), administrative, RULES, NOW)
    assert not decision.granted and "judicial purpose" in decision.reason


def test_camera_law_footage_needs_no_authorisation() -> None:
    shop = replace(footage(40), legal_regime=LegalRegime.CAMERA_LAW)
    assert decide(INSPECTOR, Action.VIEW_RECORDING, shop, under(None), RULES, NOW).granted


@given(
    age=st.floats(min_value=30.01, max_value=365),
    start=st.floats(min_value=0, max_value=400),
    length=st.floats(min_value=1, max_value=400),
    expires=st.floats(min_value=-10, max_value=10),
    revoked=st.one_of(st.none(), st.floats(min_value=-10, max_value=10)),
)
def test_old_police_footage_opens_exactly_inside_a_term_in_force(
    age: float, start: float, length: float, expires: float, revoked: float | None
) -> None:
    authorisation = term(
        footage_from=NOW - timedelta(days=start),
        footage_until=NOW - timedelta(days=start) + timedelta(days=length),
        expires_at=NOW + timedelta(days=expires),
        revoked_at=None if revoked is None else NOW + timedelta(days=revoked),
    )
    resource = footage(age)
    assert resource.start is not None and resource.end is not None
    inside = authorisation.footage_from <= resource.start and resource.end <= authorisation.footage_until
    in_force = authorisation.expires_at > NOW and (authorisation.revoked_at is None or authorisation.revoked_at > NOW)
    assert look(authorisation, resource).granted is (inside and in_force)
