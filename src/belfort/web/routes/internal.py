"""What one node asks of another: a segment file of this node's storage folder, by byte
range, under a link the asking node signed with the site's shared key. The checks are in
`Playback.segment_for_node`; the look itself was decided and recorded on the asking node."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.web.deps import db_session, get_services

router = APIRouter(prefix="/internal", include_in_schema=False)


@router.get("/segments/{storage_id}/{path:path}", response_class=FileResponse)
def segment(
    storage_id: str,
    path: str,
    link: str = Query(max_length=2000),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> FileResponse:
    file = services.playback.segment_for_node(session, link, storage_id, path)
    return FileResponse(file, media_type="video/mp4", headers={"Cache-Control": "private, max-age=3600"})
