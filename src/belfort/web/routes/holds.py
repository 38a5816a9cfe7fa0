"""Evidence holds API and page: keep a camera's range from retention for a case.

Thin: placing, lifting and listing holds are decided and recorded by
`belfort.retention.holds` through the policy gate. The list shows holds on the cameras the
caller may see, with their case numbers, and no images; reading it is recorded.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.auth.service import Identity
from belfort.cameras.models import Camera
from belfort.errors import BelfortError, Refusal
from belfort.i18n import _
from belfort.policy import Action, Actor, Purpose, PurposeKind, may
from belfort.retention.models import Hold
from belfort.web.deps import current_actor, current_identity, db_session, get_services
from belfort.web.flash import redirect_after_post
from belfort.web.rendering import render
from belfort.web.routes.common import form_time, settle
from belfort.web.routes.schemas import HoldDetailOut, HoldIn, HoldLiftIn, PurposeIn

router = APIRouter(prefix="/api/holds", tags=["evidence holds"])
pages = APIRouter(include_in_schema=False)


def hold_out(hold: Hold, camera: Camera) -> HoldDetailOut:
    return HoldDetailOut(
        id=str(hold.id),
        camera_id=str(camera.id),
        camera=camera.name,
        start=hold.start_time,
        end=hold.end_time,
        case_number=hold.case_number,
        reason=hold.reason,
        created_by=hold.created_by,
        created_at=hold.created_at,
        lifted_at=hold.lifted_at,
        lifted_by=hold.lifted_by,
        active=hold.lifted_at is None,
    )


def _purpose(body: PurposeIn) -> Purpose:
    return Purpose(PurposeKind(body.kind), body.justification, body.legal_basis_ref)


def _active(state: str) -> bool | None:
    return {"active": True, "lifted": False, "all": None}[state]


@router.get("", response_model=list[HoldDetailOut], summary="Evidence holds on the cameras you may see (audited)")
def list_holds(
    camera: Annotated[str, Query(max_length=120)] = "",
    state: Literal["active", "lifted", "all"] = "active",
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[HoldDetailOut]:
    return [hold_out(h, c) for h, c in services.holds.list(session, actor, camera, _active(state))]


@router.post("", response_model=HoldDetailOut, status_code=201, summary="Put an evidence hold on a camera's range")
def place_hold(
    body: HoldIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HoldDetailOut:
    hold, camera = services.holds.place(
        session, actor, body.camera, body.start, body.end, body.case_number, body.reason, _purpose(body.purpose)
    )
    return hold_out(hold, camera)


@router.post("/{hold_id}/lift", response_model=HoldDetailOut, summary="Lift an evidence hold (retention applies again)")
def lift_hold(
    hold_id: uuid.UUID,
    body: HoldLiftIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HoldDetailOut:
    hold, camera = services.holds.lift(session, actor, str(hold_id), _purpose(body.purpose))
    return hold_out(hold, camera)


# -- the page ----------------------------------------------------------------------------

FormText = Annotated[str, Form(max_length=500)]
EMPTY_FORM = {
    "camera": "",
    "start": "",
    "end": "",
    "case_number": "",
    "reason": "",
    "kind": "judicial",
    "justification": "",
    "legal_basis_ref": "",
}


def _render(
    request: Request,
    services: Services,
    session: Session,
    identity: Identity,
    state: str = "active",
    status_code: int = 200,
    values: dict[str, str] | None = None,
    error: str = "",
) -> HTMLResponse:
    actor = identity.actor
    may_hold = may(actor, Action.PLACE_HOLD)
    return render(
        request,
        "holds.html",
        status_code=status_code,
        holds=services.holds.list(session, actor, "", _active(state)),
        state=state,
        may_hold=may_hold,
        may_lift=may(actor, Action.LIFT_HOLD),
        cameras=services.cameras.visible(session, actor) if may_hold else [],
        values={**EMPTY_FORM, **(values or {})},
        error=error,
    )


@pages.get("/holds")
def holds_page(
    request: Request,
    state: Literal["active", "lifted", "all"] = "active",
    camera: Annotated[str, Query(max_length=120)] = "",
    start: Annotated[str, Query(max_length=40)] = "",
    end: Annotated[str, Query(max_length=40)] = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    values = {"camera": camera, "start": start, "end": end}
    return _render(request, services, session, identity, state, values=values)


@pages.post("/holds")
def holds_place(
    request: Request,
    camera: Annotated[str, Form(max_length=120)],
    start: Annotated[str, Form(max_length=40)],
    end: Annotated[str, Form(max_length=40)],
    case_number: Annotated[str, Form(max_length=100)],
    reason: FormText,
    kind: Annotated[str, Form(pattern="^(administrative|judicial)$")],
    justification: FormText,
    legal_basis_ref: Annotated[str, Form(max_length=200)] = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    values = {
        "camera": camera,
        "start": start,
        "end": end,
        "case_number": case_number,
        "reason": reason,
        "kind": kind,
        "justification": justification,
        "legal_basis_ref": legal_basis_ref,
    }
    try:
        hold, target = services.holds.place(
            session,
            identity.actor,
            camera,
            form_time(start, _("From"), services.settings.zone),
            form_time(end, _("Until"), services.settings.zone),
            case_number,
            reason,
            Purpose(PurposeKind(kind), justification, legal_basis_ref),
        )
    except BelfortError as exc:
        return _refused(request, services, session, identity, exc, values)
    session.commit()
    notice = _(
        "Hold for case {case} placed on {camera}: retention will not erase this range.",
        case=hold.case_number,
        camera=target.name,
    )
    return redirect_after_post(request, "/holds", notice)


@pages.post("/holds/{hold_id}/lift")
def holds_lift(
    request: Request,
    hold_id: uuid.UUID,
    kind: Annotated[str, Form(pattern="^(administrative|judicial)$")],
    justification: FormText,
    legal_basis_ref: Annotated[str, Form(max_length=200)] = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    try:
        hold, camera = services.holds.lift(
            session, identity.actor, str(hold_id), Purpose(PurposeKind(kind), justification, legal_basis_ref)
        )
    except BelfortError as exc:
        return _refused(request, services, session, identity, exc, {})
    session.commit()
    notice = _(
        "Hold for case {case} on {camera} lifted: retention applies to this range again.",
        case=hold.case_number,
        camera=camera.name,
    )
    return redirect_after_post(request, "/holds", notice)


def _refused(
    request: Request,
    services: Services,
    session: Session,
    identity: Identity,
    exc: BelfortError,
    values: dict[str, str],
) -> HTMLResponse:
    if isinstance(exc, Refusal) and not may(identity.actor, Action.VIEW_HOLDS):
        raise exc  # the page itself is not theirs: the refusal is answered as such
    settle(session, exc)
    return _render(request, services, session, identity, status_code=exc.status_code, values=values, error=exc.message)
