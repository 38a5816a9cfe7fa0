"""Keeping rule groups (by area, street or owner) in step with the cameras they match.

Used by the registry when a camera is registered, changed or removed, and by the group
service when a group is made; it knows only the tables, so both may call it.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session

from belfort.cameras.models import Camera, CameraGroup, CameraGroupMember


def rule_condition(group: CameraGroup) -> ColumnElement[bool]:
    """SQL for "a camera this rule group holds"."""
    if group.rule == "area":
        return Camera.area == group.value
    if group.rule == "street":
        return Camera.street == group.value
    return Camera.organisation_id == uuid.UUID(group.value)


def refresh_group(session: Session, group: CameraGroup) -> None:
    """Set a rule group's members to the cameras (not removed) its rule matches now."""
    session.execute(delete(CameraGroupMember).where(CameraGroupMember.group_id == group.id))
    matching = session.scalars(select(Camera.id).where(rule_condition(group), Camera.removed_at.is_(None))).all()
    session.add_all(CameraGroupMember(group_id=group.id, camera_id=camera_id) for camera_id in matching)
    session.flush()


def refresh_for(session: Session, camera: Camera) -> None:
    """Put `camera` into (or out of) every rule group after it was registered, changed or removed."""
    session.flush()
    for group in session.scalars(select(CameraGroup).where(CameraGroup.rule != "picked")).all():
        belongs = camera.removed_at is None and (
            session.scalar(select(Camera.id).where(Camera.id == camera.id, rule_condition(group))) is not None
        )
        member = session.get(CameraGroupMember, (group.id, camera.id))
        if belongs and member is None:
            session.add(CameraGroupMember(group_id=group.id, camera_id=camera.id))
        elif not belongs and member is not None:
            session.delete(member)
    session.flush()
