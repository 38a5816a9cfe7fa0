"""Every route of the app, present and future, answers 401 without credentials,
except the health check, the login endpoints and static files."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from fastapi.routing import APIWebSocketRoute
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute, Mount, WebSocketRoute
from starlette.websockets import WebSocketDisconnect

try:  # FastAPI >= 0.160 keeps included routers as one entry each; this flattens them.
    from fastapi.routing import iter_route_contexts
except ImportError:  # pragma: no cover - older FastAPI lists every route directly

    def iter_route_contexts(routes: Iterable[BaseRoute]) -> Iterator[Any]:  # type: ignore[misc]
        yield from routes


PUBLIC = {("GET", "/api/health"), ("POST", "/api/auth/login"), ("GET", "/login"), ("POST", "/login")}
PUBLIC |= {
    ("GET", "/register"),
    ("GET", "/register/export.csv"),
    ("GET", "/register/export.json"),
    ("GET", "/register/{slug}"),
    ("GET", "/api/register"),
}
"""The public camera register: anyone may read it (rate-limited per client address)."""
NODE_LINKED = {("GET", "/internal/segments/{storage_id}/{path:path}"), ("WEBSOCKET", "/internal/live/{camera}/ws")}
"""Asked by another node of the platform, under a link signed with the site's shared key
(the person's look was decided there): refused without a valid link."""


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000000", path)


def all_routes(client: TestClient) -> list[tuple[str, str]]:
    """(method, path) of every route; WebSocket routes come as ("WEBSOCKET", path)."""
    found = []
    for context in iter_route_contexts(client.app.routes):  # type: ignore[attr-defined]
        route = getattr(context, "route", context)
        if isinstance(route, Mount) or getattr(route, "path", "").startswith("/static"):
            continue
        if isinstance(route, APIWebSocketRoute | WebSocketRoute):
            found.append(("WEBSOCKET", route.path))
            continue
        assert getattr(route, "methods", None), f"route {getattr(route, 'path', route)} is of an unknown kind"
        for method in sorted(route.methods):
            if method != "HEAD":
                found.append((method, route.path))
    return found


def websocket_close_code(client: TestClient, path: str, status: int = 401) -> int:
    """WebSockets answer a missing sign-in (or a node's bad link) with an error message, then
    close with 4000 plus the status."""
    with client.websocket_connect(path) as socket:
        error = socket.receive_json()
        assert error["type"] == "error" and error["status"] == status and error["detail"]
        try:
            socket.receive_text()
        except WebSocketDisconnect as closed:
            return closed.code
    raise AssertionError(f"{path} did not close")


def test_there_are_routes_to_check(client: TestClient) -> None:
    routes = all_routes(client)
    assert len(routes) > 15
    assert set(routes) >= PUBLIC
    assert any(method == "WEBSOCKET" for method, _ in routes)


def test_every_non_public_route_needs_sign_in(client: TestClient) -> None:
    checked = 0
    for method, path in all_routes(client):
        if (method, path) in PUBLIC:
            continue
        if (method, path) in NODE_LINKED and method == "WEBSOCKET":
            for query in ("", "?link=forged.link"):
                code = websocket_close_code(client, concrete(path) + query, 403)
                assert code == 4403, f"WebSocket {path}{query} closed with {code}"
            checked += 1
            continue
        if (method, path) in NODE_LINKED:
            for query in ("", "?link=forged.link"):
                response = client.request(method, concrete(path) + query, follow_redirects=False)
                assert response.status_code in (403, 422), f"{method} {path}{query} answered {response.status_code}"
            checked += 1
            continue
        if method == "WEBSOCKET":
            assert websocket_close_code(client, concrete(path)) == 4401, f"WebSocket {path} opened without sign-in"
            checked += 1
            continue
        response = client.request(method, concrete(path), json={}, follow_redirects=False)
        assert response.status_code == 401, f"{method} {path} answered {response.status_code} without sign-in"
        checked += 1
    assert checked > 10


def test_a_bogus_or_expired_token_is_401(client: TestClient) -> None:
    for header in ("Bearer bls_not-a-real-session", "Bearer blt_nope", "Basic abc", "Bearer "):
        response = client.get("/api/auth/me", headers={"Authorization": header})
        assert response.status_code == 401
        assert response.json()["detail"]


def test_public_routes_answer_without_sign_in(client: TestClient) -> None:
    assert client.get("/api/health").json()["status"] == "ok"
    assert client.get("/login").status_code == 200
    assert client.get("/register").status_code == 200
    assert client.get("/api/register").json() == {"rows": []}
    assert client.get("/static/belfort.css").status_code == 200
    assert client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200


def test_pages_send_people_to_the_login_page(client: TestClient) -> None:
    response = client.get("/audit?person=x", follow_redirects=False)
    assert response.status_code == 401
    assert "/login?next=%2Faudit%3Fperson%3Dx" in response.text
