"""Designations on both databases: the zone's administrator designates, renews and revokes;
live view is refused without a designation in force where the zone requires one (also under
another organisation's grant), with the reason, audited; a security guard watches only under
a supervising inspector, whom the record of each look names."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.audit.models import AuditRecord
from belfort.auth.models import Organisation
from belfort.auth.service import actor_of_user
from belfort.cameras.service import CameraSpec
from belfort.errors import Conflict, Forbidden, InvalidInput, Unavailable, Unseen
from belfort.media.frames import Frame
from belfort.policy import Actor, OrganisationKind, Purpose, PurposeKind
from belfort.sharing.grants import GrantSpec
from belfort.staffing.designations import DesignationSpec, Standing
from belfort.timeutil import FrozenClock
from tests.conftest import PASSWORD, POLICE, SHOP, SYSTEM, Population
from tests.web.test_live_api import frames  # noqa: F401 - a fixture: real H.264 frames

PURPOSE = Purpose(PurposeKind.ADMINISTRATIVE, "Night patrol around the station")
TODAY = date(2026, 11, 21)
"""The shared clock's day in Brussels."""


def person(session: Session, services: Services, username: str) -> Actor:
    return actor_of_user(services.accounts.user_by_name(session, username))


def designate(services: Services, username: str, *, until: date = date(2027, 11, 20), supervisor: str = "") -> str:
    with services.db.session() as session:
        made = services.designations.add(
            session,
            person(session, services, "admin"),
            DesignationSpec(username, TODAY - timedelta(days=10), until, "Operator course 2026", supervisor),
        )
        return str(made.id)


def require_designations(services: Services, organisation: str = POLICE) -> None:
    with services.db.session() as session:
        org = session.scalars(select(Organisation).where(Organisation.name == organisation)).one()
        org.live_designation_required = True


@pytest.fixture
def camera(services: Services, population: Population) -> str:
    with services.db.session() as session:
        added = services.cameras.add(
            session,
            SYSTEM,
            CameraSpec(
                name="Grote Markt",
                organisation=POLICE,
                main_url="rtsp://cam/1",
                council_consent_ref="GR/1",
                enabled=True,
            ),
        )
        services.accounts.add_user(
            session, SYSTEM, username="jan", role="inspector", organisation=POLICE, password=PASSWORD
        )
        return str(added.id)


def open_live(services: Services, username: str, camera: str) -> None:
    """A live look; refused, or Unavailable once the rules grant (the camera sends nothing)."""
    with services.db.session() as session:
        services.live.open(session, person(session, services, username), None, camera, PURPOSE)


def live_records(services: Services) -> list[AuditRecord]:
    with services.db.session() as session:
        statement = select(AuditRecord).where(AuditRecord.action == "live.view").order_by(AuditRecord.seq)
        return list(session.scalars(statement))


def test_new_police_zones_require_designations_and_the_others_do_not(services: Services) -> None:
    with services.db.session() as session:
        zone = services.accounts.add_organisation(session, SYSTEM, "PZ Nieuw", "police_zone")
        city = services.accounts.add_organisation(session, SYSTEM, "Stad Nieuw", "city")
        assert zone.live_designation_required and not city.live_designation_required


def test_undesignated_operator_is_refused_with_the_reason_and_audited(services: Services, camera: str) -> None:
    require_designations(services)
    with pytest.raises(Forbidden, match="You are not designated to watch live: ask your chief of police"):
        open_live(services, "operator", camera)
    designate(services, "operator")
    with pytest.raises(Unavailable):  # the rules let them watch: the camera only has nothing to send
        open_live(services, "operator", camera)
    refused, served = live_records(services)
    assert (refused.outcome, json.loads(refused.detail)["rule"]) == ("refused", "designation")
    assert refused.reason.startswith("You are not designated")
    assert (served.outcome, json.loads(served.detail)["rule"]) == ("refused", "unavailable")


def test_without_the_rule_the_wall_watches_as_before(services: Services, camera: str) -> None:
    with pytest.raises(Unavailable):
        open_live(services, "operator", camera)


def test_expired_and_revoked_designations_say_so(services: Services, camera: str, clock: FrozenClock) -> None:
    require_designations(services)
    first = designate(services, "operator", until=TODAY)
    clock.advance(timedelta(days=1))
    with pytest.raises(Forbidden, match=f"has expired: it was valid until {TODAY.isoformat()}"):
        open_live(services, "operator", camera)
    second = designate(services, "operator", until=TODAY + timedelta(days=200))
    with services.db.session() as session:
        revoked = services.designations.revoke(
            session, person(session, services, "admin"), second, "Failed the refresher training"
        )
        assert revoked.revoked_by == "admin"
    with pytest.raises(Forbidden, match="was revoked on 2026-11-22 13:00"):
        open_live(services, "operator", camera)
    with services.db.session() as session:
        admin = person(session, services, "admin")
        with pytest.raises(Conflict):
            services.designations.revoke(session, admin, second, "Revoked twice by mistake")
        history = services.designations.listed(session, admin, include_ended=True)
        assert [(str(r.designation.id), r.standing) for r in history] == [
            (first, Standing.EXPIRED),
            (second, Standing.REVOKED),
        ]
        assert services.designations.listed(session, admin) == []


def test_a_renewal_replaces_the_designation_in_force(services: Services, population: Population) -> None:
    first = designate(services, "operator", until=TODAY + timedelta(days=20))
    second = designate(services, "operator", until=TODAY + timedelta(days=400))
    with services.db.session() as session:
        admin = person(session, services, "admin")
        rows = services.designations.listed(session, admin, include_ended=True)
        standing = {str(row.designation.id): row for row in rows}
        assert standing[first].standing is Standing.REVOKED
        assert standing[first].designation.revoke_reason.startswith("Replaced by a new designation")
        assert standing[second].standing is Standing.IN_FORCE
        designated = services.designations.designated(session, person(session, services, "operator"))
        assert designated.designation is not None and designated.designation.id == second


def test_expiring_designations_are_marked(services: Services, population: Population) -> None:
    soon = designate(services, "operator", until=TODAY + timedelta(days=29))
    later = designate(services, "supervisor", until=TODAY + timedelta(days=30))
    with services.db.session() as session:
        rows = {str(r.designation.id): r.standing for r in services.designations.listed(session, command_line(session))}
    assert rows == {soon: Standing.EXPIRING, later: Standing.IN_FORCE}


def command_line(session: Session) -> Actor:
    """The command line's operator acting for the zone."""
    org = session.scalars(select(Organisation).where(Organisation.name == POLICE)).one()
    return replace(
        SYSTEM, organisation_id=org.id, organisation_name=org.name, organisation_kind=OrganisationKind.POLICE_ZONE
    )


BAD = [
    (DesignationSpec("operator", TODAY + timedelta(days=1), TODAY + timedelta(days=90)), "must have taken place"),
    (DesignationSpec("operator", TODAY - timedelta(days=5), TODAY - timedelta(days=6)), "after the training"),
    (DesignationSpec("operator", TODAY - timedelta(days=90), TODAY - timedelta(days=1)), "that day has passed"),
    (DesignationSpec("operator", TODAY, date(2036, 11, 21)), "at most 10 years"),
    (DesignationSpec("inspector", TODAY, TODAY + timedelta(days=90)), "who does not watch live"),
    (DesignationSpec("operator", TODAY, TODAY + timedelta(days=9), supervisor="jan"), "only a private security"),
    (DesignationSpec("security_guard", TODAY, TODAY + timedelta(days=9)), "watches live only under"),
    (DesignationSpec("security_guard", TODAY, TODAY + timedelta(days=9), supervisor="dpo"), "is a data protection"),
    (DesignationSpec("security_guard", TODAY, TODAY + timedelta(days=9), supervisor="partner"), "no active"),
    (DesignationSpec("operator", TODAY, TODAY + timedelta(days=9), "x\x00"), "control characters"),
]
"""Designations refused for their input, with a word of the message that names what to fix."""


def test_bad_designations_are_refused_naming_the_field(services: Services, camera: str) -> None:
    for spec, message in BAD:
        with services.db.session() as session, pytest.raises(InvalidInput, match=message):
            services.designations.add(session, person(session, services, "admin"), spec)
    with services.db.session() as session:
        assert services.designations.listed(session, person(session, services, "admin"), include_ended=True) == []


def test_another_organisations_person_is_not_confirmed_to_exist(services: Services, population: Population) -> None:
    for ref in ("partner", "nobody-here"):
        with services.db.session() as session, pytest.raises(Unseen, match=f"There is no user '{ref}'"):
            services.designations.add(
                session, person(session, services, "admin"), DesignationSpec(ref, TODAY, TODAY + timedelta(days=9))
            )
    with services.db.session() as session:
        records = session.scalars(
            select(AuditRecord).where(AuditRecord.action == "staff.designate", AuditRecord.outcome == "refused")
        ).all()
    assert [json.loads(r.detail)["rule"] for r in records] == ["organisation", "unknown"]


def test_only_the_administrator_designates(services: Services, population: Population) -> None:
    for username in ("supervisor", "operator", "dpo"):
        with services.db.session() as session, pytest.raises(Forbidden, match="may not designate"):
            services.designations.add(
                session,
                person(session, services, username),
                DesignationSpec("operator", TODAY, TODAY + timedelta(days=9)),
            )


def test_the_watchers_own_rule_applies_under_another_organisations_grant(
    services: Services, population: Population
) -> None:
    require_designations(services)
    with services.db.session() as session:
        shop_camera = services.cameras.add(
            session, SYSTEM, CameraSpec(name="Shop door", organisation=SHOP, main_url="rtsp://shop/1", enabled=True)
        )
        shop = replace(SYSTEM, organisation_id=shop_camera.organisation_id, organisation_name=SHOP)
        services.grants.add(
            session,
            shop,
            GrantSpec(grantee=POLICE, rights=["live"], reason="Shoplifting series", cameras=[str(shop_camera.id)]),
        )
    with pytest.raises(Forbidden, match="You are not designated"):
        open_live(services, "operator", str(shop_camera.id))
    with pytest.raises(Unavailable):  # the shop's own people: their organisation designates no one
        open_live(services, "partner", str(shop_camera.id))


def test_a_security_guards_looks_name_the_supervising_inspector(
    services: Services,
    camera: str,
    frames: list[Frame],  # noqa: F811 - the fixture
) -> None:
    feed = services.media.live.feed_for(camera)
    thread = threading.Thread(target=lambda: [feed.on_frame(camera, f) for f in frames[:12]])
    thread.start()
    thread.join()
    try:
        with pytest.raises(Forbidden, match="You are not designated"):
            open_live(services, "security_guard", camera)
        designate(services, "security_guard", supervisor="jan")
        with services.db.session() as session:
            guard = person(session, services, "security_guard")
            _camera, jpeg = services.live.snapshot(session, guard, None, camera, PURPOSE)
        assert jpeg.startswith(b"\xff\xd8")
        with services.db.session() as session:
            jan = services.accounts.user_by_name(session, "jan")
            jan.active = False  # a supervisor who left supervises no one
        with pytest.raises(Forbidden, match="only under a supervising inspector"):
            open_live(services, "security_guard", camera)
    finally:
        services.media.live.drop(camera, feed)
    refused, granted, unsupervised = live_records(services)
    assert refused.outcome == "refused" and unsupervised.outcome == "refused"
    detail = json.loads(granted.detail)
    assert granted.outcome == "granted" and detail["supervisor"] == "jan" and detail["designation"]
