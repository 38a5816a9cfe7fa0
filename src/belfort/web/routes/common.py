"""Helpers the route modules share: running a gated look, settling a failed form, shaping answers."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.audit import AuditFilter
from belfort.audit.chain import decode_resources
from belfort.audit.models import AuditRecord
from belfort.auth.models import ApiToken, Organisation, User
from belfort.errors import BelfortError, Refusal
from belfort.policy import Action, Actor, Decision, Purpose, Resource, ResourceKind, audit_review_scope
from belfort.web.routes.schemas import AuditRecordOut, OrganisationOut, TokenOut, UserOut


def settle(session: Session, error: BelfortError) -> None:
    """After a form's action failed: keep a refusal's audit record, undo anything else."""
    if isinstance(error, Refusal):
        session.commit()
    else:
        session.rollback()


def enforce(
    services: Services,
    session: Session,
    actor: Actor,
    action: Action,
    resource: Resource,
    purpose: Purpose | None = None,
    detail: Mapping[str, object] | None = None,
) -> Decision:
    """Pass the gate or raise Forbidden (a Refusal: the audit record is still committed)."""
    return services.gate.require(session, actor, action, resource, purpose, detail=detail)


def review_audit(services: Services, session: Session, actor: Actor, flt: AuditFilter) -> list[AuditRecord]:
    """The records a reviewer asked for, within what they may see; the review is audited."""
    scope = audit_review_scope(actor)
    enforce(
        services,
        session,
        actor,
        Action.REVIEW_AUDIT,
        Resource(ResourceKind.AUDIT_LOG, "audit", "audit log"),
        detail={"filter": flt.describe(), "scope": scope or "all organisations"},
    )
    scoped = AuditFilter(**{**flt.__dict__, "organisation_id": scope})
    return list(services.audit.query(session, scoped))


def audit_out(record: AuditRecord) -> AuditRecordOut:
    return AuditRecordOut(
        id=str(record.id),
        seq=record.seq,
        ts_utc=record.ts_utc,
        op=record.op,
        action=record.action,
        outcome=record.outcome,
        actor_name=record.actor_name,
        role=record.role,
        organisation=record.organisation_name,
        purpose=record.purpose,
        justification=record.justification,
        legal_basis_ref=record.legal_basis_ref,
        resources=[ref.as_dict() for ref in decode_resources(record.resources)],
        range_start=record.range_start,
        range_end=record.range_end,
        recipient=record.recipient,
        reason=record.reason,
        detail=record.detail,
        prev_hash=record.prev_hash,
        hash=record.hash,
    )


def organisation_out(org: Organisation) -> OrganisationOut:
    return OrganisationOut(id=str(org.id), name=org.name, kind=org.kind, created_at=org.created_at)


def user_out(user: User, services: Services) -> UserOut:
    return UserOut(
        id=str(user.id),
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        organisation=user.organisation.name,
        active=user.active,
        throttled_until=user.throttled_until(services.clock()),
        created_at=user.created_at,
        last_login_at=user.last_login_at,
    )


def token_out(token: ApiToken) -> TokenOut:
    return TokenOut(
        id=str(token.id),
        name=token.name,
        organisation=token.organisation.name,
        scopes=token.scopes.split(),
        prefix=token.prefix,
        created_at=token.created_at,
        expires_at=token.expires_at,
        revoked_at=token.revoked_at,
        last_used_at=token.last_used_at,
    )
