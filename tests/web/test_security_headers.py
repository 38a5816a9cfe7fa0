"""Every answer carries the security headers: pages, API answers (errors too) and static files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import bearer

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)
HEADERS = {
    "content-security-policy": POLICY,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """Headers do not depend on the database: SQLite only."""
    return f"sqlite:///{tmp_path / 'belfort.db'}"


@pytest.mark.parametrize(
    "path",
    ["/login", "/api/health", "/api/auth/me", "/static/belfort.css", "/static/swagger/swagger-ui.css", "/nowhere"],
)
def test_every_answer_carries_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert {name: response.headers.get(name) for name in HEADERS} == HEADERS, path


def test_the_api_docs_run_no_inline_script(client: TestClient, population: object) -> None:
    response = client.get("/api/docs", headers=bearer(client, "admin"))
    assert response.status_code == 200 and response.headers["content-security-policy"] == POLICY
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", response.text, re.DOTALL)
    assert scripts and all('src="/static/' in attributes and not body.strip() for attributes, body in scripts)
    for source in re.findall(r'src="([^"]+)"', response.text):
        assert client.get(source).status_code == 200, source
    assert 'data-openapi="/openapi.json"' in response.text
    init = client.get("/static/api-docs.js").text
    assert "root.dataset.openapi" in init and "validatorUrl: null" in init
