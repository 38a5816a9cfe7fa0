"""The register of processing activities on both databases, drawn from real registry data: a
city with camera-law cameras, a grant to the police, an export and consultations; its DPO's
free-text parts with their history; the cameras' declarations and their yearly reminders at
the right days; the document as PDF and Markdown."""

from __future__ import annotations

import json
import subprocess
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.audit.models import AuditRecord
from belfort.auth.service import actor_of_user, find_organisation
from belfort.cameras.service import CameraSpec
from belfort.errors import Forbidden, InvalidInput, Unseen
from belfort.evidence.models import EvidenceExport
from belfort.policy import Action, Actor, Purpose, PurposeKind, Resource, ResourceKind
from belfort.sharing.grants import GrantSpec
from belfort.timeutil import FrozenClock
from belfort.transparency.processing import ProcessingRegisterView
from belfort.transparency.processing_document import markdown, pdf
from belfort.transparency.register_models import TransparencyProfile
from tests.conftest import CITY, PASSWORD, POLICE, SYSTEM, Population


def actor(session: Session, services: Services, username: str) -> Actor:
    return actor_of_user(services.accounts.user_by_name(session, username))


@pytest.fixture
def city(services: Services, population: Population, clock: FrozenClock) -> dict[str, str]:
    """Two camera-law cameras of the city (one declared), its DPO and administrator, a grant
    of playback to the police, one evidence export and one granted consultation."""
    ids: dict[str, str] = {}
    with services.db.session() as session:
        for index, (name, street) in enumerate((("Stadhuis", "Grote Markt"), ("Station", "Stationsplein"))):
            spec = CameraSpec(name=name, organisation=CITY, main_url=f"rtsp://192.0.2.4/{index}", street=street)
            ids[name] = str(services.cameras.add(session, SYSTEM, spec).id)
        services.cameras.add(
            session,
            SYSTEM,
            CameraSpec(name="E40 ANPR", organisation=POLICE, main_url="rtsp://192.0.2.5/1", kind="anpr"),
        )
        for username, role in (("city-dpo", "dpo"), ("city-admin", "admin")):
            services.accounts.add_user(
                session, SYSTEM, username=username, role=role, organisation=CITY, password=PASSWORD
            )
        city_org = find_organisation(session, CITY)
        owner = actor(session, services, "city-admin")
        services.grants.add(
            session,
            owner,
            GrantSpec(grantee=POLICE, rights=["playback"], reason="Nightlife patrols", cameras=["Station"]),
        )
        dpo = actor(session, services, "city-dpo")
        session.add(
            EvidenceExport(
                created_at=clock(),
                requester_id=dpo.id,
                requester_name="city-dpo",
                organisation_id=city_org.id,
                case_number="PV 12",
                recipient="Ethias, claims department",
                purpose="administrative",
                justification="Damage to a parked car",
                items="[]",
                state="ready",
                file_name="x.zip",
                signing_key_fingerprint="-",
            )
        )
        services.gate.record(
            session,
            owner,
            Action.VIEW_RECORDING,
            Resource(ResourceKind.RECORDING, ids["Station"], "Station"),
            Purpose(PurposeKind.ADMINISTRATIVE, "Damage to a parked car"),
            outcome="granted",
            reason="Allowed",
        )
        session.add(
            TransparencyProfile(
                organisation_id=city_org.id,
                slug="city-test",
                public_name="Stad Test",
                dpo_name="Els Janssens",
                dpo_email="dpo@stad.example",
                updated_at=clock(),
                updated_by="city-admin",
            )
        )
    return ids


def read(services: Services, username: str = "city-dpo", organisation: str = "") -> ProcessingRegisterView:
    with services.db.session() as session:
        return services.processing_register.read(session, actor(session, services, username), organisation)


def items(view: ProcessingRegisterView, key: str) -> list[str]:
    return next(section.items for section in view.sections if section.key == key)


def test_the_register_is_drawn_from_the_registry_grants_exports_and_audit(
    services: Services, city: dict[str, str]
) -> None:
    view = read(services)
    assert view.organisation == CITY
    assert any("Els Janssens" in item and "dpo@stad.example" in item for item in items(view, "controller"))
    assert any("2 cameras under the camera law" in item for item in items(view, "purposes"))
    assert "Purposes stated for consultations in the last 12 months: administrative 1." in items(view, "purposes")
    assert not any("plate" in item.lower() for item in items(view, "data")), "the city reads no plates"
    assert any(item.startswith(f"{POLICE}: playback on 1 camera") for item in items(view, "recipients"))
    assert any(item.startswith("Ethias, claims department: 1 evidence package") for item in items(view, "recipients"))
    assert any("at most 30 days" in item for item in items(view, "retention"))
    assert any("HTTPS is not configured" in item for item in items(view, "measures"))
    assert any("Law of 21 March 2007" in item for item in items(view, "legal_basis"))
    assert [camera.name for camera in view.cameras] == ["Stadhuis", "Station"]
    police = read(services, "dpo")
    assert any("plates" in item for item in items(police, "data")), "the police has an ANPR camera"
    assert [camera.state for camera in police.cameras] == ["not_required"], "police cameras need council consent"
    assert any("DPO role" in item or "data protection officer" in item.lower() for item in items(police, "controller"))


def test_only_those_who_may_read_it_read_it_and_the_auditor_names_the_organisation(
    services: Services, city: dict[str, str]
) -> None:
    with pytest.raises(Forbidden):
        read(services, "inspector")
    assert read(services, "auditor", CITY).organisation == CITY
    with pytest.raises(InvalidInput):
        read(services, "auditor")
    assert read(services, "dpo", CITY).organisation == POLICE, "a DPO reads its own organisation's only"


def test_free_text_edits_keep_their_history_and_only_the_dpo_edits(
    services: Services, city: dict[str, str], clock: FrozenClock
) -> None:
    register = services.processing_register
    with services.db.session() as session:
        register.edit(session, actor(session, services, "city-dpo"), "transfers", "None.")
    clock.advance(timedelta(minutes=5))
    with services.db.session() as session:
        register.edit(session, actor(session, services, "city-dpo"), "transfers", "None; backups stay in Belgium.")
    for bad, problem in (("transfers", "already the text"), ("salaries", "not a part you can edit")):
        with pytest.raises(InvalidInput) as refused, services.db.session() as session:
            register.edit(session, actor(session, services, "city-dpo"), bad, "None; backups stay in Belgium.")
        assert problem in refused.value.message
    with pytest.raises(Forbidden), services.db.session() as session:
        register.edit(session, actor(session, services, "city-admin"), "transfers", "Everything, everywhere.")
    view = read(services)
    transfers = next(section for section in view.sections if section.key == "transfers")
    assert transfers.text == "None; backups stay in Belgium."
    assert [(e.old_text, e.new_text, e.edited_by) for e in view.history] == [
        ("None.", "None; backups stay in Belgium.", "city-dpo"),
        ("", "None.", "city-dpo"),
    ]
    with services.db.session() as session:
        records = session.scalars(
            select(AuditRecord).where(AuditRecord.action == Action.EDIT_PROCESSING_REGISTER.value)
        ).all()
    assert [(r.actor_name, r.outcome, json.loads(r.detail).get("section")) for r in records] == [
        ("city-dpo", "granted", "transfers"),
        ("city-dpo", "granted", "transfers"),
        ("city-admin", "refused", None),
    ]


def test_declarations_are_reminded_within_30_days_and_when_overdue(
    services: Services, city: dict[str, str], clock: FrozenClock
) -> None:
    register = services.processing_register
    with services.db.session() as session:
        register.declare(session, actor(session, services, "city-dpo"), "Stadhuis", "DECL-2025-881", date(2025, 12, 22))
    with pytest.raises(Unseen), services.db.session() as session:
        register.declare(session, actor(session, services, "city-dpo"), "E40 ANPR", "DECL-1", date(2026, 1, 1))
    with pytest.raises(InvalidInput), services.db.session() as session:
        register.declare(session, actor(session, services, "city-dpo"), "Station", "DECL-2", date(2026, 11, 22))

    def states() -> dict[str, str]:
        with services.db.session() as session:
            reminded = register.reminders(session, actor(session, services, "city-dpo"))
            assert register.reminders(session, actor(session, services, "city-admin")) == []
        return {entry.name: entry.state for entry in reminded}

    assert states() == {"Station": "missing"}, "21 November: Stadhuis is due on 22 December, 31 days ahead"
    stadhuis = next(camera for camera in read(services).cameras if camera.name == "Stadhuis")
    assert (stadhuis.declaration_ref, stadhuis.next_validation, stadhuis.state) == (
        "DECL-2025-881",
        date(2026, 12, 22),
        "ok",
    )
    clock.advance(timedelta(days=1))
    assert states() == {"Station": "missing", "Stadhuis": "due_soon"}
    clock.advance(timedelta(days=31))
    assert states() == {"Station": "missing", "Stadhuis": "overdue"}
    with services.db.session() as session:
        register.declare(session, actor(session, services, "city-dpo"), "Stadhuis", "DECL-2025-881", date(2026, 12, 23))
        register.declare(session, actor(session, services, "city-dpo"), "Station", "DECL-2026-17", date(2026, 12, 23))
    assert states() == {}


def test_the_document_opens_as_pdf_and_markdown(services: Services, city: dict[str, str], tmp_path: Path) -> None:
    view = read(services)
    zone = services.settings.zone
    text = markdown(view, "en", zone)
    assert text.startswith(f"# Register of processing activities: {CITY}")
    assert "| Stadhuis | fixed | camera_law |" in text and "no declaration recorded" in text
    document = tmp_path / "register.pdf"
    document.write_bytes(pdf(view, "nl", zone))
    shown = subprocess.run(["pdftotext", str(document), "-"], capture_output=True, text=True, check=True).stdout
    assert CITY in shown and "Stadhuis" in shown and "Els Janssens" in shown
    assert uuid.UUID(view.cameras[0].id)
