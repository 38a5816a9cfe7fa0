"""Access requests through the API and the pages, on both databases: asked by the police
zone's inspector, decided by the city's team chief; bad input is a 4xx naming the field, a
wrong role a 403 that is audited, and the badge counts what is new for each side."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from belfort.app import Services
from belfort.audit.log import AuditFilter
from belfort.cameras.service import CameraSpec
from belfort.policy import Action
from belfort.timeutil import FrozenClock, iso_utc
from tests.conftest import CITY, PASSWORD, SYSTEM, Population, bearer
from tests.web.test_pages import sign_in

CAMERAS = ("Stadhuis", "Korenmarkt")


@pytest.fixture
def city(services: Services, population: Population) -> None:
    with services.db.session() as session:
        for index, name in enumerate(CAMERAS):
            services.cameras.add(
                session,
                SYSTEM,
                CameraSpec(name=name, organisation=CITY, main_url=f"rtsp://192.0.2.30/{index}", street="Markt"),
            )
        services.accounts.add_user(
            session, SYSTEM, username="city-chief", role="supervisor", organisation=CITY, password=PASSWORD
        )


def body(clock: FrozenClock, **change: Any) -> dict[str, Any]:
    return {
        "owner": CITY,
        "cameras": list(CAMERAS),
        "rights": ["playback"],
        "footage_from": iso_utc(clock() - timedelta(hours=5)),
        "footage_until": iso_utc(clock() - timedelta(hours=1)),
        "purpose": {"kind": "administrative", "justification": "Fight on the Korenmarkt after the market"},
        "case_number": "HA.12.LB.2026/0042",
        **change,
    }


def badge(client: TestClient, username: str) -> int:
    response = client.get("/api/requests/badge", headers=bearer(client, username))
    assert response.status_code == 200, response.text
    return int(response.json()["count"])


@pytest.mark.usefixtures("city")
def test_asked_approved_narrower_and_counted_on_both_badges(client: TestClient, clock: FrozenClock) -> None:
    inspector = bearer(client, "inspector")
    asked = client.post("/api/requests", json=body(clock), headers=inspector)
    assert asked.status_code == 201, asked.text
    request = asked.json()
    assert request["state"] == "pending" and [c["name"] for c in request["cameras"]] == sorted(CAMERAS)
    assert badge(client, "city-chief") == 1 and badge(client, "inspector") == 0

    chief = bearer(client, "city-chief")
    inbox = client.get("/api/requests", params={"box": "inbox"}, headers=chief).json()
    assert [r["id"] for r in inbox] == [request["id"]]
    start = clock() - timedelta(hours=3)
    approved = client.post(
        f"/api/requests/{request['id']}/approve",
        json={
            "cameras": [CAMERAS[1]],
            "footage_from": iso_utc(start),
            "footage_until": iso_utc(start + timedelta(hours=1)),
        },
        headers=chief,
    )
    assert approved.status_code == 200, approved.text
    decided = approved.json()
    assert decided["state"] == "approved" and decided["decided_by"] == "city-chief"
    assert [(a["camera"], a["rights"]) for a in decided["approved"]] == [(CAMERAS[1], ["playback"])]
    assert decided["approved"][0]["footage_from"] == "2026-11-21T09:00:00Z"
    assert badge(client, "city-chief") == 0 and badge(client, "inspector") == 1
    outbox = client.get("/api/requests", params={"box": "outbox"}, headers=inspector).json()
    assert outbox[0]["state"] == "approved"
    assert badge(client, "inspector") == 0

    again = client.post(f"/api/requests/{request['id']}/refuse", json={"reason": "Changed our mind"}, headers=chief)
    assert again.status_code == 409


@pytest.mark.usefixtures("city")
def test_bad_input_is_a_4xx_naming_the_field(client: TestClient, clock: FrozenClock) -> None:
    inspector = bearer(client, "inspector")

    def refused(**change: Any) -> str:
        response = client.post("/api/requests", json=body(clock, **change), headers=inspector)
        assert response.status_code == 422, response.text
        return str(response.json()["detail"])

    assert "footage until" in refused(footage_until=iso_utc(clock() - timedelta(hours=6)))
    assert "case number" in refused(case_number=" ")
    assert "rights" in refused(rights=["everything"])
    assert "cameras" in refused(cameras=["Belfort tower"])
    assert "owner" in refused(owner="Nowhere")
    old = {
        "footage_from": iso_utc(clock() - timedelta(days=40)),
        "footage_until": iso_utc(clock() - timedelta(days=39)),
    }
    judicial = {"kind": "judicial", "justification": "Burglary series in the centre"}
    assert "legal basis reference" in refused(purpose=judicial, pv_number="HA.12.LB.000123/2026", **old)
    assert "PV number" in refused(purpose=judicial)
    assert "owner" in refused(owner="")
    unknown = client.post("/api/requests", json={**body(clock), "colour": "red"}, headers=inspector)
    assert unknown.status_code == 422 and "colour" in unknown.json()["detail"]

    request_id = client.post("/api/requests", json=body(clock), headers=inspector).json()["id"]
    chief = bearer(client, "city-chief")
    short = client.post(f"/api/requests/{request_id}/refuse", json={"reason": "no"}, headers=chief)
    assert short.status_code == 422 and "reason" in short.json()["detail"]
    wider = client.post(f"/api/requests/{request_id}/approve", json={"rights": ["live"]}, headers=chief)
    assert wider.status_code == 422 and "rights" in wider.json()["detail"]
    early = client.post(
        f"/api/requests/{request_id}/approve",
        json={"footage_from": iso_utc(clock() - timedelta(hours=9))},
        headers=chief,
    )
    assert early.status_code == 422 and "footage from" in early.json()["detail"]
    assert badge(client, "city-chief") == 1, "nothing was decided"


@pytest.mark.usefixtures("city")
def test_a_wrong_role_gets_403_and_is_audited(client: TestClient, services: Services, clock: FrozenClock) -> None:
    operator = bearer(client, "operator")
    assert client.post("/api/requests", json=body(clock), headers=operator).status_code == 403
    assert client.get("/api/requests", params={"box": "inbox"}, headers=operator).status_code == 403
    request_id = client.post("/api/requests", json=body(clock), headers=bearer(client, "inspector")).json()["id"]
    police_chief = client.post(f"/api/requests/{request_id}/approve", json={}, headers=bearer(client, "supervisor"))
    assert police_chief.status_code == 404, "the city's request is not the police chief's to decide"
    with services.db.session() as session:
        records = services.audit.query(session, AuditFilter(outcome="refused"))
        refusals = {(r.actor_name, r.action) for r in records}
    assert ("operator", Action.ASK_ACCESS.value) in refusals
    assert ("operator", Action.VIEW_SHARING.value) in refusals
    assert ("supervisor", Action.DECIDE_REQUESTS.value) in refusals
    assert badge(client, "operator") == 0


@pytest.mark.usefixtures("city")
def test_pages_ask_with_local_times_decide_and_show_the_badge(client: TestClient, clock: FrozenClock) -> None:
    csrf = sign_in(client, "inspector")
    page = client.get("/requests")
    assert page.status_code == 200 and 'id="request-form"' in page.text
    sent = client.post(
        "/requests",
        data={
            "csrf_token": csrf,
            "owner": CITY,
            "cameras": ", ".join(CAMERAS),
            "rights": ["playback"],
            "footage_from": "2026-11-21 08:00",
            "footage_until": "2026-11-21 12:00",
            "purpose": "administrative",
            "justification": "Fight on the Korenmarkt after the market",
            "case_number": "HA.12.LB.2026/0042",
        },
    )
    assert sent.status_code == 200 and "Request sent to" in sent.text, sent.text
    bad = client.post(
        "/requests",
        data={"csrf_token": csrf, "owner": CITY, "cameras": CAMERAS[0], "rights": ["playback"],
              "footage_from": "yesterday", "footage_until": "2026-11-21 12:00", "purpose": "administrative",
              "justification": "Fight on the Korenmarkt", "case_number": "X1"},
    )  # fmt: skip
    assert bad.status_code == 422 and "Footage from" in html.unescape(bad.text)
    client.post("/logout", data={"csrf_token": csrf})

    csrf = sign_in(client, "city-chief")
    inbox = client.get("/requests?tab=inbox")
    assert 'data-testid="request-badge"' in inbox.text
    assert 'value="2026-11-21 08:00"' in inbox.text, "the asked range, in local time (UTC+1 in November)"
    request_id = inbox.text.split('data-request="')[1].split('"')[0]
    decided = client.post(
        f"/requests/{request_id}/approve",
        data={
            "csrf_token": csrf,
            "mode": "grant",
            "footage_from": "2026-11-21 09:00",
            "footage_until": "2026-11-21 10:00",
        },
    )
    assert decided.status_code == 200 and "Approved" in decided.text
    assert 'data-testid="request-badge"' not in decided.text
    assert 'data-state="approved"' in decided.text
