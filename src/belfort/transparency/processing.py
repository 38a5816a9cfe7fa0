"""The register of processing activities (GDPR art. 30; Law of 30 July 2018, art. 55 for the
police), drawn from what the platform holds each time it is read.

Controller, purposes, legal bases, categories of data and of people, recipients, retention,
security measures and the cameras' declarations all come from the registry, the grants, the
export history, the audit log (the purposes stated, counted) and the settings: the register
cannot drift from the platform. The DPO adds what no table knows in five free-text parts;
each edit is kept with who, when, the text before and after (`processing_register_edit`),
and the history is shown with the register. A camera-law camera's declaration to the police
services must be validated again every year: the register shows when, and reminders (due
within 30 days, overdue, missing) appear on the register and on the DPO's home page.
Reading passes the gate as `transparency.ropa.view`, every change as `transparency.ropa.edit`,
audited. Nothing here renders a page or a file: `processing_document` writes the document.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from urllib.parse import urlsplit

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from belfort.alarms.models import Incident
from belfort.anpr.models import PlateRead
from belfort.audit.models import AuditRecord
from belfort.auth.models import Organisation, User
from belfort.auth.service import find_organisation
from belfort.cameras.grants import members
from belfort.cameras.models import Camera, Grant
from belfort.cameras.service import CameraService
from belfort.dpo.deadlines import add_months, urgency
from belfort.dpo.models import SubjectRequest
from belfort.errors import InvalidInput
from belfort.evidence.models import EvidenceExport
from belfort.i18n import Message, _, _n
from belfort.policy import (
    Action,
    Actor,
    ActorKind,
    LegalRegime,
    PolicyGate,
    Resource,
    ResourceKind,
    Right,
    Role,
    may,
)
from belfort.policy.rules import ACTIONS, RIGHT_WORDS
from belfort.settings import Settings
from belfort.timeutil import Clock, utcnow
from belfort.transparency.processing_models import CameraDeclaration, ProcessingRegisterEdit
from belfort.transparency.register_models import TransparencyProfile

MAX_TEXT = 5000
USE_WINDOW = timedelta(days=365)
"""Purposes stated and export recipients are counted over the last year."""
BODYCAM_MIN_DAYS = 30

FREE_TEXTS: dict[str, Message] = {
    "description": _("Description of the processing"),
    "data_subjects": _("Further categories of data subjects"),
    "recipients": _("Further recipients"),
    "transfers": _("Transfers outside the European Union"),
    "measures": _("Further security measures"),
}
"""The parts the DPO writes, by key, with their titles."""

DECLARATION_STATES: dict[str, Message] = {
    "ok": _("valid"),
    "due_soon": _("due soon"),
    "overdue": _("overdue"),
    "missing": _("no declaration recorded"),
    "not_required": _("not required (police law)"),
}


@dataclass(frozen=True)
class Section:
    """One part of the register: what the platform says, and what the DPO wrote (if the part takes text)."""

    key: str
    title: Message
    items: list[str]
    text_key: str = ""
    text: str = ""


@dataclass(frozen=True)
class CameraEntry:
    """One camera's line: kind, regime, retention, council consent and declaration."""

    id: str
    name: str
    kind: str
    regime: str
    place: str
    retention_max_days: int
    retention_min_days: int
    council_consent_ref: str
    declaration_ref: str
    validated_on: date | None
    next_validation: date | None
    state: str
    """A key of DECLARATION_STATES."""

    @property
    def reminded(self) -> bool:
        return self.state in ("due_soon", "overdue", "missing")


@dataclass(frozen=True)
class Edit:
    section: str
    old_text: str
    new_text: str
    edited_at: datetime
    edited_by: str


@dataclass(frozen=True)
class ProcessingRegisterView:
    organisation_id: uuid.UUID
    organisation: str
    generated_at: datetime
    sections: list[Section]
    cameras: list[CameraEntry]
    history: list[Edit] = field(default_factory=list)

    @property
    def reminders(self) -> list[CameraEntry]:
        return [camera for camera in self.cameras if camera.reminded]


class ProcessingRegister:
    def __init__(
        self, gate: PolicyGate, cameras: CameraService, settings: Settings, zone: tzinfo, clock: Clock = utcnow
    ) -> None:
        self.gate = gate
        self.cameras = cameras
        self.settings = settings
        self.zone = zone
        self._clock = clock

    def today(self) -> date:
        return self._clock().astimezone(self.zone).date()

    # -- whose register ----------------------------------------------------------------------

    def organisation_of(self, session: Session, actor: Actor, ref: str = "") -> Organisation:
        """The organisation whose register is asked for: one's own, or for those who see every
        organisation's (the platform auditor, the command line) the one `ref` names."""
        sees_all = actor.kind is ActorKind.SYSTEM or actor.role in ACTIONS[Action.VIEW_PROCESSING_REGISTER].sees_all
        if ref.strip() and sees_all:
            return find_organisation(session, ref.strip())
        if actor.organisation_id is not None:
            found = session.get(Organisation, actor.organisation_id)
            if found is not None and not sees_all:
                return found
        if sees_all and not ref.strip():
            raise InvalidInput(_("organisation: choose the organisation whose register you want to read"))
        raise InvalidInput(_("organisation: your account belongs to no organisation with a register"))

    @staticmethod
    def resource(organisation: Organisation) -> Resource:
        return Resource(
            ResourceKind.PROCESSING_REGISTER,
            str(organisation.id),
            organisation.name,
            organisation.id,
            owner_name=organisation.name,
        )

    # -- reading -----------------------------------------------------------------------------

    def read(self, session: Session, actor: Actor, organisation_ref: str = "") -> ProcessingRegisterView:
        """The register of the actor's organisation (or, for the auditor, the one named), with
        the history of its free-text parts."""
        self.gate.require_function(session, actor, "processing-register", Action.VIEW_PROCESSING_REGISTER)
        organisation = self.organisation_of(session, actor, organisation_ref)
        self.gate.require(session, actor, Action.VIEW_PROCESSING_REGISTER, self.resource(organisation))
        return self._drawn(session, organisation)

    def _drawn(self, session: Session, organisation: Organisation) -> ProcessingRegisterView:
        cameras = list(
            session.scalars(
                select(Camera)
                .where(Camera.organisation_id == organisation.id, Camera.removed_at.is_(None))
                .order_by(Camera.name)
            ).unique()
        )
        texts = self.texts(session, organisation.id)
        facts = _Facts.gathered(session, organisation, cameras, self._clock())
        sections = [
            Section("controller", _("Controller"), self._controller(session, organisation)),
            Section(
                "description",
                FREE_TEXTS["description"],
                [self._equipment(cameras)],
                "description",
                texts.get("description", ""),
            ),
            Section("purposes", _("Purposes"), self._purposes(facts)),
            Section("legal_basis", _("Legal basis"), self._legal_bases(session, organisation, facts)),
            Section("data", _("Categories of personal data"), self._data(facts)),
            Section(
                "data_subjects",
                _("Categories of data subjects"),
                self._subjects(facts),
                "data_subjects",
                texts.get("data_subjects", ""),
            ),
            Section("recipients", _("Recipients"), self._recipients(facts), "recipients", texts.get("recipients", "")),
            Section(
                "transfers",
                FREE_TEXTS["transfers"],
                self._transfers(),
                "transfers",
                texts.get("transfers", ""),
            ),
            Section("retention", _("Retention"), self._retention(facts)),
            Section("measures", _("Security measures"), self._measures(), "measures", texts.get("measures", "")),
        ]
        entries = self._camera_entries(session, cameras)
        return ProcessingRegisterView(
            organisation.id,
            organisation.name,
            self._clock(),
            sections,
            entries,
            self._history(session, organisation.id),
        )

    @staticmethod
    def texts(session: Session, organisation_id: uuid.UUID) -> dict[str, str]:
        """Each free-text part's current text: its newest edit."""
        edits = session.scalars(
            select(ProcessingRegisterEdit)
            .where(ProcessingRegisterEdit.organisation_id == organisation_id)
            .order_by(ProcessingRegisterEdit.edited_at, ProcessingRegisterEdit.id)
        )
        return {edit.section: edit.new_text for edit in edits}

    @staticmethod
    def _history(session: Session, organisation_id: uuid.UUID) -> list[Edit]:
        edits = session.scalars(
            select(ProcessingRegisterEdit)
            .where(ProcessingRegisterEdit.organisation_id == organisation_id)
            .order_by(ProcessingRegisterEdit.edited_at.desc())
            .limit(500)
        )
        return [Edit(e.section, e.old_text, e.new_text, e.edited_at, e.edited_by) for e in edits]

    # -- the generated parts -----------------------------------------------------------------

    @staticmethod
    def _controller(session: Session, organisation: Organisation) -> list[str]:
        items: list[str] = [_("{name} ({kind})", name=organisation.name, kind=organisation.kind.replace("_", " "))]
        profile = session.get(TransparencyProfile, organisation.id)
        if profile is not None:
            contact = ", ".join(
                part for part in (profile.dpo_name, profile.dpo_email, profile.dpo_phone, profile.dpo_address) if part
            )
            items.append(_("Data protection officer: {contact}", contact=contact))
            if profile.website:
                items.append(_("Website: {address}", address=profile.website))
            return items
        officers = session.scalars(
            select(User)
            .where(User.organisation_id == organisation.id, User.role == Role.DPO.value, User.active.is_(True))
            .order_by(User.username)
        ).unique()
        names = [officer.full_name or officer.username for officer in officers]
        if names:
            items.append(
                _(
                    "Data protection officer: {names} (no public contact yet: the public register's profile gives it)",
                    names=", ".join(names),
                )
            )
        else:
            items.append(_("No data protection officer is named: give one an account with the DPO role."))
        return items

    @staticmethod
    def _equipment(cameras: Sequence[Camera]) -> str:
        kinds: dict[str, int] = {}
        for camera in cameras:
            kinds[camera.kind] = kinds.get(camera.kind, 0) + 1
        listed = ", ".join(f"{kind.replace('_', ' ')} {count}" for kind, count in sorted(kinds.items()))
        return _n(
            "Camera surveillance with {count} camera recorded on this platform ({kinds}).",
            "Camera surveillance with {count} cameras recorded on this platform ({kinds}).",
            len(cameras),
            kinds=listed or "-",
        )

    def _purposes(self, facts: _Facts) -> list[str]:
        items: list[str] = []
        if facts.police:
            items.append(
                _n(
                    "Police missions of administrative and judicial police: keeping public order, preventing and "
                    "detecting offences, gathering evidence ({count} camera).",
                    "Police missions of administrative and judicial police: keeping public order, preventing and "
                    "detecting offences, gathering evidence ({count} cameras).",
                    facts.police,
                )
            )
        if facts.camera_law:
            items.append(
                _n(
                    "Surveillance to prevent, establish or detect offences against people or property and "
                    "nuisance, and to keep public order ({count} camera under the camera law).",
                    "Surveillance to prevent, establish or detect offences against people or property and "
                    "nuisance, and to keep public order ({count} cameras under the camera law).",
                    facts.camera_law,
                )
            )
        if facts.kinds.get("anpr"):
            items.append(_("Automatic number plate recognition: reading plates and matching them with hotlists."))
        if facts.kinds.get("bodycam"):
            items.append(_("Bodycams: recording police interventions."))
        if facts.kinds.get("drone"):
            items.append(_("Drones: footage of missions justified case by case (proportionality, subsidiarity)."))
        if facts.incidents:
            items.append(_("Alarms: looking at the cameras of premises whose alarm went off."))
        used = ", ".join(f"{purpose} {count}" for purpose, count in sorted(facts.purposes_used.items()))
        items.append(
            _("Purposes stated for consultations in the last 12 months: {counts}.", counts=used)
            if used
            else _("No consultation was made in the last 12 months.")
        )
        return items

    @staticmethod
    def _legal_bases(session: Session, organisation: Organisation, facts: _Facts) -> list[str]:
        profile = session.get(TransparencyProfile, organisation.id)
        items: list[str] = []
        if facts.police:
            items.append(
                (profile.legal_basis_police if profile and profile.legal_basis_police else "")
                or _(
                    "Police cameras: the Police Function Act, art. 25/1 to 25/8 (and art. 44/11/3decies for "
                    "number plates), and Title 2 of the Law of 30 July 2018 on the protection of personal data."
                )
            )
        if facts.camera_law:
            items.append(
                (profile.legal_basis_camera_law if profile and profile.legal_basis_camera_law else "")
                or _(
                    "Cameras under the camera law: the Law of 21 March 2007 on surveillance cameras, and GDPR "
                    "art. 6(1)(e) or (f)."
                )
            )
        if not items:
            items.append(_("No camera is registered: no processing of images yet."))
        items.append(_("The audit log: GDPR art. 5(2) and 32; the Law of 30 July 2018, art. 56 (logging)."))
        return items

    @staticmethod
    def _data(facts: _Facts) -> list[str]:
        items: list[str] = [
            _("Video images of people and vehicles in the filmed places, with camera and time."),
        ]
        if facts.kinds.get("anpr") or facts.plate_reads:
            items.append(_("Number plates read, with time, place and pictures of the vehicle; hotlist hits."))
        if facts.kinds.get("bodycam"):
            items.append(_("Bodycam recordings of interventions."))
        if facts.incidents:
            items.append(_("Alarm incidents: premises, alarm codes, operators' notes."))
        if facts.exports:
            items.append(_("Evidence exports: case numbers, recipients and reasons."))
        if facts.subject_requests:
            items.append(_("Data-subject requests: requesters' names, contacts and how their identity was checked."))
        items.append(
            _("The audit log: who consulted, disclosed, altered or erased what, when and why; staff accounts.")
        )
        return items

    @staticmethod
    def _subjects(facts: _Facts) -> list[str]:
        items: list[str] = []
        if any(facts.kinds.get(kind) for kind in ("fixed", "temporary", "mobile_ptz")):
            items.append(_("People and drivers passing through the filmed public places."))
        if facts.kinds.get("anpr") or facts.plate_reads:
            items.append(_("Drivers and keepers of the vehicles whose plates are read."))
        if facts.kinds.get("bodycam"):
            items.append(_("People present at police interventions."))
        if facts.kinds.get("drone"):
            items.append(_("People in the areas flown over."))
        if facts.subject_requests:
            items.append(_("People who asked for the footage of themselves."))
        items.append(_("Staff who use the platform."))
        return items

    @staticmethod
    def _recipients(facts: _Facts) -> list[str]:
        items: list[str] = []
        for grantee, (rights, cameras) in sorted(facts.grants.items()):
            items.append(
                _n(
                    "{organisation}: {rights} on {count} camera, under a grant.",
                    "{organisation}: {rights} on {count} cameras, under grants.",
                    cameras,
                    organisation=grantee,
                    rights=", ".join(RIGHT_WORDS[Right(right)] for right in sorted(rights)),
                )
            )
        for recipient, count in sorted(facts.exports.items()):
            items.append(
                _n(
                    "{recipient}: {count} evidence package in the last 12 months.",
                    "{recipient}: {count} evidence packages in the last 12 months.",
                    count,
                    recipient=recipient,
                )
            )
        if not items:
            items.append(_("No grant to another organisation and no evidence export in the last 12 months."))
        return items

    def _transfers(self) -> list[str]:
        hooks = [*self.settings.anpr.webhooks, *self.settings.sharing.webhooks]
        items: list[str] = [_("The platform stores its data on its own servers and transfers none by itself.")]
        for url in hooks:
            items.append(_("Notifications are sent to {host} (a configured webhook).", host=urlsplit(url).netloc))
        return items

    def _retention(self, facts: _Facts) -> list[str]:
        policy = self.settings.policy
        items: list[str] = []
        if facts.police:
            items.append(
                _(
                    "Police cameras: at most {days} days; after {window} days consulted only for a judicial "
                    "purpose, on a prosecutor's decision or an investigating judge's order.",
                    days=policy.police_max_retention_days,
                    window=policy.administrative_consult_days,
                )
            )
        if facts.camera_law:
            items.append(
                _(
                    "Cameras under the camera law: at most {days} days, longer only as evidence (an evidence hold).",
                    days=policy.camera_law_max_retention_days,
                )
            )
        if facts.kinds.get("bodycam"):
            items.append(_("Bodycams: at least {days} days.", days=BODYCAM_MIN_DAYS))
        if facts.kinds.get("anpr") or facts.plate_reads:
            items.append(
                _(
                    "Plate reads: {reads} days; hotlist hits: {hits} days.",
                    reads=self.settings.anpr.read_retention_days,
                    hits=self.settings.anpr.hit_retention_days,
                )
            )
        if facts.incidents:
            items.append(_("The alarm receiver's log: {days} days.", days=self.settings.alarms.receipt_days))
        items.append(_("The audit log: kept whole, so that its chain can be verified."))
        items.append(_("Each camera's own limits are in the table of cameras."))
        return items

    def _measures(self) -> list[str]:
        security, policy = self.settings.security, self.settings.policy
        https = (
            _("Sign-in cookies are sent over HTTPS only (server.secure_cookies).")
            if self.settings.server.secure_cookies
            else _(
                "Warning: HTTPS is not configured (server.secure_cookies is off): serve the platform behind a "
                "TLS proxy and turn it on."
            )
        )
        return [
            _(
                "One policy gate decides every look at images, plates and logs and every change, by role, "
                "organisation, purpose and the age of the footage."
            ),
            _(
                "An append-only, hash-chained audit log records every consultation, disclosure, alteration and "
                "erasure, granted or refused; its chain can be verified at any time."
            ),
            _(
                "Police footage older than {days} days is shown only for a judicial purpose with the reference of a "
                "prosecutor's decision or an investigating judge's order.",
                days=policy.administrative_consult_days,
            ),
            _("Roles separate duties: administrators do not watch, the DPO reviews but does not play back freely."),
            _("Camera stream passwords are encrypted with the site's key and never shown or logged."),
            _(
                "Evidence packages are signed (Ed25519) and can be verified offline; faces are blurred for third "
                "parties."
            ),
            _(
                "Sign-ins are slowed after {names} failures per name or {addresses} per address; sessions last "
                "{hours} hours; passwords have at least {length} characters and are stored as Argon2 hashes.",
                names=security.login_free_failures_per_name,
                addresses=security.login_free_failures_per_address,
                hours=format(security.session_hours, "g"),
                length=security.password_min_length,
            ),
            https,
            _("No face recognition: faces are only detected, to blur them in exports."),
        ]

    # -- cameras and declarations ------------------------------------------------------------

    def _camera_entries(self, session: Session, cameras: Sequence[Camera]) -> list[CameraEntry]:
        declarations = {
            declaration.camera_id: declaration
            for declaration in session.scalars(
                select(CameraDeclaration).where(CameraDeclaration.camera_id.in_([camera.id for camera in cameras]))
            )
        }
        dpo = self.settings.dpo
        today = self.today()
        entries = []
        for camera in cameras:
            declaration = declarations.get(camera.id)
            police = camera.legal_regime == LegalRegime.POLICE.value
            validated = declaration.validated_on if declaration else None
            due = add_months(validated, dpo.declaration_valid_months) if validated else None
            if due is not None:
                state = urgency(due, today, dpo.declaration_reminder_days).value
            else:
                state = "not_required" if police else "missing"
            entries.append(
                CameraEntry(
                    str(camera.id),
                    camera.name,
                    camera.kind,
                    camera.legal_regime,
                    ", ".join(part for part in (camera.street, camera.area) if part),
                    camera.retention_max_days,
                    camera.retention_min_days,
                    camera.council_consent_ref,
                    declaration.reference if declaration else "",
                    validated,
                    due,
                    state,
                )
            )
        return entries

    def reminders(self, session: Session, actor: Actor) -> list[CameraEntry]:
        """The declarations due within the reminder days, overdue or missing, for the DPO's
        home page (nothing for those who do not keep the register)."""
        if not may(actor, Action.EDIT_PROCESSING_REGISTER) or actor.organisation_id is None:
            return []
        cameras = session.scalars(
            select(Camera)
            .where(Camera.organisation_id == actor.organisation_id, Camera.removed_at.is_(None))
            .order_by(Camera.name)
        ).unique()
        return [entry for entry in self._camera_entries(session, list(cameras)) if entry.reminded]

    # -- changes -----------------------------------------------------------------------------

    def edit(self, session: Session, actor: Actor, section: str, text: str, organisation_ref: str = "") -> Edit:
        """Replace the text of a free-text part; the old and new text are kept in the history."""
        self.gate.require_function(session, actor, "processing-register", Action.EDIT_PROCESSING_REGISTER)
        organisation = self.organisation_of(session, actor, organisation_ref)
        self.gate.require(
            session,
            actor,
            Action.EDIT_PROCESSING_REGISTER,
            self.resource(organisation),
            detail={"change": "edit", "section": section[:40]},
        )
        if section not in FREE_TEXTS:
            raise InvalidInput(
                _(
                    "section: '{section}' is not a part you can edit; choose one of {choices}",
                    section=section[:40],
                    choices=", ".join(FREE_TEXTS),
                )
            )
        new = text.strip()
        if len(new) > MAX_TEXT:
            raise InvalidInput(_("text: write at most {count} characters", count=MAX_TEXT))
        old = self.texts(session, organisation.id).get(section, "")
        if new == old:
            raise InvalidInput(_("text: this is already the text of that part; nothing to save"))
        edit = ProcessingRegisterEdit(
            organisation_id=organisation.id,
            section=section,
            old_text=old,
            new_text=new,
            edited_at=self._clock(),
            edited_by=actor.name,
        )
        session.add(edit)
        session.flush()
        return Edit(section, old, new, edit.edited_at, edit.edited_by)

    def declare(
        self, session: Session, actor: Actor, camera_ref: str, reference: str, validated_on: date
    ) -> CameraDeclaration:
        """Record a camera's declaration and the day it was made or last validated."""
        camera = self.cameras.find(session, camera_ref)
        own = camera is not None and (actor.kind is ActorKind.SYSTEM or camera.organisation_id == actor.organisation_id)
        resource = Resource(
            ResourceKind.PROCESSING_REGISTER,
            str(camera.organisation_id) if camera and own else "",
            camera.name if camera and own else camera_ref[:120],
            camera.organisation_id if camera and own else None,
            extra_ids=(("camera", str(camera.id), camera.name),) if camera and own else (),
            asked=camera_ref,
            known=own,
        )
        self.gate.require(
            session,
            actor,
            Action.EDIT_PROCESSING_REGISTER,
            resource,
            detail={"change": "declaration", "reference": reference[:200], "validated_on": validated_on.isoformat()},
        )
        assert camera is not None
        if not reference.strip():
            raise InvalidInput(_("declaration reference: write the reference the declaration form gave"))
        if len(reference) > 200:
            raise InvalidInput(_("declaration reference: at most 200 characters"))
        if validated_on > self.today():
            raise InvalidInput(_("validated on: the day of the validation cannot lie in the future"))
        declaration = session.get(CameraDeclaration, camera.id) or CameraDeclaration(camera_id=camera.id)
        declaration.reference = reference.strip()
        declaration.validated_on = validated_on
        declaration.updated_at = self._clock()
        declaration.updated_by = actor.name
        session.add(declaration)
        session.flush()
        return declaration


@dataclass(frozen=True)
class _Facts:
    """What the register's generated parts are drawn from, read once."""

    police: int
    camera_law: int
    kinds: dict[str, int]
    purposes_used: dict[str, int]
    grants: dict[str, tuple[set[str], int]]
    exports: dict[str, int]
    plate_reads: bool
    incidents: bool
    subject_requests: bool

    @classmethod
    def gathered(cls, session: Session, organisation: Organisation, cameras: Sequence[Camera], now: datetime) -> _Facts:
        since = now - USE_WINDOW
        kinds: dict[str, int] = {}
        for camera in cameras:
            kinds[camera.kind] = kinds.get(camera.kind, 0) + 1
        used = session.execute(
            select(AuditRecord.purpose, func.count())
            .where(
                AuditRecord.organisation_id == str(organisation.id),
                AuditRecord.op == "consult",
                AuditRecord.outcome == "granted",
                AuditRecord.purpose != "",
                AuditRecord.ts_utc >= since,
            )
            .group_by(AuditRecord.purpose)
        ).all()
        grants: dict[str, tuple[set[str], int]] = {}
        for grant in session.scalars(
            select(Grant).where(Grant.owner_organisation_id == organisation.id, Grant.revoked_at.is_(None))
        ).unique():
            if grant.valid_until is not None and grant.valid_until <= now:
                continue
            rights, count = grants.get(grant.grantee.name, (set(), 0))
            grants[grant.grantee.name] = (rights | set(members(grant.rights)), count + 1)
        exports = session.execute(
            select(EvidenceExport.recipient, func.count())
            .where(EvidenceExport.organisation_id == organisation.id, EvidenceExport.created_at >= since)
            .group_by(EvidenceExport.recipient)
        ).all()
        return cls(
            police=sum(1 for camera in cameras if camera.legal_regime == LegalRegime.POLICE.value),
            camera_law=sum(1 for camera in cameras if camera.legal_regime == LegalRegime.CAMERA_LAW.value),
            kinds=kinds,
            purposes_used={str(purpose): int(count) for purpose, count in used},
            grants=grants,
            exports={str(recipient): int(count) for recipient, count in exports},
            plate_reads=_exists(session, select(PlateRead.id).where(PlateRead.organisation_id == organisation.id)),
            incidents=_exists(session, select(Incident.id).where(Incident.organisation_id == organisation.id)),
            subject_requests=_exists(
                session, select(SubjectRequest.id).where(SubjectRequest.organisation_id == organisation.id)
            ),
        )


def _exists(session: Session, statement: Select[uuid.UUID]) -> bool:
    return session.scalar(statement.limit(1)) is not None
