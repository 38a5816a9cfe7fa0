"""Camera pages: the list, a camera's page (timeline and player), and the administrator's
forms to register and edit cameras.

Thin over `belfort.cameras.service` and `belfort.viewing.playback`: the list is the
actor's `visible` cameras; a camera's page is a `camera.view` the gate decides (a camera
of another organisation, or none, is refused alike and recorded). Forms answer with a
redirect (post/redirect/get).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.auth.service import Identity
from belfort.cameras.models import Camera
from belfort.cameras.service import KINDS, TRANSPORTS, CameraSpec, redact_url
from belfort.errors import BelfortError, InvalidInput
from belfort.policy import Action, LegalRegime, may, sees_exact_position
from belfort.timeutil import iso_utc, parse_iso
from belfort.web.deps import current_identity, db_session, get_services
from belfort.web.rendering import FormText, QueryText, render
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
        organisations=services.accounts.organisation_names(session) if manage else [],
        kinds=KINDS,
        error=error,
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
        raise InvalidInput(f"{label} must be a number, like 50.9307") from None


def _optional_int(value: str, label: str) -> int | None:
    if not value.strip():
        return None
    if not value.strip().isdigit():
        raise InvalidInput(f"{label} must be a whole number of days")
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
    main_url: Annotated[str, Form(max_length=2000)],
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
            latitude=_optional_float(latitude, "latitude"),
            longitude=_optional_float(longitude, "longitude"),
            council_consent_ref=council_consent_ref,
        )
        camera = services.cameras.add(session, identity.actor, spec)
        return f"Camera '{camera.name}' registered (disabled until you enable it)."

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
            return f"Camera '{camera.name}' removed; its recordings stay until their retention ends."
        camera = services.cameras.update(session, identity.actor, ref, CameraSpec(enabled=state == "enable"))
        return f"Camera '{camera.name}' {state}d."

    def failed(exc: BelfortError) -> HTMLResponse:
        return _render_list(request, services, session, identity, exc.status_code, exc.message)

    return _saved(request, services, session, change, failed, "/cameras")


def _form_values(camera: Camera) -> dict[str, str]:
    values = {
        field: "" if getattr(camera, field, None) is None else str(getattr(camera, field)) for field in CAMERA_FIELDS
    }
    values["organisation"] = camera.organisation.name
    values["main_url"] = redact_url(camera.main_url)
    values["sub_url"] = redact_url(camera.sub_url)
    return values


def _render_edit(
    request: Request,
    services: Services,
    session: Session,
    camera: Camera,
    values: dict[str, str],
    status_code: int = 200,
    error: str = "",
) -> HTMLResponse:
    return render(
        request,
        "camera_edit.html",
        status_code=status_code,
        camera=camera,
        values=values,
        credentials=services.cameras.has_credentials(camera),
        organisations=services.accounts.organisation_names(session),
        kinds=KINDS,
        transports=TRANSPORTS,
        regimes=[regime.value for regime in LegalRegime],
        error=error,
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
    return _render_edit(request, services, session, camera, _form_values(camera))


@router.post("/cameras/{ref}/edit")
async def camera_edit_submit(
    request: Request,
    ref: str,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    form = await request.form()
    extra = ("username", "password", "clear_credentials", "enabled")
    values = {field: str(form.get(field, "")) for field in (*CAMERA_FIELDS, *extra)}
    camera = services.cameras.find(session, ref)

    def change() -> str:
        for field, limit in (("main_url", 2000), ("sub_url", 2000), ("password", 500)):
            if len(values[field]) > limit:
                raise InvalidInput(f"{field.replace('_', ' ')}: at most {limit} characters")
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
            latitude=_optional_float(values["latitude"], "latitude"),
            longitude=_optional_float(values["longitude"], "longitude"),
            clear_position=not values["latitude"].strip() and not values["longitude"].strip(),
            retention_max_days=_optional_int(values["retention_max_days"], "retention (maximum)"),
            retention_min_days=_optional_int(values["retention_min_days"], "retention (minimum)"),
            council_consent_ref=values["council_consent_ref"],
            enabled=bool(values["enabled"]),
        )
        changed = services.cameras.update(session, identity.actor, ref, spec)
        return f"Camera '{changed.name}' saved."

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
    now = services.clock()
    error = ""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    try:
        first = parse_iso(day + "T00:00:00") if day.strip() else midnight
    except ValueError:
        error, first = f"'{day}' is not a day: use YYYY-MM-DD.", midnight
    moment = ""
    if at.strip():
        try:
            moment = iso_utc(parse_iso(at))
        except ValueError:
            error = f"'{at}' is not a moment: use YYYY-MM-DDTHH:MM:SSZ."
    index = services.playback.index(session, identity.actor, ref, first, first + timedelta(days=1))
    camera = index.camera
    actor = identity.actor
    context: dict[str, Any] = {
        "camera": camera,
        "status": services.media.status(camera.id),
        "day": first.date().isoformat(),
        "at": moment,
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
        "position": sees_exact_position(actor, camera.organisation_id),
    }
    return render(request, "camera.html", **context)
