"""The account page (language, one's own password), the login page's language links, and
an administrator's password reset with the new password it forces before anything else."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from belfort.app import Services
from belfort.audit import AuditFilter
from belfort.auth.service import LANGUAGE_ACTION, PASSWORD_ACTION, actor_of_user
from belfort.web.app import create_app
from tests.conftest import PASSWORD, bearer
from tests.web.test_pages import login_form, sign_in

NEW_PASSWORD = "my-own-new-password"
LANGUAGE_COOKIE = "belfort_lang"


def html_lang(text: str) -> str:
    match = re.search(r'<html lang="(\w+)"', text)
    assert match, text[:200]
    return match.group(1)


def audit(services: Services, action: str, person: str) -> list[tuple[str, str]]:
    with services.db.session() as session:
        found = services.audit.query(session, AuditFilter(action=action, person=person, limit=50))
    return [(record.outcome, record.reason) for record in reversed(found)]


@pytest.mark.usefixtures("population")
def test_the_header_links_the_name_to_the_account_page(client: TestClient) -> None:
    sign_in(client, "inspector")
    home = client.get("/")
    assert 'href="/account"' in home.text
    page = client.get("/account")
    assert page.status_code == 200
    assert 'data-testid="language-form"' in page.text and 'data-testid="password-form"' in page.text


@pytest.mark.usefixtures("population")
def test_the_chosen_language_writes_the_pages_and_is_remembered(client: TestClient, services: Services) -> None:
    csrf = sign_in(client, "inspector")
    client.headers["Accept-Language"] = "de-BE,de;q=0.9"
    assert html_lang(client.get("/account").text) == "de", "no choice yet: the browser's"
    saved = client.post("/account/language", data={"language": "fr", "csrf_token": csrf}, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/account"
    assert saved.cookies[LANGUAGE_COOKIE] == "fr"
    assert html_lang(client.get("/account").text) == "fr"
    assert 'value="fr" lang="fr" selected' in client.get("/account").text
    assert html_lang(client.get("/cameras").text) == "fr"
    refused = client.post("/account/language", data={"language": "es", "csrf_token": csrf})
    assert refused.status_code == 422 and "langue : choisissez parmi nl, fr, de, en" in refused.text, "in French"
    browser = client.post("/account/language", data={"language": "", "csrf_token": csrf}, follow_redirects=False)
    assert browser.status_code == 303 and LANGUAGE_COOKIE not in client.cookies
    assert html_lang(client.get("/account").text) == "de"
    assert audit(services, LANGUAGE_ACTION, "inspector") == [("granted", "language chosen")] * 2


@pytest.mark.usefixtures("population")
def test_the_login_page_offers_the_four_languages(client: TestClient) -> None:
    page = client.get("/login")
    for code in ("nl", "fr", "de", "en"):
        assert f'href="/login?lang={code}&amp;next=/"' in page.text
    client.headers["Accept-Language"] = "fr-BE"
    assert html_lang(client.get("/login").text) == "fr", "signed out: the browser's language"
    picked = client.get("/login", params={"lang": "nl", "next": "/audit"}, follow_redirects=False)
    assert picked.status_code == 303 and picked.headers["location"] == "/login?next=/audit"
    assert picked.cookies[LANGUAGE_COOKIE] == "nl"
    assert html_lang(client.get("/login").text) == "nl", "the picked language beats the browser's"
    wrong = client.get("/login", params={"lang": "xx"})
    assert wrong.status_code == 422 and "lang: kies een van nl, fr, de, en" in wrong.text, "in Dutch"
    assert client.cookies[LANGUAGE_COOKIE] == "nl"
    client.cookies.clear()
    client.cookies.set(LANGUAGE_COOKIE, "xx")
    assert html_lang(client.get("/login").text) == "fr", "an unknown value is ignored"


@pytest.mark.usefixtures("population")
def test_a_persons_own_choice_beats_the_browsers_cookie(client: TestClient, services: Services) -> None:
    client.cookies.set(LANGUAGE_COOKIE, "nl")
    sign_in(client, "dpo")
    assert html_lang(client.get("/").text) == "nl", "no choice of their own: the one picked in this browser"
    with services.db.session() as session:
        dpo = actor_of_user(services.accounts.user_by_name(session, "dpo"))
        services.accounts.set_language(session, dpo, "de")
    assert html_lang(client.get("/").text) == "de"


@pytest.mark.usefixtures("population")
def test_one_changes_ones_own_password(client: TestClient, services: Services) -> None:
    elsewhere = bearer(client, "dpo")
    csrf = sign_in(client, "dpo")
    form = {"current": PASSWORD, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD, "csrf_token": csrf}
    wrong = client.post("/account/password", data={**form, "current": "not-it"})
    assert wrong.status_code == 422 and "The current password is wrong" in wrong.text
    differ = client.post("/account/password", data={**form, "repeat": "something-else-entirely"})
    assert differ.status_code == 422 and "The two new passwords differ" in differ.text
    short = client.post("/account/password", data={**form, "new": "short", "repeat": "short"})
    assert short.status_code == 422 and "password must be at least 12 characters" in short.text
    changed = client.post("/account/password", data=form)
    assert changed.status_code == 200 and "Password changed. Your other sessions have ended." in changed.text
    assert client.get("/api/auth/me", headers=elsewhere).status_code == 401, "the other session ended"
    assert client.get("/").status_code == 200, "this one stays"
    assert client.post("/api/auth/login", json={"username": "dpo", "password": NEW_PASSWORD}).status_code == 200
    assert audit(services, PASSWORD_ACTION, "dpo") == [
        ("refused", "wrong current password"),
        ("granted", "password changed; other sessions ended"),
    ]


@pytest.mark.usefixtures("population")
def test_a_reset_password_must_be_changed_before_anything_else(services: Services) -> None:
    with TestClient(create_app(services)) as admin, TestClient(create_app(services)) as person:
        operator_api = bearer(person, "operator")
        csrf = sign_in(admin, "admin")
        reset = admin.post("/admin/users/operator/password", data={"password": "", "csrf_token": csrf})
        assert reset.status_code == 200 and str(reset.url).endswith("/admin/users/operator")
        shown = re.search(r'data-testid="temporary-password">([^<]+)<', reset.text)
        assert shown, "a generated password is shown once"
        temporary = shown.group(1)
        assert "temporary-password" not in admin.get("/admin/users/operator").text, "and only once"
        assert "must choose a new password" in admin.get("/admin").text
        assert person.get("/api/auth/me", headers=operator_api).status_code == 401, "the sessions ended"

        signed_in = person.post(
            "/login",
            data={"username": "operator", "password": temporary, "next": "/wall", "login_csrf": login_form(person)},
            follow_redirects=False,
        )
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/account/password"
        page = person.get("/account/password")
        assert page.status_code == 200 and "Choose a new password" in page.text
        assert 'href="/wall"' not in page.text and 'href="/account"' not in page.text, "no menu yet"
        for path in ("/", "/wall", "/cameras", "/account", "/admin"):
            refused = person.get(path, follow_redirects=False)
            assert refused.status_code == 303 and refused.headers["location"] == "/account/password", path
        api = person.get("/api/cameras")
        assert api.status_code == 403 and "choose a new one at /account/password" in api.json()["detail"]
        token = person.post("/api/auth/login", json={"username": "operator", "password": temporary}).json()["token"]
        by_token = person.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert by_token.status_code == 403 and "reset by an administrator" in by_token.json()["detail"]
        assert person.post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"}).status_code == 204

        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf
        form = {"current": temporary, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD, "csrf_token": csrf.group(1)}
        changed = person.post("/account/password", data=form, follow_redirects=False)
        assert changed.status_code == 303 and changed.headers["location"] == "/account"
        assert person.get("/wall").status_code == 200
        assert person.get("/api/cameras").status_code == 200
        assert "must choose a new password" not in admin.get("/admin").text
    assert audit(services, PASSWORD_ACTION, "operator") == [("granted", "password changed; other sessions ended")]


@pytest.mark.usefixtures("population")
def test_a_password_chosen_by_the_administrator_is_not_shown_again(client: TestClient) -> None:
    csrf = sign_in(client, "admin")
    form = client.get("/admin/users/inspector")
    assert 'data-testid="reset-form"' in form.text and "data-confirm=" in form.text
    short = client.post("/admin/users/inspector/password", data={"password": "short", "csrf_token": csrf})
    assert short.status_code == 422 and "password must be" in short.text
    reset = client.post("/admin/users/inspector/password", data={"password": NEW_PASSWORD, "csrf_token": csrf})
    assert "Password of &#39;inspector&#39; reset" in reset.text and NEW_PASSWORD not in reset.text
    csrf = sign_in(client, "operator")
    refused = client.post("/admin/users/inspector/password", data={"password": NEW_PASSWORD, "csrf_token": csrf})
    assert refused.status_code == 403 and "may not manage user accounts" in refused.text
