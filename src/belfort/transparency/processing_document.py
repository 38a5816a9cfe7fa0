"""The register of processing activities as a file to keep, send or print: PDF or Markdown.

Both are written from the same `ProcessingRegisterView` the page shows, in the reader's
language, with times in the site's zone. The PDF is drawn with ReportLab in DejaVu Sans (the
font matplotlib ships), so names with any accent print; everything a person wrote is
escaped before it reaches ReportLab's markup. No data is read here.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from belfort.i18n import Message, _, format_datetime, translate
from belfort.transparency.processing import DECLARATION_STATES, FREE_TEXTS, ProcessingRegisterView

FONT = "DejaVuSans"
BOLD = "DejaVuSans-Bold"


def _day(value: date | None) -> str:
    return value.isoformat() if value else "-"


def _columns() -> list[Message]:
    return [
        _("Camera"),
        _("Kind"),
        _("Regime"),
        _("Kept (days)"),
        _("Council consent"),
        _("Declaration"),
        _("Validated on"),
        _("Next validation"),
        _("State"),
    ]


def camera_rows(view: ProcessingRegisterView, language: str) -> list[list[str]]:
    """The table of cameras as text cells, in `language`."""
    return [
        [
            camera.name,
            camera.kind,
            camera.regime,
            f"{camera.retention_min_days}-{camera.retention_max_days}",
            camera.council_consent_ref or "-",
            camera.declaration_ref or "-",
            _day(camera.validated_on),
            _day(camera.next_validation),
            translate(DECLARATION_STATES[camera.state], language),
        ]
        for camera in view.cameras
    ]


def _part(section: str, language: str) -> str:
    return translate(FREE_TEXTS[section], language) if section in FREE_TEXTS else section


def _stamp(moment: datetime, language: str, zone: tzinfo) -> str:
    return format_datetime(moment, language, zone, "yyyy-MM-dd HH:mm xxx")


def markdown(view: ProcessingRegisterView, language: str, zone: tzinfo) -> str:
    """The register as Markdown: readable as plain text, and by any Markdown viewer."""

    def say(message: str) -> str:
        return translate(message, language)

    lines = [
        f"# {say(_('Register of processing activities'))}: {view.organisation}",
        "",
        say(_("Drawn from the platform on {moment}.", moment=_stamp(view.generated_at, language, zone))),
        "",
    ]
    for section in view.sections:
        lines += [f"## {say(section.title)}", ""]
        lines += [f"- {say(item)}" for item in section.items]
        if section.text:
            lines += ["", *section.text.splitlines()]
        lines.append("")
    lines += [f"## {say(_('Cameras, retention and declarations'))}", ""]
    headers = [say(column) for column in _columns()]
    lines.append("| " + " | ".join(headers) + " |")
    lines.append("|" + "---|" * len(headers))
    for row in camera_rows(view, language):
        lines.append("| " + " | ".join(cell.replace("|", "/") for cell in row) + " |")
    if view.history:
        lines += ["", f"## {say(_('Edits of the free-text parts'))}", ""]
        for edit in view.history:
            title = _part(edit.section, language)
            lines.append(f"- {_stamp(edit.edited_at, language, zone)}, {edit.edited_by}: {title}")
    return "\n".join(lines) + "\n"


def _fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(folder / "DejaVuSans-Bold.ttf")))


def pdf(view: ProcessingRegisterView, language: str, zone: tzinfo) -> bytes:
    """The register as a PDF (A4 landscape, so that the table of cameras fits)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    _fonts()

    def say(message: str) -> str:
        return translate(message, language)

    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12)
    small = ParagraphStyle("small", parent=body, fontSize=7, leading=9)
    heading = ParagraphStyle("heading", parent=body, fontName=BOLD, fontSize=12, leading=16, spaceBefore=8)
    title = ParagraphStyle("title", parent=heading, fontSize=16, leading=20)
    story: list[Flowable] = [
        Paragraph(escape(f"{say(_('Register of processing activities'))}: {view.organisation}"), title),
        Paragraph(
            escape(say(_("Drawn from the platform on {moment}.", moment=_stamp(view.generated_at, language, zone)))),
            body,
        ),
    ]
    for section in view.sections:
        story.append(Paragraph(escape(say(section.title)), heading))
        story += [Paragraph("• " + escape(say(item)), body) for item in section.items]
        if section.text:
            story.append(Spacer(1, 2 * mm))
            story.append(Paragraph(escape(section.text).replace("\n", "<br/>"), body))
    story.append(Paragraph(escape(say(_("Cameras, retention and declarations"))), heading))
    cells = [[Paragraph(escape(say(column)), small) for column in _columns()]]
    cells += [[Paragraph(escape(cell), small) for cell in row] for row in camera_rows(view, language)]
    table = Table(cells, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(table)
    if view.history:
        story.append(Paragraph(escape(say(_("Edits of the free-text parts"))), heading))
        for edit in view.history:
            part = _part(edit.section, language)
            story.append(
                Paragraph(escape(f"{_stamp(edit.edited_at, language, zone)}, {edit.edited_by}: {part}"), small)
            )
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        title=f"{say(_('Register of processing activities'))}: {view.organisation}",
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
    )
    document.build(story)
    return buffer.getvalue()
