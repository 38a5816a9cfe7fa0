"""The map page and its tiles: only the cameras a person may see, positions only for those
who may see them, each camera's state; tiles from the site's folder for signed-in people
only, with coordinates checked so that no path leaves the folder; a tile server named in
the settings is allowed by the Content-Security-Policy."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from belfort.app import Services
from belfort.cameras.service import CameraSpec
from belfort.errors import InvalidInput
from belfort.settings import SettingsError, load_settings
from belfort.web.app import create_app
from belfort.web.routes.map_pages import tile_path
from belfort.web.security import tile_source
from tests.conftest import CITY, POLICE, SHOP, SYSTEM, Population, bearer

PNG = b"\x89PNG\r\n\x1a\n" + b"tile" * 8


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """The cameras come from `CameraService.visible`, tested on both databases: SQLite here."""
    return f"sqlite:///{tmp_path / 'belfort.db'}"


@pytest.fixture
def cameras(services: Services, population: Population) -> dict[str, str]:
    """Three police cameras (one without position, one disabled), one city and one shop camera."""
    specs = [
        ("Grote Markt", POLICE, 50.9307, 5.3378, True),
        ("Stationsplein", POLICE, 50.9311, 5.3263, False),
        ("Zonder Plaats", POLICE, None, None, True),
        ("Stadhuis", CITY, 50.9300, 5.3370, True),
        ("Winkel", SHOP, 50.9290, 5.3390, True),
    ]
    ids = {}
    with services.db.session() as session:
        for name, owner, latitude, longitude, enabled in specs:
            camera = services.cameras.add(
                session,
                SYSTEM,
                CameraSpec(
                    name=name,
                    organisation=owner,
                    main_url="rtsp://192.0.2.10/stream",
                    street=name,
                    area="Centrum",
                    latitude=latitude,
                    longitude=longitude,
                    council_consent_ref="GR/2026/041",
                    enabled=enabled,
                ),
            )
            ids[name] = str(camera.id)
    return ids


def map_data(html: str) -> list[dict[str, Any]]:
    match = re.search(r'<script type="application/json" id="map-cameras">(.*?)</script>', html, re.S)
    assert match, "the page carries no #map-cameras data block"
    data: list[dict[str, Any]] = json.loads(match.group(1))
    return data


def listed(html: str) -> set[str]:
    return set(re.findall(r'<li data-camera="([^"]+)">', html))


def test_an_operator_sees_the_cameras_of_their_organisation_with_state(
    client: TestClient, cameras: dict[str, str]
) -> None:
    response = client.get("/map", headers=bearer(client, "operator"))
    assert response.status_code == 200
    markers = {marker["name"]: marker for marker in map_data(response.text)}
    assert set(markers) == {"Grote Markt", "Stationsplein"}
    assert markers["Grote Markt"]["status"] == "offline"  # enabled, but its recorder is not running
    assert markers["Stationsplein"]["status"] == "disabled"
    assert markers["Grote Markt"]["owner"] == POLICE and markers["Grote Markt"]["kind"] == "fixed camera"
    assert (markers["Grote Markt"]["lat"], markers["Grote Markt"]["lon"]) == (50.9307, 5.3378)
    assert markers["Grote Markt"]["title"] == f"Grote Markt: offline, fixed camera, {POLICE}"
    # Every visible camera is listed with a link, the one without position too; others' are not.
    own = {cameras["Grote Markt"], cameras["Stationsplein"], cameras["Zonder Plaats"]}
    assert listed(response.text) == own
    assert f'href="/cameras/{cameras["Zonder Plaats"]}"' in response.text
    assert "Stadhuis" not in response.text and cameras["Stadhuis"] not in response.text
    assert "Winkel" not in response.text
    assert 'data-link="wall"' in response.text  # operators may put a camera on the wall
    assert '<a href="/map"' in response.text  # the menu


def test_a_camera_of_another_organisation_is_not_on_the_map(client: TestClient, cameras: dict[str, str]) -> None:
    response = client.get("/map", headers=bearer(client, "supervisor"))
    names = {marker["name"] for marker in map_data(response.text)}
    assert "Stadhuis" not in names and "Winkel" not in names
    assert cameras["Stadhuis"] not in response.text and cameras["Winkel"] not in response.text


def test_exact_positions_only_for_those_who_may_see_them(client: TestClient, cameras: dict[str, str]) -> None:
    # The DPO sees their organisation's cameras, but not where exactly each stands: listed, not on the map.
    dpo = client.get("/map", headers=bearer(client, "dpo"))
    assert dpo.status_code == 200 and map_data(dpo.text) == []
    police = {name: camera for name, camera in cameras.items() if name not in ("Stadhuis", "Winkel")}
    assert listed(dpo.text) == set(police.values())
    assert "50.93" not in dpo.text and "5.33" not in dpo.text
    assert "Not on the map" in dpo.text
    assert 'data-link="wall"' not in dpo.text  # the DPO does not use the wall
    # A partner sees its own camera, by street and area only.
    partner = client.get("/map", headers=bearer(client, "partner"))
    assert map_data(partner.text) == [] and listed(partner.text) == {cameras["Winkel"]}


@pytest.mark.usefixtures("population")
def test_the_map_and_its_tiles_need_sign_in(client: TestClient, services: Services) -> None:
    folder = services.settings.tile_dir / "0" / "0"
    folder.mkdir(parents=True)
    (folder / "0.png").write_bytes(PNG)
    for path in ("/map", "/map/tiles/0/0/0.png"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 401, path
        assert "/login?next=" in response.text
        assert PNG not in response.content


@pytest.mark.usefixtures("population")
def test_a_tile_is_served_from_the_tile_folder(client: TestClient, services: Services) -> None:
    folder = services.settings.tile_dir / "2" / "3"
    folder.mkdir(parents=True)
    (folder / "1.png").write_bytes(PNG)
    headers = bearer(client, "inspector")
    response = client.get("/map/tiles/2/3/1.png", headers=headers)
    assert response.status_code == 200 and response.content == PNG
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == "private, max-age=86400"
    missing = client.get("/map/tiles/2/3/2.png", headers=headers)
    assert missing.status_code == 404
    assert "No map tile 2/3/2 in the tile folder" in missing.text


@pytest.mark.usefixtures("population")
@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/map/tiles/a/0/0.png", "z"),
        ("/map/tiles/-1/0/0.png", "z"),
        ("/map/tiles/20/0/0.png", "z"),  # above map.max_zoom (19)
        ("/map/tiles/1/2/0.png", "x"),  # zoom 1 has columns 0 and 1
        ("/map/tiles/1/0/2.png", "y"),
        ("/map/tiles/1/0/1e1.png", "y"),
        ("/map/tiles/0/0/99999999999999999999.png", "y"),
        ("/map/tiles/0/%2E%2E/0.png", "x"),
    ],
)
def test_bad_coordinates_are_refused_naming_the_coordinate(client: TestClient, path: str, field: str) -> None:
    response = client.get(path, headers=bearer(client, "operator"))
    assert response.status_code == 422, (path, response.status_code)
    assert f"Tile {field} must be a whole number" in response.text


@pytest.mark.usefixtures("population")
@pytest.mark.parametrize(
    "path",
    [
        "/map/tiles/../../keys/grant-secret",
        "/map/tiles/0/0/..%2F..%2F..%2Fkeys%2Fgrant-secret.png",
        "/map/tiles/0/0/%2E%2E%2F%2E%2E%2F%2E%2E%2Fsecret.png",
        "/map/tiles/0/..%2F..%2F/0.png",
    ],
)
def test_a_tile_path_cannot_leave_the_tile_folder(client: TestClient, services: Services, path: str) -> None:
    services.settings.tile_dir.mkdir(parents=True)
    (services.settings.data_dir / "secret.png").write_bytes(b"not for the map")
    response = client.get(path, headers=bearer(client, "operator"))
    assert 400 <= response.status_code < 500, (path, response.status_code)
    assert b"not for the map" not in response.content


def test_a_link_out_of_the_tile_folder_is_not_followed(tmp_path: Path) -> None:
    folder = tmp_path / "tiles"
    (folder / "0" / "0").mkdir(parents=True)
    (tmp_path / "outside.png").write_bytes(PNG)
    (folder / "0" / "0" / "0.png").symlink_to(tmp_path / "outside.png")
    with pytest.raises(Exception, match="No map tile 0/0/0"):
        tile_path(folder, "0", "0", "0", 19)
    for z, x, y in [("..", "0", "0"), ("0", "../..", "0"), ("0", "0", "../../outside"), ("0", "0", " 0")]:
        with pytest.raises(InvalidInput):
            tile_path(folder, z, x, y, 19)


@pytest.mark.usefixtures("population")
def test_a_tile_server_is_used_and_allowed_by_the_content_security_policy(services: Services) -> None:
    services.settings.map.tile_url = "https://{s}.tiles.example.org/osm/{z}/{x}/{y}.png"
    services.settings.map.attribution = "© OpenStreetMap <contributors>"
    with TestClient(create_app(services)) as client:
        response = client.get("/map", headers=bearer(client, "operator"))
    policy = response.headers["content-security-policy"]
    assert "img-src 'self' data: blob: https://*.tiles.example.org;" in policy
    assert "script-src 'self';" in policy  # nothing else is loosened
    assert 'data-tile-url="https://{s}.tiles.example.org/osm/{z}/{x}/{y}.png"' in response.text
    assert "© OpenStreetMap &lt;contributors&gt;" in response.text


@pytest.mark.usefixtures("population")
def test_without_a_tile_server_the_map_uses_belforts_tiles(client: TestClient) -> None:
    response = client.get("/map", headers=bearer(client, "operator"))
    assert 'data-tile-url="/map/tiles/{z}/{x}/{y}.png"' in response.text
    assert "img-src 'self' data: blob:;" in response.headers["content-security-policy"]
    for asset in ("/static/vendor/leaflet/leaflet.js", "/static/vendor/leaflet/leaflet.css", "/static/map.js"):
        assert client.get(asset).status_code == 200, asset


def test_a_tile_server_is_named_in_the_policy_by_its_origin() -> None:
    assert tile_source("https://{s}.tile.example.org/{z}/{x}/{y}.png") == "https://*.tile.example.org"
    assert tile_source("http://tiles.local:8081/osm/{z}/{x}/{y}.png?key=k") == "http://tiles.local:8081"


@pytest.mark.parametrize(
    "url",
    [
        "https://tiles.example.org;script-src */{z}/{x}/{y}.png",
        "https://tiles example.org/{z}/{x}/{y}.png",
        "https://a.{s}.example.org/{z}/{x}/{y}.png",
        "ftp://tiles.example.org/{z}/{x}/{y}.png",
        "https://tiles.example.org/{z}/{x}.png",
    ],
)
def test_a_tile_url_the_policy_cannot_name_is_refused_at_start(tmp_path: Path, url: str) -> None:
    with pytest.raises(SettingsError, match=r"map\.tile_url"):
        load_settings(data_dir=tmp_path, environ={"BELFORT_MAP__TILE_URL": url})


def test_an_empty_tile_dir_means_the_data_folders_tiles(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, environ={"BELFORT_MAP__TILE_DIR": ""})
    assert settings.tile_dir == tmp_path / "tiles"
