"""Judicial authorisations and drone missions pages.

Thin over `belfort.judicial.authorisations` and `belfort.judicial.drones`, which pass the
gate for every list and change. Forms answer with a redirect (post/redirect/get); bad input
draws the page again with what was typed and the message, a mission refused for its
justification too (422, recorded). Times are typed and shown in the site's zone.
"""

from __future__ import annotations

from datetime import date, tzinfo
from functools import partial
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.auth.service import Identity
from belfort.errors import BelfortError, InvalidInput
from belfort.i18n import Message, _, _n
from belfort.judicial.authorisations import AuthorisationSpec
from belfort.judicial.drones import MissionSpec, Video, summary
from belfort.policy import Action, AuthorisationKind, PurposeKind, may
from belfort.policy.rules import AUTHORISATION_WORDS, PURPOSE_WORDS
from belfort.web.deps import current_identity, db_session, get_services, page_of
from belfort.web.rendering import render, say
from belfort.web.routes.common import apply_form, form_time, page_form

router = APIRouter(include_in_schema=False)

Short = Annotated[str, Form(max_length=200)]
Text = Annotated[str, Form(max_length=4000)]
Moment = Annotated[str, Form(max_length=40)]
Words = Annotated[list[str], Form(max_length=500)]
AUTHORISATION_FORM: dict[str, Any] = {
    "kind": AuthorisationKind.PROSECUTOR_DECISION.value,
    "reference": "",
    "decided_on": "",
    "magistrate": "",
    "case_number": "",
    "scope": "cameras",
    "cameras": [],
    "footage_from": "",
    "footage_until": "",
    "expires_at": "",
}
MISSION_FORM: dict[str, Any] = {
    "regime": PurposeKind.ADMINISTRATIVE.value,
    "drone": "",
    "authorisation": "",
    "requesting_officer": "",
    "responsible_officer": "",
    "purpose": "",
    "proportionality": "",
    "subsidiarity": "",
    "area": "",
    "started_at": "",
    "ended_at": "",
    "recorded_from": "",
}


def _optional_time(value: str, label: Message, zone: tzinfo) -> Any:
    return form_time(value, label, zone) if value.strip() else None


def _day(value: str, label: Message) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            _("'{value}' is not a date for '{field}': use YYYY-MM-DD.", value=value, field=label)
        ) from None


# -- authorisations ----------------------------------------------------------------------


def _authorisations_page(
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
    rows = services.authorisations.listed(session, actor, include_ended=ended)
    return render(
        request,
        "judicial_authorisations.html",
        status_code=status_code,
        rows=rows,
        ended=ended,
        now=services.clock(),
        kinds={kind.value: AUTHORISATION_WORDS[kind] for kind in AuthorisationKind},
        cameras=services.cameras.visible(session, actor),
        values={**AUTHORISATION_FORM, **(values or {})},
        error=say(request, error) if error else "",
    )


@router.get("/authorisations")
def authorisations_page(
    request: Request,
    ended: Annotated[int, Query(ge=0, le=1)] = 0,
    identity: Identity = Depends(page_of(Action.MANAGE_AUTHORISATIONS)),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    return _authorisations_page(request, services, session, identity, bool(ended))


_authorisations_form = partial(page_form, _authorisations_page, "/authorisations")


@router.post("/authorisations")
def authorisations_add(
    request: Request,
    kind: Annotated[str, Form(max_length=40)] = "",
    reference: Short = "",
    decided_on: Annotated[str, Form(max_length=20)] = "",
    magistrate: Short = "",
    case_number: Annotated[str, Form(max_length=100)] = "",
    scope: Annotated[Literal["cameras", "all"], Form()] = "cameras",
    cameras: Words = [],  # noqa: B006 - FastAPI copies defaults
    footage_from: Moment = "",
    footage_until: Moment = "",
    expires_at: Moment = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    values = {
        "kind": kind,
        "reference": reference,
        "decided_on": decided_on,
        "magistrate": magistrate,
        "case_number": case_number,
        "scope": scope,
        "cameras": cameras,
        "footage_from": footage_from,
        "footage_until": footage_until,
        "expires_at": expires_at,
    }
    zone = services.settings.zone

    def change() -> str:
        spec = AuthorisationSpec(
            kind=kind,
            reference=reference,
            decided_on=_day(decided_on, _("Date of the decision")),
            magistrate=magistrate,
            case_number=case_number,
            footage_from=_optional_time(footage_from, _("Footage from"), zone),
            footage_until=_optional_time(footage_until, _("Footage until"), zone),
            expires_at=_optional_time(expires_at, _("Expires"), zone),
            cameras=cameras if scope == "cameras" else (),
            all_cameras=scope == "all",
        )
        row = services.authorisations.register(session, identity.actor, spec)
        return _(
            "Authorisation {reference} registered: cite it by its reference on a purpose form.", reference=row.reference
        )

    return _authorisations_form(request, services, session, identity, change, values)


@router.post("/authorisations/{authorisation_id}/revoke")
def authorisations_revoke(
    request: Request,
    authorisation_id: str,
    reason: Annotated[str, Form(max_length=1000)] = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    def change() -> str:
        row = services.authorisations.revoke(session, identity.actor, authorisation_id, reason)
        return _("Authorisation {reference} revoked: it opens no footage from now on.", reference=row.reference)

    return _authorisations_form(request, services, session, identity, change)


# -- drone missions ----------------------------------------------------------------------


def _year(services: Services, year: int | None) -> int:
    return year if year is not None else services.clock().astimezone(services.settings.zone).year


def _missions_page(
    request: Request,
    services: Services,
    session: Session,
    identity: Identity,
    year: int,
    status_code: int = 200,
    values: dict[str, Any] | None = None,
    error: str = "",
) -> HTMLResponse:
    actor = identity.actor
    may_log = may(actor, Action.LOG_DRONE_MISSIONS)
    return render(
        request,
        "drone_missions.html",
        status_code=status_code,
        report=services.drone_missions.listed(session, actor, year),
        year=year,
        may_log=may_log,
        drones=services.drone_missions.drones(session, actor) if may_log else [],
        authorisations=services.authorisations.choices(session, actor) if may_log else [],
        regimes={kind.value: PURPOSE_WORDS[kind] for kind in PurposeKind},
        values={**MISSION_FORM, **(values or {})},
        error=say(request, error) if error else "",
    )


@router.get("/drones")
def missions_page(
    request: Request,
    year: Annotated[int | None, Query(ge=2000, le=2999)] = None,
    identity: Identity = Depends(page_of(Action.VIEW_DRONE_MISSIONS)),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    return _missions_page(request, services, session, identity, _year(services, year))


def _video(upload: UploadFile | None, recorded_from: str, zone: tzinfo) -> list[Video]:
    if upload is None or not upload.filename:
        return []
    return [Video(upload.file, _optional_time(recorded_from, _("Video started at"), zone))]


@router.post("/drones")
def missions_log(
    request: Request,
    regime: Annotated[str, Form(max_length=20)] = "",
    drone: Short = "",
    authorisation: Short = "",
    requesting_officer: Short = "",
    responsible_officer: Short = "",
    purpose: Text = "",
    proportionality: Text = "",
    subsidiarity: Text = "",
    area: Short = "",
    started_at: Moment = "",
    ended_at: Moment = "",
    recorded_from: Moment = "",
    video: Annotated[UploadFile | None, File()] = None,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    values = {
        "regime": regime,
        "drone": drone,
        "authorisation": authorisation,
        "requesting_officer": requesting_officer,
        "responsible_officer": responsible_officer,
        "purpose": purpose,
        "proportionality": proportionality,
        "subsidiarity": subsidiarity,
        "area": area,
        "started_at": started_at,
        "ended_at": ended_at,
        "recorded_from": recorded_from,
    }
    zone = services.settings.zone

    def change() -> str:
        spec = MissionSpec(
            regime=regime,
            camera=drone,
            requesting_officer=requesting_officer,
            responsible_officer=responsible_officer,
            purpose=purpose,
            proportionality=proportionality,
            subsidiarity=subsidiarity,
            area=area,
            started_at=_optional_time(started_at, _("Take-off"), zone),
            ended_at=_optional_time(ended_at, _("Landing"), zone),
            authorisation=authorisation,
        )
        row = services.drone_missions.log(session, identity.actor, spec, _video(video, recorded_from, zone))
        return _n(
            "Drone mission over {area} logged, with {count} recording.",
            "Drone mission over {area} logged, with {count} recordings.",
            row.segments,
            area=row.mission.area,
        )

    def failed(exc: BelfortError) -> Response:
        year = _year(services, None)
        return _missions_page(
            request, services, session, identity, year, status_code=exc.status_code, values=values, error=exc.message
        )

    return apply_form(request, session, change, failed, "/drones")


def _mission_page(
    request: Request,
    services: Services,
    session: Session,
    identity: Identity,
    mission_id: str,
    status_code: int = 200,
    values: dict[str, Any] | None = None,
    error: str = "",
) -> HTMLResponse:
    row = services.drone_missions.get(session, identity.actor, mission_id)
    start = row.mission.started_at.astimezone(services.settings.zone).isoformat(timespec="seconds")
    return render(
        request,
        "drone_mission.html",
        status_code=status_code,
        row=row,
        mission=row.mission,
        may_log=may(identity.actor, Action.LOG_DRONE_MISSIONS),
        regimes={kind.value: PURPOSE_WORDS[kind] for kind in PurposeKind},
        footage_link=f"/cameras/{row.mission.camera_id}?at={quote(start)}",
        values={"recorded_from": "", **(values or {})},
        error=say(request, error) if error else "",
    )


@router.get("/drones/report")
def report_page(
    request: Request,
    year: Annotated[int | None, Query(ge=2000, le=2999)] = None,
    organisation: Annotated[str, Query(max_length=200)] = "",
    identity: Identity = Depends(page_of(Action.VIEW_DRONE_MISSIONS)),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    shown = _year(services, year)
    report = services.drone_missions.report(session, identity.actor, shown, organisation)
    return render(
        request,
        "drone_report.html",
        report=report,
        year=shown,
        organisation=organisation,
        regimes={kind.value: PURPOSE_WORDS[kind] for kind in PurposeKind},
        administrative=report.count(PurposeKind.ADMINISTRATIVE),
        judicial=report.count(PurposeKind.JUDICIAL),
        summary=summary,
        csv_link=f"/api/drone-missions/report.csv?year={shown}"
        + (f"&organisation={quote(organisation)}" if organisation else ""),
    )


@router.get("/drones/{mission_id}")
def mission_page(
    request: Request,
    mission_id: str,
    identity: Identity = Depends(page_of(Action.VIEW_DRONE_MISSIONS)),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    return _mission_page(request, services, session, identity, mission_id)


@router.post("/drones/{mission_id}/videos")
def mission_video(
    request: Request,
    mission_id: str,
    recorded_from: Moment = "",
    video: Annotated[UploadFile | None, File()] = None,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    zone = services.settings.zone

    def change() -> str:
        videos = _video(video, recorded_from, zone)
        if not videos:
            raise InvalidInput(_("video: choose the video file the drone recorded (MP4 or MKV)"))
        row = services.drone_missions.add_video(session, identity.actor, mission_id, videos[0])
        return _n(
            "Video imported: the mission now has {count} recording.",
            "Video imported: the mission now has {count} recordings.",
            row.segments,
        )

    def failed(exc: BelfortError) -> Response:
        return _mission_page(
            request,
            services,
            session,
            identity,
            mission_id,
            status_code=exc.status_code,
            values={"recorded_from": recorded_from},
            error=exc.message,
        )

    return apply_form(request, session, change, failed, f"/drones/{mission_id}")
