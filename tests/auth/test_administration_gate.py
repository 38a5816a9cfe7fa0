"""Administration passes the gate before it looks anything up, so someone who may not
manage accounts learns nothing about which names exist: one 403, one refused record."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from belfort.app import Services
from belfort.audit import AuditFilter
from tests.conftest import PASSWORD, POLICE, bearer


def refused_records(services: Services, action: str) -> int:
    with services.db.session() as session:
        records = services.audit.query(session, AuditFilter(person="operator", action=action, limit=500))
    return sum(1 for record in records if record.action == action and record.outcome == "refused")


def each_leaves_one_refusal(
    services: Services, action: str, attempts: list[Callable[[], Response]]
) -> set[tuple[int, str]]:
    answers = set()
    for attempt in attempts:
        before = refused_records(services, action)
        response = attempt()
        assert refused_records(services, action) == before + 1, response.text
        answers.add((response.status_code, response.json()["detail"]))
    return answers


@pytest.mark.usefixtures("population")
def test_an_operator_cannot_tell_which_user_names_exist(client: TestClient, services: Services) -> None:
    operator = bearer(client, "operator")

    def add(username: str) -> Callable[[], Response]:
        body = {"username": username, "role": "operator", "organisation": POLICE, "password": PASSWORD}
        return lambda: client.post("/api/users", json=body, headers=operator)

    def disable(username: str) -> Callable[[], Response]:
        return lambda: client.post(f"/api/users/{username}/disable", headers=operator)

    def enable(username: str) -> Callable[[], Response]:
        return lambda: client.post(f"/api/users/{username}/enable", headers=operator)

    attempts = [add("dpo"), add("new-colleague"), disable("dpo"), disable("ghost"), enable("admin"), enable("ghost")]
    answers = each_leaves_one_refusal(services, "admin.users", attempts)
    assert len(answers) == 1
    status, detail = answers.pop()
    assert status == 403 and "may not manage user accounts" in detail


@pytest.mark.usefixtures("population")
def test_an_operator_cannot_tell_which_organisations_exist(client: TestClient, services: Services) -> None:
    operator = bearer(client, "operator")
    attempts = [
        lambda name=name: client.post("/api/organisations", json={"name": name, "kind": "city"}, headers=operator)
        for name in (POLICE, "Somewhere New")
    ]
    answers = each_leaves_one_refusal(services, "admin.organisations", attempts)
    assert len(answers) == 1 and answers.pop()[0] == 403


@pytest.mark.usefixtures("population")
def test_an_operator_cannot_tell_which_tokens_or_organisations_exist(client: TestClient, services: Services) -> None:
    admin = bearer(client, "admin")
    issued = client.post(
        "/api/tokens",
        json={"name": "anpr-gate", "organisation": POLICE, "scopes": ["anpr:ingest"]},
        headers=admin,
    ).json()
    operator = bearer(client, "operator")

    def create(organisation: str) -> Callable[[], Response]:
        body = {"name": "probe", "organisation": organisation, "scopes": ["anpr:ingest"]}
        return lambda: client.post("/api/tokens", json=body, headers=operator)

    def revoke(token_id: str) -> Callable[[], Response]:
        return lambda: client.post(f"/api/tokens/{token_id}/revoke", headers=operator)

    attempts = [create(POLICE), create("No Such Org"), revoke(issued["id"]), revoke(str(uuid.uuid4())), revoke("x")]
    answers = each_leaves_one_refusal(services, "admin.tokens", attempts)
    assert len(answers) == 1 and answers.pop()[0] == 403


@pytest.mark.usefixtures("population")
def test_administrators_still_get_precise_answers(client: TestClient) -> None:
    admin = bearer(client, "admin")
    body = {"username": "dpo", "role": "operator", "organisation": POLICE, "password": PASSWORD}
    assert client.post("/api/users", json=body, headers=admin).status_code == 409
    missing = client.post("/api/users/ghost/disable", headers=admin)
    assert missing.status_code == 404 and "There is no user 'ghost'" in missing.json()["detail"]
    assert client.post(f"/api/tokens/{uuid.uuid4()}/revoke", headers=admin).status_code == 404
    platform = bearer(client, "platform_admin")
    taken = client.post("/api/organisations", json={"name": POLICE, "kind": "city"}, headers=platform)
    assert taken.status_code == 409


@pytest.mark.usefixtures("population")
def test_names_with_control_characters_are_refused_for_everyone(client: TestClient) -> None:
    for headers in (bearer(client, "operator"), bearer(client, "admin")):
        user = {"username": "ann\u0000", "role": "operator", "organisation": POLICE, "password": PASSWORD}
        org = {"name": "Port\u0000", "kind": "city"}
        token = {"name": "probe\u0000", "organisation": POLICE, "scopes": ["anpr:ingest"]}
        answers = [
            client.post("/api/users", json=user, headers=headers),
            client.post("/api/users/ann%00/disable", headers=headers),
            client.post("/api/organisations", json=org, headers=headers),
            client.post("/api/tokens", json=token, headers=headers),
        ]
        for answer in answers:
            assert answer.status_code == 422 and "control characters" in answer.json()["detail"], answer.text
