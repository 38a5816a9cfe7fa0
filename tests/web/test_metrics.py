"""`/metrics`: Prometheus' text format for the platform administrator and for a machine token
with scope `metrics:read`; everyone else is refused and the refusal recorded. The figures of
recording from real cameras are checked in tests/e2e/test_rtsp_recording.py."""

from __future__ import annotations

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from belfort.app import Services
from belfort.audit.models import AuditRecord
from belfort.policy import Action
from tests.conftest import POLICE, SYSTEM, Population, bearer


def families(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    return {
        family.name: [(sample.labels, sample.value) for sample in family.samples]
        for family in text_string_to_metric_families(text)
    }


def test_the_platform_administrator_reads_the_figures_and_requests_are_timed_by_route(
    client: TestClient, population: Population
) -> None:
    caller = bearer(client, "platform_admin")
    assert client.get("/api/health").status_code == 200
    assert client.get("/api/cameras/no-such-camera", headers=caller).status_code in (403, 404)
    answer = client.get("/metrics", headers=caller)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    found = families(answer.text)
    assert found["belfort_cameras_recording"] == [({}, 0.0)]
    assert ({"state": "online"}, 0.0) in found["belfort_cameras"]
    assert found["belfort_frames_lost"] == [({}, 0.0)]
    assert "process_cpu_seconds" in found and "process_resident_memory_bytes" in found
    timed = {
        (labels["method"], labels["route"], labels["status"])
        for labels, _value in found["belfort_http_request_duration_seconds"]
        if "le" not in labels
    }
    assert ("GET", "/api/health", "2xx") in timed
    assert any(route == "/api/cameras/{ref}" for _method, route, _status in timed), "the template, not the path"
    assert not any("no-such-camera" in route for _method, route, _status in timed)


def test_a_token_needs_the_scope_and_people_of_an_organisation_are_refused_on_record(
    client: TestClient, services: Services, population: Population
) -> None:
    with services.db.session() as session:
        _token, scraper = services.accounts.create_token(
            session, SYSTEM, name="prometheus", organisation=POLICE, scopes=["metrics:read"]
        )
        _token, other = services.accounts.create_token(
            session, SYSTEM, name="anpr", organisation=POLICE, scopes=["anpr:ingest"]
        )
    assert client.get("/metrics", headers={"Authorization": f"Bearer {scraper}"}).status_code == 200
    wrong = client.get("/metrics", headers={"Authorization": f"Bearer {other}"})
    assert wrong.status_code == 403 and "metrics:read" in wrong.json()["detail"]
    assert client.get("/metrics", headers=bearer(client, "admin")).status_code == 403
    assert client.get("/metrics").status_code == 401
    with services.db.session() as session:
        records = session.scalars(select(AuditRecord).where(AuditRecord.action == Action.READ_METRICS.value)).all()
    assert [(r.outcome, r.actor_name) for r in records] == [("refused", "token:anpr"), ("refused", "admin")]
