"""Sign-in, sessions and tokens, against both databases (throttling: test_login_throttle.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from pydantic import ValidationError

from belfort.app import Services
from belfort.audit import AuditFilter
from belfort.auth.models import User
from belfort.auth.service import AccountService
from belfort.settings import SecuritySettings
from belfort.timeutil import FrozenClock
from tests.conftest import PASSWORD, Population, bearer


def attempt(client: TestClient, username: str, password: str) -> int:
    return client.post("/api/auth/login", json={"username": username, "password": password}).status_code


@pytest.mark.usefixtures("population")
def test_passwords_are_stored_as_argon2_hashes(services: Services) -> None:
    with services.db.session() as session:
        user = services.accounts.user_by_name(session, "operator")
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


def test_the_default_cost_is_rfc_9106s_and_a_changed_cost_re_hashes_at_the_next_sign_in(
    services: Services, client: TestClient, population: Population
) -> None:
    by_default = AccountService(services.gate, services.audit, SecuritySettings())
    assert by_default.hasher.hash(PASSWORD).startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    with services.db.session() as session:
        cheap = services.accounts.user_by_name(session, "operator").password_hash
    assert cheap.startswith("$argon2id$v=19$m=8,t=1,p=1$"), "the tests' cost (tests/conftest.py)"
    services.accounts.hasher = PasswordHasher(time_cost=2, memory_cost=16, parallelism=2)
    assert attempt(client, "operator", PASSWORD) == 200
    with services.db.session() as session:
        again = services.accounts.user_by_name(session, "operator").password_hash
    assert again.startswith("$argon2id$v=19$m=16,t=2,p=2$")
    assert attempt(client, "operator", PASSWORD) == 200, "the new hash holds the same password"


def test_a_hash_cost_too_small_for_its_lanes_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least 8 times password_hash_parallelism"):
        SecuritySettings(password_hash_memory_kib=16, password_hash_parallelism=4)


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
