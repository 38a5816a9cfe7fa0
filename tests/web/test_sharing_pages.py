"""Sharing pages: the menu entry, granting and revoking by form in local time, groups,
and the owner's page of the use of its cameras."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from belfort.app import Services
from belfort.cameras.models import Grant
from belfort.cameras.service import CameraSpec
from tests.conftest import POLICE, SHOP, SYSTEM, Population
from tests.web.test_pages import sign_in

REASON = "Agreement with the police zone of 2026-11-01"


@pytest.fixture
def shop_camera(services: Services, population: Population) -> str:
    with services.db.session() as session:
        camera = services.cameras.add(
            session, SYSTEM, CameraSpec(name="Shop door", organisation=SHOP, main_url="rtsp://shop/1", enabled=True)
        )
        return str(camera.id)


def test_grant_by_form_in_local_time_then_revoke(client: TestClient, services: Services, shop_camera: str) -> None:
    csrf = sign_in(client, "partner")
    page = client.get("/sharing/grants")
    assert page.status_code == 200 and 'href="/sharing/grants"' in page.text
    form = {
        "csrf_token": csrf,
        "grantee": POLICE,
        "target": "cameras",
        "cameras": [shop_camera],
        "rights": ["live", "playback"],
        "valid_until": "2026-12-01 10:00",
        "reason": "short",
    }
    bad = client.post("/sharing/grants", data=form)
    assert bad.status_code == 422 and "reason" in bad.text and 'value="2026-12-01 10:00"' in bad.text
    done = client.post("/sharing/grants", data={**form, "reason": REASON}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/sharing/grants"
    shown = client.get("/sharing/grants")
    assert "Grant to PZ Test given." in shown.text and "2026-12-01 10:00" in shown.text
    with services.db.session() as session:
        grant = session.scalars(select(Grant)).one()
        assert grant.valid_until == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Brussels is UTC+1 in winter
        grant_id = str(grant.id)
    revoked = client.post(
        f"/sharing/grants/{grant_id}/revoke", data={"csrf_token": csrf, "reason": "The agreement ended"}
    )
    assert revoked.status_code == 200 and "revoked" in revoked.text
    with services.db.session() as session:
        assert session.get(Grant, grant.id).revoked_by == "partner"  # type: ignore[union-attr]


def test_the_receiver_sees_the_grant_and_may_not_widen_it(
    client: TestClient, services: Services, shop_camera: str
) -> None:
    csrf = sign_in(client, "partner")
    client.post(
        "/sharing/grants",
        data={"csrf_token": csrf, "grantee": POLICE, "cameras": [shop_camera], "rights": ["live"], "reason": REASON},
    )
    with services.db.session() as session:
        grant_id = str(session.scalars(select(Grant.id)).one())
    csrf = sign_in(client, "admin")
    received = client.get("/sharing/grants")
    assert SHOP in received.text and "Shop door" in received.text
    wider = client.post(f"/sharing/grants/{grant_id}/narrow", data={"csrf_token": csrf, "rights": ["live", "export"]})
    assert wider.status_code == 422 and "rights:" in wider.text


def test_groups_by_form(client: TestClient, shop_camera: str) -> None:
    csrf = sign_in(client, "partner")
    made = client.post(
        "/sharing/groups", data={"csrf_token": csrf, "name": "Shop front", "rule": "picked", "cameras": [shop_camera]}
    )
    assert made.status_code == 200 and "Group &#39;Shop front&#39; made." in made.text
    assert "Shop door" in made.text
    bad = client.post("/sharing/groups", data={"csrf_token": csrf, "name": "Street", "rule": "street", "value": ""})
    assert bad.status_code == 422 and "street" in bad.text


def test_use_page_and_menu_by_role(client: TestClient, shop_camera: str) -> None:
    sign_in(client, "operator")
    assert 'href="/sharing/grants"' not in client.get("/").text
    assert client.get("/sharing/grants").status_code == 403
    assert client.get("/sharing/use").status_code == 403
    sign_in(client, "partner")
    use = client.get("/sharing/use")
    assert use.status_code == 200 and "No other organisation watches your cameras now." in use.text
    bad = client.get("/sharing/use?since=yesterday")
    assert bad.status_code == 422 and "Since" in bad.text
