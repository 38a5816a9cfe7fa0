"""The pages in Chromium under a strict Content-Security-Policy: the browser refuses
nothing, and what their scripts do still works (the wall plays live through Media Source
Extensions, the camera page draws its timeline, the hits page lists hits, the audit chain
is verified, the error page's "Go back" goes back).

The server sends the site's own policy once it has one, else POLICY, added here. Live
video is appended to a MediaSource behind a `blob:` URL, which `default-src 'self'` alone
would refuse: the policy needs `media-src 'self' blob:`."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest
from fastapi import FastAPI, Request, Response
from playwright.sync_api import ConsoleMessage, Page, expect

import tests.e2e.conftest as e2e
from belfort.app import Services
from belfort.timeutil import Clock, utcnow
from belfort.web.app import create_app
from tests.conftest import Population
from tests.e2e.conftest import record_police_camera
from tests.e2e.test_audit_page import sign_in
from tests.e2e.test_wall import JUSTIFICATION

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'; media-src 'self' blob:"
)
STATIC_PAGES = ["/", "/cameras", "/anpr/search", "/anpr/hotlists", "/anpr/sections", "/evidence", "/holds", "/audit"]


@pytest.fixture
def clock() -> Clock:
    """Ingest anchors frames to the wall clock: this test needs the real one."""
    return utcnow


def with_policy(app: FastAPI) -> FastAPI:
    """The app, sending POLICY with every page that has no policy of its own."""

    @app.middleware("http")
    async def send_policy(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", POLICY)
        return response

    return app


@pytest.fixture
def strict_app(monkeypatch: pytest.MonkeyPatch) -> None:
    """The live server builds its app through `create_app`: make that app send the policy."""
    monkeypatch.setattr(e2e, "create_app", lambda services: with_policy(create_app(services)))


@pytest.fixture
def live_server(strict_app: None, live_server: str) -> str:
    """The shared live server, its app sending the policy."""
    return live_server


@pytest.fixture
def camera(services: Services, population: Population) -> str:
    return record_police_camera(services)


def refusals(page: Page) -> list[str]:
    """What the browser refuses under the policy or fails to run, as it happens."""
    problems: list[str] = []

    def note_refusal(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            problems.append(message.text)

    page.on("console", note_refusal)
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    return problems


def test_the_pages_work_under_a_strict_content_security_policy(live_server: str, camera: str, page: Page) -> None:
    problems = refusals(page)
    login = page.goto(f"{live_server}/login")
    assert login is not None and "script-src 'self'" in login.headers["content-security-policy"]
    sign_in(page, "supervisor")
    expect(page.get_by_test_id("whoami")).to_have_text("supervisor")

    page.goto(f"{live_server}/wall")
    dialog = page.locator("#purpose-dialog")
    dialog.get_by_label("Justification").fill(JUSTIFICATION)
    dialog.get_by_role("button", name="Start watching").click()
    page.get_by_test_id("camera-tree").get_by_role("button", name="Grote Markt").click()
    tile = page.get_by_test_id("tile").first
    expect(tile).to_have_attribute("data-state", "online", timeout=15_000)
    page.wait_for_function("() => document.querySelector('.tile video').currentTime > 0.5", timeout=15_000)

    page.goto(f"{live_server}/cameras/{camera}")
    expect(page.get_by_test_id("timeline")).to_have_attribute("data-start", re.compile(r"^\d+$"))
    page.goto(f"{live_server}/anpr/hits")
    expect(page.get_by_test_id("hits")).to_contain_text("No open hits")
    for path in STATIC_PAGES:
        page.goto(f"{live_server}{path}")
        expect(page.get_by_test_id("whoami")).to_have_text("supervisor")

    page.goto(f"{live_server}/cameras/00000000-0000-0000-0000-000000000000")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    page.get_by_role("link", name="Go back").click()
    expect(page).to_have_url(f"{live_server}/audit")

    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{live_server}/login?next=/audit")
    sign_in(page, "dpo")
    page.goto(f"{live_server}/audit")
    page.get_by_role("button", name="Verify chain").click()
    expect(page.locator("#verify-result")).to_contain_text("Chain intact:")
    assert problems == []
