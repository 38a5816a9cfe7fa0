"""Alarm pages: the incident queue (live), one incident, alarm premises and consents, and the
receiver's status.

Thin over `belfort.alarms` (incidents, premises, status), whose services pass the gate for
every list, look and change; a page decides nothing about access. The queue is drawn by its
script from the incidents' WebSocket; one incident is drawn here, its live tiles and pre-alarm
clips by the same script. Forms answer with a redirect (post/redirect/get); bad input draws
the page again with what was typed and the message naming the field. A premises' new key is
handed to the page it redirects to once, in memory (`belfort.web.flash`), never stored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from belfort.alarms.incidents import MAX_EXTEND_MINUTES, MIN_REASON, OUTCOMES, Change, incident_json
from belfort.alarms.models import Incident
from belfort.alarms.premises import KEY_BITS, ConsentSpec, PremisesSpec
from belfort.app import Services
from belfort.auth.models import Organisation
from belfort.auth.service import Identity
from belfort.errors import BelfortError, InvalidInput
from belfort.i18n import Message, _
from belfort.policy import Action, OrganisationKind, Role, may
from belfort.web.deps import db_session, get_services, page_of
from belfort.web.flash import redirect_after_post
from belfort.web.rendering import render, say
from belfort.web.routes.common import apply_form, form_time, settle

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=2000)]
Short = Annotated[str, Form(max_length=300)]
Number = Annotated[str, Form(max_length=12)]

CATEGORY_WORDS: dict[str, Message] = {
    "burglary": _("burglary"),
    "holdup": _("hold-up"),
    "panic": _("panic"),
    "motion": _("motion"),
}
STATE_WORDS: dict[str, Message] = {
    "open": _("open"),
    "acknowledged": _("acknowledged"),
    "closed": _("closed"),
}
ENTRY_WORDS: dict[str, Message] = {
    "opened": _("alarm received"),
    "event": _("further event"),
    "restored": _("restored"),
    "cancelled": _("cancelled"),
    "acknowledged": _("acknowledged"),
    "note": _("dispatch note"),
    "extended": _("live view extended"),
    "live_ended": _("live view ended"),
    "wall": _("put on the wall"),
    "closed": _("closed"),
}
REPLY_WORDS: dict[str, Message] = {
    "ACK": _("accepted (ACK)"),
    "NAK": _("time refused (NAK)"),
    "DUH": _("not processed (DUH)"),
    "none": _("no reply (frame not trusted)"),
    "unstored": _("not stored, not acknowledged"),
}
SUPERVISION_WORDS: dict[str, Message] = {
    "ok": _("polls arrive"),
    "fault": _("polls missing"),
    "unsupervised": _("not supervised"),
}
PREMISES_FORM: dict[str, Any] = {
    "name": "",
    "subscriber": "",
    "address": "",
    "municipality": "",
    "contact": "",
    "police": "",
    "centre": "",
    "prefix": "0",
    "account": "",
    "zones": "",
    "supervision_seconds": "0",
    "live_minutes": "60",
    "prealarm_seconds": "120",
    "key_bits": "128",
}
CONSENT_FORM: dict[str, Any] = {"camera": "", "scope": ["live", "prealarm"], "valid_until": "", "reference": ""}


def _words() -> dict[str, Any]:
    return {
        "category_words": CATEGORY_WORDS,
        "state_words": STATE_WORDS,
        "entry_words": ENTRY_WORDS,
        "outcome_words": OUTCOMES,
    }


def _number(value: str, label: Message) -> int:
    """A whole number typed in a form, or a refusal naming the field."""
    try:
        return int(value.strip())
    except ValueError:
        raise InvalidInput(_("{field}: write a whole number", field=label)) from None


def parse_zones(text: str) -> dict[str, str]:
    """The zones typed one a line, `number = name` (or `number: name`), as the premises keeps them."""
    zones: dict[str, str] = {}
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        separator = "=" if "=" in line else ":"
        number, found, name = line.partition(separator)
        if not found or not number.strip() or not name.strip():
            raise InvalidInput(
                _("zones: write one zone a line, as 'number = name' (line {line} is not)", line=line_number)
            )
        zones[number.strip()] = name.strip()
    return zones


# -- incidents ---------------------------------------------------------------------------------


@router.get("/incidents")
def incidents_page(
    request: Request,
    identity: Identity = Depends(page_of(Action.VIEW_INCIDENTS)),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    """The queue: drawn by its script from the WebSocket; the closed ones of late listed here."""
    actor = identity.actor
    closed = [
        i for i in services.incidents.queue(session, actor, include_closed=True, limit=200) if i.state == "closed"
    ]
    return render(
        request,
        "incidents.html",
        **_words(),
        closed=closed[:20],
        may_handle=may(actor, Action.HANDLE_INCIDENTS),
        may_wall=may(actor, Action.USE_WALL),
    )


def _incident_page(
    request: Request,
    services: Services,
    session: Session,
    identity: Identity,
    ref: str,
    status_code: int = 200,
    values: dict[str, Any] | None = None,
    error: str = "",
) -> HTMLResponse:
    actor = identity.actor
    view = services.incidents.view(session, actor, ref)
    incident = view.incident
    return render(
        request,
        "incident.html",
        status_code=status_code,
        **_words(),
        view=view,
        incident=incident,
        premises=incident.premises,
        zones=services.premises.zones_of(incident.premises) if incident.premises is not None else {},
        data=incident_json(view),
        live_cameras=[camera for camera in view.cameras if not camera.ended and camera.live_until is not None],
        may_handle=may(actor, Action.HANDLE_INCIDENTS),
        may_wall=may(actor, Action.USE_WALL),
        max_minutes=MAX_EXTEND_MINUTES,
        min_reason=MIN_REASON,
        values={
            "note": "",
            "minutes": "15",
            "reason": "",
            "end_reason": "",
            "outcome": "",
            "close_note": "",
            **(values or {}),
        },
        error=say(request, error) if error else "",
    )


@router.get("/incidents/{ref}")
def incident_page(
    request: Request,
    ref: str,
    identity: Identity = Depends(page_of(Action.VIEW_INCIDENTS)),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    return _incident_page(request, services, session, identity, ref[:64])


def _incident_form(
    request: Request,
    services: Services,
    session: Session,
    identity: Identity,
    ref: str,
    change: Callable[[], Incident],
    notice: Callable[[Incident], str],
    values: dict[str, Any] | None = None,
) -> Response:
    """Apply an operator's act; after the commit, the queues hear of the change."""
    changed: list[Incident] = []

    def act() -> str:
        incident = change()
        changed.append(incident)
        return notice(incident)

    def failed(exc: BelfortError) -> Response:
        return _incident_page(request, services, session, identity, ref, exc.status_code, values, exc.message)

    def announce() -> None:
        services.incidents.announce([Change(i.organisation_id, i.id, "updated") for i in changed])

    return apply_form(request, session, act, failed, f"/incidents/{quote(ref, safe='')}", after=announce)


@router.post("/incidents/{ref}/acknowledge")
def incident_acknowledge(
    request: Request,
    ref: str,
    identity: Identity = Depends(page_of(Action.HANDLE_INCIDENTS)),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    return _incident_form(
        request,
        services,
        session,
        identity,
        ref[:64],
        lambda: services.incidents.acknowledge(session, identity.actor, ref[:64]),
        lambda incident: _("Incident #{number} acknowledged.", number=incident.number),
    )


@router.post("/incidents/{ref}/note")
def incident_note(
    request: Request,
    ref: str,
    note: Text = "",
    identity: Identity = Depends(page_of(Action.HANDLE_INCIDENTS)),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    return _incident_form(
        request,
        services,
        session,
        identity,
        ref[:64],
        lambda: services.incidents.note(session, identity.actor, ref[:64], note),
        lambda incident: _("Note added to incident #{number}.", number=incident.number),
        {"note": note},
    )


@router.post("/incidents/{ref}/extend")
def incident_extend(
    request: Request,
    ref: str,
    minutes: Number = "",
    reason: Text = "",
    identity: Identity = Depends(page_of(Action.HANDLE_INCIDENTS)),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    def change() -> Incident:
        return services.incidents.extend(session, identity.actor, ref[:64], _number(minutes, _("minutes")), reason)

    return _incident_form(
        request,
        services,
        session,
        identity,
        ref[:64],
        change,
        lambda incident: _("The live view of incident #{number} was extended.", number=incident.number),
        {"minutes": minutes, "reason": reason},
    )


@router.post("/incidents/{ref}/end")
def incident_end_live(
    request: Request,
    ref: str,
    reason: Text = "",
    identity: Identity = Depends(page_of(Action.HANDLE_INCIDENTS)),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    return _incident_form(
        request,
        services,
        session,
        identity,
        ref[:64],
        lambda: services.incidents.end_live(session, identity.actor, ref[:64], reason),
        lambda incident: _(
            "The live view of incident #{number} ended: its streams were stopped.", number=incident.number
        ),
        {"end_reason": reason},
    )


@router.post("/incidents/{ref}/close")
def incident_close(
    request: Request,
    ref: str,
    outcome: Short = "",
    note: Text = "",
    identity: Identity = Depends(page_of(Action.HANDLE_INCIDENTS)),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    return _incident_form(
        request,
        services,
        session,
        identity,
        ref[:64],
        lambda: services.incidents.close(session, identity.actor, ref[:64], outcome, note),
        lambda incident: _("Incident #{number} closed.", number=incident.number),
        {"outcome": outcome, "close_note": note},
    )


# -- premises ----------------------------------------------------------------------------------


def _organisations(session: Session, kind: OrganisationKind) -> list[str]:
    return list(
        session.scalars(select(Organisation.name).where(Organisation.kind == kind.value).order_by(Organisation.name))
    )


def _premises_list(
    request: Request,
    services: Services,
    session: Session,
    identity: Identity,
    status_code: int = 200,
    values: dict[str, Any] | None = None,
    error: str = "",
) -> HTMLResponse:
    actor = identity.actor
    # The form is offered where it can succeed: to an alarm centre's people, and to the
    # platform's administrator (who names the centre); the service decides again.
    centre = session.get(Organisation, actor.organisation_id) if actor.organisation_id else None
    platform = actor.role is Role.PLATFORM_ADMIN
    is_centre = centre is not None and centre.kind == OrganisationKind.ALARM_CENTRE.value
    may_manage = may(actor, Action.MANAGE_PREMISES) and (platform or is_centre)
    return render(
        request,
        "alarm_premises.html",
        status_code=status_code,
        tab="premises",
        premises=services.premises.visible(session, actor),
        supervision_words=SUPERVISION_WORDS,
        may_manage=may_manage,
        police_zones=_organisations(session, OrganisationKind.POLICE_ZONE) if may_manage else [],
        centres=_organisations(session, OrganisationKind.ALARM_CENTRE) if may_manage and platform else [],
        key_bits=KEY_BITS,
        values={**PREMISES_FORM, **(values or {})},
        error=say(request, error) if error else "",
    )


@router.get("/alarms")
@router.get("/alarms/premises")
def premises_page(
    request: Request,
    identity: Identity = Depends(page_of(Action.VIEW_ALARMS, Action.MANAGE_PREMISES)),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    return _premises_list(request, services, session, identity)


@router.post("/alarms/premises")
def premises_add(
    request: Request,
    name: Short = "",
    subscriber: Short = "",
    address: Short = "",
    municipality: Short = "",
    contact: Text = "",
    police: Short = "",
    centre: Short = "",
    prefix: Short = "0",
    account: Short = "",
    zones: Text = "",
    supervision_seconds: Number = "0",
    live_minutes: Number = "60",
    prealarm_seconds: Number = "120",
    key_bits: Number = "128",
    identity: Identity = Depends(page_of(Action.MANAGE_PREMISES)),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    values = {
        "name": name,
        "subscriber": subscriber,
        "address": address,
        "municipality": municipality,
        "contact": contact,
        "police": police,
        "centre": centre,
        "prefix": prefix,
        "account": account,
        "zones": zones,
        "supervision_seconds": supervision_seconds,
        "live_minutes": live_minutes,
        "prealarm_seconds": prealarm_seconds,
        "key_bits": key_bits,
    }
    try:
        spec = PremisesSpec(
            name=name,
            subscriber=subscriber,
            address=address,
            municipality=municipality,
            contact=contact,
            police=police,
            prefix=prefix,
            account=account,
            zones=parse_zones(zones),
            supervision_seconds=_number(supervision_seconds, _("supervision")),
            live_minutes=_number(live_minutes, _("live minutes")),
            prealarm_seconds=_number(prealarm_seconds, _("pre-alarm seconds")),
            centre=centre or None,
        )
        premises, key = services.premises.add(session, identity.actor, spec, _number(key_bits, _("key bits")))
    except BelfortError as exc:
        if exc.status_code in (403, 404):
            raise
        settle(session, exc)
        return _premises_list(request, services, session, identity, exc.status_code, values, exc.message)
    session.commit()
    # The new premises' page, where its key (if one was made) is shown this once.
    notice = _("Premises '{name}' registered.", name=premises.name)
    return redirect_after_post(request, f"/alarms/premises/{premises.id}", notice, {"key": key} if key else {})


def _premises_page(
    request: Request,
    services: Services,
    session: Session,
    identity: Identity,
    ref: str,
    status_code: int = 200,
    values: dict[str, Any] | None = None,
    error: str = "",
) -> HTMLResponse:
    actor = identity.actor
    view = services.premises.view(session, actor, ref)
    may_consent = may(actor, Action.GIVE_CONSENT)
    cameras = []
    if may_consent:
        cameras = [c for c in services.cameras.visible(session, actor) if c.organisation_id == actor.organisation_id]
    manages = may(actor, Action.MANAGE_PREMISES) and (
        actor.role is Role.PLATFORM_ADMIN or view.premises.centre_organisation_id == actor.organisation_id
    )
    return render(
        request,
        "alarm_premises_one.html",
        status_code=status_code,
        tab="premises",
        view=view,
        premises=view.premises,
        zones=services.premises.zones_of(view.premises),
        supervision_words=SUPERVISION_WORDS,
        manages=manages,
        may_consent=may_consent,
        own_organisation=actor.organisation_id,
        cameras=cameras,
        key_bits=KEY_BITS,
        min_reason=MIN_REASON,
        now=services.clock(),
        values={**CONSENT_FORM, **(values or {})},
        error=say(request, error) if error else "",
    )


@router.get("/alarms/premises/{ref}")
def premises_one(
    request: Request,
    ref: str,
    identity: Identity = Depends(page_of(Action.VIEW_ALARMS, Action.MANAGE_PREMISES)),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    return _premises_page(request, services, session, identity, ref[:200])


def _premises_form(
    request: Request,
    services: Services,
    session: Session,
    identity: Identity,
    ref: str,
    change: Callable[[], str | tuple[str, dict[str, str]]],
    values: dict[str, Any] | None = None,
) -> Response:
    def failed(exc: BelfortError) -> Response:
        return _premises_page(request, services, session, identity, ref, exc.status_code, values, exc.message)

    return apply_form(request, session, change, failed, f"/alarms/premises/{quote(ref, safe='')}")


@router.post("/alarms/premises/{ref}/key")
def premises_new_key(
    request: Request,
    ref: str,
    key_bits: Number = "128",
    identity: Identity = Depends(page_of(Action.MANAGE_PREMISES)),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    def change() -> tuple[str, dict[str, str]]:
        premises, key = services.premises.new_key(session, identity.actor, ref[:200], _number(key_bits, _("key bits")))
        if not key:
            return _("Premises '{name}' now accepts plain messages only: its key was removed.", name=premises.name), {}
        made = _("A new {bits}-bit key was made for '{name}'.", bits=premises.key_bits, name=premises.name)
        return made, {"key": key}

    return _premises_form(request, services, session, identity, ref[:200], change)


@router.post("/alarms/premises/{ref}/consents")
def premises_consent(
    request: Request,
    ref: str,
    camera: Short = "",
    scope: Annotated[list[str], Form(max_length=2)] = [],  # noqa: B006 - FastAPI copies defaults
    valid_until: Annotated[str, Form(max_length=40)] = "",
    reference: Short = "",
    identity: Identity = Depends(page_of(Action.GIVE_CONSENT)),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    values = {"camera": camera, "scope": scope, "valid_until": valid_until, "reference": reference}

    def change() -> str:
        if not camera.strip():
            raise InvalidInput(_("camera: choose one of your cameras"))
        until = form_time(valid_until, _("valid until"), services.settings.zone) if valid_until.strip() else None
        spec = ConsentSpec(camera, "live" in scope, "prealarm" in scope, until, reference)
        consent = services.premises.consent(session, identity.actor, ref[:200], spec)
        return _(
            "Consent given: {camera} is forwarded to {police} on an alarm.",
            camera=consent.camera.name,
            police=consent.premises.police.name,
        )

    return _premises_form(request, services, session, identity, ref[:200], change, values)


@router.post("/alarms/premises/{ref}/consents/{consent_id}/withdraw")
def consent_withdraw(
    request: Request,
    ref: str,
    consent_id: str,
    reason: Text = "",
    identity: Identity = Depends(page_of(Action.GIVE_CONSENT)),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    def change() -> str:
        consent = services.premises.withdraw(session, identity.actor, consent_id[:64], reason)
        return _("Consent for {camera} withdrawn.", camera=consent.camera.name)

    return _premises_form(request, services, session, identity, ref[:200], change)


# -- receiver ----------------------------------------------------------------------------------


@router.get("/alarms/receiver")
def receiver_page(
    request: Request,
    identity: Identity = Depends(page_of(Action.VIEW_ALARMS)),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> HTMLResponse:
    report = services.alarm_status.report(session, identity.actor, services.receiver)
    return render(
        request,
        "alarm_receiver.html",
        tab="receiver",
        report=report,
        reply_words=REPLY_WORDS,
        supervision_words=SUPERVISION_WORDS,
        settings=services.settings.alarms,
    )
