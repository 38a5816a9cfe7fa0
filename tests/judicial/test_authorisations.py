"""Judicial authorisations on both databases: an inspector of the police zone registers an
investigating judge's order for one camera and a footage range; playback of 40-day-old
footage of that camera is then allowed under it, named in the reason and the audit record,
and refused for another camera, outside the range, after revocation, by reference unknown,
and for another zone's people. Registering and revoking are audited; bad input names the field."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.audit import AuditFilter
from belfort.auth.service import actor_of_user
from belfort.cameras.service import CameraSpec
from belfort.errors import Conflict, Forbidden, InvalidInput, Unseen
from belfort.judicial.authorisations import AuthorisationSpec
from belfort.policy import Action, Actor, Purpose, PurposeKind
from belfort.timeutil import FrozenClock
from tests.conftest import CITY, PASSWORD, POLICE, SYSTEM, Population

REFERENCE = "JO/2026/123"
JUSTIFICATION = "Armed robbery of the jeweller, PV 2026/0815"


@pytest.fixture
def cameras(services: Services, population: Population) -> dict[str, str]:
    ids = {}
    with services.db.session() as session:
        for index, name in enumerate(("Grote Markt", "Kerkstraat")):
            camera = services.cameras.add(
                session, SYSTEM, CameraSpec(name=name, organisation=POLICE, main_url=f"rtsp://192.0.2.1/{index}")
            )
            ids[name] = str(camera.id)
        services.accounts.add_user(
            session, SYSTEM, username="city-inspector", role="inspector", organisation=CITY, password=PASSWORD
        )
    return ids


def actor(session: Session, services: Services, username: str) -> Actor:
    return actor_of_user(services.accounts.user_by_name(session, username))


def spec(clock: FrozenClock, cameras: list[str], **changes: object) -> AuthorisationSpec:
    now = clock()
    values: dict[str, object] = {
        "kind": "investigating_judge_order",
        "reference": REFERENCE,
        "decided_on": date(2026, 11, 2),
        "magistrate": "Onderzoeksrechter J. Peeters, Kortrijk",
        "case_number": "KO.21.L7.000815/26",
        "footage_from": now - timedelta(days=60),
        "footage_until": now - timedelta(days=31),
        "expires_at": now + timedelta(days=90),
        "cameras": cameras,
    }
    return AuthorisationSpec(**{**values, **changes})  # type: ignore[arg-type]


def play(services: Services, username: str, camera: str, age_days: float, reference: str = REFERENCE) -> str:
    """The reason of a playback decision of 10 minutes of footage `age_days` old."""
    start = services.clock() - timedelta(days=age_days)
    with services.db.session() as session:
        _camera, decision = services.cameras.granted(
            session,
            actor(session, services, username),
            camera,
            Action.VIEW_RECORDING,
            Purpose(PurposeKind.JUDICIAL, JUSTIFICATION, reference),
            footage=(start, start + timedelta(minutes=10)),
        )
        return decision.reason


def test_an_order_opens_its_cameras_footage_and_nothing_else(
    services: Services, cameras: dict[str, str], clock: FrozenClock
) -> None:
    with services.db.session() as session:
        row = services.authorisations.register(
            session, actor(session, services, "inspector"), spec(clock, [cameras["Grote Markt"]])
        )
        assert [camera.name for camera in row.cameras] == ["Grote Markt"]
    assert play(services, "inspector", "Grote Markt", 40) == (
        "Allowed: play back recordings under the investigating judge's order JO/2026/123."
    )
    assert "under the investigating judge's order" in play(services, "operator", "Grote Markt", 40)
    with pytest.raises(Forbidden, match="does not cover Kerkstraat"):
        play(services, "inspector", "Kerkstraat", 40)
    with pytest.raises(Forbidden, match="covers footage from"):
        play(services, "inspector", "Grote Markt", 70)
    with pytest.raises(Forbidden, match="'JO/2026/999' is registered for your organisation"):
        play(services, "inspector", "Grote Markt", 40, "JO/2026/999")
    with pytest.raises(Unseen):  # another organisation's camera, whatever it cites
        play(services, "city-inspector", "Grote Markt", 40)

    with services.db.session() as session:
        records = services.audit.query(session, AuditFilter(camera="Grote Markt", action="recording.view"))
        granted = [record for record in records if record.outcome == "granted"]
        assert len(granted) == 2 and all(record.legal_basis_ref == REFERENCE for record in granted)
        assert all(f"investigating_judge_order {row.id}" in record.detail for record in granted)
        changes = services.audit.query(session, AuditFilter(action="judicial.authorisations"))
        assert [(record.outcome, record.actor_name) for record in changes] == [("granted", "inspector")]


def test_revoking_stops_it_at_once_and_is_audited(
    services: Services, cameras: dict[str, str], clock: FrozenClock
) -> None:
    with services.db.session() as session:
        services.authorisations.register(session, actor(session, services, "dpo"), spec(clock, [], all_cameras=True))
    assert "JO/2026/123" in play(services, "inspector", "Kerkstraat", 40)
    with services.db.session() as session:
        inspector = actor(session, services, "inspector")
        with pytest.raises(InvalidInput, match="reason"):
            services.authorisations.revoke(session, inspector, REFERENCE, "no")
    with services.db.session() as session:
        row = services.authorisations.revoke(
            session, actor(session, services, "inspector"), REFERENCE, "Case closed by the judge"
        )
        assert row.revoked_by == "inspector"
    clock.advance(timedelta(seconds=1))
    with pytest.raises(Forbidden, match="was revoked on"):
        play(services, "inspector", "Kerkstraat", 40)
    with services.db.session() as session:
        inspector = actor(session, services, "inspector")
        assert services.authorisations.listed(session, inspector) == []
        assert [row.reference for row in services.authorisations.listed(session, inspector, include_ended=True)] == [
            REFERENCE
        ]
        with pytest.raises(Conflict):
            services.authorisations.revoke(session, inspector, REFERENCE, "Case closed by the judge")


def test_an_expired_order_is_refused_with_its_end(
    services: Services, cameras: dict[str, str], clock: FrozenClock
) -> None:
    with services.db.session() as session:
        services.authorisations.register(
            session,
            actor(session, services, "inspector"),
            spec(clock, [cameras["Grote Markt"]], expires_at=clock() + timedelta(hours=1)),
        )
    clock.advance(timedelta(hours=2))
    with pytest.raises(Forbidden, match="expired on"):
        play(services, "inspector", "Grote Markt", 40)


def test_another_zone_cannot_see_revoke_or_cite_it(
    services: Services, cameras: dict[str, str], clock: FrozenClock
) -> None:
    with services.db.session() as session:
        row = services.authorisations.register(
            session, actor(session, services, "inspector"), spec(clock, [], all_cameras=True)
        )
        other = actor(session, services, "city-inspector")
        assert services.authorisations.listed(session, other) == []
        assert services.authorisations.choices(session, other) == []
    with pytest.raises(Unseen), services.db.session() as session:
        services.authorisations.revoke(
            session, actor(session, services, "city-inspector"), str(row.id), "Not ours at all"
        )
    with services.db.session() as session:
        refused = services.audit.query(session, AuditFilter(action="judicial.authorisations", outcome="refused"))
        assert [record.actor_name for record in refused] == ["city-inspector"]


def test_who_may_register_and_who_is_offered_them(
    services: Services, cameras: dict[str, str], clock: FrozenClock
) -> None:
    with services.db.session() as session:
        services.authorisations.register(
            session, actor(session, services, "supervisor"), spec(clock, [], all_cameras=True)
        )
    with pytest.raises(Forbidden, match="may not register a prosecutor's decision"), services.db.session() as session:
        services.authorisations.register(
            session, actor(session, services, "operator"), spec(clock, [], all_cameras=True)
        )
    with services.db.session() as session:
        assert [
            row.reference for row in services.authorisations.choices(session, actor(session, services, "operator"))
        ] == [REFERENCE]
        assert services.authorisations.choices(session, actor(session, services, "security_guard")) == []
        refused = services.audit.query(session, AuditFilter(person="operator", action="judicial.authorisations"))
        assert [record.outcome for record in refused] == ["refused"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "mayor"}, "kind:"),
        ({"reference": "  "}, "reference:"),
        ({"decided_on": None}, "date of the decision:"),
        ({"decided_on": date(2026, 12, 1)}, "date of the decision:"),
        ({"magistrate": ""}, "magistrate:"),
        ({"case_number": "x" * 101}, "case number:"),
        ({"footage_from": None}, "footage:"),
        ({"expires_at": None}, "expires:"),
        ({"cameras": []}, "cameras:"),
        ({"all_cameras": True}, "cameras:"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    services: Services, cameras: dict[str, str], clock: FrozenClock, changes: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused, services.db.session() as session:
        services.authorisations.register(
            session,
            actor(session, services, "inspector"),
            spec(
                clock,
                {**changes}.pop("cameras", [cameras["Grote Markt"]]),
                **{k: v for k, v in changes.items() if k != "cameras"},
            ),
        )
    assert refused.value.message.startswith(field)


def test_a_reference_is_registered_once_per_organisation(
    services: Services, cameras: dict[str, str], clock: FrozenClock
) -> None:
    with services.db.session() as session:
        services.authorisations.register(
            session, actor(session, services, "inspector"), spec(clock, [cameras["Grote Markt"]])
        )
    with pytest.raises(Conflict, match="registered 'JO/2026/123' already"), services.db.session() as session:
        services.authorisations.register(
            session, actor(session, services, "inspector"), spec(clock, [cameras["Kerkstraat"]])
        )
    with services.db.session() as session:  # another organisation's case may carry the same reference
        row = services.authorisations.register(
            session, actor(session, services, "city-inspector"), spec(clock, [], all_cameras=True)
        )
        assert row.organisation.name == CITY
