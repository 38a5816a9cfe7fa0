"""The annual report's sections as a reader sees them: a title, what is counted, a table.

One layout for every form of the report: the page draws each section's table beside its
chart, the PDF prints them one after the other, and the charts are drawn from the same
rows, so a chart can never show other figures than the table next to it. Every word is a
message put into the reader's language where it is shown; the figures stay as counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from babel.numbers import format_decimal

from belfort.cameras.service import KIND_WORDS
from belfort.i18n import REGIONAL, Message, _, _n, format_datetime
from belfort.policy import Action, LegalRegime, PurposeKind
from belfort.policy.model import AuthorisationKind
from belfort.policy.rules import AUTHORISATION_WORDS
from belfort.transparency.report import NOT_REGISTERED, AnnualReport

Value = int | float | datetime | None
"""A cell: a count, hours, a moment (shown in the reader's zone and language), or nothing."""

SECTIONS = ("cameras", "consultations", "judicial", "exports", "holds", "plates", "drones", "requests", "retention")
"""Every section, in the order the report shows them."""

REGIME_WORDS: dict[str, Message] = {LegalRegime.POLICE: _("police law"), LegalRegime.CAMERA_LAW: _("camera law")}
PURPOSE_LABELS: dict[str, Message] = {
    PurposeKind.ADMINISTRATIVE: _("administrative"),
    PurposeKind.JUDICIAL: _("judicial"),
    "": _("no purpose stated"),
}
LOOK_WORDS: dict[str, Message] = {
    Action.VIEW_RECORDING: _("playback"),
    Action.EXPORT_EVIDENCE: _("evidence export"),
    Action.PLACE_HOLD: _("evidence hold"),
    Action.SEARCH_PLATES: _("plate search"),
    Action.VIEW_SUBJECT_FOOTAGE: _("footage of a data-subject request"),
}
"""The looks the administrative window applies to, as the judicial section lists them."""


@dataclass(frozen=True)
class Row:
    label: str
    """A message, or a name as it was recorded (an export's recipient)."""
    values: tuple[Value, ...]
    flagged: bool = False
    """A figure the reader must notice: footage kept past the limit."""


@dataclass(frozen=True)
class Section:
    key: str
    title: Message
    counts: Message
    """What exactly the figures count, in one or two sentences."""
    columns: tuple[Message, ...]
    """The header of the label column, then one per value."""
    rows: tuple[Row, ...]
    charted: tuple[int, ...]
    """The values the chart draws (indexes into `Row.values`), one series each."""
    notes: tuple[Message, ...] = ()


def cell(value: Value, language: str, zone: tzinfo) -> str:
    """A value as the reader reads it: 183.223 in Dutch, 183 223 in French; a moment as its
    local date; a dash for nothing."""
    if value is None:
        return "\u2013"
    if isinstance(value, datetime):
        return format_datetime(value, language, zone, "yyyy-MM-dd")
    return format_decimal(value, locale=REGIONAL.get(language, "en_GB"))


def _cameras(report: AnnualReport) -> Section:
    kinds = list(dict.fromkeys(count.kind for count in report.cameras))
    rows = []
    for kind in kinds:
        police = sum(c.cameras for c in report.cameras if c.kind == kind and c.regime == LegalRegime.POLICE)
        law = sum(c.cameras for c in report.cameras if c.kind == kind and c.regime == LegalRegime.CAMERA_LAW)
        rows.append(Row(KIND_WORDS.get(kind, kind), (police, law, police + law)))
    return Section(
        "cameras",
        _("Cameras by kind and law"),
        _(
            "Cameras registered at some moment of the year (added before its end and not removed before its "
            "start), by kind and by the law they film under."
        ),
        (_("Kind"), REGIME_WORDS[LegalRegime.POLICE], REGIME_WORDS[LegalRegime.CAMERA_LAW], _("Total")),
        tuple(rows),
        (0, 1),
    )


def _consultations(report: AnnualReport) -> Section:
    return Section(
        "consultations",
        _("Consultations by purpose and outcome"),
        _(
            "Every decision on a look at images or plates in the audit log: live view and snapshots, playback, "
            "plate searches, hotlist hits and the data protection officer's look at a data subject's footage; "
            "by the organisation's people, and by other organisations at its cameras."
        ),
        (_("Purpose"), _("Allowed"), _("Refused"), _("Total")),
        tuple(
            Row(PURPOSE_LABELS[c.purpose], (c.granted, c.refused, c.granted + c.refused)) for c in report.consultations
        ),
        (0, 1),
    )


def _judicial(report: AnnualReport) -> Section:
    days = report.administrative_days
    notes = [
        _(
            "{authorisation}: {count}",
            authorisation=AUTHORISATION_WORDS[AuthorisationKind(kind)]
            if kind != NOT_REGISTERED
            else _("reference only (no registered authorisation)"),
            count=count,
        )
        for kind, count in report.authorisations.items()
    ]
    notes.append(_n("{count} distinct reference cited.", "{count} distinct references cited.", report.references))
    return Section(
        "judicial",
        _n("Judicial access after {count} day", "Judicial access after {count} days", days),
        _n(
            "Looks at police footage that was more than {count} day old when it was asked for: allowed under a "
            "prosecutor's decision or an investigating judge's order, or refused by the rule.",
            "Looks at police footage that was more than {count} days old when it was asked for: allowed under a "
            "prosecutor's decision or an investigating judge's order, or refused by the rule.",
            days,
        ),
        (_("Kind of look"), _("Allowed under an authorisation"), _("Refused")),
        tuple(Row(LOOK_WORDS.get(j.action, j.action), (j.granted, j.refused)) for j in report.judicial),
        (0, 1),
        tuple(notes),
    )


def _exports(report: AnnualReport) -> Section:
    return Section(
        "exports",
        _("Evidence exports and their recipients"),
        _(
            "Signed evidence packages asked for by the organisation's people during the year, by recipient as "
            "they wrote it (the answers to data-subject requests together, without names); with how many had "
            "the faces of other people blurred."
        ),
        (_("Recipient"), _("Exports"), _("Faces blurred")),
        tuple(
            Row(_("data subjects (their own footage)") if e.data_subjects else e.recipient, (e.exports, e.blurred))
            for e in report.exports
        ),
        (0,),
    )


def _holds(report: AnnualReport) -> Section:
    return Section(
        "holds",
        _("Evidence holds"),
        _(
            "Holds placed on the organisation's cameras during the year, and holds lifted during the year, by "
            "purpose: held footage is kept from retention until the hold is lifted."
        ),
        (_("Purpose"), _("Placed"), _("Lifted")),
        tuple(Row(PURPOSE_LABELS[h.purpose], (h.placed, h.lifted)) for h in report.holds),
        (0, 1),
    )


def _plates(report: AnnualReport) -> Section:
    plates = report.plates
    age = report.generated_at - report.start
    notes = []
    if age > timedelta(days=report.reads_kept_days):
        notes.append(
            _n(
                "Plate reads are kept {count} day: reads older than that have been erased and are not counted.",
                "Plate reads are kept {count} days: reads older than that have been erased and are not counted.",
                report.reads_kept_days,
            )
        )
    if age > timedelta(days=report.hits_kept_days):
        notes.append(
            _n(
                "Hits are kept {count} day: hits older than that have been erased and are not counted.",
                "Hits are kept {count} days: hits older than that have been erased and are not counted.",
                report.hits_kept_days,
            )
        )
    return Section(
        "plates",
        _("Plate reads and hotlist hits"),
        _(
            "Number plates read by the organisation's ANPR cameras and patrol cars during the year, and the "
            "reads that matched one of its hotlists, by what the operators decided; counts only, no plate."
        ),
        (_("Figure"), _("Count")),
        (
            Row(_("plate reads"), (plates.reads,)),
            Row(_("hotlist hits"), (plates.hits,)),
            Row(_("hits accepted"), (plates.accepted,)),
            Row(_("hits rejected"), (plates.rejected,)),
            Row(_("hits not handled"), (plates.unhandled,)),
        ),
        (0,),
        tuple(notes),
    )


def _drones(report: AnnualReport) -> Section:
    return Section(
        "drones",
        _("Drone missions"),
        _(
            "Drone flights that started during the year, from the drone missions log, by regime, with the time "
            "flown from each mission's start to its end."
        ),
        (_("Regime"), _("Missions"), _("Hours flown")),
        tuple(Row(PURPOSE_LABELS[d.regime], (d.missions, d.hours)) for d in report.drones),
        (0,),
    )


def _requests(report: AnnualReport) -> Section:
    requests = report.requests
    return Section(
        "requests",
        _("Data-subject requests"),
        _(
            "Requests of people for the footage of themselves received during the year, and what became of "
            "them: answered or refused, within the legal deadline (as extended) or not, and those still open "
            "when the report was made."
        ),
        (_("Figure"), _("Count")),
        (
            Row(_("requests received"), (requests.received,)),
            Row(_("answered"), (requests.answered,)),
            Row(_("refused"), (requests.refused,)),
            Row(_("answered or refused in time"), (requests.in_time,)),
            Row(_("deadline extended"), (requests.extended,)),
            Row(_("still open"), (requests.open,)),
            Row(_("still open and overdue"), (requests.overdue,), flagged=requests.overdue > 0),
        ),
        (0,),
    )


def _retention(report: AnnualReport) -> Section:
    return Section(
        "retention",
        _("Retention: the oldest footage kept"),
        _(
            "Measured when the report was made, not at the end of the year: per law, the oldest footage the "
            "organisation's cameras keep, held or not, against the longest the law allows; flagged where a "
            "camera keeps footage past its own limit that no hold keeps."
        ),
        (_("Law"), _("Limit (days)"), _("Oldest footage kept"), _("Age (days)"), _("Cameras beyond their limit")),
        tuple(
            Row(REGIME_WORDS[r.regime], (r.limit_days, r.oldest, r.oldest_days, r.beyond), flagged=r.beyond > 0)
            for r in report.retention
        ),
        (2, 0),
    )


_BUILDERS = {
    "cameras": _cameras,
    "consultations": _consultations,
    "judicial": _judicial,
    "exports": _exports,
    "holds": _holds,
    "plates": _plates,
    "drones": _drones,
    "requests": _requests,
    "retention": _retention,
}


def section(report: AnnualReport, key: str) -> Section:
    """One section of the report; KeyError for a key not in SECTIONS."""
    return _BUILDERS[key](report)


def sections(report: AnnualReport) -> list[Section]:
    return [section(report, key) for key in SECTIONS]
