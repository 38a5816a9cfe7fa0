"""Access request pages: the inbox (requests to one's organisation) and the outbox (one's
requests), the form to ask, and the owner's decision (approve, narrower or as export only,
or refuse).

Thin over `belfort.sharing.requests`, which passes the gate for every list and decision.
Forms answer with a redirect (post/redirect/get); bad input draws the page again with what
was typed and the message. Times are typed and shown in the site's zone; stored in UTC.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.auth.models import Organisation
from belfort.auth.service import Identity
from belfort.cameras.grants import members
from belfort.i18n import _
from belfort.policy import Action, Purpose, PurposeKind, Right, may
from belfort.policy.rules import PURPOSE_WORDS, RIGHT_WORDS
from belfort.sharing.requests import STATE_WORDS, Approval, RequestSpec
from belfort.web.deps import current_identity, db_session, get_services
from belfort.web.rendering import render, say
from belfort.web.routes.common import FormChange, form_time, page_form

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=1000)]
Short = Annotated[str, Form(max_length=200)]
Moment = Annotated[str, Form(max_length=40)]
Words = Annotated[list[str], Form(max_length=100)]
ASK_FORM: dict[str, Any] = {
    "owner": "",
    "cameras": "",
    "group": "",
    "rights": ["playback"],
    "footage_from": "",
    "footage_until": "",
    "purpose": "administrative",
    "justification": "",
    "case_number": "",
    "pv_number": "",
    "legal_basis_ref": "",
}


def _page(
    request: Request,
    services: Services,
    session: Session,
    identity: Identity,
    tab: str = "",
    status_code: int = 200,
    values: dict[str, Any] | None = None,
    error: str = "",
) -> HTMLResponse:
    actor = identity.actor
    may_view = may(actor, Action.VIEW_SHARING)
    may_ask = may(actor, Action.ASK_ACCESS)
    tab = tab or ("inbox" if may(actor, Action.DECIDE_REQUESTS) or not may_ask else "outbox")
    if tab == "inbox" and not may_view:
        tab = "outbox"
    rows = services.requests.inbox(session, actor) if tab == "inbox" else services.requests.outbox(session, actor)
    if tab == "outbox":
        request.state.request_badge = services.requests.badge(session, actor)  # the decisions shown are seen
    organisations = []
    if may_ask:
        organisations = [
            o.name
            for o in session.scalars(select(Organisation).order_by(Organisation.name))
            if o.id != actor.organisation_id
        ]
    return render(
        request,
        "requests.html",
        status_code=status_code,
        tab=tab,
        rows=rows,
        may_view=may_view,
        may_ask=may_ask,
        may_decide=may(actor, Action.DECIDE_REQUESTS),
        organisations=organisations,
        right_words={r.value: RIGHT_WORDS[r] for r in Right},
        purpose_words={p.value: w for p, w in PURPOSE_WORDS.items()},
        state_words=STATE_WORDS,
        administrative_days=services.settings.policy.administrative_consult_days,
        members=members,
        values={**ASK_FORM, **(values or {})},
        error=say(request, error) if error else "",
    )


@router.get("/requests")
def requests_page(
    request: Request,
    tab: Annotated[Literal["", "inbox", "outbox"], Query()] = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    return _page(request, services, session, identity, tab)


def _form(
    request: Request,
    services: Services,
    session: Session,
    identity: Identity,
    tab: str,
    change: FormChange,
    values: dict[str, Any] | None = None,
) -> Response:
    back = f"/requests?tab={tab}"
    return page_form(_page, back, request, services, session, identity, change, values, page_args=(tab,))


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").replace("\n", ",").split(",") if part.strip()]


@router.post("/requests")
def requests_ask(
    request: Request,
    owner: Short = "",
    cameras: Text = "",
    group: Short = "",
    rights: Words = [],  # noqa: B006 - FastAPI copies defaults
    footage_from: Moment = "",
    footage_until: Moment = "",
    purpose: Annotated[Literal["administrative", "judicial"], Form()] = "administrative",
    justification: Text = "",
    case_number: Short = "",
    pv_number: Short = "",
    legal_basis_ref: Short = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    values = {
        "owner": owner,
        "cameras": cameras,
        "group": group,
        "rights": rights,
        "footage_from": footage_from,
        "footage_until": footage_until,
        "purpose": purpose,
        "justification": justification,
        "case_number": case_number,
        "pv_number": pv_number,
        "legal_basis_ref": legal_basis_ref,
    }
    zone = services.settings.zone

    def change() -> str:
        spec = RequestSpec(
            owner=owner,
            rights=rights,
            footage_from=form_time(footage_from, _("Footage from"), zone),
            footage_until=form_time(footage_until, _("Footage until"), zone),
            purpose=Purpose(PurposeKind(purpose), justification, legal_basis_ref),
            cameras=_split(cameras),
            group=group,
            case_number=case_number,
            pv_number=pv_number,
        )
        services.requests.ask(session, identity.actor, spec)
        return _("Request sent to {owner}: you will see its decision here.", owner=owner)

    return _form(request, services, session, identity, "outbox", change, values)


@router.post("/requests/{request_id}/approve")
def requests_approve(
    request: Request,
    request_id: str,
    mode: Annotated[Literal["grant", "export_only"], Form()] = "grant",
    cameras: Words = [],  # noqa: B006
    rights: Words = [],  # noqa: B006
    footage_from: Moment = "",
    footage_until: Moment = "",
    valid_until: Moment = "",
    note: Text = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    zone = services.settings.zone

    def change() -> str:
        approval = Approval(
            cameras=cameras,
            rights=rights,
            footage_from=form_time(footage_from, _("Footage from"), zone) if footage_from.strip() else None,
            footage_until=form_time(footage_until, _("Footage until"), zone) if footage_until.strip() else None,
            valid_until=form_time(valid_until, _("Valid until"), zone) if valid_until.strip() else None,
            note=note,
        )
        if mode == "export_only":
            row = services.requests.approve_export_only(session, identity.actor, request_id, approval)
            return _(
                "Approved as export only: the signed package for {requester} is being built.",
                requester=row.requester_organisation.name,
            )
        made = services.requests.approve(session, identity.actor, request_id, approval)
        return _("Approved: {requester} was granted access.", requester=made[0].grantee.name)

    return _form(request, services, session, identity, "inbox", change)


@router.post("/requests/{request_id}/refuse")
def requests_refuse(
    request: Request,
    request_id: str,
    reason: Text = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    def change() -> str:
        row = services.requests.refuse(session, identity.actor, request_id, reason)
        return _("Request of {requester} refused.", requester=row.requester_organisation.name)

    return _form(request, services, session, identity, "inbox", change)


@router.post("/requests/{request_id}/withdraw")
def requests_withdraw(
    request: Request,
    request_id: str,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    def change() -> str:
        row = services.requests.withdraw(session, identity.actor, request_id)
        return _("Request to {owner} withdrawn.", owner=row.owner_organisation.name)

    return _form(request, services, session, identity, "outbox", change)
