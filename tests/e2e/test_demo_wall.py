"""`make demo` as an operator sees it: after sign-in the video wall opens on the demo's
four simulated police cameras, all playing live, and within a minute the stolen car that
passes the demo's ANPR camera appears as a hit beside the wall."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import artifact
from tests.e2e.test_audit_page import sign_in
from tests.support.demo import running_demo


def test_the_demo_operator_lands_on_a_playing_wall(tmp_path: Path, page: Page) -> None:
    with running_demo(tmp_path / "demo") as demo:
        page.goto(f"{demo.base_url}/login")
        sign_in(page, "operator", demo.accounts["operator"])
        expect(page).to_have_url(f"{demo.base_url}/wall")
        dialog = page.locator("#purpose-dialog")
        dialog.get_by_label("Justification").fill("Demo: virtual patrol of the centre")
        dialog.get_by_role("button", name="Start watching").click()
        tiles = page.get_by_test_id("tile")
        expect(tiles).to_have_count(4)
        for index in range(4):
            expect(tiles.nth(index)).to_have_attribute("data-state", "online", timeout=20_000)
        page.wait_for_function(
            "() => [...document.querySelectorAll('.tile video')].every(v => v.currentTime > 1)", timeout=20_000
        )
        names = [tiles.nth(i).locator(".tile-name").inner_text() for i in range(4)]
        assert names == ["Grote Markt", "Stationsplein", "Kolonel Dusartplein", "Havermarkt"]
        expect(page.get_by_test_id("camera-tree")).to_contain_text("Politiezone Demo")
        expect(page.locator("#tour-list")).to_contain_text("Stationsomgeving")
        hit = page.get_by_test_id("wall-hits").get_by_test_id("hit")
        expect(hit.first).to_contain_text("1-GZK-731", timeout=60_000)
        expect(hit.first).to_contain_text("Stolen")
        page.screenshot(path=artifact("demo-wall.png"))
