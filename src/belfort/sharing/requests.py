"""Access requests: the detective's way in to another organisation's cameras.

An inspector (or a team chief) asks an owner organisation for cameras or one of its groups,
rights, a footage range, with the purpose, the case, the PV number and, where the 30-day
rule needs it, the reference of the prosecutor's (or investigating judge's) decision. The
owner's approver answers:

- approve, possibly narrower (fewer cameras and rights, a shorter footage range, an end):
  a grant for the requester's organisation, for the request's purpose only
  (`belfort.sharing.grants`), made in the approver's name;
- approve as "export only": the owner's side builds the signed evidence package of the
  asked cameras and range (`belfort.evidence.service`), which only the requester downloads;
- refuse, with a reason.

The requester may withdraw a request while it waits. Asking and every decision is one
audited decision of the gate; once committed, it is published on the event bus (topic
`sharing.requests`) and POSTed to the `sharing.webhooks` addresses with a sentence in the
site's language. Both sides list the request with its state; new requests (for approvers)
and decisions not yet seen (for the requester) make the badge.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import and_, event, false, func, or_, select
from sqlalchemy.orm import Session

from belfort.anpr.webhooks import WebhookSender
from belfort.auth.models import Organisation
from belfort.cameras.grants import members, padded
from belfort.cameras.groups import GroupService
from belfort.cameras.models import Camera, CameraGroup, CameraGroupMember, Grant
from belfort.errors import Conflict, InvalidInput
from belfort.events import EventBus
from belfort.evidence.service import ExportItem, ExportRequest, ExportService
from belfort.i18n import Message, _, _n, format_datetime, translate
from belfort.policy import (
    Action,
    Actor,
    ActorKind,
    PolicyGate,
    Purpose,
    PurposeKind,
    Resource,
    ResourceKind,
    Right,
    Role,
    may,
)
from belfort.sharing.grants import GrantService, GrantSpec, parse_rights
from belfort.sharing.models import AccessRequest
from belfort.timeutil import Clock, iso_utc, local_text, parse_iso, utcnow

REQUESTS_TOPIC = "sharing.requests"
MIN_REASON = 10
LISTED = 200
"""At most this many requests in a box, newest first."""

STATE_WORDS: dict[str, Message] = {
    "pending": _("waiting for a decision"),
    "approved": _("approved"),
    "export_only": _("approved as export only"),
    "refused": _("refused"),
    "withdrawn": _("withdrawn"),
}
"""A request's state as a person reads it."""


@dataclass
class RequestSpec:
    """What a requester states."""

    owner: str
    """The owner organisation, by name or id."""
    rights: Sequence[str]
    footage_from: datetime
    footage_until: datetime
    purpose: Purpose
    """Its `legal_basis_ref`: the prosecutor's or investigating judge's decision reference."""
    cameras: Sequence[str] = ()
    """The owner's cameras, by name or id; or name one `group`."""
    group: str = ""
    case_number: str = ""
    pv_number: str = ""


@dataclass
class Approval:
    """What the owner's approver keeps of a request: empty or None means as asked."""

    cameras: Sequence[str] = ()
    rights: Sequence[str] = ()
    footage_from: datetime | None = None
    footage_until: datetime | None = None
    valid_until: datetime | None = None
    """The grant's end; None: until revoked (the footage range still bounds what is seen)."""
    note: str = ""
    """Said to the requester with the decision."""


@dataclass(frozen=True)
class RequestRow:
    request: AccessRequest
    cameras: list[Camera] = field(default_factory=list)
    """The cameras asked for (or the group's, when a group was asked for)."""
    group: CameraGroup | None = None
    grants: list[Grant] = field(default_factory=list)
    """The grants an approval made (what was approved)."""


def request_resource(row: AccessRequest | None, asked: str, side: uuid.UUID | None = None) -> Resource:
    if row is None:
        return Resource(ResourceKind.ACCESS_REQUEST, "", asked[:120], asked=asked, known=False)
    return Resource(
        ResourceKind.ACCESS_REQUEST,
        str(row.id),
        f"{row.requester_organisation.name} → {row.owner_organisation.name}: {row.case_number or row.pv_number}",
        side or row.owner_organisation_id,
        owner_name=row.owner_organisation.name,
        asked=asked,
    )


def describe_request(message: dict[str, Any], language: str, zone: tzinfo) -> str:
    """The sentence a webhook receiver passes on to people, in `language`, times local to `zone`."""
    if message.get("type") != "access_request":
        return ""

    def when(key: str) -> str:
        try:
            return format_datetime(parse_iso(str(message.get(key, ""))), language, zone, "yyyy-MM-dd HH:mm xxx")
        except ValueError:
            return str(message.get(key, ""))

    fields = {
        "requester": message.get("requester", ""),
        "owner": message.get("owner", ""),
        "cameras": ", ".join(message.get("cameras", [])) or message.get("group", ""),
        "start": when("footage_from"),
        "end": when("footage_until"),
    }
    change = message.get("change")
    if change == "asked":
        text = _(
            "{requester} asks {owner} for access to {cameras}, footage from {start} to {end}.",
            **fields,
        )
    elif change == "approved":
        text = _("{owner} approved the access request of {requester} for {cameras}.", **fields)
    elif change == "export_only":
        text = _(
            "{owner} approved the access request of {requester} as export only: the signed package is being built.",
            **fields,
        )
    elif change == "refused":
        text = _(
            "{owner} refused the access request of {requester}: {reason}",
            reason=message.get("reason", ""),
            **fields,
        )
    elif change == "withdrawn":
        text = _("{requester} withdrew its access request to {owner}.", **fields)
    else:
        return ""
    return translate(text, language)


class RequestService:
    def __init__(
        self,
        gate: PolicyGate,
        groups: GroupService,
        grants: GrantService,
        exports: ExportService,
        bus: EventBus,
        webhooks: WebhookSender,
        administrative_days: int,
        clock: Clock = utcnow,
    ) -> None:
        self.gate = gate
        self.groups = groups
        self.grants = grants
        self.exports = exports
        self.bus = bus
        self.webhooks = webhooks
        self.administrative_days = administrative_days
        """The administrative window (`policy.administrative_consult_days`): footage older
        than this is asked for a judicial purpose only, with the decision's reference."""
        self._clock = clock

    # -- asking -----------------------------------------------------------------------------

    def ask(self, session: Session, actor: Actor, spec: RequestSpec) -> AccessRequest:
        """Ask an owner for access: one audited decision (role and purpose), then the request waits."""
        self.gate.require_function(session, actor, "access requests", Action.ASK_ACCESS)
        if actor.organisation_id is None or actor.id is None:
            raise InvalidInput(_("only a person of an organisation asks for access; sign in as one"))
        owner = self._owner(session, spec.owner)
        if owner.id == actor.organisation_id:
            raise InvalidInput(_("owner: your organisation already sees its own cameras; choose another one"))
        rights = parse_rights(spec.rights, "rights")
        if not rights:
            raise InvalidInput(_("rights: choose at least one of {choices}", choices=", ".join(r.value for r in Right)))
        if bool(spec.cameras) == bool(spec.group.strip()):
            raise InvalidInput(_("name the cameras or one group you ask for, not both and not neither"))
        cameras: list[Camera] = []
        group = None
        if spec.group.strip():
            group = self.groups.find(session, owner.id, spec.group.strip())
            if group is None or group.organisation_id != owner.id:
                raise InvalidInput(_("group: {owner} has no group '{name}'", owner=owner.name, name=spec.group[:120]))
        else:
            cameras = [self._owned_camera(session, owner, ref, "cameras") for ref in dict.fromkeys(spec.cameras)]
        if spec.footage_until <= spec.footage_from:
            raise InvalidInput(_("footage until: choose a moment after the footage start"))
        if not spec.case_number.strip():
            raise InvalidInput(_("case number: it is required; the owner decides on it and the audit log keeps it"))
        purpose = spec.purpose
        if purpose.kind is PurposeKind.JUDICIAL and not spec.pv_number.strip():
            raise InvalidInput(_("PV number: a request for a judicial purpose names the PV (proces-verbaal)"))
        now = self._clock()
        if spec.footage_from < now - timedelta(days=self.administrative_days):
            if purpose.kind is not PurposeKind.JUDICIAL:
                raise InvalidInput(
                    _n(
                        "purpose: footage older than {count} day may be asked for a judicial purpose only, with the "
                        "prosecutor's or investigating judge's decision",
                        "purpose: footage older than {count} days may be asked for a judicial purpose only, with the "
                        "prosecutor's or investigating judge's decision",
                        self.administrative_days,
                    )
                )
            if not purpose.legal_basis_ref.strip():
                raise InvalidInput(
                    _n(
                        "legal basis reference: footage older than {count} day needs the reference of the "
                        "prosecutor's or investigating judge's written decision",
                        "legal basis reference: footage older than {count} days needs the reference of the "
                        "prosecutor's or investigating judge's written decision",
                        self.administrative_days,
                    )
                )
            self._check_authorisation(session, actor, purpose, spec.footage_from, spec.footage_until)
        row = AccessRequest(
            id=uuid.uuid4(),
            requester_organisation_id=actor.organisation_id,
            requester_id=actor.id,
            requester_name=actor.name,
            owner_organisation_id=owner.id,
            cameras=padded(str(camera.id) for camera in cameras),
            group_id=group.id if group else None,
            rights=padded(r.value for r in rights),
            footage_from=spec.footage_from,
            footage_until=spec.footage_until,
            purpose=purpose.kind.value,
            justification=purpose.justification.strip(),
            case_number=spec.case_number.strip(),
            pv_number=spec.pv_number.strip(),
            legal_basis_ref=purpose.legal_basis_ref.strip(),
            state="pending",
            created_at=now,
            decided_by="",
            decision_reason="",
            export_ids="",
            requester_seen=True,
        )
        self.gate.require(
            session,
            actor,
            Action.ASK_ACCESS,
            Resource(
                ResourceKind.ACCESS_REQUEST,
                str(row.id),
                f"{actor.organisation_name} → {owner.name}: {row.case_number}",
                owner.id,
                start=spec.footage_from,
                end=spec.footage_until,
                owner_name=owner.name,
            ),
            purpose,
            recipient=owner.name,
            detail={
                "change": "ask",
                "case_number": row.case_number,
                "pv_number": row.pv_number,
                "rights": row.rights.strip(),
                "cameras": ", ".join(camera.name for camera in cameras) or (group.name if group else ""),
            },
        )
        session.add(row)
        session.flush()
        session.refresh(row)
        self._announce(session, "asked", row, [camera.name for camera in cameras], group)
        return row

    # -- listing ----------------------------------------------------------------------------

    def inbox(self, session: Session, actor: Actor) -> list[RequestRow]:
        """Requests to the actor's organisation (the owner's side), newest first."""
        self.gate.require_function(session, actor, "access requests", Action.VIEW_SHARING)
        if actor.organisation_id is None:
            return []
        statement = select(AccessRequest).where(AccessRequest.owner_organisation_id == actor.organisation_id)
        return self._rows(session, statement)

    def outbox(self, session: Session, actor: Actor, mark_seen: bool = True) -> list[RequestRow]:
        """Requests of the actor's organisation (an inspector: their own), newest first; the
        actor's own decided requests count as seen from now on (`mark_seen`)."""
        self.gate.require_function(session, actor, "access requests", Action.ASK_ACCESS, Action.VIEW_SHARING)
        if actor.organisation_id is None:
            return []
        statement = select(AccessRequest).where(AccessRequest.requester_organisation_id == actor.organisation_id)
        if actor.role is Role.INSPECTOR:
            statement = statement.where(AccessRequest.requester_id == actor.id)
        rows = self._rows(session, statement)
        if mark_seen and actor.id is not None:
            for row in rows:
                if row.request.requester_id == actor.id and not row.request.requester_seen:
                    row.request.requester_seen = True
            session.flush()
        return rows

    def badge(self, session: Session, actor: Actor) -> int:
        """New items for the actor, in one count: requests waiting for their organisation's
        decision (for an approver) and their own requests decided since they last looked."""
        conditions = []
        if actor.organisation_id is not None and may(actor, Action.DECIDE_REQUESTS):
            conditions.append(
                and_(
                    AccessRequest.owner_organisation_id == actor.organisation_id,
                    AccessRequest.state == "pending",
                )
            )
        if actor.id is not None and may(actor, Action.ASK_ACCESS):
            conditions.append(and_(AccessRequest.requester_id == actor.id, AccessRequest.requester_seen == false()))
        if not conditions or actor.kind is ActorKind.SYSTEM:
            return 0
        return int(session.scalar(select(func.count()).select_from(AccessRequest).where(or_(*conditions))) or 0)

    def described(self, session: Session, request_id: uuid.UUID) -> RequestRow:
        """One request with its cameras and grants, for the answer to a change the gate just
        allowed on it (no new look)."""
        return self._rows(session, select(AccessRequest).where(AccessRequest.id == request_id))[0]

    def _rows(self, session: Session, statement: Any) -> list[RequestRow]:
        requests = list(session.scalars(statement.order_by(AccessRequest.created_at.desc()).limit(LISTED)).unique())
        ids = {uuid.UUID(value) for row in requests for value in members(row.cameras)}
        cameras = {camera.id: camera for camera in session.scalars(select(Camera).where(Camera.id.in_(ids))).unique()}
        made: dict[uuid.UUID, list[Grant]] = {}
        decided = [row.id for row in requests if row.state == "approved"]
        if decided:
            for grant in session.scalars(select(Grant).where(Grant.request_id.in_(decided))).unique():
                assert grant.request_id is not None
                made.setdefault(grant.request_id, []).append(grant)
        rows = []
        for row in requests:
            group = session.get(CameraGroup, row.group_id) if row.group_id else None
            asked = sorted(
                (cameras[uuid.UUID(value)] for value in members(row.cameras) if uuid.UUID(value) in cameras),
                key=lambda camera: camera.name,
            )
            rows.append(RequestRow(row, asked, group, made.get(row.id, [])))
        return rows

    # -- deciding (the owner's side) --------------------------------------------------------

    def approve(self, session: Session, actor: Actor, ref: str, approval: Approval) -> list[Grant]:
        """Approve as asked or narrower: a grant to the requester's organisation for the
        request's purpose, the (narrowed) cameras, rights and footage range."""
        row = self._decidable(session, actor, ref, "approved")
        cameras, group = self._kept_cameras(session, row, approval.cameras)
        asked = {Right(value) for value in members(row.rights)}
        rights = parse_rights(approval.rights, "rights") if approval.rights else sorted(asked)
        wider = set(rights) - asked
        if wider:
            raise InvalidInput(
                _(
                    "rights: the request did not ask for {rights}; an approval may only keep rights asked for",
                    rights=", ".join(sorted(r.value for r in wider)),
                )
            )
        start, end = self._kept_range(row, approval)
        spec = GrantSpec(
            grantee=str(row.requester_organisation_id),
            rights=[r.value for r in rights],
            reason=f"Access request {row.case_number or row.pv_number}: {row.justification}"[:1000],
            cameras=[str(camera.id) for camera in cameras] if group is None else (),
            group=str(group.id) if group is not None else "",
            valid_until=approval.valid_until,
            purposes=[row.purpose],
            footage_from=start,
            footage_until=end,
            request_id=row.id,
        )
        made = self.grants.add(session, self._acting(actor, row), spec)
        row.grant_id = made[0].id if made else None
        self._decided(row, actor, "approved", approval.note)
        self._announce(session, "approved", row, [camera.name for camera in cameras], group)
        return made

    def approve_export_only(self, session: Session, actor: Actor, ref: str, approval: Approval) -> AccessRequest:
        """Approve as "export only": the owner's side builds the signed package of the asked
        (or fewer) cameras and range, built once committed; only the requester downloads it."""
        row = self._decidable(session, actor, ref, "export_only")
        cameras, group = self._kept_cameras(session, row, approval.cameras)
        if group is not None:
            cameras = self._group_cameras(session, group)
        if not cameras:
            raise InvalidInput(_("cameras: the group holds no camera to export"))
        start, end = self._kept_range(row, approval)
        purpose = self.gate.with_authorisation(
            session,
            row.requester_organisation_id,
            Purpose(PurposeKind(row.purpose), row.justification, row.legal_basis_ref),
        )
        export = self.exports.request(
            session,
            self._acting(actor, row),
            ExportRequest(
                items=tuple(ExportItem(str(camera.id), start, end) for camera in cameras),
                case_number=row.case_number or row.pv_number,
                recipient=f"{row.requester_organisation.name}: {row.requester_name}",
                purpose=purpose,
            ),
            for_person=Actor(
                kind=ActorKind.USER,
                id=row.requester_id,
                name=row.requester_name,
                role=None,
                organisation_id=row.requester_organisation_id,
                organisation_name=row.requester_organisation.name,
                organisation_kind=None,
            ),
        )
        row.export_ids = padded([*members(row.export_ids), str(export.id)])
        self._decided(row, actor, "export_only", approval.note)
        export_id = export.id
        self._after_commit(session, lambda: self.exports.submit(export_id))
        self._announce(session, "export_only", row, [camera.name for camera in cameras], group)
        return row

    def refuse(self, session: Session, actor: Actor, ref: str, reason: str) -> AccessRequest:
        """Refuse, saying why: the requester reads the reason."""
        row = self._decidable(session, actor, ref, "refused")
        if len(reason.strip()) < MIN_REASON:
            raise InvalidInput(
                _("reason: say in at least {count} characters why the request is refused", count=MIN_REASON)
            )
        self._decided(row, actor, "refused", reason)
        self._announce(session, "refused", row, self._names(session, row), None)
        return row

    def withdraw(self, session: Session, actor: Actor, ref: str) -> AccessRequest:
        """The requester (or their team chief) takes back a request that still waits."""
        row = self._found(session, ref)
        own = row is not None and (
            actor.kind is ActorKind.SYSTEM
            or (
                row.requester_organisation_id == actor.organisation_id
                and (row.requester_id == actor.id or actor.role is Role.SUPERVISOR)
            )
        )
        resource = request_resource(row, ref, row.requester_organisation_id if row else None)
        if not own:
            resource = replace(resource, known=False, label=ref[:120], id="")
        purpose = Purpose(PurposeKind(row.purpose), row.justification, row.legal_basis_ref) if row else None
        self.gate.require(session, actor, Action.ASK_ACCESS, resource, purpose, detail={"change": "withdraw"})
        assert row is not None
        if row.state != "pending":
            raise Conflict(_("this request was already decided or withdrawn; it cannot be withdrawn"))
        row.state = "withdrawn"
        row.decided_at = self._clock()
        row.decided_by = actor.name
        session.flush()
        self._announce(session, "withdrawn", row, self._names(session, row), None)
        return row

    # -- helpers ----------------------------------------------------------------------------

    def _check_authorisation(
        self, session: Session, actor: Actor, purpose: Purpose, footage_from: datetime, footage_until: datetime
    ) -> None:
        """The reference of a request for old footage names an authorisation the requester's
        organisation registered, in force, for that footage (the owner's cameras it names are
        weighed again at each look under the grant)."""
        term = self.gate.with_authorisation(session, actor.organisation_id, purpose).authorisation
        now = self._clock()
        if term is None:
            raise InvalidInput(
                _(
                    "legal basis reference: no prosecutor's decision or investigating judge's order '{reference}' "
                    "is registered for your organisation; register it under Judicial authorisations first",
                    reference=purpose.legal_basis_ref.strip()[:120],
                )
            )
        if (term.revoked_at is not None and term.revoked_at <= now) or term.expires_at <= now:
            raise InvalidInput(
                _("legal basis reference: '{reference}' is revoked or expired", reference=term.reference)
            )
        if not term.covers_footage(footage_from, footage_until):
            raise InvalidInput(
                _(
                    "footage: '{reference}' covers footage from {start} to {end} only; ask for a range inside it",
                    reference=term.reference,
                    start=local_text(term.footage_from, self.gate.rules.zone),
                    end=local_text(term.footage_until, self.gate.rules.zone),
                )
            )

    @staticmethod
    def _owner(session: Session, ref: str) -> Organisation:
        ref = ref.strip()
        try:
            found = session.get(Organisation, uuid.UUID(ref))
        except ValueError:
            found = session.scalars(select(Organisation).where(Organisation.name == ref)).first()
        if found is None:
            raise InvalidInput(_("owner: there is no organisation '{name}'", name=ref[:120]))
        return found

    @staticmethod
    def _owned_camera(session: Session, owner: Organisation, ref: str, label: str) -> Camera:
        ref = ref.strip()
        statement = select(Camera).where(Camera.organisation_id == owner.id, Camera.removed_at.is_(None))
        try:
            found = session.scalars(statement.where(Camera.id == uuid.UUID(ref))).first()
        except ValueError:
            found = session.scalars(statement.where(Camera.name == ref)).first()
        if found is None:
            raise InvalidInput(
                _("{field}: {owner} has no camera '{name}'", field=label, owner=owner.name, name=ref[:120])
            )
        return found

    @staticmethod
    def _found(session: Session, ref: str) -> AccessRequest | None:
        try:
            return session.get(AccessRequest, uuid.UUID(ref.strip()))
        except ValueError:
            return None

    def _decidable(self, session: Session, actor: Actor, ref: str, decision: str) -> AccessRequest:
        """The request, once the gate let the actor decide on it (one record); still waiting."""
        row = self._found(session, ref)
        self.gate.require(
            session,
            actor,
            Action.DECIDE_REQUESTS,
            request_resource(row, ref),
            recipient=row.requester_organisation.name if row else "",
            detail={"decision": decision, "case_number": row.case_number if row else ""},
        )
        assert row is not None
        if row.state != "pending":
            raise Conflict(
                _(
                    "this request is no longer waiting for a decision: it is {state}",
                    state=STATE_WORDS.get(row.state, row.state),
                )
            )
        return row

    def _kept_cameras(
        self, session: Session, row: AccessRequest, chosen: Sequence[str]
    ) -> tuple[list[Camera], CameraGroup | None]:
        """The cameras an approval keeps (a subset of those asked, or of the group asked
        for), or the whole group when none are chosen."""
        group = session.get(CameraGroup, row.group_id) if row.group_id else None
        asked = self._group_cameras(session, group) if group else self._asked_cameras(session, row)
        if not chosen:
            return (([] if group else asked), group)
        by_ref = {str(camera.id): camera for camera in asked} | {camera.name: camera for camera in asked}
        kept = []
        for ref in dict.fromkeys(value.strip() for value in chosen):
            if ref not in by_ref:
                raise InvalidInput(
                    _(
                        "cameras: '{name}' was not asked for; an approval may only keep cameras asked for",
                        name=ref[:120],
                    )
                )
            kept.append(by_ref[ref])
        return list(dict.fromkeys(kept)), None

    @staticmethod
    def _asked_cameras(session: Session, row: AccessRequest) -> list[Camera]:
        ids = [uuid.UUID(value) for value in members(row.cameras)]
        found = {camera.id: camera for camera in session.scalars(select(Camera).where(Camera.id.in_(ids))).unique()}
        return sorted((found[i] for i in ids if i in found), key=lambda camera: camera.name)

    @staticmethod
    def _group_cameras(session: Session, group: CameraGroup) -> list[Camera]:
        statement = (
            select(Camera)
            .join(CameraGroupMember, CameraGroupMember.camera_id == Camera.id)
            .where(
                CameraGroupMember.group_id == group.id,
                Camera.organisation_id == group.organisation_id,
                Camera.removed_at.is_(None),
            )
            .order_by(Camera.name)
        )
        return list(session.scalars(statement).unique())

    def _names(self, session: Session, row: AccessRequest) -> list[str]:
        return [camera.name for camera in self._asked_cameras(session, row)]

    @staticmethod
    def _kept_range(row: AccessRequest, approval: Approval) -> tuple[datetime, datetime]:
        start = approval.footage_from or row.footage_from
        end = approval.footage_until or row.footage_until
        if start < row.footage_from:
            raise InvalidInput(_("footage from: choose a moment inside the range asked for, not before it"))
        if end > row.footage_until:
            raise InvalidInput(_("footage until: choose a moment inside the range asked for, not after it"))
        if end <= start:
            raise InvalidInput(_("footage until: choose a moment after the footage start"))
        return start, end

    @staticmethod
    def _acting(actor: Actor, row: AccessRequest) -> Actor:
        """The approver, acting for the owner on the decision the gate just allowed: the grant
        or the export is made in their name (whatever their own rights to grant or export)."""
        return replace(
            actor,
            kind=ActorKind.SYSTEM,
            organisation_id=row.owner_organisation_id,
            organisation_name=row.owner_organisation.name,
        )

    def _decided(self, row: AccessRequest, actor: Actor, state: str, reason: str) -> None:
        row.state = state
        row.decided_at = self._clock()
        row.decided_by = actor.name
        row.decision_reason = reason.strip()[:2000]
        row.requester_seen = False

    def _announce(
        self, session: Session, change: str, row: AccessRequest, cameras: list[str], group: CameraGroup | None
    ) -> None:
        """Publish and POST the change once the transaction that made it is committed."""
        message = {
            "type": "access_request",
            "change": change,
            "id": str(row.id),
            "state": row.state,
            "requester": row.requester_organisation.name,
            "requester_name": row.requester_name,
            "owner": row.owner_organisation.name,
            "cameras": cameras,
            "group": group.name if group else "",
            "rights": members(row.rights),
            "purpose": row.purpose,
            "footage_from": iso_utc(row.footage_from),
            "footage_until": iso_utc(row.footage_until),
            "decided_by": row.decided_by,
            "reason": row.decision_reason,
        }

        def send() -> None:
            self.bus.publish(REQUESTS_TOPIC, message)
            self.webhooks(message)

        self._after_commit(session, send)

    @staticmethod
    def _after_commit(session: Session, job: Callable[[], None]) -> None:
        jobs: list[Callable[[], None]] | None = session.info.get("belfort.requests.after_commit")
        if jobs is None:
            jobs = session.info["belfort.requests.after_commit"] = []

            def run(_session: Session) -> None:
                pending = list(jobs)
                jobs.clear()
                for pending_job in pending:
                    pending_job()

            event.listen(session, "after_commit", run)
            event.listen(session, "after_rollback", lambda _session: jobs.clear())
        jobs.append(job)
