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
    for path, body, status, text in cases:
        response = client.post(path, json=body, headers=admin)
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
    names = [o["name"] for o in client.get("/api/organisations", headers=bearer(client, "admin")).json()]
    assert "Sneaky" not in names


def test_unknown_paths_and_methods(client: TestClient, population: object) -> None:
    headers = bearer(client, "admin")
    assert client.get("/api/nothing-here", headers=headers).status_code == 404
    response = client.delete("/api/health")
    assert response.status_code == 405 and "not allowed" in response.json()["detail"]
