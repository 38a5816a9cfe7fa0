"""The administrator's camera forms: register, edit every field, credentials that are never
shown back, disable and enable, remove (with a confirmation), each change recorded."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from belfort.app import Services
from belfort.audit import AuditFilter
from tests.conftest import CITY, POLICE, bearer
from tests.web.test_pages import sign_in

STREAM_PASSWORD = "pw-Never-Shown-7"


def register(client: TestClient, csrf: str, name: str = "Grote Markt", **fields: str) -> str:
    """Register a camera through the list page's form; its id."""
    form = {
        "name": name,
        "organisation": POLICE,
        "main_url": "rtsp://10.20.30.40:554/Streaming/Channels/101",
        "username": "viewer",
        "password": STREAM_PASSWORD,
        "csrf_token": csrf,
        **fields,
    }
    page = client.post("/cameras", data=form)
    assert page.status_code == 200 and f"Camera &#39;{name}&#39; registered" in page.text, page.text[-2000:]
    found = re.search(rf'<tr data-camera="{re.escape(name)}">\s*<td><a href="/cameras/([0-9a-f-]+)"', page.text)
    assert found
    return found.group(1)


def camera(client: TestClient, camera_id: str) -> dict:
    response = client.get(f"/api/cameras/{camera_id}", headers=bearer(client, "admin"))
    assert response.status_code == 200, response.text
    body: dict = response.json()
    return body


def camera_changes(services: Services) -> list[str]:
    with services.db.session() as session:
        records = services.audit.query(session, AuditFilter(action="admin.cameras", outcome="granted", limit=100))
    return [record.detail for record in records]


@pytest.mark.usefixtures("population")
def test_the_register_form_offers_only_the_administrators_organisation(client: TestClient) -> None:
    sign_in(client, "admin")
    page = client.get("/cameras")
    assert f"<option selected>{POLICE}</option>" in page.text
    assert CITY not in page.text


@pytest.mark.usefixtures("population")
def test_every_field_is_edited_and_credentials_never_come_back(client: TestClient, services: Services) -> None:
    csrf = sign_in(client, "admin")
    camera_id = register(client, csrf)
    form = client.get(f"/cameras/{camera_id}/edit")
    assert form.status_code == 200 and 'data-testid="camera-form"' in form.text
    assert "rtsp://10.20.30.40:554/Streaming/Channels/101" in form.text
    assert STREAM_PASSWORD not in form.text and "viewer" not in form.text
    assert "stored; empty keeps it" in form.text

    moving = client.post(f"/cameras/{camera_id}/edit", data={"organisation": CITY, "csrf_token": csrf})
    assert moving.status_code == 403 and "changes owner only on the command line" in moving.text
    fields = {
        "name": "Grote Markt Noord",
        "organisation": POLICE,
        "kind": "temporary",
        "legal_regime": "camera_law",
        "main_url": "rtsp://10.20.30.41:554/main",
        "sub_url": "rtsp://10.20.30.41:554/sub",
        "transport": "udp",
        "street": "Grote Markt 1",
        "area": "Centrum",
        "latitude": "50.8467",
        "longitude": "4.3525",
        "retention_max_days": "20",
        "retention_min_days": "2",
        "council_consent_ref": "GR/2026/099",
        "enabled": "1",
        "csrf_token": csrf,
    }
    saved = client.post(f"/cameras/{camera_id}/edit", data=fields, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == f"/cameras/{camera_id}"
    now = camera(client, camera_id)
    expected = {
        "name": "Grote Markt Noord",
        "organisation": POLICE,
        "kind": "temporary",
        "legal_regime": "camera_law",
        "main_url": "rtsp://10.20.30.41:554/main",
        "sub_url": "rtsp://10.20.30.41:554/sub",
        "transport": "udp",
        "street": "Grote Markt 1",
        "area": "Centrum",
        "latitude": 50.8467,
        "longitude": 4.3525,
        "retention_max_days": 20,
        "retention_min_days": 2,
        "council_consent_ref": "GR/2026/099",
        "enabled": True,
        "credentials": True,
    }
    assert {key: now[key] for key in expected} == expected, "empty credential fields keep them"
    again = client.get(f"/cameras/{camera_id}/edit").text
    assert STREAM_PASSWORD not in again and 'value="viewer"' not in again

    cleared = client.post(f"/cameras/{camera_id}/edit", data={**fields, "clear_credentials": "1"})
    assert cleared.status_code == 200
    assert camera(client, camera_id)["credentials"] is False
    assert "none stored" in client.get(f"/cameras/{camera_id}/edit").text
    assert sum('"change": "update"' in detail for detail in camera_changes(services)) == 2


@pytest.mark.usefixtures("population")
def test_bad_input_shows_the_form_again_with_what_was_typed(client: TestClient) -> None:
    csrf = sign_in(client, "admin")
    camera_id = register(client, csrf)
    form = {
        "name": "Grote Markt",
        "organisation": POLICE,
        "kind": "fixed",
        "legal_regime": "police",
        "main_url": "rtsp://10.20.30.40:554/Streaming/Channels/101",
        "transport": "tcp",
        "street": "Typed street",
        "latitude": "north",
        "longitude": "4.35",
        "csrf_token": csrf,
    }
    bad = client.post(f"/cameras/{camera_id}/edit", data=form)
    assert bad.status_code == 422 and "latitude must be a number, like 50.9307" in bad.text
    assert 'value="Typed street"' in bad.text
    days = client.post(f"/cameras/{camera_id}/edit", data={**form, "latitude": "", "retention_max_days": "ten"})
    assert days.status_code == 422 and "retention (maximum) must be a whole number of days" in days.text


@pytest.mark.usefixtures("population")
def test_disable_enable_and_the_council_rule_on_the_list(client: TestClient, services: Services) -> None:
    csrf = sign_in(client, "admin")
    camera_id = register(client, csrf)
    refused = client.post(f"/cameras/{camera_id}/state", data={"state": "enable", "csrf_token": csrf})
    assert refused.status_code == 422 and "municipal council" in refused.text
    consent = register(client, csrf, name="Kerkplein", council_consent_ref="GR/2026/041")
    enabled = client.post(f"/cameras/{consent}/state", data={"state": "enable", "csrf_token": csrf})
    assert "Camera &#39;Kerkplein&#39; enabled." in enabled.text and camera(client, consent)["enabled"] is True
    disabled = client.post(f"/cameras/{consent}/state", data={"state": "disable", "csrf_token": csrf})
    assert "Camera &#39;Kerkplein&#39; disabled." in disabled.text and camera(client, consent)["enabled"] is False
    odd = client.post(f"/cameras/{consent}/state", data={"state": "explode", "csrf_token": csrf})
    assert odd.status_code == 422


@pytest.mark.usefixtures("population")
def test_a_camera_is_removed_after_a_confirmation_and_the_removal_is_recorded(
    client: TestClient, services: Services
) -> None:
    csrf = sign_in(client, "admin")
    camera_id = register(client, csrf)
    listed = client.get("/cameras").text
    edit = client.get(f"/cameras/{camera_id}/edit").text
    for page in (listed, edit):
        button = re.search(r'<button[^>]*value="remove"[^>]*>', page)
        assert button and "data-confirm=" in button.group(0) and 'type="submit"' in button.group(0)
    assert f'action="/cameras/{camera_id}/state"' in edit
    removed = client.post(f"/cameras/{camera_id}/state", data={"state": "remove", "csrf_token": csrf})
    assert removed.status_code == 200 and str(removed.url).endswith("/cameras")
    assert "Camera &#39;Grote Markt&#39; removed; its recordings stay until their retention ends." in removed.text
    assert 'data-camera="Grote Markt"' not in removed.text
    assert camera(client, camera_id)["removed"] is True
    assert any('"change": "remove"' in detail for detail in camera_changes(services))
    other = register(client, csrf, name="Kerkplein")
    supervisor = sign_in(client, "supervisor")
    refused = client.post(f"/cameras/{other}/state", data={"state": "remove", "csrf_token": supervisor})
    assert refused.status_code == 403 and camera(client, other)["removed"] is False
