"""Live view through the API: the shift purpose, the gate in front of every stream and
snapshot, the audit records of opened and closed streams, and what a stream carries.

The camera's feed is fed with frames of a real H.264 clip from the test thread, as an
ingest thread would; the app runs in the test client's own event loop."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.websockets import WebSocketDisconnect

from belfort.app import Services
from belfort.audit.models import AuditRecord
from belfort.cameras.service import CameraSpec
from belfort.media.frames import Frame
from belfort.media.ingest import FrameAssembler
from belfort.media.live import HEADER, KIND_INIT, KIND_MEDIA, LiveFeed
from tests.conftest import PASSWORD, POLICE, SYSTEM, Population, bearer
from tests.support.cameras import cached_clip
from tests.support.feeds import START, ListSource, access_units, sliced_packets
from tests.web.test_pages import login_form

PURPOSE = {"kind": "administrative", "justification": "Virtual patrol around the station"}


@pytest.fixture(scope="module")
def frames() -> list[Frame]:
    clip = cached_clip(width=320, height=240, fps=10, seconds=4, bitrate=300_000, gop_seconds=1)
    assembler = FrameAssembler(ListSource([], clip).open(), lambda: START)
    out = [frame for packet in sliced_packets(access_units(clip)) for frame in assembler.push(packet)]
    return out + list(assembler.flush())


@pytest.fixture
def camera_id(services: Services, population: Population) -> str:
    with services.db.session() as session:
        camera = services.cameras.add(
            session,
            SYSTEM,
            CameraSpec(
                name="Station square",
                organisation=POLICE,
                main_url="rtsp://cam/1",
                area="Centre",
                street="Stationsplein",
                council_consent_ref="GR/1",
                enabled=True,
            ),
        )
        return str(camera.id)


@pytest.fixture
def feed(services: Services, camera_id: str) -> Iterator[LiveFeed]:
    feed = services.media.live.feed_for(camera_id)
    yield feed
    services.media.live.drop(camera_id, feed)


def push(feed: LiveFeed, frames: list[Frame]) -> None:
    thread = threading.Thread(target=lambda: [feed.on_frame(feed.camera_id, f) for f in frames])
    thread.start()
    thread.join()


def operator(client: TestClient, with_purpose: bool = True) -> dict[str, str]:
    headers = bearer(client, "operator")
    if with_purpose:
        response = client.put("/api/live/purpose", json=PURPOSE, headers=headers)
        assert response.status_code == 200, response.text
    return headers


def refusal(client: TestClient, path: str, headers: dict[str, str]) -> tuple[dict[str, Any], int]:
    with client.websocket_connect(path, headers=headers) as socket:
        error = socket.receive_json()
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_text()
    return error, closed.value.code


def live_records(services: Services, action: str) -> list[AuditRecord]:
    with services.db.session() as session:
        return list(session.scalars(select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.seq)))


def wait_for_records(services: Services, action: str, count: int) -> list[AuditRecord]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        records = live_records(services, action)
        if len(records) >= count:
            return records
        time.sleep(0.05)
    raise AssertionError(f"no {count} '{action}' audit records within 10 s")


def test_a_stream_starts_at_the_latest_keyframe_and_is_audited_open_and_closed(
    client: TestClient, services: Services, camera_id: str, feed: LiveFeed, frames: list[Frame]
) -> None:
    headers = operator(client)
    push(feed, frames[:15])
    with client.websocket_connect(f"/api/live/{camera_id}/ws", headers=headers) as socket:
        hello = socket.receive_json()
        assert hello["type"] == "hello" and hello["name"] == "Station square"
        assert hello["purpose"] == PURPOSE
        assert socket.receive_json() == {"type": "state", "state": "online", "reason": ""}
        track = socket.receive_json()
        assert track["type"] == "track" and track["codec"].startswith("avc1.") and track["width"] == 320
        kinds = []
        init = socket.receive_bytes()
        kinds.append(HEADER.unpack_from(init)[0])
        push(feed, frames[15:25])
        for _ in range(15):
            kind, flags, _, seq, arrival, _ = HEADER.unpack_from(socket.receive_bytes())
            kinds.append(kind)
            assert arrival > 0
            if len(kinds) == 2:
                assert flags & 1 and seq == 11, "the first fragment is the keyframe that opened the GOP"
        assert kinds == [KIND_INIT] + [KIND_MEDIA] * 15
    opened = live_records(services, "live.view")
    assert [(r.outcome, r.actor_name, r.purpose, r.justification) for r in opened] == [
        ("granted", "operator", "administrative", PURPOSE["justification"])
    ]
    closed = wait_for_records(services, "live.closed", 1)[0]
    detail = json.loads(closed.detail)
    assert detail["stream"] == json.loads(opened[0].detail)["stream"]
    assert detail["frames_sent"] >= 15 and detail["seconds"] >= 0
    assert closed.range_start is not None and closed.range_end is not None
    assert closed.justification == PURPOSE["justification"] and "Stopped watching live" in closed.reason


def test_without_a_stated_purpose_the_stream_is_refused_and_the_refusal_audited(
    client: TestClient, services: Services, camera_id: str, feed: LiveFeed
) -> None:
    headers = operator(client, with_purpose=False)
    error, code = refusal(client, f"/api/live/{camera_id}/ws", headers)
    assert code == 4403 and error["status"] == 403 and error["needs"] == ["purpose"]
    assert "State why you need this" in error["detail"]
    assert [r.outcome for r in live_records(services, "live.view")] == ["refused"]


def test_a_purpose_in_the_query_serves_api_clients(
    client: TestClient, services: Services, camera_id: str, feed: LiveFeed, frames: list[Frame]
) -> None:
    headers = operator(client, with_purpose=False)
    path = f"/api/live/{camera_id}/ws?purpose=judicial&justification=Case+PV+12345+robbery&legal_basis_ref=PV/12345"
    push(feed, frames[:5])
    with client.websocket_connect(path, headers=headers) as socket:
        assert socket.receive_json()["purpose"]["kind"] == "judicial"
    record = live_records(services, "live.view")[0]
    assert (record.purpose, record.legal_basis_ref) == ("judicial", "PV/12345")


@pytest.mark.parametrize(
    ("user", "code", "words"),
    [
        ("inspector", 4403, "may not watch cameras live"),
        ("dpo", 4403, "may not watch cameras live"),
        ("partner", 4404, "no camera"),
    ],
)
def test_only_watchers_of_the_owning_organisation_may_watch(
    client: TestClient, camera_id: str, feed: LiveFeed, user: str, code: int, words: str
) -> None:
    headers = bearer(client, user)
    path = f"/api/live/{camera_id}/ws?purpose=administrative&justification=Looking+for+a+reason"
    error, closed = refusal(client, path, headers)
    assert closed == code and words in error["detail"]


def test_a_camera_that_does_not_stream_is_a_clear_409(client: TestClient, camera_id: str) -> None:
    error, code = refusal(client, f"/api/live/{camera_id}/ws", operator(client))
    assert code == 4409 and "is not streaming" in error["detail"]
    error, code = refusal(client, f"/api/live/{uuid.uuid4()}/ws", operator(client))
    assert code == 4404


def test_cookie_websockets_from_another_site_are_refused(
    client: TestClient, services: Services, camera_id: str, feed: LiveFeed
) -> None:
    response = client.post(
        "/login", data={"username": "operator", "password": PASSWORD, "login_csrf": login_form(client)}
    )
    assert response.status_code in (200, 303) and client.cookies.get("belfort_session")
    error, code = refusal(client, f"/api/live/{camera_id}/ws", {"Origin": "https://evil.example"})
    assert code == 4401 and "another site" in error["detail"]


def test_snapshot_is_a_gated_look(
    client: TestClient, services: Services, camera_id: str, feed: LiveFeed, frames: list[Frame]
) -> None:
    headers = operator(client, with_purpose=False)
    push(feed, frames[:12])
    assert client.get(f"/api/live/{camera_id}/snapshot", headers=headers).status_code == 405, "a look is a POST"
    refused = client.post(f"/api/live/{camera_id}/snapshot", headers=headers)
    assert refused.status_code == 403 and "State why" in refused.json()["detail"]
    client.put("/api/live/purpose", json=PURPOSE, headers=headers)
    granted = client.post(f"/api/live/{camera_id}/snapshot", headers=headers)
    assert granted.status_code == 200 and granted.headers["content-type"] == "image/jpeg"
    assert granted.content[:2] == b"\xff\xd8"
    details = [json.loads(r.detail)["live"] for r in live_records(services, "live.view")]
    assert details == ["snapshot", "snapshot"]
    assert [r.outcome for r in live_records(services, "live.view")] == ["refused", "granted"]


def test_the_shift_purpose_is_checked_kept_and_withdrawn(client: TestClient, population: Population) -> None:
    headers = bearer(client, "operator")
    assert client.get("/api/live/purpose", headers=headers).json() == {
        "stated": False,
        "kind": "",
        "justification": "",
        "legal_basis_ref": "",
    }
    short = client.put("/api/live/purpose", json={"kind": "administrative", "justification": "look"}, headers=headers)
    assert short.status_code == 422 and "at least 10 characters" in short.json()["detail"]
    wrong = client.put("/api/live/purpose", json={"kind": "curious", "justification": "x" * 20}, headers=headers)
    assert wrong.status_code == 422
    assert client.put("/api/live/purpose", json=PURPOSE, headers=headers).json()["stated"] is True
    assert client.get("/api/live/purpose", headers=headers).json()["justification"] == PURPOSE["justification"]
    other_session = bearer(client, "operator")
    assert client.get("/api/live/purpose", headers=other_session).json()["stated"] is False, "one shift per sign-in"
    assert client.delete("/api/live/purpose", headers=headers).json()["stated"] is False


def test_camera_tree_lists_watchable_cameras_with_their_state(
    client: TestClient, camera_id: str, feed: LiveFeed, frames: list[Frame]
) -> None:
    push(feed, frames[:3])
    tree = client.get("/api/live/cameras", headers=bearer(client, "operator")).json()
    assert [(c["name"], c["area"], c["state"], c["may_watch"]) for c in tree] == [
        ("Station square", "Centre", "online", True)
    ]
    assert client.get("/api/live/cameras", headers=bearer(client, "partner")).json() == []


def test_operators_land_on_the_wall_and_others_may_not_open_it(client: TestClient, population: Population) -> None:
    home = client.get("/", headers=bearer(client, "operator"), follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/wall"
    wall = client.get("/wall", headers=bearer(client, "operator"))
    assert wall.status_code == 200 and 'id="camera-tree"' in wall.text
    refused = client.get("/wall", headers=bearer(client, "inspector"))
    assert refused.status_code == 403 and "may not use the video wall" in refused.text


def test_the_team_chief_sees_who_watches_what_now_and_why(
    client: TestClient, services: Services, camera_id: str, feed: LiveFeed, frames: list[Frame]
) -> None:
    headers = operator(client)
    supervisor = bearer(client, "supervisor")
    push(feed, frames[:5])
    with client.websocket_connect(f"/api/live/{camera_id}/ws", headers=headers) as socket:
        assert socket.receive_json()["type"] == "hello"
        now = client.get("/api/live/watching", headers=supervisor).json()
        assert [(w["person"], w["camera"], w["purpose"], w["justification"]) for w in now] == [
            ("operator", "Station square", "administrative", PURPOSE["justification"])
        ]
        assert len(client.get("/api/live/watching", headers=bearer(client, "dpo")).json()) == 1
        refused = client.get("/api/live/watching", headers=headers)
        assert refused.status_code == 403
        page = client.get("/audit", headers=supervisor)
        assert "Watching live now" in page.text and "Virtual patrol around the station" in page.text
    deadline = time.monotonic() + 10
    while client.get("/api/live/watching", headers=supervisor).json() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert client.get("/api/live/watching", headers=supervisor).json() == []
    reviews = [r for r in live_records(services, "audit.review") if "streams open now" in r.resources]
    assert len(reviews) >= 2, "looking at who watches is itself audited"


def test_a_stopped_camera_ends_its_streams_with_a_restart_code(
    client: TestClient, services: Services, camera_id: str, feed: LiveFeed, frames: list[Frame]
) -> None:
    push(feed, frames[:3])
    with client.websocket_connect(f"/api/live/{camera_id}/ws", headers=operator(client)) as socket:
        assert socket.receive_json()["type"] == "hello"
        threading.Thread(target=services.media.live.drop, args=(camera_id, feed)).start()
        messages = []
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                message = socket.receive()
                if message.get("text"):
                    messages.append(json.loads(message["text"]))
                if message["type"] == "websocket.close":
                    raise WebSocketDisconnect(message["code"])
        assert closed.value.code == 1012, "1012: service restart, the page reconnects"
        assert messages[-1]["state"] == "stopped"
    assert len(wait_for_records(services, "live.closed", 1)) == 1
