"""The demo site: a police zone, a city and a shop owner, with one user per role, and
seven simulated cameras (four police cameras, an ANPR camera on the ring road, a city
camera and a shop camera). The operator's video wall opens on the four police cameras,
and a tour of them is ready. Cars with Belgian plates pass the ANPR camera; one of them
is on the demo hotlist as stolen, so a hit reaches the wall within a minute. Only people
the zone's chief designated watch live: the operator, the team chief and a private security
guard (under the inspector); a shift of the operator and the team chief is under way.

Seeding is idempotent: a second `belfort demo` on the same folder reuses what is there.
Passwords are generated on first run and kept in `<data>/demo-credentials.txt` (mode
0600) so they can be printed again; they are demo accounts, never real ones.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from belfort.alarms.premises import ConsentSpec, PremisesSpec
from belfort.anpr.hotlists import parse_csv
from belfort.anpr.models import Hotlist
from belfort.anpr.render import car_scene
from belfort.app import Services
from belfort.auth.models import User
from belfort.auth.service import actor_of_user, generate_password
from belfort.cameras.service import CameraSpec
from belfort.media.simulated import DEMO_CLIPS, encode_clip, encode_frames
from belfort.policy import Actor, Role
from belfort.policy.model import OrganisationKind, system_actor
from belfort.sharing.grants import GrantSpec
from belfort.staffing.designations import DesignationSpec
from belfort.staffing.shifts import ShiftSpec
from belfort.transparency.register import ProfileSpec, PublicationSpec

DEMO_ACTOR = system_actor("demo-seed")

POLICE = "Politiezone Demo"
CITY = "Stad Demo"
SHOP = "Juwelier Demo"
PLATFORM = "Belfort Platform"
CENTRE = "Alarmcentrale Demo"

ORGANISATIONS = [
    (POLICE, "police_zone"),
    (CITY, "city"),
    (SHOP, "business"),
    (PLATFORM, "other"),
    (CENTRE, "alarm_centre"),
]

USERS: list[tuple[str, Role, str, str]] = [
    ("operator", Role.OPERATOR, POLICE, "Olivia Operator"),
    ("inspector", Role.INSPECTOR, POLICE, "Ivan Inspector"),
    ("supervisor", Role.SUPERVISOR, POLICE, "Sofie Supervisor"),
    ("dpo", Role.DPO, POLICE, "Daan DPO"),
    ("admin", Role.ADMIN, POLICE, "Ada Admin"),
    ("guard", Role.SECURITY_GUARD, POLICE, "Gert Guard"),
    ("shop", Role.PARTNER, SHOP, "Sam Shopowner"),
    ("city", Role.PARTNER, CITY, "Charlotte City"),
    ("platform", Role.PLATFORM_ADMIN, PLATFORM, "Pieter Platform"),
    ("auditor", Role.AUDITOR, PLATFORM, "Anna Auditor"),
    ("centre", Role.ADMIN, CENTRE, "Chris Centre"),
]

DEMO_PREMISES = PremisesSpec(
    name="Juwelier Demo, Ring Noord",
    subscriber=SHOP,
    address="Ring Noord 12",
    municipality="Hasselt",
    contact="Sam Shopowner, +32 11 00 00 00",
    police=POLICE,
    prefix="0",
    account="1234",
    zones={"1": "Entrance", "3": "Shop window"},
)
"""A premises of the demo's alarm centre, sending plain DC-09 to 127.0.0.1:12000 (docs/alarms.md)."""

# owner, camera, rights, reason: what the city and the shop open to the police zone
GRANTS: list[tuple[str, str, tuple[str, ...], str]] = [
    (CITY, "Kerkstraat (stad)", ("live", "playback", "export"), "City cameras watched from the police control room"),
    (SHOP, "Juwelier ingang", ("live",), "The jeweller opens its entrance camera to the police"),
]


ANPR_CLIP = "ring-noord-anpr"

# name, clip, owner, street, area, regime, consent reference, latitude, longitude
CAMERAS: list[tuple[str, str, str, str, str, str, str, float, float]] = [
    ("Grote Markt", "grote-markt", POLICE, "Grote Markt", "Centrum", "police", "GR/2026/041", 50.9307, 5.3378),
    ("Stationsplein", "stationsplein", POLICE, "Stationsplein", "Station", "police", "GR/2026/041", 50.9311, 5.3263),
    (
        "Kolonel Dusartplein",
        "kolonel-dusart",
        POLICE,
        "Kolonel Dusartplein",
        "Centrum",
        "police",
        "GR/2026/041",
        50.9299,
        5.3402,
    ),
    ("Havermarkt", "havermarkt", POLICE, "Havermarkt", "Centrum", "police", "GR/2026/041", 50.9290, 5.3360),
    ("Ring Noord ANPR", ANPR_CLIP, POLICE, "Ring Noord (R70)", "Ring", "police", "GR/2026/041", 50.9405, 5.3318),
    ("Kerkstraat (stad)", "kerkstraat", CITY, "Kerkstraat", "Centrum", "camera_law", "", 50.9296, 5.3391),
    ("Juwelier ingang", "ring-noord", SHOP, "Ring Noord", "Noord", "camera_law", "", 50.9402, 5.3320),
]


WALL_CAMERAS = ["Grote Markt", "Stationsplein", "Kolonel Dusartplein", "Havermarkt"]

# owner: its entry in the public camera register (demo contacts, on example.be addresses)
REGISTER_PROFILES: dict[str, ProfileSpec] = {
    POLICE: ProfileSpec(
        slug="politiezone-demo",
        dpo_name="Daan DPO",
        dpo_email="dpo@politiezone-demo.example",
        dpo_phone="+32 11 00 00 01",
        dpo_address="Demostraat 1, 3500 Hasselt",
        website="https://politiezone-demo.example",
    ),
    CITY: ProfileSpec(
        slug="stad-demo",
        dpo_name="Dana Privacy",
        dpo_email="privacy@stad-demo.example",
        dpo_address="Stadhuisplein 1, 3500 Hasselt",
    ),
}
# camera, municipality, purpose: what the register lists (the jeweller publishes nothing)
PUBLISHED: list[tuple[str, str, str]] = [
    ("Grote Markt", "Hasselt", "openbare orde en veiligheid"),
    ("Stationsplein", "Hasselt", "openbare orde en veiligheid"),
    ("Kolonel Dusartplein", "Hasselt", "voorkomen van overlast"),
    ("Havermarkt", "Hasselt", "voorkomen van overlast"),
    ("Ring Noord ANPR", "Hasselt", "verkeersveiligheid en opsporing van gezochte voertuigen"),
    ("Kerkstraat (stad)", "Hasselt", "voorkomen van overlast"),
]

ANPR_CARS = ["1-GZK-731", "2-HAV-118", "1-TRB-604", "1-XKL-052"]
"""The plates that pass the ANPR camera, one every nine seconds; the first is on the hotlist."""
HOTLIST = "Gestolen voertuigen (demo)"
HOTLIST_CSV = b"""plate;category;priority;valid until;note
1-GZK-731;stolen;1;;Grey hatchback, stolen in Hasselt (demo)
1-QQQ-*;wanted;2;;Series of a forged plate (demo)
"""
ANPR_FPS = 8
ANPR_SECONDS_PER_CAR = 9


def anpr_frames() -> Iterator[np.ndarray]:
    """Cars driving past the ring road camera, each plate about 240 pixels wide."""
    width, height = 1280, 720
    steps = ANPR_FPS * ANPR_SECONDS_PER_CAR
    for index, plate in enumerate(ANPR_CARS):
        for step in range(steps):
            x = width * (1.1 - 1.2 * step / (steps - 1))
            picture, _ = car_scene(
                plate,
                "BE",
                size=(width, height),
                plate_width=240,
                centre=(x, 520),
                sign="FRITUUR 'T PLEINTJE",
                seed=index,
            )
            yield picture


def _seed_anpr(services: Services, session: Session) -> None:
    """The demo hotlist of the police zone, with the stolen car that passes the ANPR camera."""
    police = next(org for org in services.accounts.list_organisations(session, DEMO_ACTOR) if org.name == POLICE)
    if session.scalar(select(Hotlist.id).where(Hotlist.organisation_id == police.id, Hotlist.name == HOTLIST)):
        return
    hotlist = Hotlist(
        organisation_id=police.id,
        name=HOTLIST,
        watch_path="",
        entries=0,
        updated_at=services.clock(),
        updated_by="demo",
    )
    session.add(hotlist)
    session.commit()  # an import writes in transactions of its own
    services.anpr.hotlists.import_entries(DEMO_ACTOR, hotlist.id, parse_csv(HOTLIST_CSV))


def _seed_wall(services: Services, session: Session) -> None:
    """The operator's wall opens on the police cameras; a tour of them is ready to run."""
    user = session.scalars(select(User).where(User.username == "operator")).first()
    if user is None:
        return
    actor = actor_of_user(user)
    wall = services.wall
    if wall.list_layouts(session, actor):
        return
    ids = {camera.name: str(camera.id) for camera in services.cameras.visible(session, DEMO_ACTOR)}
    cameras = [ids[name] for name in WALL_CAMERAS if name in ids]
    wall.save_layout(session, actor, "Centrum", "2x2", cameras + [None] * (4 - len(cameras)), is_default=True)
    if not wall.list_tours(session, actor):
        wall.save_tour(session, actor, "Stationsomgeving", cameras, 15)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    organisation: str
    password: str


def _seed_grants(services: Services, session: Session) -> None:
    """The city and the shop grant the police zone access to some of their cameras, once."""
    organisations = {org.name: org for org in services.accounts.list_organisations(session, DEMO_ACTOR)}
    for owner, camera, rights, reason in GRANTS:
        org = organisations[owner]
        acting = replace(
            DEMO_ACTOR, organisation_id=org.id, organisation_name=org.name, organisation_kind=OrganisationKind(org.kind)
        )
        if services.grants.given(session, acting):
            continue
        services.grants.add(session, acting, GrantSpec(grantee=POLICE, rights=rights, reason=reason, cameras=[camera]))


def _seed_register(services: Services, session: Session) -> None:
    """The police zone's and the city's entries in the public register, and their published
    cameras; once (an owner's later changes are kept)."""
    organisations = {org.name: org for org in services.accounts.list_organisations(session, DEMO_ACTOR)}
    for name, spec in REGISTER_PROFILES.items():
        org = organisations[name]
        if services.register.profile_of(session, org.id) is None:
            acting = replace(
                DEMO_ACTOR,
                organisation_id=org.id,
                organisation_name=org.name,
                organisation_kind=OrganisationKind(org.kind),
            )
            services.register.save_profile(session, acting, spec)
    for camera, municipality, purpose in PUBLISHED:
        found = services.cameras.find(session, camera)
        if found is not None and services.register.publication_of(session, found.id) is None:
            services.register.publish(session, DEMO_ACTOR, camera, PublicationSpec(True, municipality, purpose))


def _seed_alarms(services: Services, session: Session) -> None:
    """The alarm centre's premises at the jeweller's, whose entrance camera the shop consented
    to forward to the police on an alarm; once."""
    organisations = {org.name: org for org in services.accounts.list_organisations(session, DEMO_ACTOR)}

    def acting(name: str, role: Role) -> Actor:
        org = organisations[name]
        return replace(
            DEMO_ACTOR,
            organisation_id=org.id,
            organisation_name=org.name,
            organisation_kind=OrganisationKind(org.kind),
            role=role,
        )

    if services.premises.visible(session, acting(CENTRE, Role.ADMIN)):
        return
    premises, _key = services.premises.add(session, acting(CENTRE, Role.ADMIN), DEMO_PREMISES)
    services.premises.consent(
        session,
        acting(SHOP, Role.PARTNER),
        str(premises.id),
        ConsentSpec(camera="Juwelier ingang", reference="LV-2026-001"),
    )


DESIGNATED = (("operator", ""), ("supervisor", ""), ("guard", "inspector"))
"""Who the zone's chief designated to watch live, and the guard's supervising inspector."""


def _seed_staffing(services: Services, session: Session) -> None:
    """Only designated people watch live in the police zone: the operator, the team chief and
    the security guard (under the inspector) are designated; if no shift is under way, the
    operator and the team chief start one now."""
    org = next(o for o in services.accounts.list_organisations(session, DEMO_ACTOR) if o.name == POLICE)
    chief = replace(
        DEMO_ACTOR, organisation_id=org.id, organisation_name=org.name, organisation_kind=OrganisationKind(org.kind)
    )
    if not org.live_designation_required:
        services.designations.set_required(session, chief, True)
    today = services.designations.today()
    for username, supervisor in DESIGNATED:
        user = session.scalars(select(User).where(User.username == username)).first()
        found = services.designations.current(session, org.id, user.id) if user is not None else None
        if user is not None and (found is None or found.revoked_at is not None or found.valid_until < today):
            spec = DesignationSpec(
                username,
                today - timedelta(days=30),
                today + timedelta(days=365),
                "Demo: camera operator course",
                supervisor,
            )
            services.designations.add(session, chief, spec)
    if not services.shifts.on_duty(session, org.id):
        now = services.clock()
        for username, team_chief in (("supervisor", True), ("operator", False)):
            services.shifts.add(session, chief, ShiftSpec(username, now, now + timedelta(hours=8), team_chief))


def _load_credentials(path: Path) -> dict[str, str]:
    return json.loads(path.read_text()) if path.exists() else {}


def _save_credentials(path: Path, credentials: dict[str, str]) -> None:
    path.write_text(json.dumps(credentials, indent=2))
    os.chmod(path, 0o600)


def seed_demo(services: Services) -> list[DemoAccount]:
    """Create the demo organisations and users that are missing; return every demo account."""
    path = services.settings.data_dir / "demo-credentials.txt"
    credentials = _load_credentials(path)
    accounts = services.accounts
    with services.db.session() as session:
        existing_orgs = {org.name for org in accounts.list_organisations(session, DEMO_ACTOR)}
        for name, kind in ORGANISATIONS:
            if name not in existing_orgs:
                accounts.add_organisation(session, DEMO_ACTOR, name, kind)
        existing_users = {user.username for user in accounts.list_users(session, DEMO_ACTOR)}
        for username, role, org, full_name in USERS:
            if username not in existing_users:
                credentials[username] = generate_password()
                accounts.add_user(
                    session,
                    DEMO_ACTOR,
                    username=username,
                    role=role.value,
                    organisation=org,
                    password=credentials[username],
                    full_name=full_name,
                )
        existing_cameras = {
            camera.name for camera in services.cameras.visible(session, DEMO_ACTOR, include_removed=True)
        }
        for name, clip, owner, street, area, regime, consent, lat, lon in CAMERAS:
            if name not in existing_cameras:
                services.cameras.add(
                    session,
                    DEMO_ACTOR,
                    CameraSpec(
                        name=name,
                        organisation=owner,
                        main_url=f"sim://{clip}",
                        street=street,
                        area=area,
                        legal_regime=regime,
                        council_consent_ref=consent,
                        latitude=lat,
                        longitude=lon,
                        kind="anpr" if clip == ANPR_CLIP else "fixed",
                        enabled=True,
                    ),
                )
        _seed_grants(services, session)
        _seed_alarms(services, session)
        _seed_wall(services, session)
        _seed_anpr(services, session)
        _seed_register(services, session)
        _seed_staffing(services, session)
    _save_credentials(path, credentials)
    for spec in DEMO_CLIPS:
        encode_clip(spec, services.media.clip_path(spec.name))
    encode_frames(anpr_frames(), services.media.clip_path(ANPR_CLIP), 1280, 720, ANPR_FPS, crf=23)
    return [
        DemoAccount(username, role.value, org, credentials.get(username, "(changed; not known to the demo)"))
        for username, role, org, _ in USERS
    ]
