"""The annual report in Chromium: the data protection officer picks this year, every section
shows its chart (the SVG loads: naturalWidth > 0) beside its table, and the PDF link
downloads a document that pdftoppm renders. The page and the PDF's pages are saved to
test-artifacts/annual-report-page.png and annual-report-download-<n>.png."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from belfort.app import Services
from belfort.auth.service import actor_of_user
from belfort.cameras.service import CameraSpec
from belfort.errors import Forbidden
from belfort.policy import Action, Purpose, PurposeKind
from tests.conftest import PASSWORD, POLICE, SYSTEM
from tests.e2e.conftest import artifact
from tests.support.pdf import rendered_pages

SECTIONS = 9


def some_looks(services: Services) -> None:
    """A camera of the zone, looked at live once with a reason and once without."""
    with services.db.session() as session:
        camera = services.cameras.add(
            session, SYSTEM, CameraSpec(name="Grote Markt", organisation=POLICE, main_url="rtsp://192.0.2.1/1")
        )
        operator = actor_of_user(services.accounts.user_by_name(session, "operator"))
        purpose = Purpose(PurposeKind.ADMINISTRATIVE, "Fight on the market square reported by a patrol")
        services.cameras.granted(session, operator, str(camera.id), Action.VIEW_LIVE, purpose)
    try:
        with services.db.session() as session:
            services.cameras.granted(session, operator, str(camera.id), Action.VIEW_LIVE, None)
    except Forbidden:
        pass


def test_the_report_page_shows_its_charts_and_its_pdf_opens(
    live_server: str, page: Page, services: Services, tmp_path: Path
) -> None:
    some_looks(services)
    this_year = str(services.clock().astimezone(services.settings.zone).year)
    page.goto(f"{live_server}/login?next=/reports/annual")
    page.get_by_label("User name").fill("dpo")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    form = page.get_by_test_id("report-form")
    form.get_by_label("Year").select_option(this_year)
    form.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{this_year} · {POLICE}")
    expect(page.get_by_test_id("table-consultations")).to_contain_text("administrative")
    charts = page.locator("img[data-testid^='chart-']")
    expect(charts).to_have_count(SECTIONS)
    for index in range(SECTIONS):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        expect(chart).to_have_js_property("complete", True)
        assert chart.evaluate("image => image.naturalWidth") > 0, chart.get_attribute("data-testid")
    page.evaluate("window.scrollTo(0, 0)")  # sticky table headers follow the scroll into a full-page picture
    page.screenshot(path=artifact("annual-report-page.png"), full_page=True)

    with page.expect_download() as downloading:
        page.get_by_test_id("report-pdf").click()
    download = downloading.value
    assert download.suggested_filename == f"annual-report-pz-test-{this_year}.pdf"
    document = tmp_path / download.suggested_filename
    download.save_as(document)
    assert len(rendered_pages(document, "annual-report-download", dpi=50)) >= 3
