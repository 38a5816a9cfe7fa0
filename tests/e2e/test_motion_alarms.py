"""Motion alarms end to end: a real RTSP camera (GStreamer's RTSP server) that records, with
motion detection on, opens a motion incident in its owner's queue when a box crosses its zone,
through the whole path (RTSP client, ingest, frame tap, detector, incident); and in Chromium,
an administrator draws the zones on the camera's edit page and saves them with the camera."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from belfort.alarms.models import Incident
from belfort.app import Services
from belfort.cameras.models import Camera
from belfort.cameras.service import CameraSpec
from belfort.timeutil import Clock, utcnow
from tests.conftest import POLICE, SYSTEM, Population
from tests.e2e.conftest import artifact
from tests.e2e.test_audit_page import sign_in
from tests.support.cameras import RtspCameraServer
from tests.support.motion import moving_box_clip


@pytest.fixture
def clock() -> Clock:
    return utcnow


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RtspCameraServer]:
    with RtspCameraServer({"door": moving_box_clip(tmp_path, still_seconds=3.0)}) as running:
        yield running


def test_a_box_crossing_a_recording_cameras_zone_opens_a_motion_incident(
    services: Services, population: Population, server: RtspCameraServer
) -> None:
    with services.db.session() as session:
        camera = services.cameras.add(
            session,
            SYSTEM,
            CameraSpec(name="Back door", organisation=POLICE, main_url=server.url("door"), council_consent_ref="GR/1"),
        )
        services.cameras.update(session, SYSTEM, str(camera.id), CameraSpec(enabled=True))
        services.cameras.set_motion(session, SYSTEM, str(camera.id), True, 50, [[0.5, 0.5, 0.5, 0.5]])
        camera_id = camera.id
    services.start_recording()
    try:
        deadline = time.monotonic() + 40
        found: list[Incident] = []
        while not found and time.monotonic() < deadline:
            time.sleep(0.5)
            with services.db.session() as session:
                found = list(session.scalars(select(Incident).where(Incident.camera_id == camera_id)))
        status = services.media.status(camera_id)
    finally:
        services.media.stop()
    assert status["state"] == "online", status
    assert len(found) == 1, "one motion incident for the box, further crossings add to it"
    incident = found[0]
    assert incident.category == "motion" and str(incident.organisation_id) == population.police_id


def test_zones_are_drawn_on_the_edit_page_and_saved_with_the_camera(
    live_server: str, services: Services, population: Population, page: Page
) -> None:
    with services.db.session() as session:
        camera = services.cameras.add(
            session, SYSTEM, CameraSpec(name="Back door", organisation=POLICE, main_url="rtsp://192.0.2.7/1")
        )
        camera_id = camera.id
    page.goto(f"{live_server}/login?next=/cameras/{camera_id}/edit")
    sign_in(page, "admin")
    motion = page.locator("#motion")
    expect(motion.get_by_role("heading", name="Motion alarms")).to_be_visible()
    grid = page.locator("#motion-canvas")
    expect(grid).to_have_attribute("width", re.compile(r"^(?!300$)\d+$"))  # drawn by the script (300: not yet)
    grid.scroll_into_view_if_needed()  # the mouse only reaches what is on the screen
    box = grid.bounding_box()
    assert box is not None and box["width"] / box["height"] == pytest.approx(16 / 9, rel=0.02)

    def drag(x0: float, y0: float, x1: float, y1: float) -> None:
        page.mouse.move(box["x"] + box["width"] * x0, box["y"] + box["height"] * y0)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * (x0 + x1) / 2, box["y"] + box["height"] * (y0 + y1) / 2)
        page.mouse.move(box["x"] + box["width"] * x1, box["y"] + box["height"] * y1)
        page.mouse.up()

    zones = page.get_by_test_id("motion-zones")
    drag(0.6, 0.5, 0.9, 0.9)
    drag(0.1, 0.1, 0.2, 0.3)
    assert len(zones.input_value().splitlines()) == 2
    page.mouse.click(box["x"] + box["width"] * 0.15, box["y"] + box["height"] * 0.2)
    expect(page.locator("#motion-note")).to_have_text("Zone 2 removed.")
    [left, top, width, height] = (float(value) for value in zones.input_value().split())
    assert (left, top, width, height) == pytest.approx((60, 50, 30, 40), abs=1)

    page.get_by_test_id("motion-enabled").check()
    page.get_by_test_id("motion-sensitivity").fill("70")
    expect(page.locator("#motion-sensitivity-value")).to_have_text("70")
    page.screenshot(path=artifact("motion-zones.png"), full_page=True)
    page.get_by_test_id("motion-save").click()
    expect(page.get_by_test_id("motion-on")).to_be_visible()
    with services.db.session() as session:
        saved = session.get_one(Camera, camera_id)
        assert saved.motion_enabled and saved.motion_sensitivity == 70
        [[x, y, w, h]] = json.loads(saved.motion_zones)
        assert (x, y, w, h) == pytest.approx((0.6, 0.5, 0.3, 0.4), abs=0.01)
