"""The video wall API, signed in for real: layouts are one person's, tours one control
room's, bad input is answered with what to fix, and roles that do not watch live are refused."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from belfort.app import Services
from belfort.cameras.service import CameraSpec
from tests.conftest import POLICE, SHOP, SYSTEM, Population, bearer


@pytest.fixture
def cameras(services: Services, population: Population) -> dict[str, str]:
    ids = {}
    with services.db.session() as session:
        for name, organisation in (("Markt", POLICE), ("Station", POLICE), ("Shop door", SHOP)):
            spec = CameraSpec(name=name, organisation=organisation, main_url="sim://x")
            ids[name] = str(services.cameras.add(session, SYSTEM, spec).id)
    return ids


def put_layout(client: TestClient, headers: dict[str, str], name: str, **body: object) -> tuple[int, dict]:
    response = client.put(f"/api/wall/layouts/{name}", json=body, headers=headers)
    return response.status_code, response.json()


def put_tour(client: TestClient, headers: dict[str, str], name: str, **body: object) -> tuple[int, dict]:
    response = client.put(f"/api/wall/tours/{name}", json=body, headers=headers)
    return response.status_code, response.json()


def test_layout_round_trip(client: TestClient, cameras: dict[str, str]) -> None:
    operator = bearer(client, "operator")
    tiles = [cameras["Markt"], None, cameras["Station"], None, None, None]
    status, saved = put_layout(client, operator, "Night shift", layout="1+5", tiles=tiles, is_default=True)
    assert status == 200, saved
    assert saved["name"] == "Night shift" and saved["tiles"] == tiles and saved["is_default"] is True
    assert saved["updated_at"].startswith("2026-11-21T12:00:00")
    assert client.get("/api/wall/layouts", headers=operator).json() == [saved]
    status, replaced = put_layout(client, operator, "Night shift", layout="1", tiles=[cameras["Station"]])
    assert status == 200 and replaced["is_default"] is False and replaced["tiles"] == [cameras["Station"]]
    deleted = client.delete("/api/wall/layouts/Night shift", headers=operator)
    assert deleted.status_code == 204 and deleted.content == b""
    assert client.get("/api/wall/layouts", headers=operator).json() == []
    again = client.delete("/api/wall/layouts/Night shift", headers=operator)
    assert again.status_code == 404 and "no layout 'Night shift'" in again.json()["detail"]


def test_a_large_screen_keeps_5x5_and_6x6_walls(client: TestClient, cameras: dict[str, str]) -> None:
    operator = bearer(client, "operator")
    for layout, count in (("5x5", 25), ("6x6", 36)):
        tiles = [cameras["Markt"], *[None] * (count - 2), cameras["Station"]]
        status, saved = put_layout(client, operator, f"Wall {layout}", layout=layout, tiles=tiles)
        assert status == 200, saved
        assert saved["layout"] == layout and saved["tiles"] == tiles
    assert [x["layout"] for x in client.get("/api/wall/layouts", headers=operator).json()] == ["5x5", "6x6"]


def test_a_layout_is_invisible_to_another_person(client: TestClient, cameras: dict[str, str]) -> None:
    operator, supervisor = bearer(client, "operator"), bearer(client, "supervisor")
    status, _ = put_layout(client, operator, "Mine", layout="1", tiles=[cameras["Markt"]], is_default=True)
    assert status == 200
    assert client.get("/api/wall/layouts", headers=supervisor).json() == []
    assert client.delete("/api/wall/layouts/Mine", headers=supervisor).status_code == 404
    assert [x["name"] for x in client.get("/api/wall/layouts", headers=operator).json()] == ["Mine"]


def test_tours_are_shared_in_one_organisation_only(client: TestClient, cameras: dict[str, str]) -> None:
    operator, supervisor, partner = (bearer(client, name) for name in ("operator", "supervisor", "partner"))
    status, tour = put_tour(
        client, operator, "Centre", cameras=[cameras["Markt"], cameras["Station"]], dwell_seconds=20
    )
    assert status == 200, tour
    assert tour == {
        "name": "Centre",
        "cameras": [cameras["Markt"], cameras["Station"]],
        "dwell_seconds": 20,
        "created_by": "operator",
        "updated_at": tour["updated_at"],
    }
    assert client.get("/api/wall/tours", headers=supervisor).json() == [tour]
    assert client.get("/api/wall/tours", headers=partner).json() == []
    assert client.delete("/api/wall/tours/Centre", headers=partner).status_code == 404
    status, _ = put_tour(client, partner, "Centre", cameras=[cameras["Shop door"]], dwell_seconds=5)
    assert status == 200
    assert client.delete("/api/wall/tours/Centre", headers=supervisor).status_code == 204
    assert client.get("/api/wall/tours", headers=operator).json() == []
    assert [t["cameras"] for t in client.get("/api/wall/tours", headers=partner).json()] == [[cameras["Shop door"]]]


def test_bad_layouts_say_what_to_fix(client: TestClient, cameras: dict[str, str]) -> None:
    operator = bearer(client, "operator")
    cases = [
        ({"layout": "2x2", "tiles": [None] * 5}, "a 2x2 layout has 4 tiles; got 5"),
        ({"layout": "7x7", "tiles": [None]}, "layout must be one of 1, 2x2, 3x3, 4x4, 1+5, 5x5, 6x6"),
        ({"layout": "1", "tiles": [None], "colour": "red"}, "Unknown field 'colour'"),
        ({"layout": "6x6", "tiles": [None] * 37}, "tiles:"),
        ({"tiles": [None]}, "layout:"),
    ]
    for body, message in cases:
        status, answer = put_layout(client, operator, "Bad", **body)
        assert status == 422 and message in answer["detail"], (body, answer)
    for tile in ("xyz", cameras["Shop door"]):
        status, answer = put_layout(client, operator, "Bad", layout="1", tiles=[tile])
        assert status == 404 and f"There is no camera '{tile}' that you may see" in answer["detail"]
    status, answer = put_layout(client, operator, "x" * 81, layout="1", tiles=[None])
    assert status == 422 and "1 to 80 characters" in answer["detail"]
    assert client.get("/api/wall/layouts", headers=operator).json() == []


def test_bad_tours_say_what_to_fix(client: TestClient, cameras: dict[str, str]) -> None:
    operator = bearer(client, "operator")
    markt = cameras["Markt"]
    cases = [
        ({"cameras": [markt], "dwell_seconds": 4}, "dwell_seconds must be between 5 and 600; got 4"),
        ({"cameras": [markt], "dwell_seconds": 601}, "dwell_seconds must be between 5 and 600; got 601"),
        ({"cameras": [], "dwell_seconds": 10}, "cameras:"),
        ({"cameras": [markt] * 65, "dwell_seconds": 10}, "cameras:"),
        ({"cameras": [markt], "dwell_seconds": "long"}, "dwell_seconds:"),
    ]
    for body, message in cases:
        status, answer = put_tour(client, operator, "Bad", **body)
        assert status == 422 and message in answer["detail"], (body, answer)
    assert client.get("/api/wall/tours", headers=operator).json() == []


def wall_routes(camera: str) -> list[tuple[str, str, dict[str, object] | None]]:
    """Every wall route with a valid body, so only who asks can be wrong."""
    return [
        ("GET", "/api/wall/layouts", None),
        ("PUT", "/api/wall/layouts/Mine", {"layout": "1", "tiles": [camera]}),
        ("DELETE", "/api/wall/layouts/Mine", None),
        ("GET", "/api/wall/tours", None),
        ("PUT", "/api/wall/tours/Ours", {"cameras": [camera], "dwell_seconds": 10}),
        ("DELETE", "/api/wall/tours/Ours", None),
    ]


@pytest.mark.parametrize("role", ["inspector", "dpo"])
def test_roles_that_do_not_watch_live_are_forbidden(client: TestClient, cameras: dict[str, str], role: str) -> None:
    headers = bearer(client, role)
    for method, path, body in wall_routes(cameras["Markt"]):
        response = client.request(method, path, json=body, headers=headers)
        assert response.status_code == 403, f"{role} {method} {path}: {response.text}"
        assert "may not use the video wall" in response.json()["detail"]


def test_machine_tokens_are_forbidden(client: TestClient, cameras: dict[str, str]) -> None:
    created = client.post(
        "/api/tokens",
        json={"name": "wall-bot", "organisation": POLICE, "scopes": ["anpr:ingest"]},
        headers=bearer(client, "admin"),
    ).json()
    machine = {"Authorization": f"Bearer {created['token']}"}
    for path in ("/api/wall/layouts", "/api/wall/tours"):
        response = client.get(path, headers=machine)
        assert response.status_code == 403 and "only people may do this" in response.json()["detail"]


def test_wall_routes_need_sign_in(client: TestClient) -> None:
    for method, path, body in wall_routes("00000000-0000-0000-0000-000000000000"):
        assert client.request(method, path, json=body).status_code == 401, f"{method} {path}"
