"""The API docs in Chromium under the site's own Content-Security-Policy: Swagger UI starts
from a script file, fetches the OpenAPI description, shows its operations, and the browser refuses nothing."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.test_audit_page import sign_in


def test_the_api_docs_start_under_the_content_security_policy(live_server: str, page: Page) -> None:
    problems: list[str] = []
    page.on("console", lambda message: "Content Security Policy" in message.text and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.goto(f"{live_server}/login?next=/api/docs")
    with page.expect_response(f"{live_server}/openapi.json") as described:
        sign_in(page, "supervisor")
    assert described.value.status == 200
    expect(page.locator("#swagger-ui .swagger-ui")).to_be_attached()
    expect(page.locator(".opblock-summary-path", has_text="/api/cameras").first).to_be_visible()
    expect(page.get_by_text("Unable to render this definition")).to_have_count(0)
    assert problems == []
