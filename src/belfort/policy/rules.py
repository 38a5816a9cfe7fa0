"""The rules: which role may do what, to whose resources, for which purpose, and when.

`decide` is a pure function of its arguments (time comes in as `now`). The order of the
checks is the order a refusal is explained in: first who you are (role or scope), then
whose resource it is, then why you ask, then how old the footage is. The first check
that fails decides, and its reason says what would make the request acceptable.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from belfort.i18n import Message, _, _n
from belfort.policy.model import (
    Action,
    Actor,
    ActorKind,
    Decision,
    LegalRegime,
    Operation,
    Purpose,
    PurposeKind,
    Resource,
    ResourceKind,
    Role,
)


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
    sees_all: frozenset[Role] = frozenset()
    """Roles that pass the organisation check for this action (the DPO reviews everyone's)."""
    personal: bool = False
    """Limited to the one person the resource belongs to (`Resource.personal_to`)."""
    personal_for: frozenset[Role] = frozenset()
    """Roles for whom the action is personal (an inspector reads only their own exports)."""
    records_grants: bool = True
    """False for looks at no images, plates or logs (a camera's name and index, the wall's
    layouts): their refusals are recorded, their grants are not, so the log stays a log of
    consultations. Every refusal is recorded, whatever this says."""


_WATCHERS = frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.PARTNER})
_INVESTIGATORS = frozenset({Role.INSPECTOR, Role.SUPERVISOR})
_PEOPLE = frozenset(Role)

ACTIONS: dict[Action, ActionSpec] = {
    Action.VIEW_CAMERA: ActionSpec(
        Operation.CONSULT,
        _PEOPLE,
        _("See cameras: name, place, status and where footage exists"),
        _("see cameras: name, place, status and where footage exists"),
        own_organisation_only=True,
        sees_all=frozenset({Role.ADMIN, Role.DPO}),
        records_grants=False,
    ),
    Action.USE_WALL: ActionSpec(
        Operation.CONSULT,
        _WATCHERS,
        _("Use the video wall: layouts, tours and the shift's purpose"),
        _("use the video wall: layouts, tours and the shift's purpose"),
        records_grants=False,
    ),
    Action.VIEW_LIVE: ActionSpec(
        Operation.CONSULT,
        _WATCHERS,
        _("Watch cameras live on the video wall"),
        _("watch cameras live on the video wall"),
        needs_purpose=True,
        own_organisation_only=True,
    ),
    Action.VIEW_RECORDING: ActionSpec(
        Operation.CONSULT,
        _WATCHERS | _INVESTIGATORS,
        _("Play back recordings"),
        _("play back recordings"),
        needs_purpose=True,
        age_limited=True,
        own_organisation_only=True,
    ),
    Action.EXPORT_EVIDENCE: ActionSpec(
        Operation.DISCLOSE,
        _INVESTIGATORS,
        _("Export signed evidence packages"),
        _("export signed evidence packages"),
        needs_purpose=True,
        age_limited=True,
        own_organisation_only=True,
    ),
    Action.VIEW_EXPORTS: ActionSpec(
        Operation.CONSULT,
        _INVESTIGATORS | {Role.DPO},
        _("See the history of evidence exports: cases, recipients and reasons"),
        _("see the history of evidence exports: cases, recipients and reasons"),
        own_organisation_only=True,
        sees_all=frozenset({Role.DPO}),
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
        sees_all=frozenset({Role.DPO}),
    ),
    Action.SEARCH_PLATES: ActionSpec(
        Operation.CONSULT,
        _INVESTIGATORS,
        _("Search number plates in the read history"),
        _("search number plates in the read history"),
        needs_purpose=True,
        age_limited=True,
        own_organisation_only=True,
    ),
    Action.HANDLE_HITS: ActionSpec(
        Operation.CONSULT,
        frozenset({Role.OPERATOR, Role.INSPECTOR, Role.SUPERVISOR}),
        _("See and handle hotlist hits"),
        _("see and handle hotlist hits"),
        own_organisation_only=True,
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
        frozenset({Role.SUPERVISOR, Role.DPO}),
        _("Review the audit log: who looked at what and why"),
        _("review the audit log: who looked at what and why"),
    ),
    Action.VERIFY_AUDIT: ActionSpec(
        Operation.CONSULT,
        frozenset({Role.DPO, Role.ADMIN}),
        _("Verify the integrity of the audit chain"),
        _("verify the integrity of the audit chain"),
    ),
    Action.MANAGE_USERS: ActionSpec(
        Operation.ALTER, frozenset({Role.ADMIN}), _("Manage user accounts"), _("manage user accounts")
    ),
    Action.MANAGE_ORGANISATIONS: ActionSpec(
        Operation.ALTER, frozenset({Role.ADMIN}), _("Manage organisations"), _("manage organisations")
    ),
    Action.MANAGE_TOKENS: ActionSpec(
        Operation.ALTER, frozenset({Role.ADMIN}), _("Issue and revoke API tokens"), _("issue and revoke API tokens")
    ),
    Action.MANAGE_CAMERAS: ActionSpec(
        Operation.ALTER,
        frozenset({Role.ADMIN}),
        _("Register and configure cameras"),
        _("register and configure cameras"),
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
}
"""Each role in words, as a list or a label shows it."""

ROLES_WITH_ARTICLE: dict[Role, Message] = {
    Role.OPERATOR: _("a control-room operator"),
    Role.INSPECTOR: _("an inspector or detective"),
    Role.SUPERVISOR: _("a team chief on duty"),
    Role.DPO: _("a data protection officer"),
    Role.ADMIN: _("an administrator"),
    Role.PARTNER: _("a partner (camera owner)"),
}
"""Each role with its article, inside a sentence ("signed in as an administrator")."""

ROLE_SUBJECTS: dict[Role, Message] = {
    Role.OPERATOR: _("A control-room operator"),
    Role.INSPECTOR: _("An inspector or detective"),
    Role.SUPERVISOR: _("A team chief on duty"),
    Role.DPO: _("A data protection officer"),
    Role.ADMIN: _("An administrator"),
    Role.PARTNER: _("A partner (camera owner)"),
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


def capabilities(role: Role) -> list[tuple[Action, Message]]:
    """What a person with `role` may do at all, for menus and the home page."""
    return [(action, spec.description) for action, spec in ACTIONS.items() if role in spec.roles]


def operation_of(action: Action) -> Operation:
    return ACTIONS[action].operation


def _refuse(action: Action, rule: str, reason: Message, *needs: str) -> Decision:
    return Decision(False, action, rule, reason, tuple(needs))


def _check_actor(actor: Actor, action: Action, spec: ActionSpec) -> Decision | None:
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


def _check_known(action: Action, resource: Resource) -> Decision | None:
    return None if resource.known else _refuse(action, "unknown", not_seen(resource))


def _check_organisation(actor: Actor, action: Action, spec: ActionSpec, resource: Resource) -> Decision | None:
    if not spec.own_organisation_only or actor.kind is ActorKind.SYSTEM or actor.role in spec.sees_all:
        return None
    owner = resource.owner_organisation_id
    if owner is None or owner == actor.organisation_id or actor.organisation_id in resource.granted_organisation_ids:
        return None
    return _refuse(action, "organisation", not_seen(resource))


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


def _check_age(
    action: Action, spec: ActionSpec, resource: Resource, purpose: Purpose | None, rules: PolicyRules, now: datetime
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
    if oldest_age <= timedelta(days=rules.administrative_consult_days):
        return None
    days = rules.administrative_consult_days
    if purpose is None or purpose.kind is not PurposeKind.JUDICIAL:
        return _refuse(
            action,
            f"{days}-day",
            _n(
                "This footage is more than {count} day old. Police recordings older than {count} day may be "
                "consulted only for a judicial purpose, with the public prosecutor's written decision: choose "
                "'judicial' and enter the decision's reference.",
                "This footage is more than {count} days old. Police recordings older than {count} days may be "
                "consulted only for a judicial purpose, with the public prosecutor's written decision: choose "
                "'judicial' and enter the decision's reference.",
                days,
            ),
            "judicial_reference",
        )
    if not purpose.legal_basis_ref.strip():
        return _refuse(
            action,
            f"{days}-day",
            _n(
                "Judicial access to police recordings older than {count} day needs the reference of the public "
                "prosecutor's written decision: enter it and try again.",
                "Judicial access to police recordings older than {count} days needs the reference of the public "
                "prosecutor's written decision: enter it and try again.",
                days,
            ),
            "judicial_reference",
        )
    return None


def _check_reach(actor: Actor, action: Action, spec: ActionSpec, resource: Resource) -> Decision | None:
    """Who asks, whether the resource exists and whose it is: the checks before purpose and age."""
    return (
        _check_actor(actor, action, spec)
        or _check_known(action, resource)
        or _check_organisation(actor, action, spec, resource)
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
        _check_reach(actor, action, spec, resource)
        or _check_purpose(action, spec, purpose, rules)
        or _check_age(action, spec, resource, purpose, rules, now)
    )
    if refusal is not None:
        return refusal
    if purpose and purpose.legal_basis_ref.strip():
        reason = _("Allowed: {action} under the prosecutor's decision.", action=spec.doing)
    else:
        reason = _("Allowed: {action}.", action=spec.doing)
    return Decision(True, action, "granted", reason)


def decide_function(actor: Actor, action: Action) -> Decision:
    """Whether `actor` may use the function `action` at all (open its page), whatever the
    resource: only who they are counts. The gate records such a refusal, not the grant."""
    spec = ACTIONS[action]
    refusal = _check_actor(actor, action, spec)
    return refusal or Decision(True, action, "granted", _("Allowed: {action}.", action=spec.doing))


def decide_reach(actor: Actor, action: Action, resource: Resource) -> Decision:
    """Whether `actor` may reach `resource` for `action` at all: who they are, whether it
    exists and whose it is, leaving purpose and age to the decision of the operation itself."""
    spec = ACTIONS[action]
    refusal = _check_reach(actor, action, spec, resource)
    return refusal or Decision(True, action, "granted", _("Allowed: {action}.", action=spec.doing))


def may(actor: Actor, action: Action) -> bool:
    """For menus and buttons only: whether offering `action` to the actor makes sense. The
    decision itself is always the gate's, when the action is asked for."""
    return decide_function(actor, action).granted


def audit_review_scope(actor: Actor) -> str:
    """Whose records a reviewer may read: a team chief sees the people of their own
    organisation; the data protection officer sees everyone's. Empty means no limit."""
    if actor.role is Role.DPO or actor.kind is ActorKind.SYSTEM:
        return ""
    return str(actor.organisation_id) if actor.organisation_id else "-"


_POSITION_ROLES = frozenset({Role.OPERATOR, Role.INSPECTOR, Role.SUPERVISOR, Role.ADMIN})


def sees_camera(actor: Actor, owner: uuid.UUID, granted: frozenset[uuid.UUID] = frozenset()) -> bool:
    """Whether a camera of `owner` appears in the actor's camera lists (name, street, area,
    status): the gate's own rule for `camera.view`, so a list never shows a camera whose page
    would be refused. Administrators and the DPO see every camera (to configure and to
    review); everyone else sees their organisation's cameras and those granted to it."""
    spec = ACTIONS[Action.VIEW_CAMERA]
    resource = Resource(ResourceKind.CAMERA, owner_organisation_id=owner, granted_organisation_ids=granted)
    return not (
        _check_actor(actor, Action.VIEW_CAMERA, spec) or _check_organisation(actor, Action.VIEW_CAMERA, spec, resource)
    )


def sees_exact_position(actor: Actor, owner: uuid.UUID, granted: frozenset[uuid.UUID] = frozenset()) -> bool:
    """The exact position is restricted to the people who work with the camera; the public
    register shows only street and area."""
    if actor.kind is ActorKind.SYSTEM:
        return True
    return actor.role in _POSITION_ROLES and sees_camera(actor, owner, granted)


def sees_stream_addresses(actor: Actor) -> bool:
    """Stream URLs (always without credentials) are shown to administrators only."""
    return actor.kind is ActorKind.SYSTEM or actor.role is Role.ADMIN
