"""Premises and consents: which alarm account is whose, and which cameras may follow an alarm.

An alarm centre's administrator registers a subscriber's premises: address, DC-09 prefix and
account number, zones, contact, the police zone that intervenes, and (optionally) an AES key,
which is shown once when it is made and then kept sealed. A camera owner consents, per camera,
that it is forwarded to that police zone when an alarm goes off, for live view and for the
minutes before the alarm; an incident opens grants only inside a consent that holds. Every
change is one audited decision of the gate. The receiver asks `key_for` for a message's key;
it never sees a premises it cannot name.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, joinedload, lazyload

from belfort.alarms.dc09 import AccountKey
from belfort.alarms.models import Consent, Premises
from belfort.auth.models import Organisation
from belfort.cameras.service import CameraService
from belfort.db import Database
from belfort.errors import Conflict, InvalidInput
from belfort.i18n import _
from belfort.keys import CredentialBox
from belfort.policy import Action, Actor, ActorKind, OrganisationKind, PolicyGate, Resource, ResourceKind, Role
from belfort.timeutil import Clock, utcnow

HEX_RE = re.compile(r"^[0-9A-F]+$")
KEY_BITS = (128, 192, 256)
MIN_REASON = 10
SEES_EVERY_PREMISES = frozenset({Role.PLATFORM_ADMIN, Role.AUDITOR})


@dataclass
class PremisesSpec:
    """What an alarm centre states about a premises; None leaves a field as it is (on update)."""

    name: str | None = None
    subscriber: str | None = None
    address: str | None = None
    municipality: str | None = None
    contact: str | None = None
    police: str | None = None
    """The police zone's organisation, by name or id."""
    prefix: str | None = None
    account: str | None = None
    zones: Mapping[str, str] | None = None
    supervision_seconds: int | None = None
    live_minutes: int | None = None
    prealarm_seconds: int | None = None
    centre: str | None = None
    """For the platform administrator only: the alarm centre the premises belongs to."""


@dataclass
class ConsentSpec:
    camera: str
    live: bool = True
    prealarm: bool = True
    valid_until: datetime | None = None
    reference: str = ""


@dataclass(frozen=True)
class PremisesView:
    premises: Premises
    consents: list[Consent] = field(default_factory=list)


def premises_resource(premises: Premises | None, asked: str) -> Resource:
    if premises is None:
        return Resource(ResourceKind.PREMISES, "", asked[:120], asked=asked, known=False)
    return Resource(
        ResourceKind.PREMISES,
        str(premises.id),
        premises.name,
        premises.centre_organisation_id,
        asked=asked,
        owner_name=premises.centre.name,
    )


def _hex(value: str, label: str, longest: int) -> str:
    cleaned = value.strip().upper()
    if not cleaned or len(cleaned) > longest or not HEX_RE.match(cleaned):
        raise InvalidInput(_("{field}: use 1 to {count} hexadecimal characters (0-9, A-F)", field=label, count=longest))
    return cleaned


def _text(value: str, label: str, longest: int, required: bool = True) -> str:
    cleaned = value.strip()
    if required and not cleaned:
        raise InvalidInput(_("{field}: fill this in", field=label))
    if len(cleaned) > longest:
        raise InvalidInput(_("{field}: use at most {count} characters", field=label, count=longest))
    return cleaned


def _bounded(value: int, label: str, low: int, high: int) -> int:
    if not low <= value <= high:
        raise InvalidInput(_("{field}: choose a number from {low} to {high}", field=label, low=low, high=high))
    return value


def fingerprint(key: bytes) -> str:
    """What identifies a key on pages and in the audit without revealing it."""
    return hashlib.sha256(key).hexdigest()[:12]


class PremisesService:
    def __init__(
        self, gate: PolicyGate, cameras: CameraService, box: CredentialBox, db: Database, clock: Clock = utcnow
    ) -> None:
        self.gate = gate
        self.cameras = cameras
        self._box = box
        self._db = db
        self._clock = clock
        self._keys: dict[tuple[str, str], tuple[uuid.UUID, AccountKey]] | None = None
        self._keys_lock = threading.Lock()

    # -- what the receiver asks ---------------------------------------------------------

    def key_for(self, prefix: str, account: str) -> AccountKey | None:
        """The key (or none: plain messages) of the premises with this prefix and account, or
        None when no premises answers to them."""
        found = self.premises_of(prefix, account)
        return found[1] if found else None

    def premises_of(self, prefix: str, account: str) -> tuple[uuid.UUID, AccountKey] | None:
        with self._keys_lock:
            if self._keys is None:
                self._keys = self._load_keys()
            return self._keys.get((prefix.upper() or "0", account.upper()))

    def _load_keys(self) -> dict[tuple[str, str], tuple[uuid.UUID, AccountKey]]:
        keys = {}
        with self._db.session() as session:
            for premises in session.scalars(select(Premises).where(Premises.removed_at.is_(None))):
                key = bytes.fromhex(self._box.open(premises.key_sealed)) if premises.key_sealed else None
                keys[(premises.prefix, premises.account)] = (premises.id, AccountKey(key))
        return keys

    def forget_keys(self) -> None:
        """Reload the accounts at the next message (after any change)."""
        with self._keys_lock:
            self._keys = None

    # -- premises -----------------------------------------------------------------------

    def add(self, session: Session, actor: Actor, spec: PremisesSpec, key_bits: int = 0) -> tuple[Premises, str]:
        """Register a premises for the actor's alarm centre; with `key_bits`, a new AES key is
        made and returned (hex) this once."""
        self.gate.require_function(session, actor, "alarms", Action.MANAGE_PREMISES)
        centre = self._centre(session, actor, spec.centre)
        now = self._clock()
        premises = Premises(
            centre_organisation_id=centre.id,
            centre=centre,
            prefix="0",
            zones="{}",
            supervision_seconds=0,
            live_minutes=60,
            prealarm_seconds=120,
            created_by=actor.name,
            created_at=now,
            updated_at=now,
        )
        for required in ("name", "subscriber", "address", "police", "account"):
            if getattr(spec, required) is None:
                raise InvalidInput(_("{field}: fill this in", field=required))
        self._apply(session, premises, spec)
        self.gate.require(
            session,
            actor,
            Action.MANAGE_PREMISES,
            premises_resource(premises, premises.name),
            detail={"change": "add", "account": f"{premises.prefix}:{premises.account}"},
        )
        self._unique(session, premises)
        key = ""
        if key_bits:
            key = self._new_key(premises, key_bits)
        session.add(premises)
        session.flush()
        self.forget_keys()
        return premises, key

    def update(self, session: Session, actor: Actor, ref: str, spec: PremisesSpec) -> Premises:
        premises = self._managed(session, actor, ref, "update")
        self._apply(session, premises, spec)
        self._unique(session, premises)
        premises.updated_at = self._clock()
        session.flush()
        self.forget_keys()
        return premises

    def new_key(self, session: Session, actor: Actor, ref: str, key_bits: int) -> tuple[Premises, str]:
        """Replace the premises' key (0: accept plain messages only); the new key is returned
        (hex) this once: program it into the transmitter."""
        premises = self._managed(session, actor, ref, "key", bits=str(key_bits))
        key = ""
        if key_bits:
            key = self._new_key(premises, key_bits)
        else:
            premises.key_sealed, premises.key_bits, premises.key_fingerprint = "", 0, ""
        premises.updated_at = self._clock()
        session.flush()
        self.forget_keys()
        return premises, key

    def set_key(self, session: Session, actor: Actor, ref: str, key_hex: str) -> Premises:
        """Use a key the alarm centre already programmed into its transmitters."""
        cleaned = key_hex.strip().replace(" ", "")
        try:
            key = bytes.fromhex(cleaned)
        except ValueError:
            raise InvalidInput(_("key: write the key as hexadecimal digits (32, 48 or 64 of them)")) from None
        if len(key) * 8 not in KEY_BITS:
            raise InvalidInput(_("key: write the key as hexadecimal digits (32, 48 or 64 of them)"))
        premises = self._managed(session, actor, ref, "key", bits=str(len(key) * 8))
        self._seal(premises, key)
        premises.updated_at = self._clock()
        session.flush()
        self.forget_keys()
        return premises

    def remove(self, session: Session, actor: Actor, ref: str) -> Premises:
        premises = self._managed(session, actor, ref, "remove")
        premises.removed_at = self._clock()
        session.flush()
        self.forget_keys()
        return premises

    def visible(self, session: Session, actor: Actor) -> list[Premises]:
        """The premises the actor's organisation deals with: its own (an alarm centre), those
        its police zone intervenes at, those its cameras are forwarded from; all of them for
        the platform's people."""
        self.gate.require_function(session, actor, "alarms", Action.VIEW_ALARMS, Action.MANAGE_PREMISES)
        statement = select(Premises).where(Premises.removed_at.is_(None)).order_by(Premises.name)
        if actor.role not in SEES_EVERY_PREMISES and actor.kind is not ActorKind.SYSTEM:
            org = actor.organisation_id
            consented = select(Consent.premises_id).where(Consent.owner_organisation_id == org)
            statement = statement.where(
                or_(
                    Premises.centre_organisation_id == org,
                    Premises.police_organisation_id == org,
                    Premises.id.in_(consented),
                )
            )
        return list(session.scalars(statement).unique())

    def view(self, session: Session, actor: Actor, ref: str) -> PremisesView:
        """One premises with its consents, for those who deal with it."""
        premises = self._find(session, ref)
        visible = premises is not None and any(p.id == premises.id for p in self.visible(session, actor))
        resource = premises_resource(premises if visible else None, ref)
        self.gate.require(session, actor, Action.VIEW_ALARMS, resource)
        assert premises is not None
        return PremisesView(premises, self.consents(session, premises))

    @staticmethod
    def _consents_of(premises: Premises) -> Select[Consent]:
        return select(Consent).where(Consent.premises_id == premises.id).order_by(Consent.given_at.desc())

    def consents(self, session: Session, premises: Premises) -> list[Consent]:
        return list(session.scalars(self._consents_of(premises)).unique())

    @staticmethod
    def zones_of(premises: Premises) -> dict[str, str]:
        loaded = json.loads(premises.zones or "{}")
        return {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}

    # -- consents -----------------------------------------------------------------------

    def consent(self, session: Session, actor: Actor, premises_ref: str, spec: ConsentSpec) -> Consent:
        """The camera owner's consent that `spec.camera` is forwarded on an alarm at the premises."""
        self.gate.require_function(session, actor, "alarms", Action.GIVE_CONSENT)
        premises = self._find(session, premises_ref)
        if premises is None:
            self.gate.require(session, actor, Action.VIEW_ALARMS, premises_resource(None, premises_ref))
        assert premises is not None
        camera = self.cameras.find(session, spec.camera)
        resource = self.cameras.resource(session, actor, camera, spec.camera)
        if camera is not None and camera.organisation_id != actor.organisation_id:
            resource = Resource(ResourceKind.CAMERA, "", spec.camera[:120], asked=spec.camera, known=False)
        now = self._clock()
        if not spec.live and not spec.prealarm:
            raise InvalidInput(_("scope: consent to live view, to the minutes before the alarm, or both"))
        if spec.valid_until is not None and spec.valid_until <= now:
            raise InvalidInput(_("valid until: choose a moment in the future"))
        reference = _text(spec.reference, "reference", 200, required=False)
        self.gate.require(
            session,
            actor,
            Action.GIVE_CONSENT,
            resource,
            recipient=premises.police.name,
            detail={
                "change": "consent",
                "premises": premises.name,
                "scope": " ".join(s for s, on in (("live", spec.live), ("prealarm", spec.prealarm)) if on),
                "until": spec.valid_until.isoformat() if spec.valid_until else "withdrawn",
            },
        )
        assert camera is not None
        consent = Consent(
            premises_id=premises.id,
            camera_id=camera.id,
            owner_organisation_id=camera.organisation_id,
            live=spec.live,
            prealarm=spec.prealarm,
            reference=reference,
            given_by=actor.name,
            given_at=now,
            valid_until=spec.valid_until,
        )
        session.add(consent)
        session.flush()
        session.refresh(consent)
        return consent

    def withdraw(self, session: Session, actor: Actor, consent_ref: str, reason: str) -> Consent:
        """End a consent now (the owner's side); incidents opened later forward the camera no more."""
        try:
            consent = session.get(Consent, uuid.UUID(consent_ref))
        except ValueError:
            consent = None
        mine = consent is not None and consent.owner_organisation_id == actor.organisation_id
        resource = Resource(
            ResourceKind.CONSENT,
            str(consent.id) if consent and mine else "",
            consent.camera.name if consent and mine else consent_ref[:120],
            consent.owner_organisation_id if consent and mine else None,
            asked=consent_ref,
            known=mine,
        )
        self.gate.require(session, actor, Action.GIVE_CONSENT, resource, detail={"change": "withdraw"})
        assert consent is not None
        if len(reason.strip()) < MIN_REASON:
            raise InvalidInput(_("reason: say in at least {count} characters why the consent ends", count=MIN_REASON))
        if consent.withdrawn_at is not None:
            raise Conflict(_("this consent was already withdrawn"))
        consent.withdrawn_at = self._clock()
        consent.withdrawn_by = actor.name
        consent.withdraw_reason = reason.strip()
        session.flush()
        return consent

    def holding(self, session: Session, premises: Premises, now: datetime) -> list[Consent]:
        """The consents that hold now for the premises, for cameras that still exist."""
        statement = (
            self._consents_of(premises)
            .where(Consent.withdrawn_at.is_(None))
            .options(lazyload("*"), joinedload(Consent.camera))  # on every alarm: only what it forwards
        )
        return [
            consent
            for consent in session.scalars(statement).unique()
            if (consent.valid_until is None or now < consent.valid_until)
            and consent.camera.removed_at is None
            and consent.camera.organisation_id == consent.owner_organisation_id
        ]

    # -- helpers ------------------------------------------------------------------------

    def _centre(self, session: Session, actor: Actor, named: str | None) -> Organisation:
        found: Organisation | None
        if actor.role is Role.PLATFORM_ADMIN and named:
            found = self._organisation(session, named, "centre")
        else:
            found = session.get(Organisation, actor.organisation_id) if actor.organisation_id else None
        if found is None or found.kind != OrganisationKind.ALARM_CENTRE.value:
            raise InvalidInput(_("centre: premises belong to an alarm centre; sign in as one, or name one"))
        return found

    @staticmethod
    def _organisation(session: Session, ref: str, label: str) -> Organisation:
        try:
            found = session.get(Organisation, uuid.UUID(ref))
        except ValueError:
            found = session.scalars(select(Organisation).where(Organisation.name == ref.strip())).first()
        if found is None:
            raise InvalidInput(_("{field}: there is no organisation '{name}'", field=label, name=ref[:120]))
        return found

    def _apply(self, session: Session, premises: Premises, spec: PremisesSpec) -> None:
        if spec.name is not None:
            premises.name = _text(spec.name, "name", 120)
        if spec.subscriber is not None:
            premises.subscriber = _text(spec.subscriber, "subscriber", 200)
        if spec.address is not None:
            premises.address = _text(spec.address, "address", 300)
        if spec.municipality is not None:
            premises.municipality = _text(spec.municipality, "municipality", 120, required=False)
        if spec.contact is not None:
            premises.contact = _text(spec.contact, "contact", 1000, required=False)
        if spec.police is not None:
            police = self._organisation(session, spec.police, "police")
            if police.kind != OrganisationKind.POLICE_ZONE.value:
                raise InvalidInput(_("police: '{name}' is not a police zone", name=police.name))
            premises.police_organisation_id = police.id
            premises.police = police
        if spec.prefix is not None:
            premises.prefix = _hex(spec.prefix or "0", "prefix", 6)
        if spec.account is not None:
            premises.account = _hex(spec.account, "account", 16)
            if len(premises.account) < 3:
                raise InvalidInput(_("account: use 3 to 16 hexadecimal characters (0-9, A-F)"))
        if spec.zones is not None:
            zones = {}
            for number, label in spec.zones.items():
                key = number.strip().lstrip("0") or "0"
                if not (key.isascii() and key.isdigit()) or len(key) > 4:
                    raise InvalidInput(_("zones: '{value}' is not a zone number", value=number[:20]))
                zones[key] = _text(label, "zones", 120)
            premises.zones = json.dumps(zones, ensure_ascii=False, sort_keys=True)
        if spec.supervision_seconds is not None:
            premises.supervision_seconds = (
                0 if spec.supervision_seconds == 0 else _bounded(spec.supervision_seconds, "supervision", 10, 86_400)
            )
        if spec.live_minutes is not None:
            premises.live_minutes = _bounded(spec.live_minutes, "live minutes", 1, 240)
        if spec.prealarm_seconds is not None:
            premises.prealarm_seconds = _bounded(spec.prealarm_seconds, "pre-alarm seconds", 0, 900)

    @staticmethod
    def _unique(session: Session, premises: Premises) -> None:
        clash = session.scalars(
            select(Premises).where(
                Premises.prefix == premises.prefix,
                Premises.account == premises.account,
                Premises.removed_at.is_(None),
                Premises.id != premises.id,
            )
        ).first()
        if clash is not None:
            raise Conflict(
                _(
                    "account: prefix {prefix} and account {account} already belong to another premises; "
                    "choose another prefix or account",
                    prefix=premises.prefix,
                    account=premises.account,
                )
            )

    def _new_key(self, premises: Premises, bits: int) -> str:
        if bits not in KEY_BITS:
            raise InvalidInput(_("key bits: choose 128, 192 or 256"))
        key = secrets.token_bytes(bits // 8)
        self._seal(premises, key)
        return key.hex().upper()

    def _seal(self, premises: Premises, key: bytes) -> None:
        premises.key_sealed = self._box.seal(key.hex())
        premises.key_bits = len(key) * 8
        premises.key_fingerprint = fingerprint(key)

    @staticmethod
    def _find(session: Session, ref: str) -> Premises | None:
        try:
            found = session.get(Premises, uuid.UUID(ref))
        except ValueError:
            found = session.scalars(
                select(Premises).where(Premises.name == ref.strip(), Premises.removed_at.is_(None))
            ).first()
        return found if found is not None and found.removed_at is None else None

    def _managed(self, session: Session, actor: Actor, ref: str, change: str, **detail: str) -> Premises:
        premises = self._find(session, ref)
        self.gate.require(
            session,
            actor,
            Action.MANAGE_PREMISES,
            premises_resource(premises, ref),
            detail={"change": change, **detail},
        )
        assert premises is not None
        return premises
