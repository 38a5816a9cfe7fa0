"""The signed-in person's own account: the language of their pages and their password.

Thin over `belfort.auth.service.AccountService`, which audits both changes. Changing the
password asks for the current one (a wrong one counts as a failed sign-in from that
address), ends the person's other sessions and lifts an administrator's reset. The
password page is the one page open to someone whose password was reset
(`belfort.web.deps.WHILE_CHANGING_PASSWORD`). The language chosen here is also remembered
in this browser (`belfort_lang`), so the login page speaks it after signing out.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.auth.service import Identity, LoginThrottled
from belfort.errors import BelfortError, InvalidInput
from belfort.i18n import _
from belfort.web.deps import current_identity, db_session, get_services
from belfort.web.rendering import LANGUAGE_COOKIE, render, say
from belfort.web.routes.common import apply_form

router = APIRouter(include_in_schema=False)

LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600
Password = Annotated[str, Form(max_length=256)]


def _page(
    request: Request,
    services: Services,
    identity: Identity,
    name: str = "account",
    status_code: int = 200,
    error: str = "",
) -> HTMLResponse:
    return render(
        request,
        "account.html",
        status_code=status_code,
        page=name,
        forced=identity.must_change_password,
        chosen=identity.language,
        min_password=services.settings.security.password_min_length,
        error=error,
    )


@router.get("/account")
def account_page(
    request: Request,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
) -> HTMLResponse:
    return _page(request, services, identity)


@router.post("/account/language")
def account_language(
    request: Request,
    language: Annotated[str, Form(max_length=8)] = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    def change() -> str:
        services.accounts.set_language(session, identity.actor, language)
        return _("Language saved.")

    def failed(exc: BelfortError) -> Response:
        return _page(request, services, identity, status_code=exc.status_code, error=say(request, exc.message))

    response = apply_form(request, session, change, failed, "/account")
    if response.status_code == 303:
        secure = services.settings.server.secure_cookies
        if language:
            response.set_cookie(
                LANGUAGE_COOKIE, language, max_age=LANGUAGE_COOKIE_SECONDS, httponly=True, samesite="lax", secure=secure
            )
        else:
            response.delete_cookie(LANGUAGE_COOKIE, httponly=True, samesite="lax", secure=secure)
    return response


@router.get("/account/password")
def password_page(
    request: Request,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
) -> HTMLResponse:
    """Change one's password; after an administrator's reset, the only page that opens."""
    return _page(request, services, identity, "password")


@router.post("/account/password")
def password_change(
    request: Request,
    current: Password,
    new: Password,
    repeat: Password,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    client = request.client.host if request.client else ""

    def change() -> str:
        if new != repeat:
            raise InvalidInput(_("The two new passwords differ: type the same one twice."))
        services.accounts.change_own_password(session, identity.actor, identity.session_id, current, new, client)
        return _("Password changed. Your other sessions have ended.")

    def failed(exc: BelfortError) -> Response:
        page = _page(request, services, identity, "password", exc.status_code, say(request, exc.message))
        if isinstance(exc, LoginThrottled):
            page.headers["Retry-After"] = str(exc.retry_after)
        return page

    return apply_form(request, session, change, failed, "/account")
