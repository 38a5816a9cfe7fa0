"""The annual report: what an organisation's cameras were and how they were used in one year.

Per organisation and calendar year of the site's zone (from local midnight on 1 January to
local midnight on the next, end-exclusive), counted from the registry, the audit log, the
export history, the holds, the plate reads, the drone missions log, the data-subject
requests and the recordings index. Reading it is one look at the logs: one decision of the
gate, one audit record, whoever asks (page, PDF, API, command line). It holds counts only,
never a person's name, a plate or a camera's name, so that it can go to the municipal
council as it is; it keeps no table of its own and changes nothing.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import QueryableAttribute, Session

from belfort.anpr.models import Hit, PlateRead
from belfort.audit import owner_ref
from belfort.audit.chain import decode_resources
from belfort.audit.models import AuditRecord
from belfort.auth.models import Organisation
from belfort.cameras.grants import members
from belfort.cameras.models import Camera
from belfort.cameras.service import KINDS
from belfort.dpo.models import SubjectRequest
from belfort.errors import Forbidden, InvalidInput, Unseen
from belfort.evidence.models import EvidenceExport
from belfort.i18n import _
from belfort.judicial.models import DroneMission
from belfort.keys import BadLink, LinkKind, SignedLinks
from belfort.media.models import Segment
from belfort.policy import Action, Actor, LegalRegime, PolicyGate, PurposeKind, Resource, ResourceKind
from belfort.policy.model import AuthorisationKind
from belfort.policy.rules import ACTIONS
from belfort.retention.holds import held_condition, legal_limit_days
from belfort.retention.models import Hold
from belfort.settings import AnprSettings, PolicySettings
from belfort.timeutil import Clock, local_year, utcnow

CHART_SECONDS = 600
"""How long the link of a page's charts holds: the page's decision covers drawing them."""
KEPT_REPORTS = 64
"""Reports kept in memory for their charts, the newest; a chart of another is counted again."""
FIRST_YEAR = 2000
"""The earliest year a report may be asked for: before it, no camera of this platform filmed."""
CONSULTATIONS = (
    Action.VIEW_LIVE,
    Action.VIEW_RECORDING,
    Action.SEARCH_PLATES,
    Action.HANDLE_HITS,
    Action.VIEW_SUBJECT_FOOTAGE,
)
"""The looks at images and plates: live view (and snapshots), playback, plate searches, hits,
and the DPO's look at a data subject's footage. Each decision is one audit record."""
AGE_LIMITED = tuple(action for action, spec in ACTIONS.items() if spec.age_limited)
"""The actions the administrative window of police footage (the 30-day rule) applies to."""
NOT_REGISTERED = "reference"
"""A judicial look past the window whose record names no registered authorisation (older
records, from before authorisations were registered, carry only the reference)."""
OUTCOMES = ("granted", "refused")
PURPOSES = (PurposeKind.ADMINISTRATIVE.value, PurposeKind.JUDICIAL.value, "")
"""How a consultation's purpose is counted; '' is none stated (a look refused before it)."""


@dataclass(frozen=True)
class CameraCount:
    kind: str
    regime: str
    cameras: int
    """Registered at some moment of the year: added before its end, not removed before its start."""


@dataclass(frozen=True)
class ConsultationCount:
    purpose: str
    """`administrative`, `judicial`, or '' when none was stated."""
    granted: int
    refused: int


@dataclass(frozen=True)
class JudicialCount:
    """Looks at police footage past the administrative window, by kind of look."""

    action: str
    granted: int
    """Allowed under a judicial authorisation."""
    refused: int
    """Refused by the rule: no judicial purpose, no reference, or none that covers the look."""


@dataclass(frozen=True)
class ExportCount:
    recipient: str
    """As the person who asked for the exports wrote it; '' for the data subjects' exports,
    counted together so that the report names no citizen."""
    exports: int
    blurred: int
    """Of which with the faces of other people blurred."""

    @property
    def data_subjects(self) -> bool:
        return not self.recipient


@dataclass(frozen=True)
class HoldCount:
    purpose: str
    placed: int
    lifted: int


@dataclass(frozen=True)
class PlateFigures:
    reads: int
    hits: int
    accepted: int
    rejected: int
    unhandled: int


@dataclass(frozen=True)
class DroneCount:
    regime: str
    """`administrative` or `judicial`."""
    missions: int
    hours: float
    """Flight time, from each mission's start to its end."""


@dataclass(frozen=True)
class RequestFigures:
    """Data-subject requests received during the year (by the day of receipt), and what became of them."""

    received: int
    answered: int
    refused: int
    in_time: int
    """Answered or refused on or before the legal deadline (as extended)."""
    extended: int
    """Whose deadline was extended."""
    open: int
    """Not answered yet when the report was made."""
    overdue: int
    """Of those, past their deadline."""


@dataclass(frozen=True)
class RetentionFigure:
    regime: str
    limit_days: int
    """The longest the law keeps this regime's footage."""
    cameras: int
    """Cameras of the regime with footage in the recordings index now."""
    oldest: datetime | None
    """The start of the oldest footage kept now, held or not."""
    oldest_days: int | None
    """Its age in whole days when the report was made."""
    beyond: int
    """Cameras keeping footage past their own limit without a hold that keeps it: the sweeper
    should have erased it (flagged)."""


@dataclass(frozen=True)
class AnnualReport:
    organisation_id: uuid.UUID
    organisation: str
    year: int
    start: datetime
    """Local midnight on 1 January, in UTC."""
    end: datetime
    """Local midnight on the next 1 January, in UTC (end-exclusive)."""
    generated_at: datetime
    site: str
    administrative_days: int
    """The administrative window of police footage when the report was made."""
    cameras: tuple[CameraCount, ...]
    consultations: tuple[ConsultationCount, ...]
    judicial: tuple[JudicialCount, ...]
    authorisations: dict[str, int]
    """Granted looks past the window by kind of authorisation (prosecutor's decision,
    investigating judge's order; `reference` for a record that names no registered one)."""
    references: int
    """Distinct references those looks cited."""
    exports: tuple[ExportCount, ...]
    holds: tuple[HoldCount, ...]
    plates: PlateFigures
    reads_kept_days: int
    """How long plate reads are kept: reads older than that were erased and are not counted."""
    hits_kept_days: int
    drones: tuple[DroneCount, ...]
    requests: RequestFigures
    retention: tuple[RetentionFigure, ...]


def parse_year(text: str, now: datetime, zone: tzinfo) -> int:
    """The year a person asked for, as a number from FIRST_YEAR to this year; InvalidInput
    naming the field otherwise."""
    last = now.astimezone(zone).year
    try:
        year = int(text.strip())
    except ValueError:
        year = 0
    if not FIRST_YEAR <= year <= last:
        raise InvalidInput(
            _(
                "year: '{value}' is not a year of the report; choose one from {first} to {last}",
                value=text.strip()[:20],
                first=FIRST_YEAR,
                last=last,
            )
        )
    return year


def _in(column: QueryableAttribute[Any], start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    """SQL for "`column` falls in [start, end)"."""
    return [column >= start, column < end]


def _scope(org: str) -> ColumnElement[bool]:
    """Audit records of the organisation's people, and of looks at its cameras by others."""
    return or_(AuditRecord.organisation_id == org, AuditRecord.resources.contains(owner_ref(org), autoescape=True))


def cameras_in_year(session: Session, org: uuid.UUID, start: datetime, end: datetime) -> tuple[CameraCount, ...]:
    rows = session.execute(
        select(Camera.kind, Camera.legal_regime, func.count())
        .where(
            Camera.organisation_id == org,
            Camera.created_at < end,
            or_(Camera.removed_at.is_(None), Camera.removed_at >= start),
        )
        .group_by(Camera.kind, Camera.legal_regime)
    ).all()
    order = {kind: index for index, kind in enumerate(KINDS)}
    counts = [CameraCount(kind, regime, count) for kind, regime, count in rows]
    return tuple(sorted(counts, key=lambda c: (order.get(c.kind, len(order)), c.kind, c.regime)))


def consultations_in_year(
    session: Session, org: uuid.UUID, start: datetime, end: datetime
) -> tuple[ConsultationCount, ...]:
    rows = session.execute(
        select(AuditRecord.purpose, AuditRecord.outcome, func.count())
        .where(
            AuditRecord.action.in_([action.value for action in CONSULTATIONS]),
            *_in(AuditRecord.ts_utc, start, end),
            _scope(str(org)),
        )
        .group_by(AuditRecord.purpose, AuditRecord.outcome)
    ).all()
    counts: Counter[tuple[str, bool]] = Counter()
    for purpose, outcome, count in rows:
        counts[purpose if purpose in PURPOSES else "", outcome == "granted"] += count
    return tuple(
        ConsultationCount(purpose, counts[purpose, True], counts[purpose, False])
        for purpose in PURPOSES
        if counts[purpose, True] or counts[purpose, False] or purpose
    )


def _authorisation_kind(detail: str) -> str:
    """The kind of registered authorisation a granted record names (`<kind> <id>`)."""
    try:
        named = json.loads(detail).get("authorisation", "") if detail else ""
    except (ValueError, AttributeError):
        named = ""
    kind = str(named).split(" ", 1)[0]
    return kind if kind in {k.value for k in AuthorisationKind} else NOT_REGISTERED


def _police_footage(session: Session, records: Iterable[AuditRecord]) -> list[AuditRecord]:
    """The records whose look reached police footage: plate reads are police data; a camera's
    footage is its regime's (the first reference of the record names the camera)."""
    first = {record.id: next(iter(decode_resources(record.resources)), None) for record in records}
    ids = set()
    for ref in first.values():
        if ref is not None and ref.kind != ResourceKind.PLATE_READS.value:
            try:
                ids.add(uuid.UUID(ref.id))
            except ValueError:
                continue
    regimes = dict(session.execute(select(Camera.id, Camera.legal_regime).where(Camera.id.in_(ids))).all())
    police = []
    for record in records:
        ref = first[record.id]
        if ref is None:
            continue
        if ref.kind == ResourceKind.PLATE_READS.value:
            police.append(record)
            continue
        try:
            regime = regimes.get(uuid.UUID(ref.id))
        except ValueError:
            regime = None
        if regime == LegalRegime.POLICE.value:
            police.append(record)
    return police


def judicial_in_year(
    session: Session, org: uuid.UUID, start: datetime, end: datetime, days: int
) -> tuple[tuple[JudicialCount, ...], dict[str, int], int]:
    """Looks past the administrative window: allowed under a judicial authorisation (a
    judicial purpose with a reference, on police footage that was older than `days` days
    when it was asked for), and refused by that rule; with the kinds of authorisation used
    and the number of distinct references."""
    actions = [action.value for action in AGE_LIMITED]
    candidates = session.scalars(
        select(AuditRecord).where(
            AuditRecord.action.in_(actions),
            AuditRecord.outcome == "granted",
            AuditRecord.purpose == PurposeKind.JUDICIAL.value,
            AuditRecord.legal_basis_ref != "",
            AuditRecord.range_start.is_not(None),
            *_in(AuditRecord.ts_utc, start, end),
            _scope(str(org)),
        )
    ).all()
    window = timedelta(days=days)
    past = [r for r in candidates if r.range_start is not None and r.ts_utc - r.range_start > window]
    granted = _police_footage(session, past)
    refused = session.execute(
        select(AuditRecord.action, func.count())
        .where(
            AuditRecord.action.in_(actions),
            AuditRecord.outcome == "refused",
            AuditRecord.detail.contains(json.dumps({"rule": f"{days}-day"})[1:-1], autoescape=True),
            *_in(AuditRecord.ts_utc, start, end),
            _scope(str(org)),
        )
        .group_by(AuditRecord.action)
    ).all()
    allowed = Counter(record.action for record in granted)
    denied = dict(refused)
    rows = tuple(
        JudicialCount(action, allowed[action], denied.get(action, 0))
        for action in actions
        if allowed[action] or denied.get(action, 0)
    )
    kinds = Counter(_authorisation_kind(record.detail) for record in granted)
    references = len({record.legal_basis_ref.strip().casefold() for record in granted})
    return rows, dict(sorted(kinds.items())), references


def _subject_exports(session: Session, org: uuid.UUID) -> set[str]:
    """The ids of the exports made to answer the organisation's data-subject requests."""
    stored = session.scalars(
        select(SubjectRequest.export_ids).where(SubjectRequest.organisation_id == org, SubjectRequest.export_ids != "")
    )
    return {export for ids in stored for export in members(ids)}


def exports_in_year(session: Session, org: uuid.UUID, start: datetime, end: datetime) -> tuple[ExportCount, ...]:
    rows = session.execute(
        select(EvidenceExport.id, EvidenceExport.recipient, EvidenceExport.blur_faces).where(
            EvidenceExport.organisation_id == org, *_in(EvidenceExport.created_at, start, end)
        )
    ).all()
    subjects = _subject_exports(session, org)
    exports: Counter[str] = Counter()
    blurred: Counter[str] = Counter()
    for export_id, recipient, blur in rows:
        name = "" if str(export_id) in subjects else recipient
        exports[name] += 1
        blurred[name] += 1 if blur else 0
    ranked = sorted(exports.items(), key=lambda item: (not item[0], -item[1], item[0].casefold()))
    return tuple(ExportCount(recipient, count, blurred[recipient]) for recipient, count in ranked)


def holds_in_year(session: Session, org: uuid.UUID, start: datetime, end: datetime) -> tuple[HoldCount, ...]:
    owned = Hold.camera_id.in_(select(Camera.id).where(Camera.organisation_id == org))
    placed = dict(
        session.execute(
            select(Hold.purpose, func.count()).where(owned, *_in(Hold.created_at, start, end)).group_by(Hold.purpose)
        ).all()
    )
    lifted = dict(
        session.execute(
            select(Hold.purpose, func.count())
            .where(owned, Hold.lifted_at.is_not(None), *_in(Hold.lifted_at, start, end))
            .group_by(Hold.purpose)
        ).all()
    )
    return tuple(
        HoldCount(purpose.value, placed.get(purpose.value, 0), lifted.get(purpose.value, 0)) for purpose in PurposeKind
    )


def plates_in_year(session: Session, org: uuid.UUID, start: datetime, end: datetime) -> PlateFigures:
    reads = session.scalar(
        select(func.count())
        .select_from(PlateRead)
        .where(PlateRead.organisation_id == org, *_in(PlateRead.ts, start, end))
    )
    states = dict(
        session.execute(
            select(Hit.state, func.count())
            .where(Hit.organisation_id == org, *_in(Hit.ts, start, end))
            .group_by(Hit.state)
        ).all()
    )
    accepted, rejected = states.get("accepted", 0), states.get("rejected", 0)
    hits = sum(states.values())
    return PlateFigures(int(reads or 0), hits, accepted, rejected, hits - accepted - rejected)


def drones_in_year(session: Session, org: uuid.UUID, start: datetime, end: datetime) -> tuple[DroneCount, ...]:
    flights = session.execute(
        select(DroneMission.regime, DroneMission.started_at, DroneMission.ended_at).where(
            DroneMission.organisation_id == org, *_in(DroneMission.started_at, start, end)
        )
    ).all()
    missions: Counter[str] = Counter()
    seconds: defaultdict[str, float] = defaultdict(float)
    for regime, started, ended in flights:
        missions[regime] += 1
        seconds[regime] += max(0.0, (ended - started).total_seconds())
    return tuple(
        DroneCount(kind.value, missions[kind.value], round(seconds[kind.value] / 3600, 1)) for kind in PurposeKind
    )


def requests_in_year(session: Session, org: uuid.UUID, year: int, today: date) -> RequestFigures:
    """The requests received in the year's calendar days (the deadline runs from that day)."""
    rows = session.scalars(
        select(SubjectRequest).where(
            SubjectRequest.organisation_id == org,
            SubjectRequest.received_on >= date(year, 1, 1),
            SubjectRequest.received_on < date(year + 1, 1, 1),
        )
    ).all()
    still_open = [row for row in rows if row.closed_on is None]
    return RequestFigures(
        received=len(rows),
        answered=sum(1 for row in rows if row.status == "answered"),
        refused=sum(1 for row in rows if row.status == "refused"),
        in_time=sum(1 for row in rows if row.closed_on is not None and row.closed_on <= row.due_on),
        extended=sum(1 for row in rows if row.extended_on is not None),
        open=len(still_open),
        overdue=sum(1 for row in still_open if today > row.due_on),
    )


def retention_now(
    session: Session, org: uuid.UUID, policy: PolicySettings, now: datetime
) -> tuple[RetentionFigure, ...]:
    """Per regime, the oldest footage the organisation's cameras keep now against the law's
    limit, and the cameras that keep unheld footage past their own limit."""
    cameras = session.scalars(select(Camera).where(Camera.organisation_id == org)).all()
    oldest = dict(
        session.execute(
            select(Segment.camera_id, func.min(Segment.start_time))
            .where(Segment.camera_id.in_([camera.id for camera in cameras]))
            .group_by(Segment.camera_id)
        ).all()
    )
    figures = []
    for regime in LegalRegime:
        limit = legal_limit_days(policy, regime.value)
        mine = [camera for camera in cameras if camera.legal_regime == regime.value and camera.id in oldest]
        starts = [oldest[camera.id] for camera in mine]
        first = min(starts, default=None)
        beyond = sum(1 for camera in mine if _keeps_beyond(session, camera, policy, now))
        figures.append(
            RetentionFigure(
                regime.value,
                limit,
                len(mine),
                first,
                (now - first).days if first is not None else None,
                beyond,
            )
        )
    return tuple(figures)


def _keeps_beyond(session: Session, camera: Camera, policy: PolicySettings, now: datetime) -> bool:
    """Whether the camera keeps a finished segment that ended past its own limit and that no
    hold keeps (past the law's limit, only a judicial hold keeps footage)."""
    cutoff = now - timedelta(days=camera.retention_max_days)
    legal_cutoff = now - timedelta(days=legal_limit_days(policy, camera.legal_regime))
    found = session.scalar(
        select(Segment.id)
        .where(
            Segment.camera_id == camera.id,
            Segment.state != "writing",
            Segment.end_time <= cutoff,
            ~held_condition(Segment.camera_id, Segment.start_time, Segment.end_time, legal_cutoff),
        )
        .limit(1)
    )
    return found is not None


def _find_organisation(session: Session, ref: str) -> Organisation | None:
    try:
        return session.get(Organisation, uuid.UUID(ref))
    except ValueError:
        return session.scalars(select(Organisation).where(Organisation.name == ref.strip())).first()


def _holder(actor: Actor) -> str:
    """Who a chart link is for: the person, or the local operator by name."""
    return str(actor.id) if actor.id else actor.name


def report_resource(organisation: Organisation | None, asked: str, year: int) -> Resource:
    if organisation is None:
        return Resource(ResourceKind.ANNUAL_REPORT, "", asked[:120], asked=asked, known=False)
    return Resource(
        ResourceKind.ANNUAL_REPORT,
        f"{organisation.id}/{year}",
        f"annual report {year} of {organisation.name}",
        organisation.id,
        asked=asked,
        owner_name=organisation.name,
    )


class AnnualReportService:
    def __init__(
        self,
        gate: PolicyGate,
        links: SignedLinks,
        policy: PolicySettings,
        anpr: AnprSettings,
        site: str,
        zone: tzinfo,
        clock: Clock = utcnow,
    ) -> None:
        self.gate = gate
        self.links = links
        self.policy = policy
        self.anpr = anpr
        self.site = site
        self.zone = zone
        self._clock = clock
        self._kept: OrderedDict[tuple[str, str, int, float], AnnualReport] = OrderedDict()
        self._lock = threading.Lock()

    def organisations(self, session: Session, actor: Actor) -> list[Organisation]:
        """The organisations whose report the actor may ask for, for a menu (the gate decides
        again when one is asked for): every one for the platform's auditor, else their own."""
        if actor.role in ACTIONS[Action.VIEW_ANNUAL_REPORT].sees_all or actor.organisation_id is None:
            return list(session.scalars(select(Organisation).order_by(Organisation.name)))
        own = session.get(Organisation, actor.organisation_id)
        return [own] if own is not None else []

    def years(self) -> list[int]:
        """The years a report may be asked for, newest first."""
        return list(range(self._clock().astimezone(self.zone).year, FIRST_YEAR - 1, -1))

    def default_year(self) -> int:
        """Last year: the last whole year, the one a council asks about."""
        return self._clock().astimezone(self.zone).year - 1

    def year(self, text: str) -> int:
        return parse_year(text, self._clock(), self.zone)

    def report(
        self, session: Session, actor: Actor, organisation: str, year: int, *, form: str = "page"
    ) -> AnnualReport:
        """The figures of `organisation` (name or id) for `year`, once the gate allows it;
        `form` (page, pdf, json, cli) is written in the record."""
        now = self._clock()
        parse_year(str(year), now, self.zone)
        found = _find_organisation(session, organisation)
        self.gate.require(
            session,
            actor,
            Action.VIEW_ANNUAL_REPORT,
            report_resource(found, organisation, year),
            detail={"year": year, "form": form},
        )
        assert found is not None  # an unknown organisation is refused above
        report = self.figures(session, found, year, now)
        self._keep(_holder(actor), report)
        return report

    def chart_link(self, actor: Actor, report: AnnualReport) -> str:
        """The signed link under which the page's charts of `report` are drawn for the actor."""
        claims = {
            "sub": _holder(actor),
            "org": str(report.organisation_id),
            "year": report.year,
            "at": report.generated_at.timestamp(),
        }
        return self.links.sign(LinkKind.ANNUAL_REPORT, claims, CHART_SECONDS)

    def charted(self, session: Session, actor: Actor, link: str) -> AnnualReport:
        """The figures a page's charts draw, under the link its decision signed: no second
        decision (drawing a chart is part of the page's look); a link that is forged,
        expired or another person's is a recorded refusal."""
        asked = Resource(ResourceKind.ANNUAL_REPORT, "", "annual report chart", asked="chart link")
        try:
            claims = self.links.read(LinkKind.ANNUAL_REPORT, link)
        except BadLink as exc:
            self.gate.refuse(session, actor, Action.VIEW_ANNUAL_REPORT, asked, Forbidden(exc.args[0]))
        try:
            organisation = session.get(Organisation, uuid.UUID(str(claims.get("org"))))
            year, at = int(claims["year"]), float(claims["at"])
        except (KeyError, TypeError, ValueError):
            organisation = None
        if organisation is None or claims.get("sub") != _holder(actor):
            self.gate.refuse(
                session, actor, Action.VIEW_ANNUAL_REPORT, asked, Unseen(_("no such chart under this link"))
            )
        key = (_holder(actor), str(organisation.id), year, at)
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None:
            return kept
        return self.figures(session, organisation, year, self._clock())

    def _keep(self, holder: str, report: AnnualReport) -> None:
        key = (holder, str(report.organisation_id), report.year, report.generated_at.timestamp())
        with self._lock:
            self._kept[key] = report
            while len(self._kept) > KEPT_REPORTS:
                self._kept.popitem(last=False)

    def figures(self, session: Session, organisation: Organisation, year: int, now: datetime) -> AnnualReport:
        """The figures themselves, after a decision of the gate (`report`, or the signed link
        of a page's charts)."""
        start, end = local_year(year, self.zone)
        org = organisation.id
        days = self.policy.administrative_consult_days
        judicial, kinds, references = judicial_in_year(session, org, start, end, days)
        return AnnualReport(
            organisation_id=org,
            organisation=organisation.name,
            year=year,
            start=start,
            end=end,
            generated_at=now,
            site=self.site,
            administrative_days=days,
            cameras=cameras_in_year(session, org, start, end),
            consultations=consultations_in_year(session, org, start, end),
            judicial=judicial,
            authorisations=kinds,
            references=references,
            exports=exports_in_year(session, org, start, end),
            holds=holds_in_year(session, org, start, end),
            plates=plates_in_year(session, org, start, end),
            reads_kept_days=self.anpr.read_retention_days,
            hits_kept_days=self.anpr.hit_retention_days,
            drones=drones_in_year(session, org, start, end),
            requests=requests_in_year(session, org, year, now.astimezone(self.zone).date()),
            retention=retention_now(session, org, self.policy, now),
        )
