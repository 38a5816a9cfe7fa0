"""Registering, changing and removing cameras, and which cameras a person may see.

`visible` is the one query for the cameras an actor may see (the gate's `camera.view`
rule in SQL); every list of cameras comes from it. `require` resolves a reference (id or
name) to a camera through the policy gate for the action asked, so a camera that does not
exist and one of another organisation are refused alike, and both refusals are recorded.
Every change passes the gate as `admin.cameras` and is audited with what changed (never
the credentials). Retention limits follow the legal regime: police law at most the
configured maximum (365 days), camera law at most 30 days; bodycams keep their footage at
least 30 days. A police camera cannot be enabled without the reference of the municipal
council's consent. Stream URLs are stored without credentials (`belfort.streamurl`); the
password is encrypted (`belfort.keys.CredentialBox`) and never leaves this package except
inside the connection URL handed to the recorder. Motion detection (on or off, sensitivity
1-100, up to 16 zones inside the picture) is set like any other field: same gate, same audit.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, String, false, or_, select, true, type_coerce
from sqlalchemy.orm import Session

from belfort.auth.models import Organisation
from belfort.auth.service import find_organisation
from belfort.cameras.grants import granted_cameras, terms_on
from belfort.cameras.membership import refresh_for
from belfort.cameras.models import Camera
from belfort.errors import Conflict, Forbidden, InvalidInput, Refusal
from belfort.i18n import Message, _, _n
from belfort.keys import CredentialBox
from belfort.media.models import Segment
from belfort.media.service import CameraStream
from belfort.policy import (
    Action,
    Actor,
    ActorKind,
    Decision,
    GrantTerm,
    LegalRegime,
    OrganisationKind,
    PolicyGate,
    Purpose,
    Resource,
    ResourceKind,
    Right,
    may,
    sees_camera,
)
from belfort.policy.rules import ACTIONS
from belfort.settings import PolicySettings
from belfort.streamurl import BadStreamUrl, StreamAddress, parse, redact
from belfort.timeutil import Clock, utcnow

KINDS = ("fixed", "temporary", "mobile_ptz", "drone", "bodycam", "anpr")
KIND_WORDS: Mapping[str, Message] = {
    "fixed": _("fixed camera"),
    "temporary": _("temporary camera"),
    "mobile_ptz": _("mobile PTZ camera"),
    "drone": _("drone"),
    "bodycam": _("bodycam"),
    "anpr": _("ANPR camera"),
}
"""How a page names each kind of camera."""
DRONE = "drone"
"""A drone records on board: it may have no stream URL, its videos are imported after each flight."""
TRANSPORTS = ("tcp", "udp")
BODYCAM_MIN_DAYS = 30
NAME_RE = re.compile(r"^[\w][\w .,'()/&+-]{1,119}$", re.UNICODE)
MAX_MOTION_ZONES = 16
EDGE_SLACK = 1e-9
"""A zone may end this far past the picture's edge (0.3 + 0.7 is 0.9999999999999999 or 1.0000000000000002)."""

MotionZone = tuple[float, float, float, float]
"""x, y, width, height as fractions of the picture, from its top left corner."""


def motion_zones_of(camera: Camera) -> list[MotionZone]:
    """The camera's stored motion zones (validated when they were set); empty: the whole picture."""
    return [(float(x), float(y), float(w), float(h)) for x, y, w, h in json.loads(camera.motion_zones or "[]")]


def checked_motion_zones(zones: Sequence[Sequence[float]]) -> list[MotionZone]:
    """`zones` as stored, or InvalidInput naming the rectangle at fault: at most 16 rectangles
    of four finite numbers, each inside the picture and not empty."""
    if len(zones) > MAX_MOTION_ZONES:
        raise InvalidInput(
            _n(
                "motion_zones: at most {count} rectangle",
                "motion_zones: at most {count} rectangles",
                MAX_MOTION_ZONES,
            )
        )
    checked: list[MotionZone] = []
    for number, zone in enumerate(zones, start=1):
        if (
            not isinstance(zone, Sequence)
            or isinstance(zone, (str, bytes))
            or len(zone) != 4
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in zone)
        ):
            raise InvalidInput(
                _("motion_zones: rectangle {number} must be four numbers: x, y, width, height", number=number)
            )
        x, y, w, h = (float(value) for value in zone)
        if not (x >= 0 and y >= 0 and w > 0 and h > 0 and x + w <= 1 + EDGE_SLACK and y + h <= 1 + EDGE_SLACK):
            raise InvalidInput(
                _(
                    "motion_zones: rectangle {number} must lie inside the picture: x and y at least 0, "
                    "width and height above 0, x + width and y + height at most the picture's edge (1)",
                    number=number,
                )
            )
        checked.append((x, y, w, h))
    return checked


def redact_url(url: str) -> str:
    """A stored stream URL as it may be shown: without credentials, whatever it holds."""
    return redact(url)


def camera_resource(
    camera: Camera | None,
    asked: str,
    kind: ResourceKind = ResourceKind.CAMERA,
    start: datetime | None = None,
    end: datetime | None = None,
    grants: tuple[GrantTerm, ...] = (),
) -> Resource:
    """The policy's view of a camera (its live images, or with `kind` RECORDING its footage in
    [start, end)), with its owner's grants to the asker; for a reference that names no
    camera, an unknown resource the gate refuses."""
    if camera is None:
        return Resource(kind, "", asked[:120], start=start, end=end, asked=asked, known=False)
    return Resource(
        kind,
        str(camera.id),
        camera.name,
        camera.organisation_id,
        LegalRegime(camera.legal_regime),
        grants,
        start,
        end,
        asked=asked,
        owner_name=camera.organisation.name,
    )


def visible_condition(actor: Actor, now: datetime, right: Right | None = None) -> ColumnElement[bool]:
    """SQL for "a camera `actor` may see": the gate's `camera.view` rule (see `sees_camera`):
    the actor's organisation's cameras and those its grants open now (with `right`, when named)."""
    if actor.kind is ActorKind.SYSTEM or actor.role in ACTIONS[Action.VIEW_CAMERA].sees_all:
        return true()
    if not may(actor, Action.VIEW_CAMERA) or actor.organisation_id is None:
        return false()
    return or_(Camera.organisation_id == actor.organisation_id, Camera.id.in_(granted_cameras(actor, now, right)))


def owned_condition(actor: Actor) -> ColumnElement[bool]:
    """SQL for "a camera of the actor's own organisation" (every camera, for those who see all):
    what is the owner's business alone (its evidence holds and their case numbers)."""
    if actor.kind is ActorKind.SYSTEM or actor.role in ACTIONS[Action.VIEW_CAMERA].sees_all:
        return true()
    if actor.organisation_id is None:
        return false()
    return Camera.organisation_id == actor.organisation_id


class Owner(NamedTuple):
    """The organisation that owns a listed camera."""

    id: uuid.UUID
    name: str


class ListedCamera(NamedTuple):
    """What a camera list shows of a camera, read as plain columns without loading the camera
    (no stream address, no credentials): for long lists."""

    id: uuid.UUID
    name: str
    organisation: Owner
    kind: str
    area: str
    street: str
    enabled: bool

    @property
    def organisation_id(self) -> uuid.UUID:
        return self.organisation.id


@dataclass
class CameraSpec:
    """What an administrator states about a camera; None means 'keep' on updates."""

    name: str | None = None
    organisation: str | None = None
    kind: str | None = None
    legal_regime: str | None = None
    main_url: str | None = None
    sub_url: str | None = None
    username: str | None = None
    password: str | None = None
    """None keeps the stored password, "" removes it."""
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
    motion_enabled: bool | None = None
    """Whether the camera's own motion opens incidents in its owner's queue."""
    motion_sensitivity: int | None = None
    """1 (only large, sustained changes) to 100 (the slightest)."""
    motion_zones: Sequence[Sequence[float]] | None = None
    """Rectangles [x, y, width, height] in fractions of the picture; empty: the whole picture."""

    def named(self) -> list[str]:
        """The fields this spec sets, for the audit record (never their values)."""
        return sorted(
            f.name
            for f in fields(self)
            if getattr(self, f.name) is not None and (f.name != "clear_position" or self.clear_position)
        )


def _address(value: str, label: str) -> StreamAddress:
    try:
        return parse(value)
    except BadStreamUrl as exc:
        raise InvalidInput(_("{field}: {problem}", field=label, problem=exc.args[0])) from None


class CameraService:
    def __init__(
        self, gate: PolicyGate, policy: PolicySettings, credentials: CredentialBox, clock: Clock = utcnow
    ) -> None:
        self.gate = gate
        self.policy = policy
        self.credentials = credentials
        self._clock = clock

    # -- seeing cameras -----------------------------------------------------------------

    @staticmethod
    def find(session: Session, ref: str) -> Camera | None:
        """A camera by id or exact name (removed cameras included), or None."""
        try:
            return session.get(Camera, uuid.UUID(ref))
        except ValueError:
            return session.scalars(select(Camera).where(Camera.name == ref.strip()).limit(1)).first()

    def visible(
        self,
        session: Session,
        actor: Actor,
        *,
        include_removed: bool = False,
        kind: str | None = None,
        right: Right | None = None,
    ) -> list[Camera]:
        """The cameras `actor` may see, by name: the one list every page and answer uses; with
        `right`, only those of other organisations whose grants give that right (`listed` reads
        the same cameras as plain columns, for long lists)."""
        statement = select(Camera).where(visible_condition(actor, self._clock(), right)).order_by(Camera.name)
        if not include_removed:
            statement = statement.where(Camera.removed_at.is_(None))
        if kind is not None:
            statement = statement.where(Camera.kind == kind)
        return list(session.scalars(statement))

    def listed(
        self, session: Session, actor: Actor, *, right: Right | None = None, enabled_only: bool = False
    ) -> list[ListedCamera]:
        """The cameras of `visible` (not removed; with `right`, as there), in no particular order,
        as `ListedCamera`s: the same rows read as plain columns, each owner's name read once, so
        a list of thousands of granted cameras loads no camera object. The owner's id is matched
        as stored (not made a UUID for every camera)."""
        owner_key = type_coerce(Camera.organisation_id, String)
        statement = select(
            Camera.id, Camera.name, owner_key, Camera.kind, Camera.area, Camera.street, Camera.enabled
        ).where(visible_condition(actor, self._clock(), right), Camera.removed_at.is_(None))
        if enabled_only:
            statement = statement.where(Camera.enabled.is_(True))
        rows = session.execute(statement).all()
        if not rows:
            return []
        stored_id = type_coerce(Organisation.id, String)
        owners = {
            key: Owner(owner_id, name)
            for key, owner_id, name in session.execute(
                select(stored_id, Organisation.id, Organisation.name).where(
                    Organisation.id.in_({uuid.UUID(str(key)) for key in {row[2] for row in rows}})
                )
            )
        }
        return [
            ListedCamera(camera_id, name, owners[key], kind, area, street, enabled)
            for camera_id, name, key, kind, area, street, enabled in rows
        ]

    def require(
        self,
        session: Session,
        actor: Actor,
        ref: str,
        action: Action,
        purpose: Purpose | None = None,
        *,
        footage: tuple[datetime, datetime] | None = None,
        recipient: str = "",
        detail: Mapping[str, object] | None = None,
        available: Callable[[Camera], Refusal | None] | None = None,
    ) -> Camera:
        """The camera `ref` names, once the gate has allowed `action` on it (on its footage in
        `footage`, when given); a refusal is recorded and raised, the same for a camera that
        does not exist as for one the actor may not see."""
        return self.granted(
            session,
            actor,
            ref,
            action,
            purpose,
            footage=footage,
            recipient=recipient,
            detail=detail,
            available=available,
        )[0]

    def granted(
        self,
        session: Session,
        actor: Actor,
        ref: str,
        action: Action,
        purpose: Purpose | None = None,
        *,
        footage: tuple[datetime, datetime] | None = None,
        recipient: str = "",
        detail: Mapping[str, object] | None = None,
        available: Callable[[Camera], Refusal | None] | None = None,
    ) -> tuple[Camera, Decision]:
        """`require`, with the gate's decision (its reason is shown to the person)."""
        camera = self.find(session, ref)
        kind, (start, end) = (ResourceKind.RECORDING, footage) if footage else (ResourceKind.CAMERA, (None, None))
        grants = terms_on(session, camera, actor) if camera is not None else ()
        decision = self.gate.require(
            session,
            actor,
            action,
            camera_resource(camera, ref, kind, start, end, grants),
            purpose,
            recipient=recipient,
            detail=detail,
            available=(lambda: available(camera)) if available is not None and camera is not None else None,
        )
        assert camera is not None  # an unknown camera is refused above
        return camera, decision

    def resource(
        self,
        session: Session,
        actor: Actor,
        camera: Camera | None,
        asked: str,
        kind: ResourceKind = ResourceKind.CAMERA,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> Resource:
        """`camera_resource` with the owner's grants to the actor loaded: what the gate weighs."""
        grants = terms_on(session, camera, actor) if camera is not None else ()
        return camera_resource(camera, asked, kind, start, end, grants)

    def sees(self, session: Session, actor: Actor, camera: Camera) -> bool:
        """Whether `camera` is in the actor's camera lists now (see `visible`)."""
        return sees_camera(actor, camera.organisation_id, self._clock(), terms_on(session, camera, actor))

    # -- what the recorder connects to --------------------------------------------------

    def stream_of(self, camera: Camera) -> CameraStream:
        """The camera as the recorder sees it: its connection URL with the credentials in it."""
        address = parse(camera.main_url)
        try:
            password = self.credentials.open(camera.password_enc)
        except ValueError:
            password = ""
        return CameraStream(
            id=camera.id,
            name=camera.name,
            kind=camera.kind,
            organisation_id=camera.organisation_id,
            url=address.with_credentials(camera.username, password),
            transport=camera.transport,
        )

    def enabled_streams(self, session: Session) -> list[CameraStream]:
        """Every enabled camera's stream, for the recorder (a camera whose stored URL cannot be
        parsed any more is left out; its page says why when it is opened)."""
        cameras = session.scalars(select(Camera).where(Camera.enabled.is_(True), Camera.removed_at.is_(None)))
        streams = []
        for camera in cameras:
            try:
                streams.append(self.stream_of(camera))
            except BadStreamUrl:
                continue
        return streams

    @staticmethod
    def camera_ids(session: Session) -> set[uuid.UUID]:
        return set(session.scalars(select(Camera.id)))

    def move_credentials(self, session: Session) -> int:
        """Take credentials out of stored URLs (written before they had fields of their own)
        into the camera's fields, the password encrypted; how many cameras changed."""
        moved = 0
        for camera in session.scalars(
            select(Camera).where(or_(Camera.main_url.contains("@"), Camera.sub_url.contains("@")))
        ):
            changed = False
            for attribute in ("main_url", "sub_url"):
                value = getattr(camera, attribute)
                try:
                    address = parse(value) if value else None
                except BadStreamUrl:
                    continue
                if address is None or not address.username:
                    continue
                if not camera.username:
                    camera.username = address.username
                    camera.password_enc = self.credentials.seal(address.password)
                setattr(camera, attribute, address.public)
                changed = True
            moved += changed
        return moved

    # -- changing the registry ----------------------------------------------------------

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
                raise InvalidInput(_("camera name must be 2 to 120 characters: letters, digits, spaces and .,'()/&+-"))
            other = session.scalars(select(Camera).where(Camera.name == name, Camera.id != camera.id)).first()
            if other is not None:
                raise Conflict(_("a camera named '{name}' already exists", name=name))
            put("name", name)
        if spec.organisation is not None:
            owner = find_organisation(session, spec.organisation).id
            if (
                camera.organisation_id is not None
                and owner != camera.organisation_id
                and self._has_footage(session, camera)
            ):
                raise Conflict(
                    _(
                        "camera '{name}' holds footage recorded for its owner, which stays theirs: "
                        "register a new camera for the new owner (and remove this one when it is replaced)",
                        name=camera.name,
                    )
                )
            put("organisation_id", owner)
        if spec.kind is not None:
            if spec.kind not in KINDS:
                raise InvalidInput(
                    _("unknown camera kind '{kind}'; choose one of {choices}", kind=spec.kind, choices=", ".join(KINDS))
                )
            put("kind", spec.kind)
        if spec.legal_regime is not None:
            if spec.legal_regime not in (r.value for r in LegalRegime):
                raise InvalidInput(
                    _("unknown legal regime '{regime}'; choose police or camera_law", regime=spec.legal_regime)
                )
            put("legal_regime", spec.legal_regime)
        self._apply_streams(camera, spec, put)
        if spec.transport is not None:
            if spec.transport not in TRANSPORTS:
                raise InvalidInput(_("transport must be tcp or udp"))
            put("transport", spec.transport)
        for attribute, too_long in (
            ("street", _("street must be at most 200 characters")),
            ("area", _("area must be at most 200 characters")),
        ):
            value = getattr(spec, attribute)
            if value is not None:
                if len(value) > 200:
                    raise InvalidInput(too_long)
                put(attribute, value.strip())
        self._apply_position(spec, put)
        if spec.council_consent_ref is not None:
            if len(spec.council_consent_ref) > 200:
                raise InvalidInput(_("council consent reference must be at most 200 characters"))
            put("council_consent_ref", spec.council_consent_ref.strip())
        self._apply_retention(camera, spec, put)
        self._apply_motion(spec, put)
        if spec.enabled is not None:
            if spec.enabled and camera.legal_regime == LegalRegime.POLICE and not camera.council_consent_ref:
                raise InvalidInput(
                    _(
                        "a police camera cannot be enabled without the reference of the municipal council's "
                        "consent: set council_consent_ref first"
                    )
                )
            if spec.enabled and not camera.main_url:
                raise InvalidInput(
                    _("a camera without a main stream URL cannot record: a drone's videos are imported instead")
                )
            put("enabled", spec.enabled)
        elif camera.enabled and camera.legal_regime == LegalRegime.POLICE and not camera.council_consent_ref:
            raise InvalidInput(_("the council consent reference of an enabled police camera cannot be removed"))
        return changed

    def _apply_streams(self, camera: Camera, spec: CameraSpec, put: Callable[[str, Any], None]) -> None:
        """URLs without credentials; credentials typed into a URL move to their own fields."""
        typed: list[StreamAddress] = []
        if spec.main_url is not None and not spec.main_url.strip() and camera.kind == DRONE:
            put("main_url", "")
        elif spec.main_url is not None:
            main = _address(spec.main_url, _("main stream URL"))
            typed.append(main)
            put("main_url", main.public)
        if spec.sub_url is not None:
            sub = _address(spec.sub_url, _("sub-stream URL")) if spec.sub_url.strip() else None
            if sub is not None:
                typed.append(sub)
            put("sub_url", sub.public if sub else "")
        in_url = [address for address in typed if address.username]
        if in_url and (spec.username is not None or spec.password is not None):
            raise InvalidInput(
                _("give the credentials once: in the username and password fields, or in the URL, not both")
            )
        if len({(a.username, a.password) for a in in_url}) > 1:
            raise InvalidInput(_("the main and sub-stream URLs carry different credentials: a camera has one pair"))
        username = in_url[0].username if in_url else spec.username
        password = in_url[0].password if in_url else spec.password
        if username is not None:
            if len(username) > 200:
                raise InvalidInput(_("username must be at most 200 characters"))
            put("username", username)
        if password is not None:
            if len(password) > 500:
                raise InvalidInput(_("password must be at most 500 characters"))
            if password != self._password(camera):
                put("password_enc", self.credentials.seal(password))

    def _password(self, camera: Camera) -> str:
        try:
            return self.credentials.open(camera.password_enc or "")
        except ValueError:
            return ""

    @staticmethod
    def _apply_position(spec: CameraSpec, put: Callable[[str, Any], None]) -> None:
        if spec.clear_position:
            put("latitude", None)
            put("longitude", None)
        if (spec.latitude is None) != (spec.longitude is None):
            raise InvalidInput(_("give both latitude and longitude, or neither"))
        if spec.latitude is not None and spec.longitude is not None:
            if not (-90 <= spec.latitude <= 90 and -180 <= spec.longitude <= 180):
                raise InvalidInput(_("latitude must be within -90..90 and longitude within -180..180"))
            put("latitude", spec.latitude)
            put("longitude", spec.longitude)

    @staticmethod
    def _apply_motion(spec: CameraSpec, put: Callable[[str, Any], None]) -> None:
        if spec.motion_enabled is not None:
            put("motion_enabled", bool(spec.motion_enabled))
        if spec.motion_sensitivity is not None:
            sensitivity = spec.motion_sensitivity
            if isinstance(sensitivity, bool) or not isinstance(sensitivity, int) or not 1 <= sensitivity <= 100:
                raise InvalidInput(_("motion_sensitivity must be a whole number from 1 to 100"))
            put("motion_sensitivity", sensitivity)
        if spec.motion_zones is not None:
            put("motion_zones", json.dumps(checked_motion_zones(spec.motion_zones)))

    @staticmethod
    def _has_footage(session: Session, camera: Camera) -> bool:
        return session.scalar(select(Segment.id).where(Segment.camera_id == camera.id).limit(1)) is not None

    def _apply_retention(self, camera: Camera, spec: CameraSpec, put: Callable[[str, Any], None]) -> None:
        max_allowed = self._max_days(camera.legal_regime)
        max_days = spec.retention_max_days if spec.retention_max_days is not None else camera.retention_max_days
        if max_days is None:
            max_days = max_allowed
        min_default = BODYCAM_MIN_DAYS if camera.kind == "bodycam" else 0
        min_days = spec.retention_min_days if spec.retention_min_days is not None else camera.retention_min_days
        if min_days is None:
            min_days = min_default
        if not 1 <= max_days <= max_allowed:
            if camera.legal_regime == LegalRegime.POLICE:
                raise InvalidInput(
                    _("retention_max_days must be between 1 and {maximum} under the police law", maximum=max_allowed)
                )
            raise InvalidInput(
                _("retention_max_days must be between 1 and {maximum} under the camera law", maximum=max_allowed)
            )
        if camera.kind == "bodycam" and min_days < BODYCAM_MIN_DAYS:
            raise InvalidInput(
                _n(
                    "bodycam footage must be kept at least {count} day (retention_min_days)",
                    "bodycam footage must be kept at least {count} days (retention_min_days)",
                    BODYCAM_MIN_DAYS,
                )
            )
        if not 0 <= min_days <= max_days:
            raise InvalidInput(_("retention_min_days must be between 0 and retention_max_days"))
        put("retention_max_days", max_days)
        put("retention_min_days", min_days)

    def add(self, session: Session, actor: Actor, spec: CameraSpec) -> Camera:
        """Register a camera of the actor's organisation (any organisation's, for the CLI)."""
        self.gate.require_function(session, actor, "cameras", Action.MANAGE_CAMERAS)
        owner = find_organisation(session, spec.organisation) if spec.organisation else None
        self.gate.require(
            session,
            actor,
            Action.MANAGE_CAMERAS,
            Resource(
                ResourceKind.CAMERA,
                "",
                (spec.name or "")[:120],
                owner.id if owner else None,
                owner_name=owner.name if owner else "",
            ),
            detail={"change": "create", "fields": ",".join(spec.named())},
        )
        if not spec.name or owner is None or (not spec.main_url and spec.kind != DRONE):
            raise InvalidInput(
                _(
                    "a camera needs at least a name, an owner organisation and a main stream URL (a drone, whose "
                    "videos are imported after each flight, may have none)"
                )
            )
        now = self._clock()
        camera = Camera(
            id=uuid.uuid4(),
            organisation_id=owner.id,
            created_at=now,
            updated_at=now,
            enabled=False,
            transport="tcp",
            main_url="",
            sub_url="",
            username="",
            password_enc="",
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
        session.add(camera)
        session.flush()
        session.refresh(camera)
        refresh_for(session, camera)
        return camera

    def update(self, session: Session, actor: Actor, ref: str, spec: CameraSpec) -> Camera:
        """Change a camera of the actor's organisation; its owner changes only on the command line."""
        own = self.find(session, ref)
        moving = spec.organisation is not None and actor.kind is not ActorKind.SYSTEM
        if own is not None and moving and may(actor, Action.MANAGE_CAMERAS):
            new_owner = find_organisation(session, spec.organisation)
            if new_owner.id != own.organisation_id and own.organisation_id == actor.organisation_id:
                self.gate.refuse(
                    session,
                    actor,
                    Action.MANAGE_CAMERAS,
                    Resource(ResourceKind.CAMERA, str(own.id), own.name, own.organisation_id),
                    Forbidden(
                        _(
                            "organisation: a camera changes owner only on the command line "
                            "(belfort camera set --org), where the platform's operator acts for both"
                        )
                    ),
                    detail={"change": "move", "to": new_owner.name},
                )
        camera = self.require(
            session, actor, ref, Action.MANAGE_CAMERAS, detail={"change": "update", "fields": ",".join(spec.named())}
        )
        if camera.removed_at is not None:
            raise Conflict(_("camera '{name}' was removed and cannot be changed", name=camera.name))
        changed = self._apply(session, camera, spec)
        if changed:
            camera.updated_at = self._clock()
        if "organisation_id" in changed:
            session.flush()
            session.expire(camera, ["organisation"])
        if {"organisation_id", "area", "street"} & set(changed):
            refresh_for(session, camera)
        return camera

    def set_motion(
        self,
        session: Session,
        actor: Actor,
        ref: str,
        enabled: bool,
        sensitivity: int,
        zones: Sequence[Sequence[float]],
    ) -> Camera:
        """Set the camera's motion detection (an `update` of its three fields: the same gate,
        the same audit record, the same checks); the running camera picks it up within seconds."""
        return self.update(
            session,
            actor,
            ref,
            CameraSpec(motion_enabled=enabled, motion_sensitivity=sensitivity, motion_zones=zones),
        )

    def remove(self, session: Session, actor: Actor, ref: str) -> Camera:
        camera = self.require(session, actor, ref, Action.MANAGE_CAMERAS, detail={"change": "remove"})
        if camera.removed_at is None:
            camera.removed_at = self._clock()
            camera.enabled = False
            camera.updated_at = camera.removed_at
            refresh_for(session, camera)
        return camera

    @staticmethod
    def has_credentials(camera: Camera) -> bool:
        return bool(camera.username or camera.password_enc)
