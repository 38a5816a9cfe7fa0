"""The HTTP alarm API and the incident queue on both databases.

An alarm centre's machine token posts a burglary: an incident opens in the police zone's queue
with a grant on the consented camera (live for the premises' minutes, playback from the
pre-alarm minutes on), which the zone's operator then finds in their camera list; restores and
cancels update it, polls keep the premises supervised; people, other centres' accounts and bad
fields are refused. Every act on an incident leaves an audit record, and the queue's WebSocket
says hello and then shows the incident as it opens and changes.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from belfort.alarms.models import AlarmReceipt, Incident, IncidentGrant, Premises, SupervisionFault
from belfort.alarms.premises import ConsentSpec, PremisesSpec
from belfort.app import Services
from belfort.audit import AuditFilter
from belfort.auth.service import actor_of_user
from belfort.cameras.models import Grant
from belfort.cameras.service import CameraSpec
from belfort.timeutil import FrozenClock, iso_utc
from belfort.web.deps import SESSION_COOKIE
from tests.conftest import CENTRE, PASSWORD, POLICE, SHOP, SYSTEM, Population, bearer

OTHER_CENTRE = "Alarm Other"
ACCOUNT = "1234"
OTHER_ACCOUNT = "5678"


@dataclass
class Site:
    client: TestClient
    services: Services
    clock: FrozenClock
    camera: str
    premises: str
    machine: dict[str, str]
    """The alarm centre's machine token, scope alarms:send."""


@pytest.fixture
def site(client: TestClient, services: Services, population: Population, clock: FrozenClock) -> Site:
    """The centre's premises (account 1234, supervised every minute) whose shop camera is
    consented; another centre with its own premises (5678); the centre's machine token."""
    with services.db.session() as session:
        services.accounts.add_organisation(session, SYSTEM, OTHER_CENTRE, "alarm_centre")
        services.accounts.add_user(
            session, SYSTEM, username="centre2", role="admin", organisation=OTHER_CENTRE, password=PASSWORD
        )
        camera = services.cameras.add(
            session,
            SYSTEM,
            CameraSpec(name="Jeweller front", organisation=SHOP, main_url="rtsp://192.0.2.10/1", enabled=True),
        )
        centre = actor_of_user(services.accounts.user_by_name(session, "centre"))
        partner = actor_of_user(services.accounts.user_by_name(session, "partner"))
        other = actor_of_user(services.accounts.user_by_name(session, "centre2"))
        premises, _key = services.premises.add(
            session,
            centre,
            PremisesSpec(
                name="Jeweller Peeters",
                subscriber="Juwelier Peeters bv",
                address="Grote Markt 1",
                police=POLICE,
                account=ACCOUNT,
                zones={"3": "Shop window"},
                supervision_seconds=60,
            ),
        )
        services.premises.add(
            session,
            other,
            PremisesSpec(name="Bakery", subscriber="Bakkerij", address="Markt 2", police=POLICE, account=OTHER_ACCOUNT),
        )
        services.premises.consent(session, partner, str(premises.id), ConsentSpec(camera=str(camera.id)))
        _token, secret = services.accounts.create_token(
            session, SYSTEM, name="centre-gateway", organisation=CENTRE, scopes=["alarms:send"]
        )
        ids = (str(camera.id), str(premises.id))
    return Site(client, services, clock, *ids, {"Authorization": f"Bearer {secret}"})


def alarm(site: Site, code: str = "BA", **fields: object) -> dict[str, Any]:
    answer = site.client.post(
        "/api/alarms/events", json={"account": ACCOUNT, "code": code, "zone": "3", **fields}, headers=site.machine
    )
    assert answer.status_code == 202, answer.text
    taken: dict[str, Any] = answer.json()
    return taken


def handle_records(services: Services) -> list[tuple[str, str, str]]:
    with services.db.session() as session:
        records = services.audit.query(session, AuditFilter(action="alarms.handle", limit=50))
        return [(r.actor_name, r.outcome, json.loads(r.detail)["change"]) for r in reversed(records)]


def test_a_burglary_opens_an_incident_with_a_grant_on_the_consented_camera(site: Site) -> None:
    client, services = site.client, site.services
    operator = bearer(client, "operator")
    assert site.camera not in {c["id"] for c in client.get("/api/cameras", headers=operator).json()}
    alarm_at = site.clock() - timedelta(seconds=30)

    taken = alarm(site, time=iso_utc(alarm_at), text="Glass break")
    [opened] = taken["incidents"]
    assert taken["premises"] == "Jeweller Peeters"
    assert (opened["number"], opened["change"]) == (1, "opened")

    [incident] = client.get("/api/incidents", headers=operator).json()
    assert incident["id"] == opened["id"] and incident["state"] == "open"
    assert (incident["category"], incident["code"], incident["zone"], incident["zone_name"]) == (
        "burglary",
        "BA",
        "3",
        "Shop window",
    )
    assert (incident["source"], incident["text"], incident["alarm_at"]) == ("http", "Glass break", iso_utc(alarm_at))
    assert incident["premises"]["name"] == "Jeweller Peeters" and incident["premises"]["centre"] == CENTRE
    [camera] = incident["cameras"]
    assert (camera["id"], camera["owner"], camera["ended"]) == (site.camera, SHOP, False)

    now = site.clock()
    with services.db.session() as session:
        [grant] = session.scalars(select(Grant).join(IncidentGrant, IncidentGrant.grant_id == Grant.id)).unique().all()
        assert (grant.owner.name, grant.grantee.name, str(grant.camera_id)) == (SHOP, POLICE, site.camera)
        assert set(grant.rights.split()) == {"live", "playback"}
        assert grant.purposes.split() == ["administrative"]
        assert (grant.valid_from, grant.valid_until) == (now, now + timedelta(minutes=60))
        assert (grant.footage_from, grant.footage_until) == (alarm_at - timedelta(seconds=120), grant.valid_until)
        assert "incident #1" in grant.reason
    assert camera["live_until"] == iso_utc(now + timedelta(minutes=60))

    cameras = {c["id"]: c for c in client.get("/api/live/cameras", headers=operator).json()}
    assert cameras[site.camera]["shared"] and cameras[site.camera]["organisation"] == SHOP
    assert site.camera in {c["id"] for c in client.get("/api/cameras", headers=operator).json()}
    # Only the police zone's queue holds it.
    assert client.get("/api/incidents", headers=bearer(client, "partner")).json() == []


def test_the_centres_administrator_issues_a_token_that_sends_alarms(site: Site) -> None:
    client = site.client
    issued = client.post(
        "/api/tokens",
        json={"name": "centre-gateway-2", "organisation": CENTRE, "scopes": ["alarms:send"]},
        headers=bearer(client, "centre"),
    )
    assert issued.status_code == 201, issued.text
    assert issued.json()["scopes"] == ["alarms:send"]
    site.machine = {"Authorization": f"Bearer {issued.json()['token']}"}
    assert alarm(site)["incidents"][0]["change"] == "opened"


def test_restore_and_cancel_update_the_open_incident_and_a_repeat_opens_no_other(site: Site) -> None:
    client = site.client
    opened = alarm(site)["incidents"][0]["id"]
    for code, stamp in (("BA", None), ("BR", "restored_at"), ("BC", "cancelled_at")):
        site.clock.advance(timedelta(seconds=20))
        [change] = alarm(site, code)["incidents"]
        assert (change["id"], change["change"]) == (opened, "updated")
        if stamp:
            shown = client.get(f"/api/incidents/{opened}", headers=bearer(client, "operator")).json()
            assert shown[stamp] == iso_utc(site.clock())
    shown = client.get("/api/incidents/1", headers=bearer(client, "operator")).json()
    assert [entry["kind"] for entry in shown["timeline"]] == ["opened", "event", "restored", "cancelled"]
    assert shown["state"] == "open", "a restore or cancel leaves closing to the operator"
    # An event the platform does not act on is received, and changes nothing.
    assert alarm(site, "RP")["incidents"] == []


def test_a_poll_keeps_the_premises_supervised(site: Site) -> None:
    services = site.services
    site.clock.advance(timedelta(seconds=120))
    assert services.intake.supervise(grace_seconds=30, keep_days=90) == [uuid.UUID(site.premises)]
    answer = site.client.post("/api/alarms/polls", json={"account": ACCOUNT}, headers=site.machine)
    assert answer.status_code == 202, answer.text
    assert answer.json() == {"premises": "Jeweller Peeters", "incidents": []}
    with services.db.session() as session:
        premises = session.get(Premises, uuid.UUID(site.premises))
        assert premises is not None
        assert (premises.fault_since, premises.last_message_at) == (None, site.clock())
        [fault] = session.scalars(select(SupervisionFault)).all()
        assert fault.ended_at == site.clock()
        [receipt] = session.scalars(select(AlarmReceipt)).all()
        assert (receipt.transport, receipt.token, receipt.reply, receipt.account) == ("http", "POLL", "ACK", "0:1234")
        assert session.scalars(select(Incident)).all() == []
    site.clock.advance(timedelta(seconds=60))
    assert services.intake.supervise(grace_seconds=30, keep_days=90) == []


def test_unknown_and_other_centres_accounts_are_not_found(site: Site) -> None:
    client = site.client
    for account in ("FFFF", OTHER_ACCOUNT):
        for path, body in (
            ("/api/alarms/events", {"account": account, "code": "BA"}),
            ("/api/alarms/polls", {"account": account}),
        ):
            answer = client.post(path, json=body, headers=site.machine)
            assert answer.status_code == 404, (account, path, answer.text)
            assert "Bakery" not in answer.text
    with site.services.db.session() as session:
        assert session.scalars(select(Incident)).all() == []
        assert session.scalars(select(AlarmReceipt)).all() == []
        refusals = site.services.audit.query(session, AuditFilter(action="alarms.send", limit=10))
        assert len(refusals) == 4 and {r.outcome for r in refusals} == {"refused"}


def test_people_may_not_post_alarms(site: Site) -> None:
    client, services = site.client, site.services
    with services.db.session() as session:
        signed_in = services.accounts.login(session, "centre", PASSWORD, kind="web", client="testclient")
    client.cookies.set(SESSION_COOKIE, signed_in.token)
    try:
        by_cookie = client.post(
            "/api/alarms/events",
            json={"account": ACCOUNT, "code": "BA"},
            headers={"X-CSRF-Token": signed_in.csrf_token},
        )
    finally:
        client.cookies.clear()
    assert by_cookie.status_code == 403, by_cookie.text
    by_bearer = client.post(
        "/api/alarms/events", json={"account": ACCOUNT, "code": "BA"}, headers=bearer(client, "centre")
    )
    assert by_bearer.status_code == 403
    with services.db.session() as session:
        assert session.scalars(select(Incident)).all() == []
        _token, secret = services.accounts.create_token(
            session, SYSTEM, name="wrong-scope", organisation=CENTRE, scopes=["anpr:ingest"]
        )
    wrong = client.post("/api/alarms/polls", json={"account": ACCOUNT}, headers={"Authorization": f"Bearer {secret}"})
    assert wrong.status_code == 403 and "alarms:send" in wrong.json()["detail"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"code": "B"}, "code"),
        ({"format": "ADM-CID", "code": "BA"}, "code"),
        ({"format": "ADM-CID", "code": "130", "qualifier": "N"}, "qualifier"),
        ({"format": "XML"}, "format"),
        ({"zone": "3;4"}, "zone"),
        ({"time": "2026-11-21T09:00:00Z"}, "time"),
        ({"time": "tomorrow"}, "time"),
        ({"priority": 1}, "priority"),
        ({"account": ""}, "account"),
    ],
)
def test_bad_alarm_fields_are_answered_naming_the_field(site: Site, fields: dict[str, object], field: str) -> None:
    answer = site.client.post(
        "/api/alarms/events", json={"account": ACCOUNT, "code": "BA", **fields}, headers=site.machine
    )
    assert answer.status_code == 422, answer.text
    assert field in answer.json()["detail"], answer.json()
    with site.services.db.session() as session:
        assert session.scalars(select(Incident)).all() == []


def test_each_act_on_an_incident_is_audited(site: Site) -> None:
    client, services = site.client, site.services
    operator = bearer(client, "operator")
    alarm(site)
    base = "/api/incidents/1"
    assert client.get("/api/incidents/99999999999", headers=operator).status_code == 422

    acked = client.post(f"{base}/acknowledge", headers=operator)
    assert acked.status_code == 200 and acked.json()["state"] == "acknowledged"
    assert acked.json()["acknowledged_by"] == "operator"
    assert client.post(f"{base}/acknowledge", headers=operator).status_code == 409
    noted = client.post(f"{base}/notes", json={"text": "Patrol 12 on its way"}, headers=operator)
    assert noted.status_code == 200 and noted.json()["timeline"][-1]["text"] == "Patrol 12 on its way"

    live_until = site.clock() + timedelta(minutes=60)
    short = client.post(f"{base}/extend", json={"minutes": 30, "reason": "more"}, headers=operator)
    assert short.status_code == 422 and short.json()["detail"].startswith("reason:")
    too_long = client.post(f"{base}/extend", json={"minutes": 600, "reason": "Suspects still inside"}, headers=operator)
    assert too_long.status_code == 422 and "minutes" in too_long.json()["detail"]
    extended = client.post(f"{base}/extend", json={"minutes": 30, "reason": "Suspects still inside"}, headers=operator)
    assert extended.status_code == 200, extended.text
    assert extended.json()["live_until"] == iso_utc(live_until + timedelta(minutes=30))

    wall = client.post(f"{base}/wall", headers=operator)
    assert wall.status_code == 200 and wall.json()["camera_ids"] == [site.camera]

    ended = client.post(
        f"{base}/end-live", json={"reason": "Patrol on site, cameras no longer needed"}, headers=operator
    )
    assert ended.status_code == 200, ended.text
    assert [camera["ended"] for camera in ended.json()["cameras"]] == [True]
    assert client.post(f"{base}/wall", headers=operator).json()["camera_ids"] == []
    assert site.camera not in {c["id"] for c in client.get("/api/cameras", headers=operator).json()}

    bogus = client.post(f"{base}/close", json={"outcome": "solved"}, headers=operator)
    assert bogus.status_code == 422 and bogus.json()["detail"].startswith("outcome:")
    closed = client.post(f"{base}/close", json={"outcome": "false_alarm", "note": "Cat in the shop"}, headers=operator)
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    assert closed.json()["outcome"] == "false_alarm"
    assert client.get("/api/incidents", headers=operator).json() == []
    assert [i["number"] for i in client.get("/api/incidents?include_closed=true", headers=operator).json()] == [1]

    # Others may not act on it: the partner has no such incident; the inspector may only look.
    assert client.post(f"{base}/notes", json={"text": "x"}, headers=bearer(client, "partner")).status_code == 404
    assert client.post(f"{base}/acknowledge", headers=bearer(client, "inspector")).status_code == 403
    assert client.get(base, headers=bearer(client, "inspector")).status_code == 200

    granted = [(actor, change) for actor, outcome, change in handle_records(services) if outcome == "granted"]
    assert granted == [
        ("operator", "acknowledge"),
        ("operator", "note"),
        ("operator", "extend"),
        ("operator", "wall"),
        ("operator", "end live"),
        ("operator", "wall"),
        ("operator", "close"),
    ]
    with services.db.session() as session:
        [grant] = session.scalars(select(Grant).where(Grant.camera_id == uuid.UUID(site.camera))).all()
        assert grant.revoked_by == "operator" and grant.revoke_reason == "Patrol on site, cameras no longer needed"


def test_the_queue_websocket_says_hello_then_shows_incidents_as_they_open_and_change(site: Site) -> None:
    client = site.client
    operator = bearer(client, "operator")
    with client.websocket_connect("/api/incidents/ws", headers=operator) as socket:
        assert socket.receive_json() == {"type": "hello", "incidents": []}
        taken = alarm(site)
        pushed = socket.receive_json()
        assert (pushed["type"], pushed["change"]) == ("incident", "opened")
        assert pushed["incident"]["id"] == taken["incidents"][0]["id"]
        assert pushed["incident"]["number"] == 1 and pushed["incident"]["cameras"][0]["id"] == site.camera
        assert client.post("/api/incidents/1/acknowledge", headers=operator).status_code == 200
        updated = socket.receive_json()
        assert (updated["change"], updated["incident"]["state"]) == ("updated", "acknowledged")
    with client.websocket_connect("/api/incidents/ws", headers=operator) as socket:
        hello = socket.receive_json()
        assert [i["number"] for i in hello["incidents"]] == [1]
    with client.websocket_connect("/api/incidents/ws", headers=site.machine) as socket:
        refused = socket.receive_json()
        assert (refused["type"], refused["status"]) == ("error", 403)
