"""Any API call that asks for face recognition, face search or biometric matching.

Belfort has none (docs/design/no-face-recognition.md). Such a call is not a mistyped
address that deserves a 404: it is an attempt the law forbids, so it is answered 403 with
the legal reason, and recorded, through `belfort.governance.biometrics`.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.policy import Actor
from belfort.web.deps import current_actor, db_session, get_services

router = APIRouter(tags=["face recognition (refused by law)"])

_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@router.api_route(
    "/api/faces/{operation:path}",
    methods=_METHODS,
    summary="Refused by law: face recognition, face search, face matching (recorded)",
    responses={403: {"description": "Always: the legal reason"}},
)
def faces(
    operation: str,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> None:
    services.biometrics.refuse(session, actor, f"/api/faces/{operation}", "api")


@router.api_route(
    "/api/biometrics/{operation:path}",
    methods=_METHODS,
    summary="Refused by law: biometric identification or matching (recorded)",
    responses={403: {"description": "Always: the legal reason"}},
)
def biometrics(
    operation: str,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> None:
    services.biometrics.refuse(session, actor, f"/api/biometrics/{operation}", "api")
