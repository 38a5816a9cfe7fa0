"""Judicial authorisations and drone missions over HTTP: the forms in local time, bad input
shown again with the message naming the field (never a 500), a mission without justification
refused with its sentence (422) and recorded, a real video uploaded with the form, the
council's report as a page and as CSV, and the purpose form offering the authorisations."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from belfort.app import Services
from belfort.audit import AuditFilter
from belfort.cameras.service import CameraSpec
from belfort.judicial.models import DroneMission, JudicialAuthorisation
from tests.conftest import POLICE, SYSTEM, Population, bearer
from tests.support.judicial import drone_video
from tests.web.test_pages import sign_in

PROPORTIONALITY = "Only the park was filmed, for twenty minutes, from sixty metres, at night when it is empty."
SUBSIDIARITY = "No fixed camera covers the pond or the woods, and a search on foot would take hours in the dark."


@pytest.fixture
def drone(services: Services, population: Population) -> str:
    with services.db.session() as session:
        services.cameras.add(session, SYSTEM, CameraSpec(name="Markt", organisation=POLICE, main_url="rtsp://x/1"))
        return str(
            services.cameras.add(session, SYSTEM, CameraSpec(name="Drone 1", organisation=POLICE, kind="drone")).id
        )


def order_form(csrf: str, **changes: str) -> dict[str, object]:
    return {
        "csrf_token": csrf,
        "kind": "investigating_judge_order",
        "reference": "JO/2026/123",
        "decided_on": "2026-11-02",
        "magistrate": "Onderzoeksrechter Kortrijk",
        "case_number": "KO.21.L7.815/26",
        "scope": "all",
        "footage_from": "2026-09-01 00:00",
        "footage_until": "2026-10-15 00:00",
        "expires_at": "2027-02-01 00:00",
        **changes,
    }


def flight_form(csrf: str, drone: str, **changes: str) -> dict[str, str]:
    return {
        "csrf_token": csrf,
        "regime": "administrative",
        "drone": drone,
        "requesting_officer": "Commissaris A. Claes",
        "responsible_officer": "Inspecteur B. Wouters",
        "purpose": "Search for a missing child in the city park",
        "proportionality": PROPORTIONALITY,
        "subsidiarity": SUBSIDIARITY,
        "area": "Stadspark",
        "started_at": "2026-11-21 10:00",
        "ended_at": "2026-11-21 10:20",
        **changes,
    }


def test_an_order_is_registered_by_form_in_local_time_offered_and_revoked(
    client: TestClient, services: Services, drone: str
) -> None:
    csrf = sign_in(client, "inspector")
    assert 'href="/governance"' in client.get("/").text
    assert 'href="/authorisations"' in client.get("/governance").text
    bad = client.post("/authorisations", data=order_form(csrf, decided_on="2 November"))
    assert bad.status_code == 422 and "is not a date for &#39;Date of the decision&#39;" in bad.text
    assert 'value="JO/2026/123"' in bad.text
    late = client.post("/authorisations", data=order_form(csrf, expires_at="tomorrow"))
    assert late.status_code == 422 and "Expires" in late.text
    done = client.post("/authorisations", data=order_form(csrf), follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/authorisations"
    page = client.get("/authorisations")
    assert "Authorisation JO/2026/123 registered" in page.text and "investigating judge&#39;s order" in page.text
    with services.db.session() as session:
        row = session.scalars(select(JudicialAuthorisation)).one()
        assert row.footage_from == datetime(2026, 8, 31, 22, 0, tzinfo=UTC)  # Brussels is UTC+2 in summer
        assert row.all_cameras
        row_id = str(row.id)
    (choice,) = client.get("/api/authorisations/choices").json()
    assert choice["reference"] == "JO/2026/123" and choice["label"].startswith("investigating judge's order, case")
    evidence = client.get("/evidence")
    assert 'list="authorisation-choices"' in evidence.text and "/static/authorisations.js" in evidence.text
    revoked = client.post(f"/authorisations/{row_id}/revoke", data={"csrf_token": csrf, "reason": "Case closed"})
    assert revoked.status_code == 200 and "revoked" in revoked.text
    assert client.get("/api/authorisations/choices").json() == []


def test_the_api_registers_and_names_bad_fields(client: TestClient, services: Services, drone: str) -> None:
    headers = bearer(client, "supervisor")
    body = {
        "kind": "prosecutor_decision",
        "reference": "PK/77",
        "decided_on": "2026-11-02",
        "magistrate": "Procureur des Konings",
        "case_number": "PK.77/26",
        "footage_from": "2026-09-01T00:00:00Z",
        "footage_until": "2026-10-01T00:00:00Z",
        "expires_at": "2027-01-01T00:00:00Z",
        "cameras": ["Markt"],
    }
    made = client.post("/api/authorisations", json=body, headers=headers)
    assert made.status_code == 201 and made.json()["cameras"][0]["name"] == "Markt"
    again = client.post("/api/authorisations", json=body, headers=headers)
    assert again.status_code == 409 and again.json()["detail"].startswith("reference:")
    wrong = client.post("/api/authorisations", json={**body, "kind": "mayor", "reference": "X"}, headers=headers)
    assert wrong.status_code == 422 and "kind" in wrong.text
    both = client.post("/api/authorisations", json={**body, "reference": "Y", "all_cameras": True}, headers=headers)
    assert both.status_code == 422 and both.json()["detail"].startswith("cameras:")
    refused = client.post("/api/authorisations", json={**body, "reference": "Z"}, headers=bearer(client, "operator"))
    assert refused.status_code == 403


def test_a_flight_without_justification_is_refused_on_the_form_then_logged_with_its_video(
    client: TestClient, services: Services, drone: str, tmp_path: Path
) -> None:
    csrf = sign_in(client, "inspector")
    refused = client.post("/drones", data=flight_form(csrf, drone, subsidiarity=""))
    assert refused.status_code == 422
    assert "Subsidiarity is missing: a drone mission is refused without it." in refused.text
    assert "Stadspark" in refused.text and PROPORTIONALITY in refused.text  # what was typed stays
    copied = client.post("/drones", data=flight_form(csrf, drone, subsidiarity=PROPORTIONALITY))
    assert copied.status_code == 422 and "Proportionality repeats the subsidiarity word for word" in copied.text
    with services.db.session() as session:
        records = services.audit.query(session, AuditFilter(action="drone.log"))
        assert [r.outcome for r in records] == ["refused", "refused"]
    video = drone_video(tmp_path)
    with video.open("rb") as handle:
        done = client.post(
            "/drones",
            data=flight_form(csrf, drone, recorded_from="2026-11-21 10:05"),
            files={"video": ("flight.mp4", handle, "video/mp4")},
            follow_redirects=False,
        )
    assert done.status_code == 303, done.text
    listed = client.get("/drones?year=2026")
    assert "Drone mission over Stadspark logged" in listed.text and "Stadspark" in listed.text
    with services.db.session() as session:
        mission_id = str(session.scalars(select(DroneMission)).one().id)
    page = client.get(f"/drones/{mission_id}")
    assert page.status_code == 200 and "4 seconds of footage" in page.text and "?at=2026-11-21T10%3A00" in page.text
    not_a_video = client.post(
        f"/drones/{mission_id}/videos",
        data={"csrf_token": csrf},
        files={"video": ("flight.mp4", b"not a video at all", "video/mp4")},
    )
    assert not_a_video.status_code == 422 and "is not an MP4 or MKV video" in not_a_video.text
    report = client.get("/drones/report?year=2026")
    assert report.status_code == 200 and "1 mission" in report.text
    lines = list(csv.DictReader(io.StringIO(client.get("/api/drone-missions/report.csv?year=2026").text)))
    assert [(line["date"], line["minutes"], line["area"]) for line in lines] == [("2026-11-21", "20", "Stadspark")]


def test_the_api_logs_a_flight_and_refuses_one_without_justification(
    client: TestClient, services: Services, drone: str, tmp_path: Path
) -> None:
    headers = bearer(client, "supervisor")
    body = {
        "regime": "administrative",
        "drone": "Drone 1",
        "requesting_officer": "Commissaris A. Claes",
        "responsible_officer": "Inspecteur B. Wouters",
        "purpose": "Search for a missing child in the city park",
        "proportionality": "",
        "subsidiarity": SUBSIDIARITY,
        "area": "Stadspark",
        "started_at": "2026-11-21T09:00:00Z",
        "ended_at": "2026-11-21T09:20:00Z",
    }
    refused = client.post("/api/drone-missions", json=body, headers=headers)
    assert refused.status_code == 422 and refused.json()["detail"].startswith("Proportionality is missing")
    made = client.post("/api/drone-missions", json={**body, "proportionality": PROPORTIONALITY}, headers=headers)
    assert made.status_code == 201 and made.json()["recordings"] == 0
    mission_id = made.json()["id"]
    with drone_video(tmp_path, ".mkv").open("rb") as handle:
        added = client.post(
            f"/api/drone-missions/{mission_id}/videos",
            files={"video": ("flight.mkv", handle, "video/x-matroska")},
            data={"recorded_from": "2026-11-21T09:10:00Z"},
            headers=headers,
        )
    assert added.status_code == 200 and added.json()["footage_seconds"] == pytest.approx(4, abs=0.2)
    year = client.get("/api/drone-missions", params={"year": 2026}, headers=bearer(client, "dpo")).json()
    assert [mission["area"] for mission in year["missions"]] == ["Stadspark"] and year["administrative"] == 1
