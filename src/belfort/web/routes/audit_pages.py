"""Audit pages: the review (records and who watches live now) and the chain's verification.

Thin over `belfort.governance.review`: one review per page view, decided and recorded by
the gate. The team chief and the DPO review; the DPO and the administrator verify the
chain (the administrator reads no one's records). Times are typed and shown in the site's
zone, with UTC beside them (the records themselves are UTC).
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.audit import AuditFilter
from belfort.auth.service import LANGUAGE_ACTION, PASSWORD_ACTION, Identity
from belfort.errors import InvalidInput
from belfort.i18n import Message, _
from belfort.policy import Action, may
from belfort.timeutil import parse_local
from belfort.viewing.live import CLOSED_ACTION
from belfort.web.deps import current_identity, db_session, get_services, page_of
from belfort.web.rendering import QueryText, render, say
from belfort.web.routes.schemas import BIGINT_MAX

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


def _time(value: str, label: str, zone: tzinfo) -> datetime | None:
    """A bound typed in the filter: local time in `zone` unless it names its offset."""
    if not value.strip():
        return None
    try:
        return parse_local(value, zone)
    except ValueError as exc:
        reason = exc.args[0] if exc.args else None
        if isinstance(reason, Message):  # a moment that does not exist there, or out of range
            raise InvalidInput(_("{field}: {reason}", field=label, reason=reason)) from None
        raise InvalidInput(
            _(
                "'{value}' is not a date and time for '{field}': use YYYY-MM-DD HH:MM ({zone} time).",
                value=value,
                field=label,
                zone=str(zone),
            )
        ) from None


def _filter(values: dict[str, str], before_seq: int | None, zone: tzinfo) -> AuditFilter:
    if values["outcome"] not in ("", "granted", "refused", "ended"):
        raise InvalidInput(_("outcome: choose granted, refused or ended, or leave it empty"))
    return AuditFilter(
        person=values["person"].strip(),
        camera=values["camera"].strip(),
        purpose=values["purpose"].strip(),
        outcome=values["outcome"],
        action=values["action"].strip(),
        since=_time(values["since"], _("From"), zone),
        until=_time(values["until"], _("Until"), zone),
        before_seq=before_seq,
        limit=PAGE_SIZE,
    )


@router.get("/audit")
def audit_page(
    request: Request,
    person: QueryText = "",
    camera: QueryText = "",
    purpose: QueryText = "",
    outcome: QueryText = "",
    action: QueryText = "",
    since: QueryText = "",
    until: QueryText = "",
    before_seq: Annotated[int | None, Query(ge=1, le=BIGINT_MAX)] = None,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    values = {
        "person": person,
        "camera": camera,
        "purpose": purpose,
        "outcome": outcome,
        "action": action,
        "since": since,
        "until": until,
    }
    error = ""
    try:
        flt = _filter(values, before_seq, services.settings.zone)
    except InvalidInput as exc:
        error, flt = say(request, exc.message), AuditFilter(limit=PAGE_SIZE)
    review = services.review.page(session, identity.actor, flt)
    records = list(review.records)
    return render(
        request,
        "audit.html",
        records=records,
        values=values,
        error=error,
        actions=[a.value for a in Action] + ["auth.login", PASSWORD_ACTION, LANGUAGE_ACTION, CLOSED_ACTION],
        may_verify=may(identity.actor, Action.VERIFY_AUDIT),
        watching=review.watching,
        next_before=records[-1].seq if len(records) == flt.limit else None,
    )


@router.get("/audit/verify")
def verify_page(request: Request, _identity: Identity = Depends(page_of(Action.VERIFY_AUDIT))) -> HTMLResponse:
    """The chain check, for the DPO and the administrator (the button posts to the API)."""
    return render(request, "audit_verify.html", command="belfort audit verify --data DIR")
