"""Access requests API: asking another organisation for access to its cameras, and its answer.

Thin: asking, listing, approving (as asked, narrower, or as "export only"), refusing and
withdrawing are decided and recorded by `belfort.sharing.requests` through the gate. Times
are UTC, as everywhere in the API.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.cameras.grants import members
from belfort.policy import Actor, Purpose, PurposeKind
from belfort.sharing.requests import Approval, RequestRow, RequestSpec
from belfort.web.deps import current_actor, db_session, get_services
from belfort.web.routes.schemas import PurposeIn, StrictBody, UtcDateTime

router = APIRouter(tags=["sharing"])

Ref = Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]
Word = Annotated[str, StringConstraints(min_length=1, max_length=40, strip_whitespace=True)]
Short = Annotated[str, StringConstraints(max_length=100, strip_whitespace=True)]
RequestId = Annotated[str, StringConstraints(max_length=64)]


class RequestIn(StrictBody):
    owner: Ref
    """The organisation that owns the cameras, by name or id."""
    cameras: Annotated[list[Ref], Field(max_length=100)] = []
    """The owner's cameras, by name or id; or name one `group`."""
    group: Annotated[str, StringConstraints(max_length=120, strip_whitespace=True)] = ""
    rights: Annotated[list[Word], Field(min_length=1, max_length=6)]
    """Any of live, playback, export, ptz, anpr_reads, anpr_hits."""
    footage_from: UtcDateTime
    footage_until: UtcDateTime
    purpose: PurposeIn
    """`legal_basis_ref`: the prosecutor's or investigating judge's decision, required for a
    judicial request reaching back beyond the administrative window (30 days)."""
    case_number: Short
    pv_number: Short = ""
    """Required for a judicial purpose."""


class ApproveIn(StrictBody):
    cameras: Annotated[list[Ref], Field(max_length=100)] = []
    """Keep only these of the cameras asked for; all when empty."""
    rights: Annotated[list[Word], Field(max_length=6)] = []
    """Keep only these of the rights asked for; all when empty."""
    footage_from: UtcDateTime | None = None
    footage_until: UtcDateTime | None = None
    """Inside the range asked for; as asked when left out."""
    valid_until: UtcDateTime | None = None
    """When the grant ends; until revoked when left out."""
    export_only: bool = False
    """Build the signed package for the requester instead of granting access."""
    note: Annotated[str, StringConstraints(max_length=1000, strip_whitespace=True)] = ""


class RefuseIn(StrictBody):
    reason: Annotated[str, StringConstraints(max_length=1000)]


class CameraOut(BaseModel):
    id: str
    name: str


class ApprovedOut(BaseModel):
    grant: str
    camera: str
    group: str
    rights: list[str]
    footage_from: datetime | None
    footage_until: datetime | None
    valid_until: datetime | None
    revoked: bool


class RequestExportOut(BaseModel):
    id: str
    download_url: str | None
    """For the requester only."""


class RequestOut(BaseModel):
    id: str
    state: Literal["pending", "approved", "export_only", "refused", "withdrawn"]
    requester: str
    """The asking organisation."""
    requester_name: str
    owner: str
    cameras: list[CameraOut]
    group: str
    rights: list[str]
    footage_from: datetime
    footage_until: datetime
    purpose: str
    justification: str
    case_number: str
    pv_number: str
    legal_basis_ref: str
    created_at: datetime
    decided_at: datetime | None
    decided_by: str
    decision_reason: str
    approved: list[ApprovedOut]
    """What an approval granted (possibly narrower than asked)."""
    exports: list[RequestExportOut]
    """The packages an "export only" approval built."""


class BadgeOut(BaseModel):
    count: int
    """Requests waiting for your organisation's decision, and your decided requests not yet seen."""


def request_out(row: RequestRow, actor: Actor) -> RequestOut:
    request = row.request
    mine = actor.id is not None and actor.id == request.requester_id
    return RequestOut(
        id=str(request.id),
        state=request.state,
        requester=request.requester_organisation.name,
        requester_name=request.requester_name,
        owner=request.owner_organisation.name,
        cameras=[CameraOut(id=str(camera.id), name=camera.name) for camera in row.cameras],
        group=row.group.name if row.group else "",
        rights=members(request.rights),
        footage_from=request.footage_from,
        footage_until=request.footage_until,
        purpose=request.purpose,
        justification=request.justification,
        case_number=request.case_number,
        pv_number=request.pv_number,
        legal_basis_ref=request.legal_basis_ref,
        created_at=request.created_at,
        decided_at=request.decided_at,
        decided_by=request.decided_by,
        decision_reason=request.decision_reason,
        approved=[
            ApprovedOut(
                grant=str(grant.id),
                camera=grant.camera.name if grant.camera else "",
                group=grant.group.name if grant.group else "",
                rights=members(grant.rights),
                footage_from=grant.footage_from,
                footage_until=grant.footage_until,
                valid_until=grant.valid_until,
                revoked=grant.revoked_at is not None,
            )
            for grant in row.grants
        ],
        exports=[
            RequestExportOut(id=export, download_url=f"/api/evidence/exports/{export}/package" if mine else None)
            for export in members(request.export_ids)
        ],
    )


@router.get("/api/requests", response_model=list[RequestOut], summary="Access requests to or from your organisation")
def list_requests(
    box: Literal["inbox", "outbox"] = "inbox",
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[RequestOut]:
    """`inbox`: requests to your organisation (the owner's side); `outbox`: requests your
    organisation made (an inspector's own), which marks your decided requests as seen."""
    rows = services.requests.outbox(session, actor) if box == "outbox" else services.requests.inbox(session, actor)
    return [request_out(row, actor) for row in rows]


@router.get("/api/requests/badge", response_model=BadgeOut, summary="How many access requests are new for you")
def requests_badge(
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> BadgeOut:
    return BadgeOut(count=services.requests.badge(session, actor))


@router.post(
    "/api/requests",
    response_model=RequestOut,
    status_code=201,
    summary="Ask another organisation for access to its cameras (audited)",
)
def ask_access(
    body: RequestIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> RequestOut:
    row = services.requests.ask(
        session,
        actor,
        RequestSpec(
            owner=body.owner,
            rights=body.rights,
            footage_from=body.footage_from,
            footage_until=body.footage_until,
            purpose=Purpose(PurposeKind(body.purpose.kind), body.purpose.justification, body.purpose.legal_basis_ref),
            cameras=body.cameras,
            group=body.group,
            case_number=body.case_number,
            pv_number=body.pv_number,
        ),
    )
    return request_out(services.requests.described(session, row.id), actor)


@router.post(
    "/api/requests/{request_id}/approve",
    response_model=RequestOut,
    summary="Approve a request to your organisation, as asked, narrower or as export only (audited)",
)
def approve_request(
    request_id: RequestId,
    body: ApproveIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> RequestOut:
    approval = Approval(
        cameras=body.cameras,
        rights=body.rights,
        footage_from=body.footage_from,
        footage_until=body.footage_until,
        valid_until=body.valid_until,
        note=body.note,
    )
    if body.export_only:
        decided = services.requests.approve_export_only(session, actor, request_id, approval).id
    else:
        made = services.requests.approve(session, actor, request_id, approval)
        decided = made[0].request_id if made and made[0].request_id else uuid.UUID(request_id)
    return request_out(services.requests.described(session, decided), actor)


@router.post(
    "/api/requests/{request_id}/refuse",
    response_model=RequestOut,
    summary="Refuse a request to your organisation, saying why (audited)",
)
def refuse_request(
    request_id: RequestId,
    body: RefuseIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> RequestOut:
    row = services.requests.refuse(session, actor, request_id, body.reason)
    return request_out(services.requests.described(session, row.id), actor)


@router.post(
    "/api/requests/{request_id}/withdraw",
    response_model=RequestOut,
    summary="Withdraw a request of yours that still waits (audited)",
)
def withdraw_request(
    request_id: RequestId,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> RequestOut:
    row = services.requests.withdraw(session, actor, request_id)
    return request_out(services.requests.described(session, row.id), actor)
