"""Bad input gets a 4xx whose message says what to fix; nothing is half-written."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from belfort.app import Services
from tests.conftest import PASSWORD, POLICE, bearer


@pytest.fixture
def admin(client: TestClient, population: object) -> dict[str, str]:
    return bearer(client, "admin")


def post(client: TestClient, path: str, headers: dict[str, str], content: str) -> tuple[int, str]:
    response = client.post(path, content=content, headers={**headers, "Content-Type": "application/json"})
    return response.status_code, response.json()["detail"]


def test_malformed_json(client: TestClient, admin: dict[str, str]) -> None:
    status, detail = post(client, "/api/organisations", admin, '{"name": "x", ')
    assert status == 422 and "not valid JSON" in detail


def test_body_must_be_an_object(client: TestClient, admin: dict[str, str]) -> None:
    status, detail = post(client, "/api/organisations", admin, '["a", "b"]')
    assert status == 422 and "JSON object" in detail


def test_unknown_field_is_named(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post("/api/organisations", json={"name": "Port", "kind": "other", "colour": "red"}, headers=admin)
    assert response.status_code == 422
    assert "Unknown field 'colour'" in response.json()["detail"]


def test_over_long_string_is_named(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post("/api/organisations", json={"name": "x" * 201, "kind": "other"}, headers=admin)
    assert response.status_code == 422
    assert response.json()["detail"].startswith("name:") and "200" in response.json()["detail"]


def test_wrong_type_is_named(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post(
        "/api/tokens", json={"name": "cam", "organisation": POLICE, "scopes": "anpr:ingest"}, headers=admin
    )
    assert response.status_code == 422 and response.json()["detail"].startswith("scopes:")
    response = client.post(
        "/api/tokens",
        json={"name": "cam", "organisation": POLICE, "scopes": ["anpr:ingest"], "valid_days": "soon"},
        headers=admin,
    )
    assert response.status_code == 422 and response.json()["detail"].startswith("valid_days:")


def test_service_level_errors_say_what_to_do(client: TestClient, admin: dict[str, str]) -> None:
    cases = [
        ("/api/organisations", {"name": "Port", "kind": "harbour"}, 422, "choose one of"),
        ("/api/organisations", {"name": POLICE, "kind": "police_zone"}, 409, "already exists"),
        (
            "/api/users",
            {"username": "Bad Name!", "role": "operator", "organisation": POLICE, "password": PASSWORD},
            422,
            "username must be",
        ),
        (
            "/api/users",
            {"username": "newbie", "role": "chief", "organisation": POLICE, "password": PASSWORD},
            422,
            "unknown role",
        ),
        (
            "/api/users",
            {"username": "newbie", "role": "operator", "organisation": POLICE, "password": "short"},
            422,
            "at least 12",
        ),
        (
            "/api/users",
            {"username": "newbie", "role": "operator", "organisation": "Nowhere", "password": PASSWORD},
            404,
            "no organisation named",
        ),
        ("/api/tokens", {"name": "cam", "organisation": POLICE, "scopes": ["everything"]}, 422, "choose from"),
    ]
    platform = bearer(client, "platform_admin")  # organisations are the platform's
    for path, body, status, text in cases:
        response = client.post(path, json=body, headers=platform if path == "/api/organisations" else admin)
        assert response.status_code == status, (path, body, response.text)
        assert text in response.json()["detail"]


def test_query_parameters_are_validated(client: TestClient, population: object) -> None:
    headers = bearer(client, "dpo")
    for query, field in (
        ("limit=0", "limit"),
        ("since=yesterday", "since"),
        ("outcome=maybe", "outcome"),
        ("person=" + "x" * 201, "person"),
    ):
        response = client.get(f"/api/audit?{query}", headers=headers)
        assert response.status_code == 422, query
        assert response.json()["detail"].startswith(f"query.{field}")


def test_refused_creation_writes_nothing_but_the_audit_record(
    client: TestClient, services: Services, population: object
) -> None:
    response = client.post(
        "/api/organisations", json={"name": "Sneaky", "kind": "other"}, headers=bearer(client, "operator")
    )
    assert response.status_code == 403
    names = [o["name"] for o in client.get("/api/organisations", headers=bearer(client, "platform_admin")).json()]
    assert "Sneaky" not in names


def test_unknown_paths_and_methods(client: TestClient, population: object) -> None:
    headers = bearer(client, "admin")
    assert client.get("/api/nothing-here", headers=headers).status_code == 404
    response = client.delete("/api/health")
    assert response.status_code == 405 and "not allowed" in response.json()["detail"]


PURPOSE = {"kind": "judicial", "justification": "case 2026/117 burglary"}
AT = "2026-11-21T10:00:00Z"
EARLY = "0001-01-01T00:00:00+01:00"
LATE = "9999-12-31T23:59:59-01:00"


@pytest.mark.parametrize("moment", [EARLY, LATE])
def test_moments_past_either_end_of_the_calendar_name_the_field(
    client: TestClient, population: object, moment: str
) -> None:
    """Converted to UTC these overflow the calendar; every time field answers 422 naming itself."""
    supervisor = bearer(client, "supervisor")
    quoted = moment.replace("+", "%2B")
    asked = [
        ("GET", f"/api/audit?since={quoted}", None, "query.since"),
        ("GET", f"/api/audit?until={quoted}", None, "query.until"),
        ("GET", f"/api/cameras/Markt/timeline?start={quoted}&end={AT}", None, "query.start"),
        ("GET", f"/api/cameras/Markt/recordings?end={quoted}", None, "query.end"),
        ("GET", f"/api/recordings/layout?camera=x&start={AT}&end={quoted}&grant=g", None, "query.end"),
        (
            "POST",
            "/api/recordings/playback",
            {"camera": "Markt", "start": moment, "end": AT, "purpose": PURPOSE},
            "start",
        ),
        (
            "POST",
            "/api/holds",
            {"camera": "Markt", "start": AT, "end": moment, "case_number": "C1", "reason": "r", "purpose": PURPOSE},
            "end",
        ),
        (
            "POST",
            "/api/evidence/exports",
            {
                "items": [{"camera": "Markt", "start": moment, "end": AT}],
                "case_number": "C1",
                "recipient": "Parket",
                "purpose": PURPOSE,
            },
            "items.0.start",
        ),
        ("POST", "/api/anpr/search", {"query": "1ABC123", "start": moment, "purpose": PURPOSE}, "start"),
        ("POST", "/api/anpr/reads", {"reads": [{"plate": "1ABC123", "time": moment}]}, "reads.0.time"),
        (
            "POST",
            "/api/anpr/sections/00000000-0000-0000-0000-000000000000/report",
            {"start": AT, "end": moment, "purpose": PURPOSE},
            "end",
        ),
    ]
    for method, path, body, field in asked:
        response = client.request(method, path, json=body, headers=supervisor)
        assert response.status_code == 422, (path, field, response.text)
        assert response.json()["detail"].startswith(f"{field}:"), (path, response.json()["detail"])


def test_moments_before_1970_are_refused_and_1970_is_accepted(client: TestClient, population: object) -> None:
    dpo = bearer(client, "dpo")
    response = client.get("/api/audit?since=1969-12-31T23:59:59Z", headers=dpo)
    assert response.status_code == 422 and "1970-01-01" in response.json()["detail"]
    assert client.get("/api/audit?since=1970-01-01T00:00:00Z", headers=dpo).status_code == 200


def test_a_sequence_number_past_any_integer_column_names_the_field(client: TestClient, population: object) -> None:
    response = client.get(f"/api/audit?before_seq={2**70}", headers=bearer(client, "dpo"))
    assert response.status_code == 422 and response.json()["detail"].startswith("query.before_seq:")


@pytest.mark.parametrize("bad", ["\x00", "\x07", "\x1b"])
def test_control_characters_in_json_text_name_the_field(client: TestClient, admin: dict[str, str], bad: str) -> None:
    """PostgreSQL refuses NUL in text (a 500 before); other C0 controls are refused alike."""
    asked = [
        ("/api/organisations", {"name": f"Port{bad}", "kind": "other"}, "name"),
        (
            "/api/users",
            {
                "username": "newbie",
                "role": "operator",
                "organisation": POLICE,
                "password": PASSWORD,
                "full_name": f"Ann{bad}",
            },
            "full_name",
        ),
        ("/api/cameras", {"name": f"Markt{bad}", "organisation": POLICE, "main_url": "sim://x"}, "name"),
        ("/api/anpr/hotlists", {"name": f"Stolen{bad}"}, "name"),
        ("/api/tokens", {"name": "cam", "organisation": POLICE, "scopes": [f"anpr:ingest{bad}"]}, "scopes"),
        (
            "/api/holds",
            {"camera": "Markt", "start": AT, "end": AT, "case_number": f"C{bad}1", "reason": "r", "purpose": PURPOSE},
            "case_number",
        ),
        (
            "/api/holds",
            {
                "camera": "Markt",
                "start": AT,
                "end": AT,
                "case_number": "C1",
                "reason": "r",
                "purpose": {**PURPOSE, "justification": f"case{bad} 2026/117"},
            },
            "purpose.justification",
        ),
        ("/api/auth/login", {"username": f"admin{bad}", "password": PASSWORD}, "username"),
    ]
    for path, body, field in asked:
        response = client.post(path, json=body, headers=admin)
        assert response.status_code == 422, (path, response.text)
        detail = response.json()["detail"]
        assert detail.startswith(f"{field}:") and "control character" in detail, (path, detail)


def test_tabs_and_newlines_in_free_text_are_kept(client: TestClient, admin: dict[str, str]) -> None:
    body = {"username": "newbie", "role": "operator", "organisation": POLICE, "password": PASSWORD}
    response = client.post("/api/users", json={**body, "full_name": "Ann\tDe Smet\r\nKortrijk"}, headers=admin)
    assert response.status_code == 201 and response.json()["full_name"] == "Ann\tDe Smet\r\nKortrijk"


def test_control_characters_in_queries_paths_and_forms_name_the_field(
    client: TestClient, admin: dict[str, str]
) -> None:
    response = client.get("/api/audit?person=a%00b", headers=bearer(client, "dpo"))
    assert response.status_code == 422 and response.json()["detail"].startswith("query.person:")
    response = client.get("/api/holds?camera=%01", headers=admin)
    assert response.status_code == 422 and response.json()["detail"].startswith("query.camera:")
    response = client.get("/api/cameras/Markt%00", headers=admin)
    assert response.status_code == 422 and response.json()["detail"].startswith("path:")
    response = client.put("/api/wall/tours/Ronde%00", json={"cameras": ["x"], "dwell_seconds": 10}, headers=admin)
    assert response.status_code == 422 and response.json()["detail"].startswith("path:")
    page = client.post("/admin/organisations", data={"name": "Port\x00", "kind": "other"}, headers=admin)
    assert page.status_code == 422 and "name: contains control characters (such as U+0000)" in page.text
    page = client.post(
        "/anpr/hotlists/00000000-0000-0000-0000-000000000000/import",
        files={"file": ("list.csv", b"plate,category\n1ABC123,stolen\n")},
        data={"note": "a\x1fb"},
        headers=admin,
    )
    assert page.status_code == 422 and "note: contains control characters (such as U+001F)" in page.text
