"""The rules: which role may do what, to whose resources, for which purpose, and when.

`decide` is a pure function of its arguments (time comes in as `now`). The order of the
checks is the order a refusal is explained in: first who you are (role or scope), then
whose resource it is, then why you ask, then how old the footage is. The first check
that fails decides, and its reason says what would make the request acceptable.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from belfort.i18n import Message, _, _n
from belfort.law import FACE_RECOGNITION_FORBIDDEN
from belfort.policy.model import (
    Action,
    Actor,
    ActorKind,
    AuthorisationKind,
    AuthorisationTerm,
    Decision,
    GrantTerm,
    LegalRegime,
    Operation,
    OrganisationKind,
    Purpose,
    PurposeKind,
    Resource,
    ResourceKind,
    Right,
    Role,
)
from belfort.timeutil import local_text


@dataclass(frozen=True)
class ActionSpec:
    operation: Operation
    roles: frozenset[Role]
    description: Message
    """What the action is, as a menu lists it: "Play back recordings"."""
    doing: Message
    """The same inside a sentence ("… may not play back recordings."): a separate message, so
    that each language words it as its sentences need."""
    needs_purpose: bool = False
    scope: str = ""
    """For machine clients: the token scope that allows this action."""
    age_limited: bool = False
    """Subject to the administrative window for police recordings (the 30-day rule)."""
    own_organisation_only: bool = False
    """Limited to resources owned by (or granted to) the actor's organisation."""
    shared: bool = False
    """Whether an owner's grant opens it to another organisation (with `right`, or any right)."""
    right: Right | None = None
    """The right a grant must give for this action; None with `shared`: any right will do."""
    sees_all: frozenset[Role] = frozenset()
    """Roles that pass the organisation check for this action (the DPO reviews everyone's)."""
    personal: bool = False
    """Limited to the one person the resource belongs to (`Resource.personal_to`)."""
    personal_for: frozenset[Role] = frozenset()
    """Roles for whom the action is personal (an inspector reads only their own exports)."""
    organisation_kinds: frozenset[OrganisationKind] = frozenset()
    """The kinds of organisation whose people may do this (empty: any); roles in `sees_all`
    pass whatever their organisation (only an alarm centre registers premises)."""
    records_grants: bool = True
    """False for looks at no images, plates or logs (a camera's name and index, the wall's
    layouts): their refusals are recorded, their grants are not, so the log stays a log of
    consultations. Every refusal is recorded, whatever this says."""
    forbidden_by_law: Message | None = None
    """Set for what no one may do on this platform, whoever asks (face recognition): the
    sentence that names the law. Refused even for Belfort itself, and recorded."""
    designated: bool = False
    """Only for people designated to do it, where their organisation designates (live view);
    a private security guard always, and under the supervising inspector the designation names."""


_WATCHERS = frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.PARTNER})
_LIVE_WATCHERS = _WATCHERS | {Role.SECURITY_GUARD}
"""Who may watch live: a security guard too, under a supervising inspector (never playback)."""
_INVESTIGATORS = frozenset({Role.INSPECTOR, Role.SUPERVISOR})
PLATFORM_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.AUDITOR})
"""The platform operator's people: they run the platform and audit it, and see no camera."""
_PEOPLE = frozenset(Role) - PLATFORM_ROLES

ACTIONS: dict[Action, ActionSpec] = {
    Action.VIEW_CAMERA: ActionSpec(
        Operation.CONSULT,
        _PEOPLE,
        _("See cameras: name, place, status and where footage exists"),
        _("see cameras: name, place, status and where footage exists"),
        own_organisation_only=True,
        records_grants=False,
        shared=True,
    ),
    Action.USE_WALL: ActionSpec(
        Operation.CONSULT,
        _LIVE_WATCHERS,
        _("Use the video wall: layouts, tours and the shift's purpose"),
        _("use the video wall: layouts, tours and the shift's purpose"),
        records_grants=False,
    ),
    Action.VIEW_LIVE: ActionSpec(
        Operation.CONSULT,
        _LIVE_WATCHERS,
        _("Watch cameras live on the video wall"),
        _("watch cameras live on the video wall"),
        needs_purpose=True,
        own_organisation_only=True,
        shared=True,
        right=Right.LIVE,
        designated=True,
    ),
    Action.VIEW_RECORDING: ActionSpec(
        Operation.CONSULT,
        _WATCHERS | _INVESTIGATORS,
        _("Play back recordings"),
        _("play back recordings"),
        needs_purpose=True,
        age_limited=True,
        own_organisation_only=True,
        shared=True,
        right=Right.PLAYBACK,
    ),
    Action.EXPORT_EVIDENCE: ActionSpec(
        Operation.DISCLOSE,
        _INVESTIGATORS,
        _("Export signed evidence packages"),
        _("export signed evidence packages"),
        needs_purpose=True,
        age_limited=True,
        own_organisation_only=True,
        shared=True,
        right=Right.EXPORT,
    ),
    Action.VIEW_EXPORTS: ActionSpec(
        Operation.CONSULT,
        _INVESTIGATORS | {Role.DPO},
        _("See the history of evidence exports: cases, recipients and reasons"),
        _("see the history of evidence exports: cases, recipients and reasons"),
        own_organisation_only=True,
        personal_for=frozenset({Role.INSPECTOR}),
    ),
    Action.DOWNLOAD_EXPORT: ActionSpec(
        Operation.DISCLOSE,
        _INVESTIGATORS,
        _("Download the evidence packages you asked for"),
        _("download the evidence packages you asked for"),
        own_organisation_only=True,
        personal=True,
    ),
    Action.FOLLOW_EXPORT: ActionSpec(
        Operation.CONSULT,
        _INVESTIGATORS,
        _("Follow the building of the evidence packages you asked for"),
        _("follow the building of the evidence packages you asked for"),
        own_organisation_only=True,
        personal=True,
        records_grants=False,
    ),
    Action.PLACE_HOLD: ActionSpec(
        Operation.ALTER,
        _INVESTIGATORS,
        _("Put evidence holds on recordings"),
        _("put evidence holds on recordings"),
        needs_purpose=True,
        age_limited=True,
        own_organisation_only=True,
    ),
    Action.LIFT_HOLD: ActionSpec(
        Operation.ALTER,
        _INVESTIGATORS,
        _("Lift evidence holds"),
        _("lift evidence holds"),
        needs_purpose=True,
        own_organisation_only=True,
    ),
    Action.VIEW_HOLDS: ActionSpec(
        Operation.CONSULT,
        _INVESTIGATORS | {Role.DPO},
        _("See evidence holds and their case numbers"),
        _("see evidence holds and their case numbers"),
        own_organisation_only=True,
    ),
    Action.SEARCH_PLATES: ActionSpec(
        Operation.CONSULT,
        _INVESTIGATORS,
        _("Search number plates in the read history"),
        _("search number plates in the read history"),
        needs_purpose=True,
        age_limited=True,
        own_organisation_only=True,
        shared=True,
        right=Right.ANPR_READS,
    ),
    Action.HANDLE_HITS: ActionSpec(
        Operation.CONSULT,
        frozenset({Role.OPERATOR, Role.INSPECTOR, Role.SUPERVISOR}),
        _("See and handle hotlist hits"),
        _("see and handle hotlist hits"),
        own_organisation_only=True,
        shared=True,
        right=Right.ANPR_HITS,
    ),
    Action.MANAGE_HOTLISTS: ActionSpec(
        Operation.ALTER,
        frozenset({Role.SUPERVISOR}),
        _("Manage hotlists"),
        _("manage hotlists"),
        own_organisation_only=True,
    ),
    Action.INGEST_READS: ActionSpec(
        Operation.ALTER,
        frozenset(),
        _("Send plate reads"),
        _("send plate reads"),
        scope="anpr:ingest",
        own_organisation_only=True,
    ),
    Action.REVIEW_AUDIT: ActionSpec(
        Operation.CONSULT,
        frozenset({Role.SUPERVISOR, Role.DPO, Role.AUDITOR}),
        _("Review the audit log: who looked at what and why"),
        _("review the audit log: who looked at what and why"),
    ),
    Action.VERIFY_AUDIT: ActionSpec(
        Operation.CONSULT,
        frozenset({Role.DPO, Role.ADMIN, Role.PLATFORM_ADMIN, Role.AUDITOR}),
        _("Verify the integrity of the audit chain"),
        _("verify the integrity of the audit chain"),
    ),
    Action.MANAGE_USERS: ActionSpec(
        Operation.ALTER,
        frozenset({Role.ADMIN, Role.PLATFORM_ADMIN}),
        _("Manage user accounts"),
        _("manage user accounts"),
        own_organisation_only=True,
        sees_all=frozenset({Role.PLATFORM_ADMIN}),
    ),
    Action.MANAGE_ORGANISATIONS: ActionSpec(
        Operation.ALTER, frozenset({Role.PLATFORM_ADMIN}), _("Manage organisations"), _("manage organisations")
    ),
    Action.MANAGE_TOKENS: ActionSpec(
        Operation.ALTER,
        frozenset({Role.ADMIN}),
        _("Issue and revoke API tokens"),
        _("issue and revoke API tokens"),
        own_organisation_only=True,
    ),
    Action.MANAGE_CAMERAS: ActionSpec(
        Operation.ALTER,
        frozenset({Role.ADMIN}),
        _("Register and configure cameras"),
        _("register and configure cameras"),
        own_organisation_only=True,
    ),
    Action.MANAGE_GROUPS: ActionSpec(
        Operation.ALTER,
        frozenset({Role.ADMIN, Role.SUPERVISOR, Role.PARTNER}),
        _("Make camera groups for grants, the camera tree and the wall"),
        _("make camera groups for grants, the camera tree and the wall"),
        own_organisation_only=True,
    ),
    Action.MANAGE_GRANTS: ActionSpec(
        Operation.ALTER,
        frozenset({Role.ADMIN, Role.PARTNER}),
        _("Grant other organisations access to your cameras, and revoke it"),
        _("grant other organisations access to your cameras, and revoke it"),
        own_organisation_only=True,
    ),
    Action.NARROW_GRANTS: ActionSpec(
        Operation.ALTER,
        frozenset({Role.ADMIN}),
        _("Narrow the grants your organisation received to roles or named people"),
        _("narrow the grants your organisation received to roles or named people"),
        own_organisation_only=True,
    ),
    Action.VIEW_SHARING: ActionSpec(
        Operation.CONSULT,
        frozenset({Role.ADMIN, Role.PARTNER, Role.SUPERVISOR, Role.DPO, Role.INSPECTOR}),
        _("See the grants given and received, and the access requests"),
        _("see the grants given and received, and the access requests"),
        own_organisation_only=True,
        records_grants=False,
    ),
    Action.ASK_ACCESS: ActionSpec(
        Operation.ALTER,
        _INVESTIGATORS,
        _("Ask another organisation for access to its cameras"),
        _("ask another organisation for access to its cameras"),
        needs_purpose=True,
    ),
    Action.DECIDE_REQUESTS: ActionSpec(
        Operation.ALTER,
        frozenset({Role.ADMIN, Role.SUPERVISOR, Role.PARTNER}),
        _("Approve or refuse requests for access to your cameras"),
        _("approve or refuse requests for access to your cameras"),
        own_organisation_only=True,
    ),
    Action.REVIEW_USE: ActionSpec(
        Operation.CONSULT,
        frozenset({Role.SUPERVISOR, Role.DPO, Role.PARTNER}),
        _("See every use of your cameras by other organisations, and who watches them now"),
        _("see every use of your cameras by other organisations, and who watches them now"),
        own_organisation_only=True,
    ),
    Action.VIEW_INCIDENTS: ActionSpec(
        Operation.CONSULT,
        _WATCHERS | _INVESTIGATORS,
        _("See the incident queue: alarms from premises and cameras"),
        _("see the incident queue: alarms from premises and cameras"),
        own_organisation_only=True,
        records_grants=False,
    ),
    Action.HANDLE_INCIDENTS: ActionSpec(
        Operation.ALTER,
        _WATCHERS,
        _("Handle incidents: acknowledge, note, extend or end their live view, close"),
        _("handle incidents: acknowledge, note, extend or end their live view, close"),
        own_organisation_only=True,
    ),
    Action.VIEW_ALARMS: ActionSpec(
        Operation.CONSULT,
        frozenset({Role.ADMIN, Role.SUPERVISOR, Role.DPO, Role.PARTNER, Role.PLATFORM_ADMIN, Role.AUDITOR}),
        _("See alarm premises, consents and the alarm receiver's status"),
        _("see alarm premises, consents and the alarm receiver's status"),
        records_grants=False,
    ),
    Action.MANAGE_PREMISES: ActionSpec(
        Operation.ALTER,
        frozenset({Role.ADMIN, Role.PLATFORM_ADMIN}),
        _("Register an alarm centre's premises, their accounts and keys"),
        _("register an alarm centre's premises, their accounts and keys"),
        own_organisation_only=True,
        sees_all=frozenset({Role.PLATFORM_ADMIN}),
        organisation_kinds=frozenset({OrganisationKind.ALARM_CENTRE}),
    ),
    Action.GIVE_CONSENT: ActionSpec(
        Operation.ALTER,
        frozenset({Role.ADMIN, Role.PARTNER}),
        _("Consent that your cameras are forwarded to the police when an alarm goes off"),
        _("consent that your cameras are forwarded to the police when an alarm goes off"),
        own_organisation_only=True,
    ),
    Action.SEND_ALARMS: ActionSpec(
        Operation.ALTER,
        frozenset(),
        _("Send alarms from an alarm centre"),
        _("send alarms from an alarm centre"),
        scope="alarms:send",
        own_organisation_only=True,
    ),
    Action.VIEW_CLUSTER: ActionSpec(
        Operation.CONSULT,
        frozenset({Role.PLATFORM_ADMIN}),
        _("See the platform's nodes, their load and heartbeats"),
        _("see the platform's nodes, their load and heartbeats"),
        records_grants=False,
    ),
    Action.READ_METRICS: ActionSpec(
        Operation.CONSULT,
        frozenset({Role.PLATFORM_ADMIN}),
        _("Read the platform's operating metrics"),
        _("read the platform's operating metrics"),
        scope="metrics:read",
        records_grants=False,
    ),
    Action.EDIT_TRANSPARENCY: ActionSpec(
        Operation.ALTER,
        frozenset({Role.ADMIN, Role.DPO}),
        _("Edit what the public register says of your organisation and which cameras it lists"),
        _("edit what the public register says of your organisation and which cameras it lists"),
        own_organisation_only=True,
    ),
    Action.VIEW_PROCESSING_REGISTER: ActionSpec(
        Operation.CONSULT,
        frozenset({Role.DPO, Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR}),
        _("Read the register of processing activities"),
        _("read the register of processing activities"),
        own_organisation_only=True,
        sees_all=frozenset({Role.AUDITOR}),
        records_grants=False,
    ),
    Action.EDIT_PROCESSING_REGISTER: ActionSpec(
        Operation.ALTER,
        frozenset({Role.DPO}),
        _("Edit the register of processing activities"),
        _("edit the register of processing activities"),
        own_organisation_only=True,
    ),
    Action.VIEW_ANNUAL_REPORT: ActionSpec(
        Operation.CONSULT,
        frozenset({Role.ADMIN, Role.DPO, Role.SUPERVISOR, Role.AUDITOR}),
        _("Read the annual report: cameras, consultations, exports, drone missions"),
        _("read the annual report: cameras, consultations, exports, drone missions"),
        own_organisation_only=True,
        sees_all=frozenset({Role.AUDITOR}),
    ),
    Action.DESIGNATE_VIEWERS: ActionSpec(
        Operation.ALTER,
        frozenset({Role.ADMIN}),
        _("Designate who may watch live, with their training and its expiry"),
        _("designate who may watch live, with their training and its expiry"),
        own_organisation_only=True,
    ),
    Action.MANAGE_SHIFTS: ActionSpec(
        Operation.ALTER,
        frozenset({Role.ADMIN, Role.SUPERVISOR}),
        _("Plan shifts and name the team chief on duty"),
        _("plan shifts and name the team chief on duty"),
        own_organisation_only=True,
    ),
    Action.SUPERVISE_VIEWING: ActionSpec(
        Operation.CONSULT,
        frozenset({Role.SUPERVISOR, Role.DPO, Role.ADMIN}),
        _("See who is watching which camera now, and why"),
        _("see who is watching which camera now, and why"),
        own_organisation_only=True,
    ),
    Action.MANAGE_AUTHORISATIONS: ActionSpec(
        Operation.ALTER,
        _INVESTIGATORS | {Role.DPO},
        _("Register a prosecutor's decision or an investigating judge's order"),
        _("register a prosecutor's decision or an investigating judge's order"),
        own_organisation_only=True,
    ),
    Action.LOG_DRONE_MISSIONS: ActionSpec(
        Operation.ALTER,
        frozenset({Role.INSPECTOR, Role.SUPERVISOR, Role.ADMIN}),
        _("Log drone missions and their justification"),
        _("log drone missions and their justification"),
        own_organisation_only=True,
    ),
    Action.VIEW_DRONE_MISSIONS: ActionSpec(
        Operation.CONSULT,
        frozenset({Role.INSPECTOR, Role.SUPERVISOR, Role.ADMIN, Role.DPO, Role.AUDITOR}),
        _("See the drone missions log"),
        _("see the drone missions log"),
        own_organisation_only=True,
        sees_all=frozenset({Role.AUDITOR}),
    ),
    Action.HANDLE_SUBJECT_REQUESTS: ActionSpec(
        Operation.ALTER,
        frozenset({Role.DPO}),
        _("Handle data-subject requests: find, blur and send a person's footage"),
        _("handle data-subject requests: find, blur and send a person's footage"),
        own_organisation_only=True,
    ),
    Action.VIEW_SUBJECT_FOOTAGE: ActionSpec(
        Operation.CONSULT,
        frozenset({Role.DPO}),
        _("Look at the footage of a data-subject request: its cameras and period only"),
        _("look at the footage of a data-subject request: its cameras and period only"),
        needs_purpose=True,
        age_limited=True,
        own_organisation_only=True,
    ),
    Action.IDENTIFY_FACES: ActionSpec(
        Operation.CONSULT,
        frozenset(),
        _("Identify faces (face recognition, face search, biometric matching)"),
        _("identify faces (face recognition, face search, biometric matching)"),
        forbidden_by_law=FACE_RECOGNITION_FORBIDDEN,
    ),
    Action.ERASE_RECORDING: ActionSpec(
        Operation.ERASE, frozenset(), _("Erase recordings past retention"), _("erase recordings past retention")
    ),
    Action.ERASE_READS: ActionSpec(
        Operation.ERASE,
        frozenset(),
        _("Erase plate reads and hits past retention"),
        _("erase plate reads and hits past retention"),
    ),
}

ROLE_TITLES: dict[Role, Message] = {
    Role.OPERATOR: _("control-room operator"),
    Role.INSPECTOR: _("inspector or detective"),
    Role.SUPERVISOR: _("team chief on duty"),
    Role.DPO: _("data protection officer"),
    Role.ADMIN: _("administrator"),
    Role.PARTNER: _("partner (camera owner)"),
    Role.PLATFORM_ADMIN: _("platform administrator"),
    Role.AUDITOR: _("platform auditor"),
    Role.SECURITY_GUARD: _("private security guard"),
}
"""Each role in words, as a list or a label shows it."""

ROLES_WITH_ARTICLE: dict[Role, Message] = {
    Role.OPERATOR: _("a control-room operator"),
    Role.INSPECTOR: _("an inspector or detective"),
    Role.SUPERVISOR: _("a team chief on duty"),
    Role.DPO: _("a data protection officer"),
    Role.ADMIN: _("an administrator"),
    Role.PARTNER: _("a partner (camera owner)"),
    Role.PLATFORM_ADMIN: _("a platform administrator"),
    Role.AUDITOR: _("a platform auditor"),
    Role.SECURITY_GUARD: _("a private security guard"),
}
"""Each role with its article, inside a sentence ("signed in as an administrator")."""

ROLE_SUBJECTS: dict[Role, Message] = {
    Role.OPERATOR: _("A control-room operator"),
    Role.INSPECTOR: _("An inspector or detective"),
    Role.SUPERVISOR: _("A team chief on duty"),
    Role.DPO: _("A data protection officer"),
    Role.ADMIN: _("An administrator"),
    Role.PARTNER: _("A partner (camera owner)"),
    Role.PLATFORM_ADMIN: _("A platform administrator"),
    Role.AUDITOR: _("A platform auditor"),
    Role.SECURITY_GUARD: _("A private security guard"),
}
"""Each role as the subject that opens a refusal ("An administrator may not …")."""

NOUNS: dict[ResourceKind, Message] = {
    ResourceKind.CAMERA: _("camera"),
    ResourceKind.RECORDING: _("camera"),
    ResourceKind.PLATE_READS: _("plate read"),
    ResourceKind.HOTLIST: _("hotlist"),
    ResourceKind.HIT: _("hit"),
    ResourceKind.SECTION: _("speed section"),
    ResourceKind.HOLD: _("evidence hold"),
    ResourceKind.EXPORT: _("evidence export"),
    ResourceKind.PAGE: _("page"),
    ResourceKind.AUDIT_LOG: _("audit log"),
    ResourceKind.USER: _("user"),
    ResourceKind.ORGANISATION: _("organisation"),
    ResourceKind.API_TOKEN: _("API token"),
    ResourceKind.SITE: _("site"),
    ResourceKind.GRANT: _("grant"),
    ResourceKind.GROUP: _("camera group"),
    ResourceKind.ACCESS_REQUEST: _("access request"),
    ResourceKind.PREMISES: _("premises"),
    ResourceKind.CONSENT: _("consent"),
    ResourceKind.INCIDENT: _("incident"),
    ResourceKind.TRANSPARENCY_PROFILE: _("public register entry"),
    ResourceKind.PROCESSING_REGISTER: _("register of processing activities"),
    ResourceKind.ANNUAL_REPORT: _("annual report"),
    ResourceKind.DESIGNATION: _("designation"),
    ResourceKind.SHIFT: _("shift"),
    ResourceKind.AUTHORISATION: _("judicial authorisation"),
    ResourceKind.DRONE_MISSION: _("drone mission"),
    ResourceKind.SUBJECT_REQUEST: _("data-subject request"),
}
"""What a person calls each kind of resource, for refusals."""

UNSEEN_RULES = frozenset({"unknown", "organisation", "personal"})
"""Rules whose refusal is answered as "not found": the person may not learn the resource exists."""


def role_title(role: Role | None) -> Message:
    """The role in words with its article, for sentences: "an administrator"."""
    return ROLES_WITH_ARTICLE[role] if role else _("this account")


@dataclass(frozen=True)
class PolicyRules:
    """The numbers the law sets, read from settings."""

    administrative_consult_days: int = 30
    police_max_retention_days: int = 365
    justification_min_length: int = 10
    zone: tzinfo = UTC
    """The site's time zone, for the moments a refusal names."""


def capabilities(role: Role) -> list[tuple[Action, Message]]:
    """What a person with `role` may do at all, for menus and the home page."""
    return [(action, spec.description) for action, spec in ACTIONS.items() if role in spec.roles]


def operation_of(action: Action) -> Operation:
    return ACTIONS[action].operation


def _refuse(action: Action, rule: str, reason: Message, *needs: str) -> Decision:
    return Decision(False, action, rule, reason, tuple(needs))


def _check_actor(actor: Actor, action: Action, spec: ActionSpec) -> Decision | None:
    if spec.forbidden_by_law is not None:
        return _refuse(action, "law", spec.forbidden_by_law)
    if actor.kind is ActorKind.SYSTEM:
        return None
    if actor.kind is ActorKind.MACHINE:
        if spec.scope and spec.scope in actor.scopes:
            return None
        if spec.scope:
            reason = _("This API token may not {action} (needs scope '{scope}').", action=spec.doing, scope=spec.scope)
        else:
            reason = _("This API token may not {action} (only people may do this).", action=spec.doing)
        return _refuse(action, "scope", reason)
    if actor.role is not None and actor.role in spec.roles:
        outside = spec.organisation_kinds and actor.organisation_kind not in spec.organisation_kinds
        if outside and actor.role not in spec.sees_all:
            return _refuse(
                action, "organisation_kind", _("Only an alarm centre's people may {action}.", action=spec.doing)
            )
        return None
    who = ROLE_SUBJECTS[actor.role] if actor.role is not None else _("This account")
    return _refuse(action, "role", _("{role} may not {action}.", role=who, action=spec.doing))


def not_seen(resource: Resource) -> Message:
    """The one sentence for a resource that does not exist and one the person may not see."""
    noun = NOUNS.get(resource.kind, _("resource"))
    asked = resource.asked or resource.id or resource.label
    if asked:
        return _("There is no {noun} '{asked}' that you may see.", noun=noun, asked=asked[:120])
    return _("There is no {noun} that you may see.", noun=noun)


def _check_designation(actor: Actor, action: Action, spec: ActionSpec, now: datetime, zone: tzinfo) -> Decision | None:
    """Whether the person is designated for a designated action (live view): where their own
    organisation designates its viewers (also under another's grant), and for a private
    security guard always, who watches only under a supervising inspector. Nothing the person
    can supply helps: their chief of police designates."""
    guard = actor.role is Role.SECURITY_GUARD
    if not spec.designated or actor.kind is not ActorKind.USER or not (guard or actor.live_designation_required):
        return None
    term = actor.designation
    if term is None:
        return _refuse(
            action,
            "designation",
            _(
                "You are not designated to watch live: ask your chief of police (or your organisation's "
                "administrator) to designate you once you have been trained."
            ),
        )
    if term.revoked_at is not None and term.revoked_at <= now:
        return _refuse(
            action,
            "designation",
            _(
                "Your designation to watch live was revoked on {moment}: ask your chief of police why, and for a "
                "new designation.",
                moment=local_text(term.revoked_at, zone),
            ),
        )
    if term.valid_until < now.astimezone(zone).date():
        return _refuse(
            action,
            "designation",
            _(
                "Your designation to watch live has expired: it was valid until {day}. Ask your chief of police "
                "to renew it after a refresher training.",
                day=term.valid_until.isoformat(),
            ),
        )
    if guard and not term.supervisor:
        return _refuse(
            action,
            "designation",
            _(
                "A private security guard watches live only under a supervising inspector: ask your chief of "
                "police to name one in your designation."
            ),
        )
    return None


def _check_known(action: Action, resource: Resource) -> Decision | None:
    return None if resource.known else _refuse(action, "unknown", not_seen(resource))


RIGHT_WORDS: dict[Right, Message] = {
    Right.LIVE: _("live viewing"),
    Right.PLAYBACK: _("playback"),
    Right.EXPORT: _("export"),
    Right.PTZ: _("PTZ control"),
    Right.ANPR_READS: _("plate reads"),
    Right.ANPR_HITS: _("hotlist hits"),
}
"""Each right in words, as a grant lists it."""

PURPOSE_WORDS: dict[PurposeKind, Message] = {
    PurposeKind.ADMINISTRATIVE: _("administrative"),
    PurposeKind.JUDICIAL: _("judicial"),
}


def _through_grant(actor: Actor, spec: ActionSpec, resource: Resource) -> bool:
    """Whether the actor reaches `resource` only through a grant (it is another organisation's)."""
    if not spec.own_organisation_only or actor.kind is ActorKind.SYSTEM or actor.role in spec.sees_all:
        return False
    owner = resource.owner_organisation_id
    return owner is not None and owner != actor.organisation_id


def grants_for(actor: Actor, spec: ActionSpec, resource: Resource, now: datetime) -> list[GrantTerm]:
    """The grants that let the actor reach `resource` for an action now: for them (narrowing
    included), valid now, and giving the action's right (any right, for one that needs none)."""
    return [
        grant
        for grant in resource.grants
        if grant.reaches(actor) and grant.valid_at(now) and (spec.right is None or spec.right in grant.rights)
    ]


def _check_organisation(
    actor: Actor, action: Action, spec: ActionSpec, resource: Resource, now: datetime, zone: tzinfo
) -> Decision | None:
    """Whose resource it is: the actor's own, or another organisation's reached through a grant.

    With no grant for the actor at all the resource is not confirmed to exist; with one that
    no longer (or not yet) holds, or that gives other rights, the refusal says whom to ask."""
    if not _through_grant(actor, spec, resource):
        return None
    mine = [grant for grant in resource.grants if grant.reaches(actor)] if spec.shared else []
    if not mine:
        return _refuse(action, "organisation", not_seen(resource))
    owner = mine[0].owner
    current = [grant for grant in mine if grant.valid_at(now)]
    if not current:
        ends = [grant.valid_until for grant in mine if grant.valid_until is not None and grant.valid_until <= now]
        if ends:
            reason = _(
                "{owner}'s grant on {label} ended at {moment}: ask {owner} for access again (a request names "
                "the cameras, the time range and the purpose).",
                owner=owner,
                label=resource.label,
                moment=local_text(max(ends), zone),
            )
        else:
            starts = min(grant.valid_from for grant in mine)
            reason = _(
                "{owner}'s grant on {label} starts at {moment}: wait until then, or ask {owner} to bring it forward.",
                owner=owner,
                label=resource.label,
                moment=local_text(starts, zone),
            )
        return _refuse(action, "grant", reason, "request")
    if spec.right is not None and not any(spec.right in grant.rights for grant in current):
        given = sorted({right for grant in current for right in grant.rights})
        return _refuse(
            action,
            "grant",
            _(
                "{owner} granted your organisation {rights} on {label}, not {right}: ask {owner} for {right} "
                "(a request names the cameras, the time range and the purpose).",
                owner=owner,
                label=resource.label,
                rights=", ".join(RIGHT_WORDS[right] for right in given),
                right=RIGHT_WORDS[spec.right],
            ),
            "request",
        )
    return None


def _check_grant_scope(
    actor: Actor,
    action: Action,
    spec: ActionSpec,
    resource: Resource,
    purpose: Purpose | None,
    now: datetime,
    zone: tzinfo,
) -> Decision | None:
    """Inside a grant, its purposes and the footage range it opens (checked once the purpose
    is stated): the owner's ceiling, which no narrowing can widen."""
    if not _through_grant(actor, spec, resource):
        return None
    usable = grants_for(actor, spec, resource, now)
    owner = usable[0].owner if usable else ""
    if spec.needs_purpose and purpose is not None:
        for_purpose = [grant for grant in usable if not grant.purposes or purpose.kind in grant.purposes]
        if not for_purpose:
            kinds = sorted({kind.value for grant in usable for kind in grant.purposes})
            return _refuse(
                action,
                "grant",
                _(
                    "{owner} granted access to {label} for {purposes} purposes only: state such a purpose, "
                    "or ask {owner} for access for a {purpose} purpose.",
                    owner=owner,
                    label=resource.label,
                    purposes=", ".join(PURPOSE_WORDS[PurposeKind(kind)] for kind in kinds),
                    purpose=PURPOSE_WORDS[purpose.kind],
                ),
                "purpose",
            )
        usable = for_purpose
    if resource.start is not None and not any(grant.covers_footage(resource.start, resource.end) for grant in usable):
        ranges = [
            (grant.footage_from, grant.footage_until)
            for grant in usable
            if grant.footage_from is not None or grant.footage_until is not None
        ]
        first, last = ranges[0]
        return _refuse(
            action,
            "grant",
            _(
                "{owner} granted access to footage of {label} from {start} to {end} only: choose a moment in "
                "that range, or ask {owner} to widen it.",
                owner=owner,
                label=resource.label,
                start=local_text(first, zone) if first else "…",
                end=local_text(last, zone) if last else "…",
            ),
            "request",
        )
    return None


def _check_personal(actor: Actor, action: Action, spec: ActionSpec, resource: Resource) -> Decision | None:
    personal = spec.personal or actor.role in spec.personal_for
    if not personal or actor.kind is ActorKind.SYSTEM or resource.personal_to in (None, actor.id):
        return None
    return _refuse(action, "personal", not_seen(resource))


def _check_purpose(action: Action, spec: ActionSpec, purpose: Purpose | None, rules: PolicyRules) -> Decision | None:
    if not spec.needs_purpose:
        return None
    if purpose is None:
        return _refuse(
            action,
            "purpose",
            _("State why you need this: choose administrative or judicial and write a short justification."),
            "purpose",
        )
    if len(purpose.justification.strip()) < rules.justification_min_length:
        return _refuse(
            action,
            "purpose",
            _n(
                "The justification is too short: describe the reason in at least {count} character "
                "(an incident, a case, a request).",
                "The justification is too short: describe the reason in at least {count} characters "
                "(an incident, a case, a request).",
                rules.justification_min_length,
            ),
            "purpose",
        )
    return None


AUTHORISATION_WORDS: dict[AuthorisationKind, Message] = {
    AuthorisationKind.PROSECUTOR_DECISION: _("prosecutor's decision"),
    AuthorisationKind.INVESTIGATING_JUDGE_ORDER: _("investigating judge's order"),
}
"""Each kind of judicial authorisation in words, as a list shows it."""


def authorisation_named(term: AuthorisationTerm) -> Message:
    """The authorisation with its article and reference, inside a sentence: "the
    investigating judge's order JO/2026/123"."""
    if term.kind is AuthorisationKind.INVESTIGATING_JUDGE_ORDER:
        return _("the investigating judge's order {reference}", reference=term.reference)
    return _("the prosecutor's decision {reference}", reference=term.reference)


def _camera_ids(resource: Resource) -> frozenset[str]:
    """The cameras a look touches: the camera itself and any further cameras it names."""
    own = {resource.id} if resource.kind in (ResourceKind.CAMERA, ResourceKind.RECORDING) and resource.id else set()
    return frozenset(own | {rid for kind, rid, _label in resource.extra_ids if kind == ResourceKind.CAMERA.value})


def _past_window(spec: ActionSpec, resource: Resource, rules: PolicyRules, now: datetime) -> bool:
    """Whether the look reaches police footage older than the administrative window."""
    if not spec.age_limited or resource.legal_regime is not LegalRegime.POLICE or resource.start is None:
        return False
    return now - resource.start > timedelta(days=rules.administrative_consult_days)


def _check_age(
    actor: Actor,
    action: Action,
    spec: ActionSpec,
    resource: Resource,
    purpose: Purpose | None,
    rules: PolicyRules,
    now: datetime,
) -> Decision | None:
    if not spec.age_limited or resource.legal_regime is not LegalRegime.POLICE or resource.start is None:
        return None
    oldest_age = now - resource.start
    if oldest_age > timedelta(days=rules.police_max_retention_days):
        return _refuse(
            action,
            "retention",
            _n(
                "Police recordings are kept at most {count} day; this range starts before that and cannot be "
                "consulted.",
                "Police recordings are kept at most {count} days; this range starts before that and cannot be "
                "consulted.",
                rules.police_max_retention_days,
            ),
        )
    if not _past_window(spec, resource, rules, now):
        return None
    days = rules.administrative_consult_days
    if purpose is None or purpose.kind is not PurposeKind.JUDICIAL:
        return _refuse(
            action,
            f"{days}-day",
            _n(
                "This footage is more than {count} day old. Police recordings older than {count} day may be "
                "consulted only for a judicial purpose, with a prosecutor's decision or an investigating judge's "
                "order: choose 'judicial' and enter its reference.",
                "This footage is more than {count} days old. Police recordings older than {count} days may be "
                "consulted only for a judicial purpose, with a prosecutor's decision or an investigating judge's "
                "order: choose 'judicial' and enter its reference.",
                days,
            ),
            "judicial_reference",
        )
    reference = purpose.legal_basis_ref.strip()
    if not reference:
        return _refuse(
            action,
            f"{days}-day",
            _n(
                "Judicial access to police recordings older than {count} day needs the reference of a registered "
                "prosecutor's decision or investigating judge's order: enter it and try again.",
                "Judicial access to police recordings older than {count} days needs the reference of a registered "
                "prosecutor's decision or investigating judge's order: enter it and try again.",
                days,
            ),
            "judicial_reference",
        )
    return _check_authorisation(actor, action, resource, purpose.authorisation, reference, rules, now)


def _check_authorisation(
    actor: Actor,
    action: Action,
    resource: Resource,
    term: AuthorisationTerm | None,
    reference: str,
    rules: PolicyRules,
    now: datetime,
) -> Decision | None:
    """Whether the registered authorisation the reference names opens this look: the
    asker's organisation's, in force, for these cameras and this footage."""
    rule = f"{rules.administrative_consult_days}-day"
    theirs = term is not None and (actor.kind is ActorKind.SYSTEM or term.organisation_id == actor.organisation_id)
    if term is None or not theirs:
        return _refuse(
            action,
            rule,
            _(
                "No prosecutor's decision or investigating judge's order with the reference '{reference}' is "
                "registered for your organisation: register it under Judicial authorisations, or enter the "
                "reference of one that is.",
                reference=reference[:120],
            ),
            "judicial_reference",
        )
    named = authorisation_named(term)
    if term.revoked_at is not None and term.revoked_at <= now:
        return _refuse(
            action,
            rule,
            _(
                "Refused: {authorisation} was revoked on {moment}; it no longer opens footage past the "
                "administrative period.",
                authorisation=named,
                moment=local_text(term.revoked_at, rules.zone),
            ),
            "judicial_reference",
        )
    if term.expires_at <= now:
        return _refuse(
            action,
            rule,
            _(
                "Refused: {authorisation} expired on {moment}; register its renewal, or enter the reference of an "
                "authorisation in force.",
                authorisation=named,
                moment=local_text(term.expires_at, rules.zone),
            ),
            "judicial_reference",
        )
    if not term.covers_cameras(_camera_ids(resource)):
        if _camera_ids(resource):
            reason = _(
                "Refused: {authorisation} does not cover {label}; it names other cameras.",
                authorisation=named,
                label=resource.label,
            )
        else:
            reason = _(
                "Refused: {authorisation} covers named cameras only, and this search reaches every camera: "
                "narrow it to those cameras.",
                authorisation=named,
            )
        return _refuse(action, rule, reason, "judicial_reference")
    assert resource.start is not None  # only looks at footage are age-limited
    if not term.covers_footage(resource.start, resource.end):
        return _refuse(
            action,
            rule,
            _(
                "Refused: {authorisation} covers footage from {start} to {end}; choose a range inside it.",
                authorisation=named,
                start=local_text(term.footage_from, rules.zone),
                end=local_text(term.footage_until, rules.zone),
            ),
            "judicial_reference",
        )
    return None


def _check_reach(
    actor: Actor, action: Action, spec: ActionSpec, resource: Resource, now: datetime, zone: tzinfo
) -> Decision | None:
    """Who asks, whether the resource exists and whose it is: the checks before purpose and age."""
    return (
        _check_actor(actor, action, spec)
        or _check_designation(actor, action, spec, now, zone)
        or _check_known(action, resource)
        or _check_organisation(actor, action, spec, resource, now, zone)
        or _check_personal(actor, action, spec, resource)
    )


def decide(
    actor: Actor,
    action: Action,
    resource: Resource,
    purpose: Purpose | None,
    rules: PolicyRules,
    now: datetime,
) -> Decision:
    """Decide whether `actor` may perform `action` on `resource` for `purpose` at `now`."""
    spec = ACTIONS[action]
    refusal = (
        _check_reach(actor, action, spec, resource, now, rules.zone)
        or _check_purpose(action, spec, purpose, rules)
        or _check_grant_scope(actor, action, spec, resource, purpose, now, rules.zone)
        or _check_age(actor, action, spec, resource, purpose, rules, now)
    )
    if refusal is not None:
        return refusal
    grant = _grant_used(actor, spec, resource, purpose, now)
    judicial = purpose.authorisation if purpose and _past_window(spec, resource, rules, now) else None
    if grant is not None and judicial is not None:
        reason = _(
            "Allowed: {action}, under {owner}'s grant and {authorisation}.",
            action=spec.doing,
            owner=grant.owner,
            authorisation=authorisation_named(judicial),
        )
    elif grant is not None:
        reason = _("Allowed: {action}, under {owner}'s grant.", action=spec.doing, owner=grant.owner)
    elif judicial is not None:
        reason = _(
            "Allowed: {action} under {authorisation}.", action=spec.doing, authorisation=authorisation_named(judicial)
        )
    else:
        reason = _("Allowed: {action}.", action=spec.doing)
    return Decision(True, action, "granted", reason, grant=grant.id if grant else "")


def _grant_used(
    actor: Actor, spec: ActionSpec, resource: Resource, purpose: Purpose | None, now: datetime
) -> GrantTerm | None:
    """The grant a granted look passes under (the first that covers it), or None for one's own."""
    if not _through_grant(actor, spec, resource):
        return None
    for grant in grants_for(actor, spec, resource, now):
        if spec.needs_purpose and purpose is not None and grant.purposes and purpose.kind not in grant.purposes:
            continue
        if grant.covers_footage(resource.start, resource.end):
            return grant
    return None


def decide_function(actor: Actor, action: Action) -> Decision:
    """Whether `actor` may use the function `action` at all (open its page), whatever the
    resource: only who they are counts. The gate records such a refusal, not the grant."""
    spec = ACTIONS[action]
    refusal = _check_actor(actor, action, spec)
    return refusal or Decision(True, action, "granted", _("Allowed: {action}.", action=spec.doing))


def decide_reach(actor: Actor, action: Action, resource: Resource, now: datetime, zone: tzinfo = UTC) -> Decision:
    """Whether `actor` may reach `resource` for `action` at all: who they are, whether it
    exists and whose it is, leaving purpose and age to the decision of the operation itself."""
    spec = ACTIONS[action]
    refusal = _check_reach(actor, action, spec, resource, now, zone)
    return refusal or Decision(True, action, "granted", _("Allowed: {action}.", action=spec.doing))


def may(actor: Actor, action: Action) -> bool:
    """For menus and buttons only: whether offering `action` to the actor makes sense. The
    decision itself is always the gate's, when the action is asked for."""
    return decide_function(actor, action).granted


def audit_review_scope(actor: Actor) -> str:
    """Whose records a reviewer may read: a team chief and the data protection officer see
    those of their own organisation's people and every look at its cameras by others
    (`AuditFilter.uses_of`); the platform auditor sees everyone's. Empty means no limit."""
    if actor.role is Role.AUDITOR or actor.kind is ActorKind.SYSTEM:
        return ""
    return str(actor.organisation_id) if actor.organisation_id else "-"


_POSITION_ROLES = frozenset({Role.OPERATOR, Role.INSPECTOR, Role.SUPERVISOR, Role.ADMIN})


def sees_camera(actor: Actor, owner: uuid.UUID, now: datetime, grants: tuple[GrantTerm, ...] = ()) -> bool:
    """Whether a camera of `owner` appears in the actor's camera lists (name, street, area,
    status): the gate's own rule for `camera.view`, so a list never shows a camera whose page
    would be refused. Administrators and the DPO see every camera (to configure and to
    review); everyone else sees their organisation's cameras and those granted to it now."""
    spec = ACTIONS[Action.VIEW_CAMERA]
    resource = Resource(ResourceKind.CAMERA, owner_organisation_id=owner, grants=grants)
    return not (
        _check_actor(actor, Action.VIEW_CAMERA, spec)
        or _check_organisation(actor, Action.VIEW_CAMERA, spec, resource, now, UTC)
    )


def sees_exact_position(actor: Actor) -> bool:
    """Whether the actor sees the exact position of a camera they reached (from the visible
    list or a granted look): the people who work with cameras do, the owner's and those it
    granted alike; the public register shows only street and area."""
    return actor.kind is ActorKind.SYSTEM or actor.role in _POSITION_ROLES


def sees_stream_addresses(actor: Actor) -> bool:
    """Stream URLs (always without credentials) are shown to administrators only."""
    return actor.kind is ActorKind.SYSTEM or actor.role is Role.ADMIN
