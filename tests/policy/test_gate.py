"""The gate against a real database: each decision leaves exactly one audit record
carrying purpose, justification, the prosecutor's reference and the time range."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from belfort.app import Services
from belfort.audit import AuditFilter, verify_chain
from belfort.auth.service import actor_of_user
from belfort.errors import Forbidden, Unavailable
from belfort.policy import Action, LegalRegime, Purpose, PurposeKind, Resource, ResourceKind
from belfort.timeutil import FrozenClock
from tests.conftest import Population
from tests.support.judicial import register_authorisation


def recording(population: Population, clock: FrozenClock, age_days: int) -> Resource:
    start = clock() - timedelta(days=age_days)
    return Resource(
        ResourceKind.RECORDING,
        str(uuid.uuid4()),
        "Grote Markt PTZ",
        uuid.UUID(population.police_id),
        LegalRegime.POLICE,
        frozenset(),
        start,
        start + timedelta(minutes=10),
    )


def test_31_day_old_police_footage(services: Services, population: Population, clock: FrozenClock) -> None:
    register_authorisation(services)
    resource = recording(population, clock, 31)
    administrative = Purpose(PurposeKind.ADMINISTRATIVE, "Check of a reported traffic accident")
    judicial = Purpose(PurposeKind.JUDICIAL, "Investigation of armed robbery", "KO.21.L7.000123/26")
    with services.db.session() as session:
        inspector = actor_of_user(services.accounts.user_by_name(session, "inspector"))
        refused = services.gate.authorize(session, inspector, Action.VIEW_RECORDING, resource, administrative)
        granted = services.gate.authorize(session, inspector, Action.VIEW_RECORDING, resource, judicial)
    assert not refused.granted and "prosecutor" in refused.reason
    assert granted.granted

    with services.db.session() as session:
        records = services.audit.query(session, AuditFilter(camera="Grote Markt PTZ"))
        assert [r.outcome for r in records] == ["granted", "refused"]
        newest, oldest = records
        assert newest.purpose == "judicial" and newest.legal_basis_ref == "KO.21.L7.000123/26"
        assert newest.reason == "Allowed: play back recordings under the prosecutor's decision KO.21.L7.000123/26."
        assert '"authorisation": "prosecutor_decision ' in newest.detail
        assert newest.justification == "Investigation of armed robbery"
        assert newest.range_start == resource.start and newest.range_end == resource.end
        assert newest.op == "consult" and newest.role == "inspector" and newest.organisation_name == "PZ Test"
        assert oldest.purpose == "administrative" and oldest.reason == refused.reason
        by_reference = services.audit.query(session, AuditFilter(purpose="KO.21.L7"))
        assert [r.id for r in by_reference] == [newest.id]
        assert verify_chain(session).ok


def test_one_record_per_decision(services: Services, population: Population, clock: FrozenClock) -> None:
    resource = recording(population, clock, 1)
    purpose = Purpose(PurposeKind.ADMINISTRATIVE, "Crowd at the station square")
    with services.db.session() as session:
        before = verify_chain(session).count
        operator = actor_of_user(services.accounts.user_by_name(session, "operator"))
        for action in (Action.VIEW_LIVE, Action.VIEW_RECORDING, Action.EXPORT_EVIDENCE):
            services.gate.authorize(session, operator, action, resource, purpose, recipient="court of Kortrijk")
    with services.db.session() as session:
        assert verify_chain(session).count == before + 3
        export = services.audit.query(session, AuditFilter(action="evidence.export"))[0]
        assert export.outcome == "refused" and export.op == "disclose" and export.recipient == "court of Kortrijk"


def test_require_raises_the_refusal_and_its_record_is_kept(
    services: Services, population: Population, clock: FrozenClock
) -> None:
    register_authorisation(services)
    resource = recording(population, clock, 31)
    administrative = Purpose(PurposeKind.ADMINISTRATIVE, "Check of a reported traffic accident")
    judicial = Purpose(PurposeKind.JUDICIAL, "Investigation of armed robbery", "KO.21.L7.000123/26")
    with services.db.session() as session:
        inspector = actor_of_user(services.accounts.user_by_name(session, "inspector"))
        assert services.gate.require(session, inspector, Action.VIEW_RECORDING, resource, judicial).granted
    with pytest.raises(Forbidden) as refused, services.db.session() as session:
        services.gate.require(session, inspector, Action.VIEW_RECORDING, resource, administrative)
    assert "prosecutor" in refused.value.message and refused.value.needs
    with services.db.session() as session:
        records = services.audit.query(session, AuditFilter(person="inspector", action=Action.VIEW_RECORDING.value))
    assert [r.outcome for r in records].count("refused") == 1 and len(records) == 2


def test_a_look_at_names_and_indexes_records_its_refusals_only(
    services: Services, population: Population, clock: FrozenClock
) -> None:
    """`camera.view` shows no images: a grant leaves no record, a refusal one."""
    own = Resource(ResourceKind.CAMERA, "c1", "Grote Markt", uuid.UUID(population.police_id), LegalRegime.POLICE)
    foreign = Resource(ResourceKind.CAMERA, "c2", "Shop door", uuid.UUID(population.shop_id), LegalRegime.CAMERA_LAW)
    with services.db.session() as session:
        before = verify_chain(session).count
        operator = actor_of_user(services.accounts.user_by_name(session, "operator"))
        assert services.gate.authorize(session, operator, Action.VIEW_CAMERA, own).granted
        assert not services.gate.authorize(session, operator, Action.VIEW_CAMERA, foreign).granted
    with services.db.session() as session:
        assert verify_chain(session).count == before + 1
        record = services.audit.query(session, AuditFilter(action="camera.view"))[0]
        assert record.outcome == "refused" and '"rule": "organisation"' in record.detail


def test_nothing_to_serve_is_a_recorded_refusal_with_that_reason(
    services: Services, population: Population, clock: FrozenClock
) -> None:
    resource = recording(population, clock, 1)
    purpose = Purpose(PurposeKind.ADMINISTRATIVE, "Crowd at the station square")
    with services.db.session() as session:
        operator = actor_of_user(services.accounts.user_by_name(session, "operator"))
    with pytest.raises(Unavailable, match="nothing recorded"), services.db.session() as session:
        services.gate.require(
            session,
            operator,
            Action.VIEW_RECORDING,
            resource,
            purpose,
            available=lambda: Unavailable("nothing recorded in this range"),
        )
    with services.db.session() as session:
        record = services.audit.query(session, AuditFilter(person="operator"))[0]
    assert record.outcome == "refused" and record.reason == "nothing recorded in this range"
    assert '"rule": "unavailable"' in record.detail


def test_a_page_refusal_is_recorded_and_its_grant_is_not(services: Services, population: Population) -> None:
    with services.db.session() as session:
        before = verify_chain(session).count
        partner = actor_of_user(services.accounts.user_by_name(session, "partner"))
        inspector = actor_of_user(services.accounts.user_by_name(session, "inspector"))
        services.gate.require_function(session, inspector, "/holds", Action.VIEW_HOLDS)
    with pytest.raises(Forbidden, match="may not see evidence holds"), services.db.session() as session:
        services.gate.require_function(session, partner, "/holds", Action.VIEW_HOLDS)
    with services.db.session() as session:
        assert verify_chain(session).count == before + 1
        record = services.audit.query(session, AuditFilter(person="partner"))[0]
        assert record.action == "hold.list" and "/holds" in record.resources
