"""The alarms API on both databases: an alarm centre's administrator registers, changes, re-keys
and removes a premises; a key is answered once and never again; another centre's premises is
not found; only a camera's owner consents to forwarding it, and withdraws; bad fields are
answered 422 naming the field; the receiver's status shows each organisation what is its own."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from belfort.alarms.models import AlarmReceipt
from belfort.app import Services
from belfort.audit import AuditFilter
from belfort.cameras.service import CameraSpec
from tests.conftest import CENTRE, PASSWORD, POLICE, SHOP, SYSTEM, Population, bearer

OTHER_CENTRE = "Alarm Other"
PREMISES = {
    "name": "Jeweller Peeters",
    "subscriber": "Juwelier Peeters bv",
    "address": "Grote Markt 1, 7040 Quévy",
    "municipality": "Quévy",
    "contact": "Mr Peeters, 0470 12 34 56",
    "police": POLICE,
    "account": "1234",
    "zones": {"3": "Shop window", "04": "Back door"},
    "supervision_seconds": 300,
}


@dataclass
class Site:
    client: TestClient
    services: Services
    camera: str
    """The shop's camera (id)."""
    police_camera: str


@pytest.fixture
def site(client: TestClient, services: Services, population: Population) -> Site:
    """A second alarm centre with its administrator `centre2`, a shop camera and a police camera."""
    with services.db.session() as session:
        services.accounts.add_organisation(session, SYSTEM, OTHER_CENTRE, "alarm_centre")
        services.accounts.add_user(
            session, SYSTEM, username="centre2", role="admin", organisation=OTHER_CENTRE, password=PASSWORD
        )
        shop = services.cameras.add(
            session, SYSTEM, CameraSpec(name="Jeweller front", organisation=SHOP, main_url="rtsp://192.0.2.10/1")
        )
        police = services.cameras.add(
            session, SYSTEM, CameraSpec(name="Grote Markt", organisation=POLICE, main_url="rtsp://192.0.2.10/2")
        )
        return Site(client, services, str(shop.id), str(police.id))


def add_premises(site: Site, username: str = "centre", **fields: object) -> dict[str, object]:
    answer = site.client.post(
        "/api/alarms/premises", json={**PREMISES, **fields}, headers=bearer(site.client, username)
    )
    assert answer.status_code == 201, answer.text
    created: dict[str, object] = answer.json()
    return created


def premises_records(services: Services) -> list[dict[str, str]]:
    with services.db.session() as session:
        records = services.audit.query(session, AuditFilter(action="alarms.premises", limit=50))
        return [{"outcome": r.outcome, **json.loads(r.detail or "{}")} for r in reversed(records)]


def test_premises_lifecycle_and_its_key_shown_once(site: Site) -> None:
    client, services = site.client, site.services
    centre = bearer(client, "centre")
    created = add_premises(site, key_bits=256)
    key = str(created["key"])
    assert len(key) == 64 and int(key, 16) >= 0
    assert created["key_bits"] == 256
    assert created["key_fingerprint"] == hashlib.sha256(bytes.fromhex(key)).hexdigest()[:12]
    assert (created["centre"], created["police"], created["prefix"], created["account"]) == (
        CENTRE,
        POLICE,
        "0",
        "1234",
    )
    assert created["zones"] == {"3": "Shop window", "4": "Back door"}
    found = services.premises.key_for("0", "1234")
    assert found is not None and found.key == bytes.fromhex(key), "the key answered is the key the receiver uses"
    ref = str(created["id"])

    listed = client.get("/api/alarms/premises", headers=centre)
    shown = client.get(f"/api/alarms/premises/{ref}", headers=centre)
    assert [p["name"] for p in listed.json()] == ["Jeweller Peeters"]
    assert shown.status_code == 200 and shown.json()["consents"] == []
    assert "key" not in listed.json()[0] and "key" not in shown.json()
    for answer in (listed, shown):
        assert key not in answer.text and key.lower() not in answer.text and "key_sealed" not in answer.text

    changed = client.patch(
        f"/api/alarms/premises/{ref}", json={"name": "Jeweller Peeters (shop)", "live_minutes": 30}, headers=centre
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["name"], changed.json()["live_minutes"]) == ("Jeweller Peeters (shop)", 30)
    assert changed.json()["subscriber"] == PREMISES["subscriber"], "omitted fields stay as they are"
    assert "key" not in changed.json()

    rekeyed = client.post(f"/api/alarms/premises/{ref}/key", json={"key_bits": 128}, headers=centre)
    assert rekeyed.status_code == 200, rekeyed.text
    new_key = rekeyed.json()["key"]
    assert len(new_key) == 32 and new_key != key and rekeyed.json()["key_bits"] == 128
    own = "00112233445566778899AABBCCDDEEFF0011223344556677"
    set_key = client.post(f"/api/alarms/premises/{ref}/key", json={"key": own}, headers=centre)
    assert set_key.status_code == 200 and set_key.json()["key"] is None
    assert set_key.json()["key_bits"] == 192
    assert set_key.json()["key_fingerprint"] == hashlib.sha256(bytes.fromhex(own)).hexdigest()[:12]
    again = client.get(f"/api/alarms/premises/{ref}", headers=centre).text
    assert new_key not in again and own not in again and own.lower() not in again

    assert client.delete(f"/api/alarms/premises/{ref}", headers=centre).status_code == 204
    assert client.get(f"/api/alarms/premises/{ref}", headers=centre).status_code == 404
    assert client.get("/api/alarms/premises", headers=centre).json() == []
    assert services.premises.key_for("0", "1234") is None, "a removed premises' alarms are no longer accepted"

    changes = [(r["outcome"], r.get("change")) for r in premises_records(services)]
    assert changes == [
        ("granted", "add"),
        ("granted", "update"),
        ("granted", "key"),
        ("granted", "key"),
        ("granted", "remove"),
    ]
    assert all(key not in str(r) and new_key not in str(r) for r in premises_records(services))


def test_another_centres_premises_is_not_found_and_the_police_see_their_own(site: Site) -> None:
    client = site.client
    ref = str(add_premises(site)["id"])
    other = bearer(client, "centre2")
    assert client.get("/api/alarms/premises", headers=other).json() == []
    for method, path, body in (
        ("GET", f"/api/alarms/premises/{ref}", None),
        ("PATCH", f"/api/alarms/premises/{ref}", {"name": "Mine now"}),
        ("POST", f"/api/alarms/premises/{ref}/key", {"key_bits": 128}),
        ("DELETE", f"/api/alarms/premises/{ref}", None),
    ):
        answer = client.request(method, path, json=body, headers=other)
        assert answer.status_code == 404, (method, path, answer.text)
        assert "Jeweller" not in answer.text
    # The other centre may not take the account either: it belongs to a premises already.
    clash = client.post("/api/alarms/premises", json={**PREMISES, "name": "Copy"}, headers=other)
    assert clash.status_code == 409 and clash.json()["detail"].startswith("account:")

    # The police zone that intervenes sees the premises (not its key); its operator has no business here.
    supervisor = bearer(client, "supervisor")
    assert [p["id"] for p in client.get("/api/alarms/premises", headers=supervisor).json()] == [ref]
    assert client.get(f"/api/alarms/premises/{ref}", headers=supervisor).status_code == 200
    assert client.patch(f"/api/alarms/premises/{ref}", json={"name": "x"}, headers=supervisor).status_code == 403
    assert client.get("/api/alarms/premises", headers=bearer(client, "operator")).status_code == 403
    # The platform's administrator sees every premises and registers one for a named centre.
    platform = bearer(client, "platform_admin")
    made = client.post(
        "/api/alarms/premises",
        json={**PREMISES, "name": "Bakery", "account": "5678", "centre": OTHER_CENTRE},
        headers=platform,
    )
    assert made.status_code == 201 and made.json()["centre"] == OTHER_CENTRE
    assert {p["name"] for p in client.get("/api/alarms/premises", headers=platform).json()} == {
        "Jeweller Peeters",
        "Bakery",
    }
    assert [p["name"] for p in client.get("/api/alarms/premises", headers=other).json()] == ["Bakery"]


def test_only_the_cameras_owner_consents_and_withdraws(site: Site) -> None:
    client = site.client
    ref = str(add_premises(site)["id"])
    body = {"camera": site.camera, "reference": "Form 2026/17", "valid_until": "2027-11-21T00:00:00Z"}
    for username in ("admin", "centre"):  # the police's and the centre's administrators: not their camera
        refused = client.post(f"/api/alarms/premises/{ref}/consents", json=body, headers=bearer(client, username))
        assert refused.status_code == 404, (username, refused.text)
    operator = client.post(f"/api/alarms/premises/{ref}/consents", json=body, headers=bearer(client, "operator"))
    assert operator.status_code == 403

    partner = bearer(client, "partner")
    given = client.post(f"/api/alarms/premises/{ref}/consents", json=body, headers=partner)
    assert given.status_code == 201, given.text
    consent = given.json()
    assert (consent["camera"], consent["owner"], consent["live"], consent["prealarm"]) == (
        "Jeweller front",
        SHOP,
        True,
        True,
    )
    assert consent["holds"] and consent["reference"] == "Form 2026/17" and consent["given_by"] == "partner"
    shown = client.get(f"/api/alarms/premises/{ref}", headers=partner).json()
    assert [c["id"] for c in shown["consents"]] == [consent["id"]], (
        "the camera owner sees the premises it consented for"
    )

    # The police zone's own camera is not the shop's to consent for.
    police_camera = client.post(
        f"/api/alarms/premises/{ref}/consents", json={"camera": site.police_camera}, headers=partner
    )
    assert police_camera.status_code == 404
    neither = client.post(
        f"/api/alarms/premises/{ref}/consents",
        json={"camera": site.camera, "live": False, "prealarm": False},
        headers=partner,
    )
    assert neither.status_code == 422 and neither.json()["detail"].startswith("scope:")

    withdraw = f"/api/alarms/consents/{consent['id']}/withdraw"
    reason = {"reason": "The shop closed for good"}
    assert client.post(withdraw, json=reason, headers=bearer(client, "admin")).status_code == 404
    short = client.post(withdraw, json={"reason": "closed"}, headers=partner)
    assert short.status_code == 422 and short.json()["detail"].startswith("reason:")
    withdrawn = client.post(withdraw, json=reason, headers=partner)
    assert withdrawn.status_code == 200, withdrawn.text
    assert not withdrawn.json()["holds"] and withdrawn.json()["withdraw_reason"] == reason["reason"]
    assert client.post(withdraw, json=reason, headers=partner).status_code == 409


@pytest.mark.parametrize(
    ("fields", "status", "field"),
    [
        ({"account": "XYZ"}, 422, "account"),
        ({"account": "12"}, 422, "account"),
        ({"prefix": "0G"}, 422, "prefix"),
        ({"police": "Shop Test"}, 422, "police"),
        ({"police": "Nowhere"}, 422, "police"),
        ({"zones": {"front": "Door"}}, 422, "zones"),
        ({"name": "  "}, 422, "name"),
        ({"key_bits": 100}, 422, "key_bits"),
        ({"live_minutes": 0}, 422, "live_minutes"),
        ({"supervision_seconds": 5}, 422, "supervision"),
        ({"colour": "red"}, 422, "colour"),
        ({"subscriber": None}, 422, "subscriber"),
    ],
)
def test_bad_fields_are_answered_naming_the_field(
    site: Site, fields: dict[str, object], status: int, field: str
) -> None:
    answer = site.client.post(
        "/api/alarms/premises", json={**PREMISES, **fields}, headers=bearer(site.client, "centre")
    )
    assert answer.status_code == status, answer.text
    assert field in answer.json()["detail"], answer.json()
    assert site.client.get("/api/alarms/premises", headers=bearer(site.client, "centre")).json() == []


def test_a_new_key_needs_bits_or_a_key(site: Site) -> None:
    ref = str(add_premises(site)["id"])
    centre = bearer(site.client, "centre")
    for body in ({}, {"key_bits": 128, "key": "00" * 16}):
        answer = site.client.post(f"/api/alarms/premises/{ref}/key", json=body, headers=centre)
        assert answer.status_code == 422 and answer.json()["detail"].startswith("key_bits:"), answer.text
    short = site.client.post(f"/api/alarms/premises/{ref}/key", json={"key": "0011"}, headers=centre)
    assert short.status_code == 422 and short.json()["detail"].startswith("key:")


def test_receiver_status_shows_each_organisation_its_own(site: Site) -> None:
    client, services = site.client, site.services
    mine = add_premises(site, supervision_seconds=60)
    theirs = add_premises(site, "centre2", name="Bakery", account="5678")
    services.settings.alarms.tcp_port = 0
    services.settings.alarms.udp_port = 0
    services.start_alarms()
    now = services.clock()
    with services.db.session() as session:
        for premises, account in ((mine, "0:1234"), (theirs, "0:5678"), (None, "0:9999")):
            session.add(
                AlarmReceipt(
                    at=now,
                    transport="tcp",
                    peer="192.0.2.7:5000",
                    premises_id=uuid.UUID(str(premises["id"])) if premises else None,
                    account=account,
                    token="SIA-DCS",
                    seq="0001",
                    reply="ACK" if premises else "NAK",
                    reason="" if premises else "no premises has this account",
                )
            )

    centre = client.get("/api/alarms/receiver", headers=bearer(client, "centre"))
    assert centre.status_code == 200, centre.text
    status = centre.json()
    assert status["receiver"]["listening"] and status["receiver"]["tcp"].startswith("127.0.0.1:")
    assert [(p["name"], p["state"]) for p in status["premises"]] == [("Jeweller Peeters", "ok")]
    assert [r["account"] for r in status["receipts"]] == ["0:1234"] and not status["all_receipts"]

    auditor = client.get("/api/alarms/receiver", headers=bearer(client, "auditor")).json()
    assert sorted(r["account"] for r in auditor["receipts"]) == ["0:1234", "0:5678", "0:9999"]
    assert auditor["all_receipts"] and len(auditor["premises"]) == 2

    police = client.get("/api/alarms/receiver", headers=bearer(client, "supervisor")).json()
    assert {p["name"] for p in police["premises"]} == {"Jeweller Peeters", "Bakery"}
    assert police["receipts"] == [], "the police see their premises' state, not the centres' message log"
    assert client.get("/api/alarms/receiver", headers=bearer(client, "operator")).status_code == 403
    with services.db.session() as session:
        assert len(session.scalars(select(AlarmReceipt)).all()) == 3
