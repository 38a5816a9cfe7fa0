"""Grants on both databases: a shop opens two of its cameras to the police zone for a day.

The police see exactly those two, the city none; a look beyond the granted right, purpose or
time is refused with a sentence naming the shop; the receiving administrator may narrow a
grant but never widen it; revoking closes the cameras again, also to a playback link made
before; every look through the grant is in the audit log under the shop's name and the
grant's id, and the shop's evidence holds stay the shop's.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.audit.log import AuditFilter, AuditLog
from belfort.audit.models import AuditRecord
from belfort.auth.service import actor_of_user
from belfort.cameras.models import Camera
from belfort.cameras.service import CameraSpec
from belfort.errors import Forbidden, InvalidInput, NotFound, Unseen
from belfort.media.models import Segment
from belfort.policy import Action, Actor, Purpose, PurposeKind, Right
from belfort.sharing.grants import GrantSpec, Narrowing
from belfort.timeutil import FrozenClock
from tests.conftest import CITY, PASSWORD, POLICE, SHOP, SYSTEM, Population

GRANTED = ("Shop entrance", "Shop car park")
KEPT = "Shop stock room"
REASON = "Shoplifting series in December: the zone watches the entrance"
ADMINISTRATIVE = Purpose(PurposeKind.ADMINISTRATIVE, "Watching the shopping street during the market")
JUDICIAL = Purpose(PurposeKind.JUDICIAL, "Shoplifting investigation PV 2026/1234", "PK 12.34.567/26")


@pytest.fixture
def cameras(services: Services, population: Population) -> dict[str, str]:
    """Three shop cameras (two to be granted) and an operator of the city."""
    ids = {}
    with services.db.session() as session:
        for index, name in enumerate((*GRANTED, KEPT)):
            camera = services.cameras.add(
                session,
                SYSTEM,
                CameraSpec(name=name, organisation=SHOP, main_url=f"rtsp://192.0.2.10/{index}", street="Veldstraat"),
            )
            ids[name] = str(camera.id)
        services.accounts.add_user(
            session, SYSTEM, username="city-operator", role="operator", organisation=CITY, password=PASSWORD
        )
    return ids


def actor(session: Session, services: Services, username: str) -> Actor:
    return actor_of_user(services.accounts.user_by_name(session, username))


def grant(
    services: Services, clock: FrozenClock, cameras: dict[str, str], rights: Sequence[str] = ("live",), **fields: Any
) -> list[str]:
    """The shop's partner grants `rights` on the two cameras to the police for a day."""
    fields.setdefault("valid_until", clock() + timedelta(days=1))
    with services.db.session() as session:
        spec = GrantSpec(
            grantee=POLICE, rights=rights, reason=REASON, cameras=[cameras[name] for name in GRANTED], **fields
        )
        return [str(made.id) for made in services.grants.add(session, actor(session, services, "partner"), spec)]


def shop_cameras_seen(services: Services, username: str, right: Right | None = Right.LIVE) -> set[str]:
    with services.db.session() as session:
        seen = services.cameras.visible(session, actor(session, services, username), right=right)
        return {camera.name for camera in seen if camera.organisation.name == SHOP}


def live_look(services: Services, username: str, camera_id: str, purpose: Purpose = ADMINISTRATIVE) -> str:
    """A live look through the camera service's gate; the grant it passed under."""
    with services.db.session() as session:
        _camera, decision = services.cameras.granted(
            session, actor(session, services, username), camera_id, Action.VIEW_LIVE, purpose
        )
        return decision.grant


def last_record(services: Services, action: Action) -> AuditRecord:
    with services.db.session() as session:
        record = session.scalars(
            select(AuditRecord).where(AuditRecord.action == action.value).order_by(AuditRecord.seq.desc()).limit(1)
        ).one()
        session.expunge(record)
        return record


def refs(record: AuditRecord) -> list[dict[str, str]]:
    return list(json.loads(record.resources))


def test_a_live_grant_opens_the_two_cameras_to_the_police_and_to_no_one_else(
    services: Services, clock: FrozenClock, cameras: dict[str, str], population: Population
) -> None:
    assert shop_cameras_seen(services, "operator") == set()
    ids = grant(services, clock, cameras)
    assert len(ids) == 2
    assert shop_cameras_seen(services, "operator") == set(GRANTED)
    assert shop_cameras_seen(services, "operator", right=None) == set(GRANTED)
    assert shop_cameras_seen(services, "operator", right=Right.PLAYBACK) == set()
    assert shop_cameras_seen(services, "city-operator") == set()
    assert live_look(services, "operator", cameras[GRANTED[0]]) in ids
    with pytest.raises(Unseen):
        live_look(services, "city-operator", cameras[GRANTED[0]])
    with pytest.raises(Unseen):
        live_look(services, "operator", cameras[KEPT])


def test_playback_not_granted_is_refused_with_a_sentence_naming_the_shop(
    services: Services, clock: FrozenClock, cameras: dict[str, str]
) -> None:
    grant(services, clock, cameras)
    with services.db.session() as session, pytest.raises(Forbidden) as refused:
        services.playback.request(
            session,
            actor(session, services, "operator"),
            cameras[GRANTED[0]],
            clock() - timedelta(hours=1),
            clock(),
            ADMINISTRATIVE,
        )
    assert SHOP in refused.value.message
    assert "request" in refused.value.needs
    record = last_record(services, Action.VIEW_RECORDING)
    assert record.outcome == "refused"
    assert json.loads(record.detail)["rule"] == "grant"


def test_a_grant_for_judicial_purposes_refuses_an_administrative_look(
    services: Services, clock: FrozenClock, cameras: dict[str, str]
) -> None:
    ids = grant(services, clock, cameras, purposes=["judicial"])
    with pytest.raises(Forbidden) as refused:
        live_look(services, "operator", cameras[GRANTED[0]])
    assert SHOP in refused.value.message
    assert json.loads(last_record(services, Action.VIEW_LIVE).detail)["rule"] == "grant"
    assert live_look(services, "operator", cameras[GRANTED[0]], JUDICIAL) in ids


def test_a_grant_is_refused_before_it_starts_and_after_it_ends(
    services: Services, clock: FrozenClock, cameras: dict[str, str]
) -> None:
    grant(services, clock, cameras, valid_from=clock() + timedelta(hours=2), valid_until=clock() + timedelta(days=1))
    assert shop_cameras_seen(services, "operator") == set()
    with pytest.raises(Forbidden) as early:
        live_look(services, "operator", cameras[GRANTED[0]])
    assert SHOP in early.value.message
    assert json.loads(last_record(services, Action.VIEW_LIVE).detail)["rule"] == "grant"

    clock.advance(timedelta(hours=3))
    assert shop_cameras_seen(services, "operator") == set(GRANTED)
    assert live_look(services, "operator", cameras[GRANTED[0]])

    clock.advance(timedelta(days=1))
    assert shop_cameras_seen(services, "operator") == set()
    with pytest.raises(Forbidden) as late:
        live_look(services, "operator", cameras[GRANTED[0]])
    assert SHOP in late.value.message and "request" in late.value.needs


def test_the_receiving_administrator_narrows_a_grant_but_never_widens_it(
    services: Services, clock: FrozenClock, cameras: dict[str, str]
) -> None:
    ids = grant(services, clock, cameras)
    with services.db.session() as session:
        admin = actor(session, services, "admin")
        for ref in ids:
            services.grants.narrow(session, admin, ref, Narrowing(roles=["inspector"]))
    assert shop_cameras_seen(services, "operator") == set()
    assert shop_cameras_seen(services, "inspector", right=None) == set(GRANTED)
    with pytest.raises(Unseen):
        live_look(services, "operator", cameras[GRANTED[0]])

    with services.db.session() as session, pytest.raises(InvalidInput) as wider:
        services.grants.narrow(
            session, actor(session, services, "admin"), ids[0], Narrowing(rights=["live", "playback"])
        )
    assert "rights" in wider.value.message and "playback" in wider.value.message

    with services.db.session() as session, pytest.raises(Forbidden):  # not the receiving side's administrator
        services.grants.narrow(session, actor(session, services, "partner"), ids[0], Narrowing(roles=["operator"]))


@dataclass
class PlayedLink:
    grants: list[str]
    camera_id: str
    segment_id: uuid.UUID
    link: str
    operator: Actor


def play_under_grant(services: Services, clock: FrozenClock, cameras: dict[str, str]) -> PlayedLink:
    """Live and playback granted; one recorded segment; the police operator's playback link."""
    ids = grant(services, clock, cameras, rights=("live", "playback"))
    camera_id = cameras[GRANTED[0]]
    start = clock() - timedelta(hours=1)
    with services.db.session() as session:
        segment = Segment(
            camera_id=uuid.UUID(camera_id),
            storage_id="elsewhere",
            path="shop/0.mp4",
            state="complete",
            start_time=start,
            end_time=start + timedelta(minutes=10),
            bytes=1,
            frames=1,
            keyframes=1,
            codec="avc1.640028",
            width=1280,
            height=720,
            fragments=b"",
        )
        session.add(segment)
        session.flush()
        segment_id = segment.id
        operator = actor(session, services, "operator")
        played = services.playback.request(session, operator, camera_id, start, start + timedelta(minutes=10), JUDICIAL)
    with services.db.session() as session, pytest.raises(NotFound):  # the link holds: only the file is elsewhere
        services.playback.segment_file(session, operator, played.link, segment_id)
    return PlayedLink(ids, camera_id, segment_id, played.link, operator)


def revoke_and_play(services: Services, played: PlayedLink) -> Forbidden:
    with services.db.session() as session:
        services.grants.revoke(session, actor(session, services, "partner"), played.grants[0], "The series was solved")
    with services.db.session() as session, pytest.raises(Forbidden) as refused:
        services.playback.segment_file(session, played.operator, played.link, played.segment_id)
    return refused.value


def test_revoking_closes_the_cameras_and_refuses_a_playback_link_made_before(
    services: Services, clock: FrozenClock, cameras: dict[str, str]
) -> None:
    played = play_under_grant(services, clock, cameras)
    refused = revoke_and_play(services, played)
    assert SHOP in refused.message and "The series was solved" in refused.message
    assert shop_cameras_seen(services, "operator") == {GRANTED[1]}
    record = last_record(services, Action.VIEW_RECORDING)
    assert (record.outcome, record.actor_name) == ("refused", "operator")
    assert "The series was solved" in record.reason
    with pytest.raises(Unseen):
        live_look(services, "operator", played.camera_id)


def test_a_refused_playback_link_is_in_the_shops_log_under_the_grant(
    services: Services, clock: FrozenClock, cameras: dict[str, str], population: Population
) -> None:
    played = play_under_grant(services, clock, cameras)
    revoke_and_play(services, played)
    kinds = {(ref["kind"], ref["id"]) for ref in refs(last_record(services, Action.VIEW_RECORDING))}
    assert ("organisation", population.shop_id) in kinds
    assert ("grant", played.grants[0]) in kinds


def test_every_look_through_the_grant_is_in_the_log_under_the_shop_and_the_grant(
    services: Services, clock: FrozenClock, cameras: dict[str, str], population: Population
) -> None:
    ids = grant(services, clock, cameras)
    for name in GRANTED:
        live_look(services, "operator", cameras[name])
    with pytest.raises(Forbidden):
        live_look(services, "operator", cameras[GRANTED[0]], Purpose(PurposeKind.ADMINISTRATIVE, ""))
    with services.db.session() as session:
        uses = [
            record
            for record in AuditLog.query(session, AuditFilter(uses_of=population.shop_id))
            if record.action == Action.VIEW_LIVE.value
        ]
        session.expunge_all()
    assert len(uses) == 3
    assert {record.actor_name for record in uses} == {"operator"}
    granted = [record for record in uses if record.outcome == "granted"]
    assert len(granted) == 2
    for record in uses:
        kinds = {(ref["kind"], ref["id"]) for ref in refs(record)}
        assert ("organisation", population.shop_id) in kinds
        assert any(ref["kind"] == "organisation" and ref["label"] == SHOP for ref in refs(record))
    assert {ref["id"] for record in granted for ref in refs(record) if ref["kind"] == "grant"} == set(ids)
    with services.db.session() as session:
        own = AuditLog.query(session, AuditFilter(uses_of=population.police_id))
        assert not [record for record in own if record.action == Action.VIEW_LIVE.value]


def test_the_shops_evidence_holds_stay_the_shops(
    services: Services, clock: FrozenClock, cameras: dict[str, str]
) -> None:
    grant(services, clock, cameras, rights=("live", "playback"))
    start: datetime = clock() - timedelta(hours=2)
    with services.db.session() as session:
        hold, _camera = services.holds.place(
            session,
            SYSTEM,
            cameras[GRANTED[0]],
            start,
            start + timedelta(hours=1),
            "SHOP-2026-7",
            "Till incident",
            ADMINISTRATIVE,
        )
        assert session.get(Camera, hold.camera_id) is not None
    with services.db.session() as session:
        inspector = actor(session, services, "inspector")
        assert services.holds.list(session, inspector) == []
        with pytest.raises(Unseen):
            services.holds.list(session, inspector, cameras[GRANTED[0]])
        index = services.playback.index(session, inspector, cameras[GRANTED[0]], start, clock())
        assert index.camera.name == GRANTED[0]
        assert index.holds == []
