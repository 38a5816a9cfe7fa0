"""Every route by every role and machine scope by a resource of another organisation.

Each request that is refused (403, or 404 for what the caller may not learn exists) leaves
exactly one audit record naming the actor, the action, the resource and the reason; a
request that is not refused leaves no refusal. A route added later fails
`test_every_route_is_in_the_matrix` until it is given a request here.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from starlette.websockets import WebSocketDisconnect

from belfort.alarms.intake import HttpAlarm
from belfort.alarms.premises import ConsentSpec, PremisesSpec
from belfort.anpr.models import Hit, Hotlist, HotlistRow, PlateRead, SpeedSection
from belfort.app import Services, build_services
from belfort.audit.chain import decode_resources
from belfort.audit.models import AuditRecord
from belfort.auth.service import actor_of_user, find_organisation
from belfort.cameras.grants import padded
from belfort.cameras.service import CameraSpec
from belfort.dpo.models import SubjectRequest
from belfort.evidence.models import EvidenceExport
from belfort.judicial.authorisations import AuthorisationSpec
from belfort.judicial.drones import MissionSpec
from belfort.keys import LinkKind
from belfort.media.models import Segment
from belfort.policy import PLATFORM_ROLES, OrganisationKind, Purpose, PurposeKind, Role
from belfort.policy.model import system_actor
from belfort.settings import load_settings
from belfort.sharing.grants import GrantSpec
from belfort.sharing.models import AccessRequest
from belfort.staffing.designations import DesignationSpec
from belfort.staffing.shifts import ShiftSpec
from belfort.timeutil import iso_utc
from belfort.wall.models import CameraTour, WallLayout
from belfort.web.app import create_app
from tests.conftest import PASSWORD
from tests.web.test_routes_need_auth import NODE_LINKED, PUBLIC, all_routes

SYSTEM = system_actor("matrix-setup")
POLICE, SHOP, OTHER, PLATFORM, CITY = "PZ Test", "Shop Test", "PZ Other", "Platform Test", "City Other"
PURPOSE = {"kind": "judicial", "justification": "Investigation of the robbery", "legal_basis_ref": "PK 2026/1"}
FORM_PURPOSE = {"kind": "judicial", "justification": PURPOSE["justification"], "legal_basis_ref": "PK 2026/1"}
ACTORS = [role.value for role in Role] + ["machine"]


@dataclass
class World:
    services: Services
    client: TestClient
    headers: dict[str, dict[str, str]]
    ids: dict[str, str]
    link: Callable[[LinkKind, dict[str, Any]], str]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data: Path = tmp_path_factory.mktemp("matrix") / "data"
    services = build_services(load_settings(data_dir=data, environ={}))
    ids = _populate(services)
    tile = services.settings.tile_dir / "0" / "0" / "0.png"
    tile.parent.mkdir(parents=True, exist_ok=True)
    tile.write_bytes(b"\x89PNG\r\n\x1a\n")  # a map tile is no personal data: served to every signed-in role
    with TestClient(create_app(services)) as client:
        headers = {}
        for role in Role:
            token = client.post("/api/auth/login", json={"username": role.value, "password": PASSWORD}).json()
            headers[role.value] = {"Authorization": f"Bearer {token['token']}"}
        created = client.post(
            "/api/tokens",
            json={"name": "anpr-r8", "organisation": POLICE, "scopes": ["anpr:ingest"]},
            headers=headers["admin"],
        ).json()
        headers["machine"] = {"Authorization": f"Bearer {created['token']}"}
        yield World(services, client, headers, ids, lambda kind, claims: services.links.sign(kind, claims, 3600))
    services.close()


def _populate(services: Services) -> dict[str, str]:
    """The caller's organisations and people, and another police zone with one of each thing."""
    now = services.clock()
    ids: dict[str, str] = {}
    with services.db.session() as session:
        for name, kind in ((POLICE, "police_zone"), (SHOP, "business"), (OTHER, "police_zone"), (PLATFORM, "other")):
            ids[name] = str(services.accounts.add_organisation(session, SYSTEM, name, kind).id)
        for role in Role:
            org = SHOP if role is Role.PARTNER else PLATFORM if role in PLATFORM_ROLES else POLICE
            services.accounts.add_user(
                session, SYSTEM, username=role.value, role=role.value, organisation=org, password=PASSWORD
            )
        for username, role in (("other-inspector", "inspector"), ("other-supervisor", "supervisor")):
            user = services.accounts.add_user(
                session, SYSTEM, username=username, role=role, organisation=OTHER, password=PASSWORD
            )
            ids[username] = str(user.id)
        for key, name, kind in (("camera", "Other Markt", "fixed"), ("anpr", "Other ANPR", "anpr")):
            spec = CameraSpec(name=name, organisation=OTHER, main_url="rtsp://10.0.0.9/a", kind=kind)
            ids[key] = str(services.cameras.add(session, SYSTEM, spec).id)
        token, _ = services.accounts.create_token(
            session, SYSTEM, name="other-anpr", organisation=OTHER, scopes=["anpr:ingest"]
        )
        ids["token"] = str(token.id)
        # the other zone shares with a city no caller belongs to: its group, its grant, and a
        # request of that city's inspector waiting for the other zone's decision
        other_zone = replace(
            SYSTEM,
            organisation_id=uuid.UUID(ids[OTHER]),
            organisation_name=OTHER,
            organisation_kind=OrganisationKind.POLICE_ZONE,
        )
        city = services.accounts.add_organisation(session, SYSTEM, CITY, "city")
        asker = services.accounts.add_user(
            session, SYSTEM, username="city-inspector", role="inspector", organisation=CITY, password=PASSWORD
        )
        group = services.groups.create(session, other_zone, "Other group", "picked", "", [ids["camera"]])
        (grant,) = services.grants.add(
            session,
            other_zone,
            GrantSpec(
                grantee=CITY,
                rights=["playback"],
                reason="Footage for the city's mobility office",
                cameras=[ids["camera"]],
            ),
        )
        access = AccessRequest(
            requester_organisation_id=city.id,
            requester_id=asker.id,
            requester_name=asker.username,
            owner_organisation_id=uuid.UUID(ids[OTHER]),
            cameras=padded([ids["camera"]]),
            rights=padded(["playback"]),
            footage_from=now - timedelta(hours=2),
            footage_until=now - timedelta(hours=1),
            purpose="administrative",
            justification="Damage to the town hall square",
            case_number="PV 8",
            state="pending",
            created_at=now,
        )
        session.add(access)
        session.flush()
        ids.update(group=str(group.id), grant=str(grant.id), request=str(access.id))
        camera = uuid.UUID(ids["camera"])
        segment = Segment(
            camera_id=camera,
            storage_id="matrix",
            path="none.mp4",
            state="complete",
            start_time=now - timedelta(hours=1),
            end_time=now - timedelta(minutes=59),
            codec="avc1.42E01E",
            width=1280,
            height=720,
        )
        session.add(segment)
        purpose = Purpose(PurposeKind.JUDICIAL, "Kept for the robbery case", "PK 2026/2")
        hold, _ = services.holds.place(
            session, SYSTEM, ids["camera"], now - timedelta(hours=2), now - timedelta(hours=1), "PV 9", "kept", purpose
        )
        other = uuid.UUID(ids[OTHER])
        export = EvidenceExport(
            created_at=now,
            requester_id=uuid.UUID(ids["other-inspector"]),
            requester_name="other-inspector",
            organisation_id=other,
            case_number="PV 9",
            recipient="Prosecutor",
            purpose="judicial",
            justification="Kept for the robbery case",
            items="[]",
            state="ready",
            file_name="none.zip",
            signing_key_fingerprint="-",
        )
        hotlist = Hotlist(organisation_id=other, name="Other list", updated_at=now, updated_by="other-supervisor")
        session.add_all([export, hotlist])
        session.flush()
        entry = HotlistRow(hotlist_id=hotlist.id, pattern="1ABC234", category="stolen", priority=1)
        read = PlateRead(
            organisation_id=other,
            source="matrix",
            camera_id=uuid.UUID(ids["anpr"]),
            ts=now - timedelta(minutes=5),
            plate="1ABC234",
            plate_reversed="432CBA1",
            plate_key="1ABC234",
            display="1-ABC-234",
            confidence=0.9,
            received_at=now,
        )
        section = SpeedSection(
            organisation_id=other,
            name="Other section",
            entry_camera_id=uuid.UUID(ids["anpr"]),
            exit_camera_id=uuid.UUID(ids["anpr"]),
            distance_m=1000,
            limit_kmh=50,
            created_at=now,
        )
        session.add_all([entry, read, section])
        session.flush()
        hit = Hit(
            organisation_id=other,
            read_id=read.id,
            ts=read.ts,
            plate=read.plate,
            display=read.display,
            camera_id=read.camera_id,
            place="Other ANPR",
            hotlist="Other list",
            pattern="1ABC234",
            category="stolen",
            priority=1,
            mode="exact",
            created_at=now,
        )
        tour = CameraTour(
            organisation_id=other,
            name="Other tour",
            camera_ids=json.dumps([ids["camera"]]),
            dwell_seconds=10,
            created_by="other-supervisor",
            updated_at=now,
        )
        layout = WallLayout(
            user_id=uuid.UUID(ids["other-supervisor"]),
            name="Other layout",
            layout="1",
            tiles=json.dumps([ids["camera"]]),
            is_default=False,
            updated_at=now,
        )
        session.add_all([hit, tour, layout])
        session.flush()
        other_person = actor_of_user(services.accounts.user_by_name(session, "other-inspector"))
        ids.update(
            segment=str(segment.id),
            hold=str(hold.id),
            export=str(export.id),
            hotlist=str(hotlist.id),
            entry=str(entry.id),
            read=str(read.id),
            section=str(section.id),
            hit=str(hit.id),
            other_person=str(other_person.id),
            start=iso_utc(now - timedelta(hours=1)),
            end=iso_utc(now - timedelta(minutes=59)),
        )
    _populate_alarms(services, ids)
    _populate_dpo(services, ids)
    _populate_staffing(services, ids)
    _populate_judicial(services, ids)
    return ids


ALARM_CENTRE = "Alarm Other"
"""An alarm centre no caller belongs to: its premises sends alarms to the other police zone."""


def _populate_alarms(services: Services, ids: dict[str, str]) -> None:
    """The other centre's premises, the other zone's consent on its camera, and an incident in
    the other zone's queue with a live grant on it."""
    with services.db.session() as session:
        services.accounts.add_organisation(session, SYSTEM, ALARM_CENTRE, "alarm_centre")
        centre = replace(
            SYSTEM,
            organisation_id=find_organisation(session, ALARM_CENTRE).id,
            organisation_name=ALARM_CENTRE,
            organisation_kind=OrganisationKind.ALARM_CENTRE,
        )
        other_zone = replace(
            SYSTEM,
            organisation_id=uuid.UUID(ids[OTHER]),
            organisation_name=OTHER,
            organisation_kind=OrganisationKind.POLICE_ZONE,
        )
        premises, _key = services.premises.add(
            session,
            centre,
            PremisesSpec(
                name="Other premises", subscriber="Other shop", address="Markt 9", police=OTHER, account="9F9F"
            ),
        )
        consent = services.premises.consent(session, other_zone, str(premises.id), ConsentSpec(camera=ids["camera"]))
        ids.update(premises=str(premises.id), consent=str(consent.id))
    taken = services.intake.http(SYSTEM, HttpAlarm(account="9F9F", code="BA", zone="1"), "matrix")
    ids["incident"] = str(taken.changes[0].incident_id)


def _populate_dpo(services: Services, ids: dict[str, str]) -> None:
    """A data-subject request the other police zone's DPO recorded, on its camera."""
    now = services.clock()
    with services.db.session() as session:
        row = SubjectRequest(
            organisation_id=uuid.UUID(ids[OTHER]),
            reference="SR-2026-0001",
            requester_name="Other requester",
            requester_contact="requester@example.org",
            identity_check="ID card seen at the desk",
            identity_checked_by="Other DPO",
            received_on=now.date(),
            period_start=now - timedelta(hours=1),
            period_end=now - timedelta(minutes=59),
            cameras=padded([ids["camera"]]),
            status="received",
            due_on=now.date() + timedelta(days=30),
            created_at=now,
            created_by="other-dpo",
            updated_at=now,
        )
        session.add(row)
        session.flush()
        ids["subject_request"] = str(row.id)


def _dpo_requests(ids: dict[str, str], unique: str) -> dict[tuple[str, str], Request]:
    """The register of processing activities and data-subject requests, aimed at the other
    zone's camera and request (the platform auditor reads the other zone's register)."""
    camera, start, end = ids["camera"], ids["start"], ids["end"]
    other = {"params": {"organisation": OTHER}}
    asked = f"/api/subject-requests/{ids['subject_request']}"
    page = f"/subject-requests/{ids['subject_request']}"
    new = {
        "requester_name": "Anna Peeters",
        "requester_contact": "anna@example.org",
        "identity_check": "ID card seen at the desk",
        "identity_checked_by": "Desk officer",
        "period_start": start,
        "period_end": end,
        "place": f"Nowhere {unique}",
    }
    form = {**new, "period_start": start[:19], "period_end": end[:19]}
    answer = {"outcome": "Footage found and sent", "sent": "Package by registered mail"}
    refuse = {"reason": "Manifestly unfounded, repeated"}
    return {
        ("GET", "/api/processing-register"): other,
        ("GET", "/api/processing-register/document"): {"params": {"organisation": OTHER, "format": "markdown"}},
        ("PUT", "/api/processing-register/texts/{section}"): {
            "path": "/api/processing-register/texts/transfers",
            "json": {"text": f"API {unique}"},
        },
        ("PUT", "/api/processing-register/declarations/{camera}"): {
            "path": f"/api/processing-register/declarations/{camera}",
            "json": {"reference": "DECL-1", "validated_on": "2026-01-05"},
        },
        ("GET", "/processing"): other,
        ("POST", "/processing/texts"): {"data": {"section": "measures", "text": f"Page {unique}"}},
        ("POST", "/processing/declarations"): {
            "data": {"camera": camera, "reference": "DECL-1", "validated_on": "2026-01-05"}
        },
        ("GET", "/api/subject-requests"): {},
        ("POST", "/api/subject-requests"): {"json": new},
        ("GET", "/api/subject-requests/{ref}"): {"path": asked},
        ("POST", "/api/subject-requests/{ref}/footage"): {"path": f"{asked}/footage"},
        ("POST", "/api/subject-requests/{ref}/exports"): {
            "path": f"{asked}/exports",
            "json": {"items": [{"camera": camera, "start": start, "end": end}]},
        },
        ("POST", "/api/subject-requests/{ref}/extend"): {
            "path": f"{asked}/extend",
            "json": {"reason": "Eleven cameras to search", "requester_informed": True},
        },
        ("POST", "/api/subject-requests/{ref}/answer"): {"path": f"{asked}/answer", "json": answer},
        ("POST", "/api/subject-requests/{ref}/refuse"): {"path": f"{asked}/refuse", "json": refuse},
        ("GET", "/api/subject-requests/{ref}/exports/{export_id}/package"): {
            "path": f"{asked}/exports/{ids['export']}/package"
        },
        ("GET", "/subject-requests"): {},
        ("POST", "/subject-requests"): {"data": form},
        ("GET", "/subject-requests/{ref}"): {"path": page},
        ("POST", "/subject-requests/{ref}/footage"): {"path": f"{page}/footage"},
        ("POST", "/subject-requests/{ref}/exports"): {
            "path": f"{page}/exports",
            "data": {"cameras": camera, "start": start[:19], "end": end[:19]},
        },
        ("POST", "/subject-requests/{ref}/extend"): {
            "path": f"{page}/extend",
            "data": {"reason": "Eleven cameras to search", "requester_informed": "yes"},
        },
        ("POST", "/subject-requests/{ref}/answer"): {"path": f"{page}/answer", "data": answer},
        ("POST", "/subject-requests/{ref}/refuse"): {"path": f"{page}/refuse", "data": refuse},
    }


Request = dict[str, Any]


def _register_requests(ids: dict[str, str]) -> dict[tuple[str, str], Request]:
    """The owner's side of the public register, aimed at the other zone's camera (its entry
    is always the caller's own organisation's)."""
    camera = ids["camera"]
    return {
        ("GET", "/api/register/profile"): {},
        ("PUT", "/api/register/profile"): {"json": {"dpo_email": "dpo@pz.example"}},
        ("GET", "/api/register/cameras"): {},
        ("PUT", "/api/register/cameras/{ref}"): {"path": f"/api/register/cameras/{camera}", "json": {"public": False}},
        ("GET", "/register/profile"): {},
        ("POST", "/register/profile"): {"data": {"dpo_email": "dpo@pz.example"}},
        ("POST", "/register/cameras/{ref}"): {"path": f"/register/cameras/{camera}", "data": {"public": ""}},
    }


def _populate_staffing(services: Services, ids: dict[str, str]) -> None:
    """The other zone's designation of its team chief, and a shift of theirs still to come."""
    now = services.clock()
    other_zone = replace(
        SYSTEM,
        organisation_id=uuid.UUID(ids[OTHER]),
        organisation_name=OTHER,
        organisation_kind=OrganisationKind.POLICE_ZONE,
    )
    today = now.astimezone(services.settings.zone).date()
    with services.db.session() as session:
        designation = services.designations.add(
            session, other_zone, DesignationSpec("other-supervisor", today, today + timedelta(days=300))
        )
        shift = services.shifts.add(
            session,
            other_zone,
            ShiftSpec("other-supervisor", now + timedelta(days=2), now + timedelta(days=2, hours=8), team_chief=True),
        )
        ids.update(designation=str(designation.id), shift=str(shift.id))


def _staffing_requests(ids: dict[str, str], now: datetime) -> dict[tuple[str, str], Request]:
    """Designations, shifts and the supervisor dashboard, aimed at the other zone's people."""
    today = now.date()
    designate = {
        "person": "other-supervisor",
        "trained_on": today.isoformat(),
        "valid_until": (today + timedelta(days=200)).isoformat(),
    }
    start, end = now + timedelta(days=3), now + timedelta(days=3, hours=8)
    shift = {"person": "other-supervisor", "start": iso_utc(start), "end": iso_utc(end)}
    revoke = {"reason": "Left the control room"}
    return {
        ("GET", "/api/staffing/designations"): {},
        ("POST", "/api/staffing/designations"): {"json": designate},
        ("POST", "/api/staffing/designations/{designation_id}/revoke"): {
            "path": f"/api/staffing/designations/{ids['designation']}/revoke",
            "json": revoke,
        },
        ("GET", "/api/staffing/designation-rule"): {},
        ("PUT", "/api/staffing/designation-rule"): {"json": {"required": True}},
        ("GET", "/api/staffing/shifts"): {},
        ("POST", "/api/staffing/shifts"): {"json": shift},
        ("POST", "/api/staffing/shifts/{shift_id}/cancel"): {"path": f"/api/staffing/shifts/{ids['shift']}/cancel"},
        ("GET", "/api/staffing/supervision"): {},
        ("GET", "/staffing"): {},
        ("GET", "/staffing/supervision"): {},
        ("GET", "/staffing/designations"): {},
        ("POST", "/staffing/designations"): {"data": designate},
        ("POST", "/staffing/designations/{designation_id}/revoke"): {
            "path": f"/staffing/designations/{ids['designation']}/revoke",
            "data": revoke,
        },
        ("POST", "/staffing/designations/rule"): {"data": {"required": "on"}},
        ("GET", "/staffing/shifts"): {},
        ("POST", "/staffing/shifts"): {"data": shift},
        ("POST", "/staffing/shifts/{shift_id}/cancel"): {"path": f"/staffing/shifts/{ids['shift']}/cancel"},
    }


def _populate_judicial(services: Services, ids: dict[str, str]) -> None:
    """The other zone's investigating judge's order, its drone and one logged flight."""
    now = services.clock()
    with services.db.session() as session:
        drone = services.cameras.add(session, SYSTEM, CameraSpec(name="Other Drone", organisation=OTHER, kind="drone"))
        authorisation = services.authorisations.register(
            session,
            SYSTEM,
            AuthorisationSpec(
                kind="investigating_judge_order",
                reference="JO/OTHER/1",
                decided_on=now.date(),
                magistrate="Onderzoeksrechter",
                case_number="OT.1/26",
                footage_from=now - timedelta(days=60),
                footage_until=now,
                expires_at=now + timedelta(days=60),
                all_cameras=True,
                organisation=OTHER,
            ),
        )
        mission = services.drone_missions.log(session, SYSTEM, _flight(str(drone.id), now, organisation=OTHER))
        ids.update(drone=str(drone.id), authorisation=str(authorisation.id), mission=str(mission.mission.id))


def _flight(drone: str, now: datetime, organisation: str = "") -> MissionSpec:
    return MissionSpec(
        regime="administrative",
        camera=drone,
        requesting_officer="Commissaris",
        responsible_officer="Pilot",
        purpose="Search for a missing person in the park",
        proportionality="Only the park was filmed, for twenty minutes, from sixty metres, at night.",
        subsidiarity="No fixed camera covers the woods, and a search on foot would take hours in the dark.",
        area="Park",
        started_at=now - timedelta(hours=2),
        ended_at=now - timedelta(hours=1, minutes=40),
        organisation=organisation,
    )


def _judicial_requests(ids: dict[str, str], now: datetime) -> dict[tuple[str, str], Request]:
    """Authorisations and drone missions, aimed at the other zone's camera, order, drone and flight."""
    order = {
        "kind": "prosecutor_decision",
        "reference": "PK/MATRIX/1",
        "decided_on": now.date().isoformat(),
        "magistrate": "Procureur des Konings",
        "case_number": "MX.1/26",
        "footage_from": iso_utc(now - timedelta(days=50)),
        "footage_until": iso_utc(now - timedelta(days=31)),
        "expires_at": iso_utc(now + timedelta(days=30)),
        "cameras": [ids["camera"]],
    }
    flight = _flight(ids["drone"], now)
    mission = {
        "regime": flight.regime,
        "drone": flight.camera,
        "requesting_officer": flight.requesting_officer,
        "responsible_officer": flight.responsible_officer,
        "purpose": flight.purpose,
        "proportionality": flight.proportionality,
        "subsidiarity": flight.subsidiarity,
        "area": flight.area,
        "started_at": iso_utc(now - timedelta(hours=2)),
        "ended_at": iso_utc(now - timedelta(hours=1, minutes=40)),
    }
    video = {"files": {"video": ("flight.mp4", b"not a video", "video/mp4")}}
    order_times = {"footage_from": "2026-01-01 00:00", "footage_until": "2026-01-31 00:00"}
    order_times["expires_at"] = "2099-01-01 00:00"
    flight_times = {"started_at": mission["started_at"][:16], "ended_at": mission["ended_at"][:16]}
    other_year = {"params": {"year": now.year, "organisation": OTHER}}
    return {
        ("GET", "/api/authorisations"): {},
        ("GET", "/api/authorisations/choices"): {},
        ("POST", "/api/authorisations"): {"json": order},
        ("POST", "/api/authorisations/{authorisation_id}/revoke"): {
            "path": f"/api/authorisations/{ids['authorisation']}/revoke",
            "json": {"reason": "Case closed by the judge"},
        },
        ("GET", "/api/drone-missions"): other_year,
        ("GET", "/api/drone-missions/report.csv"): other_year,
        ("GET", "/api/drone-missions/{mission_id}"): {"path": f"/api/drone-missions/{ids['mission']}"},
        ("POST", "/api/drone-missions"): {"json": mission},
        ("POST", "/api/drone-missions/{mission_id}/videos"): {
            "path": f"/api/drone-missions/{ids['mission']}/videos",
            **video,
        },
        ("GET", "/authorisations"): {},
        ("POST", "/authorisations"): {"data": {**order, **order_times}},
        ("POST", "/authorisations/{authorisation_id}/revoke"): {
            "path": f"/authorisations/{ids['authorisation']}/revoke",
            "data": {"reason": "Case closed by the judge"},
        },
        ("GET", "/drones"): {},
        ("POST", "/drones"): {"data": {**mission, **flight_times}},
        ("GET", "/drones/report"): {"params": {"organisation": OTHER}},
        ("GET", "/drones/{mission_id}"): {"path": f"/drones/{ids['mission']}"},
        ("POST", "/drones/{mission_id}/videos"): {"path": f"/drones/{ids['mission']}/videos", **video},
    }


def requests(world: World, actor: str) -> dict[tuple[str, str], Request]:
    """One request per route, aimed at the other police zone's camera, hold, export, hotlist,
    hit, read or section wherever the route takes one."""
    ids = world.ids
    camera, start, end = ids["camera"], ids["start"], ids["end"]
    playback = world.link(
        LinkKind.PLAYBACK,
        {"sub": ids["other_person"], "cam": camera, "s": 0, "e": 4_000_000_000},
    )
    picture = world.link(LinkKind.READ_PICTURE, {"sub": ids["other_person"], "read": ids["read"]})
    report_chart = world.link(
        LinkKind.ANNUAL_REPORT, {"sub": ids["other_person"], "org": ids[OTHER], "year": 2025, "at": 0.0}
    )
    clip = {"camera": camera, "start": start, "end": end, "grant": playback}
    unique = f"matrix-{actor}"
    grant = {"grantee": OTHER, "rights": ["live"], "reason": "To follow the robbery from both zones"}
    account = hashlib.sha256(actor.encode()).hexdigest()[:8].upper()
    premises, incident = f"/api/alarms/premises/{ids['premises']}", f"/api/incidents/{ids['incident']}"
    new_premises = {
        "name": f"Premises {unique}",
        "subscriber": "Shop",
        "address": "Markt 1",
        "police": OTHER,
        "account": account,
        "centre": ALARM_CENTRE,
    }
    live_reason = {"reason": "The patrol is on site now"}
    return {
        ("GET", "/api/alarms/premises"): {},
        ("POST", "/api/alarms/premises"): {"json": new_premises},
        ("GET", "/api/alarms/premises/{ref}"): {"path": premises},
        ("PATCH", "/api/alarms/premises/{ref}"): {"path": premises, "json": {"contact": "Key holder 0470 00 00 00"}},
        ("DELETE", "/api/alarms/premises/{ref}"): {"path": premises},
        ("POST", "/api/alarms/premises/{ref}/key"): {"path": f"{premises}/key", "json": {"key_bits": 128}},
        ("POST", "/api/alarms/premises/{ref}/consents"): {"path": f"{premises}/consents", "json": {"camera": camera}},
        ("POST", "/api/alarms/consents/{consent_id}/withdraw"): {
            "path": f"/api/alarms/consents/{ids['consent']}/withdraw",
            "json": {"reason": "The shop closed for good"},
        },
        ("POST", "/api/alarms/events"): {"json": {"account": "9F9F", "code": "BA"}},
        ("POST", "/api/alarms/polls"): {"json": {"account": "9F9F"}},
        ("GET", "/api/alarms/receiver"): {},
        ("GET", "/api/incidents"): {},
        ("GET", "/api/incidents/{ref}"): {"path": incident},
        ("POST", "/api/incidents/{ref}/acknowledge"): {"path": f"{incident}/acknowledge"},
        ("POST", "/api/incidents/{ref}/notes"): {"path": f"{incident}/notes", "json": {"text": "Patrol 12 sent"}},
        ("POST", "/api/incidents/{ref}/extend"): {
            "path": f"{incident}/extend",
            "json": {"minutes": 10, "reason": "Suspects still inside"},
        },
        ("POST", "/api/incidents/{ref}/end-live"): {"path": f"{incident}/end-live", "json": live_reason},
        ("POST", "/api/incidents/{ref}/close"): {"path": f"{incident}/close", "json": {"outcome": "no_trace"}},
        ("POST", "/api/incidents/{ref}/wall"): {"path": f"{incident}/wall"},
        ("GET", "/"): {},
        ("GET", "/account"): {},
        ("GET", "/governance"): {},
        ("POST", "/account/language"): {"data": {"language": "en"}},
        ("GET", "/account/password"): {},
        ("POST", "/account/password"): None,
        ("GET", "/admin"): {},
        ("GET", "/map"): {},
        ("GET", "/map/tiles/{z}/{x}/{y}.png"): {"path": "/map/tiles/0/0/0.png"},
        ("POST", "/admin/organisations"): {"data": {"name": f"Org {unique}", "kind": "other"}},
        ("POST", "/admin/tokens"): {"data": {"name": unique, "organisation": OTHER, "scopes": "anpr:ingest"}},
        ("POST", "/admin/tokens/{token_id}/revoke"): {"path": f"/admin/tokens/{ids['token']}/revoke"},
        ("POST", "/admin/users"): {
            "data": {"username": unique, "role": "operator", "organisation": OTHER, "password": PASSWORD}
        },
        ("GET", "/admin/users/{username}"): {"path": "/admin/users/other-supervisor"},
        ("POST", "/admin/users/{username}"): {
            "path": "/admin/users/other-supervisor",
            "data": {"full_name": "Changed", "role": "supervisor", "organisation": OTHER},
        },
        ("POST", "/admin/users/{username}/active"): {
            "path": "/admin/users/other-supervisor/active",
            "data": {"active": "true"},
        },
        ("POST", "/admin/users/{username}/password"): {
            "path": "/admin/users/other-supervisor/password",
            "data": {"password": ""},
        },
        ("GET", "/anpr"): {},
        ("GET", "/anpr/hits"): {},
        ("GET", "/anpr/hotlists"): {"params": {"show": ids["hotlist"]}},
        ("POST", "/anpr/hotlists"): {"data": {"name": f"List {unique}"}},
        ("POST", "/anpr/hotlists/{hotlist_id}/delete"): {"path": f"/anpr/hotlists/{ids['hotlist']}/delete"},
        ("POST", "/anpr/hotlists/{hotlist_id}/entries"): {
            "path": f"/anpr/hotlists/{ids['hotlist']}/entries",
            "data": {"plate": "1XYZ999", "category": "stolen"},
        },
        ("POST", "/anpr/hotlists/{hotlist_id}/import"): {
            "path": f"/anpr/hotlists/{ids['hotlist']}/import",
            "files": {"file": ("list.csv", b"1XYZ999;stolen\n", "text/csv")},
        },
        ("GET", "/anpr/search"): {},
        ("POST", "/anpr/search"): {"data": {"query": "1ABC*", "camera": ids["anpr"], **FORM_PURPOSE}},
        ("GET", "/anpr/sections"): {},
        ("POST", "/anpr/sections"): {
            "data": {
                "name": f"Section {unique}",
                "entry_camera": ids["anpr"],
                "exit_camera": camera,
                "distance_m": "1000",
                "limit_kmh": "50",
            }
        },
        ("POST", "/anpr/sections/report"): {
            "data": {"section": ids["section"], "start": start[:19], "end": end[:19], **FORM_PURPOSE}
        },
        ("GET", "/api/anpr/hits"): {},
        ("POST", "/api/anpr/hits/{hit_id}/accept"): {"path": f"/api/anpr/hits/{ids['hit']}/accept", "json": {}},
        ("POST", "/api/anpr/hits/{hit_id}/reject"): {
            "path": f"/api/anpr/hits/{ids['hit']}/reject",
            "json": {"reason": "another vehicle"},
        },
        ("GET", "/api/anpr/hotlists"): {},
        ("POST", "/api/anpr/hotlists"): {"json": {"name": f"API {unique}"}},
        ("DELETE", "/api/anpr/hotlists/{hotlist_id}"): {"path": f"/api/anpr/hotlists/{ids['hotlist']}"},
        ("GET", "/api/anpr/hotlists/{hotlist_id}/entries"): {"path": f"/api/anpr/hotlists/{ids['hotlist']}/entries"},
        ("POST", "/api/anpr/hotlists/{hotlist_id}/entries"): {
            "path": f"/api/anpr/hotlists/{ids['hotlist']}/entries",
            "json": {"plate": "1XYZ999", "category": "stolen"},
        },
        ("PUT", "/api/anpr/hotlists/{hotlist_id}/entries"): {
            "path": f"/api/anpr/hotlists/{ids['hotlist']}/entries",
            "content": b"1XYZ999;stolen\n",
            "headers": {"Content-Type": "text/csv"},
        },
        ("DELETE", "/api/anpr/hotlists/{hotlist_id}/entries/{entry_id}"): {
            "path": f"/api/anpr/hotlists/{ids['hotlist']}/entries/{ids['entry']}"
        },
        ("POST", "/api/anpr/reads"): {
            "json": {"reads": [{"plate": "1ABC234", "time": end, "camera": ids["anpr"], "id": unique}]}
        },
        ("GET", "/api/anpr/reads/{read_id}/{kind}"): {
            "path": f"/api/anpr/reads/{ids['read']}/crop",
            "params": {"grant": picture},
        },
        ("POST", "/api/anpr/search"): {"json": {"query": "1ABC234", "cameras": [ids["anpr"]], "purpose": PURPOSE}},
        ("GET", "/api/anpr/sections"): {},
        ("POST", "/api/anpr/sections"): {
            "json": {
                "name": f"API {unique}",
                "entry_camera": ids["anpr"],
                "exit_camera": camera,
                "distance_m": 1000,
                "limit_kmh": 50,
            }
        },
        ("POST", "/api/anpr/sections/{section_id}/report"): {
            "path": f"/api/anpr/sections/{ids['section']}/report",
            "json": {"start": start, "end": end, "purpose": PURPOSE},
        },
        ("GET", "/api/audit"): {"params": {"person": "other-inspector"}},
        ("POST", "/api/audit/verify"): {},
        ("POST", "/api/auth/logout"): None,
        ("GET", "/api/auth/me"): {},
        ("GET", "/api/cameras"): {},
        ("POST", "/api/cameras"): {
            "json": {"name": f"Cam {unique}", "organisation": OTHER, "main_url": "rtsp://10.0.0.8/a"}
        },
        ("DELETE", "/api/cameras/{ref}"): {"path": f"/api/cameras/Cam {unique}"},
        ("GET", "/api/cameras/{ref}"): {"path": f"/api/cameras/{camera}"},
        ("PATCH", "/api/cameras/{ref}"): {"path": f"/api/cameras/{camera}", "json": {"street": "Markt"}},
        ("GET", "/api/cameras/{ref}/recordings"): {"path": f"/api/cameras/{camera}/recordings"},
        ("GET", "/api/cameras/{ref}/timeline"): {
            "path": f"/api/cameras/{camera}/timeline",
            "params": {"start": start, "end": end},
        },
        ("GET", "/api/docs"): {},
        ("GET", "/metrics"): {},
        ("GET", "/api/cluster/nodes"): {},
        ("GET", "/internal/segments/{storage_id}/{path:path}"): {
            "path": "/internal/segments/area/2026/12/07/segment.mp4",
            "params": {"link": "forged.link"},
        },
        ("GET", "/cluster"): {},
        ("GET", "/api/evidence/exports"): {},
        ("POST", "/api/evidence/exports"): {
            "json": {
                "items": [{"camera": camera, "start": start, "end": end}],
                "case_number": "PV 1",
                "recipient": "Court",
                "purpose": PURPOSE,
            }
        },
        ("GET", "/api/evidence/exports/{export_id}"): {"path": f"/api/evidence/exports/{ids['export']}"},
        ("GET", "/api/evidence/exports/{export_id}/package"): {
            "path": f"/api/evidence/exports/{ids['export']}/package"
        },
        ("GET", "/api/evidence/exports/{export_id}/progress"): {
            "path": f"/api/evidence/exports/{ids['export']}/progress"
        },
        ("GET", "/api/evidence/key"): {},
        ("GET", "/api/holds"): {"params": {"camera": camera}},
        ("POST", "/api/holds"): {
            "json": {
                "camera": camera,
                "start": start,
                "end": end,
                "case_number": "PV 1",
                "reason": "kept",
                "purpose": PURPOSE,
            }
        },
        ("POST", "/api/holds/{hold_id}/lift"): {"path": f"/api/holds/{ids['hold']}/lift", "json": {"purpose": PURPOSE}},
        ("GET", "/api/live/cameras"): {},
        ("GET", "/api/live/groups"): {},
        ("DELETE", "/api/live/purpose"): {},
        ("GET", "/api/live/purpose"): {},
        ("PUT", "/api/live/purpose"): {"json": PURPOSE},
        ("GET", "/api/live/watching"): {},
        ("POST", "/api/live/{ref}/snapshot"): {"path": f"/api/live/{camera}/snapshot", "json": PURPOSE},
        ("GET", "/api/organisations"): {},
        ("POST", "/api/organisations"): {"json": {"name": f"API org {unique}", "kind": "other"}},
        ("GET", "/api/recordings/clip"): {"params": clip},
        ("GET", "/api/recordings/layout"): {"params": clip},
        ("POST", "/api/recordings/playback"): {
            "json": {"camera": camera, "start": start, "end": end, "purpose": PURPOSE}
        },
        ("GET", "/api/recordings/segments/{segment_id}"): {
            "path": f"/api/recordings/segments/{ids['segment']}",
            "params": {"grant": playback},
        },
        ("GET", "/api/grants"): {},
        ("POST", "/api/grants"): {"json": {**grant, "cameras": [camera]}},
        ("POST", "/api/grants/{grant_id}/narrow"): {
            "path": f"/api/grants/{ids['grant']}/narrow",
            "json": {"rights": ["playback"]},
        },
        ("POST", "/api/grants/{grant_id}/revoke"): {
            "path": f"/api/grants/{ids['grant']}/revoke",
            "json": {"reason": "The case is closed"},
        },
        ("GET", "/api/groups"): {},
        ("POST", "/api/groups"): {"json": {"name": f"API group {unique}", "rule": "picked", "cameras": [camera]}},
        ("DELETE", "/api/groups/{group_id}"): {"path": f"/api/groups/{ids['group']}"},
        ("PUT", "/api/groups/{group_id}/cameras"): {
            "path": f"/api/groups/{ids['group']}/cameras",
            "json": {"cameras": [camera]},
        },
        ("GET", "/api/requests"): {},
        ("POST", "/api/requests"): {
            "json": {
                "owner": OTHER,
                "cameras": [camera],
                "rights": ["playback"],
                "footage_from": start,
                "footage_until": end,
                "purpose": PURPOSE,
                "case_number": "PV 1",
                "pv_number": "PV 1",
            }
        },
        ("GET", "/api/requests/badge"): {},
        ("POST", "/api/requests/{request_id}/approve"): {"path": f"/api/requests/{ids['request']}/approve", "json": {}},
        ("POST", "/api/requests/{request_id}/refuse"): {
            "path": f"/api/requests/{ids['request']}/refuse",
            "json": {"reason": "Not for a mobility study"},
        },
        ("POST", "/api/requests/{request_id}/withdraw"): {"path": f"/api/requests/{ids['request']}/withdraw"},
        ("GET", "/api/sharing/use"): {},
        ("GET", "/api/tokens"): {},
        ("POST", "/api/tokens"): {"json": {"name": f"api-{unique}", "organisation": OTHER, "scopes": ["anpr:ingest"]}},
        ("POST", "/api/tokens/{token_id}/revoke"): {"path": f"/api/tokens/{ids['token']}/revoke"},
        ("GET", "/api/users"): {},
        ("POST", "/api/users"): {
            "json": {"username": f"api-{unique}", "role": "operator", "organisation": OTHER, "password": PASSWORD}
        },
        ("PATCH", "/api/users/{username}"): {"path": "/api/users/other-supervisor", "json": {"full_name": "Sofie"}},
        ("POST", "/api/users/{username}/disable"): {"path": f"/api/users/api-{unique}/disable"},
        ("POST", "/api/users/{username}/enable"): {"path": "/api/users/other-supervisor/enable"},
        ("GET", "/api/wall/layouts"): {},
        ("DELETE", "/api/wall/layouts/{name}"): {"path": "/api/wall/layouts/Other layout"},
        ("PUT", "/api/wall/layouts/{name}"): {
            "path": f"/api/wall/layouts/{unique}",
            "json": {"layout": "1", "tiles": [camera]},
        },
        ("GET", "/api/wall/tours"): {},
        ("DELETE", "/api/wall/tours/{name}"): {"path": "/api/wall/tours/Other tour"},
        ("PUT", "/api/wall/tours/{name}"): {
            "path": f"/api/wall/tours/{unique}",
            "json": {"cameras": [camera], "dwell_seconds": 10},
        },
        ("GET", "/audit"): {"params": {"person": "other-inspector"}},
        ("GET", "/audit/verify"): {},
        ("GET", "/cameras"): {},
        ("POST", "/cameras"): {"data": {"name": f"Page {unique}", "organisation": OTHER, "main_url": "sim://x"}},
        ("GET", "/cameras/{ref}"): {"path": f"/cameras/{camera}"},
        ("GET", "/cameras/{ref}/edit"): {"path": f"/cameras/{camera}/edit"},
        ("POST", "/cameras/{ref}/edit"): {
            "path": f"/cameras/{ids['anpr']}/edit",
            "data": {
                "name": "Other ANPR",
                "organisation": OTHER,
                "kind": "anpr",
                "legal_regime": "police",
                "main_url": "rtsp://10.0.0.9/a",
                "transport": "tcp",
                "street": "Ring",
            },
        },
        ("POST", "/cameras/{ref}/state"): {"path": f"/cameras/Page {unique}/state", "data": {"state": "remove"}},
        ("GET", "/evidence"): {},
        ("POST", "/evidence"): {
            "data": {
                "camera": camera,
                "start": start[:19],
                "end": end[:19],
                "case_number": "PV 1",
                "recipient": "Court",
                **FORM_PURPOSE,
            }
        },
        ("GET", "/holds"): {},
        ("POST", "/holds"): {
            "data": {
                "camera": camera,
                "start": start[:19],
                "end": end[:19],
                "case_number": "PV 1",
                "reason": "kept",
                **FORM_PURPOSE,
            }
        },
        ("POST", "/holds/{hold_id}/lift"): {"path": f"/holds/{ids['hold']}/lift", "data": FORM_PURPOSE},
        ("POST", "/logout"): None,
        ("GET", "/openapi.json"): {},
        ("GET", "/requests"): {},
        ("POST", "/requests"): {
            "data": {
                "owner": OTHER,
                "cameras": camera,
                "rights": "playback",
                "footage_from": start[:19],
                "footage_until": end[:19],
                "case_number": "PV 1",
                "pv_number": "PV 1",
                "purpose": FORM_PURPOSE["kind"],
                "justification": FORM_PURPOSE["justification"],
                "legal_basis_ref": FORM_PURPOSE["legal_basis_ref"],
            }
        },
        ("POST", "/requests/{request_id}/approve"): {"path": f"/requests/{ids['request']}/approve", "data": {}},
        ("POST", "/requests/{request_id}/refuse"): {
            "path": f"/requests/{ids['request']}/refuse",
            "data": {"reason": "Not for a mobility study"},
        },
        ("POST", "/requests/{request_id}/withdraw"): {"path": f"/requests/{ids['request']}/withdraw"},
        ("GET", "/sharing"): {},
        ("GET", "/sharing/grants"): {},
        ("POST", "/sharing/grants"): {"data": {**grant, "target": "cameras", "cameras": camera, "rights": "live"}},
        ("POST", "/sharing/grants/{grant_id}/narrow"): {
            "path": f"/sharing/grants/{ids['grant']}/narrow",
            "data": {"rights": "playback"},
        },
        ("POST", "/sharing/grants/{grant_id}/revoke"): {
            "path": f"/sharing/grants/{ids['grant']}/revoke",
            "data": {"reason": "The case is closed"},
        },
        ("GET", "/sharing/groups"): {},
        ("POST", "/sharing/groups"): {"data": {"name": f"Page group {unique}", "rule": "picked", "cameras": camera}},
        ("POST", "/sharing/groups/{group_id}/cameras"): {
            "path": f"/sharing/groups/{ids['group']}/cameras",
            "data": {"cameras": camera},
        },
        ("POST", "/sharing/groups/{group_id}/delete"): {"path": f"/sharing/groups/{ids['group']}/delete"},
        ("GET", "/sharing/use"): {},
        ("GET", "/api/reports/annual"): {"params": {"organisation": OTHER, "year": "2025"}},
        ("GET", "/reports/annual"): {"params": {"organisation": OTHER, "year": "2025"}},
        ("GET", "/reports/annual.pdf"): {"params": {"organisation": OTHER, "year": "2025"}},
        ("GET", "/reports/annual/charts/{key}.svg"): {
            "path": "/reports/annual/charts/cameras.svg",
            "params": {"link": report_chart},
        },
        **_dpo_requests(ids, unique),
        **_staffing_requests(ids, world.services.clock()),
        **_register_requests(ids),
        **_judicial_requests(ids, world.services.clock()),
        ("GET", "/wall"): {},
        ("GET", "/incidents"): {},
        ("GET", "/incidents/{ref}"): {"path": f"/incidents/{ids['incident']}"},
        ("POST", "/incidents/{ref}/acknowledge"): {"path": f"/incidents/{ids['incident']}/acknowledge"},
        ("POST", "/incidents/{ref}/note"): {
            "path": f"/incidents/{ids['incident']}/note",
            "data": {"note": "Patrol 12 sent"},
        },
        ("POST", "/incidents/{ref}/extend"): {
            "path": f"/incidents/{ids['incident']}/extend",
            "data": {"reason": "The suspects are still inside"},
        },
        ("POST", "/incidents/{ref}/end"): {
            "path": f"/incidents/{ids['incident']}/end",
            "data": {"reason": "The patrol is on site now"},
        },
        ("POST", "/incidents/{ref}/close"): {
            "path": f"/incidents/{ids['incident']}/close",
            "data": {"outcome": "no_trace"},
        },
        ("GET", "/alarms"): {},
        ("GET", "/alarms/premises"): {},
        ("POST", "/alarms/premises"): {"data": {**new_premises, "account": account[::-1]}},
        ("GET", "/alarms/premises/{ref}"): {"path": f"/alarms/premises/{ids['premises']}"},
        ("POST", "/alarms/premises/{ref}/key"): {"path": f"/alarms/premises/{ids['premises']}/key"},
        ("POST", "/alarms/premises/{ref}/consents"): {
            "path": f"/alarms/premises/{ids['premises']}/consents",
            "data": {"camera": camera, "scope": ["live"]},
        },
        ("POST", "/alarms/premises/{ref}/consents/{consent_id}/withdraw"): {
            "path": f"/alarms/premises/{ids['premises']}/consents/{ids['consent']}/withdraw"
        },
        ("GET", "/alarms/receiver"): {},
        **{
            (method, f"/api/{area}/{{operation:path}}"): {"path": f"/api/{area}/search", "json": {"image": "x"}}
            for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
            for area in ("faces", "biometrics")
        },
    }


NAMESPACED = {("DELETE", "/api/wall/layouts/{name}"), ("DELETE", "/api/wall/tours/{name}")}
"""A person's layouts and an organisation's tours are found in their own namespace only:
another's is not refused, it is not there ("you have no layout ..."), and nothing is recorded."""

NOTHING_TO_REFUSE = {
    ("GET", "/"),
    ("GET", "/account"),
    ("GET", "/account/password"),
    ("GET", "/api/auth/me"),
    ("GET", "/api/cameras"),
    ("GET", "/api/docs"),
    ("GET", "/api/evidence/key"),
    ("GET", "/api/authorisations/choices"),
    ("GET", "/api/requests/badge"),
    ("GET", "/api/live/cameras"),
    ("GET", "/api/live/groups"),
    ("GET", "/api/live/purpose"),
    ("GET", "/cameras"),
    ("GET", "/governance"),
    ("GET", "/map"),
    ("GET", "/map/tiles/{z}/{x}/{y}.png"),
    ("GET", "/openapi.json"),
    ("GET", "/sharing"),
    ("GET", "/staffing"),
    *NAMESPACED,
}
"""Routes that show only what the caller may see, or touch only the caller's own things."""


def refusals(services: Services) -> int:
    with services.db.session() as session:
        return int(session.scalar(select(func.count()).where(AuditRecord.outcome == "refused")) or 0)


def newest_refusals(services: Services, count: int) -> list[AuditRecord]:
    with services.db.session() as session:
        statement = select(AuditRecord).where(AuditRecord.outcome == "refused").order_by(AuditRecord.seq.desc())
        return list(session.scalars(statement.limit(count)))


def test_every_route_is_in_the_matrix(world: World) -> None:
    routes = {route for route in all_routes(world.client) if route[0] != "WEBSOCKET"} - PUBLIC
    assert routes == set(requests(world, "x")), "add the new route to the matrix, with a request it could refuse"


def _send(world: World, actor: str, method: str, path: str, request: Request) -> int:
    spec = dict(request)
    target = spec.pop("path", path)
    headers = {**world.headers[actor], **spec.pop("headers", {})}
    response = world.client.request(method, target, headers=headers, follow_redirects=False, **spec)
    return response.status_code


@pytest.mark.parametrize("actor", ACTORS)
def test_each_refusal_leaves_exactly_one_record(world: World, actor: str) -> None:
    services = world.services
    problems: list[str] = []
    for (method, path), request in sorted(requests(world, actor).items()):
        if request is None:  # signing out, or a new password, would end the matrix's own sessions
            continue
        before = refusals(services)
        status = _send(world, actor, method, path, request)
        added = refusals(services) - before
        where = f"{actor} {method} {path} -> {status}"
        refused = status == 403 or (status == 404 and (method, path) not in NAMESPACED)
        if refused:
            if added != 1:
                problems.append(f"{where}: {added} refusal records, not 1")
                continue
            record = newest_refusals(services, 1)[0]
            expected_name = "token:anpr-r8" if actor == "machine" else actor
            if (method, path) in NODE_LINKED:
                expected_name = "node"  # asked by another node under a signed link, whoever is signed in
            if record.actor_name != expected_name or not record.action or not record.reason:
                problems.append(f"{where}: record lacks actor, action or reason: {record.actor_name} {record.action}")
            if not decode_resources(record.resources):
                problems.append(f"{where}: record names no resource")
        elif status < 400 or (method, path) in NAMESPACED:
            if added:
                problems.append(f"{where}: answered without refusing, yet {added} refusal record(s)")
        else:
            problems.append(f"{where}: neither granted nor refused")
    assert problems == [], "\n".join(problems)


def test_the_matrix_refuses_something_on_every_route(world: World) -> None:
    """Each route that takes another organisation's resource is refused to someone: the
    matrix aims at something a route could refuse, not at nothing."""
    refused_somewhere: set[tuple[str, str]] = set()
    for actor in ACTORS:
        for (method, path), request in requests(world, actor).items():
            if request is None or (method, path) in NOTHING_TO_REFUSE or (method, path) in refused_somewhere:
                continue
            before = refusals(world.services)
            _send(world, actor, method, path, request)
            if refusals(world.services) > before:
                refused_somewhere.add((method, path))
    expected = {route for route, request in requests(world, "x").items() if request is not None} - NOTHING_TO_REFUSE
    assert expected - refused_somewhere == set()


@pytest.mark.parametrize("actor", ACTORS)
def test_websocket_refusals_are_recorded_once(world: World, actor: str) -> None:
    services = world.services
    for path in (f"/api/live/{world.ids['camera']}/ws?kind=judicial", "/api/anpr/hits/ws", "/api/incidents/ws"):
        before = refusals(services)
        with world.client.websocket_connect(path, headers=world.headers[actor]) as socket:
            message = socket.receive_json()
            if message["type"] == "hello":
                assert refusals(services) == before, f"{actor} {path}: granted, yet a refusal was recorded"
                continue
            assert message["type"] == "error" and message["status"] in (403, 404), (actor, path, message)
            with pytest.raises(WebSocketDisconnect):
                socket.receive_text()
        assert refusals(services) - before == 1, f"{actor} {path}"
