"""The public camera register over HTTP: without sign-in, the same for a signed-in person,
bad searches answered with a 4xx naming the field, bursts beyond the limit with 429 and
Retry-After, exports holding exactly the page's rows; and the owner's forms."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from belfort.app import Services
from belfort.auth.service import find_organisation
from belfort.cameras.service import CameraSpec
from belfort.policy import OrganisationKind
from belfort.transparency.register import ProfileSpec, PublicationSpec
from belfort.web.app import create_app
from tests.conftest import CITY, POLICE, SYSTEM, Population
from tests.web.test_pages import sign_in

HIDDEN = ["PZ Kerk 1", "PZ Kerk 2", "PZ Molen", "Stad Kerk", "50.93", "5.33", "rtsp", "192.0.2"]
"""Camera names, coordinates and stream addresses: never in a public answer."""
BAD_STREETS = [
    "' OR 1=1 --",
    "Kerkstraat'; DROP TABLE camera; --",
    "%",
    "_",
    "*",
    "Kerk%",
    "Kerk_",
    "<script>alert(1)</script>",
    "a" * 10_000,
    "ab",
]
COMPARED = ("street", "area", "municipality", "cameras", "owner")


@pytest.fixture
def published(services: Services, population: Population) -> dict[str, str]:
    """Kerkstraat: two police cameras and one of the city's, published; Molenstraat: a
    police camera not published. Camera ids by name."""
    ids = {}
    with services.db.session() as session:
        for owner, email in ((POLICE, "dpo@pz.example"), (CITY, "privacy@city.example")):
            org = find_organisation(session, owner)
            acting = replace(
                SYSTEM, organisation_id=org.id, organisation_name=org.name, organisation_kind=OrganisationKind(org.kind)
            )
            services.register.save_profile(session, acting, ProfileSpec(dpo_email=email))
        cameras = [
            ("PZ Kerk 1", POLICE, "Kerkstraat", True),
            ("PZ Kerk 2", POLICE, "Kerkstraat", True),
            ("PZ Molen", POLICE, "Molenstraat", False),
            ("Stad Kerk", CITY, "Kerkstr.", True),
        ]
        for index, (name, owner, street, public) in enumerate(cameras):
            camera = services.cameras.add(
                session,
                SYSTEM,
                CameraSpec(
                    name=name,
                    organisation=owner,
                    main_url=f"rtsp://192.0.2.{index}/s",
                    street=street,
                    area="Centrum",
                    latitude=50.93 + index / 1000,
                    longitude=5.33 + index / 1000,
                    council_consent_ref="GR/2026/1",
                    enabled=True,
                ),
            )
            ids[name] = str(camera.id)
            if public:
                services.register.publish(session, SYSTEM, name, PublicationSpec(True, "Hasselt", "traffic safety"))
    return ids


def page_rows(html: str) -> list[dict[str, str]]:
    """The register's rows as the page shows them."""
    rows = []
    for row in re.findall(r'<tr data-testid="register-row">(.*?)</tr>', html, re.S):
        cells = dict(re.findall(r'<td[^>]*data-field="(\w+)"[^>]*>(.*?)</td>', row, re.S))
        owner = re.search(r">([^<]+)</a>", cells["owner"])
        assert owner
        rows.append(
            {
                "street": cells["street"].strip(),
                "area": cells["area"].strip(),
                "municipality": cells["municipality"].strip(),
                "cameras": cells["cameras"].strip(),
                "owner": owner.group(1),
            }
        )
    return rows


def compared(records: list[dict[str, object]]) -> list[dict[str, str]]:
    return [{key: str(record[key]) for key in COMPARED} for record in records]


def test_anyone_reads_the_register_and_no_camera_is_named_or_placed(
    client: TestClient, published: dict[str, str]
) -> None:
    page = client.get("/register")
    assert page.status_code == 200
    assert [(row["street"], row["cameras"], row["owner"]) for row in page_rows(page.text)] == [
        ("Kerkstr.", "1", CITY),
        ("Kerkstraat", "2", POLICE),
    ]
    assert "dpo@pz.example" in page.text and "privacy@city.example" in page.text
    assert "Molenstraat" not in page.text
    for hidden in [*HIDDEN, *published.values()]:
        assert hidden not in page.text
    owner = client.get("/register/pz-test")
    assert owner.status_code == 200 and "Kerkstraat" in owner.text and "Kerkstr." not in owner.text
    for hidden in [*HIDDEN, *published.values()]:
        assert hidden not in owner.text
    api = client.get("/api/register", params={"street": "kerkstraat"}).json()
    assert [(row["street"], row["cameras"], row["kinds"]) for row in api["rows"]] == [
        ("Kerkstr.", 1, ["fixed"]),
        ("Kerkstraat", 2, ["fixed"]),
    ]
    assert api["rows"][1]["owner_page"] == "http://testserver/register/pz-test"
    for hidden in [*HIDDEN, *published.values()]:
        assert hidden not in repr(api)


def test_a_signed_in_person_sees_exactly_what_anyone_sees(client: TestClient, published: dict[str, str]) -> None:
    anyone = client.get("/register").text
    sign_in(client, "admin")
    assert 'href="/admin"' in client.get("/").text
    signed_in = client.get("/register")
    assert signed_in.text == anyone
    assert 'href="/admin"' not in signed_in.text and "/logout" not in signed_in.text


@pytest.mark.parametrize("street", BAD_STREETS)
def test_a_bad_search_gets_a_4xx_naming_the_field(client: TestClient, published: dict[str, str], street: str) -> None:
    page = client.get(f"/register?street={quote(street)}")
    assert page.status_code == 422 and 'data-testid="register-error"' in page.text
    assert "street: " in page.text and "<script>alert" not in page.text
    assert not page_rows(page.text)
    for path in ("/api/register", "/register/export.csv", "/register/export.json"):
        answer = client.get(path, params={"street": street})
        assert answer.status_code == 422, path
        assert "street: " in answer.text
        for hidden in HIDDEN:
            assert hidden not in answer.text


def test_an_unknown_or_malformed_owner_page_is_not_found(client: TestClient, published: dict[str, str]) -> None:
    for slug in ("nobody-here", "PZ%20Test", "pz.test", "profile-", "x" * 5000):
        answer = client.get(f"/register/{slug}")
        assert answer.status_code == 404, slug
        assert "There is no owner" in answer.text


def test_bursts_beyond_the_limit_get_429_with_retry_after(services: Services, published: dict[str, str]) -> None:
    services.settings.public_register.burst = 3
    services.settings.public_register.requests_per_minute = 6
    app = create_app(services)
    with TestClient(app, client=("198.51.100.7", 50000)) as client, TestClient(app, client=("203.0.113.9", 1)) as other:
        answers = [client.get(path) for path in ("/register", "/api/register", "/register/export.csv")]
        assert [answer.status_code for answer in answers] == [200, 200, 200]
        page = client.get("/register/pz-test")
        api = client.get("/api/register?street=kerk")
        for refused in (page, api):
            assert refused.status_code == 429
            assert 1 <= int(refused.headers["Retry-After"]) <= 10
        assert re.search(r"Too many requests from your address: wait \d+ seconds?, then try again", page.text)
        assert api.json()["detail"].startswith("Too many requests from your address")
        assert other.get("/register").status_code == 200  # another address has its own allowance


def test_the_exports_hold_the_rows_the_page_shows(
    client: TestClient, services: Services, published: dict[str, str]
) -> None:
    services.settings.public_register.burst = 100  # sixteen answers to compare, at once
    for asked in ({}, {"street": "kerkstr"}, {"municipality": "hasselt", "area": "centrum"}, {"owner": "city-test"}):
        page = page_rows(client.get("/register", params=asked).text)
        assert page, asked
        exported = client.get("/register/export.csv", params=asked)
        assert exported.headers["content-type"].startswith("text/csv")
        assert "attachment" in exported.headers["content-disposition"]
        as_csv = list(csv.DictReader(io.StringIO(exported.text)))
        as_json = client.get("/register/export.json", params=asked).json()["rows"]
        from_api = client.get("/api/register", params=asked).json()["rows"]
        assert compared(as_csv) == compared(as_json) == compared(from_api) == page, asked  # type: ignore[arg-type]
        assert as_json == from_api


def test_the_page_speaks_the_visitors_language(client: TestClient, published: dict[str, str]) -> None:
    assert '<html lang="fr"' in client.get("/register", headers={"Accept-Language": "fr-BE,fr;q=0.9"}).text
    picked = client.get("/register?street=kerk&lang=de", follow_redirects=False)
    assert picked.status_code == 303 and picked.headers["location"] == "/register?street=kerk"
    assert '<html lang="de"' in client.get(picked.headers["location"]).text
    assert client.get("/register?lang=xx").status_code == 422


@pytest.fixture
def admin_client(client: TestClient, published: dict[str, str]) -> tuple[TestClient, str]:
    return client, sign_in(client, "admin")


def test_an_administrator_writes_the_entry_and_lists_a_camera(
    admin_client: tuple[TestClient, str], published: dict[str, str]
) -> None:
    client, csrf = admin_client
    page = client.get("/register/profile")
    assert page.status_code == 200 and 'value="dpo@pz.example"' in page.text and "PZ Molen" in page.text
    form = {"csrf_token": csrf, "dpo_email": "not an address", "dpo_name": "Dirk Dpo", "slug": "pz-test"}
    bad = client.post("/register/profile", data=form)
    assert bad.status_code == 422 and "write it like dpo@example.be" in bad.text and 'value="Dirk Dpo"' in bad.text
    saved = client.post("/register/profile", data={**form, "dpo_email": "dirk@pz.example"}, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/register/profile"
    assert "Your entry in the public register is saved" in client.get("/register/profile").text
    molen = published["PZ Molen"]
    missing = client.post(
        f"/register/cameras/{molen}", data={"csrf_token": csrf, "public": "1", "municipality": "Hasselt"}
    )
    assert missing.status_code == 422 and "public purpose: say in a few words" in missing.text
    listed = client.post(
        f"/register/cameras/{molen}",
        data={"csrf_token": csrf, "public": "1", "municipality": "Hasselt", "purpose": "prevention of theft"},
        follow_redirects=False,
    )
    assert listed.status_code == 303
    public = client.get("/api/register", params={"street": "molen"}).json()["rows"]
    assert [(row["street"], row["dpo_name"], row["purposes"]) for row in public] == [
        ("Molenstraat", "Dirk Dpo", ["prevention of theft"])
    ]
    other = client.post(f"/register/cameras/{published['Stad Kerk']}", data={"csrf_token": csrf, "public": ""})
    assert other.status_code == 404
    assert [row["owner"] for row in client.get("/api/register?owner=city-test").json()["rows"]] == [CITY]


def test_the_camera_form_lists_the_camera_in_the_register(
    admin_client: tuple[TestClient, str], published: dict[str, str]
) -> None:
    client, csrf = admin_client
    molen = published["PZ Molen"]
    edit = client.get(f"/cameras/{molen}/edit")
    assert 'data-testid="camera-public"' in edit.text
    fields = {
        "csrf_token": csrf,
        "name": "PZ Molen",
        "organisation": POLICE,
        "kind": "fixed",
        "legal_regime": "police",
        "main_url": "rtsp://192.0.2.2/s",
        "transport": "tcp",
        "street": "Molenstraat",
        "area": "Centrum",
        "council_consent_ref": "GR/2026/1",
        "enabled": "1",
        "public": "1",
        "municipality": "Hasselt",
        "public_purpose": "prevention of theft",
    }
    saved = client.post(f"/cameras/{molen}/edit", data=fields, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert [row["street"] for row in client.get("/api/register?street=molen").json()["rows"]] == ["Molenstraat"]
    assert 'checked data-testid="camera-public"' in client.get(f"/cameras/{molen}/edit").text
    bad = client.post(f"/cameras/{molen}/edit", data={**fields, "public_purpose": ""})
    assert bad.status_code == 422 and "public purpose" in bad.text
    assert client.get("/api/register?street=molen").json()["rows"][0]["purposes"] == ["prevention of theft"]


def test_only_an_administrator_or_the_dpo_opens_the_owners_page(client: TestClient, published: dict[str, str]) -> None:
    sign_in(client, "operator")
    assert client.get("/register/profile").status_code == 403
    assert client.get("/register").status_code == 200
