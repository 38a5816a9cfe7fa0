"""The public camera register on both databases: a police zone and a city publish some of
their cameras; anyone finds a street however it is typed, never learns a camera's name, id,
position or stream, never sees a camera its owner did not publish (or that is disabled or
removed); an owner edits only its own entry and cameras, and every change is audited."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.audit.models import AuditRecord
from belfort.auth.service import actor_of_user, find_organisation
from belfort.cameras.service import CameraSpec
from belfort.errors import Conflict, Forbidden, InvalidInput, NotFound, Unseen
from belfort.policy import Actor, OrganisationKind
from belfort.transparency.register import (
    CAMERA_LAW_BASIS,
    POLICE_BASIS,
    ProfileSpec,
    PublicationSpec,
    RegisterQuery,
    checked_place,
    export_csv,
    export_record,
    place_key,
    search_key,
    slug_of,
)
from tests.conftest import CITY, POLICE, SHOP, SYSTEM, Population

# name, owner, street, area, kind, published as (municipality, purpose), enabled
CAMERAS = [
    ("PZ Kerk noord", POLICE, "Kerkstraat", "Centrum", "fixed", ("Hasselt", "traffic safety"), True),
    ("PZ Kerk ANPR", POLICE, "Kerkstraat", "Centrum", "anpr", ("Hasselt", "tracing wanted vehicles"), True),
    ("PZ Molen", POLICE, "Molenstraat", "Centrum", "fixed", None, True),
    ("PZ Station uit", POLICE, "Stationsplein", "Station", "fixed", ("Hasselt", "traffic safety"), False),
    ("PZ Rue", POLICE, "Rue de l'Église", "Spa", "fixed", ("Spa", "prevention of nuisance"), True),
    ("Stad Kerk", CITY, "Kerkstr.", "Centrum", "fixed", ("Hasselt", "prevention of nuisance"), True),
    ("PZ Drone", POLICE, "", "", "drone", ("Hasselt", "public order at events"), True),
]
REMOVED = "PZ Markt weg"
SECRET_WORDS = [name for name, *_ in CAMERAS] + [REMOVED, "50.93", "5.33", "rtsp", "10.9.8"]
"""What the register must never say: camera names, their coordinates, their stream addresses."""


def acting_for(session: Session, name: str) -> Actor:
    org = find_organisation(session, name)
    return replace(
        SYSTEM, organisation_id=org.id, organisation_name=org.name, organisation_kind=OrganisationKind(org.kind)
    )


def person(services: Services, session: Session, username: str) -> Actor:
    return actor_of_user(services.accounts.user_by_name(session, username))


@pytest.fixture
def register(services: Services, population: Population) -> dict[str, str]:
    """The police zone's and the city's entries and cameras (see CAMERAS); camera ids by name."""
    ids: dict[str, str] = {}
    with services.db.session() as session:
        services.register.save_profile(
            session, acting_for(session, POLICE), ProfileSpec(slug="pz-test", dpo_email="dpo@pz.example")
        )
        services.register.save_profile(
            session,
            acting_for(session, CITY),
            ProfileSpec(dpo_email="privacy@city.example", dpo_phone="+32 11 22 33 44", legal_basis_camera_law=""),
        )
        for index, (name, owner, street, area, kind, published, enabled) in enumerate(CAMERAS):
            camera = services.cameras.add(
                session,
                SYSTEM,
                CameraSpec(
                    name=name,
                    organisation=owner,
                    main_url=f"rtsp://10.9.8.{index}/stream",
                    kind=kind,
                    street=street,
                    area=area,
                    latitude=50.93 + index / 1000,
                    longitude=5.33 + index / 1000,
                    council_consent_ref="GR/2026/1",
                    enabled=enabled,
                ),
            )
            ids[name] = str(camera.id)
            if published:
                municipality, purpose = published
                services.register.publish(session, SYSTEM, name, PublicationSpec(True, municipality, purpose))
        removed = services.cameras.add(
            session,
            SYSTEM,
            CameraSpec(
                name=REMOVED,
                organisation=POLICE,
                main_url="rtsp://10.9.8.99/s",
                street="Markt",
                council_consent_ref="GR/2026/1",
                enabled=True,
            ),
        )
        services.register.publish(session, SYSTEM, REMOVED, PublicationSpec(True, "Hasselt", "traffic safety"))
        services.cameras.remove(session, SYSTEM, str(removed.id))
        ids[REMOVED] = str(removed.id)
    return ids


def rows(services: Services, **asked: str) -> list[tuple[str, str, int, str]]:
    with services.db.session() as session:
        found = services.register.rows(session, RegisterQuery(**asked))
    return [(row.street, row.municipality, row.cameras, row.owner.name) for row in found]


# -- normalisation (pure) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("kerkstraat", "Kerkstraat"),
        ("KERKSTR.", "Kerkstraat"),
        ("Kerk straat", "Kerkstraat"),
        ("kerkstr", "Kerkstr."),
        ("Kerkstraat 12", "Kerkstraat"),
        ("Kerkstraat 12b", "Kerkstraat"),
        ("St.-Jansstraat", "Sint-Jansstraat"),
        ("sint jans", "Sint-Jansstraat"),
        ("rue de l'eglise", "Rue de l'Église"),
        ("Rue de l\u2019Église", "Rue de l'Église"),
        ("eglise", "Rue de l'Église"),
        ("hauptstr.", "Hauptstraße"),
        ("Hauptstrasse", "Hauptstraße"),
        ("Kortrijkse stwg", "Kortrijksesteenweg"),
        ("av. louise", "Avenue Louise"),
        ("bd anspach", "Boulevard Anspach"),
        ("Rue du 11 Novembre", "Rue du 11 Novembre"),
    ],
)
def test_a_street_is_found_however_it_is_typed(typed: str, stored: str) -> None:
    assert search_key(typed) in place_key(stored)


@pytest.mark.parametrize(("typed", "other"), [("Kerkstraat", "Molenstraat"), ("Kerkstraat 12", "Kerkplein")])
def test_another_street_is_not_found(typed: str, other: str) -> None:
    assert search_key(typed) not in place_key(other)


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("%", "use only letters"),
        ("_", "use only letters"),
        ("Kerk%", "use only letters"),
        ("Kerk_straat", "use only letters"),
        ("*straat", "use only letters"),
        ("' OR 1=1 --", "use only letters"),
        ("Kerkstraat'; DROP TABLE camera; --", "use only letters"),
        ("<script>", "use only letters"),
        ("Kerk\tstraat", "use only letters"),
        ("a" * 10_000, "at most 100 characters"),
        ("ab", "at least 3 letters or digits"),
        ("- . '", "at least 3 letters or digits"),
    ],
)
def test_a_bad_street_is_refused_naming_the_field(typed: str, problem: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        RegisterQuery(street=typed).checked()
    assert refused.value.message.startswith("street: ") and problem in refused.value.message


@given(st.text(max_size=150))
def test_whatever_is_typed_is_refused_or_becomes_letters_and_digits(typed: str) -> None:
    try:
        key = checked_place(typed, "street", 3)  # type: ignore[arg-type]
    except InvalidInput as refused:
        assert refused.message.startswith("street: ")
        return
    assert key.isalnum() and len(key) >= 3 and len(typed) <= 100
    assert not {"%", "_", "*", ";", "="} & set(typed)


def test_a_page_name_is_made_from_the_organisation_name() -> None:
    assert slug_of("Politiezone Kortrijk/Kuurne/Lendelede") == "politiezone-kortrijk-kuurne-lendelede"
    assert slug_of("Zône Liège") == "zone-liege"
    assert slug_of("Ö") == "owner-o"


def test_a_csv_cell_a_spreadsheet_would_run_is_quoted() -> None:
    record = dict.fromkeys(
        (
            "municipality",
            "area",
            "street",
            "cameras",
            "owner",
            "owner_type",
            "pictogram",
            "dpo_name",
            "dpo_email",
            "dpo_phone",
            "dpo_address",
            "owner_page",
            "website",
        ),
        "",
    )
    text = export_csv([{**record, "kinds": ["fixed"], "purposes": ["=HYPERLINK(1)", "a"], "legal_basis": ["@x"]}])
    line = text.splitlines()[1]
    assert "'=HYPERLINK(1); a" in line and "'@x" in line


# -- what anyone reads ---------------------------------------------------------------------


def test_published_cameras_are_grouped_per_street_and_owner(services: Services, register: dict[str, str]) -> None:
    assert rows(services) == [
        ("", "Hasselt", 1, POLICE),  # the drone: its municipality alone
        ("Kerkstr.", "Hasselt", 1, CITY),  # the same street, by owner
        ("Kerkstraat", "Hasselt", 2, POLICE),
        ("Rue de l'Église", "Spa", 1, POLICE),
    ]
    with services.db.session() as session:
        kerk = services.register.rows(session, RegisterQuery(street="kerkstraat", owner="pz-test"))
    (row,) = kerk
    assert row.kinds == ("anpr", "fixed") and row.purposes == ("tracing wanted vehicles", "traffic safety")
    assert row.area == "Centrum" and row.owner.kind == "police_zone" and row.owner.dpo.email == "dpo@pz.example"
    assert row.legal_bases == (POLICE_BASIS,)


def test_the_register_never_names_a_camera_or_says_where_it_hangs(services: Services, register: dict[str, str]) -> None:
    with services.db.session() as session:
        found = services.register.rows(session)
        owners = services.register.owners(session)
    said = repr(found) + repr([export_record(row, str) for row in found]) + repr(owners)
    said += export_csv([export_record(row, str, "https://belfort.example") for row in found])
    for secret in SECRET_WORDS + list(register.values()):
        assert secret not in said


def test_what_is_not_published_enabled_and_kept_is_not_listed(services: Services, register: dict[str, str]) -> None:
    assert rows(services, street="Molenstraat") == []  # not published
    assert rows(services, street="Stationsplein") == []  # published, but disabled
    assert rows(services, street="Markt") == []  # published, then removed
    with services.db.session() as session:
        services.cameras.update(session, SYSTEM, "PZ Station uit", CameraSpec(enabled=True))
        services.register.publish(session, SYSTEM, "PZ Kerk noord", PublicationSpec(public=False))
    assert rows(services, street="Stationsplein") == [("Stationsplein", "Hasselt", 1, POLICE)]
    assert rows(services, street="Kerkstraat", owner="pz-test") == [("Kerkstraat", "Hasselt", 1, POLICE)]


def test_the_register_is_listed_by_municipality_area_and_owner(services: Services, register: dict[str, str]) -> None:
    assert [r[0] for r in rows(services, municipality="SPA")] == ["Rue de l'Église"]
    assert [r[0] for r in rows(services, municipality="hasselt", area="centrum")] == ["Kerkstr.", "Kerkstraat"]
    assert [r[3] for r in rows(services, owner="city-test")] == [CITY]
    assert rows(services, owner="no-such-owner") == []
    with pytest.raises(NotFound), services.db.session() as session:
        services.register.rows(session, RegisterQuery(owner="no_such%owner"))
    with pytest.raises(NotFound), services.db.session() as session:
        services.register.owner(session, "../etc")


def test_an_owner_without_its_own_texts_gets_the_laws_words(services: Services, register: dict[str, str]) -> None:
    with services.db.session() as session:
        city = services.register.owner(session, "city-test")
    assert city.legal_basis["camera_law"] == CAMERA_LAW_BASIS
    assert "privacy@city.example" in city.pictogram and CITY in city.pictogram


# -- what an owner changes -----------------------------------------------------------------


def test_an_owner_edits_its_entry_and_each_change_is_audited(services: Services, register: dict[str, str]) -> None:
    with services.db.session() as session:
        dpo = person(services, session, "dpo")
        before = session.scalar(select(AuditRecord.seq).order_by(AuditRecord.seq.desc()).limit(1))
        services.register.save_profile(session, dpo, ProfileSpec(website="https://pz.example", pictogram="Camera"))
        services.register.publish(session, dpo, "PZ Molen", PublicationSpec(True, "Hasselt", "prevention of theft"))
        records = session.scalars(select(AuditRecord).where(AuditRecord.seq > before).order_by(AuditRecord.seq)).all()
    assert [(r.action, r.outcome, r.actor_name) for r in records] == [
        ("transparency.profile", "granted", "dpo"),
        ("transparency.profile", "granted", "dpo"),
    ]
    assert "pictogram,website" in records[0].detail and "PZ Molen" in records[1].resources
    assert rows(services, street="molenstr") == [("Molenstraat", "Hasselt", 1, POLICE)]


def test_an_owner_never_touches_another_owners_cameras(services: Services, register: dict[str, str]) -> None:
    with services.db.session() as session:
        admin = person(services, session, "admin")
        with pytest.raises(Unseen):
            services.register.publish(session, admin, "Stad Kerk", PublicationSpec(public=False))
        session.commit()
        refusal = session.scalars(select(AuditRecord).order_by(AuditRecord.seq.desc()).limit(1)).one()
    assert (refusal.action, refusal.outcome, refusal.actor_name) == ("transparency.profile", "refused", "admin")
    assert rows(services, owner="city-test") == [("Kerkstr.", "Hasselt", 1, CITY)]


def test_other_roles_may_not_edit_the_register(services: Services, register: dict[str, str]) -> None:
    others = ["operator", "inspector", "supervisor", "partner", "platform_admin", "auditor", "security_guard"]
    for username in others:
        with services.db.session() as session:
            actor = person(services, session, username)
            with pytest.raises(Forbidden):
                services.register.save_profile(session, actor, ProfileSpec(dpo_email="x@y.example"))
            with pytest.raises((Forbidden, Unseen)):
                services.register.publish(session, actor, "PZ Molen", PublicationSpec(public=True))
            session.commit()
    with services.db.session() as session:
        refused = session.scalars(select(AuditRecord).where(AuditRecord.outcome == "refused")).all()
    assert sorted(r.actor_name for r in refused) == sorted(others * 2)
    assert rows(services, street="Molenstraat") == []


def test_a_camera_is_listed_only_with_what_the_register_must_say(services: Services, register: dict[str, str]) -> None:
    with services.db.session() as session:
        services.cameras.add(session, SYSTEM, CameraSpec(name="Shop door", organisation=SHOP, main_url="rtsp://s/1"))
        services.cameras.add(session, SYSTEM, CameraSpec(name="PZ nowhere", organisation=POLICE, main_url="rtsp://s/2"))
    cases = [
        ("Shop door", PublicationSpec(True, "Hasselt", "theft"), "register profile first"),
        ("PZ Molen", PublicationSpec(True, "", "theft"), "municipality: name the municipality"),
        ("PZ Molen", PublicationSpec(True, "Hasselt", " "), "public purpose: say in a few words"),
        ("PZ Molen", PublicationSpec(True, "Hasselt%", "theft"), "municipality: use only letters"),
        ("PZ Molen", PublicationSpec(True, "Hasselt", "x" * 121), "public purpose: at most 120"),
        ("PZ nowhere", PublicationSpec(True, "Hasselt", "theft"), "street: a fixed camera is listed by its street"),
    ]
    for camera, spec, problem in cases:
        with pytest.raises(InvalidInput) as refused, services.db.session() as session:
            services.register.publish(session, SYSTEM, camera, spec)
        assert problem in refused.value.message
    assert rows(services, street="Molenstraat") == []


def test_a_bad_entry_is_refused_naming_the_field(services: Services, register: dict[str, str]) -> None:
    cases = [
        (ProfileSpec(dpo_email="not an address"), "write it like dpo@example.be"),
        (ProfileSpec(dpo_email=""), "DPO's e-mail address: fill it in"),
        (ProfileSpec(slug="Profile"), "page name:"),
        (ProfileSpec(slug="export"), "page name:"),
        (ProfileSpec(slug="a"), "page name:"),
        (ProfileSpec(website="javascript:alert(1)"), "website: give its address with https://"),
        (ProfileSpec(dpo_phone="call me"), "DPO's phone number"),
        (ProfileSpec(public_name=" "), "public name: fill it in"),
        (ProfileSpec(pictogram="x" * 501), "pictogram text: at most 500"),
    ]
    for spec, problem in cases:
        with pytest.raises(InvalidInput) as refused, services.db.session() as session:
            services.register.save_profile(session, person(services, session, "admin"), spec)
        assert problem in refused.value.message
    with services.db.session() as session:
        police = find_organisation(session, POLICE).id
        assert services.register.profile_of(session, police).dpo_email == "dpo@pz.example"  # type: ignore[union-attr]


def test_a_page_name_belongs_to_one_owner(services: Services, register: dict[str, str]) -> None:
    with pytest.raises(Conflict) as taken, services.db.session() as session:
        services.register.save_profile(session, acting_for(session, CITY), ProfileSpec(slug="pz-test"))
    assert "another owner's page" in taken.value.message
    with services.db.session() as session:
        organisation = find_organisation(session, POLICE).id
        assert services.register.profile_of(session, organisation).slug == "pz-test"  # type: ignore[union-attr]
        assert services.register.profile_of(session, uuid.uuid4()) is None
