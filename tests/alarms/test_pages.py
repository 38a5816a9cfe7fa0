"""The alarm pages on both databases: the menu and each page by role, a premises registered by
form with its key shown once, a camera owner's consent given and withdrawn by form, an incident
handled by form step by step (each step announced to the queues), and the receiver's page.
Bad input draws the page again with the message naming the field and what was typed."""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from belfort.alarms.dc09 import Event
from belfort.alarms.incidents import Change
from belfort.alarms.models import AlarmReceipt, Consent, Incident, Premises
from belfort.alarms.premises import ConsentSpec, PremisesSpec
from belfort.app import Services
from belfort.auth.service import actor_of_user
from belfort.cameras.models import Grant
from belfort.cameras.service import CameraSpec
from tests.conftest import CENTRE, POLICE, SHOP, SYSTEM, Population
from tests.web.test_pages import sign_in

FORM = {
    "name": "Bakery Dupont",
    "subscriber": "Boulangerie Dupont sprl",
    "address": "Rue de Mons 12",
    "municipality": "Quévy",
    "contact": "Mme Dupont, 0470 11 22 33",
    "police": POLICE,
    "prefix": "0",
    "account": "4321",
    "zones": "1 = Front door\n3: Shop window",
    "supervision_seconds": "300",
    "live_minutes": "60",
    "prealarm_seconds": "120",
    "key_bits": "128",
}


@dataclass
class Site:
    client: TestClient
    services: Services
    camera: str
    """The shop's camera (id), consented to the premises."""
    premises: str
    """The premises (id), in PZ Test's area, run by the alarm centre."""


@pytest.fixture
def site(client: TestClient, services: Services, population: Population) -> Site:
    """A premises of the alarm centre with a consented shop camera (live and before the alarm)."""
    with services.db.session() as session:
        camera = services.cameras.add(
            session, SYSTEM, CameraSpec(name="Bakery door", organisation=SHOP, main_url="rtsp://192.0.2.10/1")
        )
        centre = actor_of_user(services.accounts.user_by_name(session, "centre"))
        partner = actor_of_user(services.accounts.user_by_name(session, "partner"))
        premises, _key = services.premises.add(
            session,
            centre,
            PremisesSpec(
                name="Jeweller Peeters",
                subscriber="Juwelier Peeters bv",
                address="Grote Markt 1",
                municipality="Quévy",
                contact="Mr Peeters, 0470 12 34 56",
                police=POLICE,
                account="1234",
                zones={"3": "Shop window"},
            ),
        )
        services.premises.consent(session, partner, str(premises.id), ConsentSpec(camera=str(camera.id)))
        return Site(client, services, str(camera.id), str(premises.id))


def open_incident(site: Site, code: str = "BA", zone: str = "3") -> int:
    """A burglary at the premises, as the intake hands it over: the incident's number."""
    services = site.services
    with services.incidents.opening, services.db.session() as session:
        premises = session.get(Premises, uuid.UUID(site.premises))
        assert premises is not None
        event = Event("SIA-DCS", code, "N", zone, "", "", "")
        change = services.incidents.on_event(session, premises, event, "http", services.clock())
        assert change is not None
        incident = session.get(Incident, change.incident_id)
        assert incident is not None
        return incident.number


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return match.group(1)


# -- the menu and who may open what --------------------------------------------------------------


def test_the_menu_and_the_pages_follow_the_role(site: Site) -> None:
    client = site.client
    sign_in(client, "operator")
    home = client.get("/").text
    assert 'href="/incidents"' in home and 'href="/alarms/premises"' not in home
    assert client.get("/incidents").status_code == 200
    assert client.get("/alarms/premises").status_code == 403
    assert client.get("/alarms/receiver").status_code == 403
    sign_in(client, "supervisor")  # queue and premises: one menu entry, the others as tabs
    menu = client.get("/").text.split('aria-label="Pages"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/incidents"' in menu and 'href="/alarms/premises"' not in menu
    assert 'href="/alarms/premises"' in client.get("/incidents").text
    assert 'href="/incidents" class="current"' in client.get("/alarms/premises").text
    sign_in(client, "centre")
    home = client.get("/").text
    assert 'href="/alarms/premises"' in home and 'href="/incidents"' not in home
    assert client.get("/incidents").status_code == 403
    assert client.get("/alarms/premises").status_code == 200
    assert client.get("/alarms/receiver").status_code == 200
    sign_in(client, "admin")  # the police zone's administrator: premises yes, the queue no
    assert client.get("/incidents").status_code == 403
    listed = client.get("/alarms/premises")
    assert listed.status_code == 200 and "Jeweller Peeters" in listed.text
    assert 'data-testid="premises-form"' not in listed.text  # registering is for an alarm centre
    sign_in(client, "centre")
    assert 'data-testid="premises-form"' in client.get("/alarms/premises").text


def test_the_queue_page_carries_what_its_script_needs(site: Site) -> None:
    number = open_incident(site)
    sign_in(site.client, "operator")
    page = site.client.get("/incidents").text
    assert 'id="incidents-page"' in page and 'data-may-handle="1"' in page and 'data-may-wall="1"' in page
    assert '<template id="incident-card">' in page and '<template id="incident-camera">' in page
    assert 'src="/static/incidents.js"' in page
    sign_in(site.client, "inspector")  # sees the queue, handles nothing
    page = site.client.get("/incidents").text
    assert 'data-may-handle="0"' in page
    detail = site.client.get(f"/incidents/{number}")
    assert detail.status_code == 200 and 'action="/incidents/' not in detail.text


# -- premises ------------------------------------------------------------------------------------


def test_a_premises_is_registered_by_form_and_its_key_is_shown_once(site: Site) -> None:
    client, services = site.client, site.services
    csrf = sign_in(client, "centre")
    bad = client.post("/alarms/premises", data={**FORM, "csrf_token": csrf, "account": "XYZ"})
    assert bad.status_code == 422 and "account:" in bad.text
    assert 'value="Bakery Dupont"' in bad.text and "Shop window" in bad.text  # what was typed stays
    zones = client.post("/alarms/premises", data={**FORM, "csrf_token": csrf, "zones": "front door"})
    assert zones.status_code == 422 and "zones:" in zones.text and "line 1" in zones.text
    number = client.post("/alarms/premises", data={**FORM, "csrf_token": csrf, "live_minutes": "an hour"})
    assert number.status_code == 422 and "live minutes:" in number.text

    done = client.post("/alarms/premises", data={**FORM, "csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303
    target = done.headers["location"]
    with services.db.session() as session:
        premises = session.scalars(select(Premises).where(Premises.name == "Bakery Dupont")).one()
        assert target == f"/alarms/premises/{premises.id}"
        assert (premises.account, premises.key_bits) == ("4321", 128)
        assert services.premises.zones_of(premises) == {"1": "Front door", "3": "Shop window"}
        fingerprint = premises.key_fingerprint
    first = client.get(target)
    assert "Premises &#39;Bakery Dupont&#39; registered." in first.text
    key = re.search(r'data-testid="premises-key">([0-9A-F]+)<', first.text)
    assert key and len(key.group(1)) == 32
    assert hashlib.sha256(bytes.fromhex(key.group(1))).hexdigest()[:12] == fingerprint
    again = client.get(target)
    assert key.group(1) not in again.text and fingerprint in again.text  # shown once, then only its fingerprint

    rekeyed = client.post(f"{target}/key", data={"csrf_token": csrf, "key_bits": "256"}, follow_redirects=False)
    assert rekeyed.status_code == 303
    shown = client.get(target).text
    new_key = re.search(r'data-testid="premises-key">([0-9A-F]+)<', shown)
    assert new_key and len(new_key.group(1)) == 64 and new_key.group(1) != key.group(1)
    assert new_key.group(1) not in client.get(target).text


def test_only_an_alarm_centre_registers_and_a_police_zone_may_not_rekey(site: Site) -> None:
    client = site.client
    csrf = sign_in(client, "admin")  # PZ Test's administrator: not an alarm centre
    refused = client.post("/alarms/premises", data={**FORM, "csrf_token": csrf})
    assert refused.status_code == 403 and "Only an alarm centre" in refused.text
    page = client.get(f"/alarms/premises/{site.premises}")
    assert page.status_code == 200 and 'data-testid="key-form"' not in page.text
    assert client.post(f"/alarms/premises/{site.premises}/key", data={"csrf_token": csrf}).status_code in (403, 404)
    csrf = sign_in(client, "operator")
    assert client.post("/alarms/premises", data={**FORM, "csrf_token": csrf}).status_code == 403


def test_the_premises_page_shows_details_zones_supervision_and_consents(site: Site) -> None:
    sign_in(site.client, "centre")
    page = site.client.get(f"/alarms/premises/{site.premises}").text
    for shown in ("Juwelier Peeters bv", "Grote Markt 1, Quévy", POLICE, "0:1234", "Shop window", "not supervised"):
        assert shown in page
    assert "Bakery door" in page and SHOP in page and "until withdrawn" in page
    assert 'data-testid="consent-form"' not in page  # the centre has no camera to consent for


def test_a_camera_owner_consents_and_withdraws_by_form(site: Site) -> None:
    client, services = site.client, site.services
    csrf = sign_in(client, "partner")
    target = f"/alarms/premises/{site.premises}"
    page = client.get(target)
    assert page.status_code == 200 and 'data-testid="consent-form"' in page.text
    form = {"csrf_token": csrf, "camera": site.camera, "valid_until": "2026-12-31 23:00", "reference": "Form 2026/17"}
    no_scope = client.post(f"{target}/consents", data=form)
    assert no_scope.status_code == 422 and "scope:" in no_scope.text and 'value="Form 2026/17"' in no_scope.text
    bad_time = client.post(f"{target}/consents", data={**form, "scope": ["live"], "valid_until": "soon"})
    assert bad_time.status_code == 422 and "valid until" in bad_time.text
    given = client.post(f"{target}/consents", data={**form, "scope": ["live"]}, follow_redirects=False)
    assert given.status_code == 303 and given.headers["location"] == target
    shown = client.get(target).text
    assert "Consent given: Bakery door is forwarded to PZ Test on an alarm." in shown and "Form 2026/17" in shown
    with services.db.session() as session:
        consent = session.scalars(select(Consent).where(Consent.reference == "Form 2026/17")).one()
        assert (consent.live, consent.prealarm) == (True, False)
        consent_id = consent.id
    withdraw = f"{target}/consents/{consent_id}/withdraw"
    short = client.post(withdraw, data={"csrf_token": csrf, "reason": "ended"})
    assert short.status_code == 422 and "reason:" in short.text
    done = client.post(
        withdraw, data={"csrf_token": csrf, "reason": "The shop closed for good"}, follow_redirects=False
    )
    assert done.status_code == 303
    assert "The shop closed for good" in client.get(target).text
    with services.db.session() as session:
        assert session.get(Consent, consent_id).withdrawn_by == "partner"  # type: ignore[union-attr]
    csrf = sign_in(client, "centre")  # not the camera's owner: may not withdraw it
    assert client.post(withdraw, data={"csrf_token": csrf, "reason": "The shop closed for good"}).status_code in (
        403,
        404,
    )


# -- incidents -----------------------------------------------------------------------------------


def test_an_incident_is_handled_by_form_step_by_step(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    client, services = site.client, site.services
    announced: list[Change] = []
    monkeypatch.setattr(services.incidents, "announce", announced.extend)
    number = open_incident(site)
    csrf = sign_in(client, "operator")
    target = f"/incidents/{number}"
    page = client.get(target)
    assert page.status_code == 200
    for shown in ("Jeweller Peeters", "Grote Markt 1, Quévy", "Juwelier Peeters bv", "Shop window", "code BA"):
        assert shown in page.text
    assert 'id="incident-data"' in page.text and site.camera in page.text  # the tiles' camera, for the script
    assert "alarm received" in page.text  # the timeline, in words

    def post(step: str, **data: Any) -> Any:
        return client.post(f"{target}/{step}", data={"csrf_token": csrf, **data}, follow_redirects=False)

    assert post("acknowledge").status_code == 303
    assert f"Incident #{number} acknowledged." in client.get(target).text
    assert post("acknowledge").status_code == 409  # already acknowledged: said, nothing changed
    empty = post("note", note="  ")
    assert empty.status_code == 422 and "note:" in empty.text
    assert post("note", note="Patrol 12 sent").status_code == 303
    minutes = post("extend", minutes="many", reason="Suspect still inside")
    assert minutes.status_code == 422 and "minutes:" in minutes.text and 'value="Suspect still inside"' in minutes.text
    reason = post("extend", minutes="15", reason="inside")
    assert reason.status_code == 422 and "reason:" in reason.text
    assert post("extend", minutes="15", reason="Suspect still inside").status_code == 303
    short = post("end", reason="done")
    assert short.status_code == 422 and "reason:" in short.text
    assert post("end", reason="The patrol is on site now").status_code == 303
    with services.db.session() as session:
        grant = session.scalars(select(Grant)).one()
        assert grant.revoked_by == "operator"
    outcome = post("close", outcome="nothing")
    assert outcome.status_code == 422 and "outcome:" in outcome.text
    assert post("close", outcome="false_alarm", note="Cat in the shop").status_code == 303
    closed = client.get(target).text
    for shown in (
        "Patrol 12 sent",
        "Suspect still inside",
        "The patrol is on site now",
        "False alarm",
        "Cat in the shop",
    ):
        assert shown in closed
    assert 'action="/incidents/' not in closed  # nothing left to do
    listed = client.get("/incidents").text
    assert f'href="/incidents/{number}"' in listed and "False alarm" in listed  # among the recently closed
    assert [change.change for change in announced] == ["updated"] * 5  # each step told the queues


def test_another_organisation_does_not_see_the_incident(site: Site) -> None:
    number = open_incident(site)
    csrf = sign_in(site.client, "partner")  # the shop: a watcher, but not of PZ Test's queue
    assert site.client.get(f"/incidents/{number}").status_code in (403, 404)
    refused = site.client.post(f"/incidents/{number}/acknowledge", data={"csrf_token": csrf})
    assert refused.status_code in (403, 404)
    csrf = sign_in(site.client, "inspector")  # PZ Test, may look, may not handle
    assert site.client.post(f"/incidents/{number}/acknowledge", data={"csrf_token": csrf}).status_code == 403


# -- the receiver --------------------------------------------------------------------------------


def test_the_receiver_page_shows_its_state_supervision_and_log(site: Site) -> None:
    services = site.services
    with services.db.session() as session:
        session.add(
            AlarmReceipt(
                at=services.clock(),
                transport="udp",
                peer="192.0.2.7:5000",
                premises_id=uuid.UUID(site.premises),
                account="0:1234",
                token="SIA-DCS",
                seq="0007",
                codes="NBA3",
                reply="ACK",
            )
        )
    sign_in(site.client, "centre")
    page = site.client.get("/alarms/receiver")
    assert page.status_code == 200
    assert "not started in this process" in page.text  # the test services listen for no DC-09
    assert "Jeweller Peeters" in page.text and "NBA3" in page.text and "192.0.2.7:5000" in page.text
    assert CENTRE in page.text
    sign_in(site.client, "admin")  # the police zone: its premises, not the centre's log
    page = site.client.get("/alarms/receiver")
    assert page.status_code == 200 and "Jeweller Peeters" in page.text and "NBA3" not in page.text
