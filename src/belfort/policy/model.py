"""The nouns of the policy: who asks (Actor), to do what (Action), to what (Resource),
why (Purpose), and the answer (Decision).

These are plain frozen values with no I/O, so the rules can be tested on any input.
A Decision always carries a reason written for the person who sees it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class Role(StrEnum):
    OPERATOR = "operator"
    INSPECTOR = "inspector"
    SUPERVISOR = "supervisor"
    DPO = "dpo"
    ADMIN = "admin"
    PARTNER = "partner"
    PLATFORM_ADMIN = "platform_admin"
    AUDITOR = "auditor"
    SECURITY_GUARD = "security_guard"
    """A private security guard in the control room: watches live under a supervising
    inspector, never plays back, exports or searches."""


class OrganisationKind(StrEnum):
    POLICE_ZONE = "police_zone"
    CITY = "city"
    BUSINESS = "business"
    TRANSIT = "transit"
    ALARM_CENTRE = "alarm_centre"
    OTHER = "other"


class ActorKind(StrEnum):
    USER = "user"
    MACHINE = "machine"
    SYSTEM = "system"


class LegalRegime(StrEnum):
    """Under which law a camera films: it sets retention and who may consult when."""

    POLICE = "police"
    CAMERA_LAW = "camera_law"


class PurposeKind(StrEnum):
    ADMINISTRATIVE = "administrative"
    JUDICIAL = "judicial"


class Right(StrEnum):
    """What an owner may grant another organisation on a camera."""

    LIVE = "live"
    PLAYBACK = "playback"
    EXPORT = "export"
    PTZ = "ptz"
    ANPR_READS = "anpr_reads"
    ANPR_HITS = "anpr_hits"


class Operation(StrEnum):
    """The kinds of processing the law asks to log."""

    CONSULT = "consult"
    DISCLOSE = "disclose"
    ALTER = "alter"
    ERASE = "erase"
    SIGN_IN = "sign_in"


class Action(StrEnum):
    VIEW_CAMERA = "camera.view"
    USE_WALL = "wall.use"
    VIEW_LIVE = "live.view"
    VIEW_RECORDING = "recording.view"
    EXPORT_EVIDENCE = "evidence.export"
    PLACE_HOLD = "hold.place"
    LIFT_HOLD = "hold.lift"
    VIEW_HOLDS = "hold.list"
    VIEW_EXPORTS = "evidence.history"
    DOWNLOAD_EXPORT = "evidence.download"
    FOLLOW_EXPORT = "evidence.progress"
    SEARCH_PLATES = "anpr.search"
    HANDLE_HITS = "anpr.hits"
    MANAGE_HOTLISTS = "anpr.hotlists"
    INGEST_READS = "anpr.ingest"
    REVIEW_AUDIT = "audit.review"
    VERIFY_AUDIT = "audit.verify"
    MANAGE_USERS = "admin.users"
    MANAGE_ORGANISATIONS = "admin.organisations"
    MANAGE_TOKENS = "admin.tokens"
    MANAGE_CAMERAS = "admin.cameras"
    MANAGE_GROUPS = "cameras.groups"
    MANAGE_GRANTS = "sharing.grants"
    NARROW_GRANTS = "sharing.narrow"
    VIEW_SHARING = "sharing.view"
    ASK_ACCESS = "sharing.ask"
    DECIDE_REQUESTS = "sharing.decide"
    REVIEW_USE = "sharing.use"
    ERASE_RECORDING = "recording.erase"
    ERASE_READS = "anpr.erase"
    VIEW_INCIDENTS = "alarms.incidents"
    HANDLE_INCIDENTS = "alarms.handle"
    VIEW_ALARMS = "alarms.view"
    MANAGE_PREMISES = "alarms.premises"
    GIVE_CONSENT = "alarms.consent"
    SEND_ALARMS = "alarms.send"
    EDIT_TRANSPARENCY = "transparency.profile"
    VIEW_PROCESSING_REGISTER = "transparency.ropa.view"
    EDIT_PROCESSING_REGISTER = "transparency.ropa.edit"
    VIEW_ANNUAL_REPORT = "transparency.report"
    DESIGNATE_VIEWERS = "staff.designate"
    MANAGE_SHIFTS = "staff.shifts"
    SUPERVISE_VIEWING = "staff.supervise"
    MANAGE_AUTHORISATIONS = "judicial.authorisations"
    LOG_DRONE_MISSIONS = "drone.log"
    VIEW_DRONE_MISSIONS = "drone.view"
    HANDLE_SUBJECT_REQUESTS = "dpo.subject_requests"
    VIEW_SUBJECT_FOOTAGE = "dpo.subject_footage"
    """The DPO's look at the footage of a data-subject request: its cameras and period only."""
    VIEW_CLUSTER = "platform.cluster"
    """The platform's nodes: their roles, load, cameras and heartbeats."""
    READ_METRICS = "platform.metrics"
    """The node's operating figures for a monitoring system (Prometheus): counts, no images,
    plates or log records."""
    IDENTIFY_FACES = "faces.identify"
    """Face recognition, face search, biometric matching: no role has it, the law forbids it."""


class ResourceKind(StrEnum):
    CAMERA = "camera"
    RECORDING = "recording"
    PLATE_READS = "plate_reads"
    HOTLIST = "hotlist"
    HIT = "hit"
    SECTION = "section"
    HOLD = "hold"
    EXPORT = "export"
    PAGE = "page"
    AUDIT_LOG = "audit_log"
    USER = "user"
    ORGANISATION = "organisation"
    API_TOKEN = "api_token"  # noqa: S105 - a resource kind
    SITE = "site"
    GRANT = "grant"
    GROUP = "camera_group"
    ACCESS_REQUEST = "access_request"
    PREMISES = "premises"
    CONSENT = "alarm_consent"
    INCIDENT = "incident"
    TRANSPARENCY_PROFILE = "transparency_profile"
    PROCESSING_REGISTER = "processing_register"
    ANNUAL_REPORT = "annual_report"
    DESIGNATION = "designation"
    SHIFT = "shift"
    AUTHORISATION = "judicial_authorisation"
    DRONE_MISSION = "drone_mission"
    SUBJECT_REQUEST = "subject_request"


@dataclass(frozen=True)
class DesignationTerm:
    """A person's designation to watch live, as the live-view rule weighs it: the last day
    it holds (inclusive, in the site's zone), whether it was revoked, and for a private
    security guard the supervising inspector it names. Filled in by `belfort.staffing`; the
    rules never query."""

    id: str
    valid_until: date
    revoked_at: datetime | None = None
    supervisor: str = ""
    """The supervising inspector's user name (a security guard's designation); '' for others."""


@dataclass(frozen=True)
class Actor:
    """Who asks. For a person, role and organisation; for a machine client, its scopes."""

    kind: ActorKind
    id: uuid.UUID | None
    name: str
    role: Role | None
    organisation_id: uuid.UUID | None
    organisation_name: str
    organisation_kind: OrganisationKind | None
    scopes: frozenset[str] = frozenset()
    live_designation_required: bool = False
    """Whether the person's organisation lets only people it designated watch live."""
    designation: DesignationTerm | None = None
    """The person's designation to watch live (the one in force, else the latest), filled in
    by the live-view service before it asks the gate; None: none found, or not looked up."""


MAX_ACTOR_NAME = 200
"""The width of every column that records who did something, the audit's among them."""


def system_actor(name: str) -> Actor:
    """Belfort itself or its local operator (CLI, demo seeding, retention): audited by name.

    A name longer than the columns that record who did something (200 characters), such as a
    watched file's deep path, keeps its start and its end."""
    if len(name) > MAX_ACTOR_NAME:
        half = (MAX_ACTOR_NAME - 1) // 2
        name = f"{name[:half]}…{name[-half:]}"
    return Actor(
        kind=ActorKind.SYSTEM,
        id=None,
        name=name,
        role=None,
        organisation_id=None,
        organisation_name="",
        organisation_kind=None,
    )


@dataclass(frozen=True)
class GrantTerm:
    """One grant an owner gave another organisation on a camera, as the rules weigh it.

    The owner's ceiling (rights, validity, purposes, footage range) and the receiving
    organisation's narrowing (roles, people, fewer rights) are both here: a look passes only
    inside both. Empty `purposes`, `roles` or `people` mean no limit of that kind."""

    id: str
    owner: str
    """The owner organisation's name, for the sentence that says whom to ask."""
    grantee: uuid.UUID
    rights: frozenset[Right]
    valid_from: datetime
    valid_until: datetime | None = None
    purposes: frozenset[PurposeKind] = frozenset()
    footage_from: datetime | None = None
    footage_until: datetime | None = None
    roles: frozenset[Role] = frozenset()
    people: frozenset[uuid.UUID] = frozenset()

    def valid_at(self, now: datetime) -> bool:
        return self.valid_from <= now and (self.valid_until is None or now < self.valid_until)

    def reaches(self, actor: Actor) -> bool:
        """Whether the grant is for the actor's organisation and, narrowed, for them."""
        return (
            actor.organisation_id == self.grantee
            and (not self.roles or actor.role in self.roles)
            and (not self.people or actor.id in self.people)
        )

    def covers_footage(self, start: datetime | None, end: datetime | None) -> bool:
        if start is None:
            return True
        if self.footage_from is not None and start < self.footage_from:
            return False
        return self.footage_until is None or (end or start) <= self.footage_until


@dataclass(frozen=True)
class Resource:
    """What is looked at. Image resources carry owner, regime, grants and time range."""

    kind: ResourceKind
    id: str = ""
    label: str = ""
    owner_organisation_id: uuid.UUID | None = None
    legal_regime: LegalRegime | None = None
    grants: tuple[GrantTerm, ...] = ()
    """The owner's grants on this resource to the asker's organisation (not revoked)."""
    start: datetime | None = None
    end: datetime | None = None
    extra_ids: tuple[tuple[str, str, str], ...] = field(default=())
    """Further (kind, id, label) triples this look touches, e.g. several cameras at once."""
    asked: str = ""
    """The reference as the person gave it (a name, an id): refusals repeat it, never more."""
    known: bool = True
    """False when nothing answers to the reference asked for: the gate refuses it (recorded),
    in the same words as a resource of another organisation, so neither is confirmed."""
    personal_to: uuid.UUID | None = None
    """The one person this resource belongs to (an evidence package: the person who asked for it)."""
    owner_name: str = ""
    """The owner organisation's name: a look by another organisation names it in the record."""


class AuthorisationKind(StrEnum):
    """Who authorised judicial access to police footage past the administrative window."""

    PROSECUTOR_DECISION = "prosecutor_decision"
    """The public prosecutor's written decision (procureur des Konings / du Roi)."""
    INVESTIGATING_JUDGE_ORDER = "investigating_judge_order"
    """An order of the investigating judge (onderzoeksrechter / juge d'instruction)."""


@dataclass(frozen=True)
class AuthorisationTerm:
    """A registered judicial authorisation as the 30-day rule weighs it: whose it is, which
    cameras and which footage it opens (end-exclusive), until when, and whether it was revoked.
    Filled in by the capability that keeps them (`belfort.judicial`); the rules never query."""

    id: str
    organisation_id: uuid.UUID
    kind: AuthorisationKind
    reference: str
    footage_from: datetime
    footage_until: datetime
    expires_at: datetime
    cameras: frozenset[str] = frozenset()
    """Camera ids; empty: every camera the organisation may consult."""
    revoked_at: datetime | None = None

    def covers_cameras(self, camera_ids: frozenset[str]) -> bool:
        """Whether every camera of a look is in scope; a look naming no camera (a search
        across all reads) needs an authorisation for every camera."""
        return not self.cameras or (bool(camera_ids) and camera_ids <= self.cameras)

    def covers_footage(self, start: datetime, end: datetime | None) -> bool:
        return self.footage_from <= start and (end or start) <= self.footage_until


@dataclass(frozen=True)
class Purpose:
    """Why someone looks: administrative or judicial, in their own words.

    For judicial access to police recordings past the administrative window,
    `legal_basis_ref` holds the reference of a prosecutor's decision or an investigating
    judge's order, and `authorisation` the terms under which it was registered (looked up
    by that reference in the asker's organisation before the gate decides; None when no
    authorisation answers to it).
    """

    kind: PurposeKind
    justification: str
    legal_basis_ref: str = ""
    authorisation: AuthorisationTerm | None = None


@dataclass(frozen=True)
class Decision:
    granted: bool
    action: Action
    rule: str
    """A short stable code for the rule that decided, e.g. `role`, `scope`, `30-day`."""
    reason: str
    """A sentence for the person: what was decided and, when refused, what would be needed.
    A message marked for translation (`belfort.i18n.Message`): English here and in the audit
    log, put into the reader's language only where it is shown."""
    needs: tuple[str, ...] = ()
    """What the UI should ask for to make a refused request acceptable (e.g. `purpose`,
    `judicial_reference`, `request`); empty when nothing the person can supply would help."""
    grant: str = ""
    """The owner's grant the look passed under, when the resource is another organisation's."""

    @property
    def outcome(self) -> str:
        return "granted" if self.granted else "refused"
