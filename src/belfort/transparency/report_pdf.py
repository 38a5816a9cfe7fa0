"""The annual report as a PDF document for the council: a title page, then each section
with what it counts, its table and its chart.

Laid out with reportlab's platypus; the charts are matplotlib's, embedded as pictures drawn
for print. Text is set in DejaVu Sans (the font matplotlib ships), embedded in the file, so
every letter of Dutch, French and German, and of a recipient's name, prints as typed. The
document is built in memory from figures counted already: nothing here reads the database.
"""

from __future__ import annotations

import io
from datetime import timedelta, tzinfo
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import matplotlib
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from belfort.i18n import _, format_datetime, translate
from belfort.transparency import report_charts
from belfort.transparency.report import AnnualReport
from belfort.transparency.report_tables import Section, cell, sections

FONT = "BelfortSans"
BOLD = "BelfortSans-Bold"
WIDTH = A4[0] - 4 * cm
"""The text's width: A4 with 2 cm margins."""
INK = colors.HexColor("#1a1a1a")
QUIET = colors.HexColor("#555555")
LINE = colors.HexColor("#c8c8c8")
FLAG = colors.HexColor("#b3261e")


@cache
def _fonts() -> None:
    """Register DejaVu Sans (regular and bold) from matplotlib's own fonts, once per process."""
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(folder / "DejaVuSans-Bold.ttf")))


def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=14, textColor=INK)
    return {
        "body": body,
        "quiet": ParagraphStyle("quiet", parent=body, fontSize=9, leading=12.5, textColor=QUIET),
        "cell": ParagraphStyle("cell", parent=body, fontSize=9, leading=11.5),
        "flagged": ParagraphStyle("flagged", parent=body, fontName=BOLD, fontSize=9, leading=11.5, textColor=FLAG),
        "head": ParagraphStyle("head", parent=body, fontName=BOLD, fontSize=9, leading=11.5),
        "h2": ParagraphStyle("h2", parent=body, fontName=BOLD, fontSize=14, leading=18, spaceBefore=6, spaceAfter=4),
        "title": ParagraphStyle(
            "title", parent=body, fontName=BOLD, fontSize=26, leading=32, alignment=TA_CENTER, spaceAfter=12
        ),
        "subtitle": ParagraphStyle("subtitle", parent=body, fontSize=16, leading=22, alignment=TA_CENTER),
        "centred": ParagraphStyle("centred", parent=body, alignment=TA_CENTER, textColor=QUIET),
    }


def _text(message: str, language: str) -> str:
    """A message in `language`, escaped for reportlab's paragraph markup."""
    return escape(translate(message, language))


def _title_page(report: AnnualReport, language: str, zone: tzinfo, styles: dict[str, ParagraphStyle]) -> list[Any]:
    period = _(
        "From {start} to {end} ({zone} time)",
        start=format_datetime(report.start, language, zone, "d MMMM yyyy"),
        end=format_datetime(report.end - timedelta(days=1), language, zone, "d MMMM yyyy"),
        zone=str(zone),
    )
    made = _(
        "Generated on {moment} on the video platform {site}.",
        moment=format_datetime(report.generated_at, language, zone, "yyyy-MM-dd HH:mm xxx"),
        site=report.site,
    )
    about = _(
        "This report counts how the organisation's cameras were used during the year: every figure comes "
        "from the platform's registry, its audit log and its other records, as explained above each table. "
        "It names no person, no number plate and no camera."
    )
    flowables: list[Any] = [
        Spacer(1, 5 * cm),
        Paragraph(_text(_("Annual report {year}", year=report.year), language), styles["title"]),
        Paragraph(escape(report.organisation), styles["subtitle"]),
        Spacer(1, 0.8 * cm),
        Paragraph(_text(period, language), styles["centred"]),
        Paragraph(_text(made, language), styles["centred"]),
        Spacer(1, 2 * cm),
        Paragraph(_text(about, language), styles["body"]),
        Spacer(1, 0.6 * cm),
        Paragraph(_text(_("Contents"), language), styles["head"]),
    ]
    for number, part in enumerate(sections(report), start=1):
        flowables.append(Paragraph(f"{number}. {_text(part.title, language)}", styles["body"]))
    flowables.append(PageBreak())
    return flowables


def _table(part: Section, language: str, zone: tzinfo, styles: dict[str, ParagraphStyle]) -> Flowable:
    header = [Paragraph(_text(column, language), styles["head"]) for column in part.columns]
    rows: list[list[Any]] = [header]
    for row in part.rows:
        look = styles["flagged"] if row.flagged else styles["cell"]
        label = _text(row.label, language)
        if row.flagged:
            label += f" ({_text(_('needs attention'), language)})"
        rows.append(
            [Paragraph(label, look)] + [Paragraph(escape(cell(value, language, zone)), look) for value in row.values]
        )
    if not part.rows:
        rows.append([Paragraph(_text(_("Nothing to count in this year."), language), styles["cell"])])
    label_width = WIDTH * (0.4 if len(part.columns) > 3 else 0.5)
    value_width = (WIDTH - label_width) / max(1, len(part.columns) - 1)
    table = Table(rows, colWidths=[label_width] + [value_width] * (len(part.columns) - 1), repeatRows=1)
    style: list[tuple[Any, ...]] = [
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
        ("LINEBELOW", (0, 1), (-1, -1), 0.4, LINE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if not part.rows:
        style.append(("SPAN", (0, 1), (-1, 1)))
    table.setStyle(TableStyle(style))
    return table


def _chart(part: Section, language: str) -> Image:
    picture = report_charts.png(part, language)
    image = Image(io.BytesIO(picture))
    scale = min(1.0, (WIDTH * 0.9) / image.imageWidth, (11 * cm) / image.imageHeight)
    image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
    return image


def _section(number: int, part: Section, language: str, zone: tzinfo, styles: dict[str, ParagraphStyle]) -> list[Any]:
    heading = Paragraph(f"{number}. {_text(part.title, language)}", styles["h2"])
    counts = Paragraph(_text(part.counts, language), styles["quiet"])
    notes = [Paragraph(_text(note, language), styles["quiet"]) for note in part.notes]
    table = _table(part, language, zone, styles)
    chart = _chart(part, language)
    return [
        KeepTogether([heading, counts, Spacer(1, 0.25 * cm), table, *notes, Spacer(1, 0.3 * cm), chart]),
        Spacer(1, 0.6 * cm),
    ]


def _footer(report: AnnualReport, language: str) -> Any:
    words = translate(_("Annual report {year}", year=report.year), language)

    def draw(canvas: Canvas, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(QUIET)
        canvas.drawString(2 * cm, 1.2 * cm, f"{report.organisation} · {words}")
        canvas.drawRightString(A4[0] - 2 * cm, 1.2 * cm, str(document.page))
        canvas.restoreState()

    return draw


def pdf(report: AnnualReport, language: str, zone: tzinfo) -> bytes:
    """The report as a PDF document in `language`, times in `zone`."""
    _fonts()
    styles = _styles()
    buffer = io.BytesIO()
    title = translate(_("Annual report {year}", year=report.year), language)
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
        title=f"{title} · {report.organisation}",
        author=report.site,
        subject=title,
        creator="Belfort",
        lang=language,
    )
    story = _title_page(report, language, zone, styles)
    for number, part in enumerate(sections(report), start=1):
        story += _section(number, part, language, zone, styles)
    footer = _footer(report, language)
    document.build(story, onFirstPage=lambda canvas, doc: None, onLaterPages=footer)
    return buffer.getvalue()
