"""Evidence holds through the API and the page, on both databases: placing and lifting are
audited with the purpose, the list shows only the cameras the caller may see, and bad
requests get a reason."""

from __future__ import annotations

import html
import uuid

import pytest
from fastapi.testclient import TestClient

from belfort.app import Services
from belfort.audit import AuditFilter
from tests.conftest import Population, bearer
from tests.support.recordings import police_camera
from tests.web.test_pages import sign_in

JUDICIAL = {"kind": "judicial", "justification": "Armed robbery, case PV 2026/0815", "legal_basis_ref": "PK 2026/77"}
RANGE = {"start": "2026-11-21T10:00:00Z", "end": "2026-11-21T10:30:00Z"}


@pytest.fixture
def camera(services: Services, population: Population) -> uuid.UUID:
    return police_camera(services)


def place(client: TestClient, headers: dict[str, str], camera: uuid.UUID, **change: object) -> dict:
    body = {
        "camera": str(camera),
        **RANGE,
        "case_number": "PV 2026/0815",
        "reason": "The getaway car",
        "purpose": JUDICIAL,
    }
    return client.post("/api/holds", json={**body, **change}, headers=headers)  # type: ignore[return-value]


def test_place_list_and_lift_a_hold_each_audited(client: TestClient, services: Services, camera: uuid.UUID) -> None:
    inspector = bearer(client, "inspector")
    placed = place(client, inspector, camera)
    assert placed.status_code == 201, placed.text
    hold = placed.json()
    assert hold["active"] and hold["camera"] == "Grote Markt" and hold["created_by"] == "inspector"
    listed = client.get("/api/holds", params={"camera": str(camera)}, headers=bearer(client, "dpo")).json()
    assert [h["id"] for h in listed] == [hold["id"]], "the DPO sees every hold"
    refused = client.get("/api/holds", headers=bearer(client, "partner"))
    assert refused.status_code == 403 and "may not see evidence holds" in refused.json()["detail"]
    lifted = client.post(f"/api/holds/{hold['id']}/lift", json={"purpose": JUDICIAL}, headers=inspector)
    assert lifted.status_code == 200 and not lifted.json()["active"] and lifted.json()["lifted_by"] == "inspector"
    again = client.post(f"/api/holds/{hold['id']}/lift", json={"purpose": JUDICIAL}, headers=inspector)
    assert again.status_code == 409 and "already lifted" in again.json()["detail"]
    assert client.get("/api/holds", headers=inspector).json() == []
    assert len(client.get("/api/holds", params={"state": "all"}, headers=inspector).json()) == 1
    with services.db.session() as session:
        records = services.audit.query(session, AuditFilter(person="inspector"))
    changes = [r for r in records if r.action in ("hold.place", "hold.lift")]
    assert sorted((r.action, r.outcome, r.legal_basis_ref) for r in changes) == [
        ("hold.lift", "granted", "PK 2026/77"),
        ("hold.place", "granted", "PK 2026/77"),
    ]
    listings = [r.outcome for r in records if r.action == "hold.list"]
    assert listings == ["granted", "granted"], "reading holds is recorded"


def test_refusals_are_audited_and_bad_requests_explained(
    client: TestClient, services: Services, camera: uuid.UUID
) -> None:
    refused = place(client, bearer(client, "operator"), camera)
    assert refused.status_code == 403 and "may not put evidence holds" in refused.json()["detail"]
    short = place(client, bearer(client, "inspector"), camera, purpose={"kind": "judicial", "justification": "x"})
    assert short.status_code == 403 and short.json()["needs"] == ["purpose"]
    inverted = place(client, bearer(client, "inspector"), camera, start=RANGE["end"], end=RANGE["start"])
    assert inverted.status_code == 422 and "end must be after its start" in inverted.json()["detail"]
    no_case = place(client, bearer(client, "inspector"), camera, case_number=" ")
    assert no_case.status_code == 422 and "case number" in no_case.json()["detail"]
    unknown = client.post(
        f"/api/holds/{uuid.uuid4()}/lift", json={"purpose": JUDICIAL}, headers=bearer(client, "inspector")
    )
    assert unknown.status_code == 404
    with services.db.session() as session:
        refusals = services.audit.query(session, AuditFilter(action="hold.place", outcome="refused"))
    assert {r.actor_name for r in refusals} == {"operator", "inspector"}


def test_the_holds_page_places_and_lifts(client: TestClient, services: Services, camera: uuid.UUID) -> None:
    csrf = sign_in(client, "inspector")
    form = {
        "csrf_token": csrf,
        "camera": str(camera),
        "start": "2026-11-21 10:00:00",
        "end": "2026-11-21 10:30",
        "case_number": "PV 2026/0815",
        "reason": "The getaway car",
        "kind": "judicial",
        "justification": JUDICIAL["justification"],
        "legal_basis_ref": "PK 2026/77",
    }
    page = client.post("/holds", data=form)
    assert page.status_code == 200 and page.history[0].status_code == 303
    assert "retention will not erase this range" in page.text
    assert "retention will not erase" not in client.get("/holds").text, "the notice is shown once"
    hold_id = client.get("/api/holds").json()[0]["id"]
    bad = client.post("/holds", data={**form, "start": "yesterday"})
    assert bad.status_code == 422 and "is not a time for" in bad.text
    held = client.get("/api/holds").json()[0]
    assert (held["start"], held["end"]) == ("2026-11-21T09:00:00Z", "2026-11-21T09:30:00Z"), (
        "typed in Brussels time (winter: UTC+1); the API answers in UTC"
    )
    shown = client.get("/holds").text
    assert "2026-11-21 10:00:00 +01:00" in shown and "(UTC)" not in shown, "the page shows local time"
    skipped = client.post("/holds", data={**form, "start": "2026-03-29 02:15", "end": "2026-03-29 04:00"})
    assert skipped.status_code == 422
    assert "From: 2026-03-29 02:15 does not exist in Europe/Brussels" in html.unescape(skipped.text)
    lift = {"csrf_token": csrf, "kind": "judicial", "justification": "Case closed by judgment of 2026-11-30"}
    lifted = client.post(f"/holds/{hold_id}/lift", data=lift)
    assert lifted.status_code == 200 and "lifted" in lifted.text
    assert "No active holds" in client.get("/holds").text
    assert "lifted by inspector" in client.get("/holds?state=lifted").text
