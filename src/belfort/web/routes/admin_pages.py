"""Administration pages: organisations, user accounts (added, edited, disabled, their
password reset) and machine tokens.

Thin over `belfort.auth.service.AccountService`, which passes the gate for every list and
change. Forms answer with a redirect (post/redirect/get): reloading the page after
"Issue token" shows the page again and issues nothing; the new token's secret, like a
generated temporary password, is shown once, on the page the form redirects to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.auth.models import User
from belfort.auth.service import KNOWN_SCOPES, Identity
from belfort.errors import BelfortError, InvalidInput
from belfort.i18n import _
from belfort.policy import Action, OrganisationKind, Role
from belfort.policy.rules import PLATFORM_ROLES, ROLE_TITLES, may
from belfort.web.deps import current_identity, db_session, get_services
from belfort.web.rendering import FormText, render, say
from belfort.web.routes.common import apply_form

router = APIRouter(include_in_schema=False)


def _choices(services: Services, session: Session, identity: Identity) -> dict[str, Any]:
    """The organisations and roles an administrator may give: the platform's administrator
    any, an organisation's administrator their own organisation and its roles."""
    actor = identity.actor
    platform = may(actor, Action.MANAGE_ORGANISATIONS)
    accounts = services.accounts
    return {
        "organisations": (
            accounts.list_organisations(session, actor) if platform else accounts.own_organisation(session, actor)
        ),
        "roles": [(r.value, ROLE_TITLES[r]) for r in Role if platform or r not in PLATFORM_ROLES],
    }


def _context(services: Services, session: Session, identity: Identity) -> dict[str, Any]:
    actor = identity.actor
    return {
        **_choices(services, session, identity),
        "manages_organisations": may(actor, Action.MANAGE_ORGANISATIONS),
        "users": services.accounts.list_users(session, actor),  # the gate refuses those who manage nothing
        "tokens": services.accounts.list_tokens(session, actor) if may(actor, Action.MANAGE_TOKENS) else None,
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
    return render(request, "admin.html", **_context(services, session, identity), error="")


def _change(
    request: Request,
    services: Services,
    session: Session,
    identity: Identity,
    change: Callable[[], str | tuple[str, dict[str, str]]],
    back: str = "/admin",
) -> Response:
    """Apply `change` and redirect to `back`; on bad input show the page again with the message."""

    def failed(exc: BelfortError) -> Response:
        context = _choices(services, session, identity)
        return render(request, "admin.html", status_code=exc.status_code, **context, error=say(request, exc.message))

    return apply_form(request, session, change, failed, back)


@router.post("/admin/organisations")
def admin_add_organisation(
    request: Request,
    name: FormText,
    kind: Annotated[str, Form(max_length=20)],
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    def change() -> str:
        org = services.accounts.add_organisation(session, identity.actor, name, kind)
        return _("Organisation '{name}' added.", name=org.name)

    return _change(request, services, session, identity, change, "/admin#organisations")


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
) -> Response:
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
        return _("User '{name}' added as {role}.", name=user.username, role=user.role)

    return _change(request, services, session, identity, change, "/admin#users")


@router.get("/admin/users/{username}")
def admin_user_page(
    request: Request,
    username: str,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """An account's edit form: full name, role, organisation, enabled or not, and its password reset."""
    user = services.accounts.managed_user(session, identity.actor, username)
    return _user_page(request, services, session, user)


def _user_page(
    request: Request, services: Services, session: Session, user: User, status_code: int = 200, error: str = ""
) -> HTMLResponse:
    identity: Identity = request.state.identity
    context = _choices(services, session, identity)
    return render(
        request,
        "admin_user.html",
        status_code=status_code,
        user=user,
        roles=context["roles"],
        organisations=[org.name for org in context["organisations"]],
        now=services.clock(),
        min_password=services.settings.security.password_min_length,
        error=say(request, error),
    )


@router.post("/admin/users/{username}")
def admin_user_update(
    request: Request,
    username: str,
    full_name: FormText,
    role: Annotated[str, Form(max_length=20)],
    organisation: FormText,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    def change() -> str:
        user = services.accounts.update_user(
            session, identity.actor, username, full_name=full_name, role=role, organisation=organisation
        )
        return _("User '{name}' changed.", name=user.username)

    def failed(exc: BelfortError) -> Response:
        target = services.accounts.user_by_name(session, username)
        return _user_page(request, services, session, target, exc.status_code, exc.message)

    return apply_form(request, session, change, failed, "/admin#users")


@router.post("/admin/users/{username}/password")
def admin_reset_password(
    request: Request,
    username: str,
    password: Annotated[str, Form(max_length=256)] = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    """A temporary password, the one typed or a generated one shown once: the account's
    sessions end and its owner must choose a new password at the next sign-in."""

    def change() -> str | tuple[str, dict[str, str]]:
        user, temporary = services.accounts.reset_password(session, identity.actor, username, password)
        notice = _(
            "Password of '{name}' reset and their sessions ended: they choose a new one when they next sign in.",
            name=user.username,
        )
        return notice if password else (notice, {"temporary_password": temporary})

    def failed(exc: BelfortError) -> Response:
        target = services.accounts.user_by_name(session, username)
        return _user_page(request, services, session, target, exc.status_code, exc.message)

    return apply_form(request, session, change, failed, f"/admin/users/{quote(username.strip().lower())}")


@router.post("/admin/users/{username}/active")
def admin_set_active(
    request: Request,
    username: str,
    active: Annotated[bool, Form()],
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    def change() -> str:
        user = services.accounts.set_active(session, identity.actor, username, active)
        if active:
            return _("User '{name}' enabled (sign-in throttling cleared).", name=user.username)
        return _("User '{name}' disabled.", name=user.username)

    return _change(request, services, session, identity, change, "/admin#users")


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
) -> Response:
    def change() -> tuple[str, dict[str, str]]:
        days = None
        if valid_days.strip():
            if not valid_days.strip().isdigit():
                raise InvalidInput(_("'Valid for' must be a whole number of days, or empty for no expiry."))
            days = int(valid_days)
        token, secret = services.accounts.create_token(
            session,
            identity.actor,
            name=name,
            organisation=organisation,
            scopes=scopes,
            valid_days=days,
        )
        notice = _("Token '{name}' issued. Copy the secret now: it is shown only once.", name=token.name)
        return notice, {"new_secret": secret}

    return _change(request, services, session, identity, change, "/admin#tokens")


@router.post("/admin/tokens/{token_id}/revoke")
def admin_revoke_token(
    request: Request,
    token_id: str,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    def change() -> str:
        token = services.accounts.revoke_token(session, identity.actor, token_id)
        return _("Token '{name}' revoked.", name=token.name)

    return _change(request, services, session, identity, change, "/admin#tokens")
