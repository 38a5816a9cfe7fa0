"""The annual report's routes: the page with its charts beside its tables, the JSON, the
PDF; a bad year or language answered 422 naming the field; another organisation's report,
a role that may not read it and a chart link that is not the caller's refused and recorded."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from belfort.app import Services
from belfort.audit.models import AuditRecord
from belfort.keys import LinkKind
from tests.conftest import SYSTEM, Population, bearer

CHART = re.compile(r'<img src="(/reports/annual/charts/(\w+)\.svg\?link=[^"]+)"')


def report_records(services: Services) -> list[tuple[str, str]]:
    with services.db.session() as session:
        rows = session.scalars(
            select(AuditRecord).where(AuditRecord.action == "transparency.report").order_by(AuditRecord.seq)
        )
        return [(row.actor_name, row.outcome) for row in rows]


def test_the_page_shows_each_section_with_its_chart_and_one_record(
    client: TestClient, services: Services, population: Population
) -> None:
    dpo = bearer(client, "dpo")
    page = client.get("/reports/annual", params={"year": "2025"}, headers=dpo)
    assert page.status_code == 200, page.text
    charts = CHART.findall(page.text)
    assert [key for _src, key in charts] == [
        "cameras",
        "consultations",
        "judicial",
        "exports",
        "holds",
        "plates",
        "drones",
        "requests",
        "retention",
    ]
    for src, key in charts:
        assert f'data-testid="table-{key}"' in page.text, "a table beside each chart"
        chart = client.get(html.unescape(src), headers=dpo)
        assert chart.status_code == 200 and chart.headers["content-type"] == "image/svg+xml"
        assert chart.content.lstrip().startswith(b"<?xml") and b"<svg" in chart.content
    assert report_records(services) == [("dpo", "granted")], "the charts are drawn under the page's decision"
    assert 'href="/reports/annual.pdf?organisation=PZ%20Test&amp;year=2025&amp;lang=' in page.text


def test_the_api_and_the_pdf_give_the_same_year(client: TestClient, services: Services, population: Population) -> None:
    supervisor = bearer(client, "supervisor")
    figures = client.get("/api/reports/annual", params={"year": "2025"}, headers=supervisor)
    assert figures.status_code == 200, figures.text
    body = figures.json()
    assert (body["organisation"], body["year"], body["start"], body["end"]) == (
        "PZ Test",
        2025,
        "2024-12-31T23:00:00Z",
        "2025-12-31T23:00:00Z",
    )
    document = client.get("/reports/annual.pdf", params={"year": "2025", "lang": "fr"}, headers=supervisor)
    assert document.status_code == 200 and document.content.startswith(b"%PDF")
    assert document.headers["content-disposition"] == 'attachment; filename="annual-report-pz-test-2025.pdf"'
    assert report_records(services) == [("supervisor", "granted"), ("supervisor", "granted")]


def test_bad_years_and_languages_are_refused_naming_the_field(
    client: TestClient, services: Services, population: Population
) -> None:
    dpo = bearer(client, "dpo")
    for year in ("1999", "2027", "twenty", "2025; drop table camera", "9" * 300):
        page = client.get("/reports/annual", params={"year": year}, headers=dpo)
        api = client.get("/api/reports/annual", params={"year": year}, headers=dpo)
        assert page.status_code == api.status_code == 422, (year, page.status_code, api.status_code)
        assert "year: " in api.json()["detail"], api.json()  # 300 characters: "query.year: ... at most 200"
        assert len(year) > 200 or 'data-testid="report-error"' in page.text, "the page is drawn again with why"
    wrong = client.get("/reports/annual.pdf", params={"year": "2025", "lang": "xx"}, headers=dpo)
    assert wrong.status_code == 422 and "lang: choose one of nl, fr, de, en" in wrong.text
    assert report_records(services) == [], "nothing was read"


def test_another_organisations_report_and_other_roles_are_refused_on_record(
    client: TestClient, services: Services, population: Population
) -> None:
    with services.db.session() as session:
        services.accounts.add_organisation(session, SYSTEM, "PZ Elders", "police_zone")
    dpo, operator, auditor = bearer(client, "dpo"), bearer(client, "operator"), bearer(client, "auditor")
    for path in ("/reports/annual", "/api/reports/annual", "/reports/annual.pdf"):
        answer = client.get(path, params={"organisation": "PZ Elders", "year": "2025"}, headers=dpo)
        assert answer.status_code == 404, (path, answer.status_code)
        assert "PZ Elders" in answer.text and "annual report" in answer.text
    assert client.get("/reports/annual", params={"year": "2025"}, headers=operator).status_code == 403
    assert client.get("/api/reports/annual", params={"year": "2025"}, headers=operator).status_code == 403
    seen = client.get("/api/reports/annual", params={"organisation": "PZ Elders", "year": "2025"}, headers=auditor)
    assert seen.status_code == 200 and seen.json()["organisation"] == "PZ Elders"
    assert report_records(services) == [("dpo", "refused")] * 3 + [("operator", "refused")] * 2 + [
        ("auditor", "granted")
    ]


def test_a_chart_link_works_for_its_own_person_only(
    client: TestClient, services: Services, population: Population
) -> None:
    dpo, supervisor = bearer(client, "dpo"), bearer(client, "supervisor")
    page = client.get("/reports/annual", params={"year": "2025"}, headers=dpo)
    src = html.unescape(CHART.findall(page.text)[0][0])
    assert client.get(src, headers=supervisor).status_code == 404
    forged = services.links.sign(LinkKind.PLAYBACK, {"sub": "x"}, 60)
    assert client.get(f"/reports/annual/charts/holds.svg?link={forged}", headers=dpo).status_code == 403
    assert client.get(src.replace("/cameras.svg", "/secrets.svg"), headers=dpo).status_code == 404
    assert report_records(services) == [("dpo", "granted"), ("supervisor", "refused"), ("dpo", "refused")]
