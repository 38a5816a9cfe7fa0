"""Designations and the supervisor dashboard in Chromium, with a real RTSP camera: in a zone
that designates its viewers, an undesignated operator opening a camera on the wall is
refused with the reason; a designated one watches it; and the team chief's dashboard shows
that stream, with its purpose, flagged as watched outside the viewer's shift."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from belfort.app import Services
from belfort.auth.service import find_organisation
from belfort.cameras.service import CameraSpec
from belfort.policy import OrganisationKind
from belfort.staffing.designations import DesignationSpec
from belfort.staffing.shifts import ShiftSpec
from belfort.timeutil import Clock, utcnow
from tests.conftest import PASSWORD, POLICE, SYSTEM, Population
from tests.e2e.conftest import artifact
from tests.e2e.test_audit_page import sign_in
from tests.support.cameras import RtspCameraServer, cached_clip

JUSTIFICATION = "Night patrol around the market square"


@pytest.fixture
def clock() -> Clock:
    """Ingest anchors frames to the wall clock: this test needs the real one."""
    return utcnow


@pytest.fixture
def zone(services: Services, population: Population) -> Iterator[str]:
    """The zone requires designations; `designated` is, `operator` is not; only the team chief
    has a shift now. One real RTSP camera, Grote Markt."""
    clip = cached_clip(width=640, height=360, fps=20, seconds=6, bitrate=1_000_000, gop_seconds=1)
    with RtspCameraServer({"cam": clip}) as server, services.db.session() as session:
        org = find_organisation(session, POLICE)
        chief = dataclasses.replace(
            SYSTEM, organisation_id=org.id, organisation_name=org.name, organisation_kind=OrganisationKind.POLICE_ZONE
        )
        services.accounts.add_user(
            session, SYSTEM, username="designated", role="operator", organisation=POLICE, password=PASSWORD
        )
        services.designations.set_required(session, chief, True)
        today = services.designations.today()
        services.designations.add(
            session, chief, DesignationSpec("designated", today - timedelta(days=7), today + timedelta(days=365))
        )
        now = services.clock()
        services.shifts.add(
            session, chief, ShiftSpec("supervisor", now - timedelta(hours=1), now + timedelta(hours=7), True)
        )
        camera = services.cameras.add(
            session,
            SYSTEM,
            CameraSpec(
                name="Grote Markt",
                organisation=POLICE,
                main_url=server.url("cam"),
                council_consent_ref="GR/2026/041",
                enabled=True,
            ),
        )
        session.commit()
        services.settings.recording.sweep_interval_seconds = 3600
        services.start_recording()
        yield str(camera.id)


def open_camera(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login")
    sign_in(page, username)
    expect(page).to_have_url(f"{base_url}/wall")
    dialog = page.locator("#purpose-dialog")
    dialog.get_by_label("Justification").fill(JUSTIFICATION)
    dialog.get_by_role("button", name="Start watching").click()
    expect(page.locator("#wall-page")).to_have_attribute("data-ready", "true")
    page.get_by_test_id("camera-tree").get_by_role("button", name="Grote Markt").click()


def test_only_the_designated_watch_and_the_dashboard_flags_a_viewing_outside_the_shift(
    live_server: str, zone: str, page: Page, browser: Browser
) -> None:
    open_camera(page, live_server, "operator")
    tile = page.get_by_test_id("tile").first
    expect(tile).to_have_attribute("data-state", "refused")
    expect(tile.locator(".tile-purpose")).to_contain_text(
        "You are not designated to watch live: ask your chief of police"
    )
    page.screenshot(path=artifact("designation-refused.png"))

    watcher = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    chief = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    try:
        open_camera(watcher, live_server, "designated")
        watching = watcher.get_by_test_id("tile").first
        expect(watching).to_have_attribute("data-state", "online", timeout=15_000)
        watcher.wait_for_function("() => document.querySelector('.tile video').currentTime > 0.5", timeout=15_000)

        chief.goto(f"{live_server}/login")
        sign_in(chief, "supervisor")
        chief.get_by_role("navigation", name="Pages").get_by_role("link", name="Governance").click()
        chief.get_by_test_id("governance-links").get_by_role("link", name="Control room").click()
        expect(chief).to_have_url(f"{live_server}/staffing/supervision")
        expect(chief.get_by_test_id("team-chief-on-duty")).to_contain_text("supervisor")
        row = chief.get_by_test_id("watching-now").locator("tr[data-person='designated']")
        expect(row).to_contain_text("Grote Markt")
        expect(row).to_contain_text(JUSTIFICATION)
        expect(row).to_contain_text("Outside their shift")
        expect(chief.get_by_test_id("anomalies")).to_contain_text(
            "designated is watching Grote Markt live now, outside their shift."
        )
        chief.screenshot(path=artifact("supervisor-dashboard.png"), full_page=True)
    finally:
        watcher.context.close()
        chief.context.close()
