"""Drone missions in Chromium: an inspector logs a flight on the drones page; without the
subsidiarity reason it is refused with the sentence shown on the form (and the refusal is
recorded); with it, and the pilot's real MP4 attached, the flight is logged and its page
shows the footage it produced. (A playback older than 30 days under a registered
investigating judge's order is shown in tests/e2e/test_playback.py.)"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from belfort.app import Services
from belfort.audit import AuditFilter
from belfort.cameras.service import CameraSpec
from tests.conftest import POLICE, SYSTEM
from tests.e2e.conftest import artifact
from tests.e2e.test_audit_page import sign_in
from tests.support.judicial import drone_video

PROPORTIONALITY = "Only the park was filmed, for twenty minutes, from sixty metres, at night when it is empty."
SUBSIDIARITY = "No fixed camera covers the pond or the woods, and a search on foot would take hours in the dark."


def test_a_drone_mission_without_justification_is_refused_and_with_it_is_logged(
    live_server: str, page: Page, services: Services, tmp_path: Path
) -> None:
    with services.db.session() as session:
        services.cameras.add(session, SYSTEM, CameraSpec(name="Drone PZ 1", organisation=POLICE, kind="drone"))
    take_off = (services.clock() - timedelta(hours=2)).astimezone(services.settings.zone)
    page.goto(f"{live_server}/login?next=/drones")
    sign_in(page, "inspector")
    form = page.get_by_test_id("drone-form")
    form.get_by_label("Requesting officer").fill("Commissaris A. Claes")
    form.get_by_label("Responsible officer").fill("Inspecteur B. Wouters")
    form.get_by_label("Area flown over").fill("Stadspark")
    form.get_by_label("Take-off").fill(f"{take_off:%Y-%m-%d %H:%M}")
    form.get_by_label("Landing").fill(f"{take_off + timedelta(minutes=20):%Y-%m-%d %H:%M}")
    form.get_by_label("Purpose", exact=True).fill("Search for a missing child in the city park")
    form.get_by_label("Proportionality: why was flying proportionate to the purpose?").fill(PROPORTIONALITY)
    form.get_by_role("button", name="Log the mission").click()

    error = page.get_by_test_id("drone-error")
    expect(error).to_contain_text("Subsidiarity is missing: a drone mission is refused without it.")
    page.screenshot(path=artifact("drone-mission-refused.png"))
    form = page.get_by_test_id("drone-form")
    expect(form.get_by_label("Area flown over")).to_have_value("Stadspark")
    form.get_by_label("Subsidiarity: why would less intrusive means not have done?").fill(SUBSIDIARITY)
    form.get_by_label("Video file (MP4 or MKV)").set_input_files(drone_video(tmp_path))
    form.get_by_role("button", name="Log the mission").click()

    expect(page.get_by_test_id("drone-notice")).to_contain_text("Drone mission over Stadspark logged, with 1 recording")
    page.get_by_test_id("drone-missions").get_by_role("link").first.click()
    expect(page.get_by_test_id("drone-recordings")).to_contain_text("4 seconds of footage")
    page.screenshot(path=artifact("drone-mission-logged.png"))
    with services.db.session() as session:
        records = services.audit.query(session, AuditFilter(action="drone.log"))
    assert [(r.outcome, r.actor_name) for r in reversed(records)] == [
        ("refused", "inspector"),
        ("granted", "inspector"),
    ]
