"""The camera registry through the API, on both databases: the legal rules, restricted
fields, credentials that never come back, and an audit record for every change."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from belfort.app import Services
from belfort.audit import AuditFilter
from belfort.cameras.service import CameraSpec
from belfort.errors import Conflict
from tests.conftest import CITY, PASSWORD, POLICE, SHOP, SYSTEM, bearer

SECRET_URL = "rtsp://viewer:s3cret-pw@10.20.30.40:554/Streaming/Channels/101"


def add(client: TestClient, headers: dict[str, str], **fields: object) -> tuple[int, dict]:
    body = {"name": "Grote Markt PTZ", "organisation": POLICE, "main_url": SECRET_URL, **fields}
    response = client.post("/api/cameras", json=body, headers=headers)
    return response.status_code, response.json()


@pytest.fixture
def admin(client: TestClient, population: object) -> dict[str, str]:
    return bearer(client, "admin")


@pytest.fixture
def shop_admin(client: TestClient, services: Services, population: object) -> dict[str, str]:
    """The shop's own administrator: each organisation registers its own cameras."""
    with services.db.session() as session:
        services.accounts.add_user(
            session, SYSTEM, username="shop-admin", role="admin", organisation=SHOP, password=PASSWORD
        )
    return bearer(client, "shop-admin")


def test_police_camera_needs_council_consent_to_be_enabled(client: TestClient, admin: dict[str, str]) -> None:
    status, body = add(client, admin, enabled=True)
    assert status == 422 and "municipal council" in body["detail"]
    status, body = add(client, admin)
    assert status == 201 and body["legal_regime"] == "police" and body["enabled"] is False
    refused = client.patch(f"/api/cameras/{body['id']}", json={"enabled": True}, headers=admin)
    assert refused.status_code == 422 and "council" in refused.json()["detail"]
    granted = client.patch(
        f"/api/cameras/{body['id']}", json={"enabled": True, "council_consent_ref": "GR/2026/12"}, headers=admin
    )
    assert granted.status_code == 200 and granted.json()["enabled"] is True
    cleared = client.patch(f"/api/cameras/{body['id']}", json={"council_consent_ref": ""}, headers=admin)
    assert cleared.status_code == 422


def test_retention_limits_follow_the_law(client: TestClient, admin: dict[str, str], shop_admin: dict[str, str]) -> None:
    status, body = add(client, admin, retention_max_days=400)
    assert status == 422 and "365" in body["detail"]
    status, body = add(client, shop_admin, name="Shop door", organisation=SHOP, retention_max_days=31)
    assert status == 422 and "30" in body["detail"] and "camera law" in body["detail"]
    status, body = add(client, shop_admin, name="Shop door", organisation=SHOP)
    assert status == 201 and body["legal_regime"] == "camera_law" and body["retention_max_days"] == 30
    status, body = add(client, admin, name="Bodycam 7", kind="bodycam", retention_min_days=10)
    assert status == 422 and "at least 30" in body["detail"]
    status, body = add(client, admin, name="Bodycam 7", kind="bodycam")
    assert status == 201 and body["retention_min_days"] == 30 and body["retention_max_days"] == 365


def test_credentials_never_come_back(client: TestClient, admin: dict[str, str], services: Services) -> None:
    status, body = add(client, admin)
    assert status == 201
    everything = (
        client.get("/api/cameras", headers=admin).text + client.get(f"/api/cameras/{body['id']}", headers=admin).text
    )
    assert "s3cret-pw" not in everything and "viewer" not in everything
    assert body["main_url"] == "rtsp://10.20.30.40:554/Streaming/Channels/101" and body["credentials"] is True
    with services.db.session() as session:
        records = services.audit.query(session, AuditFilter(action="admin.cameras"))
        assert records and all("s3cret" not in (r.detail + r.resources) for r in records)


def test_position_and_addresses_are_restricted(client: TestClient, admin: dict[str, str]) -> None:
    add(client, admin, latitude=50.93, longitude=5.33, street="Grote Markt", area="Centrum")
    operator = client.get("/api/cameras", headers=bearer(client, "operator")).json()[0]
    assert operator["latitude"] == 50.93 and operator["main_url"] is None and operator["street"] == "Grote Markt"
    dpo = client.get("/api/cameras", headers=bearer(client, "dpo")).json()[0]
    assert dpo["latitude"] is None and dpo["street"] == "Grote Markt"
    assert client.get("/api/cameras", headers=bearer(client, "partner")).json() == []


def test_partner_sees_only_own_cameras(client: TestClient, admin: dict[str, str], shop_admin: dict[str, str]) -> None:
    add(client, admin)
    add(client, shop_admin, name="Shop door", organisation=SHOP, latitude=50.9, longitude=5.3)
    cameras = client.get("/api/cameras", headers=bearer(client, "partner")).json()
    assert [c["name"] for c in cameras] == ["Shop door"]
    assert cameras[0]["latitude"] is None
    police_id = client.get("/api/cameras", headers=admin).json()[0]["id"]
    assert client.get(f"/api/cameras/{police_id}", headers=bearer(client, "partner")).status_code == 404


def test_only_admins_change_cameras_and_every_change_is_audited(
    client: TestClient, admin: dict[str, str], services: Services
) -> None:
    status, body = add(client, bearer(client, "supervisor"))
    assert status == 403
    status, body = add(client, admin, name="Kerkstraat", organisation=CITY)
    assert status == 404, "another organisation's cameras are registered by its own administrator"
    status, body = add(client, admin, name="Kerkstraat")
    client.patch(f"/api/cameras/{body['id']}", json={"street": "Kerkstraat 1"}, headers=admin)
    removed = client.delete(f"/api/cameras/{body['id']}", headers=admin).json()
    assert removed["removed"] is True and removed["enabled"] is False
    assert client.patch(f"/api/cameras/{body['id']}", json={"street": "x"}, headers=admin).status_code == 409
    with services.db.session() as session:
        records = services.audit.query(session, AuditFilter(action="admin.cameras", limit=20))
    outcomes = [(r.actor_name, r.outcome) for r in records]
    assert ("supervisor", "refused") in outcomes
    assert sum(1 for name, outcome in outcomes if name == "admin" and outcome == "granted") == 3


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        ({"main_url": "http://cam/stream"}, "rtsp://"),
        ({"kind": "satellite"}, "unknown camera kind"),
        ({"legal_regime": "martial"}, "unknown legal regime"),
        ({"latitude": 50.0}, "both latitude and longitude"),
        ({"latitude": 95.0, "longitude": 5.0}, "-90..90"),
        ({"transport": "sctp"}, "tcp or udp"),
        ({"name": "!"}, "at least 2 characters"),
        ({"organisation": "Nowhere"}, "no organisation"),
    ],
)
def test_bad_camera_input(client: TestClient, admin: dict[str, str], fields: dict, text: str) -> None:
    status, body = add(client, admin, **fields)
    assert 400 <= status < 500 and text in body["detail"], body


def test_names_are_unique(client: TestClient, admin: dict[str, str]) -> None:
    add(client, admin)
    status, body = add(client, admin)
    assert status == 409 and "already exists" in body["detail"]


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("rtsp://10.1.2.3:99999/live", "port must be a number from 1 to 65535"),
        ("rtsp://10.1.2.3:abc/live", "port must be a number from 1 to 65535"),
        ("rtsp://admin:p@ss@10.1.2.3/live", "more than one '@'"),
        ("rtsp://admin:pa/ss@10.1.2.3/live", "'@' after the host"),
        ("rtsp://admin:pa#ss@10.1.2.3/live", "no '#' part"),
        ("sim://../../etc/passwd", "name of a demo clip"),
        ("http://10.1.2.3/live", "must start with rtsp://"),
    ],
)
def test_odd_stream_urls_are_refused_with_what_to_change(
    client: TestClient, admin: dict[str, str], url: str, words: str
) -> None:
    status, body = add(client, admin, main_url=url)
    assert status == 422 and words in body["detail"]
    assert "p@ss" not in body["detail"] and "pa/ss" not in body["detail"] and "pa#ss" not in body["detail"]
    assert client.get("/api/cameras", headers=admin).json() == []


def test_a_password_with_any_character_goes_in_its_own_field(
    client: TestClient, admin: dict[str, str], services: Services
) -> None:
    password = "p@ss:w/rd?#1"
    status, body = add(client, admin, main_url="rtsp://10.1.2.3:554/live", username="viewer", password=password)
    assert status == 201 and body["credentials"] is True and body["main_url"] == "rtsp://10.1.2.3:554/live"
    listed = client.get("/api/cameras", headers=admin)
    assert listed.status_code == 200 and password not in listed.text and "viewer" not in listed.text
    with services.db.session() as session:
        camera = services.cameras.find(session, body["id"])
        assert camera is not None and password not in camera.password_enc, "encrypted at rest"
        stream = services.cameras.stream_of(camera)
    assert stream.url == "rtsp://viewer:p%40ss%3Aw%2Frd%3F%231@10.1.2.3:554/live"


def test_a_url_stored_before_the_strict_parser_never_breaks_the_list(
    client: TestClient, admin: dict[str, str], services: Services
) -> None:
    _, body = add(client, admin, main_url="rtsp://10.1.2.3/live")
    with services.db.session() as session:
        camera = services.cameras.find(session, body["id"])
        assert camera is not None
        camera.main_url = "rtsp://old:s3cret-pw@10.1.2.3:99999/live"
    listed = client.get("/api/cameras", headers=admin)
    assert listed.status_code == 200 and "s3cret-pw" not in listed.text
    assert listed.json()[0]["main_url"] == "rtsp://***@10.1.2.3:99999/…"


def test_credentials_in_urls_of_earlier_versions_move_to_their_fields_at_start(
    client: TestClient, admin: dict[str, str], services: Services
) -> None:
    _, body = add(client, admin, main_url="rtsp://10.1.2.3/live", sub_url="rtsp://10.1.2.3/sub")
    with services.db.session() as session:
        camera = services.cameras.find(session, body["id"])
        assert camera is not None
        camera.main_url, camera.sub_url = "rtsp://old:s3cret@10.1.2.3/live", "rtsp://old:s3cret@10.1.2.3/sub"
    with services.db.session() as session:
        assert services.cameras.move_credentials(session) == 1
    with services.db.session() as session:
        camera = services.cameras.find(session, body["id"])
        assert camera is not None and (camera.main_url, camera.sub_url) == (
            "rtsp://10.1.2.3/live",
            "rtsp://10.1.2.3/sub",
        )
        assert camera.username == "old" and "s3cret" not in camera.password_enc
        assert services.cameras.stream_of(camera).url == "rtsp://old:s3cret@10.1.2.3/live"


def test_a_camera_with_footage_keeps_its_owner(client: TestClient, admin: dict[str, str], services: Services) -> None:
    from datetime import timedelta

    from belfort.media.models import Segment

    _, body = add(client, admin, main_url="rtsp://10.1.2.3/live")
    by_page = client.patch(f"/api/cameras/{body['id']}", json={"organisation": CITY}, headers=admin)
    assert by_page.status_code == 403 and "command line" in by_page.json()["detail"]
    with services.db.session() as session:
        moved = services.cameras.update(session, SYSTEM, body["id"], CameraSpec(organisation=CITY))
        assert moved.organisation.name == CITY, "no footage yet: it may move"
    with services.db.session() as session:
        now = services.clock()
        session.add(
            Segment(
                camera_id=services.cameras.find(session, body["id"]).id,  # type: ignore[union-attr]
                storage_id="s",
                path="p.mp4",
                state="complete",
                start_time=now - timedelta(minutes=1),
                end_time=now,
                codec="avc1.42E01E",
                width=1,
                height=1,
            )
        )
    with pytest.raises(Conflict, match="stays theirs"), services.db.session() as session:
        services.cameras.update(session, SYSTEM, body["id"], CameraSpec(organisation=POLICE))
    with services.db.session() as session:
        assert services.cameras.find(session, body["id"]).organisation.name == CITY  # type: ignore[union-attr]
