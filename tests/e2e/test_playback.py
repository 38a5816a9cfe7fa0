"""Playback and evidence in Chromium: a simulated camera is recorded by the real ingest and
recorder; an inspector opens the camera's timeline, clicks a past moment and sees video
play from within a second of it, selects a range, exports it and downloads a package that
verifies offline. Old police footage makes the page ask for the prosecutor's reference."""

from __future__ import annotations

import json
import re
import time
import uuid
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx2 as httpx
import pytest
from playwright.sync_api import FloatRect, Page, expect
from sqlalchemy import select

from belfort.app import Services
from belfort.audit import AuditFilter
from belfort.evidence.package import verify_package
from belfort.media.models import Segment
from belfort.timeutil import iso_utc, utcnow
from tests.conftest import PASSWORD, Population
from tests.e2e.conftest import artifact, record_police_camera
from tests.e2e.screens import controls_out_of_view
from tests.e2e.test_audit_page import sign_in
from tests.support.judicial import register_authorisation

RECORDED_SECONDS = 8


class ShiftedClock:
    """The real clock, moved by `offset`: the recorder needs time to pass, the 30-day rule a later "now"."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return utcnow() + self.offset


@pytest.fixture
def clock() -> ShiftedClock:
    return ShiftedClock()


@pytest.fixture
def recording(services: Services, population: Population) -> Iterator[str]:
    """A police camera recording the first demo clip; yields its id once 8 s are on disk."""
    camera_id = record_police_camera(services, segment_seconds=30)
    camera = uuid.UUID(camera_id)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        writing = services.media.writing_segment(camera)
        if writing is not None and writing.end_time - writing.start_time >= timedelta(seconds=RECORDED_SECONDS):
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"the simulated camera did not record {RECORDED_SECONDS} s within 30 s")
    yield camera_id


def footage(services: Services, camera: str) -> tuple[int, int]:
    """The camera's recorded span (ms since the epoch): the segment being written, or the last one."""
    writing = services.media.writing_segment(uuid.UUID(camera))
    if writing is not None:
        return int(writing.start_time.timestamp() * 1000), int(writing.end_time.timestamp() * 1000)
    with services.db.session() as session:
        last = session.scalars(select(Segment).order_by(Segment.start_time.desc()).limit(1)).one()
        return int(last.start_time.timestamp() * 1000), int(last.end_time.timestamp() * 1000)


def x_of(page: Page, ms: float) -> tuple[float, float]:
    """Where on the page the timeline shows the moment `ms`."""
    canvas = page.get_by_test_id("timeline")
    box = canvas.bounding_box()
    assert box is not None
    start, end = float(canvas.get_attribute("data-start") or 0), float(canvas.get_attribute("data-end") or 0)
    return box["x"] + (ms - start) / (end - start) * box["width"], box["y"] + box["height"] - 20


def open_timeline(page: Page, base: str, camera: str, user: str) -> None:
    page.goto(f"{base}/login?next=/cameras/{camera}")
    sign_in(page, user)
    canvas = page.get_by_test_id("timeline")
    expect(canvas).to_have_attribute("data-start", re.compile(r"^\d+$"))  # the page's script is running
    page.get_by_role("button", name="1 min", exact=True).click()
    page.wait_for_function(
        "() => { const c = document.getElementById('timeline'); return c.dataset.end - c.dataset.start === 60000 }"
    )
    page.wait_for_timeout(400)  # the timeline asks for its data after a pause in zooming


def state_purpose(page: Page, kind: str, justification: str, reference: str = "") -> None:
    dialog = page.locator("#purpose-dialog")
    expect(dialog).to_be_visible()
    dialog.locator(f"input[value={kind}]").check()
    dialog.get_by_label("Justification").fill(justification)
    if reference:
        dialog.locator("input[name=legal_basis_ref]").fill(reference)
    dialog.get_by_role("button", name="Continue").click()


def wait_until_playing(page: Page) -> None:
    page.wait_for_function(
        "() => { const v = document.getElementById('video'); return v.currentTime > 0.5 && !v.paused }",
        timeout=15_000,
    )


def test_a_click_on_the_timeline_plays_from_that_moment_and_a_range_exports(
    live_server: str, recording: str, page: Page, services: Services, tmp_path: Path
) -> None:
    open_timeline(page, live_server, recording, "inspector")
    first, _ = footage(services, recording)
    page.mouse.click(*x_of(page, first + 3000))
    state_purpose(page, "administrative", "Fight reported on the market square")
    wait_until_playing(page)
    # The player sets currentTime before the seek completes; the first frame's time follows.
    page.wait_for_function("() => document.querySelector('[data-testid=clock]').dataset.first")
    clock = page.get_by_test_id("clock")
    requested, shown = int(clock.get_attribute("data-requested") or 0), int(clock.get_attribute("data-first") or 0)
    assert abs(shown - requested) < 1000, f"the first frame shown is {shown - requested} ms from the moment clicked"
    artifact("playback-start.txt").write_text(f"first frame shown {shown - requested} ms from the moment clicked\n")
    assert abs(requested - (first + 3000)) < 2000, "the click landed where the test aimed"
    assert page.evaluate("document.getElementById('video').videoWidth") == 640
    page.screenshot(path=artifact("playback-timeline.png"), full_page=True)

    page.keyboard.down("Shift")
    page.mouse.move(*x_of(page, first + 1000))
    page.mouse.down()
    page.mouse.move(*x_of(page, first + 6000), steps=8)
    page.mouse.up()
    page.keyboard.up("Shift")
    expect(page.get_by_test_id("selection")).to_contain_text("Selected")
    page.get_by_role("button", name="Export…").click()
    dialog = page.locator("#export-dialog")
    dialog.get_by_label("Case number").fill("PV 2026/012345")
    dialog.get_by_label("Recipient").fill("Public prosecutor, Hasselt")
    dialog.get_by_role("button", name="Export").click()
    download_link = page.get_by_test_id("export-download")
    expect(download_link).to_be_visible(timeout=30_000)
    page.screenshot(path=artifact("playback-export.png"))
    with page.expect_download(timeout=20_000) as download:
        download_link.click()
    package = tmp_path / "package.zip"
    download.value.save_as(package)
    result = verify_package(package)
    assert result.ok, result.problems
    with zipfile.ZipFile(package) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["case_number"] == "PV 2026/012345" and manifest["clips"][0]["frames"] >= 4 * 20
    with services.db.session() as session:
        actions = {r.action: r.outcome for r in services.audit.query(session, AuditFilter(person="inspector"))}
    assert actions["recording.view"] == actions["evidence.export"] == actions["hold.place"] == "granted"


def test_on_a_1366x768_screen_the_player_its_controls_and_the_timeline_need_no_scrolling(
    live_server: str, recording: str, page: Page, services: Services
) -> None:
    width, height = 1366, 768
    page.set_viewport_size({"width": width, "height": height})
    open_timeline(page, live_server, recording, "supervisor")  # who also sees "Back to live", Hold and Export
    first, _ = footage(services, recording)
    page.mouse.click(*x_of(page, first + 2000))
    state_purpose(page, "administrative", "Fight reported on the market square")
    wait_until_playing(page)
    page.keyboard.down("Shift")
    page.mouse.move(*x_of(page, first + 1000))
    page.mouse.down()
    page.mouse.move(*x_of(page, first + 5000), steps=8)
    page.mouse.up()
    page.keyboard.up("Shift")
    expect(page.get_by_test_id("selection")).to_contain_text("Selected")
    page.screenshot(path=artifact("playback-1366x768.png"))
    parts = {
        "video": "#video",
        "frame back": "#frame-back",
        "play or pause": "#play-pause",
        "frame forward": "#frame-forward",
        "speeds": ".player-controls .speeds",
        "clock": "#clock",
        "back to live": "#back-to-live",
        "message": "#playback-message",
        "zooms": ".timeline-bar .zooms",
        "go to": "#jump",
        "timeline": "#timeline",
        "selection": "#selection",
    }
    outside: dict[str, FloatRect] = {}
    for name, selector in parts.items():
        box = page.locator(selector).bounding_box()
        assert box is not None, f"{name} is not shown"
        if box["x"] < 0 or box["y"] < 0 or box["x"] + box["width"] > width or box["y"] + box["height"] > height:
            outside[name] = box
    assert not outside, f"outside the {width}x{height} screen: {outside}"
    assert page.evaluate("window.scrollY") == 0
    assert controls_out_of_view(page) == [], "every other control is in view too"


def test_dragging_the_playhead_scrubs_within_the_clip_and_plays_from_where_it_is_let_go(
    live_server: str, recording: str, page: Page, services: Services
) -> None:
    open_timeline(page, live_server, recording, "inspector")
    first, _ = footage(services, recording)
    page.mouse.click(*x_of(page, first + 4000))  # the clip starts at the keyframe before, after first + 3 s
    state_purpose(page, "administrative", "Looking for the moment a bicycle was taken")
    wait_until_playing(page)
    page.locator("#play-pause").click()
    page.wait_for_function("() => document.getElementById('video').paused")
    clock = page.get_by_test_id("clock")
    page.wait_for_timeout(300)  # the paused frame's time has reached the clock
    playhead = int(clock.get_attribute("data-ms") or 0)
    source = page.evaluate("document.getElementById('video').src")

    target = playhead - 800  # still inside the clip on screen, which the browser holds
    page.mouse.move(*x_of(page, playhead))
    page.mouse.down()
    page.mouse.move(*x_of(page, target), steps=6)
    page.mouse.up()

    page.wait_for_function(
        f"() => Math.abs(Number(document.getElementById('clock').dataset.ms) - {target}) < 150", timeout=5_000
    )
    assert page.evaluate("document.getElementById('video').src") == source, "scrubbing within the clip loads no clip"
    assert page.evaluate("document.getElementById('video').paused"), "a paused player stays paused"
    with services.db.session() as session:
        views = services.audit.query(session, AuditFilter(person="inspector", action="recording.view"))
    assert len(views) == 1, "scrubbing within the clip on screen is no new consultation"

    earlier = first + 500  # before the clip on screen and before the hour granted from the first click
    page.mouse.move(*x_of(page, target))
    page.mouse.down()
    page.mouse.move(*x_of(page, earlier), steps=6)
    page.mouse.up()

    page.wait_for_function(
        f"() => Math.abs(Number(document.getElementById('clock').dataset.ms) - {earlier}) < 1500", timeout=15_000
    )
    assert page.evaluate("document.getElementById('video').src") != source
    with services.db.session() as session:
        views = services.audit.query(session, AuditFilter(person="inspector", action="recording.view"))
    assert len(views) == 2, "footage before the granted hour is a new consultation, with the purpose stated"


def test_old_police_footage_asks_for_the_prosecutors_reference(
    live_server: str, recording: str, page: Page, services: Services
) -> None:
    services.media.stop()  # the footage so far becomes a closed segment, then a month passes
    assert isinstance(services.clock, ShiftedClock)
    services.clock.offset = timedelta(days=31)
    register_authorisation(services, "OR Hasselt 2026/1234", kind="investigating_judge_order")
    open_timeline(page, live_server, recording, "inspector")
    first, _ = footage(services, recording)
    page.mouse.click(*x_of(page, first + 2000))
    state_purpose(page, "administrative", "Complaint about noise on the square")
    expect(page.locator("#purpose-error")).to_contain_text("more than 30 days old")
    expect(page.locator("#purpose-dialog input[value=judicial]")).to_be_checked()
    page.screenshot(path=artifact("playback-judicial-reference.png"))
    state_purpose(page, "judicial", "Assault, case PV 2026/4411", "PK Hasselt 2026/1234")
    expect(page.locator("#purpose-error")).to_contain_text("'PK Hasselt 2026/1234' is registered for your organisation")
    state_purpose(page, "judicial", "Assault, case PV 2026/4411", "OR Hasselt 2026/1234")
    wait_until_playing(page)
    with services.db.session() as session:
        records = services.audit.query(session, AuditFilter(person="inspector", action="recording.view"))
    assert [(r.outcome, r.purpose, r.legal_basis_ref) for r in reversed(records)] == [
        ("refused", "administrative", ""),
        ("refused", "judicial", "PK Hasselt 2026/1234"),
        ("granted", "judicial", "OR Hasselt 2026/1234"),
    ]
    assert "under the investigating judge's order OR Hasselt 2026/1234" in records[0].reason


def test_a_clip_being_read_does_not_hold_up_other_requests(
    live_server: str, recording: str, services: Services
) -> None:
    with httpx.Client(base_url=live_server, timeout=10) as client:
        token = client.post("/api/auth/login", json={"username": "inspector", "password": PASSWORD}).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        body = {
            "camera": recording,
            "start": iso_utc(services.clock() - timedelta(minutes=1)),
            "end": iso_utc(services.clock() + timedelta(minutes=1)),
            "purpose": {"kind": "administrative", "justification": "Fight reported on the market square"},
        }
        granted = client.post("/api/recordings/playback", json=body, headers=headers)
        assert granted.status_code == 200, granted.text
        with client.stream("GET", granted.json()["clip"]["url"], headers=headers) as slow_reader:
            next(slow_reader.iter_bytes(1024))
            again = client.post("/api/recordings/playback", json=body, headers=headers)  # writes an audit record
            assert again.status_code == 200, "a request that writes must not wait for a clip being read"
