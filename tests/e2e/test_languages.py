"""Belfort in Dutch, French and German, in Chromium: a browser asking for the language signs
in and walks the main pages; each page is in that language, and no English sentence of a
template or script is left on it. Screenshots go to test-artifacts/languages-<lang>-*.png.
"""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import Browser, Page, expect

from belfort.app import Services
from belfort.i18n import CATALOG_DIR
from tests.conftest import PASSWORD
from tests.e2e.conftest import NAVIGATION_TIMEOUT_MS, TIMEOUT_MS, add_grote_markt, artifact

FIELDS = re.compile(r"\{\w+\}|%\(\w+\)s")
PAGES = {
    "supervisor": ["/wall", "/cameras", "/camera", "/evidence", "/anpr/search", "/audit", "/map"],
    "admin": ["/admin", "/account"],
}
"""The main pages, each opened by a person whose role uses it ("/camera": the camera's page)."""
EXPECTED = {
    "nl": ["Camera's", "Afmelden"],
    "fr": ["Caméras", "Se déconnecter"],
    "de": ["Kameras", "Abmelden"],
}
"""A few words each language must show in every page's frame (menu and sign-out)."""


def english_left_over(language: str) -> list[str]:
    """English sentences of the pages (templates and scripts) whose translation differs: none
    of them may show on a page in `language`. Short words and messages with fields are left
    out, as they may match names or data."""
    with (CATALOG_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    sentences = []
    for message in catalog:
        if not message.id or isinstance(message.id, tuple) or FIELDS.search(message.id):
            continue
        if not any(file.endswith((".html", ".js")) for file, _line in message.locations):
            continue
        if len(message.id) >= 12 and " " in message.id and message.string and message.string != message.id:
            sentences.append(message.id)
    return sentences


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login")
    form = page.locator("form[action='/login']")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    expect(page.locator("header .who")).to_be_visible()


@pytest.fixture
def camera(services: Services) -> str:
    return str(add_grote_markt(services, "rtsp://127.0.0.1:9/none", latitude=50.93, longitude=5.338).id)


@pytest.mark.parametrize("language", ["nl", "fr", "de"])
def test_the_main_pages_speak_the_browsers_language(
    browser: Browser, live_server: str, camera: str, language: str
) -> None:
    leftovers = english_left_over(language)
    assert len(leftovers) > 100, "the catalog holds too few translated sentences to check anything"
    problems: list[str] = []
    for username, paths in PAGES.items():
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale=language)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        page = context.new_page()
        try:
            sign_in(page, live_server, username)
            for path in paths:
                target = f"/cameras/{camera}" if path == "/camera" else path
                response = page.goto(f"{live_server}{target}")
                assert response is not None and response.status == 200, f"{username} {target}: {response}"
                expect(page.locator("html")).to_have_attribute("lang", language)
                page.wait_for_load_state("networkidle")
                text = page.locator("body").inner_text()
                for word in EXPECTED[language]:
                    if word not in text:
                        problems.append(f"{language} {target}: {word!r} missing")
                problems += [f"{language} {target}: English left: {s!r}" for s in leftovers if s in text]
                name = target.strip("/").replace("/", "-")[:40] or "home"
                page.screenshot(path=str(artifact(f"languages-{language}-{name}.png")), full_page=True)
        finally:
            context.close()
    assert problems == []


def test_english_is_left_only_where_a_translation_is_the_same() -> None:
    """The check above can fail: an English sentence in the list is found in a page's text."""
    sentences = english_left_over("fr")
    page_text = f"Caméras\n{sentences[0]}\n"
    assert [s for s in sentences if s in page_text] == [sentences[0]]
