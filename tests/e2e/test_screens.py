"""The wall and the camera page on the screens of a control room, in Chromium: on a
1366x768 laptop every control is inside the window (nothing needs scrolling the page), on
a 3840x2160 wall screen the 4x4, 5x5 and 6x6 layouts fill it, and everything is usable from
the keyboard: buttons are buttons, the focus is visible, dialogs have names."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from playwright.sync_api import Page, expect

from belfort.app import Services
from belfort.timeutil import iso_utc
from tests.e2e import test_playback
from tests.e2e.conftest import artifact
from tests.e2e.screens import controls_out_of_view, outline_of_focus, unlabelled_dialogs
from tests.e2e.test_audit_page import sign_in
from tests.e2e.test_playback import footage, wait_until_playing
from tests.e2e.test_wall import JUSTIFICATION

# A police camera recording the first demo clip, under the real clock.
clock = test_playback.clock
recording = test_playback.recording

LAPTOP = {"width": 1366, "height": 768}
WALL_SCREEN = {"width": 3840, "height": 2160}


def open_wall(page: Page, base_url: str) -> None:
    """Sign in as the operator and state the shift's purpose from the keyboard."""
    page.goto(f"{base_url}/login")
    sign_in(page, "operator")
    dialog = page.get_by_role("dialog", name="Why do you watch live this shift?")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Justification").focus()
    page.keyboard.type(JUSTIFICATION)
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.locator("#wall-page")).to_have_attribute("data-ready", "true")


def test_on_a_1366x768_screen_every_control_of_the_wall_is_in_view(
    live_server: str, recording: str, page: Page
) -> None:
    page.set_viewport_size(LAPTOP)
    open_wall(page, live_server)
    page.get_by_test_id("camera-tree").get_by_role("button", name="Grote Markt").click()
    expect(page.get_by_test_id("tile").first).to_have_attribute("data-state", "online", timeout=15_000)
    assert controls_out_of_view(page) == []
    page.keyboard.press("p")
    expect(page.get_by_test_id("wall-playback")).to_be_visible()
    page.screenshot(path=artifact("wall-1366x768-playback.png"))
    assert controls_out_of_view(page) == [], "with the playback bar open"
    page.keyboard.press("l")
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard")).to_be_visible()
    assert controls_out_of_view(page) == [], "with the keyboard help open"
    assert unlabelled_dialogs(page) == []


def test_on_a_4k_wall_the_large_layouts_fill_the_screen(live_server: str, recording: str, page: Page) -> None:
    page.set_viewport_size(WALL_SCREEN)
    open_wall(page, live_server)
    page.get_by_test_id("camera-tree").get_by_role("button", name="Grote Markt").click()
    tiles = page.get_by_test_id("tile")
    wall = page.get_by_test_id("wall").bounding_box()
    assert wall is not None
    for key, layout, side in (("4", "4x4", 4), ("6", "5x5", 5), ("7", "6x6", 6)):
        page.keyboard.press(key)
        expect(tiles).to_have_count(side * side)
        expect(page.get_by_role("button", name=layout, exact=True)).to_have_attribute("aria-pressed", "true")
        expect(tiles.first).to_have_attribute("data-state", "online", timeout=15_000)
        boxes = [tiles.nth(i).bounding_box() for i in range(side * side)]
        assert all(b is not None for b in boxes)
        for box in boxes:
            assert box is not None
            assert box["x"] >= wall["x"] - 1 and box["x"] + box["width"] <= wall["x"] + wall["width"] + 1
            assert box["y"] >= wall["y"] - 1 and box["y"] + box["height"] <= wall["y"] + wall["height"] + 1
            # Each tile takes its share of the wall: no tile squeezed by another.
            assert abs(box["width"] - wall["width"] / side) < 8 and abs(box["height"] - wall["height"] / side) < 8
        assert controls_out_of_view(page) == [], layout
        page.screenshot(path=artifact(f"wall-3840x2160-{layout}.png"))


def test_on_a_1366x768_screen_every_control_of_the_camera_page_is_in_view_and_works_from_the_keyboard(
    live_server: str, recording: str, page: Page, services: Services
) -> None:
    page.set_viewport_size(LAPTOP)
    first, _ = footage(services, recording)
    at = first + 3000
    moment = iso_utc(datetime.fromtimestamp(at / 1000, UTC))
    page.goto(f"{live_server}/login?next=/cameras/{recording}?at={moment}")
    sign_in(page, "supervisor")  # who also has Back to live, Hold and Export
    canvas = page.get_by_test_id("timeline")
    expect(canvas).to_have_attribute("data-ticks", re.compile(r"label"))
    assert controls_out_of_view(page) == []
    assert unlabelled_dialogs(page) == []

    # From the keyboard: the timeline after "Now", Enter plays from the middle of the view.
    page.locator("#to-latest").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "timeline"
    assert outline_of_focus(page).startswith("solid"), "the focused timeline shows it"
    expect(page.locator("#timeline-keys")).to_be_visible()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Why do you need this footage?")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Justification").focus()
    page.keyboard.type("Fight reported on the market square")
    page.keyboard.press("Enter")
    wait_until_playing(page)
    assert abs(int(page.get_by_test_id("clock").get_attribute("data-requested") or 0) - at) < 2000
    assert page.evaluate("document.activeElement.id") == "timeline", "the focus comes back to the timeline"

    # [ and ] mark a range at the playhead; the selection's buttons are reached with Tab.
    page.keyboard.press("[")
    page.wait_for_timeout(1500)
    page.keyboard.press("]")
    expect(page.get_by_test_id("selection")).to_contain_text("Selected")
    page.screenshot(path=artifact("camera-1366x768-keyboard-selection.png"))
    assert controls_out_of_view(page) == [], "with a selection and the player running"
    for _ in range(8):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "export-selection":
            break
    assert page.evaluate("document.activeElement.id") == "export-selection"
    assert outline_of_focus(page).startswith("solid")
    page.keyboard.press("Enter")
    export = page.get_by_role("dialog", name="Export this range as evidence")
    expect(export).to_be_visible()
    expect(export.get_by_label("Case number")).to_be_focused()
    page.keyboard.press("Escape")
    expect(export).to_be_hidden()

    # Space on a focused button presses it, and only it: the player does not pause as well.
    page.locator("#frame-forward").focus()
    page.keyboard.press("Space")
    page.wait_for_function("() => document.getElementById('video').paused")
    page.locator("#play-pause").focus()
    page.keyboard.press("Space")
    page.wait_for_function("() => !document.getElementById('video').paused")


def test_the_wall_works_from_the_keyboard(live_server: str, recording: str, page: Page) -> None:
    open_wall(page, live_server)
    tiles = page.get_by_test_id("tile")
    layout = page.get_by_role("button", name="3x3", exact=True)
    layout.focus()
    page.keyboard.press("Enter")
    expect(tiles).to_have_count(9)
    expect(page.get_by_test_id("wall")).not_to_have_class(re.compile(r"\bmaximized\b"))
    expect(layout).to_have_attribute("aria-pressed", "true")

    # The selected tile is the wall's one tab stop; arrows move it, and the focus with it.
    tiles.nth(0).focus()
    assert outline_of_focus(page) != "none 0px"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    expect(tiles.nth(4)).to_be_focused()
    expect(tiles.nth(4)).to_have_class(re.compile(r"\bselected\b"))
    assert [tiles.nth(i).get_attribute("tabindex") for i in range(9)].count("0") == 1
    expect(tiles.nth(4)).to_have_attribute("aria-label", "Tile 5: empty")

    # A camera from the tree by keyboard: / searches, Enter puts the first match on the tile.
    page.keyboard.press("/")
    page.keyboard.type("grote")
    page.keyboard.press("Enter")
    expect(tiles.nth(4).locator(".tile-name")).to_have_text("Grote Markt")
    expect(tiles.nth(4)).to_have_attribute("data-state", "online", timeout=15_000)
    expect(tiles.nth(4)).to_have_attribute("aria-label", "Tile 5: Grote Markt, LIVE")
    page.keyboard.press("Escape")
    tiles.nth(4).focus()
    page.keyboard.press("Enter")
    expect(tiles.nth(4)).to_have_class(re.compile(r"\bmaximized\b"))
    page.keyboard.press("Escape")
    expect(tiles.nth(0)).to_be_visible()

    # Tab reaches the tile's own button; the focus is visible on the toolbar's buttons too.
    page.locator("#help-button").focus()
    assert outline_of_focus(page).startswith("solid")
    page.keyboard.press("Enter")
    help_dialog = page.get_by_role("dialog", name="Keyboard")
    expect(help_dialog).to_be_visible()
    expect(help_dialog).to_contain_text("layout 1, 2x2, 3x3, 4x4, 1+5, 5x5, 6x6")
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()
    assert unlabelled_dialogs(page) == []
