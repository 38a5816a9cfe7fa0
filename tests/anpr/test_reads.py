"""Hits on both databases, through the API: repeated hits of one plate on one entry form one
series (listed once with its count and last read, announced as an update of that entry), a
read more than 15 minutes after the last starts a new one, and a decision settles the whole
series, audited once with the decision, the reason and how many hits it settled."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from belfort.anpr.models import Hit
from belfort.anpr.reads import SERIES_WINDOW
from belfort.app import Services
from belfort.audit import AuditFilter
from belfort.timeutil import FrozenClock, iso_utc
from tests.conftest import POLICE, SYSTEM, Population, bearer


@pytest.fixture
def ingest_token(services: Services, population: Population) -> dict[str, str]:
    with services.db.session() as session:
        _, secret = services.accounts.create_token(
            session, SYSTEM, name="anpr-e40", organisation=POLICE, scopes=["anpr:ingest"]
        )
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def hotlisted(client: TestClient, services: Services, population: Population) -> None:
    supervisor = bearer(client, "supervisor")
    hotlist_id = client.post("/api/anpr/hotlists", json={"name": "National"}, headers=supervisor).json()["id"]
    imported = client.put(
        f"/api/anpr/hotlists/{hotlist_id}/entries",
        content=b"1-ABC-234,stolen,1,,grey Golf\n2-XYZ-*,wanted,2,,\n",
        headers={**supervisor, "Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    assert services.anpr.hotlists.wait_built()


def send(client: TestClient, token: dict[str, str], services: Services, plate: str, read_id: str) -> None:
    """One read of `plate` now, as an edge camera sends it; the clock then moves on 30 s."""
    clock = services.clock
    assert isinstance(clock, FrozenClock)
    answer = client.post(
        "/api/anpr/reads",
        json={"reads": [{"id": read_id, "plate": plate, "time": iso_utc(clock()), "unit": "Combi 12"}]},
        headers=token,
    )
    assert answer.status_code == 200 and answer.json()["reads"][0]["hits"], answer.text
    clock.advance(timedelta(seconds=30))


@pytest.mark.usefixtures("hotlisted")
def test_repeated_hits_of_a_plate_are_one_series_handled_as_one(
    client: TestClient, services: Services, ingest_token: dict[str, str]
) -> None:
    operator = bearer(client, "operator")
    first_read = services.clock()
    with client.websocket_connect("/api/anpr/hits/ws", headers=operator) as socket:
        assert socket.receive_json()["type"] == "hello"
        for n in range(25):  # 25 reads in 12 minutes
            send(client, ingest_token, services, "1-ABC-234", f"r{n}")
        pushed = [socket.receive_json()["hit"] for _ in range(25)]
    assert len({hit["id"] for hit in pushed}) == 1, "each repeat updates the series' entry"
    counts = [hit["repeats"] for hit in pushed]
    # Each push shows the series as it stands when it is sent: reads that came in meanwhile
    # are already counted, so a count may be skipped, never go back.
    assert counts == sorted(counts) and counts[-1] == 24, counts
    last_read = first_read + timedelta(seconds=30 * 24)
    [series] = client.get("/api/anpr/hits", headers=operator).json()
    assert (series["repeats"], series["series_id"], series["plate"]) == (24, None, "1ABC234")
    assert datetime.fromisoformat(series["last_ts"].replace("Z", "+00:00")) == last_read
    assert series["id"] == pushed[0]["id"]

    services.clock.advance(SERIES_WINDOW)  # type: ignore[attr-defined]
    send(client, ingest_token, services, "1ABC234", "later")
    send(client, ingest_token, services, "2XYZ999", "other-entry")
    listed = client.get("/api/anpr/hits", headers=operator).json()
    assert [(h["plate"], h["repeats"]) for h in listed] == [("2XYZ999", 0), ("1ABC234", 0), ("1ABC234", 24)]

    rejected = client.post(
        f"/api/anpr/hits/{series['id']}/reject", json={"reason": "our own unmarked car"}, headers=operator
    )
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected", rejected.text
    with services.db.session() as session:
        members = session.scalars(select(Hit).where(Hit.plate == "1ABC234", Hit.pattern == "1ABC234")).all()
        settled = [h for h in members if series["id"] in (str(h.id), str(h.series_id))]
        records = services.audit.query(session, AuditFilter(person="operator", action="anpr.hits"))
    assert len(settled) == 25
    assert {(h.state, h.handled_by, h.reason) for h in settled} == {("rejected", "operator", "our own unmarked car")}
    assert sorted(h.state for h in members if h not in settled) == ["new"], "the later series stays open"
    decisions = [json.loads(r.detail) for r in records if "decision" in r.detail]
    assert decisions == [
        {"decision": "reject", "reason": "our own unmarked car", "hits": 25, "hit": series["id"], "plate": "1ABC234"}
    ]
    assert [(h["plate"], h["repeats"]) for h in client.get("/api/anpr/hits", headers=operator).json()] == [
        ("2XYZ999", 0),
        ("1ABC234", 0),
    ]


@pytest.mark.usefixtures("hotlisted")
def test_accept_and_reject_differ_in_the_audit_record_and_a_handled_series_is_not_joined(
    client: TestClient, services: Services, ingest_token: dict[str, str]
) -> None:
    operator = bearer(client, "operator")
    send(client, ingest_token, services, "1ABC234", "a")
    send(client, ingest_token, services, "1ABC234", "b")
    [series] = client.get("/api/anpr/hits", headers=operator).json()
    accepted = client.post(f"/api/anpr/hits/{series['id']}/accept", json={"reason": "stopped at E40"}, headers=operator)
    assert accepted.json()["state"] == "accepted" and accepted.json()["repeats"] == 1
    send(client, ingest_token, services, "1ABC234", "c")
    send(client, ingest_token, services, "1ABC234", "d")
    [fresh] = client.get("/api/anpr/hits", headers=operator).json()
    assert fresh["id"] != series["id"] and fresh["repeats"] == 1, "a handled series is closed: a new one began"
    with services.db.session() as session:
        member = session.scalars(select(Hit.id).where(Hit.series_id == uuid.UUID(fresh["id"]))).one()
    rejected = client.post(f"/api/anpr/hits/{member}/reject", json={"reason": "misread"}, headers=operator)
    assert (rejected.json()["id"], rejected.json()["state"]) == (fresh["id"], "rejected"), "its series is settled"
    with services.db.session() as session:
        records = services.audit.query(session, AuditFilter(person="operator", action="anpr.hits"))
        states = session.scalars(select(Hit.state).order_by(Hit.created_at)).all()
    assert states == ["accepted", "accepted", "rejected", "rejected"]
    details = [json.loads(r.detail) for r in records]
    decided = sorted((d["decision"], d["reason"], d["hits"]) for d in details if "decision" in d)
    assert decided == [("accept", "stopped at E40", 2), ("reject", "misread", 2)]
