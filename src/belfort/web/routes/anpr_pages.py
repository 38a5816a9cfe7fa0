"""ANPR pages: the hits panel, plate search, hotlist management and the section report.

They call the same services as the API (`belfort.web.routes.anpr`) and so the same
policy gate: a search or a report is audited with its purpose, looking at a hotlist's
plates is audited, and a refusal is shown in the gate's words and kept in the log.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from belfort.anpr.hotlists import CATEGORIES, CATEGORY_LABELS, entry, parse_csv
from belfort.anpr.search import SearchQuery, camera_names
from belfort.app import Services
from belfort.auth.service import Identity
from belfort.errors import BelfortError, InvalidInput, Refusal
from belfort.i18n import Message, _, _n
from belfort.policy import Action, Purpose, PurposeKind, may
from belfort.web.anpr_shapes import cursor_of, passages_out, read_out
from belfort.web.deps import current_identity, db_session, get_services, page_of
from belfort.web.flash import redirect_after_post
from belfort.web.rendering import render
from belfort.web.routes.common import form_time, settle

router = APIRouter(include_in_schema=False)
FormText = Annotated[str, Form(max_length=500)]
SEARCH_FIELDS = ("query", "mode", "start", "end", "camera", "area", "kind", "justification", "legal_basis_ref")


def _maybe_time(value: str, label: str, services: Services) -> datetime | None:
    return form_time(value, label, services.settings.zone) if value.strip() else None


def _purpose(values: dict[str, str]) -> Purpose:
    kind = values.get("kind", "administrative")
    if kind not in ("administrative", "judicial"):
        raise InvalidInput(_("purpose must be administrative or judicial"))
    return Purpose(PurposeKind(kind), values.get("justification", ""), values.get("legal_basis_ref", ""))


def _anpr_cameras(services: Services, session: Session, identity: Identity) -> list[Any]:
    return services.cameras.visible(session, identity.actor, kind="anpr")


# -- hits -----------------------------------------------------------------------------------


@router.get("/anpr")
@router.get("/anpr/hits")
def hits_page(request: Request, identity: Identity = Depends(page_of(Action.HANDLE_HITS))) -> HTMLResponse:
    return render(
        request,
        "anpr_hits.html",
        may_handle=may(identity.actor, Action.HANDLE_HITS),
        may_watch=may(identity.actor, Action.VIEW_LIVE),
    )


# -- search ---------------------------------------------------------------------------------


@router.get("/anpr/search")
def search_page(
    request: Request,
    query: Annotated[str, Query(max_length=40)] = "",
    identity: Identity = Depends(page_of(Action.SEARCH_PLATES)),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    return _render_search(request, services, session, identity, {"query": query, "mode": "auto"})


@router.post("/anpr/search")
def search_submit(
    request: Request,
    query: Annotated[str, Form(max_length=40)],
    mode: Annotated[str, Form(pattern="^(auto|exact|partial|fuzzy)$")] = "auto",
    start: Annotated[str, Form(max_length=40)] = "",
    end: Annotated[str, Form(max_length=40)] = "",
    camera: Annotated[str, Form(max_length=120)] = "",
    area: Annotated[str, Form(max_length=100)] = "",
    kind: Annotated[str, Form(max_length=20)] = "administrative",
    justification: FormText = "",
    legal_basis_ref: Annotated[str, Form(max_length=200)] = "",
    before: Annotated[str, Form(max_length=100)] = "",
    identity: Identity = Depends(page_of(Action.SEARCH_PLATES)),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    values = dict(
        zip(SEARCH_FIELDS, (query, mode, start, end, camera, area, kind, justification, legal_basis_ref), strict=True)
    )
    actor = identity.actor
    try:
        cameras = services.anpr.search.camera_ids(session, actor, [camera] if camera else [])
        search = SearchQuery(
            query,
            mode,  # type: ignore[arg-type]
            _maybe_time(start, _("From"), services),
            _maybe_time(end, _("Until"), services),
            cameras,
            area.strip(),
            50,
            cursor_of(before),
        )
        page = services.anpr.search.search(session, actor, search, _purpose(values))
    except BelfortError as exc:
        settle(session, exc)
        return _render_search(request, services, session, identity, values, exc.status_code, error=exc.message)
    session.commit()
    names = camera_names(session, [found.read for found in page.results])
    results = [read_out(services, actor, found.read, found.match, names) for found in page.results]
    following = f"{page.next_before[0].isoformat()}~{page.next_before[1]}" if page.next_before else ""
    return _render_search(
        request, services, session, identity, values, results=results, searched=page, following=following
    )


def _render_search(
    request: Request,
    services: Services,
    session: Session,
    identity: Identity,
    values: dict[str, str],
    status_code: int = 200,
    error: str = "",
    results: list[Any] | None = None,
    searched: Any = None,
    following: str = "",
) -> HTMLResponse:
    cameras = _anpr_cameras(services, session, identity)
    return render(
        request,
        "anpr_search.html",
        status_code=status_code,
        values={field: values.get(field, "") for field in SEARCH_FIELDS},
        cameras=cameras,
        areas=sorted({c.area for c in cameras if c.area}),
        may_search=may(identity.actor, Action.SEARCH_PLATES),
        error=error,
        results=results,
        searched=searched,
        following=following,
        min_justification=services.settings.policy.justification_min_length,
    )


# -- hotlists -------------------------------------------------------------------------------


def _render_hotlists(
    request: Request,
    services: Services,
    session: Session,
    identity: Identity,
    status_code: int = 200,
    error: str = "",
    notice: str = "",
    shown: uuid.UUID | None = None,
    contains: str = "",
) -> HTMLResponse:
    actor = identity.actor
    may_manage = may(actor, Action.MANAGE_HOTLISTS)
    lists = services.anpr.hotlists.lists(session, actor) if may_manage else []
    entries: list[Any] = []
    current = None
    if shown is not None and may_manage:
        current = services.anpr.hotlists.get(session, actor, shown)
        entries = list(services.anpr.hotlists.entries(session, actor, current, contains))
        session.commit()  # looking at the plates is audited
    return render(
        request,
        "anpr_hotlists.html",
        status_code=status_code,
        may_manage=may_manage,
        lists=lists,
        watch_problems={hotlist.id: services.anpr.hotlists.watch_problem(hotlist.id) for hotlist in lists},
        watch_examples=", ".join(f"{folder}/stolen.csv" for folder in services.anpr.hotlists.folders),
        current=current,
        entries=entries,
        contains=contains,
        categories=CATEGORIES,
        category_labels=CATEGORY_LABELS,
        error=error,
        notice=notice,
    )


@router.get("/anpr/hotlists")
def hotlists_page(
    request: Request,
    show: uuid.UUID | None = None,
    contains: Annotated[str, Query(max_length=40)] = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    return _render_hotlists(request, services, session, identity, shown=show, contains=contains)


def _hotlist_change(
    request: Request,
    services: Services,
    session: Session,
    identity: Identity,
    change: Any,
    shown: uuid.UUID | None = None,
) -> Response:
    """Apply `change` and redirect to the hotlists page with its notice (post/redirect/get);
    bad input shows the page again with the message; a refusal is answered as such."""
    try:
        notice, organisation_id = change()
    except BelfortError as exc:
        if isinstance(exc, Refusal):
            raise
        settle(session, exc)
        return _render_hotlists(request, services, session, identity, exc.status_code, error=exc.message, shown=shown)
    session.commit()
    services.anpr.hotlists.rebuild(organisation_id)
    return redirect_after_post(request, f"/anpr/hotlists?show={shown}" if shown else "/anpr/hotlists", notice)


@router.post("/anpr/hotlists")
def hotlists_create(
    request: Request,
    name: Annotated[str, Form(max_length=100)],
    watch_path: Annotated[str, Form(max_length=1000)] = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    def change() -> tuple[Message, uuid.UUID]:
        hotlist = services.anpr.hotlists.create(session, identity.actor, name, watch_path.strip())
        notice = _("Hotlist '{name}' created: import a CSV file or add plates.", name=hotlist.name)
        return notice, hotlist.organisation_id

    return _hotlist_change(request, services, session, identity, change)


@router.post("/anpr/hotlists/{hotlist_id}/import")
async def hotlists_import(
    request: Request,
    hotlist_id: uuid.UUID,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    form = await request.form(max_files=1)
    upload = form.get("file")
    data = await upload.read() if isinstance(upload, UploadFile) else b""

    def change() -> tuple[Message, uuid.UUID]:
        if not data:
            raise InvalidInput(_("choose a CSV file to import"))
        # in transactions of its own: the request's session stays unused until the page is drawn
        entries = parse_csv(data, services.settings.zone)
        hotlist, count = services.anpr.hotlists.import_entries(identity.actor, hotlist_id, entries)
        notice = _n(
            "{count} entry imported into '{name}' (it replaces the previous ones).",
            "{count} entries imported into '{name}' (they replace the previous ones).",
            count,
            name=hotlist.name,
        )
        return notice, hotlist.organisation_id

    return await run_in_threadpool(_hotlist_change, request, services, session, identity, change, hotlist_id)


@router.post("/anpr/hotlists/{hotlist_id}/entries")
def hotlists_add(
    request: Request,
    hotlist_id: uuid.UUID,
    plate: Annotated[str, Form(max_length=40)],
    category: Annotated[str, Form(max_length=30)],
    priority: Annotated[int, Form(ge=1, le=5)] = 3,
    valid_until: Annotated[str, Form(max_length=40)] = "",
    note: FormText = "",
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    def change() -> tuple[Message, uuid.UUID]:
        hotlist = services.anpr.hotlists.get(session, identity.actor, hotlist_id)
        try:
            item = entry(plate, category, priority, valid_until, note, zone=services.settings.zone)
        except ValueError as exc:
            raise InvalidInput(exc.args[0] if exc.args else str(exc)) from None
        services.anpr.hotlists.add_entry(session, identity.actor, hotlist, item)
        notice = _(
            "{plate} added to '{name}' as {category}.",
            plate=item.pattern,
            name=hotlist.name,
            category=CATEGORY_LABELS.get(item.category, item.category),
        )
        return notice, hotlist.organisation_id

    return _hotlist_change(request, services, session, identity, change, hotlist_id)


@router.post("/anpr/hotlists/{hotlist_id}/delete")
def hotlists_delete(
    request: Request,
    hotlist_id: uuid.UUID,
    identity: Identity = Depends(current_identity),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    def change() -> tuple[Message, uuid.UUID]:
        # in transactions of its own: a large list's entries are deleted in short steps
        name, organisation_id = services.anpr.hotlists.remove(identity.actor, hotlist_id)
        return _("Hotlist '{name}' deleted.", name=name), organisation_id

    return _hotlist_change(request, services, session, identity, change)


# -- sections -------------------------------------------------------------------------------


def _render_sections(
    request: Request,
    services: Services,
    session: Session,
    identity: Identity,
    status_code: int = 200,
    error: str = "",
    notice: str = "",
    values: dict[str, str] | None = None,
    passages: list[Any] | None = None,
) -> HTMLResponse:
    actor = identity.actor
    return render(
        request,
        "anpr_sections.html",
        status_code=status_code,
        sections=services.anpr.sections.sections(session, actor),
        cameras=_anpr_cameras(services, session, identity),
        may_configure=may(actor, Action.MANAGE_CAMERAS),
        may_report=may(actor, Action.SEARCH_PLATES),
        values=values or {},
        passages=passages,
        error=error,
        notice=notice,
    )


@router.get("/anpr/sections")
def sections_page(
    request: Request,
    identity: Identity = Depends(page_of(Action.MANAGE_CAMERAS, Action.SEARCH_PLATES)),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    return _render_sections(request, services, session, identity)


@router.post("/anpr/sections")
def sections_create(
    request: Request,
    name: Annotated[str, Form(max_length=100)],
    entry_camera: Annotated[str, Form(max_length=120)],
    exit_camera: Annotated[str, Form(max_length=120)],
    distance_m: Annotated[float, Form(gt=0, le=1_000_000)],
    limit_kmh: Annotated[float, Form(gt=0, le=1000)],
    identity: Identity = Depends(page_of(Action.MANAGE_CAMERAS, Action.SEARCH_PLATES)),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    try:
        section = services.anpr.sections.create(
            session, identity.actor, name, entry_camera, exit_camera, distance_m, limit_kmh
        )
    except BelfortError as exc:
        settle(session, exc)
        return _render_sections(request, services, session, identity, exc.status_code, error=exc.message)
    session.commit()
    return redirect_after_post(request, "/anpr/sections", _("Section '{name}' set up.", name=section.name))


@router.post("/anpr/sections/report")
def sections_report(
    request: Request,
    section: uuid.UUID = Form(),
    start: Annotated[str, Form(max_length=40)] = "",
    end: Annotated[str, Form(max_length=40)] = "",
    over_limit: Annotated[str, Form(max_length=5)] = "",
    kind: Annotated[str, Form(max_length=20)] = "administrative",
    justification: FormText = "",
    legal_basis_ref: Annotated[str, Form(max_length=200)] = "",
    identity: Identity = Depends(page_of(Action.MANAGE_CAMERAS, Action.SEARCH_PLATES)),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    values = {
        "section": str(section),
        "start": start,
        "end": end,
        "over_limit": over_limit,
        "kind": kind,
        "justification": justification,
        "legal_basis_ref": legal_basis_ref,
    }
    actor = identity.actor
    try:
        chosen = services.anpr.sections.get(session, actor, section)
        passages = services.anpr.sections.passages(
            session,
            actor,
            chosen,
            form_time(start, _("From"), services.settings.zone),
            form_time(end, _("Until"), services.settings.zone),
            _purpose(values),
            bool(over_limit),
        )
    except BelfortError as exc:
        settle(session, exc)
        return _render_sections(request, services, session, identity, exc.status_code, error=exc.message, values=values)
    session.commit()
    rows = passages_out(services, session, actor, passages)
    return _render_sections(request, services, session, identity, values=values, passages=rows)
