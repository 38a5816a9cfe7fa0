"""Builds the FastAPI application around the services.

Error answers are uniform: `{"detail": "<what to fix>", "errors": [...]}` with a 4xx
status, for validation errors, refusals by the policy gate and bad credentials alike, and
503 with Retry-After when the database is busy (`web/security.py`, like the headers every
answer carries).
OpenAPI and its docs are served from local files and, like every other route except
health, login and static files, need a signed-in caller.
"""

from __future__ import annotations

import importlib.util
import json
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from belfort import __version__
from belfort.app import Services
from belfort.db.engine import is_busy
from belfort.errors import BelfortError
from belfort.i18n import _
from belfort.web import metrics
from belfort.web.deps import (
    CHANGE_PASSWORD_PAGE,
    CsrfFailed,
    NotAuthenticated,
    PasswordChangeRequired,
    current_identity,
    get_services,
)
from belfort.web.metrics import TimeRequests
from belfort.web.rendering import error_page, say
from belfort.web.routes import (
    account_pages,
    admin,
    admin_pages,
    alarm_pages,
    alarms,
    anpr,
    anpr_pages,
    audit,
    audit_pages,
    auth,
    camera_pages,
    cameras,
    cluster,
    evidence,
    faces,
    holds,
    internal,
    judicial,
    judicial_pages,
    live,
    login,
    map_pages,
    pages,
    processing,
    processing_pages,
    recordings,
    register,
    register_pages,
    reports,
    requests,
    requests_pages,
    sharing,
    sharing_pages,
    staffing,
    staffing_pages,
    subject_request_pages,
    subject_requests,
    wall,
)
from belfort.web.security import (
    DatabaseBusy,
    SecurityHeaders,
    refusal,
    refuse_control_characters_in_request,
    retry_after_seconds,
    security_headers,
)
from belfort.web.transport import ExposeTransport

STATIC_DIR = Path(__file__).parent / "static"
PUBLIC_PATHS = frozenset({"/api/health", "/api/auth/login", "/login"})
DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Belfort API</title>
<link rel="icon" href="/static/favicon.svg">
<link rel="stylesheet" href="/static/swagger/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi="/openapi.json"></div>
<script src="/static/swagger/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js"></script>
</body>
</html>
"""
"""Swagger UI, started by a script file: the Content-Security-Policy allows no inline script."""


def _wants_html(request: Request) -> bool:
    path = request.url.path
    return not path.startswith("/api") and path not in ("/openapi.json", "/metrics")


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc if part != "body") or "body"


def _validation_message(errors: list[dict[str, Any]]) -> str:
    first = errors[0]
    if first.get("type") == "json_invalid":
        reason = first.get("ctx", {}).get("error", "invalid JSON")
        return _("The request body is not valid JSON ({reason}); send a JSON object.", reason=reason)
    if first.get("type") == "extra_forbidden":
        return _(
            "Unknown field '{field}': remove it (see /api/docs for the accepted fields).", field=_field(first["loc"])
        )
    if first.get("type") == "model_attributes_type" or first.get("type") == "dict_type":
        return _("The request body must be a JSON object.")
    if first.get("type") == "control_character" and "code" in first.get("ctx", {}):
        return _("{field}: {problem}.", field=_field(first["loc"]), problem=refusal(first["ctx"]["code"]))
    return _("{field}: {problem}.", field=_field(first["loc"]), problem=first["msg"])


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field(tuple(e["loc"])), "message": e["msg"], "type": e["type"]} for e in exc.errors()]
        detail = say(request, _validation_message(list(exc.errors())))
        return JSONResponse({"detail": detail, "errors": errors}, status_code=422)

    @app.exception_handler(BelfortError)
    async def _belfort(request: Request, exc: BelfortError) -> Response:
        response: Response
        if _wants_html(request):
            response = error_page(request, exc.status_code, exc.message)
        else:
            needs = getattr(exc, "needs", ())
            detail = say(request, exc.message)
            body: dict[str, Any] = {"detail": detail, "needs": list(needs)} if needs else {"detail": detail}
            response = JSONResponse(body, status_code=exc.status_code)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.exception_handler(NotAuthenticated)
    async def _unauthenticated(request: Request, exc: NotAuthenticated) -> Response:
        if _wants_html(request):
            target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""), safe="")
            return HTMLResponse(
                f'<!doctype html><meta http-equiv="refresh" content="0; url=/login?next={target}">'
                f"<title>{escape(say(request, _('Sign in')))}</title>"
                f'<p><a href="/login?next={target}">{escape(say(request, _("Sign in first.")))}</a></p>',
                status_code=401,
            )
        return JSONResponse(
            {"detail": say(request, exc.message)}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
        )

    @app.exception_handler(PasswordChangeRequired)
    async def _change_password_first(request: Request, exc: PasswordChangeRequired) -> Response:
        if _wants_html(request):
            return RedirectResponse(CHANGE_PASSWORD_PAGE, status_code=303)
        return JSONResponse({"detail": say(request, exc.message)}, status_code=403)

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, _exc: CsrfFailed) -> Response:
        if _wants_html(request):
            return error_page(
                request, 403, _("The form's security token is missing or out of date: reload the page and try again.")
            )
        detail = _(
            "The form's security token is missing or out of date: reload the page and try again. "
            "(API clients: send X-CSRF-Token or use a bearer token)"
        )
        return JSONResponse({"detail": say(request, detail)}, 403)

    @app.exception_handler(DBAPIError)
    @app.exception_handler(PoolTimeout)
    async def _database(request: Request, exc: Exception) -> Response:
        if not is_busy(exc):
            raise exc
        busy = DatabaseBusy(retry_after_seconds(request.app.state.services.settings.database))
        response = await _belfort(request, busy)
        response.headers["Retry-After"] = str(busy.retry_after)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        if exc.status_code == 404:
            message = _("Nothing here: {path} is not a Belfort page or API route.", path=request.url.path)
        elif exc.status_code == 405:
            message = _("{method} is not allowed on {path}.", method=request.method, path=request.url.path)
        if _wants_html(request):
            return error_page(request, exc.status_code, message)
        return JSONResponse({"detail": say(request, message)}, status_code=exc.status_code, headers=exc.headers)


def swagger_ui_static() -> Path:
    """Swagger UI 5 (it reads OpenAPI 3.1, which FastAPI writes) as the `swagger-ui-py` wheel
    ships it: its files are served, its Python code is never imported."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the swagger-ui-py package is missing: reinstall Belfort (pip install -e .)")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def _health(services: Services = Depends(get_services)) -> dict[str, str]:
    with services.db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__, "database": services.db.dialect}


def create_node_app(services: Services) -> FastAPI:
    """What a recording node without the web role answers: its health, its metrics for
    Prometheus, and its segments for the platform's web nodes."""
    app = FastAPI(title="Belfort node", version=__version__, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.services = services
    _install_error_handlers(app)
    app.get("/api/health", tags=["system"])(_health)
    app.include_router(metrics.router)
    app.include_router(internal.router)
    app.add_middleware(TimeRequests, services=services)
    return app


# Endpoints are module functions, never closures over an app: FastAPI keeps up to 4096 of
# them in a module-level cache, and a closure there kept its app and all the app's services
# (a database engine, threads' state) alive long after the app was gone.
def _openapi(request: Request) -> JSONResponse:
    return JSONResponse(request.app.openapi())


def _docs() -> HTMLResponse:
    return HTMLResponse(DOCS_PAGE)


def create_app(services: Services) -> FastAPI:
    app = FastAPI(
        title="Belfort",
        version=__version__,
        description="Open video platform for cities and police zones. Every look at images, plates "
        "or logs passes one policy gate and leaves one audit record.",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(refuse_control_characters_in_request)],
    )
    app.state.services = services
    _install_error_handlers(app)

    app.get("/api/health", tags=["system"], summary="Liveness and database check (no sign-in needed)")(_health)

    signed_in = [Depends(current_identity)]
    app.get("/openapi.json", include_in_schema=False, dependencies=signed_in)(_openapi)
    app.get("/api/docs", include_in_schema=False, dependencies=signed_in)(_docs)

    for router in (
        auth.router,
        admin.router,
        audit.router,
        cameras.router,
        recordings.router,
        holds.router,
        evidence.router,
        anpr.router,
        live.router,
        wall.router,
        login.router,
        account_pages.router,
        pages.router,
        wall.pages,
        camera_pages.router,
        map_pages.router,
        audit_pages.router,
        admin_pages.router,
        holds.pages,
        evidence.pages,
        anpr_pages.router,
        sharing.router,
        sharing_pages.router,
        requests.router,
        requests_pages.router,
        alarms.router,
        alarm_pages.router,
        faces.router,
        judicial.router,
        judicial_pages.router,
        staffing.router,
        staffing_pages.router,
        register.router,
        register_pages.router,
        reports.router,
        reports.pages,
        processing.router,
        processing_pages.router,
        subject_requests.router,
        subject_request_pages.router,
        metrics.router,
        cluster.router,
        cluster.pages,
        internal.router,
    ):
        app.include_router(router)
    app.mount("/static/swagger", StaticFiles(directory=swagger_ui_static()), name="swagger")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(SecurityHeaders, headers=security_headers(services.settings.map.tile_url))
    app.add_middleware(ExposeTransport)
    app.add_middleware(TimeRequests, services=services)
    return app


def server_config(app: FastAPI, **options: Any) -> Any:
    """uvicorn's settings for Belfort: WebSockets without per-message compression (video
    does not compress, and deflating it per viewer would cost more than all the rest), and
    the client address taken from `X-Forwarded-For` only when the request comes from one of
    `server.trusted_proxies` (sign-in throttling counts per client address)."""
    import uvicorn

    services: Services = app.state.services
    return uvicorn.Config(
        app,
        ws="websockets-sansio",
        ws_per_message_deflate=False,
        server_header=False,
        proxy_headers=True,
        forwarded_allow_ips=list(services.settings.server.trusted_proxies),
        **options,
    )
