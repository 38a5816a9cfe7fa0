"""Public camera register API: the register's rows for anyone (no sign-in, rate-limited per
client address), and an owner's register profile and cameras' publication.

Thin over `belfort.transparency.register`: it checks what is asked (a bad street is a 422
naming the field), reads only what owners published, and passes the gate for every change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, StringConstraints
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.policy import Actor
from belfort.transparency.register import (
    OwnCamera,
    ProfileSpec,
    PublicationSpec,
    RegisterQuery,
)
from belfort.transparency.register_models import TransparencyProfile
from belfort.web.deps import current_actor, db_session, get_services
from belfort.web.ratelimit import public_rate_limit
from belfort.web.routes.common import register_records
from belfort.web.routes.schemas import StrictBody

router = APIRouter(tags=["register"])

Short = Annotated[str, StringConstraints(max_length=300)]
Long = Annotated[str, StringConstraints(max_length=1000)]


class RegisterRowOut(BaseModel):
    """The cameras one owner published in one street: how many, of which kinds, why, under
    which law, and whom to ask. Never a position, a camera's name or an id."""

    municipality: str
    area: str
    street: str
    cameras: int
    kinds: list[str]
    """fixed, temporary, mobile_ptz, drone, bodycam or anpr."""
    purposes: list[str]
    owner: str
    owner_type: str
    """The owner's kind: police_zone, city, business, transit, alarm_centre or other."""
    legal_basis: list[str]
    pictogram: str
    dpo_name: str
    dpo_email: str
    dpo_phone: str
    dpo_address: str
    owner_page: str
    """The owner's page in the register."""
    website: str


class RegisterOut(BaseModel):
    rows: list[RegisterRowOut]


class ProfileIn(StrictBody):
    """Your organisation's entry in the register; a field left out keeps its value."""

    slug: Short | None = None
    """Your page's name: `/register/<slug>`."""
    public_name: Short | None = None
    dpo_name: Short | None = None
    dpo_email: Short | None = None
    dpo_phone: Short | None = None
    dpo_address: Short | None = None
    legal_basis_police: Long | None = None
    """Empty: the law's own words."""
    legal_basis_camera_law: Long | None = None
    pictogram: Long | None = None
    website: Short | None = None


class ProfileOut(BaseModel):
    slug: str
    public_name: str
    dpo_name: str
    dpo_email: str
    dpo_phone: str
    dpo_address: str
    legal_basis_police: str
    legal_basis_camera_law: str
    pictogram: str
    website: str
    page: str
    updated_at: datetime
    updated_by: str


class PublicationIn(StrictBody):
    public: bool | None = None
    """Listed in the public register."""
    municipality: Short | None = None
    purpose: Short | None = None
    """In a few public words: "traffic safety"."""


class PublicationOut(BaseModel):
    camera: str
    name: str
    street: str
    area: str
    kind: str
    enabled: bool
    public: bool
    municipality: str
    purpose: str


def _profile_out(request: Request, profile: TransparencyProfile) -> ProfileOut:
    return ProfileOut(
        slug=profile.slug,
        public_name=profile.public_name,
        dpo_name=profile.dpo_name,
        dpo_email=profile.dpo_email,
        dpo_phone=profile.dpo_phone,
        dpo_address=profile.dpo_address,
        legal_basis_police=profile.legal_basis_police,
        legal_basis_camera_law=profile.legal_basis_camera_law,
        pictogram=profile.pictogram,
        website=profile.website,
        page=f"{str(request.base_url).rstrip('/')}/register/{profile.slug}",
        updated_at=profile.updated_at,
        updated_by=profile.updated_by,
    )


def _publication_out(camera: OwnCamera) -> PublicationOut:
    publication = camera.publication
    return PublicationOut(
        camera=str(camera.id),
        name=camera.name,
        street=camera.street,
        area=camera.area,
        kind=camera.kind,
        enabled=camera.enabled,
        public=camera.public,
        municipality=publication.municipality if publication else "",
        purpose=publication.purpose if publication else "",
    )


@router.get(
    "/api/register",
    response_model=RegisterOut,
    dependencies=[Depends(public_rate_limit)],
    summary="The public camera register, by street (no sign-in; rate-limited)",
)
def register_rows(
    request: Request,
    street: str = "",
    municipality: str = "",
    area: str = "",
    owner: str = "",
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> RegisterOut:
    """Cameras their owners published, grouped per street: `street` finds a street by part of
    its name (3 to 100 letters, digits, spaces, hyphens, apostrophes and dots), `municipality`
    and `area` narrow to one place, `owner` to one owner's page name."""
    query = RegisterQuery(street=street, municipality=municipality, area=area, owner=owner)
    rows = services.register.rows(session, query)
    return RegisterOut(rows=[RegisterRowOut(**record) for record in register_records(request, rows)])


@router.get(
    "/api/register/profile",
    response_model=ProfileOut | None,
    summary="Your organisation's entry in the public register (null: none yet)",
)
def profile_get(
    request: Request,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> ProfileOut | None:
    organisation = services.register.own_organisation(session, actor, "/api/register/profile")
    profile = services.register.profile_of(session, organisation.id)
    return _profile_out(request, profile) if profile is not None else None


@router.put("/api/register/profile", response_model=ProfileOut, summary="Write your organisation's register entry")
def profile_put(
    request: Request,
    body: ProfileIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> ProfileOut:
    profile = services.register.save_profile(session, actor, ProfileSpec(**body.model_dump()))
    return _profile_out(request, profile)


@router.get(
    "/api/register/cameras",
    response_model=list[PublicationOut],
    summary="Your organisation's cameras and whether the register lists them",
)
def cameras_get(
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[PublicationOut]:
    return [_publication_out(camera) for camera in services.register.own_cameras(session, actor)]


@router.put(
    "/api/register/cameras/{ref}",
    response_model=PublicationOut,
    summary="List one of your cameras in the public register, or take it out",
)
def camera_put(
    ref: str,
    body: PublicationIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> PublicationOut:
    return _publication_out(services.register.publish(session, actor, ref, PublicationSpec(**body.model_dump())))
