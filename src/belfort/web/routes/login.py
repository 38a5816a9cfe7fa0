"""The login page, sign-in by form and sign-out.

The login form carries a pre-session CSRF token: each rendering of the form draws a new
random value, sets it in a short-lived HttpOnly, SameSite=Strict cookie and in a hidden
field, and a sign-in is only checked when both came back equal. So another site cannot
sign a browser in under the other site's account (login CSRF). The JSON login of the API
involves no cookie and needs no such token.

Before signing in, the page speaks the browser's language, or the one picked from its
language links (`?lang=fr`, remembered in the `belfort_lang` cookie, see
`belfort.web.rendering.language_of`). A person whose password an administrator reset is
taken to the page where they choose a new one.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.auth.service import Identity, LoginThrottled
from belfort.errors import InvalidInput, LoginRefused
from belfort.i18n import LANGUAGES, _
from belfort.web.deps import CHANGE_PASSWORD_PAGE, SESSION_COOKIE, current_identity, db_session, get_services
from belfort.web.rendering import error_page, remember_language, render, say

router = APIRouter(include_in_schema=False)

LOGIN_CSRF_COOKIE = "belfort_login_csrf"
LOGIN_CSRF_SECONDS = 30 * 60
"""How long a login form stays usable."""


def _safe_next(target: str) -> str:
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _login_form(
    request: Request, services: Services, next: str, status_code: int = 200, error: str = "", username: str = ""
) -> HTMLResponse:
    """The form with a fresh pre-session token, in its cookie and in the page."""
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        status_code=status_code,
        next=_safe_next(next),
        error=error,
        username=username,
        login_csrf=token,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=LOGIN_CSRF_SECONDS,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=services.settings.server.secure_cookies,
    )
    return response


@router.get("/login")
def login_page(
    request: Request,
    next: str = "/",
    lang: str = "",
    services: Services = Depends(get_services),
) -> Response:
    """The login form; `?lang=` picks its language for this browser and shows the form again."""
    next = next[:500]
    if not lang:
        return _login_form(request, services, next)
    if lang not in LANGUAGES:
        problem = _("lang: choose one of {choices}", choices=", ".join(LANGUAGES))
        return _login_form(request, services, next, status_code=422, error=say(request, problem))
    response = RedirectResponse(f"/login?next={quote(_safe_next(next), safe='/')}", status_code=303)
    remember_language(response, lang, services.settings.server.secure_cookies)
    return response


@router.post("/login")
def login_submit(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form(max_length=500)] = "/",
    login_csrf: Annotated[str, Form(max_length=100)] = "",
    services: Services = Depends(get_services),
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not login_csrf or not expected or not hmac.compare_digest(login_csrf, expected):
        return error_page(
            request,
            403,
            _(
                "This sign-in form has expired or was not sent by this site's login page: "
                "reload the login page and sign in again."
            ),
        )
    client = request.client.host if request.client else ""
    try:
        with services.db.session() as session:
            signed_in = services.accounts.login(session, username, password, kind="web", client=client)
    except (LoginRefused, InvalidInput) as refusal:
        form = _login_form(
            request,
            services,
            next,
            status_code=refusal.status_code,
            error=say(request, refusal.message),
            username=username,
        )
        if isinstance(refusal, LoginThrottled):
            form.headers["Retry-After"] = str(refusal.retry_after)
        return form
    target = CHANGE_PASSWORD_PAGE if signed_in.user.must_change_password else _safe_next(next)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        signed_in.token,
        httponly=True,
        samesite="lax",
        secure=services.settings.server.secure_cookies,
        max_age=int(services.settings.security.session_hours * 3600),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(
    request: Request,
    _identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    services.accounts.logout(session, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
