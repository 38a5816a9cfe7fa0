"""The menu keeps the oversight pages under one "Governance" entry, whose page lists the ones
the role may open and which is marked as the current entry on each of them."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.conftest import Population
from tests.web.test_pages import sign_in

OVERSIGHT = [
    "/staffing/supervision",
    "/processing",
    "/subject-requests",
    "/authorisations",
    "/drones",
    "/reports/annual",
    "/register/profile",
]


def menu(html: str) -> list[str]:
    nav = html.split('<nav aria-label="Pages">', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<a href="([^"]+)"', nav)


def test_the_dpo_finds_every_oversight_page_under_governance(client: TestClient, population: Population) -> None:
    sign_in(client, "dpo")
    home = menu(client.get("/").text)
    assert "/governance" in home and not set(home) & set(OVERSIGHT)
    page = client.get("/governance")
    assert page.status_code == 200
    listed = re.findall(r'<li><a href="([^"]+)"', page.text.split('data-testid="governance-links"', 1)[1])
    assert listed == OVERSIGHT
    for path in ("/governance", "/processing", "/staffing/shifts", "/subject-requests"):
        shown = client.get(path).text
        assert 'href="/governance" class="current" aria-current="page"' in shown, path


def test_an_inspector_sees_only_the_pages_of_the_role(client: TestClient, population: Population) -> None:
    sign_in(client, "inspector")
    listed = client.get("/governance").text
    assert 'href="/authorisations"' in listed and 'href="/drones"' in listed
    assert 'href="/processing"' not in listed and 'href="/subject-requests"' not in listed


def test_an_operator_has_no_governance_entry(client: TestClient, population: Population) -> None:
    sign_in(client, "operator")
    assert "/governance" not in menu(client.get("/cameras").text)
    assert "Your role opens none of the oversight pages." in client.get("/governance").text
