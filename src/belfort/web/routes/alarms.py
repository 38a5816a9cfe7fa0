"""Alarms API: premises and consents, the incident queue (REST and WebSocket), the HTTP alarm
intake for alarm centres, and the receiver's status.

Thin: every decision is taken and recorded by the alarm services (`belfort.alarms`) through
the gate. A premises' key is answered once, when it is made, and never again. The alarm
intake opens its own unit of work (it holds the incidents' opening lock), so its routes hold
no database session of their own while it runs. Queues hear of a change only after its commit.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request, Response, WebSocket
from sqlalchemy import select
from sqlalchemy.orm import Session

from belfort.alarms.incidents import Change, IncidentCamera, incident_json, incidents_topic
from belfort.alarms.intake import HttpAlarm
from belfort.alarms.models import Consent, Incident, Premises
from belfort.alarms.premises import ConsentSpec, PremisesService, PremisesSpec
from belfort.app import Services
from belfort.auth.service import Identity
from belfort.errors import InvalidInput
from belfort.i18n import _
from belfort.policy import Actor
from belfort.timeutil import iso_utc
from belfort.web.deps import current_actor, db_session, get_services
from belfort.web.feeds import serve_feed
from belfort.web.routes.schemas import (
    AlarmIn,
    AlarmRef,
    AlarmTakenOut,
    ConsentIn,
    ConsentOut,
    IncidentCameraOut,
    IncidentChangeOut,
    IncidentCloseIn,
    IncidentEndLiveIn,
    IncidentExtendIn,
    IncidentNoteIn,
    IncidentOut,
    IncidentRef,
    ListenerOut,
    PollIn,
    PremisesDetailOut,
    PremisesHealthOut,
    PremisesIn,
    PremisesKeyed,
    PremisesKeyIn,
    PremisesOut,
    PremisesPatch,
    ReceiptOut,
    ReceiverOut,
    WallOut,
    WithdrawIn,
)

router = APIRouter(tags=["alarms"])


# -- shapes ------------------------------------------------------------------------------


def premises_fields(premises: Premises) -> dict[str, Any]:
    return {
        "id": str(premises.id),
        "name": premises.name,
        "subscriber": premises.subscriber,
        "address": premises.address,
        "municipality": premises.municipality,
        "contact": premises.contact,
        "centre": premises.centre.name,
        "police": premises.police.name,
        "prefix": premises.prefix,
        "account": premises.account,
        "zones": PremisesService.zones_of(premises),
        "key_bits": premises.key_bits,
        "key_fingerprint": premises.key_fingerprint,
        "supervision_seconds": premises.supervision_seconds,
        "live_minutes": premises.live_minutes,
        "prealarm_seconds": premises.prealarm_seconds,
        "last_message_at": premises.last_message_at,
        "fault_since": premises.fault_since,
        "created_by": premises.created_by,
        "created_at": premises.created_at,
        "updated_at": premises.updated_at,
    }


def consent_out(consent: Consent, services: Services) -> ConsentOut:
    now = services.clock()
    return ConsentOut(
        id=str(consent.id),
        premises_id=str(consent.premises_id),
        premises=consent.premises.name,
        camera_id=str(consent.camera_id),
        camera=consent.camera.name,
        owner=consent.owner.name,
        live=consent.live,
        prealarm=consent.prealarm,
        reference=consent.reference,
        given_by=consent.given_by,
        given_at=consent.given_at,
        valid_until=consent.valid_until,
        withdrawn_at=consent.withdrawn_at,
        withdrawn_by=consent.withdrawn_by,
        withdraw_reason=consent.withdraw_reason,
        holds=consent.withdrawn_at is None and (consent.valid_until is None or now < consent.valid_until),
    )


def premises_spec(body: PremisesPatch) -> PremisesSpec:
    return PremisesSpec(
        name=body.name,
        subscriber=body.subscriber,
        address=body.address,
        municipality=body.municipality,
        contact=body.contact,
        police=body.police,
        prefix=body.prefix,
        account=body.account,
        zones=body.zones,
        supervision_seconds=body.supervision_seconds,
        live_minutes=body.live_minutes,
        prealarm_seconds=body.prealarm_seconds,
    )


def incident_out(services: Services, session: Session, incident: Incident) -> IncidentOut:
    return IncidentOut.model_validate(incident_json(services.incidents.shaped(session, incident)))


def camera_out(camera: IncidentCamera) -> IncidentCameraOut:
    return IncidentCameraOut(
        id=str(camera.id),
        name=camera.name,
        owner=camera.owner,
        live_until=iso_utc(camera.live_until) if camera.live_until else None,
        playback_from=iso_utc(camera.playback_from) if camera.playback_from else None,
        ended=camera.ended,
    )


# -- premises ----------------------------------------------------------------------------


@router.get(
    "/api/alarms/premises", response_model=list[PremisesOut], summary="Alarm premises your organisation deals with"
)
def list_premises(
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[PremisesOut]:
    """An alarm centre's own, those a police zone intervenes at, those a camera owner consented for."""
    return [PremisesOut(**premises_fields(premises)) for premises in services.premises.visible(session, actor)]


@router.post(
    "/api/alarms/premises",
    response_model=PremisesKeyed,
    status_code=201,
    summary="Register a premises of your alarm centre (audited); with key_bits, its AES key is answered once",
)
def add_premises(
    body: PremisesIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> PremisesKeyed:
    spec = premises_spec(body)
    spec.centre = body.centre
    premises, key = services.premises.add(session, actor, spec, body.key_bits)
    return PremisesKeyed(**premises_fields(premises), key=key or None)


@router.get(
    "/api/alarms/premises/{ref}",
    response_model=PremisesDetailOut,
    summary="One premises with the consents given for it",
)
def show_premises(
    ref: AlarmRef,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> PremisesDetailOut:
    view = services.premises.view(session, actor, ref)
    return PremisesDetailOut(
        **premises_fields(view.premises), consents=[consent_out(consent, services) for consent in view.consents]
    )


@router.patch("/api/alarms/premises/{ref}", response_model=PremisesOut, summary="Change a premises (audited)")
def update_premises(
    ref: AlarmRef,
    body: PremisesPatch,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> PremisesOut:
    return PremisesOut(**premises_fields(services.premises.update(session, actor, ref, premises_spec(body))))


@router.delete(
    "/api/alarms/premises/{ref}",
    status_code=204,
    response_class=Response,
    summary="Remove a premises: its alarms are no longer accepted (audited)",
)
def remove_premises(
    ref: AlarmRef,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> Response:
    services.premises.remove(session, actor, ref)
    return Response(status_code=204)


@router.post(
    "/api/alarms/premises/{ref}/key",
    response_model=PremisesKeyed,
    summary="Replace a premises' AES key (audited): a new one is answered once, or set the one you use",
)
def change_key(
    ref: AlarmRef,
    body: PremisesKeyIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> PremisesKeyed:
    if (body.key_bits is None) == (body.key is None):
        raise InvalidInput(_("key_bits: give either key_bits (a new key is made) or key (the one you use), not both"))
    if body.key is not None:
        return PremisesKeyed(**premises_fields(services.premises.set_key(session, actor, ref, body.key)))
    premises, key = services.premises.new_key(session, actor, ref, body.key_bits or 0)
    return PremisesKeyed(**premises_fields(premises), key=key or None)


# -- consents ----------------------------------------------------------------------------


@router.post(
    "/api/alarms/premises/{ref}/consents",
    response_model=ConsentOut,
    status_code=201,
    summary="Consent that your camera is forwarded to the premises' police zone on an alarm (audited)",
)
def give_consent(
    ref: AlarmRef,
    body: ConsentIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> ConsentOut:
    spec = ConsentSpec(
        camera=body.camera,
        live=body.live,
        prealarm=body.prealarm,
        valid_until=body.valid_until,
        reference=body.reference,
    )
    return consent_out(services.premises.consent(session, actor, ref, spec), services)


@router.post(
    "/api/alarms/consents/{consent_id}/withdraw",
    response_model=ConsentOut,
    summary="Withdraw a consent you gave, now (audited); later alarms no longer forward the camera",
)
def withdraw_consent(
    consent_id: AlarmRef,
    body: WithdrawIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> ConsentOut:
    return consent_out(services.premises.withdraw(session, actor, consent_id, body.reason), services)


# -- the incident queue ------------------------------------------------------------------


def _hello(services: Services, identity: Identity) -> list[dict[str, Any]]:
    """Authorise following the queue and return its open incidents."""
    with services.db.session() as session:
        queue = services.incidents.queue(session, identity.actor)
        return [incident_json(services.incidents.shaped(session, incident)) for incident in queue]


def _shape(services: Services, message: dict[str, Any]) -> dict[str, Any] | None:
    with services.db.reading() as session:
        incident = session.get(Incident, uuid.UUID(message["incident"]))
        return incident_json(services.incidents.shaped(session, incident)) if incident is not None else None


def _open_queue(services: Services, identity: Identity) -> tuple[str, dict[str, Any]]:
    queue = _hello(services, identity)
    return incidents_topic(identity.actor.organisation_id or ""), {"type": "hello", "incidents": queue}


def _incident_message(services: Services, identity: Identity, message: dict[str, Any]) -> dict[str, Any] | None:
    shaped = _shape(services, message)
    return {"type": "incident", "change": message["change"], "incident": shaped} if shaped is not None else None


@router.websocket("/api/incidents/ws")
async def incidents_stream(websocket: WebSocket) -> None:
    """Your organisation's incident queue, then each incident as it opens or changes (JSON text messages)."""
    await serve_feed(websocket, _open_queue, _incident_message)


@router.get("/api/incidents", response_model=list[IncidentOut], summary="Your organisation's incidents, newest first")
def list_incidents(
    include_closed: bool = False,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> list[IncidentOut]:
    """Open and acknowledged ones; with `include_closed`, the closed ones too."""
    return [
        incident_out(services, session, incident)
        for incident in services.incidents.queue(session, actor, include_closed=include_closed)
    ]


@router.get("/api/incidents/{ref}", response_model=IncidentOut, summary="One incident (by number or id)")
def show_incident(
    ref: IncidentRef,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> IncidentOut:
    return IncidentOut.model_validate(incident_json(services.incidents.view(session, actor, ref)))


def _acted(services: Services, session: Session, incident: Incident) -> IncidentOut:
    """Commit an operator's act, then tell the queue."""
    session.commit()
    services.incidents.announce([Change(incident.organisation_id, incident.id, "updated")])
    return incident_out(services, session, incident)


@router.post(
    "/api/incidents/{ref}/acknowledge", response_model=IncidentOut, summary="Take an incident in hand (audited)"
)
def acknowledge_incident(
    ref: IncidentRef,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> IncidentOut:
    return _acted(services, session, services.incidents.acknowledge(session, actor, ref))


@router.post("/api/incidents/{ref}/notes", response_model=IncidentOut, summary="Add a note to the timeline (audited)")
def note_incident(
    ref: IncidentRef,
    body: IncidentNoteIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> IncidentOut:
    return _acted(services, session, services.incidents.note(session, actor, ref, body.text))


@router.post(
    "/api/incidents/{ref}/extend",
    response_model=IncidentOut,
    summary="Extend the live view of the incident's cameras, within each owner's consent (audited, with a reason)",
)
def extend_incident(
    ref: IncidentRef,
    body: IncidentExtendIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> IncidentOut:
    return _acted(services, session, services.incidents.extend(session, actor, ref, body.minutes, body.reason))


@router.post(
    "/api/incidents/{ref}/end-live",
    response_model=IncidentOut,
    summary="End the live view of the incident's cameras now; their streams stop (audited, with a reason)",
)
def end_incident_live(
    ref: IncidentRef,
    body: IncidentEndLiveIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> IncidentOut:
    return _acted(services, session, services.incidents.end_live(session, actor, ref, body.reason))


@router.post(
    "/api/incidents/{ref}/close",
    response_model=IncidentOut,
    summary="Close an incident with its outcome; its live view ends (audited)",
)
def close_incident(
    ref: IncidentRef,
    body: IncidentCloseIn,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> IncidentOut:
    return _acted(services, session, services.incidents.close(session, actor, ref, body.outcome, body.note))


@router.post(
    "/api/incidents/{ref}/wall",
    response_model=WallOut,
    summary="The incident's cameras whose live view holds, to put on the wall (noted in the timeline)",
)
def incident_wall(
    ref: IncidentRef,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> WallOut:
    cameras = services.incidents.to_wall(session, actor, ref)
    return WallOut(camera_ids=[str(camera.id) for camera in cameras], cameras=[camera_out(c) for c in cameras])


# -- alarms from alarm centres (machine tokens) ------------------------------------------


def _peer(request: Request) -> str:
    return f"{request.client.host}:{request.client.port}" if request.client else ""


def _numbers(services: Services, incident_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not incident_ids:
        return {}
    with services.db.session() as session:
        rows = session.execute(select(Incident.id, Incident.number).where(Incident.id.in_(incident_ids)))
        return {incident_id: number for incident_id, number in rows}


@router.post(
    "/api/alarms/events",
    response_model=AlarmTakenOut,
    status_code=202,
    summary="Send an alarm event of a premises (machine token with scope alarms:send)",
)
def post_alarm(
    body: AlarmIn,
    request: Request,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
) -> AlarmTakenOut:
    """A burglary, hold-up or panic event opens an incident in the premises' police zone's queue;
    a restore or cancel updates the open one. An account that is not one of your centre's
    premises is answered as not found."""
    alarm = HttpAlarm(
        account=body.account,
        prefix=body.prefix,
        format=body.format,
        code=body.code,
        qualifier=body.qualifier,
        zone=body.zone,
        text=body.text,
        time=body.time,
    )
    taken = services.intake.http(actor, alarm, _peer(request))
    numbers = _numbers(services, [change.incident_id for change in taken.changes])
    return AlarmTakenOut(
        premises=taken.premises,
        incidents=[
            IncidentChangeOut(id=str(change.incident_id), number=numbers[change.incident_id], change=change.change)
            for change in taken.changes
        ],
    )


@router.post(
    "/api/alarms/polls",
    response_model=AlarmTakenOut,
    status_code=202,
    summary="A supervision poll of a premises: its transmitter is alive (machine token with scope alarms:send)",
)
def post_poll(
    body: PollIn,
    request: Request,
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
) -> AlarmTakenOut:
    taken = services.intake.http(actor, HttpAlarm(account=body.account, prefix=body.prefix, poll=True), _peer(request))
    return AlarmTakenOut(premises=taken.premises, incidents=[])


# -- the receiver ------------------------------------------------------------------------


@router.get(
    "/api/alarms/receiver",
    response_model=ReceiverOut,
    summary="The DC-09 receiver: listeners, counters, supervision of your premises, and its recent messages",
)
def receiver_status(
    actor: Actor = Depends(current_actor),
    services: Services = Depends(get_services),
    session: Session = Depends(db_session),
) -> ReceiverOut:
    report = services.alarm_status.report(session, actor, services.receiver)
    status = report.receiver
    return ReceiverOut(
        receiver=None
        if status is None
        else ListenerOut(
            listening=status.listening,
            tcp=status.tcp,
            udp=status.udp,
            error=status.error,
            started_at=status.started_at,
            connections=status.connections,
            replies=status.replies,
            last_message_at=status.last_message_at,
        ),
        premises=[
            PremisesHealthOut(
                id=str(health.id),
                name=health.name,
                centre=health.centre,
                account=health.account,
                supervision_seconds=health.supervision_seconds,
                last_message_at=health.last_message_at,
                fault_since=health.fault_since,
                state=health.state,
            )
            for health in report.premises
        ],
        receipts=[
            ReceiptOut(
                at=row.at,
                transport=row.transport,
                peer=row.peer,
                account=row.account,
                premises=row.premises,
                token=row.token,
                seq=row.seq,
                codes=row.codes,
                reply=row.reply,
                reason=row.reason,
                duplicate=row.duplicate,
            )
            for row in report.receipts
        ],
        all_receipts=report.all_receipts,
    )
