"""Each role, signed in for real, can do what it should through the API and nothing
more; refusals answer 403 with the reason and leave an audit record."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from belfort.app import Services
from belfort.audit import AuditFilter
from tests.conftest import PASSWORD, POLICE, bearer

ROLES = ["operator", "inspector", "supervisor", "dpo", "admin", "partner", "platform_admin", "auditor"]

# (method, path, body) → roles that may
CASES = [
    ("GET", "/api/audit", None, {"supervisor", "dpo", "auditor"}),
    ("POST", "/api/audit/verify", None, {"dpo", "admin", "platform_admin", "auditor"}),
    ("GET", "/api/users", None, {"admin", "platform_admin"}),
    ("GET", "/api/organisations", None, {"platform_admin"}),
    ("GET", "/api/tokens", None, {"admin"}),
    ("POST", "/api/organisations", {"name": "Transit {role}", "kind": "transit"}, {"platform_admin"}),
    (
        "POST",
        "/api/users",
        {"username": "new-{role}", "role": "operator", "organisation": POLICE, "password": PASSWORD},
        {"admin", "platform_admin"},
    ),
    ("POST", "/api/tokens", {"name": "anpr-{role}", "organisation": POLICE, "scopes": ["anpr:ingest"]}, {"admin"}),
]


def fill(body: dict[str, object] | None, role: str) -> dict[str, object] | None:
    if body is None:
        return None
    return {k: v.format(role=role) if isinstance(v, str) else v for k, v in body.items()}


@pytest.mark.usefixtures("population")
@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(client: TestClient, services: Services, role: str) -> None:
    headers = bearer(client, role)
    for method, path, body, allowed in CASES:
        response = client.request(method, path, json=fill(body, role), headers=headers)
        if role in allowed:
            assert response.status_code in (200, 201), f"{role} {method} {path}: {response.text}"
        else:
            assert response.status_code == 403, f"{role} {method} {path}: {response.status_code}"
            assert "may not" in response.json()["detail"]
    with services.db.session() as session:
        mine = services.audit.query(session, AuditFilter(person=role, limit=500))
    refused = [r for r in mine if r.outcome == "refused" and r.actor_name == role]
    expected_refusals = sum(1 for *_, allowed in CASES if role not in allowed)
    assert len(refused) == expected_refusals


@pytest.mark.usefixtures("population")
def test_me_lists_capabilities(client: TestClient) -> None:
    me = client.get("/api/auth/me", headers=bearer(client, "operator")).json()
    assert me["role"] == "operator" and me["organisation"] == POLICE
    assert {c["action"] for c in me["capabilities"]} == {
        "camera.view",
        "wall.use",
        "live.view",
        "recording.view",
        "anpr.hits",
        "alarms.incidents",
        "alarms.handle",
    }


@pytest.mark.usefixtures("population")
def test_each_reviews_their_own_organisation_the_auditor_everyone(client: TestClient) -> None:
    client.get("/api/audit", headers=bearer(client, "partner"))  # refused, recorded under the shop
    for reviewer in ("supervisor", "dpo"):
        seen = client.get("/api/audit?person=partner", headers=bearer(client, reviewer)).json()["records"]
        assert seen == [], reviewer
    everyone = client.get("/api/audit?person=partner", headers=bearer(client, "auditor")).json()["records"]
    assert any(r["action"] == "audit.review" and r["outcome"] == "refused" for r in everyone)


@pytest.mark.usefixtures("population")
def test_an_administrator_manages_only_their_own_organisation(client: TestClient) -> None:
    admin = bearer(client, "admin")
    names = {u["username"] for u in client.get("/api/users", headers=admin).json()}
    assert "partner" not in names and "operator" in names  # the partner is the shop's
    hidden = client.post("/api/users/partner/disable", headers=admin)
    assert hidden.status_code == 404 and "There is no user 'partner'" in hidden.json()["detail"]
    body = {"username": "intruder", "role": "operator", "organisation": "Shop Test", "password": PASSWORD}
    assert client.post("/api/users", json=body, headers=admin).status_code == 404
    escalate = {**body, "organisation": POLICE, "role": "auditor"}
    refused = client.post("/api/users", json=escalate, headers=admin)
    assert refused.status_code == 403 and "may not manage organisations" in refused.json()["detail"]
    platform = bearer(client, "platform_admin")
    assert client.post("/api/users/partner/disable", headers=platform).status_code == 200


@pytest.mark.usefixtures("population")
def test_audit_filters(client: TestClient) -> None:
    client.get("/api/users", headers=bearer(client, "operator"))
    headers = bearer(client, "dpo")
    refused = client.get("/api/audit?outcome=refused&person=operator", headers=headers).json()["records"]
    assert [r["action"] for r in refused] == ["admin.users"]
    assert refused[0]["reason"].startswith("A control-room operator may not")
    by_action = client.get("/api/audit?action=auth.login&person=operator", headers=headers).json()["records"]
    assert by_action and all(r["op"] == "sign_in" for r in by_action)
    future = client.get("/api/audit?since=2030-01-01T00:00:00Z", headers=headers).json()["records"]
    assert future == []
    page = client.get("/api/audit?limit=2", headers=headers).json()
    older = client.get(f"/api/audit?limit=2&before_seq={page['next_before_seq']}", headers=headers).json()
    assert max(r["seq"] for r in older["records"]) < min(r["seq"] for r in page["records"])


@pytest.mark.usefixtures("population")
def test_machine_token_cannot_act_as_a_person(client: TestClient) -> None:
    created = client.post(
        "/api/tokens",
        json={"name": "anpr-e17", "organisation": POLICE, "scopes": ["anpr:ingest"]},
        headers=bearer(client, "admin"),
    ).json()
    machine = {"Authorization": f"Bearer {created['token']}"}
    me = client.get("/api/auth/me", headers=machine).json()
    assert me["kind"] == "machine" and me["scopes"] == ["anpr:ingest"]
    assert client.get("/api/audit", headers=machine).status_code == 403
    revoked = client.post(f"/api/tokens/{created['id']}/revoke", headers=bearer(client, "admin"))
    assert revoked.json()["revoked_at"]
    assert client.get("/api/auth/me", headers=machine).status_code == 401
