"""The login page: a pre-session CSRF token, throttled answers, and the real client
address behind a reverse proxy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from belfort.app import Services
from belfort.settings import SettingsError, load_settings
from belfort.web.app import create_app, server_config
from tests.conftest import PASSWORD

LOGIN_COOKIE = "belfort_login_csrf"


def form_token(page: Response) -> str:
    match = re.search(r'name="login_csrf" value="([^"]+)"', page.text)
    assert match, page.text
    return match.group(1)


def submit(client: TestClient, username: str, password: str, token: str) -> Response:
    return client.post(
        "/login",
        data={"username": username, "password": password, "next": "/", "login_csrf": token},
        follow_redirects=False,
    )


def test_the_login_page_sets_the_same_token_in_a_strict_cookie_and_the_form(client: TestClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    header = page.headers["set-cookie"]
    assert header.startswith(f"{LOGIN_COOKIE}=")
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")}
    assert {"httponly", "max-age"} <= attributes and "secure" not in attributes
    assert "samesite=strict" in header.lower()
    assert page.cookies[LOGIN_COOKIE] == form_token(page)
    assert form_token(client.get("/login")) != form_token(page)


def test_the_token_cookie_is_secure_when_cookies_are_(client: TestClient, services: Services) -> None:
    services.settings.server.secure_cookies = True
    header = client.get("/login").headers["set-cookie"]
    assert "secure" in {part.strip().lower() for part in header.split(";")}


@pytest.mark.usefixtures("population")
def test_a_sign_in_without_the_pages_token_is_refused(client: TestClient, services: Services) -> None:
    missing = submit(client, "dpo", PASSWORD, "")
    assert missing.status_code == 403 and "reload the login page" in missing.text
    token = form_token(client.get("/login"))
    forged = submit(client, "dpo", PASSWORD, token[:-2] + "xx")
    assert forged.status_code == 403 and "reload the login page" in forged.text
    client.cookies.clear()
    no_cookie = submit(client, "dpo", PASSWORD, token)
    assert no_cookie.status_code == 403
    assert not client.cookies.get("belfort_session")


@pytest.mark.usefixtures("population")
def test_a_sign_in_with_the_pages_token_opens_a_session(client: TestClient) -> None:
    token = form_token(client.get("/login?next=/audit"))
    response = client.post(
        "/login",
        data={"username": "dpo", "password": PASSWORD, "next": "/audit", "login_csrf": token},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/audit"
    assert client.cookies.get("belfort_session")
    assert f'{LOGIN_COOKIE}=""' in response.headers["set-cookie"]


@pytest.mark.usefixtures("population")
def test_a_wrong_password_gives_a_fresh_form(client: TestClient) -> None:
    token = form_token(client.get("/login"))
    wrong = submit(client, "dpo", "nope", token)
    assert wrong.status_code == 401 and "Wrong user name or password" in wrong.text
    again = submit(client, "dpo", PASSWORD, form_token(wrong))
    assert again.status_code == 303


@pytest.mark.usefixtures("population")
def test_the_page_says_when_to_try_again(client: TestClient, services: Services) -> None:
    for _ in range(services.settings.security.login_free_failures_per_name):
        page = submit(client, "dpo", "nope", form_token(client.get("/login")))
    throttled = submit(client, "dpo", PASSWORD, form_token(page))
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
    assert "try again" in throttled.text and "12:00:01 UTC" in throttled.text
    assert form_token(throttled)


@pytest.mark.usefixtures("population")
def test_the_api_login_needs_no_cookie(client: TestClient) -> None:
    response = client.post("/api/auth/login", json={"username": "dpo", "password": PASSWORD})
    assert response.status_code == 200 and LOGIN_COOKIE not in response.headers.get("set-cookie", "")


@pytest.mark.usefixtures("population")
def test_a_name_with_control_characters_is_refused_plainly(client: TestClient) -> None:
    api = client.post("/api/auth/login", json={"username": "dpo\u0000", "password": PASSWORD})
    assert api.status_code == 422 and "control characters" in api.json()["detail"]
    form = submit(client, "dpo\u0000", PASSWORD, form_token(client.get("/login")))
    assert form.status_code == 422 and "control characters" in form.text


def proxied(services: Services, peer: str) -> TestClient:
    """The app as uvicorn serves it (with its proxy-header handling), reached from `peer`."""
    config = server_config(create_app(services))
    config.load()
    return TestClient(config.loaded_app, client=(peer, 40000))


def api_login(client: TestClient, forwarded_for: str, password: str) -> int:
    return client.post(
        "/api/auth/login",
        json={"username": "admin", "password": password},
        headers={"X-Forwarded-For": forwarded_for},
    ).status_code


@pytest.mark.usefixtures("population")
def test_behind_a_trusted_proxy_each_real_client_counts_apart(services: Services) -> None:
    services.settings.server.trusted_proxies = ["10.0.0.0/24"]
    with proxied(services, "10.0.0.2") as proxy:
        for _ in range(services.settings.security.login_free_failures_per_name):
            assert api_login(proxy, "198.51.100.66", "guess") == 401
        assert api_login(proxy, "198.51.100.66", PASSWORD) == 429
        assert api_login(proxy, "203.0.113.10", PASSWORD) == 200


@pytest.mark.usefixtures("population")
def test_an_untrusted_peer_cannot_pick_its_address(services: Services) -> None:
    with proxied(services, "198.51.100.66") as direct:
        for n in range(services.settings.security.login_free_failures_per_name):
            assert api_login(direct, f"192.0.2.{n}", "guess") == 401
        assert api_login(direct, "192.0.2.200", PASSWORD) == 429


def test_trusted_proxies_must_be_addresses_or_networks(tmp_path: Path) -> None:
    good = load_settings(environ={"BELFORT_SERVER__TRUSTED_PROXIES": "10.0.0.2, fd00::/8"}, data_dir=tmp_path)
    assert good.server.trusted_proxies == ["10.0.0.2", "fd00::/8"]
    assert load_settings(environ={}, data_dir=tmp_path).server.trusted_proxies == []
    with pytest.raises(SettingsError, match=r"server\.trusted_proxies.*'proxy\.local' is not an IP address"):
        load_settings(environ={"BELFORT_SERVER__TRUSTED_PROXIES": "proxy.local"}, data_dir=tmp_path)
