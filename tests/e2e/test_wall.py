"""The video wall in Chromium with real RTSP cameras: four tiles play live, a camera
reaches a tile in two clicks, a stream without a purpose is refused and explained, tiles
wait for the shift's purpose before opening any stream, a tour reconnects only tiles
whose camera changes, and every opened and closed stream is in the audit log. The
live-edge lag each tile shows is measured here and written to test-artifacts/live-lag.txt."""

from __future__ import annotations

import json
import re
import statistics
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx2 as httpx
import pytest
from playwright.sync_api import Locator, Page, WebSocket, expect
from sqlalchemy import select

from belfort.app import Services
from belfort.audit.models import AuditRecord
from belfort.cameras.service import CameraSpec
from belfort.timeutil import Clock, utcnow
from tests.conftest import PASSWORD, POLICE, SYSTEM, Population
from tests.e2e.conftest import artifact
from tests.e2e.test_audit_page import sign_in
from tests.support.cameras import RtspCameraServer, cached_clip

NAMES = ("Grote Markt", "Stationsplein", "Kolonel Dusartplein", "Havermarkt")
JUSTIFICATION = "Virtual patrol around the station, night shift"


@pytest.fixture
def clock() -> Clock:
    """Ingest anchors frames to the wall clock: this test needs the real one."""
    return utcnow


@pytest.fixture
def cameras(services: Services, population: Population) -> Iterator[dict[str, str]]:
    clip = cached_clip(width=640, height=360, fps=20, seconds=6, bitrate=1_000_000, gop_seconds=1)
    mounts = {f"cam{i}": clip for i in range(len(NAMES))}
    with RtspCameraServer(mounts) as server:
        ids = {}
        with services.db.session() as session:
            for i, name in enumerate(NAMES):
                camera = services.cameras.add(
                    session,
                    SYSTEM,
                    CameraSpec(
                        name=name,
                        organisation=POLICE,
                        main_url=server.url(f"cam{i}"),
                        area="Centrum" if i % 2 == 0 else "Station",
                        street=name,
                        council_consent_ref="GR/2026/041",
                        enabled=True,
                    ),
                )
                ids[name] = str(camera.id)
        services.settings.recording.sweep_interval_seconds = 3600
        services.start_recording()
        yield ids


def open_wall(page: Page, base_url: str, purpose: bool = True) -> None:
    page.goto(f"{base_url}/login")
    sign_in(page, "operator")
    expect(page).to_have_url(f"{base_url}/wall")
    dialog = page.locator("#purpose-dialog")
    expect(dialog).to_be_visible()
    if purpose:
        dialog.get_by_label("Justification").fill(JUSTIFICATION)
        dialog.get_by_role("button", name="Start watching").click()
        expect(dialog).to_be_hidden()
    expect(page.locator("#wall-page")).to_have_attribute("data-ready", "true")


def live_streams(page: Page) -> list[str]:
    """The live streams the page opens from now on, one WebSocket each (the hits panel's left out)."""
    opened: list[str] = []

    def note(socket: WebSocket) -> None:
        if "/api/live/" in socket.url:
            opened.append(socket.url)

    page.on("websocket", note)
    return opened


@contextmanager
def operator_api(base_url: str) -> Iterator[httpx.Client]:
    """The API as the operator, with a bearer token (another session: no purpose stated there)."""
    with httpx.Client(base_url=base_url, timeout=10) as client:
        login = client.post("/api/auth/login", json={"username": "operator", "password": PASSWORD})
        assert login.status_code == 200, login.text
        client.headers["Authorization"] = f"Bearer {login.json()['token']}"
        yield client


def live_views(services: Services) -> list[AuditRecord]:
    with services.db.session() as session:
        return list(session.scalars(select(AuditRecord).where(AuditRecord.action == "live.view")).all())


def tile(page: Page, index: int) -> Locator:
    return page.get_by_test_id("tile").nth(index)


def current_times(page: Page) -> list[float]:
    return page.eval_on_selector_all(".tile video", "videos => videos.map(v => v.currentTime)")


def test_a_2x2_wall_plays_all_four_cameras_under_a_second_behind(
    live_server: str, cameras: dict[str, str], page: Page, services: Services
) -> None:
    open_wall(page, live_server)
    expect(page.get_by_test_id("tile")).to_have_count(4)
    for index, name in enumerate(NAMES):
        tile(page, index).click()
        page.get_by_test_id("camera-tree").get_by_role("button", name=name).click()
    for index in range(4):
        expect(tile(page, index)).to_have_attribute("data-state", "online", timeout=15_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.tile video')].every(v => v.currentTime > 0)", timeout=15_000
    )
    lags: list[list[int]] = [[] for _ in range(4)]
    before = current_times(page)
    for _ in range(12):
        page.wait_for_timeout(500)
        for index in range(4):
            value = tile(page, index).get_attribute("data-lag-ms")
            if value:
                lags[index].append(int(value))
    after = current_times(page)
    assert all(b > a + 4.0 for a, b in zip(before, after, strict=True)), f"a tile stalled: {before} -> {after}"
    assert all(lags), f"every tile reports its lag: {lags}"
    medians = [statistics.median(values) for values in lags]
    assert max(medians) < 1000, f"live-edge lag per tile (ms): {medians}"
    names = [tile(page, i).locator(".tile-name").inner_text() for i in range(4)]
    assert names == list(NAMES)
    expect(tile(page, 0).locator(".tile-purpose")).to_contain_text(JUSTIFICATION)
    page.screenshot(path=artifact("wall-2x2.png"))
    artifact("live-lag.txt").write_text(
        f"live-edge lag: {round(statistics.median(medians))} ms (median of 4 tiles; per tile {medians})\n"
    )
    page.close()
    with services.db.session() as session:
        opened = session.scalars(select(AuditRecord).where(AuditRecord.action == "live.view")).all()
    assert len(opened) == 4 and {r.outcome for r in opened} == {"granted"}
    assert {r.justification for r in opened} == {JUSTIFICATION} and {r.actor_name for r in opened} == {"operator"}
    assert {json.loads(r.resources)[0]["label"] for r in opened} == set(NAMES)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with services.db.session() as session:
            closed = session.scalars(select(AuditRecord).where(AuditRecord.action == "live.closed")).all()
        if len(closed) == 4:
            break
        time.sleep(0.2)
    assert len(closed) == 4, "closing the page closes and audits every stream"
    assert all(json.loads(r.detail)["seconds"] > 5 and json.loads(r.detail)["frames_sent"] > 50 for r in closed)


def test_camera_tree_to_playing_tile_in_two_clicks(live_server: str, cameras: dict[str, str], page: Page) -> None:
    open_wall(page, live_server)
    tile(page, 3).click()
    page.get_by_test_id("camera-tree").get_by_role("button", name="Havermarkt").click()
    page.wait_for_function("() => document.querySelectorAll('.tile video')[3].currentTime > 1", timeout=15_000)
    expect(tile(page, 3)).to_have_attribute("data-state", "online")
    expect(tile(page, 3).locator(".tile-name")).to_have_text("Havermarkt")
    expect(tile(page, 0)).to_have_class(re.compile(r"\bempty\b"))


def test_layouts_full_screen_and_keyboard(live_server: str, cameras: dict[str, str], page: Page) -> None:
    open_wall(page, live_server)
    page.get_by_test_id("camera-tree").get_by_role("button", name="Grote Markt").click()
    page.keyboard.press("5")
    expect(page.get_by_test_id("tile")).to_have_count(6)
    expect(tile(page, 0).locator(".tile-name")).to_have_text("Grote Markt")
    page.keyboard.press("3")
    expect(page.get_by_test_id("tile")).to_have_count(9)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("/")
    page.keyboard.type("stationspl")
    page.keyboard.press("Enter")
    expect(tile(page, 1).locator(".tile-name")).to_have_text("Stationsplein")
    tile(page, 1).dblclick()
    expect(tile(page, 1)).to_have_class(re.compile(r"\bmaximized\b"))
    expect(tile(page, 0)).to_be_hidden()
    page.keyboard.press("Escape")
    expect(tile(page, 0)).to_be_visible()
    page.keyboard.press("Delete")
    expect(tile(page, 1)).to_have_class(re.compile(r"\bempty\b"))
    page.get_by_label("Search cameras").fill("")
    page.get_by_test_id("camera-tree").get_by_role("button", name="Havermarkt").drag_to(tile(page, 4))
    expect(tile(page, 4).locator(".tile-name")).to_have_text("Havermarkt")
    expect(tile(page, 4)).to_have_attribute("data-state", "online", timeout=15_000)

    # Esc leaves the search: the filter is gone and the keys drive the wall again.
    search = page.get_by_label("Search cameras")
    cameras_listed = page.get_by_test_id("camera-tree").locator(".tree-camera")
    page.keyboard.press("/")
    expect(search).to_be_focused()
    page.keyboard.type("kolonel")
    expect(cameras_listed).to_have_count(1)
    page.keyboard.press("Escape")
    expect(search).not_to_be_focused()
    expect(search).to_have_value("")
    expect(cameras_listed).to_have_count(len(NAMES))
    page.keyboard.press("2")
    expect(page.get_by_test_id("tile")).to_have_count(4)


def test_without_a_purpose_the_stream_is_refused_and_explained(
    live_server: str, cameras: dict[str, str], page: Page, services: Services
) -> None:
    open_wall(page, live_server)
    # The purpose is withdrawn behind the page's back (another tab, an expired shift):
    # the server refuses the next stream and the page asks again.
    page.evaluate(
        """async () => fetch('/api/live/purpose', {method: 'DELETE', credentials: 'same-origin',
           headers: {'X-CSRF-Token': document.getElementById('wall-page').dataset.csrf}})"""
    )
    page.get_by_test_id("camera-tree").get_by_role("button", name="Stationsplein").click()
    expect(tile(page, 0)).to_have_attribute("data-state", "refused")
    expect(tile(page, 0).locator(".tile-purpose")).to_contain_text("State why you need this")
    expect(page.locator("#purpose-dialog")).to_be_visible()
    with services.db.session() as session:
        records = session.scalars(select(AuditRecord).where(AuditRecord.action == "live.view")).all()
    assert [(r.outcome, r.actor_name) for r in records] == [("refused", "operator")]
    page.locator("#purpose-dialog").get_by_label("Justification").fill(JUSTIFICATION)
    page.locator("#purpose-dialog").get_by_role("button", name="Start watching").click()
    expect(tile(page, 0)).to_have_attribute("data-state", "online", timeout=15_000)


def test_tiles_wait_for_the_shifts_purpose_before_opening_any_stream(
    live_server: str, cameras: dict[str, str], page: Page, services: Services
) -> None:
    with operator_api(live_server) as api:
        tiles = [cameras[NAMES[0]], cameras[NAMES[1]], None, None]
        saved = api.put("/api/wall/layouts/Day", json={"layout": "2x2", "tiles": tiles, "is_default": True})
        assert saved.status_code == 200, saved.text
    opened = live_streams(page)
    open_wall(page, live_server, purpose=False)
    for index in (0, 1):
        expect(tile(page, index).locator(".tile-name")).to_have_text(NAMES[index])
        expect(tile(page, index)).to_have_attribute("data-state", "waiting")
        expect(tile(page, index).locator(".tile-state")).to_have_text("WAITING")
        expect(tile(page, index).locator(".tile-purpose")).to_have_text("Waiting for the shift's purpose")
    page.screenshot(path=artifact("wall-waiting-for-purpose.png"))
    assert opened == [], "no stream is opened before the purpose is stated"
    assert live_views(services) == []
    dialog = page.locator("#purpose-dialog")
    dialog.get_by_label("Justification").fill(JUSTIFICATION)
    dialog.get_by_role("button", name="Start watching").click()
    for index in (0, 1):
        expect(tile(page, index)).to_have_attribute("data-state", "online", timeout=15_000)
    assert len(opened) == 2
    assert [r.outcome for r in live_views(services)] == ["granted", "granted"]


def test_a_tour_that_fits_on_the_wall_stays_and_a_longer_one_reconnects_only_changed_tiles(
    live_server: str, cameras: dict[str, str], page: Page, services: Services
) -> None:
    ids = [cameras[name] for name in NAMES]
    with operator_api(live_server) as api:
        for name, tour in (("Centre", ids), ("Loop", [*ids, ids[0]])):  # the loop ends where it began
            saved = api.put(f"/api/wall/tours/{name}", json={"cameras": tour, "dwell_seconds": 5})
            assert saved.status_code == 200, saved.text
    opened = live_streams(page)
    open_wall(page, live_server)
    tours = page.locator("#tour-list li")

    tours.filter(has_text="Centre").get_by_role("button", name="▶ wall").click()
    for index in range(4):
        expect(tile(page, index)).to_have_attribute("data-state", "online", timeout=15_000)
    page.wait_for_timeout(6_500)  # longer than the tour's dwell
    assert [tile(page, i).locator(".tile-name").inner_text() for i in range(4)] == list(NAMES)
    assert len(opened) == 4, "a tour that fits on the wall is shown once, not reloaded every dwell"
    expect(page.locator("#tour-status")).to_contain_text("every camera is on screen, so it does not rotate")

    tours.filter(has_text="Loop").get_by_role("button", name="▶ wall").click()
    expect(page.locator("#tour-status")).to_contain_text("Tour 'Loop' on the wall, every 5 s")
    assert len(opened) == 4, "its first page is the wall as it is: nothing to reconnect"
    # The second page: the fifth stop and the first three again, one place on.
    expect(tile(page, 1).locator(".tile-name")).to_have_text(NAMES[0], timeout=8_000)
    page.keyboard.press("t")
    assert [tile(page, i).locator(".tile-name").inner_text() for i in range(4)] == [NAMES[0], *NAMES[:3]]
    for index in range(4):
        expect(tile(page, index)).to_have_attribute("data-state", "online", timeout=15_000)
    assert len(opened) == 7, "only the three tiles whose camera changed reconnect"
    assert len(live_views(services)) == 7


def test_saved_layout_reopens_and_a_tour_cycles_a_tile(live_server: str, cameras: dict[str, str], page: Page) -> None:
    open_wall(page, live_server)
    tree = page.get_by_test_id("camera-tree")
    page.keyboard.press("5")
    for index, name in enumerate(NAMES[:2]):
        tile(page, index).click()
        tree.get_by_role("button", name=name).click()
    page.once("dialog", lambda dialog: dialog.accept("Night shift"))
    page.keyboard.press("s")
    expect(page.locator("#wall-message")).to_contain_text("Layout 'Night shift' saved")
    page.reload()
    expect(page.locator("#wall-page")).to_have_attribute("data-ready", "true")
    expect(page.get_by_test_id("tile")).to_have_count(6)
    expect(tile(page, 1).locator(".tile-name")).to_have_text(NAMES[1])
    expect(page.locator("#saved-layouts")).to_contain_text("Night shift (1+5)")

    form = page.locator("#tour-form")
    form.get_by_label("Tour name").fill("Station loop")
    form.get_by_label("Dwell seconds").fill("5")
    form.get_by_role("button", name="Save tour").click()
    tour = page.locator("#tour-list li", has_text="Station loop")
    expect(tour).to_contain_text("2 cameras, 5 s")
    tile(page, 4).click()
    tour.get_by_role("button", name="▶ tile").click()
    expect(tile(page, 4).locator(".tile-name")).to_have_text(NAMES[0])
    expect(page.locator("#tour-status")).to_contain_text("Tour 'Station loop' on tile 5")
    expect(tile(page, 4).locator(".tile-name")).to_have_text(NAMES[1], timeout=8_000)
    page.keyboard.press("t")
    expect(page.locator("#tour-status")).to_have_text("")


def test_four_cameras_play_back_together_and_return_to_live(
    live_server: str, cameras: dict[str, str], page: Page, services: Services
) -> None:
    open_wall(page, live_server)
    for index, name in enumerate(NAMES):
        tile(page, index).click()
        page.get_by_test_id("camera-tree").get_by_role("button", name=name).click()
    for index in range(4):
        expect(tile(page, index)).to_have_attribute("data-state", "online", timeout=15_000)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # at least 8 s of footage on every camera
        spans = [services.media.writing_segment(uuid.UUID(camera_id)) for camera_id in cameras.values()]
        if all(s is not None and s.end_time - s.start_time > timedelta(seconds=8) for s in spans):
            break
        time.sleep(0.5)
    start = max(s.start_time for s in spans if s is not None) + timedelta(seconds=1)
    page.keyboard.press("p")
    bar = page.get_by_test_id("wall-playback")
    expect(bar).to_be_visible()
    local = start.astimezone(ZoneInfo(services.settings.time_zone))  # typed in local time, with its offset
    bar.get_by_label("Go to a moment").fill(local.isoformat(sep=" ", timespec="milliseconds"))
    bar.get_by_role("button", name="Go").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.tile')]"
        ".every(t => t.dataset.wallMs && !t.querySelector('video').paused)",
        timeout=15_000,
    )
    page.wait_for_timeout(1500)
    shown = [int(tile(page, i).get_attribute("data-wall-ms") or 0) for i in range(4)]
    master = int(page.get_by_test_id("wall-clock").get_attribute("data-ms") or 0)
    assert max(shown) - min(shown) < 600, f"the four tiles show moments {[s - master for s in shown]} ms apart"
    assert abs(statistics.median(shown) - master) < 600
    assert master > int(start.timestamp() * 1000) + 1000, "the wall plays on"
    page.screenshot(path=artifact("wall-playback.png"))
    page.get_by_test_id("back-to-live").click()
    expect(bar).to_be_hidden()
    for index in range(4):
        expect(tile(page, index)).to_have_attribute("data-state", "online", timeout=15_000)
    with services.db.session() as session:
        played = session.scalars(select(AuditRecord).where(AuditRecord.action == "recording.view")).all()
    assert {json.loads(r.resources)[0]["label"] for r in played} == set(NAMES)
    assert {(r.outcome, r.justification) for r in played} == {("granted", JUSTIFICATION)}


def test_a_group_narrows_the_tree_fills_the_wall_and_makes_a_tour(
    live_server: str, cameras: dict[str, str], page: Page
) -> None:
    with httpx.Client(base_url=live_server, timeout=10) as admin:
        login = admin.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
        admin.headers["Authorization"] = f"Bearer {login.json()['token']}"
        made = admin.post("/api/groups", json={"name": "Station side", "rule": "area", "value": "Station"})
        assert made.status_code == 201, made.text
    open_wall(page, live_server)
    tree = page.get_by_test_id("camera-tree")
    expect(tree.locator(".tree-camera")).to_have_count(4)
    page.get_by_test_id("camera-group").select_option("Station side")
    expect(tree.locator(".tree-camera .cam-name")).to_have_text([NAMES[3], NAMES[1]])  # by name

    page.get_by_test_id("group-to-wall").click()
    expect(tile(page, 0).locator(".tile-name")).to_have_text(NAMES[3])  # in the tree's order
    expect(tile(page, 1).locator(".tile-name")).to_have_text(NAMES[1])
    expect(tile(page, 2)).to_have_class(re.compile(r"\bempty\b"))
    expect(page.locator("#wall-message")).to_contain_text("Group 'Station side' on the wall: 2 cameras.")

    form = page.locator("#tour-form")
    form.get_by_label("Tour name").fill("Station side loop")
    page.get_by_test_id("tour-source").select_option("Station side")
    form.get_by_role("button", name="Save tour").click()
    expect(page.locator("#tour-list li", has_text="Station side loop")).to_contain_text("2 cameras, 20 s")
    page.get_by_test_id("camera-group").select_option("")
    expect(tree.locator(".tree-camera")).to_have_count(4)
