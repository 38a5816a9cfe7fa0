"""The DPO in Chromium: opens the register of processing activities, sees a camera-law
camera without declaration reminded, writes a part, and downloads the register as a PDF
that pdftoppm renders (its first page is saved to test-artifacts/)."""

from __future__ import annotations

import subprocess

from playwright.sync_api import Page, expect

from belfort.app import Services
from belfort.cameras.service import CameraSpec
from tests.conftest import CITY, PASSWORD, SYSTEM
from tests.e2e.conftest import artifact


def test_the_dpo_reads_edits_and_downloads_the_register(services: Services, live_server: str, page: Page) -> None:
    with services.db.session() as session:
        services.accounts.add_user(
            session, SYSTEM, username="city-dpo", role="dpo", organisation=CITY, password=PASSWORD
        )
        services.cameras.add(
            session,
            SYSTEM,
            CameraSpec(name="Stadhuis", organisation=CITY, main_url="rtsp://192.0.2.4/1", street="Markt"),
        )
    page.goto(f"{live_server}/login")
    page.get_by_label("User name").fill("city-dpo")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("dpo-reminders")).to_contain_text("Stadhuis")
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Governance").click()
    page.get_by_test_id("governance-links").get_by_role("link", name="Processing register").click()
    expect(page.get_by_test_id("ropa-reminders")).to_contain_text("no declaration recorded")
    expect(page.get_by_test_id("ropa-cameras")).to_contain_text("camera_law")
    page.get_by_text("Edit: Transfers outside the European Union").click()
    form = page.get_by_test_id("ropa-edit-transfers")
    form.locator("textarea").fill("None: the footage stays on the city's servers.")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("ropa-notice")).to_be_visible()
    expect(page.get_by_test_id("ropa-history")).to_contain_text("the footage stays on the city's servers")
    with page.expect_download() as download:
        page.get_by_test_id("ropa-pdf").click()
    saved = artifact("processing-register.pdf")
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(saved), str(artifact("processing-register"))],
        check=True,
    )
    assert list(saved.parent.glob("processing-register*.png"))
