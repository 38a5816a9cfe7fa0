"""Builds the FastAPI application around the services.

Error answers are uniform: `{"detail": "<what to fix>", "errors": [...]}` with a 4xx
status, for validation errors, refusals by the policy gate and bad credentials alike.
OpenAPI and its docs are served from local files and, like every other route except
health, login and static files, need a signed-in caller.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import swagger_ui_bundle
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException

from belfort import __version__
from belfort.app import Services
from belfort.errors import BelfortError
from belfort.web.deps import CsrfFailed, NotAuthenticated, current_identity, get_services
from belfort.web.routes import (
    admin,
    anpr,
    anpr_pages,
    audit,
    auth,
    cameras,
    evidence,
    holds,
    live,
    pages,
    recordings,
    wall,
)
from belfort.web.transport import ExposeTransport

STATIC_DIR = Path(__file__).parent / "static"
PUBLIC_PATHS = frozenset({"/api/health", "/api/auth/login", "/login"})


def _wants_html(request: Request) -> bool:
    path = request.url.path
    return not path.startswith("/api") and path != "/openapi.json"


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc if part != "body") or "body"


def _validation_message(errors: list[dict[str, Any]]) -> str:
    first = errors[0]
    if first.get("type") == "json_invalid":
        reason = first.get("ctx", {}).get("error", "invalid JSON")
        return f"The request body is not valid JSON ({reason}); send a JSON object."
    if first.get("type") == "extra_forbidden":
        return f"Unknown field '{_field(first['loc'])}': remove it (see /api/docs for the accepted fields)."
    if first.get("type") == "model_attributes_type" or first.get("type") == "dict_type":
        return "The request body must be a JSON object."
    return f"{_field(first['loc'])}: {first['msg']}."


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field(tuple(e["loc"])), "message": e["msg"], "type": e["type"]} for e in exc.errors()]
        return JSONResponse({"detail": _validation_message(list(exc.errors())), "errors": errors}, status_code=422)

    @app.exception_handler(BelfortError)
    async def _belfort(request: Request, exc: BelfortError) -> Response:
        if _wants_html(request):
            return pages.error_page(request, exc.status_code, exc.message)
        needs = getattr(exc, "needs", ())
        body: dict[str, Any] = {"detail": exc.message, "needs": list(needs)} if needs else {"detail": exc.message}
        return JSONResponse(body, status_code=exc.status_code)

    @app.exception_handler(NotAuthenticated)
    async def _unauthenticated(request: Request, exc: NotAuthenticated) -> Response:
        if _wants_html(request):
            target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""), safe="")
            return HTMLResponse(
                f'<!doctype html><meta http-equiv="refresh" content="0; url=/login?next={target}">'
                f'<title>Sign in</title><p>Sign in first: <a href="/login?next={target}">login</a>.</p>',
                status_code=401,
            )
        return JSONResponse({"detail": exc.message}, status_code=401, headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, _exc: CsrfFailed) -> Response:
        message = "The form's security token is missing or out of date: reload the page and try again."
        if _wants_html(request):
            return pages.error_page(request, 403, message)
        return JSONResponse({"detail": message + " (API clients: send X-CSRF-Token or use a bearer token)"}, 403)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        if exc.status_code == 404:
            message = f"Nothing here: {request.url.path} is not a Belfort page or API route."
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}."
        if _wants_html(request):
            return pages.error_page(request, exc.status_code, message)
        return JSONResponse({"detail": message}, status_code=exc.status_code, headers=exc.headers)


def create_app(services: Services) -> FastAPI:
    app = FastAPI(
        title="Belfort",
        version=__version__,
        description="Open video platform for cities and police zones. Every look at images, plates "
        "or logs passes one policy gate and leaves one audit record.",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.services = services
    _install_error_handlers(app)

    @app.get("/api/health", tags=["system"], summary="Liveness and database check (no sign-in needed)")
    def health(services: Services = Depends(get_services)) -> dict[str, str]:
        with services.db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__, "database": services.db.dialect}

    @app.get("/openapi.json", include_in_schema=False, dependencies=[Depends(current_identity)])
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/api/docs", include_in_schema=False, dependencies=[Depends(current_identity)])
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Belfort API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

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
        pages.router,
        holds.pages,
        evidence.pages,
        anpr_pages.router,
    ):
        app.include_router(router)
    app.mount("/static/swagger", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(ExposeTransport)
    return app


def server_config(app: FastAPI, **options: Any) -> Any:
    """uvicorn's settings for Belfort: WebSockets without per-message compression (video
    does not compress, and deflating it per viewer would cost more than all the rest)."""
    import uvicorn

    return uvicorn.Config(app, ws="websockets-sansio", ws_per_message_deflate=False, server_header=False, **options)
