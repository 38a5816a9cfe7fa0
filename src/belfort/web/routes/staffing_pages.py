"""Control-room pages: the supervisor dashboard, designations to watch live, and shifts.

Thin over `belfort.staffing`, whose services pass the gate for every list, change and look
(the dashboard is a look at logs, recorded). Forms answer with a redirect (post/redirect/
get); bad input draws the page again with what was typed and the message. Days and times
are typed and shown in the site's zone; times are stored in UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.auth.service import Identity
from belfort.errors import BelfortError, InvalidInput
from belfort.i18n import _
from belfort.policy import Action, Role, may
from belfort.policy.rules import PURPOSE_WORDS, ROLE_TITLES
from belfort.staffing.anomalies import FLAG_WORDS
from belfort.staffing.designations import DesignationSpec, Standing
from belfort.staffing.shifts import ShiftSpec
from belfort.timeutil import local_day
from belfort.web.deps import current_identity, db_session, get_services
from belfort.web.rendering import render, say
from belfort.web.routes.common import apply_form, form_day, form_time

router = APIRouter(include_in_schema=False)

Short = Annotated[str, Form(max_length=120)]
Text = Annotated[str, Form(max_length=1000)]
Moment = Annotated[str, Form(max_length=40)]
DESIGNATION_FORM = {"person": "", "trained_on": "", "valid_until": "", "training": "", "supervisor": ""}
SHIFT_FORM = {"person": "", "start": "", "end": "", "team_chief": False}
SHOWN_DAYS = 7
"""The shifts page shows a week from the day asked for."""


def _common(identity: Identity) -> dict[str, Any]:
    actor = identity.actor
    return {
        "may_designate": may(actor, Action.DESIGNATE_VIEWERS),
        "may_plan": may(actor, Action.MANAGE_SHIFTS),
        "may_supervise": may(actor, Action.SUPERVISE_VIEWING),
        "role_words": {role.value: ROLE_TITLES[role] for role in Role},
    }


def _form(
    request: Request,
    session: Session,
    change: Callable[[], str],
    page: Callable[[int, str], HTMLResponse],
    back: str,
) -> Response:
    def failed(exc: BelfortError) -> Response:
        return page(exc.status_code, exc.message)

    return apply_form(request, session, change, failed, back)


@router.get("/staffing")
def staffing_home(identity: Identity = Depends(current_identity)) -> Response:
    return RedirectResponse("/staffing/supervision", status_code=303)


# -- the supervisor dashboard ------------------------------------------------------------


@router.get("/staffing/supervision")
def supervision_page(
    request: Request,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    board = services.supervisor_board.dashboard(session, identity.actor)
    return render(
        request,
        "staffing_supervision.html",
        **_common(identity),
        board=board,
        settings=services.settings.staffing,
        flag_words=FLAG_WORDS,
        purpose_words={kind.value: words for kind, words in PURPOSE_WORDS.items()},
    )


# -- designations ------------------------------------------------------------------------


def _designations_page(
    request: Request,
    services: Services,
    session: Session,
    identity: Identity,
    ended: bool = False,
    status_code: int = 200,
    values: dict[str, Any] | None = None,
    error: str = "",
) -> HTMLResponse:
    actor = identity.actor
    context = _common(identity)
    rows = services.designations.listed(session, actor, include_ended=ended)
    watchers, supervisors = services.designations.candidates(session, actor) if context["may_designate"] else ([], [])
    return render(
        request,
        "staffing_designations.html",
        status_code=status_code,
        **context,
        rows=rows,
        expiring=[row for row in rows if row.standing is Standing.EXPIRING],
        required=services.designations.required(session, actor),
        ended=ended,
        watchers=watchers,
        supervisors=supervisors,
        today=services.designations.today().isoformat(),
        warning_days=services.settings.staffing.designation_warning_days,
        values={**DESIGNATION_FORM, **(values or {})},
        error=say(request, error) if error else "",
    )


@router.get("/staffing/designations")
def designations_page(
    request: Request,
    ended: Annotated[int, Query(ge=0, le=1)] = 0,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    return _designations_page(request, services, session, identity, bool(ended))


@router.post("/staffing/designations")
def designations_add(
    request: Request,
    person: Short = "",
    trained_on: Moment = "",
    valid_until: Moment = "",
    training: Annotated[str, Form(max_length=200)] = "",
    supervisor: Short = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    values = {
        "person": person,
        "trained_on": trained_on,
        "valid_until": valid_until,
        "training": training,
        "supervisor": supervisor,
    }

    def change() -> str:
        spec = DesignationSpec(
            person=person,
            trained_on=form_day(trained_on, _("Training date")),
            valid_until=form_day(valid_until, _("Valid until")),
            training=training,
            supervisor=supervisor,
        )
        made = services.designations.add(session, identity.actor, spec)
        return _(
            "{person} is designated to watch live until {day}.",
            person=made.person.username,
            day=made.valid_until.isoformat(),
        )

    def page(status_code: int, error: str) -> HTMLResponse:
        return _designations_page(
            request, services, session, identity, status_code=status_code, values=values, error=error
        )

    return _form(request, session, change, page, "/staffing/designations")


@router.post("/staffing/designations/{designation_id}/revoke")
def designations_revoke(
    request: Request,
    designation_id: str,
    reason: Text = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    def change() -> str:
        revoked = services.designations.revoke(session, identity.actor, designation_id, reason)
        return _(
            "The designation of {person} is revoked: live view is refused to them from now on.",
            person=revoked.person.username,
        )

    def page(status_code: int, error: str) -> HTMLResponse:
        return _designations_page(request, services, session, identity, status_code=status_code, error=error)

    return _form(request, session, change, page, "/staffing/designations")


@router.post("/staffing/designations/rule")
def designations_rule(
    request: Request,
    required: Annotated[Literal["on", "off"], Form()] = "on",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    def change() -> str:
        services.designations.set_required(session, identity.actor, required == "on")
        if required == "on":
            return _("From now on, only the people designated watch live in your organisation.")
        return _("Live view no longer needs a designation in your organisation (a security guard still needs one).")

    def page(status_code: int, error: str) -> HTMLResponse:
        return _designations_page(request, services, session, identity, status_code=status_code, error=error)

    return _form(request, session, change, page, "/staffing/designations")


# -- shifts ------------------------------------------------------------------------------


def _shifts_page(
    request: Request,
    services: Services,
    session: Session,
    identity: Identity,
    day: str = "",
    status_code: int = 200,
    values: dict[str, Any] | None = None,
    error: str = "",
) -> HTMLResponse:
    actor = identity.actor
    zone = services.settings.zone
    today = services.clock().astimezone(zone).date()
    problem = ""
    shown = today
    if day.strip():
        try:
            shown = form_day(day, _("Day"))
            local_day(shown + timedelta(days=SHOWN_DAYS), zone)
        except (InvalidInput, ValueError, OverflowError):
            problem, shown = _("Day: '{day}' is not a day; use YYYY-MM-DD.", day=day[:40]), today
    start, end = local_day(shown, zone)[0], local_day(shown + timedelta(days=SHOWN_DAYS - 1), zone)[1]
    context = _common(identity)
    shifts = services.shifts.listed(session, actor, start, end)
    people = services.shifts.people(session, actor) if context["may_plan"] else []
    return render(
        request,
        "staffing_shifts.html",
        status_code=status_code,
        **context,
        shifts=shifts,
        on_duty=[s for s in shifts if s.cancelled_at is None and s.starts_at <= services.clock() < s.ends_at],
        now=services.clock(),
        day=shown.isoformat(),
        previous=(shown - timedelta(days=SHOWN_DAYS)).isoformat(),
        following=(shown + timedelta(days=SHOWN_DAYS)).isoformat(),
        people=people,
        values={**SHIFT_FORM, **(values or {})},
        error=say(request, error or problem) if (error or problem) else "",
    )


@router.get("/staffing/shifts")
def shifts_page(
    request: Request,
    day: Annotated[str, Query(max_length=40)] = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    return _shifts_page(request, services, session, identity, day)


@router.post("/staffing/shifts")
def shifts_add(
    request: Request,
    person: Short = "",
    start: Moment = "",
    end: Moment = "",
    team_chief: Annotated[bool, Form()] = False,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    values = {"person": person, "start": start, "end": end, "team_chief": team_chief}
    zone = services.settings.zone

    def change() -> str:
        spec = ShiftSpec(
            person=person,
            starts_at=form_time(start, _("Start"), zone),
            ends_at=form_time(end, _("End"), zone),
            team_chief=team_chief,
        )
        shift = services.shifts.add(session, identity.actor, spec)
        return _("Shift of {person} planned.", person=shift.person.username)

    def page(status_code: int, error: str) -> HTMLResponse:
        return _shifts_page(request, services, session, identity, status_code=status_code, values=values, error=error)

    return _form(request, session, change, page, "/staffing/shifts")


@router.post("/staffing/shifts/{shift_id}/cancel")
def shifts_cancel(
    request: Request,
    shift_id: str,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    def change() -> str:
        shift = services.shifts.cancel(session, identity.actor, shift_id)
        return _("Shift of {person} cancelled.", person=shift.person.username)

    def page(status_code: int, error: str) -> HTMLResponse:
        return _shifts_page(request, services, session, identity, status_code=status_code, error=error)

    return _form(request, session, change, page, "/staffing/shifts")
