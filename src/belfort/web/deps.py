"""Request dependencies: services, the unit of work, and who is asking.

Identity comes from `Authorization: Bearer <token>` (API sessions and machine tokens)
or from the session cookie (pages). Cookie-authenticated requests that change state
must carry the session's CSRF token, as the `X-CSRF-Token` header or a `csrf_token`
form field; bearer requests need none, since browsers never add that header by themselves.

A person whose password an administrator reset must choose a new one before anything else:
`current_identity` refuses them every route but `WHILE_CHANGING_PASSWORD`
(docs/design/forced-password-change.md).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Iterator

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from belfort.app import Services
from belfort.auth.service import Identity
from belfort.cameras.models import Camera
from belfort.i18n import _
from belfort.policy import Action, Actor

SESSION_COOKIE = "belfort_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CHANGE_PASSWORD_PAGE = "/account/password"  # noqa: S105 - a page, not a secret
WHILE_CHANGING_PASSWORD = frozenset({CHANGE_PASSWORD_PAGE, "/logout", "/api/auth/logout"})
"""The only routes open to a person who must first choose a new password (with the login
routes and health, which need no sign-in)."""


class NotAuthenticated(Exception):
    def __init__(self, message: str = "") -> None:
        message = message or _("Sign in first: send a bearer token or use the login page.")
        super().__init__(message)
        self.message = message


class CsrfFailed(Exception):
    pass


class PasswordChangeRequired(NotAuthenticated):
    """Signed in, but with a password an administrator reset: choose a new one first
    (pages are sent to the change page, the API answers 403)."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Your password was reset by an administrator: choose a new one at {page} "
                "before you open any other page or API route.",
                page=CHANGE_PASSWORD_PAGE,
            )
        )


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def db_session(services: Services = Depends(get_services)) -> Iterator[Session]:
    with services.db.session() as session:
        yield session


def release(session: Session) -> None:
    """Commit before a response streams: the session stays open until the last byte is
    sent, and an open transaction (on SQLite, the write lock) would hold up every other
    request for as long as a slow client reads."""
    session.commit()


def _credentials(request: HTTPConnection) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if header:
        scheme, _sep, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise NotAuthenticated(_("The Authorization header must be 'Bearer <token>'."))
        return value.strip(), "bearer"
    cookie = request.cookies.get(SESSION_COOKIE)
    return (cookie, "cookie") if cookie else None


def _resolve(services: Services, secret: str, via: str) -> Identity | None:
    with services.db.session() as session:
        return services.accounts.resolve(session, secret, via)


async def _check_csrf(request: Request, expected: str) -> None:
    provided = request.headers.get("x-csrf-token", "")
    if not provided and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        provided = value if isinstance(value, str) else ""
    if not provided or not hmac.compare_digest(provided, expected):
        raise CsrfFailed


def _request_badge(services: Services, identity: Identity) -> int:
    with services.db.session() as session:
        return services.requests.badge(session, identity.actor)


async def current_identity(request: Request, services: Services = Depends(get_services)) -> Identity:
    """The signed-in identity, or NotAuthenticated (answered with 401)."""
    credentials = _credentials(request)
    if credentials is None:
        raise NotAuthenticated
    identity = await run_in_threadpool(_resolve, services, *credentials)
    if identity is None:
        raise NotAuthenticated(_("Your session has expired or the token is not valid: sign in again."))
    request.state.identity = identity
    if identity.must_change_password and request.url.path not in WHILE_CHANGING_PASSWORD:
        raise PasswordChangeRequired
    if identity.via == "cookie" and request.method not in SAFE_METHODS:
        await _check_csrf(request, identity.csrf_token)
    if identity.via == "cookie" and request.method == "GET" and not request.url.path.startswith("/api/"):
        # A page: the menu's count of new access requests, counted before the page's own
        # transaction begins (one on SQLite at a time).
        request.state.request_badge = await run_in_threadpool(_request_badge, services, identity)
    return identity


def current_actor(identity: Identity = Depends(current_identity)) -> Actor:
    return identity.actor


def camera_in_view(
    ref: str,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Camera:
    """A route's camera: the one `ref` (id or name) names, once the gate lets the caller see
    it (`camera.view`); another organisation's and an unknown one are refused alike, recorded."""
    return services.cameras.require(session, actor, ref, Action.VIEW_CAMERA)


def page_of(*actions: Action) -> Callable[..., Awaitable[Identity]]:
    """A page's dependency: the signed-in identity, once the gate lets its role use one of
    `actions` at all (a refusal is recorded and answered 403); the page's own looks then pass
    the gate again, in the services."""

    async def dependency(
        request: Request,
        identity: Identity = Depends(current_identity),
        services: Services = Depends(get_services),
        session: Session = Depends(db_session),
    ) -> Identity:
        await run_in_threadpool(services.gate.require_function, session, identity.actor, request.url.path, *actions)
        return identity

    return dependency


async def connection_identity(connection: HTTPConnection, services: Services) -> Identity:
    """Who opens a WebSocket: like `current_identity`, but a cookie only counts when the
    page that opens the socket is served by this site (browsers send cookies cross-site)."""
    credentials = _credentials(connection)
    if credentials is None:
        raise NotAuthenticated
    if credentials[1] == "cookie":
        origin = connection.headers.get("origin", "")
        host = connection.headers.get("host", "")
        if origin and origin.split("://", 1)[-1] != host:
            raise NotAuthenticated(
                _("WebSocket from another site ({origin}) refused: open it from this site's pages.", origin=origin)
            )
    identity = await run_in_threadpool(_resolve, services, *credentials)
    if identity is None:
        raise NotAuthenticated(_("Your session has expired or the token is not valid: sign in again."))
    if identity.must_change_password:
        raise PasswordChangeRequired
    return identity
