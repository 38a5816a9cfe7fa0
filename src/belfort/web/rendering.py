"""Drawing pages: the templates, the site's frame and menu, and the error page.

Every page module renders through `render`, so the frame, the CSRF token and a message left
by a form that redirected here (`belfort.web.flash`) are the same everywhere. The menu
offers only what the role may use (`policy.may`); it decides nothing: opening a page asks
the gate.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from starlette.requests import HTTPConnection

from belfort.app import Services
from belfort.audit.chain import decode_resources
from belfort.auth.service import Identity
from belfort.i18n import (
    LANGUAGE_NAMES,
    LANGUAGES,
    _,
    current_language,
    format_datetime,
    gettext,
    negotiate,
    ngettext,
    script_messages,
    translate,
)
from belfort.policy import Action, Actor, may, role_title
from belfort.policy.rules import ROLE_TITLES
from belfort.timeutil import iso_utc
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


LANGUAGE_COOKIE = "belfort_lang"
"""The language picked on the login page (before anyone signs in), or on the account page."""
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


def remember_language(response: Response, language: str, secure: bool) -> None:
    """Keep the language picked in this browser (`language_of` reads it) for a year."""
    response.set_cookie(
        LANGUAGE_COOKIE, language, max_age=LANGUAGE_COOKIE_SECONDS, httponly=True, samesite="lax", secure=secure
    )


def language_of(request: HTTPConnection) -> str:
    """The language a page or an answer is written in: the one the person chose, else the
    one picked in this browser (`belfort_lang`, from the login page), else the one the
    browser asks for among Belfort's, else the site's."""
    identity: Identity | None = getattr(request.state, "identity", None)
    if identity is not None and identity.language in LANGUAGES:
        return identity.language
    picked = request.cookies.get(LANGUAGE_COOKIE, "")
    if picked in LANGUAGES:
        return picked
    services: Services = request.app.state.services
    return negotiate(request.headers.get("accept-language", ""), services.settings.language)


def say(request: HTTPConnection, message: str) -> str:
    """A message (see `belfort.i18n`) in the language of the person asking."""
    return translate(message, language_of(request))


TEMPLATES = Jinja2Templates(
    env=Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True, extensions=["jinja2.ext.i18n"]
    )
)
TEMPLATES.env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
TEMPLATES.env.filters["utc"] = lambda value: iso_utc(value)[:19].replace("T", " ") if value else ""
TEMPLATES.env.globals["decode_resources"] = decode_resources
TEMPLATES.env.globals["details"] = details

FormText = Annotated[str, Form(max_length=200)]
QueryText = Annotated[str, Query(max_length=200)]


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page in the site's frame; a message left by the form that redirected here is shown once."""
    identity: Identity | None = getattr(request.state, "identity", None)
    services: Services = request.app.state.services
    language = language_of(request)
    zone = services.settings.zone
    if request.method == "GET":
        flash = taken(request)
        if flash.notice and not context.get("notice"):
            context = {**context, "notice": translate(flash.notice, language), **flash.extra}
    base = {
        "site_name": services.settings.site_name,
        "identity": identity,
        "actor": identity.actor if identity else None,
        "csrf_token": identity.csrf_token if identity else "",
        "role_title": ROLE_TITLES.get(identity.actor.role, "") if identity and identity.actor.role else "",
        "role_with_article": role_title(identity.actor.role) if identity else "",
        "nav": (nav := _nav(identity)),
        "nav_current": _current(nav, request.url.path, identity),
        "alarm_pages": alarm_tabs(identity.actor) if identity else [],
        "request_badge": getattr(request.state, "request_badge", 0),
        "language": language,
        "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        "time_zone": services.settings.time_zone,
        "script_messages": script_messages(language),
        "local": lambda value, pattern="yyyy-MM-dd HH:mm:ss xxx": (
            format_datetime(value, language, zone, pattern) if isinstance(value, datetime) else ""
        ),
        "say": lambda message: translate(message, language),
    }
    # Templates render here, synchronously: the language holds for exactly this page.
    token = current_language.set(language)
    try:
        return TEMPLATES.TemplateResponse(request, name, {**base, **context}, status_code=status_code)
    finally:
        current_language.reset(token)


GOVERNANCE_PAGE = "/governance"


def _current(nav: list[tuple[str, str]], path: str, identity: Identity | None) -> str:
    """The menu entry of the page shown: its own, or the oversight entry for the pages under it."""
    if any(href == path for _label, href in nav) or identity is None:
        return path
    for _label, href, _what in governance_links(identity.actor):
        if path.startswith(href.rsplit("/", 1)[0] or href):
            return GOVERNANCE_PAGE
    alarms = alarm_tabs(identity.actor)
    if alarms and path.startswith(("/incidents", "/alarms/")):
        return alarms[0][2]
    return ""


def alarm_tabs(actor: Actor) -> list[tuple[str, str, str]]:
    """The alarm pages the role may open, (key, label, href): the incident queue first. One
    menu entry leads to the first; the pages show the others as tabs."""
    tabs: list[tuple[str, str, str]] = []
    if may(actor, Action.VIEW_INCIDENTS):
        tabs.append(("incidents", _("Incidents"), "/incidents"))
    if may(actor, Action.VIEW_ALARMS) or may(actor, Action.MANAGE_PREMISES):
        tabs.append(("premises", _("Premises"), "/alarms/premises"))
        tabs.append(("receiver", _("Receiver"), "/alarms/receiver"))
    return tabs


GOVERNANCE: tuple[tuple[Action, str, str, str], ...] = (
    (
        Action.SUPERVISE_VIEWING,
        _("Control room"),
        "/staffing/supervision",
        _("Who watches which camera now, and why; designations and shifts."),
    ),
    (
        Action.VIEW_PROCESSING_REGISTER,
        _("Processing register"),
        "/processing",
        _("The register of processing activities and each camera's declaration."),
    ),
    (
        Action.HANDLE_SUBJECT_REQUESTS,
        _("Subject requests"),
        "/subject-requests",
        _("People asking to see images of themselves, with their legal deadlines."),
    ),
    (
        Action.MANAGE_AUTHORISATIONS,
        _("Authorisations"),
        "/authorisations",
        _("Prosecutors' and investigating judges' decisions that open older footage."),
    ),
    (
        Action.VIEW_DRONE_MISSIONS,
        _("Drones"),
        "/drones",
        _("Drone missions, their authorisations and the yearly report."),
    ),
    (
        Action.VIEW_ANNUAL_REPORT,
        _("Annual report"),
        "/reports/annual",
        _("A year of cameras, looks, refusals and requests, as charts and PDF."),
    ),
    (
        Action.EDIT_TRANSPARENCY,
        _("Public register"),
        "/register/profile",
        _("What citizens see: the streets with cameras and who to ask."),
    ),
)
"""The oversight pages, in the order listed: the action that opens each, its label, address
and what it is for."""


def governance_links(actor: Actor) -> list[tuple[str, str, str]]:
    """The oversight pages the role may open: (label, href, what it is for). The menu shows
    them under one "Governance" entry."""
    return [(label, href, what) for action, label, href, what in GOVERNANCE if may(actor, action)]


def _nav(identity: Identity | None) -> list[tuple[str, str]]:
    """The menu: the pages the role may open (the gate decides again when one is opened);
    none while the person must first choose a new password. The oversight pages share one
    entry (a page listing them) so that the menu stays on one line on a 1366-pixel screen."""
    if identity is None or identity.actor.role is None or identity.must_change_password:
        return []
    actor = identity.actor
    links = [(_("Home"), "/")]
    if may(actor, Action.USE_WALL):
        links.append((_("Wall"), "/wall"))
    links.append((_("Cameras"), "/cameras"))
    links.append((_("Map"), "/map"))
    if may(actor, Action.VIEW_EXPORTS):
        links.append((_("Evidence"), "/evidence"))
    if may(actor, Action.VIEW_HOLDS):
        links.append((_("Holds"), "/holds"))
    if may(actor, Action.HANDLE_HITS):
        links.append((_("ANPR"), "/anpr/hits"))
    elif may(actor, Action.SEARCH_PLATES) or may(actor, Action.MANAGE_CAMERAS):
        links.append((_("ANPR"), "/anpr/search" if may(actor, Action.SEARCH_PLATES) else "/anpr/sections"))
    alarms = alarm_tabs(actor)
    if alarms:
        links.append((_("Incidents") if alarms[0][0] == "incidents" else _("Alarms"), alarms[0][2]))
    if may(actor, Action.VIEW_SHARING):
        links.append((_("Sharing"), "/sharing/grants"))
    if may(actor, Action.VIEW_SHARING) or may(actor, Action.ASK_ACCESS):
        links.append((_("Requests"), "/requests"))
    if governance_links(actor):
        links.append((_("Governance"), GOVERNANCE_PAGE))
    if may(actor, Action.REVIEW_AUDIT):
        links.append((_("Audit"), "/audit"))
    elif may(actor, Action.VERIFY_AUDIT):
        links.append((_("Audit"), "/audit/verify"))
    if may(actor, Action.MANAGE_USERS):
        links.append((_("Administration"), "/admin"))
    if may(actor, Action.VIEW_CLUSTER):
        links.append((_("Cluster"), "/cluster"))
    return links


def error_page(request: Request, status_code: int, message: str) -> HTMLResponse:
    return render(request, "error.html", status_code=status_code, status=status_code, message=say(request, message))
