"""Evidence API and page: export camera ranges as a signed package, follow it, download it.

An export is a disclosure: it passes the policy gate per camera range with the purpose
and the recipient (see `belfort.evidence.service`), then the package is built in the
background; the history shows its state. The package can be checked offline with
`belfort verify PACKAGE`, or with `sha256sum` and `openssl` as its README explains.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from belfort.app import Services
from belfort.auth.service import Identity
from belfort.errors import BelfortError, InvalidInput, Refusal
from belfort.evidence.models import EvidenceExport
from belfort.evidence.service import MAX_ITEMS, ExportItem, ExportRequest
from belfort.evidence.signing import readable_fingerprint
from belfort.i18n import Message, _
from belfort.policy import Action, Actor, Purpose, PurposeKind, Role, may
from belfort.timeutil import as_utc, parse_iso
from belfort.web.deps import current_actor, current_identity, db_session, get_services, release
from belfort.web.flash import redirect_after_post
from belfort.web.rendering import render
from belfort.web.routes.common import form_time, settle
from belfort.web.routes.schemas import PurposeIn, StrictBody, UtcDateTime

router = APIRouter(prefix="/api/evidence", tags=["evidence"])


class ExportItemIn(StrictBody):
    camera: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    start: UtcDateTime
    end: UtcDateTime


class ExportIn(StrictBody):
    items: Annotated[list[ExportItemIn], Field(min_length=1, max_length=MAX_ITEMS)]
    case_number: Annotated[str, StringConstraints(max_length=100, strip_whitespace=True)]
    recipient: Annotated[str, StringConstraints(max_length=200, strip_whitespace=True)]
    purpose: PurposeIn
    blur_faces: bool = False
    """For a third party: blur every detected face (the clips are then re-encoded)."""
    hold: bool = False
    """Also put an evidence hold on every range for this case."""


class ExportOut(BaseModel):
    id: str
    created_at: datetime
    requester: str
    case_number: str
    recipient: str
    purpose: str
    justification: str
    legal_basis_ref: str
    clips: list[dict[str, object]]
    blur_faces: bool
    state: str
    """`queued`, `building`, `ready` or `failed`."""
    progress: int
    error: str
    finished_at: datetime | None
    bytes: int
    sha256: str
    signing_key_fingerprint: str
    download_url: str | None
    """Only for the person who asked for the export, once the package is ready."""


class SiteKeyOut(BaseModel):
    fingerprint: str
    public_key_pem: str


def export_out(row: EvidenceExport, actor: Actor) -> ExportOut:
    mine = row.requester_id == actor.id and row.state == "ready"
    return ExportOut(
        id=str(row.id),
        created_at=row.created_at,
        requester=row.requester_name,
        case_number=row.case_number,
        recipient=row.recipient,
        purpose=row.purpose,
        justification=row.justification,
        legal_basis_ref=row.legal_basis_ref,
        clips=json.loads(row.items),
        blur_faces=row.blur_faces,
        state=row.state,
        progress=row.progress,
        error=row.error,
        finished_at=row.finished_at,
        bytes=row.bytes,
        sha256=row.sha256,
        signing_key_fingerprint=row.signing_key_fingerprint,
        download_url=f"/api/evidence/exports/{row.id}/package" if mine else None,
    )


def export_request(body: ExportIn) -> ExportRequest:
    return ExportRequest(
        items=tuple(ExportItem(i.camera, as_utc(i.start), as_utc(i.end)) for i in body.items),
        case_number=body.case_number,
        recipient=body.recipient,
        purpose=Purpose(PurposeKind(body.purpose.kind), body.purpose.justification, body.purpose.legal_basis_ref),
        blur_faces=body.blur_faces,
        hold=body.hold,
    )


def _start(services: Services, session: Session, actor: Actor, request: ExportRequest) -> EvidenceExport:
    """Authorise and record the export, commit, and hand it to the builder."""
    row = services.exports.request(session, actor, request)
    session.commit()
    services.exports.submit(row.id)
    return row


@router.post(
    "/exports",
    response_model=ExportOut,
    status_code=202,
    summary="Export camera ranges as a signed package (built in the background: follow its state)",
    responses={403: {"description": "Refused: `detail` says why, `needs` what to supply (e.g. judicial_reference)"}},
)
def create_export(
    body: ExportIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> ExportOut:
    return export_out(_start(services, session, actor, export_request(body)), actor)


@router.get(
    "/exports",
    response_model=list[ExportOut],
    summary="Export history, audited: an inspector's own, the team chief's organisation's, the DPO's all",
)
def list_exports(
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[ExportOut]:
    return [export_out(row, actor) for row in services.exports.history(session, actor)]


@router.get("/exports/{export_id}", response_model=ExportOut, summary="One export: its state, clips and package")
def get_export(
    export_id: uuid.UUID,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> ExportOut:
    return export_out(services.exports.get(session, actor, export_id), actor)


class ProgressOut(BaseModel):
    id: str
    state: str
    progress: int
    error: str


@router.get(
    "/exports/{export_id}/progress",
    response_model=ProgressOut,
    summary="How far the building of your own export is (state and percentage only)",
)
def export_progress(
    export_id: uuid.UUID,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> ProgressOut:
    row = services.exports.progress(session, actor, export_id)
    return ProgressOut(id=str(row.id), state=row.state, progress=row.progress, error=row.error)


@router.get(
    "/exports/{export_id}/package",
    summary="Download the package of an export you made, once ready",
    response_class=FileResponse,
)
def download_package(
    export_id: uuid.UUID,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> FileResponse:
    row, path = services.exports.package_path(session, actor, export_id)
    release(session)
    return FileResponse(path, media_type="application/zip", filename=row.file_name)


@router.get("/key", response_model=SiteKeyOut, summary="The public key that signs this site's evidence packages")
def site_key(services: Services = Depends(get_services), _actor: Actor = Depends(current_actor)) -> SiteKeyOut:
    key = services.exports.key
    return SiteKeyOut(fingerprint=key.fingerprint(), public_key_pem=key.public_pem().decode())


# -- the page ----------------------------------------------------------------------------

pages = APIRouter(include_in_schema=False)
EMPTY_FORM = {
    "case_number": "",
    "recipient": "",
    "kind": "judicial",
    "justification": "",
    "legal_basis_ref": "",
    "blur_faces": "",
    "hold": "",
}


def _render(
    request: Request,
    services: Services,
    session: Session,
    identity: Identity,
    status_code: int = 200,
    values: dict[str, str] | None = None,
    ranges: list[dict[str, str]] | None = None,
    error: str = "",
) -> HTMLResponse:
    actor = identity.actor
    may_export = may(actor, Action.EXPORT_EVIDENCE)
    cameras = services.cameras.visible(session, actor) if may_export else []
    fingerprint = services.exports.key.fingerprint()
    rows = services.exports.history(session, actor)
    return render(
        request,
        "evidence.html",
        status_code=status_code,
        fingerprint=fingerprint,
        readable_fingerprint=readable_fingerprint(fingerprint),
        may_export=may_export,
        sees_organisation=actor.role in (Role.SUPERVISOR, Role.DPO),
        cameras=cameras,
        exports=[(export_out(row, actor), _clip_times(row)) for row in rows],
        values={**EMPTY_FORM, **(values or {})},
        ranges=ranges or [{"camera": "", "start": "", "end": ""}],
        max_items=MAX_ITEMS,
        error=error,
    )


@pages.get("/evidence")
def evidence_page(
    request: Request,
    camera: Annotated[str, Query(max_length=120)] = "",
    start: Annotated[str, Query(max_length=40)] = "",
    end: Annotated[str, Query(max_length=40)] = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    return _render(request, services, session, identity, ranges=[{"camera": camera, "start": start, "end": end}])


@pages.post("/evidence")
async def evidence_submit(
    request: Request,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    form = await request.form()
    values = {key: str(form.get(key, "")) for key in EMPTY_FORM}
    cameras, starts, ends = ([str(v)[:200] for v in form.getlist(name)] for name in ("camera", "start", "end"))
    ranges = [
        {"camera": camera, "start": start, "end": end}
        for camera, start, end in zip(cameras, starts, ends, strict=False)
        if camera or start.strip() or end.strip()
    ]
    return await run_in_threadpool(_submit, request, services, session, identity, values, ranges)


def _clip_times(row: EvidenceExport) -> list[dict[str, object]]:
    """The clips of an export with their times as instants, for the page to show them locally."""
    return [
        {**clip, "start_at": parse_iso(str(clip["start"])), "end_at": parse_iso(str(clip["end"]))}
        for clip in json.loads(row.items)
    ]


FIELD_NAMES = {
    "case_number": _("Case number"),
    "recipient": _("Recipient"),
    "justification": _("Justification"),
    "legal_basis_ref": _("Decision reference"),
}


def _refuse_long(values: dict[str, str], limits: dict[str, int]) -> None:
    for key, limit in limits.items():
        if len(values[key]) > limit:
            raise InvalidInput(
                _("{field}: at most {limit} characters; shorten it", field=FIELD_NAMES[key], limit=limit)
            )


def _submit(
    request: Request,
    services: Services,
    session: Session,
    identity: Identity,
    values: dict[str, str],
    ranges: list[dict[str, str]],
) -> Response:
    try:
        if values["kind"] not in ("administrative", "judicial"):
            raise InvalidInput(_("purpose: choose administrative or judicial"))
        _refuse_long(values, {"case_number": 100, "recipient": 200, "justification": 500, "legal_basis_ref": 200})
        if len(ranges) > MAX_ITEMS:
            raise InvalidInput(_("an export holds at most {limit} camera ranges; remove some", limit=MAX_ITEMS))
        zone = services.settings.zone
        items = tuple(
            ExportItem(r["camera"], form_time(r["start"], _("From"), zone), form_time(r["end"], _("Until"), zone))
            for r in ranges
        )
        export = ExportRequest(
            items,
            values["case_number"],
            values["recipient"],
            Purpose(PurposeKind(values["kind"]), values["justification"], values["legal_basis_ref"]),
            blur_faces=bool(values["blur_faces"]),
            hold=bool(values["hold"]),
        )
        row = _start(services, session, identity.actor, export)
    except BelfortError as exc:
        if isinstance(exc, Refusal) and not may(identity.actor, Action.VIEW_EXPORTS):
            raise  # the page itself is not theirs: the refusal is answered as such
        settle(session, exc)
        return _render(
            request, services, session, identity, exc.status_code, values=values, ranges=ranges, error=exc.message
        )
    notice: Message
    if row.blur_faces:
        notice = _(
            "Export for case {case} accepted: the package is being built (faces are blurred, which takes a while). "
            "It appears below, ready to download, when done.",
            case=row.case_number,
        )
    else:
        notice = _(
            "Export for case {case} accepted: the package is being built (clips are copied as recorded). "
            "It appears below, ready to download, when done.",
            case=row.case_number,
        )
    return redirect_after_post(request, "/evidence", notice)
