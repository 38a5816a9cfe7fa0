"""The map in Chromium: the cameras a supervisor may see stand on tiles Belfort serves from
its own tile folder (generated here with Pillow, zoom 0 to 2), a camera of another
organisation does not; a marker is a named button that opens its popup by click or by
keyboard (and the list beside the map opens it too), and the popup leads to the camera's
page and to the wall. Nothing is fetched from
anywhere but Belfort, and the browser refuses nothing under the site's policy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import ConsoleMessage, Page, expect

from belfort.app import Services
from belfort.cameras.service import CameraSpec
from tests.conftest import CITY, POLICE, SYSTEM, Population
from tests.e2e.conftest import artifact
from tests.e2e.test_audit_page import sign_in

TILE_ZOOMS = range(3)
CAMERAS = [
    ("Grote Markt", POLICE, 50.9307, 5.3378),
    ("Stationsplein", POLICE, 50.9311, 5.3263),
    ("Stadhuis", CITY, 50.9300, 5.3370),
]


def write_tiles(folder: Path) -> int:
    """A plain coloured 256 px PNG for every tile of zoom 0 to 2; how many were written."""
    written = 0
    for z in TILE_ZOOMS:
        for x in range(2**z):
            for y in range(2**z):
                column = folder / str(z) / str(x)
                column.mkdir(parents=True, exist_ok=True, mode=0o700)
                Image.new("RGB", (256, 256), (40 + 60 * z, 80 + 40 * x, 120 + 30 * y)).save(column / f"{y}.png")
                written += 1
    return written


@pytest.fixture
def cameras(services: Services, population: Population) -> dict[str, str]:
    services.settings.map.max_zoom = max(TILE_ZOOMS)
    services.settings.map.zoom = 1
    services.settings.map.attribution = "Test tiles"
    write_tiles(services.settings.tile_dir)
    ids = {}
    with services.db.session() as session:
        for name, owner, latitude, longitude in CAMERAS:
            camera = services.cameras.add(
                session,
                SYSTEM,
                CameraSpec(
                    name=name,
                    organisation=owner,
                    main_url="rtsp://192.0.2.10/stream",
                    street=name,
                    latitude=latitude,
                    longitude=longitude,
                    council_consent_ref="GR/2026/041",
                ),
            )
            ids[name] = str(camera.id)
    return ids


def test_the_map_shows_the_cameras_on_belforts_tiles_and_leads_to_a_camera(
    live_server: str, cameras: dict[str, str], page: Page
) -> None:
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    def note(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    page.on("console", note)
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.goto(f"{live_server}/login?next=/map")
    sign_in(page, "supervisor")
    expect(page).to_have_url(f"{live_server}/map")
    expect(page.get_by_test_id("map")).to_have_attribute("data-ready", "true")

    markers = page.locator(".map-marker")
    expect(markers).to_have_count(2)
    grote_markt = page.get_by_role("button", name=re.compile(r"^Grote Markt: disabled, fixed camera, PZ Test$"))
    expect(grote_markt).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Stadhuis"))).to_have_count(0)
    expect(page.get_by_test_id("map")).to_contain_text("Test tiles")

    # The tiles came from Belfort's tile folder, as real pictures.
    tiles = page.locator("img.leaflet-tile-loaded")
    expect(tiles.first).to_be_visible()
    loaded = page.evaluate(
        "() => [...document.querySelectorAll('img.leaflet-tile-loaded')].map((img) => [img.src, img.naturalWidth])"
    )
    assert loaded and all(
        re.fullmatch(rf"{re.escape(live_server)}/map/tiles/[0-2]/\d/\d\.png", src) and width == 256
        for src, width in loaded
    ), loaded

    # By keyboard: Enter opens the popup and takes the focus into it; Escape gives it back.
    grote_markt.focus()
    page.keyboard.press("Enter")
    popup = page.get_by_role("dialog", name="Grote Markt")
    expect(popup.get_by_role("link", name="Open camera page")).to_be_focused()
    expect(popup.get_by_role("link", name="Put on the wall")).to_have_attribute(
        "href", f"/wall?camera={cameras['Grote Markt']}"
    )
    page.keyboard.press("Escape")
    expect(popup).to_have_count(0)
    expect(grote_markt).to_be_focused()

    # The list beside the map shows a camera on it.
    page.locator(f'li[data-camera="{cameras["Grote Markt"]}"]').get_by_role("button", name="Show on the map").click()
    expect(popup).to_contain_text("Grote Markt")

    # By mouse: a click opens the popup, whose link opens the camera's page.
    page.get_by_role("button", name=re.compile("^Stationsplein")).click()
    popup = page.get_by_role("dialog", name="Stationsplein")
    expect(popup).to_contain_text("fixed camera")
    expect(popup).to_have_css("opacity", "1")
    page.screenshot(path=artifact("map.png"))
    assert problems == []
    assert [url for url in requests if not url.startswith(live_server)] == []
    popup.get_by_role("link", name="Open camera page").click()
    expect(page).to_have_url(f"{live_server}/cameras/{cameras['Stationsplein']}")
