"""Request and response bodies shared by the API routes.

Request models forbid unknown fields, bound every string and number, refuse control
characters in text and take moments as `UtcDateTime`, so a typo, an oversized value or
a date the calendar cannot convert is answered with a 422 that names the field, never
silently ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from belfort.timeutil import utc_in_range
from belfort.web.security import refuse_control_characters


def _utc_in_range(value: datetime) -> datetime:
    try:
        return utc_in_range(value)
    except ValueError as exc:
        raise PydanticCustomError("datetime_range", str(exc)) from None


UtcDateTime = Annotated[datetime, AfterValidator(_utc_in_range)]
"""A moment from a client: ISO 8601, without zone taken as UTC; aware UTC from then on,
between 1970-01-01 and 9999-12-30."""
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Username = Annotated[str, StringConstraints(min_length=2, max_length=64, strip_whitespace=True)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Days = Annotated[int, Field(ge=0, le=3650)]
BIGINT_MAX = 2**63 - 1
"""The largest integer either database stores."""


class StrictBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=1000)

    @field_validator("*")
    @classmethod
    def _no_control_characters(cls, value: object) -> object:
        return refuse_control_characters(value)


class LoginRequest(StrictBody):
    username: Username
    password: Password


class LoginResponse(BaseModel):
    token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type name
    expires_at: datetime
    username: str
    role: str
    organisation: str


class CapabilityOut(BaseModel):
    action: str
    description: str


class MeResponse(BaseModel):
    kind: str
    name: str
    role: str | None
    organisation: str
    organisation_kind: str | None
    scopes: list[str]
    capabilities: list[CapabilityOut]


class OrganisationIn(StrictBody):
    name: Name
    kind: Annotated[str, StringConstraints(max_length=20)]


class OrganisationOut(BaseModel):
    id: str
    name: str
    kind: str
    created_at: datetime


class UserIn(StrictBody):
    username: Username
    role: Annotated[str, StringConstraints(max_length=20)]
    organisation: Name
    password: Password
    full_name: Annotated[str, StringConstraints(max_length=200)] = ""


class UserPatch(StrictBody):
    """Fields to change; omitted fields stay as they are. A new password ends the account's sessions."""

    role: Annotated[str, StringConstraints(max_length=20)] | None = None
    organisation: Name | None = None
    password: Password | None = None
    full_name: Annotated[str, StringConstraints(max_length=200)] | None = None


class UserOut(BaseModel):
    id: str
    username: str
    full_name: str
    role: str
    organisation: str
    active: bool
    throttled_until: datetime | None
    """Until when sign-ins with this name wait after failures, from the addresses that made them."""
    created_at: datetime
    last_login_at: datetime | None


class TokenIn(StrictBody):
    name: Annotated[str, StringConstraints(min_length=2, max_length=100, strip_whitespace=True)]
    organisation: Name
    scopes: Annotated[list[Annotated[str, StringConstraints(max_length=40)]], Field(min_length=1, max_length=10)]
    valid_days: Annotated[int, Field(ge=1, le=3650)] | None = None


class TokenOut(BaseModel):
    id: str
    name: str
    organisation: str
    scopes: list[str]
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenCreated(TokenOut):
    token: str
    """The secret, shown once: store it in the client now."""


class AuditRecordOut(BaseModel):
    id: str
    seq: int
    ts_utc: datetime
    op: str
    action: str
    outcome: str
    actor_name: str
    role: str
    organisation: str
    purpose: str
    justification: str
    legal_basis_ref: str
    resources: list[dict[str, str]]
    range_start: datetime | None
    range_end: datetime | None
    recipient: str
    reason: str
    detail: str
    prev_hash: str
    hash: str


class AuditPage(BaseModel):
    records: list[AuditRecordOut]
    next_before_seq: int | None
    """Pass as `before_seq` to get the next (older) page; null when there is none."""


class VerifyOut(BaseModel):
    ok: bool
    count: int
    problem: str
    bad_record_id: str
    head_hash: str


Fraction = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
MotionZone = Annotated[list[Fraction], Field(min_length=4, max_length=4)]
"""x, y, width, height as fractions of the picture, from its top left corner."""


class CameraIn(StrictBody):
    """A new camera. Credentials go in `username` and `password` (or, percent-encoded, in the
    URL, from which they are taken out); they are never shown back."""

    name: Annotated[str, StringConstraints(min_length=2, max_length=120, strip_whitespace=True)]
    organisation: Name
    kind: Annotated[str, StringConstraints(max_length=20)] = "fixed"
    legal_regime: Annotated[str, StringConstraints(max_length=20)] | None = None
    main_url: Annotated[str, StringConstraints(max_length=2000)] = ""
    """Required but for a drone, whose videos are imported after each flight."""
    sub_url: Annotated[str, StringConstraints(max_length=2000)] = ""
    username: Annotated[str, StringConstraints(max_length=200)] | None = None
    password: Annotated[str, StringConstraints(max_length=500)] | None = None
    transport: Annotated[str, StringConstraints(max_length=10)] = "tcp"
    street: Annotated[str, StringConstraints(max_length=200)] = ""
    area: Annotated[str, StringConstraints(max_length=200)] = ""
    latitude: float | None = None
    longitude: float | None = None
    retention_max_days: Days | None = None
    retention_min_days: Days | None = None
    council_consent_ref: Annotated[str, StringConstraints(max_length=200)] = ""
    enabled: bool = False


class CameraPatch(StrictBody):
    """Fields to change; omitted fields stay as they are."""

    name: Annotated[str, StringConstraints(min_length=2, max_length=120, strip_whitespace=True)] | None = None
    organisation: Name | None = None
    kind: Annotated[str, StringConstraints(max_length=20)] | None = None
    legal_regime: Annotated[str, StringConstraints(max_length=20)] | None = None
    main_url: Annotated[str, StringConstraints(min_length=1, max_length=2000)] | None = None
    sub_url: Annotated[str, StringConstraints(max_length=2000)] | None = None
    username: Annotated[str, StringConstraints(max_length=200)] | None = None
    password: Annotated[str, StringConstraints(max_length=500)] | None = None
    """Omitted: kept; empty: removed."""
    transport: Annotated[str, StringConstraints(max_length=10)] | None = None
    street: Annotated[str, StringConstraints(max_length=200)] | None = None
    area: Annotated[str, StringConstraints(max_length=200)] | None = None
    latitude: float | None = None
    longitude: float | None = None
    clear_position: bool = False
    retention_max_days: Days | None = None
    retention_min_days: Days | None = None
    council_consent_ref: Annotated[str, StringConstraints(max_length=200)] | None = None
    enabled: bool | None = None
    motion_enabled: bool | None = None
    """Whether the camera's own motion opens incidents in its owner's queue (while it records)."""
    motion_sensitivity: Annotated[int, Field(ge=1, le=100)] | None = None
    """1: only large, sustained changes; 100: the slightest."""
    motion_zones: Annotated[list[MotionZone], Field(max_length=16)] | None = None
    """Watched rectangles [x, y, width, height] in fractions of the picture; [] watches all of it."""


class CameraStatusOut(BaseModel):
    state: str
    since: datetime | None
    last_error: str
    fps: float
    """Measured on the node that records the camera; 0 on another node."""
    bitrate_kbps: float
    node: str = ""
    """The node recording the camera (as it last announced), empty when none does."""


class CameraOut(BaseModel):
    id: str
    name: str
    organisation: str
    kind: str
    legal_regime: str
    street: str
    area: str
    latitude: float | None
    """Only for people who work with the camera; null otherwise."""
    longitude: float | None
    main_url: str | None
    """Without credentials, and only for administrators."""
    sub_url: str | None
    credentials: bool | None
    """Whether a user name or password is stored for the streams (never which); only for administrators."""
    transport: str
    retention_max_days: int
    retention_min_days: int
    council_consent_ref: str
    enabled: bool
    motion_enabled: bool
    motion_sensitivity: int
    motion_zones: list[list[float]]
    removed: bool
    created_at: datetime
    updated_at: datetime
    status: CameraStatusOut


class PurposeIn(StrictBody):
    """Why the caller looks: administrative or judicial, in their own words."""

    kind: Literal["administrative", "judicial"]
    justification: Annotated[str, StringConstraints(max_length=500, strip_whitespace=True)]
    legal_basis_ref: Annotated[str, StringConstraints(max_length=200, strip_whitespace=True)] = ""
    """For judicial access to police footage older than 30 days: the prosecutor's decision reference."""


class PlaybackIn(StrictBody):
    camera: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    start: UtcDateTime
    end: UtcDateTime
    purpose: PurposeIn


class SegmentOut(BaseModel):
    id: str
    start: datetime
    end: datetime
    frames: int
    bytes: int
    state: str
    codec: str
    url: str | None = None
    """With a playback grant only: where to fetch the file (HTTP range requests work)."""


class GapOut(BaseModel):
    start: datetime
    end: datetime | None
    reason: str


class HoldOut(BaseModel):
    id: str
    start: datetime
    end: datetime
    case_number: str


class HoldDetailOut(HoldOut):
    camera_id: str
    camera: str
    reason: str
    created_by: str
    created_at: datetime
    lifted_at: datetime | None
    lifted_by: str
    active: bool


class HoldIn(StrictBody):
    camera: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    start: UtcDateTime
    end: UtcDateTime
    case_number: Annotated[str, StringConstraints(max_length=100, strip_whitespace=True)]
    reason: Annotated[str, StringConstraints(max_length=500, strip_whitespace=True)]
    purpose: PurposeIn


class HoldLiftIn(StrictBody):
    purpose: PurposeIn


class RecordingIndexOut(BaseModel):
    camera: str
    start: datetime
    end: datetime
    segments: list[SegmentOut]
    gaps: list[GapOut]
    holds: list[HoldOut]


class ClipOut(BaseModel):
    """Recorded footage from a moment on, as one MP4, until the first pause in the recording."""

    url: str
    """The clip (HTTP ranges supported), under the playback grant it was laid out for."""
    requested_start: datetime
    start: datetime
    """The first frame: the keyframe at or before the requested start (a decoder starts there)."""
    end: datetime
    frames: int
    codec: str
    width: int
    height: int
    next_start: datetime | None
    """Where footage resumes after the pause the clip stops at; None if none follows in the range."""
    cut_at: datetime | None
    """When the clip stops early because the camera's codec parameters changed there."""


class PlaybackOut(BaseModel):
    granted: bool
    reason: str
    expires_in: int
    grant: str
    """Lays out further clips of the granted range (GET /api/recordings/layout) without a new decision."""
    grant_start: datetime
    grant_end: datetime
    segments: list[SegmentOut]
    clip_url: str | None = None
    """The whole granted range as one MP4 (HTTP ranges supported); None when nothing was recorded."""
    clip: ClipOut | None = None
    """The footage from the requested start until the first pause; None when nothing was recorded."""


class TimelineSpanOut(BaseModel):
    start: datetime
    end: datetime


class MediaEventOut(BaseModel):
    ts: datetime
    level: str
    kind: str
    message: str


class TimelineOut(BaseModel):
    camera_id: str
    camera: str
    legal_regime: str
    start: datetime
    end: datetime
    resolution_seconds: float
    exact: bool
    """Spans merged from every segment; False when grouped per pixel (large windows)."""
    spans: list[TimelineSpanOut]
    gaps: list[GapOut]
    holds: list[HoldOut]
    events: list[MediaEventOut]
    first: datetime | None
    last: datetime | None
    now: datetime
    administrative_since: datetime | None
    """Police cameras: footage older than this needs a judicial purpose and the prosecutor's decision."""
    retained_since: datetime
    """Footage older than this is past the camera's retention and erased."""


class LivePurposeOut(BaseModel):
    stated: bool
    kind: str = ""
    justification: str = ""
    legal_basis_ref: str = ""


class LiveCameraOut(BaseModel):
    id: str
    name: str
    organisation: str
    area: str
    street: str
    kind: str
    state: str
    """`online`, `offline`, `starting`, or `not streaming` (disabled or not ingested here)."""
    may_watch: bool
    shared: bool = False
    """Another organisation's camera, open to yours through its grant: `organisation` owns it."""
    groups: list[str] = []
    """The names of your organisation's camera groups that hold it (see `/api/live/groups`)."""


class LiveGroupOut(BaseModel):
    """One of your organisation's camera groups, to narrow the camera tree or fill the wall with."""

    id: str
    name: str
    rule: str
    """`picked`, `area`, `street` or `owner`."""


class WatchingOut(BaseModel):
    camera_id: str
    camera: str
    person: str
    organisation: str
    purpose: str
    justification: str
    since: datetime
    seconds: float


# -- alarms: premises, consents, incidents, the HTTP alarm API, the receiver ------------------

AlarmRef = Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]
IncidentRef = Annotated[str, StringConstraints(pattern=r"^(#?[0-9]{1,9}|[0-9A-Fa-f-]{32,36})$")]
"""An incident by its number (`12` or `#12`) or its id."""
Reason = Annotated[str, StringConstraints(max_length=1000)]
ZoneNumber = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{1,8}$")]
ZoneName = Annotated[str, StringConstraints(max_length=120)]
KeyBits = Literal[0, 128, 192, 256]


class PremisesPatch(StrictBody):
    """Fields to change; omitted fields stay as they are."""

    name: Annotated[str, StringConstraints(max_length=120)] | None = None
    subscriber: Annotated[str, StringConstraints(max_length=200)] | None = None
    address: Annotated[str, StringConstraints(max_length=300)] | None = None
    municipality: Annotated[str, StringConstraints(max_length=120)] | None = None
    contact: Annotated[str, StringConstraints(max_length=1000)] | None = None
    police: AlarmRef | None = None
    """The police zone that intervenes and receives the incidents (name or id)."""
    prefix: Annotated[str, StringConstraints(max_length=6)] | None = None
    """The DC-09 account prefix (`L`), hexadecimal; "0" when the transmitter sends none."""
    account: Annotated[str, StringConstraints(max_length=16)] | None = None
    """The DC-09 account number (`#`), 3 to 16 hexadecimal characters."""
    zones: Annotated[dict[ZoneNumber, ZoneName], Field(max_length=500)] | None = None
    """Alarm zone number, as the panel sends it, to its name."""
    supervision_seconds: Annotated[int, Field(ge=0, le=86_400)] | None = None
    """How often the transmitter polls; 0: not supervised."""
    live_minutes: Annotated[int, Field(ge=1, le=240)] | None = None
    """How long an alarm opens the consented cameras live to the police."""
    prealarm_seconds: Annotated[int, Field(ge=0, le=900)] | None = None
    """How far before the alarm the police may play the consented cameras back."""


class PremisesIn(PremisesPatch):
    name: Annotated[str, StringConstraints(max_length=120)]
    subscriber: Annotated[str, StringConstraints(max_length=200)]
    address: Annotated[str, StringConstraints(max_length=300)]
    police: AlarmRef
    account: Annotated[str, StringConstraints(max_length=16)]
    key_bits: KeyBits = 0
    """128, 192 or 256: make an AES key, answered this once; 0: plain messages only."""
    centre: AlarmRef | None = None
    """For the platform administrator only: the alarm centre the premises belongs to."""


class PremisesKeyIn(StrictBody):
    """Either `key_bits` (a new key is made and answered once) or `key` (the one your
    transmitters already use, hexadecimal)."""

    key_bits: KeyBits | None = None
    """0 removes the key: the premises may then send plain messages only."""
    key: Annotated[str, StringConstraints(max_length=80)] | None = None


class ConsentOut(BaseModel):
    id: str
    premises_id: str
    premises: str
    camera_id: str
    camera: str
    owner: str
    live: bool
    prealarm: bool
    """Whether the minutes before the alarm may be played back too."""
    reference: str
    given_by: str
    given_at: datetime
    valid_until: datetime | None
    withdrawn_at: datetime | None
    withdrawn_by: str
    withdraw_reason: str
    holds: bool
    """Whether an alarm now would forward the camera under this consent."""


class PremisesOut(BaseModel):
    id: str
    name: str
    subscriber: str
    address: str
    municipality: str
    contact: str
    centre: str
    police: str
    prefix: str
    account: str
    zones: dict[str, str]
    key_bits: int
    """0: plain messages; the key itself is never answered again after it was made."""
    key_fingerprint: str
    supervision_seconds: int
    live_minutes: int
    prealarm_seconds: int
    last_message_at: datetime | None
    fault_since: datetime | None
    """Set while supervision polls are missing."""
    created_by: str
    created_at: datetime
    updated_at: datetime


class PremisesKeyed(PremisesOut):
    key: str | None = None
    """The new AES key (hexadecimal), answered this once: program it into the transmitter now."""


class PremisesDetailOut(PremisesOut):
    consents: list[ConsentOut]


class ConsentIn(StrictBody):
    camera: AlarmRef
    """One of your organisation's cameras (name or id)."""
    live: bool = True
    prealarm: bool = True
    valid_until: UtcDateTime | None = None
    """Until withdrawn when left out."""
    reference: Annotated[str, StringConstraints(max_length=200)] = ""
    """The signed form or contract the consent rests on."""


class WithdrawIn(StrictBody):
    reason: Reason


class IncidentNoteIn(StrictBody):
    text: Annotated[str, StringConstraints(max_length=2000)]


class IncidentExtendIn(StrictBody):
    minutes: Annotated[int, Field(ge=1, le=240)]
    reason: Reason


class IncidentEndLiveIn(StrictBody):
    reason: Reason


class IncidentCloseIn(StrictBody):
    outcome: Annotated[str, StringConstraints(max_length=20)]
    """intervention, arrest, false_alarm, cancelled, no_trace or other."""
    note: Annotated[str, StringConstraints(max_length=1000)] = ""


class IncidentPremisesOut(BaseModel):
    id: str
    name: str
    subscriber: str
    address: str
    municipality: str
    contact: str
    centre: str


class IncidentCameraOut(BaseModel):
    id: str
    name: str
    owner: str
    live_until: str | None
    """When its grant ends (UTC); null for the owner's own camera."""
    playback_from: str | None
    ended: bool


class IncidentEntryOut(BaseModel):
    at: str | None
    kind: str
    actor: str
    text: str


class IncidentOut(BaseModel):
    """An incident as the queue's API and its WebSocket send it; moments are UTC (ISO 8601)."""

    id: str
    number: int
    state: str
    """open, acknowledged or closed."""
    category: str
    source: str
    code: str
    zone: str
    zone_name: str
    text: str
    alarm_at: str | None
    opened_at: str | None
    live_until: str | None
    acknowledged_by: str
    restored_at: str | None
    cancelled_at: str | None
    closed_at: str | None
    outcome: str
    premises: IncidentPremisesOut | None
    cameras: list[IncidentCameraOut]
    timeline: list[IncidentEntryOut]


class WallOut(BaseModel):
    camera_ids: list[str]
    """The incident's cameras whose live view holds, to open on the wall."""
    cameras: list[IncidentCameraOut]


class AlarmIn(StrictBody):
    """One alarm event of a premises, as an alarm centre posts it."""

    account: Annotated[str, StringConstraints(min_length=1, max_length=16)]
    prefix: Annotated[str, StringConstraints(max_length=6)] = "0"
    format: Literal["SIA-DCS", "ADM-CID"] = "SIA-DCS"
    code: Annotated[str, StringConstraints(max_length=3)]
    """SIA-DCS: two letters (BA burglary, HA hold-up, ...); ADM-CID: three digits (130, ...)."""
    qualifier: Annotated[str, StringConstraints(max_length=1)] = ""
    """SIA-DCS: N (new, default) or O (old); ADM-CID: 1 (new), 3 (restore) or 6 (previously reported)."""
    zone: Annotated[str, StringConstraints(max_length=8)] = ""
    text: Annotated[str, StringConstraints(max_length=300)] = ""
    time: UtcDateTime | None = None
    """When the alarm went off (at most an hour ago); now when left out."""


class PollIn(StrictBody):
    """A supervision poll: the premises' transmitter is alive."""

    account: Annotated[str, StringConstraints(min_length=1, max_length=16)]
    prefix: Annotated[str, StringConstraints(max_length=6)] = "0"


class IncidentChangeOut(BaseModel):
    id: str
    number: int
    change: str
    """opened or updated."""


class AlarmTakenOut(BaseModel):
    premises: str
    incidents: list[IncidentChangeOut]


class ListenerOut(BaseModel):
    listening: bool
    tcp: str
    """`host:port`, or empty when TCP is not listened on."""
    udp: str
    error: str
    started_at: datetime | None
    connections: int
    replies: dict[str, int]
    """How many frames got each reply (ACK, NAK, DUH, none) since the start."""
    last_message_at: datetime | None


class PremisesHealthOut(BaseModel):
    id: str
    name: str
    centre: str
    account: str
    supervision_seconds: int
    last_message_at: datetime | None
    fault_since: datetime | None
    state: str
    """ok, fault or unsupervised."""


class ReceiptOut(BaseModel):
    at: datetime
    transport: str
    peer: str
    account: str
    premises: str
    token: str
    seq: str
    codes: str
    reply: str
    reason: str
    duplicate: bool


class ReceiverOut(BaseModel):
    receiver: ListenerOut | None
    """Null when this process does not listen for DC-09 (the HTTP alarm API works regardless)."""
    premises: list[PremisesHealthOut]
    receipts: list[ReceiptOut]
    """The newest messages the receiver got, accepted or not: every one for the platform's
    administrator and auditor, an alarm centre's own premises' otherwise."""
    all_receipts: bool
