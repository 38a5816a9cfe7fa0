"""The staffing API: designations, the organisation's rule, shifts and the supervisor
dashboard; bad input answered with a 4xx that names the field; a stream open now shown with
its purpose and flagged when it is watched outside the viewer's shift."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient

from belfort.app import Services
from belfort.media.frames import Frame
from belfort.media.live import LiveFeed
from tests.conftest import bearer
from tests.web.test_live_api import PURPOSE, camera_id, feed, frames, operator, push  # noqa: F401 - fixtures

TODAY = date(2026, 11, 21)


def designation(person: str, **changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "person": person,
        "trained_on": (TODAY - timedelta(days=3)).isoformat(),
        "valid_until": (TODAY + timedelta(days=365)).isoformat(),
        "training": "Camera operator course",
    }
    return {**body, **changes}


def test_designations_rule_and_bad_input(client: TestClient, camera_id: str) -> None:  # noqa: F811
    admin = bearer(client, "admin")
    assert client.get("/api/staffing/designation-rule", headers=admin).json() == {
        "organisation": "PZ Test",
        "required": False,
    }
    bad = [
        (designation("operator", trained_on="2026-02-30"), 422, "trained_on"),
        (designation("operator", valid_until="2026-11-01", trained_on="2026-11-10"), 422, "after the training"),
        (designation("operator", trained_on="2026-01-01", valid_until="2026-11-20"), 422, "that day has passed"),
        (designation("operator", colour="red"), 422, "colour"),
        (designation("nobody"), 404, "There is no user 'nobody'"),
        (designation("partner"), 404, "There is no user 'partner'"),
        (designation("security_guard"), 422, "supervising inspector"),
    ]
    for body, status, words in bad:
        answer = client.post("/api/staffing/designations", json=body, headers=admin)
        assert (answer.status_code, words in answer.text) == (status, True), (body, answer.text)
    made = client.post("/api/staffing/designations", json=designation("operator"), headers=admin)
    assert made.status_code == 201, made.text
    assert made.json()["standing"] == "in_force" and made.json()["person"] == "operator"
    switched = client.put("/api/staffing/designation-rule", json={"required": True}, headers=admin)
    assert switched.json()["required"] is True
    listed = client.get("/api/staffing/designations", headers=bearer(client, "supervisor")).json()
    assert [d["person"] for d in listed] == ["operator"]
    refused = client.post(
        "/api/staffing/designations", json=designation("supervisor"), headers=bearer(client, "supervisor")
    )
    assert refused.status_code == 403 and "may not designate" in refused.json()["detail"]
    short = client.post(f"/api/staffing/designations/{made.json()['id']}/revoke", json={"reason": "no"}, headers=admin)
    assert short.status_code == 422 and "Reason" in short.json()["detail"]
    revoked = client.post(
        f"/api/staffing/designations/{made.json()['id']}/revoke",
        json={"reason": "Left the control room"},
        headers=admin,
    )
    assert revoked.json()["standing"] == "revoked"
    again = client.post(
        f"/api/staffing/designations/{made.json()['id']}/revoke",
        json={"reason": "Left the control room"},
        headers=admin,
    )
    assert again.status_code == 409


def test_shifts_bad_input(client: TestClient, camera_id: str) -> None:  # noqa: F811
    chief = bearer(client, "supervisor")
    shift = {"person": "operator", "start": "2026-11-21T10:00:00Z", "end": "2026-11-21T18:00:00Z"}
    bad = [
        ({**shift, "end": "2026-11-21T09:00:00Z"}, 422, "after the start"),
        ({**shift, "start": "2026-11-20T10:00:00Z", "end": "2026-11-20T18:00:00Z"}, 422, "has passed"),
        ({**shift, "end": "2026-11-23T10:00:00Z"}, 422, "at most 24 hours"),
        ({**shift, "start": "yesterday"}, 422, "start"),
        ({**shift, "team_chief": True}, 422, "team chief"),
        ({**shift, "person": "partner"}, 404, "There is no user"),
    ]
    for body, status, words in bad:
        answer = client.post("/api/staffing/shifts", json=body, headers=chief)
        assert (answer.status_code, words in answer.text) == (status, True), (body, answer.text)
    made = client.post("/api/staffing/shifts", json=shift, headers=chief)
    assert made.status_code == 201, made.text
    overlap = client.post("/api/staffing/shifts", json={**shift, "start": "2026-11-21T17:00:00Z"}, headers=chief)
    assert overlap.status_code == 409
    too_long = client.get("/api/staffing/shifts?start=2026-11-01T00:00:00Z&end=2027-11-01T00:00:00Z", headers=chief)
    assert too_long.status_code == 422
    listed = client.get("/api/staffing/shifts?start=2026-11-21T00:00:00Z", headers=bearer(client, "dpo")).json()
    assert [(s["person"], s["team_chief"]) for s in listed] == [("operator", False)]
    cancelled = client.post(f"/api/staffing/shifts/{made.json()['id']}/cancel", headers=chief)
    assert cancelled.json()["cancelled_by"] == "supervisor"


def test_the_dashboard_shows_a_stream_open_now_flagged_outside_the_shift(
    client: TestClient,
    services: Services,
    camera_id: str,  # noqa: F811
    feed: LiveFeed,  # noqa: F811
    frames: list[Frame],  # noqa: F811
) -> None:
    chief = bearer(client, "supervisor")
    shift = {"person": "supervisor", "start": "2026-11-21T08:00:00Z", "end": "2026-11-21T16:00:00Z", "team_chief": True}
    assert client.post("/api/staffing/shifts", json=shift, headers=chief).status_code == 201
    headers = operator(client)
    push(feed, frames[:15])
    with client.websocket_connect(f"/api/live/{camera_id}/ws", headers=headers) as socket:
        assert socket.receive_json()["type"] == "hello"
        board = client.get("/api/staffing/supervision", headers=chief).json()
    assert board["team_chiefs"] == ["supervisor"]
    (viewing,) = board["watching"]
    assert (viewing["person"], viewing["camera"], viewing["on_shift"]) == ("operator", "Station square", False)
    assert viewing["justification"] == PURPOSE["justification"] and viewing["flags"] == ["outside_shift"]
    flags = {(a["flag"], a["person"]) for a in board["anomalies"]}
    assert ("outside_shift", "operator") in flags
    assert any("is watching Station square live now, outside their shift" in a["sentence"] for a in board["anomalies"])
    refused = client.get("/api/staffing/supervision", headers=bearer(client, "operator"))
    assert refused.status_code == 403
