"""Recordings API: a camera's timeline and index, and playback under a stated purpose.

Thin: every decision is taken by `belfort.viewing.playback` through the policy gate. The
timeline and the index show where footage exists, never images. `POST
/api/recordings/playback` is one audited consultation; if granted it returns links
carrying a signed grant bound to the person, the camera and the time range, so the
player's clips and the browser's many HTTP range requests need no new decision.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.errors import BelfortError
from belfort.i18n import _, _n
from belfort.media.clips import read_clip
from belfort.media.models import Segment
from belfort.media.timeline import MAX_PIXELS
from belfort.policy import Actor, Purpose, PurposeKind
from belfort.retention.models import Hold
from belfort.timeutil import iso_utc
from belfort.viewing.playback import GRANT_SECONDS, PlayerClip
from belfort.web.deps import current_actor, db_session, get_services, release
from belfort.web.rendering import say
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


def _hold_out(hold: Hold) -> HoldOut:
    return HoldOut(id=str(hold.id), start=hold.start_time, end=hold.end_time, case_number=hold.case_number)


def _clip_url(camera_id: uuid.UUID | str, start: datetime, end: datetime, link: str) -> str:
    query = urlencode({"camera": str(camera_id), "start": iso_utc(start), "end": iso_utc(end), "grant": link})
    return f"/api/recordings/clip?{query}"


def _clip_out(camera_id: uuid.UUID | str, clip: PlayerClip, link: str) -> ClipOut:
    plan = clip.plan
    return ClipOut(
        url=_clip_url(camera_id, clip.requested_start, clip.end, link),
        requested_start=clip.requested_start,
        start=plan.start,
        end=plan.end,
        frames=plan.frames,
        codec=plan.codec,
        width=plan.width,
        height=plan.height,
        next_start=clip.next_start,
        cut_at=plan.cut_at,
    )


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
    index = services.playback.index(session, actor, ref, start, end)
    return RecordingIndexOut(
        camera=index.camera.name,
        start=index.start,
        end=index.end,
        segments=[_segment_out(s) for s in index.segments],
        gaps=[GapOut(start=g.start_time, end=g.end_time, reason=g.reason) for g in index.gaps],
        holds=[
            HoldOut(id=str(h.id), start=h.start_time, end=h.end_time, case_number=h.case_number) for h in index.holds
        ],
    )


@router.post(
    "/api/recordings/playback",
    response_model=PlaybackOut,
    summary="Ask to play back a camera's range for a stated purpose (audited)",
    responses={403: {"description": "Refused: `detail` says why, `needs` what to supply (e.g. judicial_reference)"}},
)
def request_playback(
    body: PlaybackIn,
    request: Request,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> PlaybackOut:
    purpose = Purpose(PurposeKind(body.purpose.kind), body.purpose.justification, body.purpose.legal_basis_ref)
    grant = services.playback.request(session, actor, body.camera, body.start, body.end, purpose)
    camera_id = grant.camera.id
    return PlaybackOut(
        granted=True,
        reason=say(request, grant.reason),
        expires_in=GRANT_SECONDS,
        grant=grant.link,
        grant_start=grant.start,
        grant_end=grant.end,
        segments=[_segment_out(s, f"/api/recordings/segments/{s.id}?grant={grant.link}") for s in grant.segments],
        clip_url=_clip_url(camera_id, grant.start, grant.clip_end, grant.link) if grant.clip else None,
        clip=_clip_out(camera_id, grant.clip, grant.link) if grant.clip else None,
    )


Camera = Annotated[str, Query(max_length=120)]
Link = Annotated[str, Query(max_length=2000)]


@router.get(
    "/api/recordings/layout",
    response_model=ClipOut,
    summary="Lay out the clip from a moment of a granted playback range (no new decision: same grant)",
)
def clip_layout(
    camera: Camera,
    start: UtcDateTime,
    end: UtcDateTime,
    grant: Link,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> ClipOut:
    return _clip_out(camera, services.playback.layout(session, actor, grant, camera, start, end), grant)


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
    shown = services.playback.timeline(session, actor, ref, start, end, pixels)
    view, camera = shown.view, shown.camera
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
        holds=[_hold_out(h) for h in shown.holds],
        events=[MediaEventOut(ts=e.ts, level=e.level, kind=e.kind, message=e.message) for e in view.events],
        first=view.first,
        last=view.last,
        now=shown.now,
        administrative_since=shown.administrative_since,
        retained_since=shown.retained_since,
    )


@router.get(
    "/api/recordings/segments/{segment_id}",
    summary="A recorded segment file, under a playback grant",
    response_class=FileResponse,
)
def segment_file(
    segment_id: uuid.UUID,
    grant: Link,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> FileResponse:
    path = services.playback.segment_file(session, actor, grant, segment_id)
    release(session)
    return FileResponse(path, media_type="video/mp4", headers={"Cache-Control": "private, max-age=3600"})


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) of a single `bytes=` range, None without a header; 416 when unsatisfiable."""
    if not header:
        return None
    unit, _sep, spec = header.partition("=")
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
        raise RangeNotSatisfiable(
            _("Range '{range}' is not understood: use 'bytes=FIRST-LAST'.", range=header[:80])
        ) from None
    if first > last or first >= size:
        raise RangeNotSatisfiable(
            _n(
                "Range '{range}' is outside the clip's {count} byte.",
                "Range '{range}' is outside the clip's {count} bytes.",
                size,
                range=header[:80],
            )
        )
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
    camera: Camera,
    start: UtcDateTime,
    end: UtcDateTime,
    grant: Link,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    plan = services.playback.clip(session, actor, grant, camera, start, end)
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
