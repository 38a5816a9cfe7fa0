"""The camera tree of the video wall names each camera's groups, the viewer's organisation's
own: a police group may hold a shop camera the shop granted, a member the viewer may no
longer watch is not in the tree, and another organisation's groups are never shown."""

from __future__ import annotations

from fastapi.testclient import TestClient

from belfort.app import Services
from belfort.cameras.service import CameraSpec
from tests.conftest import CITY, POLICE, SHOP, SYSTEM, Population, bearer

REASON = "Agreement with the police zone of 2026-11-01"


def _camera(services: Services, name: str, organisation: str, area: str = "", street: str = "") -> str:
    with services.db.session() as session:
        camera = services.cameras.add(
            session,
            SYSTEM,
            CameraSpec(
                name=name,
                organisation=organisation,
                main_url=f"rtsp://cam/{name.replace(' ', '-')}",
                council_consent_ref="GR/1" if organisation == POLICE else None,
                area=area,
                street=street,
                enabled=True,
            ),
        )
        return str(camera.id)


def _grant(client: TestClient, headers: dict[str, str], camera: str) -> str:
    response = client.post(
        "/api/grants",
        json={"grantee": POLICE, "rights": ["live"], "reason": REASON, "cameras": [camera]},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()[0]["id"])


def _group(client: TestClient, headers: dict[str, str], **body: object) -> None:
    response = client.post("/api/groups", json=body, headers=headers)
    assert response.status_code == 201, response.text


def test_the_tree_names_the_police_groups_of_each_camera(
    client: TestClient, services: Services, population: Population
) -> None:
    station = _camera(services, "Station square", POLICE, area="Centre", street="Stationsplein")
    harbour = _camera(services, "Harbour gate", POLICE, area="Harbour")
    shop = _camera(services, "Shop door", SHOP, street="Meir")
    town_hall = _camera(services, "Town hall", CITY, area="Centre")
    with services.db.session() as session:
        services.accounts.add_user(
            session, SYSTEM, username="city-admin", role="admin", organisation=CITY, password="correct-horse-battery"
        )
    partner = bearer(client, "partner")
    city = bearer(client, "city-admin")
    _grant(client, partner, shop)
    city_grant = _grant(client, city, town_hall)

    police = bearer(client, "admin")
    _group(client, police, name="Grote Markt", rule="picked", cameras=[station, shop, town_hall])
    _group(client, police, name="Centre", rule="area", value="Centre")
    _group(client, police, name="Empty", rule="street", value="Nowhere")
    _group(client, partner, name="Shop front", rule="picked", cameras=[shop])

    # the city stops sharing: its camera stays in the police group, but leaves the tree
    revoked = client.post(f"/api/grants/{city_grant}/revoke", json={"reason": "The agreement ended"}, headers=city)
    assert revoked.status_code == 200, revoked.text

    operator = bearer(client, "operator")
    tree = {c["name"]: c for c in client.get("/api/live/cameras", headers=operator).json()}
    assert set(tree) == {"Station square", "Harbour gate", "Shop door"}
    assert tree["Station square"]["groups"] == ["Centre", "Grote Markt"]
    assert tree["Shop door"]["groups"] == ["Grote Markt"]  # hand-picked granted camera; not "Shop front"
    assert tree["Shop door"]["shared"] is True and tree["Shop door"]["organisation"] == SHOP
    assert tree["Harbour gate"]["groups"] == []
    assert tree["Harbour gate"]["id"] == harbour

    groups = client.get("/api/live/groups", headers=operator).json()
    assert [(g["name"], g["rule"]) for g in groups] == [
        ("Centre", "area"),
        ("Empty", "street"),
        ("Grote Markt", "picked"),
    ]

    # the shop sees its own groups on its own cameras, never the police's
    shop_tree = client.get("/api/live/cameras", headers=partner).json()
    assert [(c["name"], c["groups"]) for c in shop_tree] == [("Shop door", ["Shop front"])]
    assert [g["name"] for g in client.get("/api/live/groups", headers=partner).json()] == ["Shop front"]
