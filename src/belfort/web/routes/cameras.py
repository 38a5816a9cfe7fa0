"""Camera registry API: list and inspect cameras; administrators add, change and remove them.

Thin: the camera service decides what each caller sees (`CameraService.visible`, and the
gate's `camera.view` for one camera, recording a refusal) and who may change what.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.cameras.models import Camera
from belfort.cameras.service import CameraSpec, motion_zones_of, redact_url
from belfort.policy import Actor, sees_exact_position, sees_stream_addresses
from belfort.web.deps import camera_in_view, current_actor, db_session, get_services
from belfort.web.routes.schemas import CameraIn, CameraOut, CameraPatch, CameraStatusOut

router = APIRouter(prefix="/api/cameras", tags=["cameras"])


def camera_out(camera: Camera, actor: Actor, services: Services) -> CameraOut:
    position = sees_exact_position(actor)
    addresses = sees_stream_addresses(actor)
    status = services.media.status(camera.id)
    return CameraOut(
        id=str(camera.id),
        name=camera.name,
        organisation=camera.organisation.name,
        kind=camera.kind,
        legal_regime=camera.legal_regime,
        street=camera.street,
        area=camera.area,
        latitude=camera.latitude if position else None,
        longitude=camera.longitude if position else None,
        main_url=redact_url(camera.main_url) if addresses else None,
        sub_url=redact_url(camera.sub_url) if addresses and camera.sub_url else None,
        credentials=services.cameras.has_credentials(camera) if addresses else None,
        transport=camera.transport,
        retention_max_days=camera.retention_max_days,
        retention_min_days=camera.retention_min_days,
        council_consent_ref=camera.council_consent_ref,
        enabled=camera.enabled,
        motion_enabled=camera.motion_enabled,
        motion_sensitivity=camera.motion_sensitivity,
        motion_zones=[list(zone) for zone in motion_zones_of(camera)],
        removed=camera.removed_at is not None,
        created_at=camera.created_at,
        updated_at=camera.updated_at,
        status=CameraStatusOut.model_validate(status, from_attributes=False),
    )


@router.get("", response_model=list[CameraOut], summary="Cameras the caller may see, with their live status")
def list_cameras(
    include_removed: bool = False,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[CameraOut]:
    cameras = services.cameras.visible(session, actor, include_removed=include_removed)
    return [camera_out(c, actor, services) for c in cameras]


@router.post("", response_model=CameraOut, status_code=201, summary="Register a camera (administrators)")
def add_camera(
    body: CameraIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> CameraOut:
    camera = services.cameras.add(session, actor, CameraSpec(**body.model_dump()))
    session.commit()
    services.media.sync_cameras()
    return camera_out(camera, actor, services)


@router.get("/{ref}", response_model=CameraOut, summary="One camera, by id or name")
def show_camera(
    camera: Camera = Depends(camera_in_view),
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
) -> CameraOut:
    return camera_out(camera, actor, services)


@router.patch("/{ref}", response_model=CameraOut, summary="Change a camera (administrators)")
def change_camera(
    ref: str,
    body: CameraPatch,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> CameraOut:
    camera = services.cameras.update(session, actor, ref, CameraSpec(**body.model_dump(exclude_unset=True)))
    session.commit()
    services.media.sync_cameras()
    return camera_out(camera, actor, services)


@router.delete("/{ref}", response_model=CameraOut, summary="Remove a camera; its footage stays until retention")
def remove_camera(
    ref: str,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> CameraOut:
    camera = services.cameras.remove(session, actor, ref)
    session.commit()
    services.media.sync_cameras()
    return camera_out(camera, actor, services)
