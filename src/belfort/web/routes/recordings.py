"""Recordings API: a camera's timeline and index, and playback under a stated purpose.

The timeline and the index show where footage exists, never images. Playback is one
consultation: `POST /api/recordings/playback` passes the policy gate (role,
organisation, purpose, the 30-day rule) and leaves one audit record; if granted it
returns links carrying a signed, short-lived grant bound to the person, the camera and
the time range. The player's clips of that range (`/api/recordings/layout`) and the
browser's many HTTP range requests then need no new decision, and a link is useless to
anyone else or for any other range.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.errors import BelfortError, Forbidden, InvalidInput, NotFound
from belfort.media.clips import read_clip
from belfort.media.models import Segment
from belfort.media.recordings import gaps_overlapping, holds_overlapping, segments_overlapping
from belfort.media.timeline import MAX_PIXELS, camera_timeline
from belfort.policy import Action, Actor, LegalRegime, Purpose, PurposeKind
from belfort.retention.holds import recording_resource
from belfort.timeutil import as_utc, iso_utc
from belfort.web.deps import current_actor, db_session, get_services, release
from belfort.web.routes.cameras import visible
from belfort.web.routes.schemas import (
    ClipOut,
    GapOut,
    HoldOut,
    MediaEventOut,
    PlaybackIn,
    PlaybackOut,
    RecordingIndexOut,
    SegmentOut,
    TimelineOut,
    TimelineSpanOut,
    UtcDateTime,
)

router = APIRouter(tags=["recordings"])
GRANT_SECONDS = 3600
MAX_RANGE = timedelta(days=7)
MAX_TIMELINE = timedelta(days=732)
PLAYER_GAP = timedelta(seconds=2)
"""A pause in the recording longer than this ends a player's clip (the player skips it)."""
PLAYER_CLIP = timedelta(hours=1)
"""The longest clip laid out for the player at once: the next one follows seamlessly."""
MAX_CLIP = timedelta(hours=24)


def _segment_out(segment: Segment, url: str | None = None) -> SegmentOut:
    return SegmentOut(
        id=str(segment.id),
        start=segment.start_time,
        end=segment.end_time,
        frames=segment.frames,
        bytes=segment.bytes,
        state=segment.state,
        codec=segment.codec,
        url=url,
    )


def _range(start: datetime | None, end: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    end = as_utc(end) if end else now
    start = as_utc(start) if start else end - timedelta(days=1)
    if end <= start:
        raise InvalidInput("end must be after start")
    if end - start > MAX_RANGE:
        raise InvalidInput("ask for at most 7 days at a time")
    return start, end


@router.get(
    "/api/cameras/{ref}/recordings",
    response_model=RecordingIndexOut,
    summary="Recorded spans, gaps and holds of a camera (the index only, no images)",
)
def recording_index(
    ref: str,
    start: UtcDateTime | None = None,
    end: UtcDateTime | None = None,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> RecordingIndexOut:
    camera = visible(services, session, actor, ref)
    start, end = _range(start, end, services.clock())
    return RecordingIndexOut(
        camera=camera.name,
        start=start,
        end=end,
        segments=[_segment_out(s) for s in segments_overlapping(session, camera.id, start, end)],
        gaps=[
            GapOut(start=g.start_time, end=g.end_time, reason=g.reason)
            for g in gaps_overlapping(session, camera.id, start, end)
        ],
        holds=[
            HoldOut(id=str(h.id), start=h.start_time, end=h.end_time, case_number=h.case_number)
            for h in holds_overlapping(session, camera.id, start, end)
        ],
    )


def _clip_out(
    services: Services,
    session: Session,
    camera_id: uuid.UUID,
    start: datetime,
    end: datetime,
    grant: str,
) -> ClipOut:
    """The player's clip from `start`: until the first pause, at most PLAYER_CLIP long; when
    footage goes on past that, `next_start` says where the next clip begins."""
    until = min(end, start + PLAYER_CLIP)
    plan = services.media.clip(session, camera_id, start, until, stop_at_gap=PLAYER_GAP)
    query = urlencode(
        {"camera": str(camera_id), "start": iso_utc(start), "end": iso_utc(min(until, plan.end)), "grant": grant}
    )
    next_start = plan.next_start
    if next_start is None and until < end and plan.cut_at is None:
        next_start = plan.end
    return ClipOut(
        url=f"/api/recordings/clip?{query}",
        requested_start=start,
        start=plan.start,
        end=plan.end,
        frames=plan.frames,
        codec=plan.codec,
        width=plan.width,
        height=plan.height,
        next_start=next_start if next_start and next_start < end else None,
        cut_at=plan.cut_at,
    )


@router.post(
    "/api/recordings/playback",
    response_model=PlaybackOut,
    summary="Ask to play back a camera's range for a stated purpose (audited)",
    responses={403: {"description": "Refused: `detail` says why, `needs` what to supply (e.g. judicial_reference)"}},
)
def request_playback(
    body: PlaybackIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> PlaybackOut:
    camera = visible(services, session, actor, body.camera)
    start, end = _range(body.start, body.end, services.clock())
    latest = services.media.latest_footage(session, camera.id)
    end = min(end, max(services.clock(), latest or start))  # a grant never covers footage not yet recorded
    if end <= start:
        raise InvalidInput("nothing has been recorded from that moment on yet: choose a moment in the past")
    purpose = Purpose(PurposeKind(body.purpose.kind), body.purpose.justification, body.purpose.legal_basis_ref)
    segments = segments_overlapping(session, camera.id, start, end)
    decision = services.gate.require(
        session,
        actor,
        Action.VIEW_RECORDING,
        recording_resource(camera, start, end),
        purpose,
        detail={"segments": len(segments)},
    )
    grant = services.keys.sign_grant(
        {"sub": str(actor.id), "cam": str(camera.id), "s": start.timestamp(), "e": end.timestamp()}, GRANT_SECONDS
    )
    clip_end = min(end, start + MAX_CLIP)
    clip_query = urlencode(
        {"camera": str(camera.id), "start": iso_utc(start), "end": iso_utc(clip_end), "grant": grant}
    )
    try:
        clip = _clip_out(services, session, camera.id, start, end, grant)
    except NotFound:
        clip = None
    return PlaybackOut(
        granted=True,
        reason=decision.reason,
        expires_in=GRANT_SECONDS,
        grant=grant,
        grant_start=start,
        grant_end=end,
        segments=[_segment_out(s, f"/api/recordings/segments/{s.id}?grant={grant}") for s in segments],
        clip_url=f"/api/recordings/clip?{clip_query}" if clip else None,
        clip=clip,
    )


@dataclass(frozen=True)
class GrantedRange:
    """A range asked for under a playback grant, checked against it."""

    camera: uuid.UUID
    start: datetime
    end: datetime
    grant: str


def granted_range(
    camera: Annotated[str, Query(max_length=120)],
    start: UtcDateTime,
    end: UtcDateTime,
    grant: Annotated[str, Query(max_length=2000)],
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
) -> GrantedRange:
    claims = services.keys.read_grant(grant)
    start, end = as_utc(start), as_utc(end)
    if claims.get("sub") != str(actor.id) or claims.get("cam") != camera:
        raise NotFound("no such clip under this playback grant")
    if end <= start or start.timestamp() < claims["s"] or end.timestamp() > claims["e"]:
        raise Forbidden("this range lies outside the range your playback was granted for")
    return GrantedRange(uuid.UUID(camera), start, end, grant)


@router.get(
    "/api/recordings/layout",
    response_model=ClipOut,
    summary="Lay out the clip from a moment of a granted playback range (no new decision: same grant)",
)
def clip_layout(
    asked: GrantedRange = Depends(granted_range),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> ClipOut:
    return _clip_out(services, session, asked.camera, asked.start, asked.end, asked.grant)


@router.get(
    "/api/cameras/{ref}/timeline",
    response_model=TimelineOut,
    summary="Where a camera has footage, gaps, holds and events, for a window `pixels` wide (index only)",
)
def timeline(
    ref: str,
    start: UtcDateTime,
    end: UtcDateTime,
    pixels: int = Query(default=1000, ge=1, le=MAX_PIXELS),
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> TimelineOut:
    camera = visible(services, session, actor, ref)
    start, end = as_utc(start), as_utc(end)
    if end <= start:
        raise InvalidInput("end must be after start")
    if end - start > MAX_TIMELINE:
        raise InvalidInput("a timeline spans at most two years: narrow the window")
    writing = services.media.writing_segment(camera.id)
    view = camera_timeline(
        session, camera.id, start, end, pixels, (writing.start_time, writing.end_time) if writing else None
    )
    now = services.clock()
    police = camera.legal_regime == LegalRegime.POLICE.value
    return TimelineOut(
        camera_id=str(camera.id),
        camera=camera.name,
        legal_regime=camera.legal_regime,
        start=start,
        end=end,
        resolution_seconds=view.resolution.total_seconds(),
        exact=view.exact,
        spans=[TimelineSpanOut(start=s.start, end=s.end) for s in view.spans],
        gaps=[GapOut(start=g.start_time, end=g.end_time, reason=g.reason) for g in view.gaps],
        holds=[
            HoldOut(id=str(h.id), start=h.start_time, end=h.end_time, case_number=h.case_number) for h in view.holds
        ],
        events=[MediaEventOut(ts=e.ts, level=e.level, kind=e.kind, message=e.message) for e in view.events],
        first=view.first,
        last=view.last,
        now=now,
        administrative_since=now - timedelta(days=services.settings.policy.administrative_consult_days)
        if police
        else None,
        retained_since=now - timedelta(days=camera.retention_max_days),
    )


@router.get(
    "/api/recordings/segments/{segment_id}",
    summary="A recorded segment file, under a playback grant",
    response_class=FileResponse,
)
def segment_file(
    segment_id: uuid.UUID,
    grant: str = Query(max_length=2000),
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> FileResponse:
    claims = services.keys.read_grant(grant)
    segment = session.get(Segment, segment_id)
    if segment is None or claims.get("sub") != str(actor.id) or claims.get("cam") != str(segment.camera_id):
        raise NotFound("no such segment under this playback grant")
    if not (segment.start_time.timestamp() < claims["e"] and segment.end_time.timestamp() > claims["s"]):
        raise Forbidden("this segment lies outside the range your playback was granted for")
    storage = services.media.storage_for(segment.storage_id)
    path = storage.path(segment.path) if storage else None
    if path is None or not path.exists():
        raise NotFound("the segment file is not available on this node")
    release(session)
    return FileResponse(path, media_type="video/mp4", headers={"Cache-Control": "private, max-age=3600"})


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) of a single `bytes=` range, None without a header; 416 when unsatisfiable."""
    if not header:
        return None
    unit, _, spec = header.partition("=")
    first_text, dash, last_text = spec.strip().partition("-")
    try:
        if unit.strip() != "bytes" or not dash or "," in spec:
            raise ValueError(header)
        if not first_text:
            first, last = max(0, size - int(last_text)), size - 1
        else:
            first = int(first_text)
            last = min(int(last_text), size - 1) if last_text else size - 1
    except ValueError:
        raise RangeNotSatisfiable(f"Range '{header[:80]}' is not understood: use 'bytes=FIRST-LAST'.") from None
    if first > last or first >= size:
        raise RangeNotSatisfiable(f"Range '{header[:80]}' is outside the clip's {size} bytes.")
    return first, last


class RangeNotSatisfiable(BelfortError):
    status_code = 416


@router.get(
    "/api/recordings/clip",
    summary="A recorded range as one MP4 without transcoding (HTTP ranges), under a playback grant",
    response_class=Response,
    responses={200: {"content": {"video/mp4": {}}}, 206: {"content": {"video/mp4": {}}}},
)
def clip(
    request: Request,
    asked: GrantedRange = Depends(granted_range),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    if asked.end - asked.start > MAX_CLIP:
        raise InvalidInput("a clip covers at most 24 hours: ask for a shorter range")
    plan = services.media.clip(session, asked.camera, asked.start, asked.end)
    release(session)
    headers = {
        "Accept-Ranges": "bytes",
        "Cache-Control": "private, max-age=3600",
        "X-Clip-Start": iso_utc(plan.start),
        "X-Clip-End": iso_utc(plan.end),
        "X-Clip-Frames": str(plan.frames),
    }
    if plan.cut_at is not None:
        headers["X-Clip-Cut-At"] = iso_utc(plan.cut_at)
    wanted = byte_range(request.headers.get("range", ""), plan.size)
    if wanted is None:
        headers["Content-Length"] = str(plan.size)
        return StreamingResponse(read_clip(plan), media_type="video/mp4", headers=headers)
    first, last = wanted
    headers["Content-Length"] = str(last - first + 1)
    headers["Content-Range"] = f"bytes {first}-{last}/{plan.size}"
    return StreamingResponse(read_clip(plan, first, last), status_code=206, media_type="video/mp4", headers=headers)
