"""Server-rendered pages: home, audit review and administration (the login page: `login.py`).

Pages call the same services and the same policy gate as the API. Forms that change
state carry the session's CSRF token (checked in `belfort.web.deps`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.audit import AuditFilter
from belfort.audit.chain import decode_resources
from belfort.auth.service import KNOWN_SCOPES, Identity
from belfort.cameras.service import KINDS, CameraSpec
from belfort.errors import BelfortError, Forbidden, InvalidInput, NotFound
from belfort.media.recordings import gaps_overlapping, holds_overlapping, segments_overlapping
from belfort.policy import (
    Action,
    OrganisationKind,
    Resource,
    ResourceKind,
    Role,
    capabilities,
    sees_camera,
    sees_exact_position,
)
from belfort.policy.rules import ACTIONS, ROLE_TITLES
from belfort.timeutil import iso_utc, parse_iso
from belfort.web.deps import current_identity, db_session, get_services
from belfort.web.routes.common import enforce, review_audit
from belfort.web.routes.live import CLOSED_ACTION, watching_now
from belfort.web.routes.schemas import BIGINT_MAX

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent.parent / "templates")
TEMPLATES.env.filters["utc"] = lambda value: iso_utc(value)[:19].replace("T", " ") if value else ""
TEMPLATES.env.globals["decode_resources"] = decode_resources

router = APIRouter(include_in_schema=False)

PAGES: dict[Action, str] = {
    Action.VIEW_LIVE: "/wall",
    Action.VIEW_RECORDING: "/cameras",
    Action.EXPORT_EVIDENCE: "/evidence",
    Action.PLACE_HOLD: "/holds",
    Action.LIFT_HOLD: "/holds?state=active",
    Action.HANDLE_HITS: "/anpr/hits",
    Action.SEARCH_PLATES: "/anpr/search",
    Action.MANAGE_HOTLISTS: "/anpr/hotlists",
    Action.REVIEW_AUDIT: "/audit",
    Action.MANAGE_USERS: "/admin#users",
    Action.MANAGE_ORGANISATIONS: "/admin#organisations",
    Action.MANAGE_TOKENS: "/admin#tokens",
}

FormText = Annotated[str, Form(max_length=200)]
QueryText = Annotated[str, Query(max_length=200)]


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    identity: Identity | None = getattr(request.state, "identity", None)
    services: Services = request.app.state.services
    base = {
        "site_name": services.settings.site_name,
        "identity": identity,
        "actor": identity.actor if identity else None,
        "csrf_token": identity.csrf_token if identity else "",
        "role_title": ROLE_TITLES.get(identity.actor.role, "") if identity and identity.actor.role else "",
        "nav": _nav(identity),
    }
    return TEMPLATES.TemplateResponse(request, name, {**base, **context}, status_code=status_code)


def _nav(identity: Identity | None) -> list[tuple[str, str]]:
    if identity is None or identity.actor.role is None:
        return []
    role = identity.actor.role
    links = [("Home", "/")]
    if role in ACTIONS[Action.VIEW_LIVE].roles:
        links.append(("Wall", "/wall"))
    links.append(("Cameras", "/cameras"))
    if role in ACTIONS[Action.EXPORT_EVIDENCE].roles or role is Role.DPO:
        links.append(("Evidence", "/evidence"))
    if role in ACTIONS[Action.PLACE_HOLD].roles or role is Role.DPO:
        links.append(("Holds", "/holds"))
    anpr_roles = (
        ACTIONS[Action.HANDLE_HITS].roles | ACTIONS[Action.SEARCH_PLATES].roles | ACTIONS[Action.MANAGE_CAMERAS].roles
    )
    if role in anpr_roles:
        links.append(("ANPR", "/anpr/hits" if role in ACTIONS[Action.HANDLE_HITS].roles else "/anpr/sections"))
    if role in ACTIONS[Action.REVIEW_AUDIT].roles:
        links.append(("Audit", "/audit"))
    if role in ACTIONS[Action.MANAGE_USERS].roles:
        links.append(("Administration", "/admin"))
    links.append(("API", "/api/docs"))
    return links


def error_page(request: Request, status_code: int, message: str) -> HTMLResponse:
    return render(request, "error.html", status_code=status_code, status=status_code, message=message)


@router.get("/")
def home(request: Request, identity: Identity = Depends(current_identity)) -> Response:
    actor = identity.actor
    if actor.role is Role.OPERATOR:
        return RedirectResponse("/wall", status_code=303)
    allowed = [(action, text, PAGES.get(action)) for action, text in capabilities(actor.role)] if actor.role else []
    return render(request, "home.html", allowed=allowed)


WALL_LAYOUTS = (("1", "1"), ("2x2", "2x2"), ("3x3", "3x3"), ("4x4", "4x4"), ("1+5", "1+5"))


@router.get("/wall")
def wall_page(request: Request, identity: Identity = Depends(current_identity)) -> HTMLResponse:
    """The video wall (control-room operators land here)."""
    if identity.actor.role not in ACTIONS[Action.VIEW_LIVE].roles:
        title = ROLE_TITLES[identity.actor.role] if identity.actor.role else "this account"
        raise Forbidden(f"A {title} may not watch cameras live; the video wall is for designated operators.")
    services: Services = request.app.state.services
    return render(
        request,
        "wall.html",
        layouts=WALL_LAYOUTS,
        min_justification=services.settings.policy.justification_min_length,
        hits=identity.actor.role in ACTIONS[Action.HANDLE_HITS].roles,
    )


def _parse_time(value: str, label: str) -> datetime | None:
    if not value.strip():
        return None
    try:
        return parse_iso(value)
    except ValueError:
        raise BelfortError(f"'{value}' is not a date and time for '{label}': use YYYY-MM-DD HH:MM (UTC).") from None


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
        flt = AuditFilter(
            person=person.strip(),
            camera=camera.strip(),
            purpose=purpose.strip(),
            outcome=outcome if outcome in ("granted", "refused") else "",
            action=action.strip(),
            since=_parse_time(since, "from"),
            until=_parse_time(until, "until"),
            before_seq=before_seq,
            limit=50,
        )
    except BelfortError as exc:
        error, flt = exc.message, AuditFilter(limit=50)
    records = review_audit(services, session, identity.actor, flt)
    watching = watching_now(services, session, identity.actor, gate=False)
    may_verify = identity.actor.role in ACTIONS[Action.VERIFY_AUDIT].roles
    return render(
        request,
        "audit.html",
        records=records,
        values=values,
        error=error,
        actions=[a.value for a in Action] + ["auth.login", CLOSED_ACTION],
        may_verify=may_verify,
        watching=watching,
        next_before=records[-1].seq if len(records) == flt.limit else None,
    )


def _admin_context(services: Services, session: Session, identity: Identity) -> dict[str, Any]:
    for action, kind in (
        (Action.MANAGE_USERS, ResourceKind.USER),
        (Action.MANAGE_ORGANISATIONS, ResourceKind.ORGANISATION),
        (Action.MANAGE_TOKENS, ResourceKind.API_TOKEN),
    ):
        enforce(services, session, identity.actor, action, Resource(kind, "*", "all"))
    return {
        "users": services.accounts.list_users(session),
        "organisations": services.accounts.list_organisations(session),
        "tokens": services.accounts.list_tokens(session),
        "roles": [(r.value, ROLE_TITLES[r]) for r in Role],
        "org_kinds": [k.value for k in OrganisationKind],
        "scopes": sorted(KNOWN_SCOPES),
        "now": services.clock(),
    }


@router.get("/admin")
def admin_page(
    request: Request,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    return render(request, "admin.html", **_admin_context(services, session, identity), notice="", error="")


def _after_admin_change(
    request: Request, services: Services, session: Session, identity: Identity, change: Callable[[], Any]
) -> HTMLResponse:
    """Apply `change`; show the admin page with its outcome (4xx with the message on bad input).

    `change` returns the notice to show, or a (notice, extra template context) pair.
    """
    try:
        outcome = change()
    except BelfortError as exc:
        if exc.status_code == 403:
            raise
        context = _admin_context(services, session, identity)
        return render(request, "admin.html", status_code=exc.status_code, **context, notice="", error=exc.message)
    notice, extra = outcome if isinstance(outcome, tuple) else (outcome, {})
    session.flush()
    return render(
        request, "admin.html", **_admin_context(services, session, identity), notice=notice, error="", **extra
    )


@router.post("/admin/organisations")
def admin_add_organisation(
    request: Request,
    name: FormText,
    kind: Annotated[str, Form(max_length=20)],
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    def change() -> str:
        org = services.accounts.add_organisation(session, identity.actor, name, kind)
        return f"Organisation '{org.name}' added."

    return _after_admin_change(request, services, session, identity, change)


@router.post("/admin/users")
def admin_add_user(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    role: Annotated[str, Form(max_length=20)],
    organisation: FormText,
    password: Annotated[str, Form(max_length=256)],
    full_name: FormText = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    def change() -> str:
        user = services.accounts.add_user(
            session,
            identity.actor,
            username=username,
            role=role,
            organisation=organisation,
            password=password,
            full_name=full_name,
        )
        return f"User '{user.username}' added as {user.role}."

    return _after_admin_change(request, services, session, identity, change)


@router.post("/admin/users/{username}/active")
def admin_set_active(
    request: Request,
    username: str,
    active: Annotated[bool, Form()],
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    def change() -> str:
        user = services.accounts.set_active(session, identity.actor, username, active)
        return f"User '{user.username}' {'enabled' if active else 'disabled'}."

    return _after_admin_change(request, services, session, identity, change)


@router.post("/admin/tokens")
def admin_create_token(
    request: Request,
    name: FormText,
    organisation: FormText,
    scopes: Annotated[list[str], Form(max_length=10)],
    valid_days: Annotated[str, Form(max_length=5)] = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    def change() -> tuple[str, dict[str, str]]:
        days = None
        if valid_days.strip():
            if not valid_days.strip().isdigit():
                raise BelfortError("'Valid for' must be a whole number of days, or empty for no expiry.")
            days = int(valid_days)
        token, secret = services.accounts.create_token(
            session,
            identity.actor,
            name=name,
            organisation=organisation,
            scopes=scopes,
            valid_days=days,
        )
        notice = f"Token '{token.name}' issued. Copy the secret now: it is shown only once."
        return notice, {"new_secret": secret}

    return _after_admin_change(request, services, session, identity, change)


@router.post("/admin/tokens/{token_id}/revoke")
def admin_revoke_token(
    request: Request,
    token_id: str,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    def change() -> str:
        token = services.accounts.revoke_token(session, identity.actor, token_id)
        return f"Token '{token.name}' revoked."

    return _after_admin_change(request, services, session, identity, change)


def _camera_rows(services: Services, session: Session, identity: Identity) -> list[dict[str, Any]]:
    rows = []
    for camera in services.cameras.list(session):
        if not sees_camera(identity.actor, camera.organisation_id):
            continue
        rows.append({"camera": camera, "status": services.media.status(camera.id)})
    return rows


@router.get("/cameras")
def cameras_page(
    request: Request,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    return _render_cameras(request, services, session, identity)


def _render_cameras(
    request: Request,
    services: Services,
    session: Session,
    identity: Identity,
    status_code: int = 200,
    notice: str = "",
    error: str = "",
) -> HTMLResponse:
    role = identity.actor.role
    return render(
        request,
        "cameras.html",
        status_code=status_code,
        rows=_camera_rows(services, session, identity),
        may_manage=role in ACTIONS[Action.MANAGE_CAMERAS].roles,
        may_play=role in ACTIONS[Action.VIEW_RECORDING].roles,
        organisations=services.accounts.list_organisations(session) if role is Role.ADMIN else [],
        kinds=KINDS,
        notice=notice,
        error=error,
        events=services.media.recent_events(session) if role is Role.ADMIN else [],
    )


def _camera_change(
    request: Request, services: Services, session: Session, identity: Identity, change: Callable[[], str]
) -> HTMLResponse:
    try:
        notice = change()
    except BelfortError as exc:
        if exc.status_code == 403:
            raise
        session.rollback()
        return _render_cameras(request, services, session, identity, exc.status_code, error=exc.message)
    session.commit()
    services.media.sync_cameras()
    return _render_cameras(request, services, session, identity, notice=notice)


def _optional_float(value: str, label: str) -> float | None:
    if not value.strip():
        return None
    try:
        return float(value)
    except ValueError:
        raise InvalidInput(f"{label} must be a number, like 50.9307") from None


@router.post("/cameras")
def cameras_add(
    request: Request,
    name: FormText,
    organisation: FormText,
    main_url: Annotated[str, Form(max_length=2000)],
    kind: Annotated[str, Form(max_length=20)] = "fixed",
    street: FormText = "",
    area: FormText = "",
    latitude: Annotated[str, Form(max_length=30)] = "",
    longitude: Annotated[str, Form(max_length=30)] = "",
    council_consent_ref: FormText = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    def change() -> str:
        spec = CameraSpec(
            name=name,
            organisation=organisation,
            main_url=main_url,
            kind=kind,
            street=street,
            area=area,
            latitude=_optional_float(latitude, "latitude"),
            longitude=_optional_float(longitude, "longitude"),
            council_consent_ref=council_consent_ref,
        )
        camera = services.cameras.add(session, identity.actor, spec)
        return f"Camera '{camera.name}' registered (disabled until you enable it)."

    return _camera_change(request, services, session, identity, change)


@router.post("/cameras/{ref}/state")
def cameras_state(
    request: Request,
    ref: str,
    state: Annotated[str, Form(pattern="^(enable|disable|remove)$")],
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    def change() -> str:
        if state == "remove":
            camera = services.cameras.remove(session, identity.actor, ref)
            return f"Camera '{camera.name}' removed; its recordings stay until their retention ends."
        camera = services.cameras.update(session, identity.actor, ref, CameraSpec(enabled=state == "enable"))
        return f"Camera '{camera.name}' {state}d."

    return _camera_change(request, services, session, identity, change)


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
    camera = services.cameras.get(session, ref)
    if not sees_camera(identity.actor, camera.organisation_id):
        raise NotFound(f"no camera '{ref}'")
    now = services.clock()
    error = ""
    try:
        first = parse_iso(day + "T00:00:00") if day.strip() else now.replace(hour=0, minute=0, second=0, microsecond=0)
    except ValueError:
        error, first = f"'{day}' is not a day: use YYYY-MM-DD.", now.replace(hour=0, minute=0, second=0, microsecond=0)
    last = first + timedelta(days=1)
    moment = ""
    if at.strip():
        try:
            moment = iso_utc(parse_iso(at))
        except ValueError:
            error = f"'{at}' is not a moment: use YYYY-MM-DDTHH:MM:SSZ."
    role = identity.actor.role
    return render(
        request,
        "camera.html",
        camera=camera,
        status=services.media.status(camera.id),
        day=first.date().isoformat(),
        at=moment,
        segments=segments_overlapping(session, camera.id, first, last),
        gaps=gaps_overlapping(session, camera.id, first, last),
        holds=holds_overlapping(session, camera.id, first, last),
        may_play=role in ACTIONS[Action.VIEW_RECORDING].roles,
        may_live=role in ACTIONS[Action.VIEW_LIVE].roles,
        may_hold=role in ACTIONS[Action.PLACE_HOLD].roles,
        may_export=role in ACTIONS[Action.EXPORT_EVIDENCE].roles,
        min_justification=services.settings.policy.justification_min_length,
        administrative_days=services.settings.policy.administrative_consult_days,
        error=error,
        position=sees_exact_position(identity.actor, camera.organisation_id),
    )
