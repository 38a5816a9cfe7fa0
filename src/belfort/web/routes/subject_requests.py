"""Data-subject requests API: record a request, find its footage, export it blurred, extend
the deadline, answer or refuse.

Thin over `belfort.dpo.subject_requests`, which passes the gate for every step. Times are
UTC; days (receipt, deadline, answer) are days of the site's calendar.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.dpo.models import SubjectRequest
from belfort.dpo.subject_requests import CameraFootage, SubjectRequestService, SubjectRequestSpec
from belfort.evidence.service import ExportItem
from belfort.policy import Actor
from belfort.timeutil import iso_utc
from belfort.web.deps import current_actor, db_session, get_services, release
from belfort.web.rendering import say
from belfort.web.routes.schemas import StrictBody, UtcDateTime

router = APIRouter(tags=["data-subject requests"])

Ref = Annotated[str, StringConstraints(max_length=64)]
Name = Annotated[str, StringConstraints(max_length=200, strip_whitespace=True)]
Text = Annotated[str, StringConstraints(max_length=2000, strip_whitespace=True)]
CameraRef = Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]


class SubjectRequestIn(StrictBody):
    requester_name: Name
    requester_contact: Annotated[str, StringConstraints(max_length=300, strip_whitespace=True)]
    identity_check: Text
    """How the identity was checked, e.g. "ID card seen at the desk": required."""
    identity_checked_by: Name
    received_on: date | None = None
    """The day of receipt; today when left out."""
    period_start: UtcDateTime
    period_end: UtcDateTime
    cameras: Annotated[list[CameraRef], Field(max_length=50)] = []
    """Your organisation's cameras; or give the `place` (street or area) to find them."""
    place: Name = ""
    description: Text = ""


class ExportItemIn(StrictBody):
    camera: CameraRef
    start: UtcDateTime
    end: UtcDateTime


class ExportIn(StrictBody):
    items: Annotated[list[ExportItemIn], Field(min_length=1, max_length=16)]
    """Ranges of the request's cameras inside its period; faces are always blurred."""


class ExtendIn(StrictBody):
    reason: Text
    requester_informed: bool
    """That the requester was told of the extension and its reason (required: GDPR art. 12(3))."""


class AnswerIn(StrictBody):
    outcome: Text
    sent: Text
    answered_on: date | None = None
    """Today when left out."""


class RefuseIn(StrictBody):
    reason: Text


class PackageOut(BaseModel):
    id: str
    state: str
    progress: int
    error: str
    download_url: str | None


class SubjectRequestOut(BaseModel):
    id: str
    reference: str
    status: str
    requester_name: str
    requester_contact: str
    identity_check: str
    identity_checked_by: str
    received_on: date
    due_on: date
    urgency: str | None
    """`ok`, `due_soon` or `overdue` while open; null once closed."""
    period_start: datetime
    period_end: datetime
    place: str
    cameras: list[str]
    description: str
    extension_reason: str
    extended_on: date | None
    closed_on: date | None
    answered_in_time: bool | None
    outcome: str
    sent: str
    packages: list[PackageOut]


class PieceOut(BaseModel):
    start: datetime
    end: datetime
    clip_url: str


class FootageOut(BaseModel):
    camera: str
    granted: bool
    reason: str
    """Why the look was refused ('' when granted)."""
    pieces: list[PieceOut]


def clip_url(footage: CameraFootage, start: datetime, end: datetime) -> str:
    from urllib.parse import urlencode

    query = {"camera": footage.camera_id, "start": iso_utc(start), "end": iso_utc(end), "grant": footage.link}
    return f"/api/recordings/clip?{urlencode(query)}"


def request_out(service: SubjectRequestService, session: Session, row: SubjectRequest) -> SubjectRequestOut:
    urgency = service.urgency_of(row)
    return SubjectRequestOut(
        id=str(row.id),
        reference=row.reference,
        status=row.status,
        requester_name=row.requester_name,
        requester_contact=row.requester_contact,
        identity_check=row.identity_check,
        identity_checked_by=row.identity_checked_by,
        received_on=row.received_on,
        due_on=row.due_on,
        urgency=urgency.value if urgency else None,
        period_start=row.period_start,
        period_end=row.period_end,
        place=row.place,
        cameras=[camera.name for camera in service.cameras_of(session, row)],
        description=row.description,
        extension_reason=row.extension_reason,
        extended_on=row.extended_on,
        closed_on=row.closed_on,
        answered_in_time=row.closed_on <= row.due_on if row.closed_on else None,
        outcome=row.outcome,
        sent=row.sent,
        packages=[
            PackageOut(
                id=str(export.id),
                state=export.state,
                progress=export.progress,
                error=export.error,
                download_url=f"/api/subject-requests/{row.id}/exports/{export.id}/package"
                if export.state == "ready"
                else None,
            )
            for export in service.exports_of(session, row)
        ],
    )


@router.get("/api/subject-requests", response_model=list[SubjectRequestOut], summary="Your organisation's requests")
def list_requests(
    open: bool = False,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[SubjectRequestOut]:
    """Open requests first, by deadline; `open=true` leaves the answered and refused out."""
    service = services.subject_requests
    return [request_out(service, session, row) for row in service.listed(session, actor, open)]


@router.post(
    "/api/subject-requests",
    response_model=SubjectRequestOut,
    status_code=201,
    summary="Record a data-subject request whose requester's identity was checked (audited)",
)
def record_request(
    body: SubjectRequestIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> SubjectRequestOut:
    spec = SubjectRequestSpec(
        requester_name=body.requester_name,
        requester_contact=body.requester_contact,
        identity_check=body.identity_check,
        identity_checked_by=body.identity_checked_by,
        period_start=body.period_start,
        period_end=body.period_end,
        received_on=body.received_on,
        cameras=body.cameras,
        place=body.place,
        description=body.description,
    )
    row = services.subject_requests.record(session, actor, spec)
    return request_out(services.subject_requests, session, row)


@router.get("/api/subject-requests/{ref}", response_model=SubjectRequestOut, summary="One request, by id or reference")
def get_request(
    ref: Ref,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> SubjectRequestOut:
    return request_out(services.subject_requests, session, services.subject_requests.get(session, actor, ref))


@router.post(
    "/api/subject-requests/{ref}/footage",
    response_model=list[FootageOut],
    summary="Look at the footage of the request's cameras in its period (one audited decision per camera)",
)
def find_footage(
    request: Request,
    ref: Ref,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[FootageOut]:
    found = services.subject_requests.find(session, actor, ref)
    return [
        FootageOut(
            camera=footage.camera,
            granted=not footage.refused,
            reason=say(request, footage.refused) if footage.refused else "",
            pieces=[PieceOut(start=s, end=e, clip_url=clip_url(footage, s, e)) for s, e in footage.pieces],
        )
        for footage in found
    ]


@router.post(
    "/api/subject-requests/{ref}/exports",
    response_model=SubjectRequestOut,
    status_code=202,
    summary="Export ranges of the request's footage with faces blurred, for the requester (audited)",
)
def export_footage(
    ref: Ref,
    body: ExportIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> SubjectRequestOut:
    items = [ExportItem(item.camera, item.start, item.end) for item in body.items]
    export = services.subject_requests.export(session, actor, ref, items)
    session.commit()
    services.exports.submit(export.id)
    return request_out(services.subject_requests, session, services.subject_requests.get(session, actor, ref))


@router.post(
    "/api/subject-requests/{ref}/extend",
    response_model=SubjectRequestOut,
    summary="Extend the deadline once by the further months the law allows (audited)",
)
def extend_request(
    ref: Ref,
    body: ExtendIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> SubjectRequestOut:
    row = services.subject_requests.extend(session, actor, ref, body.reason, body.requester_informed)
    return request_out(services.subject_requests, session, row)


@router.post(
    "/api/subject-requests/{ref}/answer",
    response_model=SubjectRequestOut,
    summary="Close the request with the answer given and what was sent (audited)",
)
def answer_request(
    ref: Ref,
    body: AnswerIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> SubjectRequestOut:
    row = services.subject_requests.answer(session, actor, ref, body.outcome, body.sent, body.answered_on)
    return request_out(services.subject_requests, session, row)


@router.post(
    "/api/subject-requests/{ref}/refuse",
    response_model=SubjectRequestOut,
    summary="Close the request as refused, with the reason the requester is given (audited)",
)
def refuse_request(
    ref: Ref,
    body: RefuseIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> SubjectRequestOut:
    row = services.subject_requests.refuse(session, actor, ref, body.reason)
    return request_out(services.subject_requests, session, row)


@router.get(
    "/api/subject-requests/{ref}/exports/{export_id}/package",
    summary="Download a package built for the request, to send to the requester (audited)",
    response_class=FileResponse,
)
def download_package(
    ref: Ref,
    export_id: Ref,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> FileResponse:
    row, path = services.subject_requests.package(session, actor, ref, export_id)
    release(session)
    return FileResponse(path, media_type="application/zip", filename=row.file_name)
