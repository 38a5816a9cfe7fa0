"""Server-rendered pages: the frame every page is drawn in, the navigation, and home.

Each area has its own module (`camera_pages`, `audit_pages`, `admin_pages`, `holds`,
`evidence`, `anpr_pages`, `wall`, `login`). Pages call the same services and so the same
policy gate as the API; they decide nothing about access: the menu only offers what the
role may use (`policy.may`), and opening a page asks the gate. Forms that change state
carry the session's CSRF token (checked in `belfort.web.deps`) and answer with a redirect
(post/redirect/get, `belfort.web.flash`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from belfort.app import Services
from belfort.audit.chain import decode_resources
from belfort.auth.service import Identity
from belfort.policy import Action, Role, capabilities, may, role_title
from belfort.policy.rules import ROLE_TITLES
from belfort.timeutil import iso_utc
from belfort.web.deps import current_identity
from belfort.web.flash import taken


def details(text: str) -> list[tuple[str, str]]:
    """An audit record's detail (JSON) as (key, value) pairs to show."""
    try:
        parsed = json.loads(text) if text else {}
    except ValueError:
        return [("detail", text)]
    if not isinstance(parsed, dict):
        return [("detail", str(parsed))]
    return [(str(key), value if isinstance(value, str) else json.dumps(value)) for key, value in parsed.items()]


TEMPLATES = Jinja2Templates(directory=Path(__file__).parent.parent / "templates")
TEMPLATES.env.filters["utc"] = lambda value: iso_utc(value)[:19].replace("T", " ") if value else ""
TEMPLATES.env.globals["decode_resources"] = decode_resources
TEMPLATES.env.globals["details"] = details

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
    Action.VERIFY_AUDIT: "/audit/verify",
    Action.VIEW_HOLDS: "/holds",
    Action.VIEW_EXPORTS: "/evidence",
    Action.USE_WALL: "/wall",
    Action.VIEW_CAMERA: "/cameras",
    Action.MANAGE_CAMERAS: "/cameras",
    Action.MANAGE_USERS: "/admin#users",
    Action.MANAGE_ORGANISATIONS: "/admin#organisations",
    Action.MANAGE_TOKENS: "/admin#tokens",
}

FormText = Annotated[str, Form(max_length=200)]
QueryText = Annotated[str, Query(max_length=200)]


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page in the site's frame; a message left by the form that redirected here is shown once."""
    identity: Identity | None = getattr(request.state, "identity", None)
    services: Services = request.app.state.services
    if request.method == "GET":
        flash = taken(request)
        if flash.notice and not context.get("notice"):
            context = {**context, "notice": flash.notice, **flash.extra}
    base = {
        "site_name": services.settings.site_name,
        "identity": identity,
        "actor": identity.actor if identity else None,
        "csrf_token": identity.csrf_token if identity else "",
        "role_title": ROLE_TITLES.get(identity.actor.role, "") if identity and identity.actor.role else "",
        "role_with_article": role_title(identity.actor.role) if identity else "",
        "nav": _nav(identity),
    }
    return TEMPLATES.TemplateResponse(request, name, {**base, **context}, status_code=status_code)


def _nav(identity: Identity | None) -> list[tuple[str, str]]:
    """The menu: the pages the role may open (the gate decides again when one is opened)."""
    if identity is None or identity.actor.role is None:
        return []
    actor = identity.actor
    links = [("Home", "/")]
    if may(actor, Action.USE_WALL):
        links.append(("Wall", "/wall"))
    links.append(("Cameras", "/cameras"))
    if may(actor, Action.VIEW_EXPORTS):
        links.append(("Evidence", "/evidence"))
    if may(actor, Action.VIEW_HOLDS):
        links.append(("Holds", "/holds"))
    if may(actor, Action.HANDLE_HITS):
        links.append(("ANPR", "/anpr/hits"))
    elif may(actor, Action.SEARCH_PLATES) or may(actor, Action.MANAGE_CAMERAS):
        links.append(("ANPR", "/anpr/search" if may(actor, Action.SEARCH_PLATES) else "/anpr/sections"))
    if may(actor, Action.REVIEW_AUDIT):
        links.append(("Audit", "/audit"))
    elif may(actor, Action.VERIFY_AUDIT):
        links.append(("Audit", "/audit/verify"))
    if may(actor, Action.MANAGE_USERS):
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
