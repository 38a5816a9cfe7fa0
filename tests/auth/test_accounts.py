"""Sign-in, sessions and tokens, against both databases (throttling: test_login_throttle.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from belfort.app import Services
from belfort.audit import AuditFilter
from belfort.auth.models import User
from belfort.timeutil import FrozenClock
from tests.conftest import PASSWORD, bearer


def attempt(client: TestClient, username: str, password: str) -> int:
    return client.post("/api/auth/login", json={"username": username, "password": password}).status_code


@pytest.mark.usefixtures("population")
def test_passwords_are_stored_as_argon2_hashes(services: Services) -> None:
    with services.db.session() as session:
        user = services.accounts.user_by_name(session, "operator")
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


@pytest.mark.usefixtures("population")
def test_unknown_user_and_wrong_password_look_the_same(client: TestClient, services: Services) -> None:
    a = client.post("/api/auth/login", json={"username": "nobody", "password": "x"})
    b = client.post("/api/auth/login", json={"username": "operator", "password": "x"})
    assert a.status_code == b.status_code == 401
    assert a.json() == b.json()
    with services.db.session() as session:
        unknown = services.audit.query(session, AuditFilter(person="nobody"))
    assert unknown[0].outcome == "refused" and unknown[0].reason == "unknown user name"


@pytest.mark.usefixtures("population")
def test_sessions_expire(client: TestClient, services: Services, clock: FrozenClock) -> None:
    headers = bearer(client, "operator")
    assert client.get("/api/auth/me", headers=headers).status_code == 200
    clock.advance(timedelta(hours=services.settings.security.session_hours, seconds=1))
    assert client.get("/api/auth/me", headers=headers).status_code == 401


@pytest.mark.usefixtures("population")
def test_logout_ends_the_session(client: TestClient) -> None:
    headers = bearer(client, "operator")
    assert client.post("/api/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/auth/me", headers=headers).status_code == 401


@pytest.mark.usefixtures("population")
def test_disabling_a_user_ends_their_sessions(client: TestClient) -> None:
    operator = bearer(client, "operator")
    admin = bearer(client, "admin")
    assert client.post("/api/users/operator/disable", headers=admin).json()["active"] is False
    assert client.get("/api/auth/me", headers=operator).status_code == 401
    response = client.post("/api/auth/login", json={"username": "operator", "password": PASSWORD})
    assert response.status_code == 401 and "disabled" in response.json()["detail"]
    assert client.post("/api/users/operator/enable", headers=admin).json()["active"] is True
    assert attempt(client, "operator", PASSWORD) == 200


@pytest.mark.usefixtures("population")
def test_expired_machine_token_is_refused(client: TestClient, clock: FrozenClock) -> None:
    created = client.post(
        "/api/tokens",
        json={"name": "anpr-gate", "organisation": "PZ Test", "scopes": ["anpr:ingest"], "valid_days": 1},
        headers=bearer(client, "admin"),
    ).json()
    machine = {"Authorization": f"Bearer {created['token']}"}
    assert client.get("/api/auth/me", headers=machine).status_code == 200
    clock.advance(timedelta(days=1, seconds=1))
    assert client.get("/api/auth/me", headers=machine).status_code == 401


def test_user_rows_have_uuid_ids(services: Services, population: object) -> None:
    with services.db.session() as session:
        user: User = services.accounts.user_by_name(session, "dpo")
        assert user.id.version == 4
