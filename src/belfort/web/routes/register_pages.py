"""The public camera register's pages, for anyone, and the owner's page to edit its entry.

`/register` ("Is there a camera in my street?"), `/register/<owner>` (one owner's page, to
link from its website) and the exports (`export.csv`, `export.json`, the same rows as the
page) need no sign-in, work without scripts, speak the visitor's language (`?lang=` picks
it, as on the login page) and are rate-limited per client address. They never look at who
is signed in: a signed-in person sees exactly what anyone sees, without the site's menu.
`/register/profile` is the owner's (an administrator or the DPO): its profile and which of
its cameras the register lists, through `belfort.transparency.register`, which passes the
gate and records every change. Forms answer with a redirect (post/redirect/get).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from belfort.app import Services
from belfort.auth.service import Identity
from belfort.cameras.service import KIND_WORDS
from belfort.errors import BelfortError, InvalidInput, NotFound
from belfort.i18n import LANGUAGES, _
from belfort.policy import Action
from belfort.transparency.register import (
    DEFAULT_BASIS,
    ProfileSpec,
    PublicationSpec,
    RegisterQuery,
    export_csv,
    places_of,
)
from belfort.web.deps import db_session, get_services, page_of
from belfort.web.ratelimit import public_rate_limit
from belfort.web.rendering import remember_language, render, say
from belfort.web.routes.common import apply_form, register_records

router = APIRouter(include_in_schema=False)

PUBLIC = [Depends(public_rate_limit)]
Typed = Annotated[str, Form(max_length=5000)]
PROFILE_FIELDS = (
    "slug",
    "public_name",
    "dpo_name",
    "dpo_email",
    "dpo_phone",
    "dpo_address",
    "legal_basis_police",
    "legal_basis_camera_law",
    "pictogram",
    "website",
)


def _asked(street: str, municipality: str, area: str, owner: str) -> dict[str, str]:
    """The visitor's question as the page's links carry it (only what was asked)."""
    asked = {"street": street, "municipality": municipality, "area": area, "owner": owner}
    return {key: value for key, value in asked.items() if value.strip()}


def _picked_language(request: Request, services: Services, lang: str, asked: dict[str, str]) -> Response | None:
    """`?lang=` on a public page: remember the language in this browser and show the same
    page again without it; None when no language was picked."""
    if not lang:
        return None
    if lang not in LANGUAGES:
        raise InvalidInput(_("lang: choose one of {choices}", choices=", ".join(LANGUAGES)))
    target = request.url.path + (f"?{urlencode(asked)}" if asked else "")
    response = RedirectResponse(target, status_code=303)
    remember_language(response, lang, services.settings.server.secure_cookies)
    return response


def _page_context(request: Request, asked: dict[str, str]) -> dict[str, Any]:
    query = f"?{urlencode(asked)}" if asked else ""
    return {
        "asked": asked,
        "kind_words": KIND_WORDS,
        "export_csv": f"/register/export.csv{query}",
        "export_json": f"/register/export.json{query}",
        "this_page": request.url.path,
    }


@router.get("/register", dependencies=PUBLIC)
def register_page(
    request: Request,
    street: str = "",
    municipality: str = "",
    area: str = "",
    owner: str = "",
    lang: str = "",
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    """The register: a street search, the municipalities and areas, the rows that answer the
    question (all of them when nothing is asked), and every owner's DPO."""
    asked = _asked(street, municipality, area, owner)
    switched = _picked_language(request, services, lang, asked)
    if switched is not None:
        return switched
    everything = services.register.rows(session)
    status_code, error = 200, ""
    try:
        rows = services.register.rows(session, RegisterQuery(street, municipality, area, owner))
    except (InvalidInput, NotFound) as exc:
        rows, status_code, error = [], exc.status_code, say(request, exc.message)
    return render(
        request,
        "register.html",
        status_code=status_code,
        rows=rows,
        places=places_of(everything),
        owners=services.register.owners(session),
        chosen=RegisterQuery(municipality=municipality, area=area).checked() if not error else RegisterQuery(),
        error=error,
        **_page_context(request, asked),
    )


def _exported(
    request: Request,
    street: str = "",
    municipality: str = "",
    area: str = "",
    owner: str = "",
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[dict[str, Any]]:
    """The rows of the page asked with the same question, as the exports give them."""
    rows = services.register.rows(session, RegisterQuery(street, municipality, area, owner))
    return register_records(request, rows)


@router.get("/register/export.csv", dependencies=PUBLIC)
def register_csv(records: list[dict[str, Any]] = Depends(_exported)) -> Response:
    """The page's rows as CSV (UTF-8, comma-separated, one header line)."""
    return Response(
        export_csv(records),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="camera-register.csv"'},
    )


@router.get("/register/export.json", dependencies=PUBLIC)
def register_json(records: list[dict[str, Any]] = Depends(_exported)) -> Response:
    """The page's rows as JSON: `{"rows": [...]}`, as `/api/register` answers."""
    return JSONResponse(
        {"rows": records}, headers={"Content-Disposition": 'attachment; filename="camera-register.json"'}
    )


# -- the owner's side --------------------------------------------------------------------


def _profile_values(services: Services, session: Session, identity: Identity) -> dict[str, str]:
    profile = services.register.profile_of(session, identity.actor.organisation_id)
    if profile is None:
        return {name: "" for name in PROFILE_FIELDS}
    return {name: str(getattr(profile, name)) for name in PROFILE_FIELDS}


def _profile_page(
    request: Request,
    services: Services,
    session: Session,
    identity: Identity,
    values: dict[str, str] | None = None,
    status_code: int = 200,
    error: str = "",
    camera_values: dict[str, dict[str, str]] | None = None,
) -> HTMLResponse:
    organisation = services.register.own_organisation(session, identity.actor, "/register/profile")
    profile = services.register.profile_of(session, organisation.id)
    return render(
        request,
        "register_profile.html",
        status_code=status_code,
        organisation=organisation,
        profile=profile,
        values=values or _profile_values(services, session, identity),
        cameras=services.register.own_cameras(session, identity.actor),
        camera_values=camera_values or {},
        kind_words=KIND_WORDS,
        default_basis={regime: say(request, text) for regime, text in DEFAULT_BASIS.items()},
        error=error,
    )


@router.get("/register/profile")
def profile_page(
    request: Request,
    identity: Identity = Depends(page_of(Action.EDIT_TRANSPARENCY)),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    return _profile_page(request, services, session, identity)


@router.post("/register/profile")
def profile_submit(
    request: Request,
    slug: Typed = "",
    public_name: Typed = "",
    dpo_name: Typed = "",
    dpo_email: Typed = "",
    dpo_phone: Typed = "",
    dpo_address: Typed = "",
    legal_basis_police: Typed = "",
    legal_basis_camera_law: Typed = "",
    pictogram: Typed = "",
    website: Typed = "",
    identity: Identity = Depends(page_of(Action.EDIT_TRANSPARENCY)),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    values = {
        "slug": slug,
        "public_name": public_name,
        "dpo_name": dpo_name,
        "dpo_email": dpo_email,
        "dpo_phone": dpo_phone,
        "dpo_address": dpo_address,
        "legal_basis_police": legal_basis_police,
        "legal_basis_camera_law": legal_basis_camera_law,
        "pictogram": pictogram,
        "website": website,
    }

    def change() -> str:
        spec = ProfileSpec(**values)
        if not slug.strip():
            spec.slug = None
        if not public_name.strip():
            spec.public_name = None
        profile = services.register.save_profile(session, identity.actor, spec)
        page = "/register/" + profile.slug
        return _("Your entry in the public register is saved: {page}", page=page)

    def failed(exc: BelfortError) -> HTMLResponse:
        return _profile_page(request, services, session, identity, values, exc.status_code, say(request, exc.message))

    return apply_form(request, session, change, failed, "/register/profile")


@router.post("/register/cameras/{ref}")
def camera_publication_submit(
    request: Request,
    ref: str,
    public: Typed = "",
    municipality: Typed = "",
    purpose: Typed = "",
    identity: Identity = Depends(page_of(Action.EDIT_TRANSPARENCY)),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    """One camera's line of the owner's page: listed or not, municipality, purpose."""

    def change() -> str:
        spec = PublicationSpec(public=bool(public), municipality=municipality, purpose=purpose)
        camera = services.register.publish(session, identity.actor, ref, spec)
        if camera.public:
            return _("Camera '{name}' is listed in the public register.", name=camera.name)
        return _("Camera '{name}' is not listed in the public register.", name=camera.name)

    def failed(exc: BelfortError) -> HTMLResponse:
        typed = {ref: {"public": public, "municipality": municipality, "purpose": purpose}}
        message = say(request, exc.message)
        return _profile_page(request, services, session, identity, None, exc.status_code, message, typed)

    return apply_form(request, session, change, failed, "/register/profile#cameras")


# -- one owner's page (last: its address takes any name) ----------------------------------


@router.get("/register/{slug}", dependencies=PUBLIC)
def owner_page(
    request: Request,
    slug: str,
    lang: str = "",
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    """One owner's entry and the cameras it published: the page its website links to."""
    switched = _picked_language(request, services, lang, {})
    if switched is not None:
        return switched
    owner = services.register.owner(session, slug)
    rows = services.register.rows(session, RegisterQuery(owner=owner.slug))
    return render(
        request,
        "register_owner.html",
        owner=owner,
        rows=rows,
        places=places_of(rows),
        **_page_context(request, {"owner": owner.slug}),
    )
