"""The account in Chromium: an administrator resets a password (after the confirmation),
its owner must choose a new one before any other page opens; the language picked on the
login page and chosen on the account page writes the pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Dialog, Page, expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import artifact
from tests.e2e.test_audit_page import sign_in

NEW_PASSWORD = "operator-own-choice-1"


def sign_in_in_any_language(page: Page, username: str) -> None:
    """Sign in by the fields' names: their labels follow the page's language."""
    form = page.locator("form[action='/login']")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()


def sign_out(page: Page) -> None:
    page.locator("header .who").get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"/login"))


@pytest.mark.usefixtures("population")
def test_a_reset_password_is_replaced_before_anything_else(page: Page, live_server: str) -> None:
    confirmations: list[str] = []

    def accept(dialog: Dialog) -> None:
        confirmations.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    page.goto(f"{live_server}/login?next=/admin/users/operator")
    sign_in(page, "admin")
    reset = page.get_by_test_id("reset-form")
    reset.get_by_role("button", name="Reset password").click()
    assert confirmations == ["Reset the password of operator and end their sessions?"]
    temporary = page.get_by_test_id("temporary-password").inner_text()
    expect(page.get_by_test_id("user-state")).to_contain_text("must choose a new password")
    sign_out(page)

    sign_in(page, "operator", temporary)
    expect(page).to_have_url(f"{live_server}/account/password")
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    expect(page.locator("header nav a")).to_have_count(0)
    page.goto(f"{live_server}/cameras")
    expect(page).to_have_url(f"{live_server}/account/password")

    form = page.get_by_test_id("password-form")
    form.get_by_label("Current password").fill(temporary)
    form.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    form.get_by_label("New password again").fill(NEW_PASSWORD)
    page.screenshot(path=artifact("account-forced-password.png"), full_page=True)
    form.get_by_role("button", name="Change password").click()
    expect(page).to_have_url(f"{live_server}/account")
    expect(page.get_by_role("status")).to_have_text("Password changed. Your other sessions have ended.")
    page.locator("header nav").get_by_role("link", name="Cameras").click()
    expect(page).to_have_url(f"{live_server}/cameras")


@pytest.mark.usefixtures("population")
def test_the_language_is_picked_on_the_login_page_and_chosen_on_the_account_page(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_test_id("login-languages").get_by_role("link", name="Nederlands").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    sign_in_in_any_language(page, "inspector")
    expect(page).to_have_url(f"{live_server}/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")

    page.get_by_test_id("whoami").click()
    expect(page).to_have_url(f"{live_server}/account")
    form = page.get_by_test_id("language-form")
    form.get_by_role("combobox").select_option("fr")
    form.get_by_role("button").click()
    expect(page).to_have_url(f"{live_server}/account")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(form.get_by_role("combobox")).to_have_value("fr")
    sign_out(page)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
