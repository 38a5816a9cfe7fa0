"""Register of processing activities API: read it, download it, edit its free-text parts and
record the cameras' declarations.

Thin over `belfort.transparency.processing`, which passes the gate for every reading and
change; the document is written by `belfort.transparency.processing_document`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, StringConstraints
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.policy import Actor
from belfort.transparency.processing import ProcessingRegisterView
from belfort.transparency.processing_document import markdown, pdf
from belfort.web.deps import current_actor, db_session, get_services
from belfort.web.rendering import language_of, say
from belfort.web.routes.schemas import StrictBody

router = APIRouter(tags=["processing register"])

Organisation = Annotated[str, Query(max_length=200)]
Section = Annotated[str, StringConstraints(max_length=40)]
CameraRef = Annotated[str, StringConstraints(max_length=120)]


class SectionOut(BaseModel):
    key: str
    title: str
    items: list[str]
    """What the platform says, drawn from its data."""
    text_key: str
    """The free-text part the DPO may edit here ('' when none)."""
    text: str


class CameraEntryOut(BaseModel):
    id: str
    name: str
    kind: str
    regime: str
    place: str
    retention_max_days: int
    retention_min_days: int
    council_consent_ref: str
    declaration_ref: str
    validated_on: date | None
    next_validation: date | None
    state: Literal["ok", "due_soon", "overdue", "missing", "not_required"]


class EditOut(BaseModel):
    section: str
    old_text: str
    new_text: str
    edited_at: datetime
    edited_by: str


class RegisterOut(BaseModel):
    organisation: str
    generated_at: datetime
    sections: list[SectionOut]
    cameras: list[CameraEntryOut]
    history: list[EditOut]


class TextIn(StrictBody):
    text: Annotated[str, StringConstraints(max_length=5000)]


class DeclarationIn(StrictBody):
    reference: Annotated[str, StringConstraints(max_length=200, strip_whitespace=True)]
    validated_on: date
    """The day the declaration was made or last validated (the site's calendar)."""


class DeclarationOut(BaseModel):
    camera: str
    reference: str
    validated_on: date


def register_out(request: Request, view: ProcessingRegisterView) -> RegisterOut:
    return RegisterOut(
        organisation=view.organisation,
        generated_at=view.generated_at,
        sections=[
            SectionOut(
                key=section.key,
                title=say(request, section.title),
                items=[say(request, item) for item in section.items],
                text_key=section.text_key,
                text=section.text,
            )
            for section in view.sections
        ],
        cameras=[
            CameraEntryOut(
                id=camera.id,
                name=camera.name,
                kind=camera.kind,
                regime=camera.regime,
                place=camera.place,
                retention_max_days=camera.retention_max_days,
                retention_min_days=camera.retention_min_days,
                council_consent_ref=camera.council_consent_ref,
                declaration_ref=camera.declaration_ref,
                validated_on=camera.validated_on,
                next_validation=camera.next_validation,
                state=camera.state,
            )
            for camera in view.cameras
        ],
        history=[
            EditOut(
                section=edit.section,
                old_text=edit.old_text,
                new_text=edit.new_text,
                edited_at=edit.edited_at,
                edited_by=edit.edited_by,
            )
            for edit in view.history
        ],
    )


@router.get("/api/processing-register", response_model=RegisterOut, summary="The register of processing activities")
def read_register(
    request: Request,
    organisation: Organisation = "",
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> RegisterOut:
    """Your organisation's register; the platform auditor names the `organisation`."""
    return register_out(request, services.processing_register.read(session, actor, organisation))


@router.get(
    "/api/processing-register/document",
    summary="The register as a document to keep or send: PDF or Markdown",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "text/markdown": {}}}},
)
def register_document(
    request: Request,
    format: Annotated[Literal["pdf", "markdown"], Query()] = "pdf",
    organisation: Organisation = "",
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    view = services.processing_register.read(session, actor, organisation)
    language, zone = language_of(request), services.settings.zone
    stem = f"processing-register-{view.generated_at.astimezone(zone):%Y-%m-%d}"
    if format == "markdown":
        body, media, name = markdown(view, language, zone).encode(), "text/markdown; charset=utf-8", f"{stem}.md"
    else:
        body, media, name = pdf(view, language, zone), "application/pdf", f"{stem}.pdf"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.put(
    "/api/processing-register/texts/{section}",
    response_model=EditOut,
    summary="Replace a free-text part of the register (the DPO; kept in the history)",
)
def edit_text(
    section: Section,
    body: TextIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> EditOut:
    edit = services.processing_register.edit(session, actor, section, body.text)
    return EditOut(
        section=edit.section,
        old_text=edit.old_text,
        new_text=edit.new_text,
        edited_at=edit.edited_at,
        edited_by=edit.edited_by,
    )


@router.put(
    "/api/processing-register/declarations/{camera}",
    response_model=DeclarationOut,
    summary="Record a camera's declaration and the day it was last validated (the DPO)",
)
def declare_camera(
    camera: CameraRef,
    body: DeclarationIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> DeclarationOut:
    declaration = services.processing_register.declare(session, actor, camera, body.reference, body.validated_on)
    return DeclarationOut(camera=camera, reference=declaration.reference, validated_on=declaration.validated_on)
