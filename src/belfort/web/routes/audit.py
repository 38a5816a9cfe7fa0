"""Audit review API: who looked at what and why (supervisors and the DPO); thin over
`belfort.governance.review`, which passes the gate and records the review."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.audit import AuditFilter
from belfort.policy import Actor
from belfort.web.deps import current_actor, db_session, get_services
from belfort.web.routes.common import audit_out
from belfort.web.routes.schemas import BIGINT_MAX, AuditPage, UtcDateTime, VerifyOut

router = APIRouter(prefix="/api/audit", tags=["audit"])

Text = Annotated[str, Query(max_length=200)]


@router.get("", response_model=AuditPage, summary="Review the audit log, newest first")
def list_audit(
    person: Text = "",
    camera: Text = "",
    purpose: Text = "",
    outcome: Literal["", "granted", "refused"] = "",
    action: Text = "",
    since: UtcDateTime | None = None,
    until: UtcDateTime | None = None,
    before_seq: Annotated[int | None, Query(ge=1, le=BIGINT_MAX)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> AuditPage:
    flt = AuditFilter(
        person=person,
        camera=camera,
        purpose=purpose,
        outcome=outcome,
        action=action,
        since=since,
        until=until,
        before_seq=before_seq,
        limit=limit,
    )
    records = services.review.records(session, actor, flt)
    next_before = records[-1].seq if len(records) == limit else None
    return AuditPage(records=[audit_out(r) for r in records], next_before_seq=next_before)


@router.post("/verify", response_model=VerifyOut, summary="Check the whole hash chain")
def verify(
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> VerifyOut:
    result = services.review.verify(session, actor)
    return VerifyOut(
        ok=result.ok,
        count=result.count,
        problem=result.problem,
        bad_record_id=result.bad_record_id,
        head_hash=result.head_hash,
    )
