"""ANPR pages through the web forms: hotlists created, imported from a file, shown (audited);
a plate search with its purpose; the section report; refusals shown and kept in the log."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from belfort.anpr.reads import IncomingRead
from belfort.app import Services
from belfort.audit import AuditFilter
from belfort.cameras.service import CameraSpec
from belfort.policy import Action
from belfort.policy.model import system_actor
from tests.conftest import POLICE, SYSTEM, Population
from tests.support.judicial import register_authorisation
from tests.web.test_pages import sign_in

JUSTIFICATION = "Hit-and-run on the ring road"
CSV = b"plate,category,priority,valid until,note\n1-ABC-234,stolen,1,,grey Golf\n2-XYZ-*,wanted,2,,series\n"


@pytest.fixture
def camera(services: Services, population: Population) -> str:
    with services.db.session() as session:
        camera = services.cameras.add(
            session, SYSTEM, CameraSpec(name="Ring Noord", organisation=POLICE, main_url="rtsp://x/1", kind="anpr")
        )
        return str(camera.id)


def store_reads(services: Services, camera: str, plates: list[str]) -> None:
    now = services.clock()
    with services.db.session() as session:
        organisation = services.cameras.require(session, SYSTEM, camera, Action.VIEW_CAMERA).organisation_id
        services.anpr.reads.ingest(
            session,
            system_actor("test reader"),
            f"camera:{camera}",
            organisation,
            [IncomingRead(plate, now - timedelta(minutes=i), 0.9, camera=camera) for i, plate in enumerate(plates)],
            audit=False,
        )


def test_hotlists_are_created_imported_and_shown(client: TestClient, services: Services, camera: str) -> None:
    csrf = sign_in(client, "supervisor")
    created = client.post("/anpr/hotlists", data={"csrf_token": csrf, "name": "Stolen vehicles"})
    assert created.status_code == 200 and "created" in created.text
    hotlist_id = client.get("/api/anpr/hotlists").json()[0]["id"]
    imported = client.post(
        f"/anpr/hotlists/{hotlist_id}/import", data={"csrf_token": csrf}, files={"file": ("list.csv", CSV, "text/csv")}
    )
    assert imported.status_code == 200 and "2 entries imported" in imported.text
    bad = client.post(
        f"/anpr/hotlists/{hotlist_id}/import",
        data={"csrf_token": csrf},
        files={"file": ("list.csv", b"1-ABC-234,stolen\n2-DEF-345,speeding\n", "text/csv")},
    )
    assert bad.status_code == 422 and "line 2" in bad.text and "nothing was imported" in bad.text
    shown = client.get(f"/anpr/hotlists?show={hotlist_id}")
    assert "1ABC234" in shown.text and "2XYZ*" in shown.text
    added = client.post(
        f"/anpr/hotlists/{hotlist_id}/entries",
        data={"csrf_token": csrf, "plate": "3-DEF-456", "category": "uninsured", "priority": "4"},
    )
    assert added.status_code == 200 and "3DEF456 added" in added.text
    assert services.anpr.hotlists.wait_built()
    assert [m.entry.category for m in services.anpr.hotlists.match(_org(services), "3DEF456", services.clock())] == [
        "uninsured"
    ]
    with services.db.session() as session:
        views = services.audit.query(session, AuditFilter(person="supervisor", action="anpr.hotlists"))
    assert any('"view"' in record.detail for record in views), "looking at a list's plates is audited"
    operator = sign_in(client, "operator")
    refused = client.post("/anpr/hotlists", data={"csrf_token": operator, "name": "Mine"})
    assert refused.status_code == 403 and "may not manage hotlists" in refused.text


def _org(services: Services):  # type: ignore[no-untyped-def]
    with services.db.session() as session:
        return next(org.id for org in services.accounts.list_organisations(session, SYSTEM) if org.name == POLICE)


def test_the_search_page_finds_plates_under_a_purpose(client: TestClient, services: Services, camera: str) -> None:
    store_reads(services, camera, ["1ABC234", "1ABD999", "7XYZ123"])
    csrf = sign_in(client, "inspector")
    form = {"csrf_token": csrf, "query": "1-AB*", "mode": "auto", "kind": "administrative"}
    refused = client.post("/anpr/search", data={**form, "justification": "x"})
    assert refused.status_code == 403 and "justification is too short" in refused.text
    found = client.post("/anpr/search", data={**form, "justification": "Hit-and-run on the ring road"})
    assert found.status_code == 200, found.text
    assert "1-ABC-234" in found.text and "1-ABD-999" in found.text and "7-XYZ-123" not in found.text
    judicial_needed = client.post(
        "/anpr/search",
        data={**form, "justification": "Hit-and-run on the ring road", "start": "2020-01-01 00:00"},
    )
    assert judicial_needed.status_code in (403, 422)
    with services.db.session() as session:
        searches = services.audit.query(session, AuditFilter(person="inspector", action="anpr.search"))
    assert [r.outcome for r in reversed(searches)][:2] == ["refused", "granted"]


def test_the_section_page_sets_up_and_reports(client: TestClient, services: Services, camera: str) -> None:
    with services.db.session() as session:
        exit_camera = services.cameras.add(
            session, SYSTEM, CameraSpec(name="Ring Zuid", organisation=POLICE, main_url="rtsp://x/2", kind="anpr")
        )
    csrf = sign_in(client, "admin")
    created = client.post(
        "/anpr/sections",
        data={
            "csrf_token": csrf,
            "name": "Ring",
            "entry_camera": camera,
            "exit_camera": str(exit_camera.id),
            "distance_m": "2000",
            "limit_kmh": "50",
        },
    )
    assert created.status_code == 200 and "Section &#39;Ring&#39; set up" in created.text
    supervisor = sign_in(client, "supervisor")
    section_id = client.get("/api/anpr/sections").json()[0]["id"]
    report = client.post(
        "/anpr/sections/report",
        data={
            "csrf_token": supervisor,
            "section": section_id,
            "start": "2026-11-21 00:00",
            "end": "2026-11-21 23:59",
            "kind": "administrative",
            "justification": "Monthly speed report of the ring road",
        },
    )
    assert report.status_code == 200 and "No vehicle passed both cameras" in report.text
    now = services.clock()
    store_reads_at(services, camera, [("1ABC234", now - timedelta(minutes=2))])
    store_reads_at(services, str(exit_camera.id), [("1ABC234", now - timedelta(minutes=1))])
    passed = client.post(
        "/anpr/sections/report",
        data={
            "csrf_token": supervisor,
            "section": section_id,
            "start": "2026-11-21 00:00",
            "end": "2026-11-21 23:59",
            "kind": "administrative",
            "justification": "Monthly speed report of the ring road",
        },
    )
    assert passed.status_code == 200 and "120.0 km/h" in passed.text, passed.text
    assert "2026-11-21 12:58:00 +01:00" in passed.text and "2026-11-21 12:59:00 +01:00" in passed.text, (
        "entry and exit in Brussels time (the clock stands at 12:00 UTC)"
    )


def store_reads_at(services: Services, camera: str, reads: list[tuple[str, datetime]]) -> None:
    with services.db.session() as session:
        organisation = services.cameras.require(session, SYSTEM, camera, Action.VIEW_CAMERA).organisation_id
        services.anpr.reads.ingest(
            session,
            system_actor("test reader"),
            f"camera:{camera}",
            organisation,
            [IncomingRead(plate, ts, 0.9, camera=camera) for plate, ts in reads],
            audit=False,
        )


def test_the_search_page_reads_times_in_local_time_across_the_clock_changes(
    client: TestClient, services: Services, camera: str
) -> None:
    """Brussels time: on 25 October 2026 02:30 comes twice (00:30Z in summer time, then 01:30Z
    in winter time); on 29 March 2026 the clocks jump from 02:00 to 03:00."""
    store_reads_at(
        services,
        camera,
        [
            ("1ABC234", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
            ("1ABC234", datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),
            ("1ABC234", datetime(2026, 3, 29, 0, 59, tzinfo=UTC)),
            ("1ABC234", datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        ],
    )
    csrf = sign_in(client, "inspector")
    form = {"csrf_token": csrf, "query": "1-ABC-234", "kind": "administrative", "justification": JUSTIFICATION}

    def found(start: str, end: str, **more: str) -> list[str]:
        page = client.post("/anpr/search", data={**form, "start": start, "end": end, **more})
        assert page.status_code == 200, page.text
        return re.findall(r'<td class="nowrap">([^<]*)</td>', page.text)

    assert found("2026-10-25 02:30", "2026-10-25 02:31") == ["2026-10-25 02:30:00 +02:00"], "the first 02:30"
    assert found("2026-10-25 02:30+01:00", "2026-10-25 02:31+01:00") == ["2026-10-25 02:30:00 +01:00"]
    assert found("2026-10-25T02:00", "2026-10-25T03:00+01:00") == [
        "2026-10-25 02:30:00 +01:00",
        "2026-10-25 02:30:00 +02:00",
    ], "a datetime-local value is local too; the night's 02:00 to 03:00 lasts two hours"

    register_authorisation(services, "PK 2026/77")
    judicial = {"kind": "judicial", "legal_basis_ref": "PK 2026/77"}  # March is past the 30 days
    assert found("2026-03-29 01:59", "2026-03-29 03:00", **judicial) == ["2026-03-29 01:59:00 +01:00"], (
        "from 01:59 to 03:00 is one minute: the read at 03:00 is the end, left out"
    )
    assert found("2026-03-29 01:59", "2026-03-29 03:01", **judicial) == [
        "2026-03-29 03:00:00 +02:00",
        "2026-03-29 01:59:00 +01:00",
    ]
    skipped = client.post("/anpr/search", data={**form, **judicial, "start": "2026-03-29 02:30", "end": ""})
    assert skipped.status_code == 422
    assert "From: 2026-03-29 02:30 does not exist in Europe/Brussels" in html.unescape(skipped.text)
    bad = client.post("/anpr/search", data={**form, "start": "", "end": "tomorrow"})
    assert bad.status_code == 422 and "is not a time for &#39;Until&#39;" in bad.text
