"""The annual report: its page with charts, its PDF, its JSON, and the charts themselves.

Thin over `belfort.transparency.report`, whose service passes the gate and records each
reading (page, PDF, JSON alike). The page's charts are drawn under the page's decision:
the page signs a short-lived link, and each chart route reads the figures under it without
a second record. A bad year or language is answered 422 naming the field; another
organisation's report is refused by the gate (recorded) like one that does not exist.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.auth.service import Identity
from belfort.errors import InvalidInput, NotFound
from belfort.i18n import LANGUAGES, _
from belfort.policy import Action, Actor
from belfort.transparency.report import AnnualReport, AnnualReportService
from belfort.transparency.report_charts import svg
from belfort.transparency.report_pdf import pdf
from belfort.transparency.report_tables import SECTIONS, cell, section, sections
from belfort.web.deps import current_actor, db_session, get_services, page_of, release
from belfort.web.rendering import QueryText, language_of, render, say

router = APIRouter(prefix="/api/reports", tags=["reports"])
pages = APIRouter(include_in_schema=False)

Link = Annotated[str, Query(max_length=2000)]


def _asked(actor: Actor, organisation: str) -> str:
    """The organisation asked for: the one named, else the actor's own."""
    if organisation.strip():
        return organisation.strip()
    if actor.organisation_name:
        return actor.organisation_name
    raise InvalidInput(_("organisation: name the organisation whose report you want"))


def _year(service: AnnualReportService, year: str) -> int:
    return service.year(year) if year.strip() else service.default_year()


def _language(request: Request, lang: str) -> str:
    if not lang:
        return language_of(request)
    if lang not in LANGUAGES:
        raise InvalidInput(_("lang: choose one of {languages}, or leave it out", languages=", ".join(LANGUAGES)))
    return lang


def _file_name(report: AnnualReport) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", report.organisation.lower()).strip("-") or "organisation"
    return f"annual-report-{slug}-{report.year}.pdf"


@router.get("/annual", response_model=AnnualReport, summary="An organisation's annual report in figures (audited)")
def annual_report(
    organisation: QueryText = "",
    year: QueryText = "",
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> AnnualReport:
    """The figures of one organisation (name or id; default your own) for one calendar year
    (default last year), counted from the registry and the audit log. Reading them is recorded."""
    service = services.annual_report
    chosen = _year(service, year)
    return service.report(session, actor, _asked(actor, organisation), chosen, form="json")


@pages.get("/reports/annual")
def annual_page(
    request: Request,
    organisation: QueryText = "",
    year: QueryText = "",
    identity: Identity = Depends(page_of(Action.VIEW_ANNUAL_REPORT)),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    actor = identity.actor
    service = services.annual_report
    asked = _asked(actor, organisation)
    values = {"organisation": asked, "year": year.strip() or str(service.default_year())}
    context: dict[str, Any] = {
        "values": values,
        "organisations": [o.name for o in service.organisations(session, actor)],
        "years": service.years(),
    }
    try:
        chosen = service.year(values["year"])
    except InvalidInput as exc:
        return render(
            request, "report_annual.html", status_code=exc.status_code, error=say(request, exc.message), **context
        )
    report = service.report(session, actor, asked, chosen)
    language = language_of(request)
    zone = services.settings.zone
    return render(
        request,
        "report_annual.html",
        report=report,
        sections=sections(report),
        link=service.chart_link(actor, report),
        last_day=report.end - timedelta(days=1),
        cell=lambda value: cell(value, language, zone),
        **context,
    )


@pages.get("/reports/annual.pdf")
def annual_pdf(
    request: Request,
    organisation: QueryText = "",
    year: QueryText = "",
    lang: Annotated[str, Query(max_length=5)] = "",
    identity: Identity = Depends(page_of(Action.VIEW_ANNUAL_REPORT)),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    """The report as a PDF document, in the language asked for (`lang`) or the reader's."""
    actor = identity.actor
    service = services.annual_report
    language = _language(request, lang)
    chosen = _year(service, year)
    report = service.report(session, actor, _asked(actor, organisation), chosen, form="pdf")
    release(session)  # the reading is recorded; building the document needs no transaction
    return Response(
        pdf(report, language, services.settings.zone),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{_file_name(report)}"'},
    )


@pages.get("/reports/annual/charts/{key}.svg")
def annual_chart(
    request: Request,
    key: str,
    link: Link = "",
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    """One chart of a page's report, under the link the page signed."""
    if key not in SECTIONS:
        raise NotFound(_("no chart named '{key}' in the annual report", key=key[:40]))
    report = services.annual_report.charted(session, actor, link)
    release(session)
    return Response(
        svg(section(report, key), language_of(request)),
        media_type="image/svg+xml",
        headers={"Cache-Control": "private, max-age=600"},
    )
