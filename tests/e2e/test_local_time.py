"""The camera page in Brussels time, in Chromium, on the two days the clocks change.

A police camera is recorded by the real ingest and recorder twice on 25 October 2026: at
02:30 summer time (00:30 UTC) and at 02:30 winter time (01:30 UTC), one hour apart. The
page lays out that local day as 25 hours, with 02:00 twice on the axis (+02:00, +01:00);
zoomed in, 02:30 appears twice, and a click on each plays its own footage, which the clock
under the video shows with its offset. 29 March 2026 is 23 hours long, and a time typed in
the hour the clocks skip is refused with a sentence. The server's clock is moved to those
days (and runs, so that the recorder records), which keeps the footage within the period
an administrative purpose may consult."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from belfort.app import Services
from belfort.cameras.service import CameraSpec
from belfort.timeutil import utcnow
from tests.conftest import POLICE, SYSTEM, Population
from tests.e2e.conftest import artifact, record_police_camera
from tests.e2e.test_audit_page import sign_in
from tests.e2e.test_playback import ShiftedClock, state_purpose, x_of

SUMMER = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 +02:00 in Brussels
WINTER = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 +01:00, an hour later
LATER = datetime(2026, 10, 25, 9, 0, tzinfo=UTC)  # when the footage is looked at
HOUR_MS = 3600 * 1000
RECORDED_SECONDS = 8


@pytest.fixture
def clock() -> ShiftedClock:
    shifted = ShiftedClock()
    shifted.offset = SUMMER - utcnow()
    return shifted


def switch(services: Services, camera: str, enabled: bool) -> None:
    """Enable or disable the camera; the recorder follows at once."""
    with services.db.session() as session:
        services.cameras.update(session, SYSTEM, camera, CameraSpec(enabled=enabled))
    services.media.sync_cameras()


def record_for(services: Services, camera: str) -> tuple[int, int]:
    """Record until the segment being written holds RECORDED_SECONDS, then stop recording the
    camera: the segment's span in ms since the epoch."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        writing = services.media.writing_segment(uuid.UUID(camera))
        if writing is not None and writing.end_time - writing.start_time >= timedelta(seconds=RECORDED_SECONDS):
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"the simulated camera did not record {RECORDED_SECONDS} s within 30 s")
    switch(services, camera, enabled=False)
    return int(writing.start_time.timestamp() * 1000), int(writing.end_time.timestamp() * 1000)


@pytest.fixture
def two_half_past_twos(
    services: Services, population: Population, clock: ShiftedClock
) -> Iterator[tuple[str, tuple[int, int], tuple[int, int]]]:
    """The camera, its footage from 02:30 +02:00 and its footage from 02:30 +01:00."""
    camera = record_police_camera(services, segment_seconds=30)
    summer = record_for(services, camera)
    clock.offset = WINTER - utcnow()
    switch(services, camera, enabled=True)
    winter = record_for(services, camera)
    clock.offset = LATER - utcnow()
    assert summer[1] < winter[0] - 50 * 60 * 1000, "the two recordings are an hour apart"
    yield camera, summer, winter


def ticks(page: Page) -> list[dict[str, object]]:
    """The labels the timeline drew: {ms, label, offset} each."""
    return json.loads(page.get_by_test_id("timeline").get_attribute("data-ticks") or "[]")


def wait_for_first_frame(page: Page, span: tuple[int, int]) -> str:
    """Wait until the player shows its first frame from within `span`; the clock's text."""
    page.wait_for_function(
        """([a, b]) => { const c = document.querySelector('[data-testid=clock]');
            const v = document.getElementById('video');
            return c.dataset.first && Number(c.dataset.first) >= a - 1000 && Number(c.dataset.first) < b
              && v.currentTime > 0 && !v.paused }""",
        arg=list(span),
        timeout=15_000,
    )
    return page.get_by_test_id("clock").inner_text()


def test_the_night_the_clocks_go_back_has_two_half_past_twos_and_each_plays_its_own_footage(
    live_server: str, two_half_past_twos: tuple[str, tuple[int, int], tuple[int, int]], page: Page, services: Services
) -> None:
    camera, summer, winter = two_half_past_twos
    page.goto(f"{live_server}/login?next=/cameras/{camera}?day=2026-10-25")
    sign_in(page, "inspector")
    canvas = page.get_by_test_id("timeline")
    expect(canvas).to_have_attribute("data-ticks", re.compile("02:00"))
    start, end = int(canvas.get_attribute("data-start") or 0), int(canvas.get_attribute("data-end") or 0)
    assert end - start == 25 * HOUR_MS, "the local day of 25 October is 25 hours long"
    assert start == int(datetime(2026, 10, 24, 22, tzinfo=UTC).timestamp() * 1000), "it starts at local midnight"
    twos = [(t["label"], t["offset"]) for t in ticks(page) if t["label"] == "02:00"]
    assert twos == [("02:00", "+02:00"), ("02:00", "+01:00")], ticks(page)
    segments = page.get_by_test_id("segments")
    expect(segments).to_contain_text("2026-10-25 02:30:")
    rows = segments.locator("tbody tr")
    expect(rows).to_have_count(2)
    assert "+02:00" in (rows.nth(0).text_content() or "") and "+01:00" in (rows.nth(1).text_content() or "")
    expect(page.locator("details summary")).to_contain_text("25 hours")
    page.screenshot(path=artifact("timeline-25-hour-day.png"))

    # Zoom in around the first half past two (near the left of the day) until both are on the axis.
    page.mouse.move(*x_of(page, summer[0]))
    for _ in range(12):
        page.mouse.wheel(0, -100)
        page.wait_for_timeout(30)
    page.wait_for_function(
        "() => JSON.parse(document.getElementById('timeline').dataset.ticks)"
        ".filter(t => t.label === '02:30').length === 2"
    )
    halves = [t for t in ticks(page) if t["label"] == "02:30"]
    assert [t["offset"] for t in halves] == ["+02:00", "+01:00"]
    assert [t["ms"] for t in halves] == [summer[0] // 60_000 * 60_000, winter[0] // 60_000 * 60_000]
    page.wait_for_timeout(400)  # the timeline asks for its data after a pause in zooming
    page.screenshot(path=artifact("timeline-two-half-past-twos.png"))

    page.mouse.click(*x_of(page, summer[0] + 4000))
    state_purpose(page, "administrative", "Fight reported on the market square")
    shown = wait_for_first_frame(page, summer)
    assert shown.startswith("2026-10-25 02:30:0") and shown.endswith("+02:00"), shown
    page.locator("#play-pause").click()  # paused, it does not go on to the next footage by itself
    page.wait_for_function("() => document.getElementById('video').paused")

    page.mouse.click(*x_of(page, winter[0] + 4000))
    shown = wait_for_first_frame(page, winter)
    assert shown.startswith("2026-10-25 02:30:0") and shown.endswith("+01:00"), shown
    page.screenshot(path=artifact("timeline-second-half-past-two.png"))


def test_the_night_the_clocks_go_forward_is_23_hours_and_its_missing_hour_cannot_be_typed(
    live_server: str, services: Services, population: Population, page: Page
) -> None:
    with services.db.session() as session:
        camera = services.cameras.add(
            session, SYSTEM, CameraSpec(name="Grote Markt", organisation=POLICE, main_url="sim://grote-markt")
        ).id
    page.goto(f"{live_server}/login?next=/cameras/{camera}?day=2026-03-29")
    sign_in(page, "inspector")
    canvas = page.get_by_test_id("timeline")
    expect(canvas).to_have_attribute("data-ticks", re.compile("04:00"))
    start, end = int(canvas.get_attribute("data-start") or 0), int(canvas.get_attribute("data-end") or 0)
    assert end - start == 23 * HOUR_MS, "the local day of 29 March is 23 hours long"
    labels = [t["label"] for t in ticks(page)]
    assert "02:00" not in labels and "04:00" in labels, labels
    expect(page.locator("details summary")).to_contain_text("23 hours")
    page.get_by_role("textbox", name="Go to").fill("2026-03-29 02:30")
    page.get_by_role("button", name="Go", exact=True).click()
    expect(page.get_by_test_id("playback-message")).to_contain_text(
        "2026-03-29 02:30 does not exist in Europe/Brussels: the clocks skip that hour"
    )
    expect(page.locator("#purpose-dialog")).to_be_hidden()
