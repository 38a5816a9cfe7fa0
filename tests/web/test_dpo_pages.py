"""The DPO's pages and API: the register of processing activities (read, edited with its
history, downloaded) and data-subject requests (recorded, reminded on the home page), with
bad input answered 4xx naming the field and the form drawn again with what was typed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from belfort.app import Services
from belfort.cameras.service import CameraSpec
from belfort.timeutil import FrozenClock, iso_utc
from tests.conftest import POLICE, SYSTEM, bearer
from tests.web.test_pages import sign_in


@pytest.fixture
def camera(services: Services, population: object) -> str:
    with services.db.session() as session:
        spec = CameraSpec(name="Grote Markt", organisation=POLICE, main_url="rtsp://192.0.2.1/1", street="Grote Markt")
        return str(services.cameras.add(session, SYSTEM, spec).id)


def body(clock: FrozenClock, **change: object) -> dict[str, object]:
    return {
        "requester_name": "Anna Peeters",
        "requester_contact": "anna@example.org",
        "identity_check": "ID card seen at the desk",
        "identity_checked_by": "Desk officer",
        "period_start": iso_utc(clock() - timedelta(hours=3)),
        "period_end": iso_utc(clock() - timedelta(hours=2)),
        "place": "Grote Markt",
        **change,
    }


def test_bad_subject_requests_are_answered_4xx_naming_the_field(
    client: TestClient, camera: str, clock: FrozenClock
) -> None:
    headers = bearer(client, "dpo")
    cases = [
        (body(clock, identity_check=""), 422, "identity check"),
        (body(clock, period_end=iso_utc(clock() - timedelta(hours=4))), 422, "period"),
        (body(clock, requester_name="x" * 10_000), 422, "requester_name"),
        (body(clock, period_start="yesterday"), 422, "period_start"),
        (body(clock, cameras=["'; DROP TABLE camera; --"]), 422, "cameras"),
    ]
    for sent, status, field in cases:
        response = client.post("/api/subject-requests", json=sent, headers=headers)
        assert response.status_code == status, response.text
        assert field in response.text
    made = client.post("/api/subject-requests", json=body(clock), headers=headers)
    assert made.status_code == 201 and made.json()["cameras"] == ["Grote Markt"]
    assert made.json()["due_on"] == "2026-12-21" and made.json()["urgency"] == "ok"
    reference = made.json()["reference"]
    for path, sent, field in (
        (f"/api/subject-requests/{reference}/extend", {"reason": "More time", "requester_informed": False}, "reason"),
        (f"/api/subject-requests/{reference}/answer", {"outcome": "ok", "sent": ""}, "outcome"),
        (f"/api/subject-requests/{reference}/exports", {"items": []}, "items"),
    ):
        response = client.post(path, json=sent, headers=headers)
        assert response.status_code == 422 and field in response.text, response.text
    assert client.get("/api/subject-requests/SR-1999-0001", headers=headers).status_code == 404
    listed = client.get("/api/subject-requests", params={"open": "true"}, headers=headers).json()
    assert [row["reference"] for row in listed] == [reference]


def test_the_form_is_drawn_again_with_the_sentence_and_the_home_page_reminds(
    client: TestClient, camera: str, clock: FrozenClock
) -> None:
    csrf = sign_in(client, "dpo")
    form = {
        "csrf_token": csrf,
        "requester_name": "Anna Peeters",
        "requester_contact": "anna@example.org",
        "identity_check": "",
        "identity_checked_by": "Desk officer",
        "period_start": "2026-11-21 09:00",
        "period_end": "2026-11-21 10:00",
        "place": "Grote Markt",
    }
    refused = client.post("/subject-requests", data=form, follow_redirects=False)
    assert refused.status_code == 422
    assert "a request is recorded only once the requester&#39;s identity has been checked" in refused.text
    assert 'value="Anna Peeters"' in refused.text
    made = client.post(
        "/subject-requests", data={**form, "identity_check": "ID card seen at the desk"}, follow_redirects=False
    )
    assert made.status_code == 303 and made.headers["location"].startswith("/subject-requests/")
    page = client.get(made.headers["location"])
    assert "SR-2026-0001" in page.text and "Answer by" in page.text
    assert "Supervisory Body for Police Information" in client.get("/subject-requests").text, "the police zone's DPO"
    assert 'data-testid="dpo-reminders"' not in client.get("/").text
    clock.advance(timedelta(days=35))
    sign_in(client, "dpo")  # a sign-in lasts a shift
    home = client.get("/").text
    assert 'data-testid="dpo-reminders"' in home and "overdue since 2026-12-21" in home


def test_the_register_page_is_edited_with_history_and_downloaded(client: TestClient, camera: str) -> None:
    csrf = sign_in(client, "dpo")
    page = client.get("/processing")
    assert page.status_code == 200 and "Register of processing activities" in page.text
    saved = client.post(
        "/processing/texts",
        data={"csrf_token": csrf, "section": "transfers", "text": "None outside the EU."},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    page = client.get("/processing").text
    assert "None outside the EU." in page and 'data-testid="ropa-history"' in page
    bad = client.post(
        "/processing/declarations",
        data={"csrf_token": csrf, "camera": "Grote Markt", "reference": "D-1", "validated_on": "01/05/2026"},
    )
    assert bad.status_code == 422 and "is not a day; use YYYY-MM-DD" in bad.text
    unknown = client.post("/processing/texts", data={"csrf_token": csrf, "section": "salaries", "text": "x"})
    assert unknown.status_code == 422 and "not a part you can edit" in unknown.text
    document = client.get("/api/processing-register/document", params={"format": "pdf"})
    assert document.status_code == 200 and document.content.startswith(b"%PDF")
    assert document.headers["content-disposition"].endswith('.pdf"')
    text = client.get("/api/processing-register/document", params={"format": "markdown"})
    assert "None outside the EU." in text.text and "| Grote Markt |" in text.text
    assert client.get("/api/processing-register/document", params={"format": "docx"}).status_code == 422
    headers = bearer(client, "dpo")
    assert (
        client.put("/api/processing-register/texts/x" + "y" * 60, json={"text": "a"}, headers=headers).status_code
        == 422
    )
    register = client.get("/api/processing-register", headers=headers).json()
    assert register["history"][0]["new_text"] == "None outside the EU."
    assert re.search("Camera surveillance with 1 camera", str(register["sections"]))
