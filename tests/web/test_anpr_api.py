"""ANPR through the API on both databases: reads in with a machine token (idempotent,
audited per batch), hits matched against imported hotlists and pushed to a WebSocket,
hits handled, plates searched (audited, with the 30-day rule), speed sections, and
retention of reads and hits."""

from __future__ import annotations

import base64
import io
import time
import uuid
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from belfort.anpr.models import Hit, PlateRead, SeenPlate
from belfort.app import Services
from belfort.audit import AuditFilter
from belfort.cameras.service import CameraSpec
from belfort.timeutil import FrozenClock, iso_utc
from tests.conftest import POLICE, SYSTEM, Population, bearer
from tests.support.judicial import register_authorisation

JUDICIAL = {"kind": "judicial", "justification": "Car used in a robbery, case PV 2026/0815", "legal_basis_ref": "PK 77"}
ADMINISTRATIVE = {"kind": "administrative", "justification": "Stolen car reported this morning"}
HOTLIST = b"""plate;category;priority;valid until;note
1-ABC-234;stolen;1;;Grey Volkswagen Golf
2-XYZ-*;wanted;2;2030-01-01;any plate of the series
1-OLD-999;uninsured;3;2020-01-01;expired entry
"""


@pytest.fixture
def ingest_token(services: Services, population: Population) -> dict[str, str]:
    with services.db.session() as session:
        _, secret = services.accounts.create_token(
            session, SYSTEM, name="anpr-e40", organisation=POLICE, scopes=["anpr:ingest"]
        )
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def cameras(services: Services, population: Population) -> dict[str, str]:
    ids = {}
    with services.db.session() as session:
        for name in ("E40 Aalter", "E40 Beernem"):
            camera = services.cameras.add(
                session,
                SYSTEM,
                CameraSpec(name=name, organisation=POLICE, main_url="rtsp://cam/anpr", kind="anpr", area="E40"),
            )
            ids[name] = str(camera.id)
    return ids


def jpeg_bytes(width: int = 120, height: int = 30) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (250, 250, 250)).save(buffer, "JPEG")
    return base64.b64encode(buffer.getvalue()).decode()


def read(plate: str, at: datetime, client_id: str | None = None, **extra: object) -> dict[str, object]:
    return {"plate": plate, "time": iso_utc(at), **({"id": client_id} if client_id else {}), **extra}


def import_hotlist(client: TestClient, services: Services) -> str:
    supervisor = bearer(client, "supervisor")
    created = client.post("/api/anpr/hotlists", json={"name": "National"}, headers=supervisor)
    assert created.status_code == 201, created.text
    hotlist_id = created.json()["id"]
    imported = client.put(
        f"/api/anpr/hotlists/{hotlist_id}/entries",
        content=HOTLIST,
        headers={**supervisor, "Content-Type": "text/csv"},
    )
    assert imported.status_code == 200 and imported.json()["imported"] == 3, imported.text
    assert services.anpr.hotlists.wait_built()
    return hotlist_id


def test_reads_are_stored_once_and_audited_per_batch(
    client: TestClient, services: Services, ingest_token: dict[str, str], cameras: dict[str, str]
) -> None:
    now = services.clock()
    batch = {
        "reads": [
            read("1-abc-234", now, "r1", camera="E40 Aalter", confidence=0.93, crop=jpeg_bytes()),
            read("AB 123 CD", now, "r2", unit="Combi 12", latitude=50.93, longitude=5.33, heading=90),
        ]
    }
    first = client.post("/api/anpr/reads", json=batch, headers=ingest_token)
    assert first.status_code == 200, first.text
    assert first.json()["accepted"] == 2 and first.json()["duplicates"] == 0
    again = client.post("/api/anpr/reads", json=batch, headers=ingest_token)
    assert again.json()["accepted"] == 0 and again.json()["duplicates"] == 2
    assert [r["read_id"] for r in again.json()["reads"]] == [r["read_id"] for r in first.json()["reads"]]
    with services.db.session() as session:
        rows = session.scalars(select(PlateRead).order_by(PlateRead.plate)).all()
        assert [(r.plate, r.display, r.country) for r in rows] == [
            ("1ABC234", "1-ABC-234", "BE"),
            ("AB123CD", "AB-123-CD", "FR"),
        ]
        assert rows[0].camera_id == uuid.UUID(cameras["E40 Aalter"]) and rows[0].crop_path
        assert rows[1].unit == "Combi 12" and rows[1].heading == 90
        assert session.scalar(select(func.count()).select_from(SeenPlate)) == 2
        records = services.audit.query(session, AuditFilter(action="anpr.ingest"))
    assert len(records) == 2 and {r.outcome for r in records} == {"granted"}


def test_bad_reads_are_refused_and_nothing_is_stored(
    client: TestClient, services: Services, ingest_token: dict[str, str], cameras: dict[str, str]
) -> None:
    now = services.clock()
    cases = [
        ({"reads": [read("---", now)]}, 422, "is not a plate"),
        ({"reads": [read("1ABC234", now, crop="not base64!")]}, 422, "not valid base64"),
        ({"reads": [read("1ABC234", now, crop=base64.b64encode(b"GIF89a").decode())]}, 422, "not a JPEG or PNG"),
        ({"reads": [read("1ABC234", now, camera="Nowhere")]}, 404, "no camera"),
        ({"reads": []}, 422, "reads"),
    ]
    for body, status, text in cases:
        answer = client.post("/api/anpr/reads", json=body, headers=ingest_token)
        assert answer.status_code == status and text in answer.json()["detail"], answer.text
    person = client.post("/api/anpr/reads", json={"reads": [read("1ABC234", now)]}, headers=bearer(client, "operator"))
    assert person.status_code == 403 and "may not send plate reads" in person.json()["detail"]
    with services.db.session() as session:
        assert session.scalar(select(func.count()).select_from(PlateRead)) == 0


def test_hotlist_hits_every_way_and_reach_a_websocket_within_a_second(
    client: TestClient, services: Services, ingest_token: dict[str, str], cameras: dict[str, str]
) -> None:
    import_hotlist(client, services)
    now = services.clock()
    with client.websocket_connect("/api/anpr/hits/ws", headers=bearer(client, "operator")) as socket:
        assert socket.receive_json()["type"] == "hello"
        sent = time.monotonic()
        answer = client.post(
            "/api/anpr/reads",
            json={"reads": [read("1ABC234", now, "a", camera="E40 Aalter", crop=jpeg_bytes())]},
            headers=ingest_token,
        )
        pushed = socket.receive_json()
        elapsed = time.monotonic() - sent
    assert answer.status_code == 200 and elapsed < 1.0, f"the hit took {elapsed:.2f} s to reach the panel"
    hit = pushed["hit"]
    assert (hit["plate"], hit["category"], hit["mode"], hit["camera"]) == ("1ABC234", "stolen", "exact", "E40 Aalter")
    assert hit["crop_url"] and client.get(hit["crop_url"], headers=bearer(client, "operator")).status_code == 200
    assert client.get(hit["crop_url"], headers=bearer(client, "inspector")).status_code == 404, "the grant is personal"
    others = client.post(
        "/api/anpr/reads",
        json={
            "reads": [
                read("2XYZ999", now, "b"),  # wildcard
                read("1A8C234", now, "c"),  # OCR-equivalent to 1ABC234 (8/B)
                read("1OLD999", now, "d"),  # expired entry
                read("9ZZZ999", now, "e"),  # nothing
            ]
        },
        headers=ingest_token,
    ).json()["reads"]
    modes = [[(h["category"], h["mode"]) for h in r["hits"]] for r in others]
    assert modes == [[("wanted", "wildcard")], [("stolen", "equivalent")], [], []]


def test_operators_accept_and_reject_hits_with_a_reason(
    client: TestClient, services: Services, ingest_token: dict[str, str], cameras: dict[str, str]
) -> None:
    import_hotlist(client, services)
    reads = [read("1ABC234", services.clock(), "a"), read("1A8C234", services.clock(), "b")]
    client.post("/api/anpr/reads", json={"reads": reads}, headers=ingest_token)
    operator = bearer(client, "operator")
    hits = client.get("/api/anpr/hits", headers=operator).json()
    assert len(hits) == 2
    equivalent = next(h for h in hits if h["mode"] == "equivalent")
    no_reason = client.post(f"/api/anpr/hits/{equivalent['id']}/reject", json={"reason": ""}, headers=operator)
    assert no_reason.status_code == 422 and "say why" in no_reason.json()["detail"]
    rejected = client.post(
        f"/api/anpr/hits/{equivalent['id']}/reject", json={"reason": "misread: B read as 8"}, headers=operator
    )
    assert rejected.json()["state"] == "rejected" and rejected.json()["handled_by"] == "operator"
    twice = client.post(f"/api/anpr/hits/{equivalent['id']}/accept", headers=operator)
    assert twice.status_code == 409
    exact = next(h for h in hits if h["mode"] == "exact")
    assert client.post(f"/api/anpr/hits/{exact['id']}/accept", headers=operator).json()["state"] == "accepted"
    assert client.get("/api/anpr/hits", headers=operator).json() == []
    assert len(client.get("/api/anpr/hits?state=all", headers=operator).json()) == 2
    assert client.get("/api/anpr/hits", headers=bearer(client, "partner")).status_code == 403
    with services.db.session() as session:
        records = services.audit.query(session, AuditFilter(person="operator", action="anpr.hits"))
    assert len(records) >= 4 and all(r.outcome == "granted" for r in records)


def test_search_full_partial_fuzzy_newest_first_and_audited(
    client: TestClient, services: Services, ingest_token: dict[str, str], cameras: dict[str, str]
) -> None:
    now = services.clock()
    plates = ["1ABC234", "1ABC235", "1ABD234", "2ABC234", "1A8C234", "XYZ123", "1ABC234"]
    reads = [read(p, now - timedelta(minutes=i), f"s{i}", camera="E40 Aalter") for i, p in enumerate(plates)]
    client.post("/api/anpr/reads", json={"reads": reads}, headers=ingest_token)
    inspector = bearer(client, "inspector")

    def search(query: str, mode: str = "auto", **extra: object) -> list[tuple[str, str]]:
        answer = client.post(
            "/api/anpr/search",
            json={"query": query, "mode": mode, "purpose": ADMINISTRATIVE, **extra},
            headers=inspector,
        )
        assert answer.status_code == 200, answer.text
        return [(r["plate"], r["match"]) for r in answer.json()["results"]]

    assert search("1-abc-234") == [("1ABC234", "exact"), ("1ABC234", "exact")]
    assert [p for p, _ in search("1-AB*")] == ["1ABC234", "1ABC235", "1ABD234", "1ABC234"]
    assert [p for p, _ in search("*23?")] == ["1ABC234", "1ABC235", "1ABD234", "2ABC234", "1A8C234", "1ABC234"]
    assert [p for p, _ in search("?AB?23?")] == ["1ABC234", "1ABC235", "1ABD234", "2ABC234", "1ABC234"]
    fuzzy = search("1ABC234", "fuzzy")
    assert set(fuzzy) == {
        ("1ABC234", "exact"),
        ("1ABC235", "one edit"),
        ("1ABD234", "one edit"),
        ("2ABC234", "one edit"),
        ("1A8C234", "equivalent"),
    }
    assert search("1ABC234", cameras=["E40 Beernem"]) == []
    assert len(search("1ABC234", area="E40")) == 2
    page = client.post(
        "/api/anpr/search", json={"query": "*", "mode": "partial", "purpose": ADMINISTRATIVE}, headers=inspector
    )
    assert page.status_code == 422 and "would match every plate" in page.json()["detail"]
    first = client.post(
        "/api/anpr/search", json={"query": "*23?", "limit": 4, "purpose": ADMINISTRATIVE}, headers=inspector
    ).json()
    second = client.post(
        "/api/anpr/search",
        json={"query": "*23?", "limit": 4, "before": first["next"], "purpose": ADMINISTRATIVE},
        headers=inspector,
    ).json()
    assert len(first["results"]) == 4 and len(second["results"]) == 2 and second["next"] is None
    assert first["results"][0]["ts"] >= first["results"][-1]["ts"] >= second["results"][0]["ts"]
    with services.db.session() as session:
        searches = services.audit.query(session, AuditFilter(action="anpr.search"))
    assert len(searches) >= 9 and all(r.purpose == "administrative" for r in searches)


def test_searching_old_reads_needs_a_judicial_purpose(
    client: TestClient, services: Services, ingest_token: dict[str, str], cameras: dict[str, str]
) -> None:
    assert isinstance(services.clock, FrozenClock)
    start = services.clock() - timedelta(days=40)
    body = {"query": "1ABC234", "start": iso_utc(start), "purpose": ADMINISTRATIVE}
    register_authorisation(services, "PK 77")
    refused = client.post("/api/anpr/search", json=body, headers=bearer(client, "inspector"))
    assert refused.status_code == 403 and refused.json()["needs"] == ["judicial_reference"]
    granted = client.post("/api/anpr/search", json={**body, "purpose": JUDICIAL}, headers=bearer(client, "inspector"))
    assert granted.status_code == 200
    assert client.post("/api/anpr/search", json=body, headers=bearer(client, "operator")).status_code == 403


def test_section_control_lists_average_speeds(
    client: TestClient, services: Services, ingest_token: dict[str, str], cameras: dict[str, str]
) -> None:
    admin = bearer(client, "admin")
    section = client.post(
        "/api/anpr/sections",
        json={
            "name": "E40 Aalter-Beernem",
            "entry_camera": "E40 Aalter",
            "exit_camera": "E40 Beernem",
            "distance_m": 6000,
            "limit_kmh": 120,
        },
        headers=admin,
    )
    assert section.status_code == 201, section.text
    t0 = services.clock() - timedelta(hours=1)
    passes = [
        ("1ABC234", 150),  # 6 km in 150 s: 144 km/h
        ("2DEF345", 216),  # 100 km/h
        ("3GHI456", 180),  # 120 km/h: not over
    ]
    reads = []
    for index, (plate, seconds) in enumerate(passes):
        reads.append(read(plate, t0 + timedelta(minutes=index), f"in{index}", camera="E40 Aalter"))
        reads.append(read(plate, t0 + timedelta(minutes=index, seconds=seconds), f"out{index}", camera="E40 Beernem"))
    reads.append(read("4JKL567", t0, "alone", camera="E40 Beernem"))
    client.post("/api/anpr/reads", json={"reads": reads}, headers=ingest_token)
    report = client.post(
        f"/api/anpr/sections/{section.json()['id']}/report",
        json={"start": iso_utc(t0), "end": iso_utc(t0 + timedelta(hours=1)), "purpose": ADMINISTRATIVE},
        headers=bearer(client, "supervisor"),
    )
    assert report.status_code == 200, report.text
    assert [(p["plate"], p["speed_kmh"], p["over_limit"]) for p in report.json()] == [
        ("1ABC234", 144.0, True),
        ("3GHI456", 120.0, False),
        ("2DEF345", 100.0, False),
    ]
    assert report.json()[0]["entry"]["camera"] == "E40 Aalter" and report.json()[0]["exit"]["camera"] == "E40 Beernem"
    refused = client.post(
        "/api/anpr/sections",
        json={
            "name": "x",
            "entry_camera": "E40 Aalter",
            "exit_camera": "E40 Aalter",
            "distance_m": 600,
            "limit_kmh": 50,
        },
        headers=admin,
    )
    assert refused.status_code == 422 and "must differ" in refused.json()["detail"]


def test_reads_and_hits_are_erased_after_retention_and_it_is_audited(
    client: TestClient, services: Services, ingest_token: dict[str, str], cameras: dict[str, str]
) -> None:
    import_hotlist(client, services)
    old = services.clock() - timedelta(days=400)
    client.post(
        "/api/anpr/reads",
        json={"reads": [read("1ABC234", old, "old", crop=jpeg_bytes()), read("5NEW555", services.clock(), "new")]},
        headers=ingest_token,
    )
    with services.db.session() as session:
        crop = session.scalars(select(PlateRead.crop_path).where(PlateRead.plate == "1ABC234")).one()
        session.execute(Hit.__table__.update().values(created_at=old))
    assert services.anpr.images.path(crop) is not None
    assert services.anpr.purge() == (1, 1)
    assert services.anpr.images.path(crop) is None, "the picture goes with the read"
    with services.db.session() as session:
        assert session.scalars(select(PlateRead.plate)).all() == ["5NEW555"]
        erasures = services.audit.query(session, AuditFilter(action="anpr.erase"))
    assert len(erasures) == 2 and {r.outcome for r in erasures} == {"granted"}
    assert services.anpr.purge() == (0, 0)
