"""Access requests on both databases: an inspector of the police zone asks the city for two
cameras and four hours of footage; the city's team chief approves one camera and one hour.

Playback inside the approved hour passes, outside it is refused with a sentence naming the
city, and the refusal is in the audit view of both the police and the city; an "export
only" approval yields a package the requester downloads and `belfort verify` accepts; a
refusal carries its reason; an old judicial range needs the prosecutor's reference; every
decision is POSTed to the configured webhooks and counted on the badges.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.audit.log import AuditFilter
from belfort.auth.service import actor_of_user
from belfort.cameras.models import Grant
from belfort.cameras.service import CameraSpec
from belfort.cli import main
from belfort.errors import Conflict, Forbidden, InvalidInput, Unseen
from belfort.evidence.service import ExportItem, ExportRequest
from belfort.media.models import Segment
from belfort.policy import Action, Actor, Purpose, PurposeKind
from belfort.sharing.requests import Approval, RequestSpec
from belfort.timeutil import FrozenClock
from tests.conftest import CITY, PASSWORD, POLICE, SYSTEM, Population
from tests.support.judicial import register_authorisation
from tests.support.recordings import open_recordings, record_with_gap, small_clip

ASKED = ("Stadhuis", "Korenmarkt")
ADMINISTRATIVE = Purpose(PurposeKind.ADMINISTRATIVE, "Fight on the Korenmarkt after the market")
CASE = "HA.12.LB.2026/0042"


@pytest.fixture
def city(services: Services, population: Population) -> dict[str, str]:
    """Two city cameras, the city's team chief and administrator."""
    ids = {}
    with services.db.session() as session:
        for index, name in enumerate(ASKED):
            camera = services.cameras.add(
                session,
                SYSTEM,
                CameraSpec(name=name, organisation=CITY, main_url=f"rtsp://192.0.2.20/{index}", street="Markt"),
            )
            ids[name] = str(camera.id)
        for username, role in (("city-chief", "supervisor"), ("city-admin", "admin")):
            services.accounts.add_user(
                session, SYSTEM, username=username, role=role, organisation=CITY, password=PASSWORD
            )
    return ids


def actor(session: Session, services: Services, username: str) -> Actor:
    return actor_of_user(services.accounts.user_by_name(session, username))


def ask(services: Services, clock: FrozenClock, cameras: list[str], **change: Any) -> str:
    fields: dict[str, Any] = {
        "owner": CITY,
        "rights": ["playback"],
        "footage_from": clock() - timedelta(hours=5),
        "footage_until": clock() - timedelta(hours=1),
        "purpose": ADMINISTRATIVE,
        "cameras": cameras,
        "case_number": CASE,
        **change,
    }
    with services.db.session() as session:
        return str(services.requests.ask(session, actor(session, services, "inspector"), RequestSpec(**fields)).id)


def badge(services: Services, username: str) -> int:
    with services.db.session() as session:
        return services.requests.badge(session, actor(session, services, username))


def play(services: Services, camera: str, start: Any, end: Any) -> None:
    with services.db.session() as session:
        services.playback.request(session, actor(session, services, "inspector"), camera, start, end, ADMINISTRATIVE)


def test_approved_narrower_playback_inside_passes_outside_is_refused_and_audited_on_both_sides(
    services: Services, clock: FrozenClock, city: dict[str, str], population: Population
) -> None:
    request_id = ask(services, clock, list(ASKED))
    assert badge(services, "city-chief") == 1 and badge(services, "inspector") == 0
    with services.db.session() as session:
        inbox = services.requests.inbox(session, actor(session, services, "city-chief"))
        assert [row.request.id for row in inbox] == [uuid.UUID(request_id)]
        assert [camera.name for camera in inbox[0].cameras] == sorted(ASKED)
        assert services.requests.inbox(session, actor(session, services, "supervisor")) == []
    with services.db.session() as session, pytest.raises(Unseen):  # not the owner's approver
        services.requests.approve(session, actor(session, services, "supervisor"), request_id, Approval())

    start = clock() - timedelta(hours=3)
    with services.db.session() as session:
        made = services.requests.approve(
            session,
            actor(session, services, "city-chief"),
            request_id,
            Approval(cameras=[ASKED[1]], footage_from=start, footage_until=start + timedelta(hours=1)),
        )
        assert [grant.camera.name for grant in made if grant.camera] == [ASKED[1]]
    assert badge(services, "city-chief") == 0 and badge(services, "inspector") == 1
    with services.db.session() as session:
        outbox = services.requests.outbox(session, actor(session, services, "inspector"))
        assert outbox[0].request.state == "approved" and len(outbox[0].grants) == 1
        grant = session.scalars(select(Grant).where(Grant.request_id == uuid.UUID(request_id))).one()
        assert grant.purposes.split() == ["administrative"] and grant.rights.split() == ["playback"]
    assert badge(services, "inspector") == 0, "seen once the outbox was read"

    with services.db.session() as session:
        session.add(
            Segment(
                camera_id=uuid.UUID(city[ASKED[1]]),
                storage_id="elsewhere",
                path="city/0.mp4",
                state="complete",
                start_time=start,
                end_time=start + timedelta(minutes=10),
                bytes=1,
                frames=1,
                keyframes=1,
                codec="avc1.640028",
                width=1280,
                height=720,
                fragments=b"",
            )
        )
    play(services, city[ASKED[1]], start, start + timedelta(minutes=10))
    with pytest.raises(Forbidden) as outside:
        play(services, city[ASKED[1]], start - timedelta(hours=1), start - timedelta(minutes=50))
    assert CITY in outside.value.message and "request" in outside.value.needs
    with pytest.raises(Unseen):  # the camera not approved stays unseen
        play(services, city[ASKED[0]], start, start + timedelta(minutes=10))

    refused = AuditFilter(action=Action.VIEW_RECORDING.value, outcome="refused")
    for reviewer in ("supervisor", "city-chief"):
        with services.db.session() as session:
            records = services.review.records(session, actor(session, services, reviewer), refused)
            rules = [json.loads(record.detail)["rule"] for record in records if record.actor_name == "inspector"]
            assert "grant" in rules, f"{reviewer} does not see the refused playback"
    with services.db.session() as session:
        own = services.review.records(session, actor(session, services, "city-chief"), AuditFilter())
        assert any(record.action == Action.DECIDE_REQUESTS.value for record in own)
        decided = [record for record in own if record.action == Action.DECIDE_REQUESTS.value]
        assert {(r.actor_name, r.outcome) for r in decided} == {("city-chief", "granted"), ("supervisor", "refused")}
        assert len(decided) == 2, "one record per decision, and the police chief's try at deciding"


def test_refusal_carries_its_reason_and_a_decided_request_stays_decided(
    services: Services, clock: FrozenClock, city: dict[str, str]
) -> None:
    request_id = ask(services, clock, [ASKED[0]])
    with services.db.session() as session, pytest.raises(InvalidInput) as short:
        services.requests.refuse(session, actor(session, services, "city-chief"), request_id, "no")
    assert short.value.message.startswith("reason:")
    with services.db.session() as session:
        services.requests.refuse(
            session, actor(session, services, "city-chief"), request_id, "That camera did not film the square"
        )
    with services.db.session() as session:
        row = services.requests.outbox(session, actor(session, services, "inspector"))[0].request
        assert (row.state, row.decision_reason) == ("refused", "That camera did not film the square")
    with services.db.session() as session, pytest.raises(Conflict):
        services.requests.approve(session, actor(session, services, "city-chief"), request_id, Approval())
    with services.db.session() as session, pytest.raises(Conflict):
        services.requests.withdraw(session, actor(session, services, "inspector"), request_id)


def test_the_requester_withdraws_a_waiting_request_others_cannot(
    services: Services, clock: FrozenClock, city: dict[str, str]
) -> None:
    request_id = ask(services, clock, [ASKED[0]])
    with services.db.session() as session, pytest.raises(Unseen):
        services.requests.withdraw(session, actor(session, services, "city-chief"), request_id)
    with services.db.session() as session:
        assert services.requests.withdraw(session, actor(session, services, "inspector"), request_id).state == (
            "withdrawn"
        )
    assert badge(services, "city-chief") == 0


def test_an_old_judicial_range_needs_the_prosecutors_reference(
    services: Services, clock: FrozenClock, city: dict[str, str]
) -> None:
    old = {"footage_from": clock() - timedelta(days=40), "footage_until": clock() - timedelta(days=39)}
    judicial = Purpose(PurposeKind.JUDICIAL, "Burglary series in the centre, PV attached")
    with pytest.raises(InvalidInput) as missing:
        ask(services, clock, [ASKED[0]], purpose=judicial, pv_number="HA.12.LB.000123/2026", **old)
    assert missing.value.message.startswith("legal basis reference:")
    assert missing.value.status_code == 422
    with pytest.raises(InvalidInput) as administrative:
        ask(services, clock, [ASKED[0]], **old)
    assert administrative.value.message.startswith("purpose:")
    with pytest.raises(InvalidInput) as no_pv:
        ask(services, clock, [ASKED[0]], purpose=judicial)
    assert no_pv.value.message.startswith("PV number:")
    with_ref = Purpose(PurposeKind.JUDICIAL, judicial.justification, "Parket Gent 26/1234")
    with pytest.raises(InvalidInput) as unregistered:
        ask(services, clock, [ASKED[0]], purpose=with_ref, pv_number="HA.12.LB.000123/2026", **old)
    assert unregistered.value.message.startswith("legal basis reference: no prosecutor's decision")
    register_authorisation(services, "Parket Gent 26/1234", footage_until=clock() - timedelta(days=39, hours=1))
    with pytest.raises(InvalidInput) as outside:
        ask(services, clock, [ASKED[0]], purpose=with_ref, pv_number="HA.12.LB.000123/2026", **old)
    assert outside.value.message.startswith("footage: 'Parket Gent 26/1234' covers footage from")
    with_order = Purpose(PurposeKind.JUDICIAL, judicial.justification, "JO Gent 26/77")
    register_authorisation(services, "JO Gent 26/77", kind="investigating_judge_order")
    assert ask(services, clock, [ASKED[0]], purpose=with_order, pv_number="HA.12.LB.000123/2026", **old)
    with pytest.raises(InvalidInput) as unknown:
        ask(services, clock, ["Belfort tower"])
    assert unknown.value.message.startswith("cameras:") and CITY in unknown.value.message
    with pytest.raises(InvalidInput) as wrong_owner:
        ask(services, clock, [ASKED[0]], owner=POLICE)
    assert wrong_owner.value.message.startswith("owner:")


def test_an_operator_may_not_ask_and_the_refusal_is_audited(
    services: Services, clock: FrozenClock, city: dict[str, str]
) -> None:
    with services.db.session() as session, pytest.raises(Forbidden):
        services.requests.ask(
            session,
            actor(session, services, "operator"),
            RequestSpec(
                owner=CITY,
                rights=["playback"],
                footage_from=clock() - timedelta(hours=2),
                footage_until=clock(),
                purpose=ADMINISTRATIVE,
                cameras=[ASKED[0]],
                case_number=CASE,
            ),
        )
    with services.db.session() as session:
        records = services.audit.query(session, AuditFilter(action=Action.ASK_ACCESS.value))
        assert [(r.actor_name, r.outcome) for r in records] == [("operator", "refused")]


class Receiver(ThreadingHTTPServer):
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/requests"


class Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        self.server.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_asking_and_deciding_are_posted_to_the_webhooks_and_published(
    services: Services, clock: FrozenClock, city: dict[str, str], receiver: Receiver
) -> None:
    services.requests.webhooks.urls = [receiver.url]
    request_id = ask(services, clock, [ASKED[0]])
    with services.db.session() as session, pytest.raises(InvalidInput):  # rolled back: nothing is sent
        services.requests.refuse(session, actor(session, services, "city-chief"), request_id, "no")
    with services.db.session() as session:
        services.requests.refuse(
            session, actor(session, services, "city-chief"), request_id, "Camera was out of order that day"
        )
    assert services.requests.webhooks.wait_idle(10)
    assert [(m["change"], m["id"]) for m in receiver.received] == [("asked", request_id), ("refused", request_id)]
    refused = receiver.received[1]
    assert refused["owner"] == CITY and refused["requester"] == POLICE and refused["site"] == "Belfort"
    assert refused["text"] == (f"{CITY} refused the access request of {POLICE}: Camera was out of order that day")


def test_export_only_yields_a_package_the_requester_downloads_and_belfort_verify_accepts(
    services: Services, clock: FrozenClock, city: dict[str, str], tmp_path: Path
) -> None:
    storage = open_recordings(services, tmp_path / "recordings")
    try:
        segments = [s for s, _ in record_with_gap(services, storage, uuid.UUID(city[ASKED[0]]), small_clip())]
    finally:
        services.media.index.stop()
    start, end = segments[0].start_time, segments[1].end_time
    request_id = ask(services, clock, [ASKED[0]], rights=["export"], footage_from=start, footage_until=end)
    with services.db.session() as session:
        row = services.requests.approve_export_only(
            session, actor(session, services, "city-admin"), request_id, Approval(note="Package for the case")
        )
        export_id = uuid.UUID(row.export_ids.split()[0])
    assert services.exports.wait_idle(60), "the package was not built within a minute"
    with services.db.session() as session:
        assert services.requests.outbox(session, actor(session, services, "inspector"))[0].request.state == (
            "export_only"
        )
        with pytest.raises(Unseen):  # the package is the requester's alone
            services.exports.package_path(session, actor(session, services, "city-chief"), export_id)
    with services.db.session() as session:
        export, path = services.exports.package_path(session, actor(session, services, "inspector"), export_id)
        assert export.state == "ready" and export.recipient == f"{POLICE}: inspector"
    result = CliRunner().invoke(main, ["verify", str(path)])
    assert result.exit_code == 0 and "package intact" in result.output, result.output


def test_the_command_line_lists_approves_narrower_and_refuses(
    services: Services, clock: FrozenClock, city: dict[str, str]
) -> None:
    first = ask(services, clock, list(ASKED))
    second = ask(services, clock, [ASKED[0]])
    settings = services.settings
    env = {"BELFORT_CONFIG": "", "BELFORT_DATABASE__URL": settings.database_url}

    def run(*args: str) -> str:
        result = CliRunner().invoke(main, ["request", *args, "--data", str(settings.data_dir)], env=env)
        assert result.exit_code == 0, result.output
        return result.output

    listed = run("list", "--org", CITY)
    assert {line.split("\t")[0] for line in listed.splitlines()} == {first, second}
    assert all(line.split("\t")[1] == "pending" for line in listed.splitlines())
    assert run("list", "--org", CITY, "--box", "outbox") == ""
    approved = run(
        "approve",
        first,
        "--cameras",
        ASKED[1],
        "--footage-from",
        "2026-11-21 10:00",
        "--footage-until",
        "2026-11-21 11:00",
    )
    assert approved.startswith("grant ") and approved.strip().endswith(f"to {POLICE}: {ASKED[1]}")
    with services.db.session() as session:
        grant = session.scalars(select(Grant).where(Grant.request_id == uuid.UUID(first))).one()
        assert (grant.footage_from, grant.footage_until) == (clock() - timedelta(hours=3), clock() - timedelta(hours=2))
    assert f"request {second} of {POLICE} refused" in run("refuse", second, "--reason", "Not our camera that night")
    states = {line.split("\t")[0]: line.split("\t")[1] for line in run("list", "--box", "outbox").splitlines()}
    assert states == {first: "approved", second: "refused"}
    refused = CliRunner().invoke(
        main, ["request", "refuse", first, "--reason", "Too late now", "--data", str(settings.data_dir)], env=env
    )
    assert refused.exit_code == 1 and "no longer waiting" in refused.output


def test_a_revoked_grant_stops_the_export_still_waiting_to_be_built(
    services: Services, clock: FrozenClock, city: dict[str, str], tmp_path: Path
) -> None:
    storage = open_recordings(services, tmp_path / "recordings")
    try:
        segments = [s for s, _ in record_with_gap(services, storage, uuid.UUID(city[ASKED[0]]), small_clip())]
    finally:
        services.media.index.stop()
    start, end = segments[0].start_time, segments[1].end_time
    request_id = ask(services, clock, [ASKED[0]], rights=["export"], footage_from=start, footage_until=end)
    with services.db.session() as session:
        (grant,) = services.requests.approve(session, actor(session, services, "city-admin"), request_id, Approval())
        grant_id = str(grant.id)
    item = ExportItem(ASKED[0], start, end)
    with services.db.session() as session:
        export = services.exports.request(
            session,
            actor(session, services, "inspector"),
            ExportRequest((item,), CASE, "Parquet Limburg", ADMINISTRATIVE),
        )
        export_id = export.id
        assert json.loads(export.items)[0]["grant"] == grant_id
    with services.db.session() as session:
        services.grants.revoke(session, actor(session, services, "city-admin"), grant_id, "The case was closed today")
    services.exports.build(export_id)  # what the builder thread does next
    with services.db.session() as session:
        row = services.exports.progress(session, actor(session, services, "inspector"), export_id)
        assert row.state == "failed" and "The case was closed today" in row.error
