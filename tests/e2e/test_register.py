"""The public camera register in Chromium, without signing in: a visitor asks whether their
street has a camera, finds it however they type it, sees no camera's name or position
anywhere in the page, and downloads the CSV and JSON exports, which hold exactly the rows
the page shows. The page fits a laptop screen."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace

import pytest
from playwright.sync_api import Page, expect

from belfort.app import Services
from belfort.auth.service import find_organisation
from belfort.cameras.service import CameraSpec
from belfort.policy import OrganisationKind
from belfort.transparency.register import ProfileSpec, PublicationSpec
from tests.conftest import CITY, POLICE, SYSTEM, Population
from tests.e2e.conftest import artifact

# name, owner, street, published
CAMERAS = [
    ("Kerkstraat hoek Markt", POLICE, "Kerkstraat", True),
    ("Kerkstraat kerkportaal", POLICE, "Kerkstraat", True),
    ("Kerkstraat stadhuis", CITY, "Kerkstraat", True),
    ("Kerkplein geheim", POLICE, "Kerkplein", False),
    ("Molenstraat", POLICE, "Molenstraat", True),
]
POSITIONS = [(50.93071 + i / 1000, 5.33781 + i / 1000) for i in range(len(CAMERAS))]


@pytest.fixture
def register(services: Services, population: Population) -> list[str]:
    """The police zone's and the city's entries, and their cameras (one not published);
    what the register must never show: names, coordinates, ids and stream addresses."""
    never = []
    with services.db.session() as session:
        for owner, email in ((POLICE, "dpo@pz-test.example"), (CITY, "privacy@city-test.example")):
            org = find_organisation(session, owner)
            acting = replace(
                SYSTEM, organisation_id=org.id, organisation_name=org.name, organisation_kind=OrganisationKind(org.kind)
            )
            services.register.save_profile(session, acting, ProfileSpec(dpo_email=email, dpo_phone="+32 56 00 00 00"))
        for (name, owner, street, public), (latitude, longitude) in zip(CAMERAS, POSITIONS, strict=True):
            camera = services.cameras.add(
                session,
                SYSTEM,
                CameraSpec(
                    name=name,
                    organisation=owner,
                    main_url=f"rtsp://192.0.2.44/{len(never)}",
                    street=street,
                    area="Centrum",
                    latitude=latitude,
                    longitude=longitude,
                    council_consent_ref="GR/2026/7",
                    enabled=True,
                ),
            )
            if public:
                services.register.publish(session, SYSTEM, name, PublicationSpec(True, "Kortrijk", "traffic safety"))
            never += [str(camera.id), f"{latitude}", f"{longitude}", f"{latitude:.4f}", "192.0.2.44"]
    return never + [name for name, *_ in CAMERAS if name != "Molenstraat"]


def shown_rows(page: Page) -> list[dict[str, str]]:
    rows = []
    for row in page.get_by_test_id("register-row").all():
        cell = {field: row.locator(f'[data-field="{field}"]').inner_text().strip() for field in ("street", "area")}
        cell["municipality"] = row.locator('[data-field="municipality"]').inner_text().strip()
        cell["cameras"] = row.locator('[data-field="cameras"]').inner_text().strip()
        cell["owner"] = row.locator('[data-field="owner"] a').inner_text().strip()
        rows.append(cell)
    return rows


def exported(records: list[dict[str, object]]) -> list[dict[str, str]]:
    return [
        {key: str(record[key]) for key in ("street", "area", "municipality", "cameras", "owner")} for record in records
    ]


def test_a_visitor_finds_a_street_sees_no_position_and_downloads_the_same_rows(
    live_server: str, register: list[str], page: Page
) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server}/register")
    expect(page.get_by_role("heading", name="Public camera register")).to_be_visible()
    expect(page.get_by_role("navigation", name="Pages")).to_have_count(0)
    page.get_by_label("Is there a camera in my street?").fill("KERKSTR.")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(f"{live_server}/register?street=KERKSTR.")
    rows = shown_rows(page)
    assert rows == [
        {"street": "Kerkstraat", "area": "Centrum", "municipality": "Kortrijk", "cameras": "1", "owner": CITY},
        {"street": "Kerkstraat", "area": "Centrum", "municipality": "Kortrijk", "cameras": "2", "owner": POLICE},
    ]
    expect(page.get_by_test_id("register-rows")).to_contain_text("dpo@pz-test.example")
    police = page.get_by_test_id("register-row").nth(1)
    police.locator("summary").click()
    expect(police.get_by_text("Police Function Act of 5 August 1992")).to_be_visible()
    html = page.content()
    for secret in register:
        assert secret not in html, f"the page shows {secret!r}"
    assert "Kerkplein" not in html  # its only camera is not published
    page.screenshot(path=artifact("register-search.png"), full_page=True)
    width = page.evaluate("() => document.scrollingElement.scrollWidth - window.innerWidth")
    assert width <= 0, f"the register is {width} px wider than a laptop's window"

    with page.expect_download() as csv_download:
        page.get_by_test_id("export-csv").click()
    as_csv = list(csv.DictReader(io.StringIO(csv_download.value.path().read_text(encoding="utf-8"))))
    with page.expect_download() as json_download:
        page.get_by_test_id("export-json").click()
    as_json = json.loads(json_download.value.path().read_text(encoding="utf-8"))["rows"]
    assert exported(as_csv) == exported(as_json) == rows  # type: ignore[arg-type]
    for secret in register:
        assert secret not in json.dumps(as_json) and secret not in json.dumps(as_csv)

    page.get_by_role("link", name=POLICE).first.click()
    expect(page).to_have_url(f"{live_server}/register/pz-test")
    assert [row["street"] for row in shown_rows(page)] == ["Kerkstraat", "Molenstraat"]
    owner_html = page.content()
    for secret in register:
        assert secret not in owner_html, f"the owner's page shows {secret!r}"
