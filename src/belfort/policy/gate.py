"""The gate every look passes: decide, then record.

`PolicyGate.authorize` is the single entry point the services call before showing or
releasing images, plates, reads or logs, and before every change an administrator makes.
It returns the Decision; `require` is the same decision for a caller that stops on a
refusal: it raises Forbidden (403), or Unseen (404) when the person may not even learn
that the resource exists (another organisation's, another person's, or none at all).
Every refusal leaves exactly one audit record, and so does every grant of an action that
consults images, plates or logs (`ActionSpec.records_grants`). Records are written in
the caller's session; a refusal is a `Refusal`, which the session commits, so refusals
are kept although no action follows. `require_function` asks only whether the actor's
role may use a function at all (a page), recording a refusal; `record` adds what happened
after a granted look (a live stream closed). A purpose that cites a judicial reference
gets the terms of the registered authorisation it names (`AuthorisationFinder`, wired in
by the composition root) before the rules weigh it, whichever service asks. Nothing here
talks HTTP.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import NoReturn, Protocol

from sqlalchemy.orm import Session

from belfort.audit import AuditEntry, AuditLog, ResourceRef
from belfort.errors import Forbidden, Refusal, Unseen
from belfort.policy.model import (
    Action,
    Actor,
    ActorKind,
    AuthorisationTerm,
    Decision,
    Purpose,
    Resource,
    ResourceKind,
)
from belfort.policy.rules import (
    ACTIONS,
    UNSEEN_RULES,
    PolicyRules,
    decide,
    decide_function,
    decide_reach,
    operation_of,
)
from belfort.timeutil import Clock, utcnow


def actor_fields(actor: Actor) -> dict[str, str]:
    """The audit columns that say who acted."""
    return {
        "actor_id": str(actor.id) if actor.id else "",
        "actor_name": actor.name,
        "role": actor.role.value if actor.role else actor.kind.value,
        "organisation_id": str(actor.organisation_id) if actor.organisation_id else "",
        "organisation_name": actor.organisation_name,
    }


def resource_refs(resource: Resource) -> tuple[ResourceRef, ...]:
    first = ResourceRef(resource.kind.value, resource.id, resource.label)
    return (first, *(ResourceRef(kind, rid, label) for kind, rid, label in resource.extra_ids))


def with_owner(actor: Actor, resource: Resource, grant: str = "") -> Resource:
    """`resource` naming its owner (and the grant used) when the actor is of another
    organisation: the record is then part of the owner's "use of my cameras" too."""
    owner = resource.owner_organisation_id
    if owner is None or owner == actor.organisation_id or actor.kind is ActorKind.SYSTEM:
        return resource
    extra = (("organisation", str(owner), resource.owner_name),) + ((("grant", grant, ""),) if grant else ())
    return replace(resource, extra_ids=resource.extra_ids + extra)


def _refusal(decision: Decision) -> Refusal:
    """The error a refused decision is answered with: not found when the person may not learn
    the resource exists, else forbidden with what would be needed."""
    if decision.rule in UNSEEN_RULES:
        return Unseen(decision.reason)
    return Forbidden(decision.reason, needs=decision.needs)


class AuthorisationFinder(Protocol):
    """Finds the judicial authorisation an organisation registered under a reference."""

    def __call__(self, session: Session, organisation_id: uuid.UUID, reference: str) -> AuthorisationTerm | None: ...


class PolicyGate:
    def __init__(
        self,
        audit: AuditLog,
        rules: PolicyRules,
        clock: Clock = utcnow,
        authorisations: AuthorisationFinder | None = None,
    ) -> None:
        self.audit = audit
        self.rules = rules
        self._clock = clock
        self._authorisations = authorisations

    def with_authorisation(self, session: Session, organisation_id: uuid.UUID | None, purpose: Purpose) -> Purpose:
        """`purpose` with the terms of the authorisation its reference names in the
        organisation (none when no registered authorisation answers to it). A service that
        acts for another organisation's case (an owner exporting for a requester) attaches
        them itself; otherwise the gate looks in the asker's organisation."""
        reference = purpose.legal_basis_ref.strip()
        if not reference or organisation_id is None or self._authorisations is None:
            return purpose
        return replace(purpose, authorisation=self._authorisations(session, organisation_id, reference))

    def _attached(self, session: Session, actor: Actor, resource: Resource, purpose: Purpose | None) -> Purpose | None:
        if purpose is None or purpose.authorisation is not None:
            return purpose
        return self.with_authorisation(session, actor.organisation_id or resource.owner_organisation_id, purpose)

    def authorize(
        self,
        session: Session,
        actor: Actor,
        action: Action,
        resource: Resource,
        purpose: Purpose | None = None,
        *,
        recipient: str = "",
        detail: Mapping[str, object] | None = None,
        available: Callable[[], Refusal | None] | None = None,
    ) -> Decision:
        """Decide and record the decision; a granted record is the consultation's audit trail.

        `available`, asked only once the rules grant, says why the resource cannot be served
        after all (nothing recorded in the range, a camera not streaming): the decision becomes
        a refusal for that reason, so the attempt is recorded without telling anyone who may
        not look whether there is anything to see."""
        decision, _ = self._decided(session, actor, action, resource, purpose, recipient, detail, available)
        return decision

    def require(
        self,
        session: Session,
        actor: Actor,
        action: Action,
        resource: Resource,
        purpose: Purpose | None = None,
        *,
        recipient: str = "",
        detail: Mapping[str, object] | None = None,
        available: Callable[[], Refusal | None] | None = None,
    ) -> Decision:
        """`authorize`, raising on a refusal: Unseen when the resource may not even be
        confirmed to exist, the `available` problem when there is nothing to serve, else
        Forbidden with the decision's reason and what would be needed."""
        decision, problem = self._decided(session, actor, action, resource, purpose, recipient, detail, available)
        if decision.granted:
            return decision
        raise problem if problem is not None else _refusal(decision)

    def _decided(
        self,
        session: Session,
        actor: Actor,
        action: Action,
        resource: Resource,
        purpose: Purpose | None,
        recipient: str,
        detail: Mapping[str, object] | None,
        available: Callable[[], Refusal | None] | None,
    ) -> tuple[Decision, Refusal | None]:
        purpose = self._attached(session, actor, resource, purpose)
        decision = decide(actor, action, resource, purpose, self.rules, self._clock())
        problem = available() if decision.granted and available is not None else None
        if problem is not None:
            decision = Decision(False, action, "unavailable", problem.message, grant=decision.grant)
        term = purpose.authorisation if purpose else None
        if term is not None:
            detail = {**(detail or {}), "authorisation": f"{term.kind.value} {term.id}"}
        if not decision.granted or ACTIONS[action].records_grants:
            self.record(
                session,
                actor,
                action,
                with_owner(actor, resource, decision.grant),
                purpose,
                outcome=decision.outcome,
                reason=decision.reason,
                recipient=recipient,
                detail=detail if decision.granted else {**(detail or {}), "rule": decision.rule},
            )
        return decision, problem

    def refuse(
        self,
        session: Session,
        actor: Actor,
        action: Action,
        resource: Resource,
        problem: Refusal,
        *,
        detail: Mapping[str, object] | None = None,
    ) -> NoReturn:
        """Record and raise a refusal a service establishes from a proof the rules do not see:
        a signed link that is forged, expired, of another kind or someone else's."""
        self.record(
            session,
            actor,
            action,
            resource,
            outcome="refused",
            reason=problem.message,
            detail={**(detail or {}), "rule": "link"},
        )
        raise problem

    def require_reach(self, session: Session, actor: Actor, action: Action, resource: Resource) -> None:
        """Whether the actor may reach `resource` for `action` (role, existence, whose it is),
        before an operation that takes its own decision: a refusal is recorded and raised,
        a grant is not recorded (the operation's decision is)."""
        decision = decide_reach(actor, action, resource, self._clock(), self.rules.zone)
        if not decision.granted:
            self._record_refusal(session, actor, decision, with_owner(actor, resource))
            raise _refusal(decision)

    def require_function(self, session: Session, actor: Actor, where: str, *actions: Action) -> None:
        """Whether the actor's role may use one of `actions` at all (open the page `where`),
        raising Forbidden on a refusal, which is recorded; a grant is not (nothing was looked at)."""
        decisions = [decide_function(actor, action) for action in actions]
        if any(decision.granted for decision in decisions):
            return
        self._record_refusal(session, actor, decisions[0], Resource(ResourceKind.PAGE, where, where))
        raise Forbidden(decisions[0].reason)

    def _record_refusal(self, session: Session, actor: Actor, decision: Decision, resource: Resource) -> None:
        self.record(
            session,
            actor,
            decision.action,
            resource,
            outcome=decision.outcome,
            reason=decision.reason,
            detail={"rule": decision.rule},
        )

    def record(
        self,
        session: Session,
        actor: Actor,
        action: Action | str,
        resource: Resource,
        purpose: Purpose | None = None,
        *,
        outcome: str,
        reason: str,
        recipient: str = "",
        detail: Mapping[str, object] | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> None:
        """Append one audit record about `actor` and `resource`: a decision, or what became
        of a granted look (a stream that ended, with how long it lasted)."""
        name = action.value if isinstance(action, Action) else action
        op = operation_of(action).value if isinstance(action, Action) else "consult"
        self.audit.append(
            session,
            AuditEntry(
                op=op,
                action=name,
                outcome=outcome,
                purpose=purpose.kind.value if purpose else "",
                justification=purpose.justification if purpose else "",
                legal_basis_ref=purpose.legal_basis_ref if purpose else "",
                resources=resource_refs(resource),
                range_start=start or resource.start,
                range_end=end or resource.end,
                recipient=recipient,
                reason=reason,
                detail=json.dumps(dict(detail), sort_keys=True, default=str) if detail else "",
                **actor_fields(actor),
            ),
        )
