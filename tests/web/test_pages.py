"""Server-rendered pages: sign-in by cookie, CSRF on forms, home, audit and admin."""

from __future__ import annotations

import gc
import re
import weakref

import pytest
from fastapi.testclient import TestClient

from belfort.app import Services, build_services
from belfort.audit import AuditFilter
from belfort.settings import Settings
from belfort.web.app import create_app
from tests.conftest import PASSWORD, bearer


def login_form(client: TestClient) -> str:
    """Open the login page; return the token its form must send back."""
    match = re.search(r'name="login_csrf" value="([^"]+)"', client.get("/login").text)
    assert match
    return match.group(1)


def sign_in(client: TestClient, username: str) -> str:
    """Sign in through the login form; return the CSRF token the pages carry."""
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD, "next": "/", "login_csrf": login_form(client)}
    )
    assert response.status_code == 200, response.text
    match = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert match
    return match.group(1)


@pytest.mark.usefixtures("population")
def test_login_form_sets_a_cookie_and_home_shows_capabilities(client: TestClient) -> None:
    sign_in(client, "inspector")
    cookie = client.cookies.get("belfort_session")
    assert cookie
    home = client.get("/")
    assert "Export signed evidence packages" in home.text
    assert "Review the audit log" not in home.text
    assert 'data-testid="whoami">inspector<' in home.text


@pytest.mark.usefixtures("population")
def test_wrong_password_on_the_form(client: TestClient) -> None:
    response = client.post(
        "/login", data={"username": "inspector", "password": "nope", "next": "/", "login_csrf": login_form(client)}
    )
    assert response.status_code == 401 and "Wrong user name or password" in response.text


@pytest.mark.usefixtures("population")
def test_next_parameter_cannot_leave_the_site(client: TestClient) -> None:
    response = client.post(
        "/login",
        data={
            "username": "dpo",
            "password": PASSWORD,
            "next": "https://evil.example/",
            "login_csrf": login_form(client),
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


@pytest.mark.usefixtures("population")
def test_forms_need_the_csrf_token(client: TestClient) -> None:
    csrf = sign_in(client, "platform_admin")
    refused = client.post("/admin/organisations", data={"name": "Port of Brussels", "kind": "other"})
    assert refused.status_code == 403 and "security token" in refused.text
    refused = client.post("/api/organisations", json={"name": "Port of Brussels", "kind": "other"})
    assert refused.status_code == 403
    accepted = client.post(
        "/admin/organisations", data={"name": "Port of Brussels", "kind": "other", "csrf_token": csrf}
    )
    assert accepted.status_code == 200 and "Organisation &#39;Port of Brussels&#39; added." in accepted.text
    via_header = client.post(
        "/api/organisations", json={"name": "MIVB", "kind": "transit"}, headers={"X-CSRF-Token": csrf}
    )
    assert via_header.status_code == 201


@pytest.mark.usefixtures("population")
def test_admin_page_adds_users_and_issues_tokens(client: TestClient) -> None:
    csrf = sign_in(client, "admin")
    bad = client.post(
        "/admin/users",
        data={"username": "x", "role": "operator", "organisation": "PZ Test", "password": PASSWORD, "csrf_token": csrf},
    )
    assert bad.status_code == 422 and "username must be" in bad.text
    good = client.post(
        "/admin/users",
        data={
            "username": "olivia",
            "role": "operator",
            "organisation": "PZ Test",
            "password": PASSWORD,
            "csrf_token": csrf,
        },
    )
    assert good.status_code == 200 and "User &#39;olivia&#39; added as operator." in good.text
    issued = client.post(
        "/admin/tokens",
        data={"name": "anpr-e40", "organisation": "PZ Test", "scopes": ["anpr:ingest"], "csrf_token": csrf},
    )
    secret = re.search(r'data-testid="new-secret">(blt_[^<]+)<', issued.text)
    assert secret
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {secret.group(1)}"})
    assert me.json()["kind"] == "machine"


@pytest.mark.usefixtures("population")
def test_non_admin_gets_a_plain_refusal_page(client: TestClient) -> None:
    sign_in(client, "operator")
    response = client.get("/admin")
    assert response.status_code == 403 and "may not manage user accounts" in response.text


@pytest.mark.usefixtures("population")
def test_audit_page_filters_and_explains_bad_dates(client: TestClient) -> None:
    sign_in(client, "supervisor")
    page = client.get("/audit", params={"person": "supervisor", "action": "auth.login"})
    assert page.status_code == 200 and "signed in (web)" in page.text
    bad = client.get("/audit", params={"since": "last tuesday"})
    assert bad.status_code == 200 and "is not a date and time" in bad.text


@pytest.mark.usefixtures("population")
def test_api_docs_are_local(client: TestClient) -> None:
    sign_in(client, "operator")
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert "/static/swagger/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
    schema = client.get("/openapi.json").json()
    assert "/api/auth/login" in schema["paths"]


def test_an_app_that_served_its_pages_leaves_nothing_of_its_services_behind(settings: Settings) -> None:
    """FastAPI keeps endpoints in a module-level cache: one that closed over its app kept the
    app and every service of it alive (a test run grew to 4 GB and its collections slowed)."""
    services = build_services(settings)
    with TestClient(create_app(services)) as client:
        assert client.get("/openapi.json").status_code == 401 and client.get("/api/docs").status_code == 401
    services.close()
    gone = weakref.ref(services)
    del services, client
    gc.collect()
    assert gone() is None, "the services of an app no one uses are still referenced"


@pytest.mark.usefixtures("population")
def test_logout_form(client: TestClient) -> None:
    csrf = sign_in(client, "dpo")
    response = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 401


@pytest.mark.usefixtures("population")
def test_reloading_after_issue_token_issues_nothing(client: TestClient) -> None:
    csrf = sign_in(client, "admin")
    issued = client.post(
        "/admin/tokens",
        data={"name": "anpr-e19", "organisation": "PZ Test", "scopes": ["anpr:ingest"], "csrf_token": csrf},
    )
    assert issued.history and issued.history[0].status_code == 303, "post/redirect/get"
    assert re.search(r'data-testid="new-secret">blt_', issued.text), "the secret is shown once"
    reloaded = client.get(str(issued.url))
    assert "new-secret" not in reloaded.text, "a reload shows the page, not the secret again"
    tokens = client.get("/api/tokens", headers=bearer(client, "admin")).json()
    assert [t["name"] for t in tokens].count("anpr-e19") == 1


@pytest.mark.usefixtures("population")
def test_the_administrator_verifies_the_chain_from_home(client: TestClient) -> None:
    sign_in(client, "admin")
    home = client.get("/")
    assert 'href="/audit/verify"' in home.text
    page = client.get("/audit/verify")
    assert page.status_code == 200 and 'id="verify-chain"' in page.text
    assert client.get("/audit").status_code == 403, "the administrator reads no one's records"
    sign_in(client, "operator")
    assert client.get("/audit/verify").status_code == 403


@pytest.mark.usefixtures("population")
def test_a_user_is_edited_on_the_page(client: TestClient, services: Services) -> None:
    csrf = sign_in(client, "admin")
    form = client.get("/admin/users/operator")
    assert form.status_code == 200 and 'data-testid="user-form"' in form.text
    changed = client.post(
        "/admin/users/operator",
        data={"full_name": "Olivia O.", "role": "inspector", "organisation": "PZ Test", "csrf_token": csrf},
    )
    assert changed.status_code == 200 and "User &#39;operator&#39; changed" in changed.text
    me = client.get("/api/users", headers=bearer(client, "admin")).json()
    operator = next(u for u in me if u["username"] == "operator")
    assert operator["role"] == "inspector" and operator["full_name"] == "Olivia O."
    unknown = client.post(
        "/admin/users/operator",
        data={"full_name": "x", "role": "chief", "organisation": "PZ Test", "csrf_token": csrf},
    )
    assert unknown.status_code == 422 and "unknown role &#39;chief&#39;" in unknown.text
    moving = {"full_name": "Olivia O.", "role": "inspector", "organisation": "City Test"}
    refused = client.post("/admin/users/operator", data={**moving, "csrf_token": csrf})
    assert refused.status_code == 403 and "may not manage organisations" in refused.text
    platform = TestClient(client.app)
    moved = platform.post("/admin/users/operator", data={**moving, "csrf_token": sign_in(platform, "platform_admin")})
    assert "User &#39;operator&#39; changed." in moved.text
    gone = client.post("/admin/users/operator/active", data={"active": "false", "csrf_token": csrf})
    assert gone.status_code == 404  # the police administrator no longer reaches a city account
    disabled = client.post("/admin/users/inspector/active", data={"active": "false", "csrf_token": csrf})
    assert disabled.status_code == 200 and "User &#39;inspector&#39; disabled." in disabled.text
    users = {u["username"]: u for u in client.get("/api/users", headers=bearer(platform, "platform_admin")).json()}
    assert users["operator"]["organisation"] == "City Test" and users["inspector"]["active"] is False
    assert "operator" not in {u["username"] for u in client.get("/api/users", headers=bearer(client, "admin")).json()}
    page = client.get("/admin/users/inspector")
    assert "State: disabled." in page.text and "Enable this account" in page.text
    with services.db.session() as session:
        changes = services.audit.query(session, AuditFilter(action="admin.users", person="admin", limit=50))
    details = [record.detail for record in changes if record.outcome == "granted"]
    assert any('"change": "disable"' in detail for detail in details)
    assert any('"fields": "full_name,role,organisation"' in detail for detail in details)


@pytest.mark.usefixtures("population")
def test_the_add_forms_start_with_the_administrators_organisation(client: TestClient) -> None:
    sign_in(client, "admin")
    page = client.get("/admin").text
    assert page.count("<option selected>PZ Test</option>") == 2, "the user's and the token's organisation"


@pytest.mark.usefixtures("population")
def test_the_audit_page_shows_and_reads_local_time(client: TestClient) -> None:
    sign_in(client, "supervisor")  # at 12:00 UTC on 21 November 2026: 13:00 in Brussels
    sign_ins = {"person": "supervisor", "action": "auth.login"}
    page = client.get("/audit", params=sign_ins).text
    assert "2026-11-21 13:00:00 +01:00" in page and "2026-11-21 12:00:00 UTC" in page
    # A typed bound is local time: 12:30 in Brussels is 11:30 UTC, before the sign-in...
    before = client.get("/audit", params={**sign_ins, "since": "2026-11-21T12:30"}).text
    assert "signed in (web)" in before
    # ...and 13:30 in Brussels is 12:30 UTC, after it.
    after = client.get("/audit", params={**sign_ins, "since": "2026-11-21T13:30"}).text
    assert "No records match these filters." in after
    skipped = client.get("/audit", params={"since": "2026-03-29T02:30"})
    assert skipped.status_code == 200 and "does not exist in Europe/Brussels" in skipped.text
