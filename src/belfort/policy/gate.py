"""The gate every look passes: decide, then write exactly one audit record.

`PolicyGate.authorize` is the single entry point capabilities call before showing or
releasing images, plates, reads or logs. It never raises for a refusal: it returns the
Decision, whose reason the UI shows. `PolicyGate.require` is the same decision for a
caller that stops on a refusal: it raises Forbidden with the reason and what is needed.
The audit record is written in the caller's session; on a refusal the caller commits
that session before answering (Forbidden is a Refusal, which the session commits), so
refusals are kept even though no action follows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy.orm import Session

from belfort.audit import AuditEntry, AuditLog, ResourceRef
from belfort.errors import Forbidden
from belfort.policy.model import Action, Actor, Decision, Purpose, Resource
from belfort.policy.rules import PolicyRules, decide, operation_of
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


class PolicyGate:
    def __init__(self, audit: AuditLog, rules: PolicyRules, clock: Clock = utcnow) -> None:
        self.audit = audit
        self.rules = rules
        self._clock = clock

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
    ) -> Decision:
        """Decide and record the decision; the record is the consultation's audit trail."""
        decision = decide(actor, action, resource, purpose, self.rules, self._clock())
        self.audit.append(
            session,
            AuditEntry(
                op=operation_of(action).value,
                action=action.value,
                outcome=decision.outcome,
                purpose=purpose.kind.value if purpose else "",
                justification=purpose.justification if purpose else "",
                legal_basis_ref=purpose.legal_basis_ref if purpose else "",
                resources=resource_refs(resource),
                range_start=resource.start,
                range_end=resource.end,
                recipient=recipient,
                reason=decision.reason,
                detail=json.dumps(dict(detail), sort_keys=True, default=str) if detail else "",
                **actor_fields(actor),
            ),
        )
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
    ) -> Decision:
        """`authorize`, raising Forbidden (with the decision's reason and needs) on a refusal."""
        decision = self.authorize(session, actor, action, resource, purpose, recipient=recipient, detail=detail)
        if not decision.granted:
            raise Forbidden(decision.reason, needs=decision.needs)
        return decision
