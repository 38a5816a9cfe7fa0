"""Data-subject request pages: the list with the deadlines and the form to record a request;
one request with its footage, its packages, the extension, the answer or the refusal.

Thin over `belfort.dpo.subject_requests`, which passes the gate for every step. Finding the
footage is a look, so its POST shows the footage directly (a reload is a new, recorded
look); the other forms answer with a redirect. Times are typed and shown in the site's zone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.auth.service import Identity
from belfort.dpo.subject_requests import STATUS_WORDS, CameraFootage, SubjectRequestSpec
from belfort.errors import BelfortError
from belfort.evidence.service import STATE_NAMES, ExportItem
from belfort.i18n import _
from belfort.web.deps import current_identity, db_session, get_services
from belfort.web.rendering import render, say
from belfort.web.routes.common import apply_form, form_day, form_time

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=2000)]
Short = Annotated[str, Form(max_length=300)]
Moment = Annotated[str, Form(max_length=40)]
Words = Annotated[list[str], Form(max_length=50)]
RECORD_FORM: dict[str, Any] = {
    "requester_name": "",
    "requester_contact": "",
    "identity_check": "",
    "identity_checked_by": "",
    "received_on": "",
    "period_start": "",
    "period_end": "",
    "cameras": [],
    "place": "",
    "description": "",
}


def _list_page(
    request: Request,
    services: Services,
    session: Session,
    identity: Identity,
    status_code: int = 200,
    values: dict[str, Any] | None = None,
    error: str = "",
) -> HTMLResponse:
    actor = identity.actor
    service = services.subject_requests
    rows = service.listed(session, actor)
    cameras = [c for c in services.cameras.visible(session, actor) if c.organisation_id == actor.organisation_id]
    return render(
        request,
        "subject_requests.html",
        status_code=status_code,
        rows=rows,
        urgency_of=service.urgency_of,
        status_words=STATUS_WORDS,
        cameras=cameras,
        settings=services.settings.dpo,
        values={**RECORD_FORM, **(values or {})},
        error=say(request, error) if error else "",
    )


@router.get("/subject-requests")
def subject_requests_page(
    request: Request,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    return _list_page(request, services, session, identity)


@router.post("/subject-requests")
def subject_requests_record(
    request: Request,
    requester_name: Short = "",
    requester_contact: Short = "",
    identity_check: Text = "",
    identity_checked_by: Short = "",
    received_on: Moment = "",
    period_start: Moment = "",
    period_end: Moment = "",
    cameras: Words = [],  # noqa: B006 - FastAPI copies defaults
    place: Short = "",
    description: Text = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    values = {
        "requester_name": requester_name,
        "requester_contact": requester_contact,
        "identity_check": identity_check,
        "identity_checked_by": identity_checked_by,
        "received_on": received_on,
        "period_start": period_start,
        "period_end": period_end,
        "cameras": cameras,
        "place": place,
        "description": description,
    }
    zone = services.settings.zone
    made: dict[str, str] = {}

    def change() -> str:
        spec = SubjectRequestSpec(
            requester_name=requester_name,
            requester_contact=requester_contact,
            identity_check=identity_check,
            identity_checked_by=identity_checked_by,
            received_on=form_day(received_on, _("Received on")) if received_on.strip() else None,
            period_start=form_time(period_start, _("Period from"), zone),
            period_end=form_time(period_end, _("Period until"), zone),
            cameras=cameras,
            place=place,
            description=description,
        )
        row = services.subject_requests.record(session, identity.actor, spec)
        made["id"] = str(row.id)
        return _("Request {reference} recorded: answer by {day}.", reference=row.reference, day=row.due_on.isoformat())

    def failed(exc: BelfortError) -> Response:
        return _list_page(
            request, services, session, identity, status_code=exc.status_code, values=values, error=exc.message
        )

    response = apply_form(request, session, change, failed, "/subject-requests")
    if "id" in made:
        response.headers["location"] = f"/subject-requests/{made['id']}"
    return response


def _one_page(
    request: Request,
    services: Services,
    session: Session,
    identity: Identity,
    ref: str,
    status_code: int = 200,
    found: list[CameraFootage] | None = None,
    values: dict[str, Any] | None = None,
    error: str = "",
) -> HTMLResponse:
    service = services.subject_requests
    row = service.get(session, identity.actor, ref)
    return render(
        request,
        "subject_request.html",
        status_code=status_code,
        row=row,
        urgency=service.urgency_of(row),
        status_words=STATUS_WORDS,
        export_states=STATE_NAMES,
        cameras=service.cameras_of(session, row),
        packages=service.exports_of(session, row),
        found=found,
        values=values or {},
        error=say(request, error) if error else "",
    )


@router.get("/subject-requests/{ref}")
def subject_request_page(
    request: Request,
    ref: str,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    return _one_page(request, services, session, identity, ref[:64])


@router.post("/subject-requests/{ref}/footage")
def subject_request_footage(
    request: Request,
    ref: str,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    found = services.subject_requests.find(session, identity.actor, ref[:64])
    session.commit()
    return _one_page(request, services, session, identity, ref[:64], found=found)


def _change(
    request: Request,
    services: Services,
    session: Session,
    identity: Identity,
    ref: str,
    change: Callable[[], str],
    values: dict[str, Any],
    after: Callable[[], None] | None = None,
) -> Response:
    def failed(exc: BelfortError) -> Response:
        return _one_page(
            request, services, session, identity, ref, status_code=exc.status_code, values=values, error=exc.message
        )

    return apply_form(request, session, change, failed, f"/subject-requests/{ref}", after)


@router.post("/subject-requests/{ref}/exports")
def subject_request_export(
    request: Request,
    ref: str,
    cameras: Words = [],  # noqa: B006 - FastAPI copies defaults
    start: Moment = "",
    end: Moment = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    zone = services.settings.zone
    queued: list[Any] = []

    def change() -> str:
        first, last = form_time(start, _("From"), zone), form_time(end, _("Until"), zone)
        items = [ExportItem(camera, first, last) for camera in cameras]
        queued.append(services.subject_requests.export(session, identity.actor, ref[:64], items).id)
        return _("The package is being built, with every face blurred.")

    def after() -> None:
        services.exports.submit(queued[0])

    values = {"cameras": cameras, "start": start, "end": end}
    return _change(request, services, session, identity, ref[:64], change, values, after)


@router.post("/subject-requests/{ref}/extend")
def subject_request_extend(
    request: Request,
    ref: str,
    reason: Text = "",
    requester_informed: Annotated[str, Form(max_length=10)] = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    def change() -> str:
        row = services.subject_requests.extend(session, identity.actor, ref[:64], reason, requester_informed == "yes")
        return _("Deadline extended to {day}.", day=row.due_on.isoformat())

    return _change(request, services, session, identity, ref[:64], change, {"extend_reason": reason})


@router.post("/subject-requests/{ref}/answer")
def subject_request_answer(
    request: Request,
    ref: str,
    outcome: Text = "",
    sent: Text = "",
    answered_on: Moment = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    def change() -> str:
        day = form_day(answered_on, _("Answered on")) if answered_on.strip() else None
        services.subject_requests.answer(session, identity.actor, ref[:64], outcome, sent, day)
        return _("Request answered and closed.")

    values = {"outcome": outcome, "sent": sent, "answered_on": answered_on}
    return _change(request, services, session, identity, ref[:64], change, values)


@router.post("/subject-requests/{ref}/refuse")
def subject_request_refuse(
    request: Request,
    ref: str,
    reason: Text = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    def change() -> str:
        services.subject_requests.refuse(session, identity.actor, ref[:64], reason)
        return _("Request refused and closed.")

    return _change(request, services, session, identity, ref[:64], change, {"refuse_reason": reason})
