"""Camera pages: the list, a camera's page (timeline and player), and the administrator's
forms to register and edit cameras (motion detection with them: zones are typed or drawn as
rectangles in percent of the picture, one a line).

Thin over `belfort.cameras.service` and `belfort.viewing.playback`: the list is the
actor's `visible` cameras; a camera's page is a `camera.view` the gate decides (a camera
of another organisation, or none, is refused alike and recorded). Forms answer with a
redirect (post/redirect/get).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.auth.service import Identity
from belfort.cameras.models import Camera
from belfort.cameras.service import (
    KINDS,
    MAX_MOTION_ZONES,
    TRANSPORTS,
    CameraSpec,
    MotionZone,
    motion_zones_of,
    redact_url,
)
from belfort.errors import BelfortError, InvalidInput
from belfort.i18n import Message, _
from belfort.policy import Action, LegalRegime, may, sees_exact_position
from belfort.timeutil import iso_utc, local_day, parse_local
from belfort.transparency.register import PublicationSpec
from belfort.web.deps import current_identity, db_session, get_services
from belfort.web.rendering import FormText, QueryText, render, say
from belfort.web.routes.common import apply_form

router = APIRouter(include_in_schema=False)
CAMERA_FIELDS = (
    "name",
    "organisation",
    "kind",
    "legal_regime",
    "main_url",
    "sub_url",
    "transport",
    "street",
    "area",
    "latitude",
    "longitude",
    "retention_max_days",
    "retention_min_days",
    "council_consent_ref",
)
MOTION_FIELDS = ("motion_enabled", "motion_sensitivity", "motion_zones")
PUBLICATION_FIELDS = ("public", "municipality", "public_purpose")
"""The public register's fields of the camera form (`belfort.transparency.register`)."""


def _render_list(
    request: Request, services: Services, session: Session, identity: Identity, status_code: int = 200, error: str = ""
) -> HTMLResponse:
    actor = identity.actor
    manage = may(actor, Action.MANAGE_CAMERAS)
    rows = [{"camera": c, "status": services.media.status(c.id)} for c in services.cameras.visible(session, actor)]
    return render(
        request,
        "cameras.html",
        status_code=status_code,
        rows=rows,
        may_manage=manage,
        may_play=may(actor, Action.VIEW_RECORDING),
        organisations=[org.name for org in services.accounts.own_organisation(session, actor)] if manage else [],
        kinds=KINDS,
        error=say(request, error),
        events=services.media.recent_events(session) if manage else [],
    )


@router.get("/cameras")
def cameras_page(
    request: Request,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    return _render_list(request, services, session, identity)


def _optional_float(value: str, label: str) -> float | None:
    if not value.strip():
        return None
    try:
        return float(value)
    except ValueError:
        raise InvalidInput(_("{field} must be a number, like 50.9307", field=label)) from None


def _optional_int(value: str, label: str) -> int | None:
    if not value.strip():
        return None
    if not value.strip().isdigit():
        raise InvalidInput(_("{field} must be a whole number of days", field=label))
    return int(value)


def _saved(
    request: Request,
    services: Services,
    session: Session,
    change: Callable[[], str],
    failed: Callable[[BelfortError], Response],
    back: str,
) -> Response:
    """A camera form: applied, then the recorder follows the registry at once."""
    return apply_form(request, session, change, failed, back, after=services.media.sync_cameras)


@router.post("/cameras")
def cameras_add(
    request: Request,
    name: FormText,
    organisation: FormText,
    main_url: Annotated[str, Form(max_length=2000)] = "",
    kind: Annotated[str, Form(max_length=20)] = "fixed",
    username: FormText = "",
    password: Annotated[str, Form(max_length=500)] = "",
    street: FormText = "",
    area: FormText = "",
    latitude: Annotated[str, Form(max_length=30)] = "",
    longitude: Annotated[str, Form(max_length=30)] = "",
    council_consent_ref: FormText = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    def change() -> str:
        spec = CameraSpec(
            name=name,
            organisation=organisation,
            main_url=main_url,
            kind=kind,
            username=username or None,
            password=password or None,
            street=street,
            area=area,
            latitude=_optional_float(latitude, _("latitude")),
            longitude=_optional_float(longitude, _("longitude")),
            council_consent_ref=council_consent_ref,
        )
        camera = services.cameras.add(session, identity.actor, spec)
        return _("Camera '{name}' registered (disabled until you enable it).", name=camera.name)

    def failed(exc: BelfortError) -> HTMLResponse:
        return _render_list(request, services, session, identity, exc.status_code, exc.message)

    return _saved(request, services, session, change, failed, "/cameras")


@router.post("/cameras/{ref}/state")
def cameras_state(
    request: Request,
    ref: str,
    state: Annotated[str, Form(pattern="^(enable|disable|remove)$")],
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    def change() -> str:
        if state == "remove":
            camera = services.cameras.remove(session, identity.actor, ref)
            return _("Camera '{name}' removed; its recordings stay until their retention ends.", name=camera.name)
        camera = services.cameras.update(session, identity.actor, ref, CameraSpec(enabled=state == "enable"))
        if state == "enable":
            return _("Camera '{name}' enabled.", name=camera.name)
        return _("Camera '{name}' disabled.", name=camera.name)

    def failed(exc: BelfortError) -> HTMLResponse:
        return _render_list(request, services, session, identity, exc.status_code, exc.message)

    return _saved(request, services, session, change, failed, "/cameras")


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.2f}".rstrip("0").rstrip(".")


def zones_text(zones: list[MotionZone]) -> str:
    """Motion zones as the form shows them: one rectangle a line, `left top width height` in %."""
    return "\n".join(" ".join(_percent(value) for value in zone) for zone in zones)


def zones_from_text(text: str) -> list[MotionZone]:
    """The form's motion zones as fractions of the picture (a decimal comma is accepted); the
    camera service checks that each lies inside the picture."""
    if len(text) > 2000:
        raise InvalidInput(_("{field}: at most {count} characters", field=_("motion zones"), count=2000))
    zones: list[MotionZone] = []
    for number, line in enumerate((line for line in text.splitlines() if line.strip()), start=1):
        parts = line.replace(";", " ").split()
        try:
            x, y, w, h = (float(part.replace(",", ".")) / 100 for part in parts)
        except ValueError:
            raise InvalidInput(
                _(
                    "motion zones, line {number}: give four numbers separated by spaces: "
                    "left, top, width and height in percent of the picture",
                    number=number,
                )
            ) from None
        zones.append((x, y, w, h))
    return zones


def _motion_sensitivity(value: str) -> int | None:
    if not value.strip():
        return None
    if not value.strip().isdigit():
        raise InvalidInput(_("motion_sensitivity must be a whole number from 1 to 100"))
    return int(value)


def _form_values(camera: Camera) -> dict[str, str]:
    values = {
        field: "" if getattr(camera, field, None) is None else str(getattr(camera, field)) for field in CAMERA_FIELDS
    }
    values["organisation"] = camera.organisation.name
    values["main_url"] = redact_url(camera.main_url)
    values["sub_url"] = redact_url(camera.sub_url)
    values["motion_enabled"] = "1" if camera.motion_enabled else ""
    values["motion_sensitivity"] = str(camera.motion_sensitivity)
    values["motion_zones"] = zones_text(motion_zones_of(camera))
    return values


def _publication_values(services: Services, session: Session, camera: Camera) -> dict[str, str]:
    publication = services.register.publication_of(session, camera.id)
    if publication is None:
        return dict.fromkeys(PUBLICATION_FIELDS, "")
    return {
        "public": "1" if publication.public else "",
        "municipality": publication.municipality,
        "public_purpose": publication.purpose,
    }


def _publication_change(
    services: Services, session: Session, camera: Camera, values: dict[str, str]
) -> PublicationSpec | None:
    """What the camera form changes of the camera's entry in the public register, if anything."""
    typed = {
        "public": "1" if values["public"] else "",
        "municipality": values["municipality"].strip(),
        "public_purpose": values["public_purpose"].strip(),
    }
    if typed == _publication_values(services, session, camera):
        return None
    return PublicationSpec(bool(typed["public"]), typed["municipality"], typed["public_purpose"])


def _render_edit(
    request: Request,
    services: Services,
    session: Session,
    camera: Camera,
    values: dict[str, str],
    status_code: int = 200,
    error: str = "",
) -> HTMLResponse:
    status = services.media.status(camera.id)
    return render(
        request,
        "camera_edit.html",
        status_code=status_code,
        camera=camera,
        values=values,
        picture_size=(status.get("width") or 16, status.get("height") or 9),
        max_zones=MAX_MOTION_ZONES,
        credentials=services.cameras.has_credentials(camera),
        organisations=[org.name for org in services.accounts.own_organisation(session, request.state.identity.actor)],
        kinds=KINDS,
        transports=TRANSPORTS,
        regimes=[regime.value for regime in LegalRegime],
        may_publish=may(request.state.identity.actor, Action.EDIT_TRANSPARENCY),
        register_profile=services.register.profile_of(session, camera.organisation_id),
        error=say(request, error),
    )


@router.get("/cameras/{ref}/edit")
def camera_edit_page(
    request: Request,
    ref: str,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    camera = services.cameras.require(session, identity.actor, ref, Action.MANAGE_CAMERAS, detail={"change": "open"})
    values = {**_form_values(camera), **_publication_values(services, session, camera)}
    return _render_edit(request, services, session, camera, values)


@router.post("/cameras/{ref}/edit")
async def camera_edit_submit(
    request: Request,
    ref: str,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    form = await request.form()
    extra = ("username", "password", "clear_credentials", "enabled", *MOTION_FIELDS, *PUBLICATION_FIELDS)
    values = {field: str(form.get(field, "")) for field in (*CAMERA_FIELDS, *extra)}
    camera = services.cameras.find(session, ref)

    def change() -> str:
        for field, label, limit in (
            ("main_url", _("main stream"), 2000),
            ("sub_url", _("sub-stream"), 2000),
            ("password", _("password"), 500),
        ):
            if len(values[field]) > limit:
                raise InvalidInput(_("{field}: at most {count} characters", field=label, count=limit))
        username: str | None = values["username"] or None
        password: str | None = values["password"] or None
        if values["clear_credentials"]:
            username = password = ""
        spec = CameraSpec(
            name=values["name"],
            organisation=values["organisation"],
            kind=values["kind"],
            legal_regime=values["legal_regime"],
            main_url=values["main_url"],
            sub_url=values["sub_url"],
            username=username,
            password=password,
            transport=values["transport"],
            street=values["street"],
            area=values["area"],
            latitude=_optional_float(values["latitude"], _("latitude")),
            longitude=_optional_float(values["longitude"], _("longitude")),
            clear_position=not values["latitude"].strip() and not values["longitude"].strip(),
            retention_max_days=_optional_int(values["retention_max_days"], _("retention (maximum)")),
            retention_min_days=_optional_int(values["retention_min_days"], _("retention (minimum)")),
            council_consent_ref=values["council_consent_ref"],
            enabled=bool(values["enabled"]),
            motion_enabled=bool(values["motion_enabled"]),
            motion_sensitivity=_motion_sensitivity(values["motion_sensitivity"]),
            motion_zones=zones_from_text(values["motion_zones"]),
        )
        changed = services.cameras.update(session, identity.actor, ref, spec)
        publication = _publication_change(services, session, changed, values) if "municipality" in form else None
        if publication is not None:
            services.register.publish(session, identity.actor, str(changed.id), publication)
        return _("Camera '{name}' saved.", name=changed.name)

    def failed(exc: BelfortError) -> HTMLResponse:
        assert camera is not None  # an unknown camera is refused (403/404), not shown again
        session.refresh(camera)
        return _render_edit(request, services, session, camera, values, exc.status_code, exc.message)

    return _saved(request, services, session, change, failed, f"/cameras/{camera.id if camera else ref}")


@router.get("/cameras/{ref}")
def camera_page(
    request: Request,
    ref: str,
    day: QueryText = "",
    at: QueryText = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    zone = services.settings.zone
    error: str = ""
    moment = None
    if at.strip():
        try:
            moment = parse_local(at, zone)
        except ValueError as exc:
            reason = exc.args[0] if exc.args and isinstance(exc.args[0], Message) else None
            error = say(request, reason or _("'{moment}' is not a moment: use YYYY-MM-DD HH:MM:SS.", moment=at))
    today = services.clock().astimezone(zone).date()
    shown = moment.astimezone(zone).date() if moment else today
    if day.strip():
        try:
            shown = date.fromisoformat(day.strip())
        except ValueError:
            error, shown = say(request, _("'{day}' is not a day: use YYYY-MM-DD.", day=day)), today
    try:
        first, last = local_day(shown, zone)
    except (ValueError, OverflowError):  # a day at the edge of year 1 or 9999 does not convert
        error = say(request, _("'{day}' is not a day: use YYYY-MM-DD.", day=day or shown.isoformat()))
        shown, moment = today, None
        first, last = local_day(shown, zone)
    index = services.playback.index(session, identity.actor, ref, first, last)
    camera = index.camera
    actor = identity.actor
    context: dict[str, Any] = {
        "camera": camera,
        "status": services.media.status(camera.id),
        "day": shown.isoformat(),
        "shown_day": shown.isoformat() if day.strip() and not error else "",
        "day_start": first,
        "day_hours": round((last - first).total_seconds() / 3600),
        "at": iso_utc(moment) if moment else "",
        "segments": index.segments,
        "gaps": index.gaps,
        "holds": index.holds,
        "may_play": may(actor, Action.VIEW_RECORDING),
        "may_live": may(actor, Action.VIEW_LIVE),
        "may_hold": may(actor, Action.PLACE_HOLD),
        "may_export": may(actor, Action.EXPORT_EVIDENCE),
        "may_manage": may(actor, Action.MANAGE_CAMERAS),
        "min_justification": services.settings.policy.justification_min_length,
        "administrative_days": services.settings.policy.administrative_consult_days,
        "error": error,
        "position": sees_exact_position(actor),
    }
    return render(request, "camera.html", **context)
