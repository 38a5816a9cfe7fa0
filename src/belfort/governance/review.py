"""The audit review: records of the log, the streams open now, and the chain's integrity.

A team chief reviews the people of their own organisation, the data protection officer
everyone's (`audit_review_scope`). Each review (a page of records, the list of streams
open now, or both on the audit page) is one consultation: one decision of the gate, one
audit record with the filter used. Verifying the chain is the DPO's and the
administrator's; it reads no one's records, but it too is recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from belfort.audit import AuditFilter, AuditLog, VerifyResult, verify_chain
from belfort.audit.models import AuditRecord
from belfort.media.live import Watching
from belfort.policy import Action, Actor, PolicyGate, Resource, ResourceKind, audit_review_scope
from belfort.viewing.live import LiveViewing


@dataclass(frozen=True)
class Review:
    records: Sequence[AuditRecord]
    watching: list[tuple[Watching, str]]
    """Streams open now with their camera names, within the reviewer's scope."""


class AuditReview:
    def __init__(self, gate: PolicyGate, audit: AuditLog, live: LiveViewing) -> None:
        self.gate = gate
        self.audit = audit
        self.live = live

    def _review(self, session: Session, actor: Actor, what: str, detail: dict[str, object]) -> str:
        scope = audit_review_scope(actor)
        self.gate.require(
            session,
            actor,
            Action.REVIEW_AUDIT,
            Resource(ResourceKind.AUDIT_LOG, what, "streams open now" if what == "live" else "audit log"),
            detail={**detail, "scope": scope or "all organisations"},
        )
        return scope

    def records(self, session: Session, actor: Actor, flt: AuditFilter) -> Sequence[AuditRecord]:
        """The records a reviewer asked for, within what they may see."""
        scope = self._review(session, actor, "audit", {"filter": flt.describe()})
        return self.audit.query(session, replace(flt, organisation_id=scope, uses_of=scope))

    def watching(self, session: Session, actor: Actor) -> list[tuple[Watching, str]]:
        """Who watches which camera live now, and why."""
        scope = self._review(session, actor, "live", {})
        return self.live.streams_open(session, scope)

    def page(self, session: Session, actor: Actor, flt: AuditFilter) -> Review:
        """The audit page: records and the streams open now, as one review."""
        scope = self._review(session, actor, "audit", {"filter": flt.describe(), "with": "streams open now"})
        return Review(
            self.audit.query(session, replace(flt, organisation_id=scope, uses_of=scope)),
            self.live.streams_open(session, scope),
        )

    def verify(self, session: Session, actor: Actor) -> VerifyResult:
        """Walk the whole hash chain (DPO and administrators)."""
        self.gate.require(session, actor, Action.VERIFY_AUDIT, Resource(ResourceKind.AUDIT_LOG, "audit", "audit log"))
        return verify_chain(session)
