"""Registering, changing and removing cameras, with the rules the law sets.

Every change passes the policy gate as `admin.cameras` and so is audited with what
changed (never the credentials). Retention limits follow the legal regime: police law
at most the configured maximum (365 days), camera law at most 30 days; bodycams keep
their footage at least 30 days.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from belfort.auth.service import find_organisation
from belfort.cameras.models import Camera
from belfort.errors import Conflict, InvalidInput, NotFound
from belfort.policy import Action, Actor, LegalRegime, OrganisationKind, PolicyGate, Resource, ResourceKind
from belfort.settings import PolicySettings
from belfort.timeutil import Clock, utcnow

KINDS = ("fixed", "temporary", "mobile_ptz", "drone", "bodycam", "anpr")
TRANSPORTS = ("tcp", "udp")
URL_SCHEMES = ("rtsp", "rtsps", "sim")
BODYCAM_MIN_DAYS = 30
NAME_RE = re.compile(r"^[\w][\w .,'()/&+-]{1,119}$", re.UNICODE)


def redact_url(url: str) -> str:
    """The URL without user name and password: the only form that may be shown or logged."""
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, f"***@{host}", parts.path, parts.query, parts.fragment))


def redact_text(text: str, *urls: str) -> str:
    """Replace any of `urls` (and their credentials) inside an error message."""
    for url in urls:
        if not url:
            continue
        text = text.replace(url, redact_url(url))
        parts = urlsplit(url)
        for secret in (parts.password, parts.username):
            if secret:
                text = text.replace(secret, "***")
    return text


def live_resource(camera: Camera) -> Resource:
    """The policy's view of a camera's live images."""
    return Resource(
        ResourceKind.CAMERA,
        str(camera.id),
        camera.name,
        camera.organisation_id,
        LegalRegime(camera.legal_regime),
    )


def _check_url(value: str, label: str, required: bool) -> str:
    value = value.strip()
    if not value:
        if required:
            raise InvalidInput(f"{label} is required: rtsp://host:554/path (or sim://NAME for a simulated camera)")
        return ""
    if len(value) > 2000:
        raise InvalidInput(f"{label} is longer than 2000 characters")
    parts = urlsplit(value)
    if parts.scheme not in URL_SCHEMES or not (parts.netloc or parts.path):
        raise InvalidInput(f"{label} must start with rtsp://, rtsps:// or sim:// (got '{redact_url(value)}')")
    return value


@dataclass
class CameraSpec:
    """What an administrator states about a camera; None means 'keep' on updates."""

    name: str | None = None
    organisation: str | None = None
    kind: str | None = None
    legal_regime: str | None = None
    main_url: str | None = None
    sub_url: str | None = None
    transport: str | None = None
    street: str | None = None
    area: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    retention_max_days: int | None = None
    retention_min_days: int | None = None
    council_consent_ref: str | None = None
    enabled: bool | None = None
    clear_position: bool = False


class CameraService:
    def __init__(self, gate: PolicyGate, policy: PolicySettings, clock: Clock = utcnow) -> None:
        self.gate = gate
        self.policy = policy
        self._clock = clock

    def _authorize(self, session: Session, actor: Actor, camera: Camera, **detail: Any) -> None:
        resource = Resource(ResourceKind.CAMERA, str(camera.id), camera.name, camera.organisation_id)
        self.gate.require(session, actor, Action.MANAGE_CAMERAS, resource, detail=detail)

    def get(self, session: Session, ref: str) -> Camera:
        """A camera by id or exact name (removed cameras included)."""
        camera = None
        try:
            camera = session.get(Camera, uuid.UUID(ref))
        except ValueError:
            camera = session.scalars(select(Camera).where(Camera.name == ref)).first()
        if camera is None:
            raise NotFound(f"no camera '{ref}'; list them with `belfort camera list`")
        return camera

    def get_own(self, session: Session, actor: Actor, ref: str) -> Camera:
        """A camera of the actor's own organisation (any, for Belfort itself), by id or name.

        Unlike what an actor may see, cameras shared by other organisations do not count:
        this is for attaching the actor's own data (plate reads, speed sections) to a camera.
        """
        camera = self.get(session, ref)
        if actor.organisation_id is not None and camera.organisation_id != actor.organisation_id:
            raise NotFound(f"no camera '{ref}' of your organisation")
        return camera

    def list(self, session: Session, include_removed: bool = False) -> list[Camera]:
        statement = select(Camera).order_by(Camera.name)
        if not include_removed:
            statement = statement.where(Camera.removed_at.is_(None))
        return list(session.scalars(statement))

    def enabled_cameras(self, session: Session) -> list[Camera]:
        return list(session.scalars(select(Camera).where(Camera.enabled.is_(True), Camera.removed_at.is_(None))))

    def _max_days(self, regime: str) -> int:
        if regime == LegalRegime.POLICE:
            return self.policy.police_max_retention_days
        return self.policy.camera_law_max_retention_days

    def _apply(self, session: Session, camera: Camera, spec: CameraSpec) -> list[str]:
        changed: list[str] = []

        def put(attribute: str, value: Any) -> None:
            if getattr(camera, attribute, None) != value:
                setattr(camera, attribute, value)
                changed.append(attribute)

        if spec.name is not None:
            name = spec.name.strip()
            if not NAME_RE.match(name):
                raise InvalidInput("camera name must be 2 to 120 characters: letters, digits, spaces and .,'()/&+-")
            other = session.scalars(select(Camera).where(Camera.name == name, Camera.id != camera.id)).first()
            if other is not None:
                raise Conflict(f"a camera named '{name}' already exists")
            put("name", name)
        if spec.organisation is not None:
            put("organisation_id", find_organisation(session, spec.organisation).id)
        if spec.kind is not None:
            if spec.kind not in KINDS:
                raise InvalidInput(f"unknown camera kind '{spec.kind}'; choose one of {', '.join(KINDS)}")
            put("kind", spec.kind)
        if spec.legal_regime is not None:
            if spec.legal_regime not in (r.value for r in LegalRegime):
                raise InvalidInput(f"unknown legal regime '{spec.legal_regime}'; choose police or camera_law")
            put("legal_regime", spec.legal_regime)
        if spec.main_url is not None:
            put("main_url", _check_url(spec.main_url, "main stream URL", required=True))
        if spec.sub_url is not None:
            put("sub_url", _check_url(spec.sub_url, "sub-stream URL", required=False))
        if spec.transport is not None:
            if spec.transport not in TRANSPORTS:
                raise InvalidInput("transport must be tcp or udp")
            put("transport", spec.transport)
        for attribute in ("street", "area"):
            value = getattr(spec, attribute)
            if value is not None:
                if len(value) > 200:
                    raise InvalidInput(f"{attribute} must be at most 200 characters")
                put(attribute, value.strip())
        if spec.clear_position:
            put("latitude", None)
            put("longitude", None)
        if (spec.latitude is None) != (spec.longitude is None):
            raise InvalidInput("give both latitude and longitude, or neither")
        if spec.latitude is not None and spec.longitude is not None:
            if not (-90 <= spec.latitude <= 90 and -180 <= spec.longitude <= 180):
                raise InvalidInput("latitude must be within -90..90 and longitude within -180..180")
            put("latitude", spec.latitude)
            put("longitude", spec.longitude)
        if spec.council_consent_ref is not None:
            if len(spec.council_consent_ref) > 200:
                raise InvalidInput("council consent reference must be at most 200 characters")
            put("council_consent_ref", spec.council_consent_ref.strip())
        self._apply_retention(camera, spec, put)
        if spec.enabled is not None:
            if spec.enabled and camera.legal_regime == LegalRegime.POLICE and not camera.council_consent_ref:
                raise InvalidInput(
                    "a police camera cannot be enabled without the reference of the municipal council's "
                    "consent: set council_consent_ref first"
                )
            put("enabled", spec.enabled)
        elif camera.enabled and camera.legal_regime == LegalRegime.POLICE and not camera.council_consent_ref:
            raise InvalidInput("the council consent reference of an enabled police camera cannot be removed")
        return changed

    def _apply_retention(self, camera: Camera, spec: CameraSpec, put: Any) -> None:
        max_allowed = self._max_days(camera.legal_regime)
        max_days = spec.retention_max_days if spec.retention_max_days is not None else camera.retention_max_days
        if max_days is None:
            max_days = max_allowed
        min_default = BODYCAM_MIN_DAYS if camera.kind == "bodycam" else 0
        min_days = spec.retention_min_days if spec.retention_min_days is not None else camera.retention_min_days
        if min_days is None:
            min_days = min_default
        if not 1 <= max_days <= max_allowed:
            law = "the police law" if camera.legal_regime == LegalRegime.POLICE else "the camera law"
            raise InvalidInput(f"retention_max_days must be between 1 and {max_allowed} under {law}")
        if camera.kind == "bodycam" and min_days < BODYCAM_MIN_DAYS:
            raise InvalidInput(f"bodycam footage must be kept at least {BODYCAM_MIN_DAYS} days (retention_min_days)")
        if not 0 <= min_days <= max_days:
            raise InvalidInput("retention_min_days must be between 0 and retention_max_days")
        put("retention_max_days", max_days)
        put("retention_min_days", min_days)

    def add(self, session: Session, actor: Actor, spec: CameraSpec) -> Camera:
        if not spec.name or not spec.organisation or not spec.main_url:
            raise InvalidInput("a camera needs at least a name, an owner organisation and a main stream URL")
        owner = find_organisation(session, spec.organisation)
        now = self._clock()
        camera = Camera(
            id=uuid.uuid4(),
            organisation_id=owner.id,
            created_at=now,
            updated_at=now,
            enabled=False,
            transport="tcp",
            sub_url="",
            street="",
            area="",
            council_consent_ref="",
            retention_min_days=None,
            retention_max_days=None,
        )
        camera.kind = spec.kind or "fixed"
        camera.legal_regime = spec.legal_regime or (
            LegalRegime.POLICE.value if owner.kind == OrganisationKind.POLICE_ZONE else LegalRegime.CAMERA_LAW.value
        )
        self._apply(session, camera, spec)
        self._authorize(
            session,
            actor,
            camera,
            change="create",
            kind=camera.kind,
            regime=camera.legal_regime,
            enabled=camera.enabled,
        )
        session.add(camera)
        session.flush()
        session.refresh(camera)
        return camera

    def update(self, session: Session, actor: Actor, ref: str, spec: CameraSpec) -> Camera:
        camera = self.get(session, ref)
        if camera.removed_at is not None:
            raise Conflict(f"camera '{camera.name}' was removed and cannot be changed")
        requested = sorted(k for k, v in vars(spec).items() if v is not None and (k != "clear_position" or v))
        self._authorize(session, actor, camera, change="update", fields=",".join(requested))
        if self._apply(session, camera, spec):
            camera.updated_at = self._clock()
        return camera

    def remove(self, session: Session, actor: Actor, ref: str) -> Camera:
        camera = self.get(session, ref)
        self._authorize(session, actor, camera, change="remove")
        if camera.removed_at is None:
            camera.removed_at = self._clock()
            camera.enabled = False
            camera.updated_at = camera.removed_at
        return camera
