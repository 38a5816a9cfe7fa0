"""The audit review page in a real browser: sign-in, filters, scope, chain check.

A partner and an operator are refused the audit log through the API first, so the log
holds refusals from two organisations. A supervisor (team chief of PZ Test) sees only
their own organisation's records; the platform auditor sees everyone's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx2 as httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import artifact


@dataclass
class Refusals:
    """The reasons the API gave when the partner and the operator asked for the audit log."""

    partner: str
    operator: str


def _refused_audit_review(api: httpx.Client, username: str) -> str:
    login = api.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert login.status_code == 200, login.text
    response = api.get("/api/audit", headers={"Authorization": f"Bearer {login.json()['token']}"})
    assert response.status_code == 403, response.text
    reason: str = response.json()["detail"]
    assert reason
    return reason


@pytest.fixture
def refusals(live_server: str) -> Iterator[Refusals]:
    with httpx.Client(base_url=live_server, timeout=10.0) as api:
        yield Refusals(
            partner=_refused_audit_review(api, "partner"),
            operator=_refused_audit_review(api, "operator"),
        )


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def audit_rows(page: Page) -> Locator:
    return page.get_by_test_id("audit-table").locator("tbody tr")


def apply_filters(page: Page, person: str, outcome: str = "") -> None:
    filters = page.locator("#audit-filters")
    filters.get_by_label("Person").fill(person)
    filters.get_by_label("Outcome").select_option(outcome)
    filters.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(rf"/audit\?person={re.escape(person)}&"))


def expect_refused_review(row: Locator, username: str, reason: str) -> None:
    cells = row.locator("td")
    expect(cells.nth(2)).to_contain_text(username)
    expect(cells.nth(3).locator("code")).to_have_text("audit.review")
    expect(cells.nth(6)).to_have_text("REFUSED", use_inner_text=True)  # shown in capitals by the CSS
    expect(cells.nth(7).get_by_test_id("reason")).to_have_text(reason)


def test_supervisor_signs_in_and_filters_the_audit_log(page: Page, live_server: str, refusals: Refusals) -> None:
    response = page.goto(live_server + "/")
    assert response is not None and response.status == 401
    expect(page).to_have_url(f"{live_server}/login?next=%2F")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    sign_in(page, "supervisor")
    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_test_id("whoami")).to_have_text("supervisor")
    expect(page.get_by_role("heading", name="What you may do")).to_be_visible()
    capabilities = page.get_by_test_id("capabilities")
    expect(capabilities.get_by_role("link", name=re.compile("Review the audit log"))).to_have_attribute(
        "href", "/audit"
    )

    page.locator("header nav").get_by_role("link", name="Audit", exact=True).click()
    expect(page).to_have_url(f"{live_server}/audit")
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    expect(page.locator("header nav a.current")).to_have_text("Audit")
    # The supervisor may review but not verify: no chain button.
    expect(page.locator("#verify-chain")).to_have_count(0)

    # A team chief sees their own organisation: the operator's refusal is there...
    apply_filters(page, "operator", "refused")
    expect(page.locator("#audit-filters").get_by_label("Outcome")).to_have_value("refused")
    expect(audit_rows(page)).to_have_count(1)
    row = audit_rows(page).first
    expect(row).to_have_class("outcome-refused")
    expect_refused_review(row, "operator", refusals.operator)
    page.screenshot(path=artifact("audit-page.png"), full_page=True)

    # ...the partner's (another organisation) is not, and neither is an unknown person.
    apply_filters(page, "partner", "refused")
    expect(audit_rows(page)).to_have_text(["No records match these filters."])
    apply_filters(page, "nobody-xyz")
    expect(audit_rows(page)).to_have_text(["No records match these filters."])


def test_the_auditor_sees_every_organisation_and_verifies_the_chain(
    page: Page, live_server: str, refusals: Refusals
) -> None:
    page.goto(live_server + "/audit")
    expect(page).to_have_url(f"{live_server}/login?next=%2Faudit")
    sign_in(page, "auditor")
    expect(page).to_have_url(f"{live_server}/audit")
    expect(page.get_by_test_id("whoami")).to_have_text("auditor")

    apply_filters(page, "partner", "refused")
    expect(audit_rows(page)).to_have_count(1)
    expect_refused_review(audit_rows(page).first, "partner", refusals.partner)
    expect(audit_rows(page).first.locator("td").nth(2)).to_contain_text("Shop Test")

    page.get_by_role("button", name="Verify chain").click()
    result = page.locator("#verify-result")
    expect(result).to_have_text(re.compile(r"^Chain intact: [1-9]\d* records\.$"))
    expect(result).to_have_class("ok")
    page.screenshot(path=artifact("audit-page-auditor.png"), full_page=True)


@pytest.mark.usefixtures("population")
def test_wrong_password_stays_on_the_login_page(page: Page, live_server: str) -> None:
    page.goto(live_server + "/login")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/login")) as answer:
        sign_in(page, "inspector", "not-the-password")
    assert answer.value.status == 401
    expect(page).to_have_url(f"{live_server}/login")
    expect(page.get_by_role("alert")).to_contain_text("Wrong user name or password")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_label("User name")).to_have_value("inspector")
    expect(page.get_by_label("Password")).to_have_value("")
    assert not [c for c in page.context.cookies() if c["name"] == "belfort_session"]
