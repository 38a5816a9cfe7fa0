"""Evidence export through the API, on both databases, with footage recorded by the real
recorder: a range over three segments and a gap becomes a package whose clip PyAV decodes
frame for frame and which `belfort verify` accepts offline; refusals are audited, the
package is built in the background and handed only to the person who asked for it."""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import av
import numpy as np
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select

from belfort.app import Services
from belfort.audit import AuditFilter
from belfort.cli import main
from belfort.media.clips import plan_clip, read_clip
from belfort.media.models import Segment
from belfort.retention.models import Hold
from belfort.timeutil import FrozenClock, iso_utc, parse_iso
from tests.conftest import Population, bearer
from tests.support.judicial import register_authorisation
from tests.support.recordings import (
    face_clip,
    open_recordings,
    police_camera,
    record_clip,
    record_with_gap,
    small_clip,
)
from tests.web.test_pages import sign_in

JUDICIAL = {"kind": "judicial", "justification": "Armed robbery, case PV 2026/0815", "legal_basis_ref": "PK 2026/77"}
ADMINISTRATIVE = {"kind": "administrative", "justification": "Damage to the bus shelter"}


@pytest.fixture
def camera(services: Services, population: Population) -> uuid.UUID:
    return police_camera(services)


@pytest.fixture
def recorded(services: Services, camera: uuid.UUID, tmp_path: Path) -> Iterator[list[Segment]]:
    storage = open_recordings(services, tmp_path / "recordings")
    yield [segment for segment, _ in record_with_gap(services, storage, camera, small_clip())]
    services.media.index.stop()


def export(
    client: TestClient, headers: dict[str, str], items: list[tuple[uuid.UUID, object, object]], **change: object
) -> object:
    body = {
        "items": [{"camera": str(c), "start": iso_utc(s), "end": iso_utc(e)} for c, s, e in items],  # type: ignore[arg-type]
        "case_number": "PV 2026/0815",
        "recipient": "Public prosecutor, Hasselt",
        "purpose": JUDICIAL,
    }
    return client.post("/api/evidence/exports", json={**body, **change}, headers=headers)


def built(client: TestClient, services: Services, headers: dict[str, str], export_id: str) -> dict:
    assert services.exports.wait_idle(60), "the package was not built within a minute"
    return client.get(f"/api/evidence/exports/{export_id}", headers=headers).json()  # type: ignore[no-any-return]


EPSILON = timedelta(milliseconds=5)


def frame_times(path: Path) -> list[float]:
    with av.open(str(path)) as container:
        return [float(frame.time) for frame in container.decode(video=0)]


def storage_path(services: Services, segment: Segment) -> Path:
    storage = services.media.storage_for(segment.storage_id)
    assert storage is not None
    return storage.path(segment.path)


def frames_in(data: bytes) -> int:
    with av.open(io.BytesIO(data), format="mp4") as container:
        return sum(1 for _ in container.decode(video=0))


def test_a_range_over_three_segments_and_a_gap_exports_and_verifies(
    client: TestClient, services: Services, camera: uuid.UUID, recorded: list[Segment], tmp_path: Path
) -> None:
    headers = bearer(client, "inspector")
    gap_after = next(i for i in range(len(recorded) - 1) if recorded[i + 1].start_time > recorded[i].end_time)
    start = recorded[gap_after].start_time + timedelta(milliseconds=500)
    end = recorded[gap_after + 2].start_time + timedelta(milliseconds=500)
    accepted = export(client, headers, [(camera, start, end)], hold=True)
    assert accepted.status_code == 202, accepted.text  # type: ignore[attr-defined]
    job = built(client, services, headers, accepted.json()["id"])  # type: ignore[attr-defined]
    assert job["state"] == "ready" and job["progress"] == 100, job
    package = client.get(job["download_url"], headers=headers)
    assert package.status_code == 200 and package.headers["content-type"] == "application/zip"
    path = tmp_path / "package.zip"
    path.write_bytes(package.content)
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        clip_name = manifest["clips"][0]["file"]
        clip = archive.read(clip_name)
        audit = [json.loads(line) for line in archive.read("audit-records.jsonl").splitlines()]
    item = manifest["clips"][0]
    used = [s for s in recorded if str(s.id) in item["segments"]]
    assert len(used) == 3 and frames_in(clip) == item["frames"]
    first, last = parse_iso(item["start"]), parse_iso(item["end"])
    assert first <= start < end <= last and start - first < timedelta(seconds=1), "from the keyframe before"
    expected = sum(
        1
        for segment in used
        for t in frame_times(storage_path(services, segment))
        if first - EPSILON <= segment.start_time + timedelta(seconds=t) < last - EPSILON
    )
    assert item["frames"] == expected, "every frame recorded in the exact range, and no other"
    assert item["camera"] == "Grote Markt"
    zone = services.settings.zone
    assert manifest["time_zone"] == "Europe/Brussels", "UTC times, and the site's zone beside them"
    assert datetime.fromisoformat(manifest["created_at_local"]) == parse_iso(manifest["created_at"])
    created = parse_iso(manifest["created_at"]).astimezone(zone)
    assert manifest["created_at_local"] == created.isoformat(timespec="microseconds")
    for name in ("start", "end", "requested_start", "requested_end"):
        assert item[f"{name}_local"] == parse_iso(item[name]).astimezone(zone).isoformat(timespec="microseconds")
    assert "_local" not in json.dumps(job["clips"]), "the API's fields stay UTC"
    assert manifest["case_number"] == "PV 2026/0815" and manifest["legal_basis_ref"] == "PK 2026/77"
    assert manifest["requester"] == {"name": "inspector", "role": "inspector", "organisation": "PZ Test"}
    assert manifest["recipient"] == "Public prosecutor, Hasselt" and not manifest["faces_blurred"]
    assert {r["action"] for r in audit} == {"evidence.export", "hold.place"}
    assert all(r["outcome"] == "granted" for r in audit)
    result = CliRunner().invoke(main, ["verify", str(path)])
    assert result.exit_code == 0 and "package intact" in result.output, result.output
    with services.db.session() as session:
        hold = session.scalars(select(Hold)).one()
    assert hold.case_number == "PV 2026/0815" and item["hold"] == str(hold.id)
    assert client.get(job["download_url"], headers=bearer(client, "supervisor")).status_code == 404
    history = client.get("/api/evidence/exports", headers=bearer(client, "supervisor")).json()
    assert [h["id"] for h in history] == [job["id"]] and history[0]["download_url"] is None
    assert client.get("/api/evidence/exports", headers=bearer(client, "dpo")).json()[0]["sha256"] == job["sha256"]


def test_old_police_footage_needs_a_judicial_purpose_and_refusals_are_audited(
    client: TestClient, services: Services, camera: uuid.UUID, recorded: list[Segment]
) -> None:
    assert isinstance(services.clock, FrozenClock)
    services.clock.now = recorded[0].start_time + timedelta(days=31)
    register_authorisation(services, "PK 2026/77")
    headers = bearer(client, "inspector")
    items = [(camera, recorded[0].start_time, recorded[-1].end_time)]
    refused = export(client, headers, items, purpose=ADMINISTRATIVE)
    assert refused.status_code == 403 and refused.json()["needs"] == ["judicial_reference"]  # type: ignore[attr-defined]
    assert export(client, bearer(client, "operator"), items).status_code == 403  # type: ignore[attr-defined]
    granted = export(client, headers, items)
    assert granted.status_code == 202  # type: ignore[attr-defined]
    with services.db.session() as session:
        records = services.audit.query(session, AuditFilter(action="evidence.export"))
    assert sorted((r.actor_name, r.outcome, r.purpose, r.recipient) for r in records) == [
        ("inspector", "granted", "judicial", "Public prosecutor, Hasselt"),
        ("inspector", "refused", "administrative", "Public prosecutor, Hasselt"),
        ("operator", "refused", "judicial", "Public prosecutor, Hasselt"),
    ]
    assert built(client, services, headers, granted.json()["id"])["state"] == "ready"  # type: ignore[attr-defined]


def test_bad_requests_are_explained_and_nothing_is_queued(
    client: TestClient, services: Services, camera: uuid.UUID, recorded: list[Segment]
) -> None:
    headers = bearer(client, "inspector")
    first = recorded[0].start_time
    cases = [
        ([(camera, first, first - timedelta(seconds=1))], {}, 422, "must end after it starts"),
        ([(camera, first, first + timedelta(hours=25))], {}, 422, "longer than 24 hours"),
        ([(camera, first, first + timedelta(minutes=1))], {"case_number": ""}, 422, "case number is required"),
        ([(camera, first, first + timedelta(minutes=1))], {"recipient": " "}, 422, "say to whom"),
        ([(uuid.uuid4(), first, first + timedelta(minutes=1))], {}, 404, "no camera"),
        ([(camera, first - timedelta(days=3), first - timedelta(days=2))], {}, 404, "nothing was recorded"),
    ]
    for items, change, status, text in cases:
        answer = export(client, headers, items, **change)
        assert answer.status_code == status and text in answer.json()["detail"], answer.text  # type: ignore[attr-defined]
    assert client.get("/api/evidence/exports", headers=headers).json() == []


def test_a_package_whose_footage_vanished_fails_with_the_reason(
    client: TestClient, services: Services, camera: uuid.UUID, recorded: list[Segment], tmp_path: Path
) -> None:
    headers = bearer(client, "inspector")
    services.exports.submit = lambda _export_id: None  # type: ignore[method-assign]  # hold the build back
    accepted = export(client, headers, [(camera, recorded[0].start_time, recorded[0].end_time)])
    for path in (tmp_path / "recordings").rglob("*.mp4"):
        path.write_bytes(b"")
    services.exports.build(uuid.UUID(accepted.json()["id"]))  # type: ignore[attr-defined]
    job = client.get(f"/api/evidence/exports/{accepted.json()['id']}", headers=headers).json()  # type: ignore[attr-defined]
    assert job["state"] == "failed" and "storage check" in job["error"] and job["download_url"] is None
    assert not list((services.settings.data_dir / "exports").glob("*.zip")), "no half-written package is left"


def test_the_evidence_page_exports_several_cameras(
    client: TestClient, services: Services, camera: uuid.UUID, recorded: list[Segment]
) -> None:
    csrf = sign_in(client, "inspector")
    start, end = recorded[0].start_time, recorded[1].end_time

    def local(moment: datetime) -> str:
        """As a person types it: the site's wall-clock time."""
        return moment.astimezone(services.settings.zone).strftime("%Y-%m-%d %H:%M:%S.%f")

    form = {
        "csrf_token": csrf,
        "camera": [str(camera), str(camera)],
        "start": [local(start), iso_utc(recorded[-1].start_time)],
        "end": [local(end), iso_utc(recorded[-1].end_time)],
        "case_number": "PV 2026/0815",
        "recipient": "Ethias, claims department",
        "kind": "judicial",
        "justification": JUDICIAL["justification"],
        "legal_basis_ref": "PK 2026/77",
    }
    page = client.post("/evidence", data=form)
    assert page.status_code == 200 and "being built" in page.text, page.text
    assert page.history[0].status_code == 303, "post/redirect/get: a reload asks for nothing again"
    assert services.exports.wait_idle(60)
    job = client.get("/api/evidence/exports").json()[0]
    assert job["state"] == "ready" and len(job["clips"]) == 2
    history = client.get("/evidence").text
    assert "Download" in history
    first_clip = parse_iso(job["clips"][0]["start"]).astimezone(services.settings.zone)
    shown = first_clip.strftime("%Y-%m-%d %H:%M:%S %z")
    assert f"{shown[:-2]}:{shown[-2:]}" in history, "the clips' times are local, with their offset"
    bad = client.post("/evidence", data={**form, "start": ["soon", "later"]})
    assert bad.status_code == 422 and "is not a time for" in bad.text


def test_faces_are_blurred_for_a_third_party_and_the_manifest_says_how(
    client: TestClient, services: Services, camera: uuid.UUID, tmp_path: Path
) -> None:
    storage = open_recordings(services, tmp_path / "recordings")
    try:
        segments = record_clip(services, storage, camera, face_clip(tmp_path))
    finally:
        services.media.index.stop()
    headers = bearer(client, "inspector")
    items = [(camera, segments[0].start_time, segments[-1].end_time)]
    accepted = export(client, headers, items, blur_faces=True, recipient="Ethias, claims department")
    assert accepted.status_code == 202, accepted.text  # type: ignore[attr-defined]
    job = built(client, services, headers, accepted.json()["id"])  # type: ignore[attr-defined]
    assert job["state"] == "ready", job
    path = tmp_path / "blurred.zip"
    path.write_bytes(client.get(job["download_url"], headers=headers).content)
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        blurred = archive.read(manifest["clips"][0]["file"])
    item = manifest["clips"][0]
    assert manifest["faces_blurred"] and "re-encoded" in manifest["note"]
    report = item["faces_blurred"]
    assert report["detector"].startswith("CenterFace") and len(report["model_sha256"]) == 64
    assert report["frames"] == report["frames_with_faces"] == item["frames"] == sum(s.frames for s in segments)
    original = b"".join(read_clip(plan_clip([(s, storage.path(s.path)) for s in segments], *items[0][1:])))
    assert hashlib.sha256(original).hexdigest() == item["source_sha256"]
    before, after = pictures(original), pictures(blurred)
    assert len(before) == len(after) == item["frames"]
    face = (slice(70, 170), slice(240, 270))  # inside the face in every frame (it slides 2 px a frame)
    assert all(detail(b[face]) < 0.2 * detail(a[face]) for a, b in zip(before, after, strict=True))
    assert CliRunner().invoke(main, ["verify", str(path)]).exit_code == 0


def pictures(data: bytes) -> list[np.ndarray]:
    with av.open(io.BytesIO(data), format="mp4") as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def detail(picture: np.ndarray) -> float:
    grey = picture.astype(np.float64).mean(axis=2)
    return float(
        np.mean((4 * grey[1:-1, 1:-1] - grey[:-2, 1:-1] - grey[2:, 1:-1] - grey[1:-1, :-2] - grey[1:-1, 2:]) ** 2)
    )


def test_the_export_history_is_read_by_few_and_every_reading_is_recorded(
    client: TestClient, services: Services, camera: uuid.UUID, recorded: list[Segment]
) -> None:
    """Case, recipient and prosecutor's reference: the requester, the team chief and the DPO
    read them, each reading recorded; a colleague, a partner and a machine token do not."""
    from belfort.policy.model import system_actor

    with services.db.session() as session:
        services.accounts.add_user(
            session,
            system_actor("test"),
            username="colleague",
            role="inspector",
            organisation="PZ Test",
            password="correct-horse-battery",
        )
    made = export(client, bearer(client, "inspector"), [(camera, recorded[0].start_time, recorded[0].end_time)])
    export_id = made.json()["id"]  # type: ignore[attr-defined]
    assert services.exports.wait_idle(60)
    token = client.post(
        "/api/tokens",
        json={"name": "anpr-cam", "organisation": "PZ Test", "scopes": ["anpr:ingest"]},
        headers=bearer(client, "admin"),
    ).json()["token"]
    expected = {"inspector": 1, "supervisor": 1, "dpo": 1, "colleague": 0, "partner": None, "operator": None}
    for person, count in expected.items():
        history = client.get("/api/evidence/exports", headers=bearer(client, person))
        if count is None:
            assert history.status_code == 403, person
            continue
        assert history.status_code == 200 and len(history.json()) == count, person
        one = client.get(f"/api/evidence/exports/{export_id}", headers=bearer(client, person))
        assert one.status_code == (200 if count else 404), person
    machine = client.get("/api/evidence/exports", headers={"Authorization": f"Bearer {token}"})
    assert machine.status_code == 403
    with services.db.session() as session:
        readings = services.audit.query(session, AuditFilter(action="evidence.history", limit=100))
    by_person = sorted((r.actor_name, r.outcome) for r in readings)
    assert by_person == sorted(
        [
            ("colleague", "granted"),
            ("colleague", "refused"),
            ("dpo", "granted"),
            ("dpo", "granted"),
            ("inspector", "granted"),
            ("inspector", "granted"),
            ("operator", "refused"),
            ("partner", "refused"),
            ("supervisor", "granted"),
            ("supervisor", "granted"),
            ("token:anpr-cam", "refused"),
        ]
    )


def test_only_the_requester_downloads_and_each_download_is_recorded(
    client: TestClient, services: Services, camera: uuid.UUID, recorded: list[Segment]
) -> None:
    made = export(client, bearer(client, "inspector"), [(camera, recorded[0].start_time, recorded[0].end_time)])
    export_id = made.json()["id"]  # type: ignore[attr-defined]
    assert services.exports.wait_idle(60)
    assert (
        client.get(f"/api/evidence/exports/{export_id}/package", headers=bearer(client, "inspector")).status_code == 200
    )
    other = client.get(f"/api/evidence/exports/{export_id}/package", headers=bearer(client, "supervisor"))
    assert other.status_code == 404 and "There is no evidence export" in other.json()["detail"]
    with services.db.session() as session:
        downloads = services.audit.query(session, AuditFilter(action="evidence.download"))
    assert sorted((r.actor_name, r.outcome, r.op) for r in downloads) == [
        ("inspector", "granted", "disclose"),
        ("supervisor", "refused", "disclose"),
    ]


def test_an_export_of_a_range_without_footage_is_a_recorded_refusal(
    client: TestClient, services: Services, camera: uuid.UUID, recorded: list[Segment]
) -> None:
    later = recorded[-1].end_time + timedelta(days=1)
    answer = export(client, bearer(client, "inspector"), [(camera, later, later + timedelta(minutes=5))])
    assert answer.status_code == 404 and "nothing was recorded" in answer.json()["detail"]  # type: ignore[attr-defined]
    with services.db.session() as session:
        records = services.audit.query(session, AuditFilter(action="evidence.export"))
    assert [(r.outcome, r.recipient) for r in records] == [("refused", "Public prosecutor, Hasselt")]
