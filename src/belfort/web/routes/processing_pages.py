"""The register of processing activities page: the register drawn from the platform, the
DPO's free-text parts with their history, and the cameras' declarations with reminders.

Thin over `belfort.transparency.processing`, which passes the gate. Forms answer with a
redirect (post/redirect/get); bad input draws the page again with the message. The document
is downloaded from the API (`/api/processing-register/document`).
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.auth.models import Organisation
from belfort.auth.service import Identity
from belfort.i18n import _
from belfort.policy import Action, Role, may
from belfort.transparency.processing import DECLARATION_STATES, FREE_TEXTS
from belfort.web.deps import current_identity, db_session, get_services
from belfort.web.rendering import render, say
from belfort.web.routes.common import form_day, page_form

router = APIRouter(include_in_schema=False)

Short = Annotated[str, Form(max_length=200)]


def _page(
    request: Request,
    services: Services,
    session: Session,
    identity: Identity,
    organisation: str = "",
    status_code: int = 200,
    values: dict[str, Any] | None = None,
    error: str = "",
) -> HTMLResponse:
    actor = identity.actor
    organisations: list[str] = []
    if actor.role is Role.AUDITOR:
        organisations = list(session.scalars(select(Organisation.name).order_by(Organisation.name)))
    view = None
    if actor.role is not Role.AUDITOR or organisation:
        view = services.processing_register.read(session, actor, organisation)
    return render(
        request,
        "processing.html",
        status_code=status_code,
        view=view,
        organisation=organisation,
        organisations=organisations,
        may_edit=may(actor, Action.EDIT_PROCESSING_REGISTER),
        free_texts=FREE_TEXTS,
        states=DECLARATION_STATES,
        values=values or {},
        error=say(request, error) if error else "",
    )


@router.get("/processing")
def processing_page(
    request: Request,
    organisation: Annotated[str, Query(max_length=200)] = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    return _page(request, services, session, identity, organisation)


_form = partial(page_form, _page, "/processing")


@router.post("/processing/texts")
def processing_text(
    request: Request,
    section: Annotated[str, Form(max_length=40)] = "",
    text: Annotated[str, Form(max_length=5000)] = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    def change() -> str:
        services.processing_register.edit(session, identity.actor, section, text)
        return _("Saved; the earlier text is kept in the history.")

    return _form(request, services, session, identity, change, {"section": section, "text": text})


@router.post("/processing/declarations")
def processing_declaration(
    request: Request,
    camera: Short = "",
    reference: Short = "",
    validated_on: Annotated[str, Form(max_length=40)] = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    def change() -> str:
        day = form_day(validated_on, _("Validated on"))
        services.processing_register.declare(session, identity.actor, camera, reference, day)
        return _("Declaration of {camera} recorded.", camera=camera)

    values = {"camera": camera, "reference": reference, "validated_on": validated_on}
    return _form(request, services, session, identity, change, values)
