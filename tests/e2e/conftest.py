"""End-to-end fixtures: the real app under uvicorn on a loopback port, and Chromium.

Browser tests run on SQLite only (`database_url` is overridden here), once per test.
Chromium is Debian's (/usr/bin/chromium), driven by Playwright; screenshots go to
`test-artifacts/` at the repository root, including one per failing browser test.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, Error, Page, expect, sync_playwright

from belfort.app import Services
from belfort.cameras.models import Camera
from belfort.cameras.service import CameraSpec
from belfort.media.simulated import DEMO_CLIPS, encode_clip
from belfort.timeutil import FrozenClock
from belfort.web.app import create_app, server_config
from tests.conftest import POLICE, SYSTEM, Population, sqlite_copy

E2E_DIR = Path(__file__).resolve().parent
ARTIFACTS = E2E_DIR.parent.parent / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 5_000
# A page load waits for its scripts and styles too; on a busy 2-core machine that has taken
# over 5 s, so navigation gets longer than the other waits.
NAVIGATION_TIMEOUT_MS = 15_000
STARTUP_SECONDS = 15.0

expect.set_options(timeout=TIMEOUT_MS)


def artifact(name: str) -> Path:
    """Where to save a test artifact (the folder is created on demand)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(E2E_DIR):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Iterator[None]:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return sqlite_copy(request, tmp_path)


@pytest.fixture
def clock() -> FrozenClock:
    # Session cookies expire by the server's clock but the browser drops them by its own:
    # the shared fixture's fixed date would make sign-in fail once that date is 12 h past.
    return FrozenClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def live_server(services: Services, population: Population) -> Iterator[str]:
    """The real app on a free loopback port; yields its base URL once /api/health answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = server_config(create_app(services), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="belfort-e2e", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base_url, thread)
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
    assert not thread.is_alive(), "the uvicorn server did not stop within 10 s"


def add_grote_markt(services: Services, main_url: str, **fields: Any) -> Camera:
    """The police camera on Grote Markt, reading `main_url`; `fields` add to its spec."""
    with services.db.session() as session:
        return services.cameras.add(
            session,
            SYSTEM,
            CameraSpec(name="Grote Markt", organisation=POLICE, main_url=main_url, street="Grote Markt", **fields),
        )


def record_police_camera(services: Services, segment_seconds: int | None = None) -> str:
    """Grote Markt, a police camera replaying the first demo clip, recording from now; its id."""
    clip = DEMO_CLIPS[0]
    encode_clip(clip, services.media.clip_path(clip.name))
    camera = add_grote_markt(services, f"sim://{clip.name}", council_consent_ref="GR/2026/041", enabled=True)
    if segment_seconds is not None:
        services.settings.recording.segment_seconds = segment_seconds
    services.settings.recording.sweep_interval_seconds = 3600
    services.start_recording()
    return str(camera.id)


def _wait_until_healthy(base_url: str, thread: threading.Thread) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    last_problem = "no answer yet"
    while time.monotonic() < deadline:
        if not thread.is_alive():
            pytest.fail("the uvicorn server thread stopped during start-up", pytrace=False)
        try:
            response = httpx.get(f"{base_url}/api/health", timeout=1.0)
            if response.status_code == 200:
                return
            last_problem = f"HTTP {response.status_code}: {response.text[:200]}"
        except httpx.TransportError as exc:
            last_problem = repr(exc)
        time.sleep(0.05)
    pytest.fail(f"{base_url}/api/health did not answer within {STARTUP_SECONDS} s ({last_problem})", pytrace=False)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Error as exc:
            pytest.fail(f"Chromium ({CHROMIUM}) could not start: {exc}", pytrace=False)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context per test (no shared cookies), 1440x900."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        tab.screenshot(path=artifact(f"{request.node.name}-failure.png"), full_page=True)
    context.close()
