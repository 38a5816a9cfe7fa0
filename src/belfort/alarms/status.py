"""The alarm receiver's status as a person may see it: listeners, counters, supervision, receipts.

One method, `ReceiverReports.report`, serves both the status page and the API. The gate decides
who may look at all; what is shown is then narrowed to the actor: the premises their
organisation deals with, and the receiver's log (receipts) only of the premises their alarm
centre runs, or every receipt for the platform's administrator and auditor. A receipt with no
premises (a frame nobody could be named for) is shown to the platform's people only. Stored keys
never appear here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from belfort.alarms.models import AlarmReceipt, Premises
from belfort.alarms.premises import SEES_EVERY_PREMISES, PremisesService
from belfort.alarms.receiver import AlarmReceiver, ReceiverStatus
from belfort.policy import Action, Actor, ActorKind, PolicyGate

RECEIPTS_SHOWN = 200


@dataclass(frozen=True)
class PremisesHealth:
    """How one premises is heard from."""

    id: uuid.UUID
    name: str
    centre: str
    account: str
    """`prefix:account`, as DC-09 frames carry them."""
    supervision_seconds: int
    """0: not supervised."""
    last_message_at: datetime | None
    fault_since: datetime | None
    state: str
    """`ok`, `fault` (polls missing since `fault_since`) or `unsupervised`."""


@dataclass(frozen=True)
class ReceiptRow:
    """One line of the receiver's log."""

    at: datetime
    transport: str
    peer: str
    account: str
    premises: str
    """The premises' name, or empty when no premises answers to the frame."""
    token: str
    seq: str
    codes: str
    reply: str
    reason: str
    duplicate: bool


@dataclass(frozen=True)
class ReceiverReport:
    receiver: ReceiverStatus | None
    """None when this process does not listen for DC-09 (the HTTP alarm API still works)."""
    premises: list[PremisesHealth]
    receipts: list[ReceiptRow]
    all_receipts: bool
    """Whether `receipts` are every receipt (the platform's people) or the actor's centre's only."""


def health_of(premises: Premises) -> PremisesHealth:
    if premises.supervision_seconds <= 0:
        state = "unsupervised"
    elif premises.fault_since is not None:
        state = "fault"
    else:
        state = "ok"
    return PremisesHealth(
        id=premises.id,
        name=premises.name,
        centre=premises.centre.name,
        account=f"{premises.prefix}:{premises.account}",
        supervision_seconds=premises.supervision_seconds,
        last_message_at=premises.last_message_at,
        fault_since=premises.fault_since,
        state=state,
    )


class ReceiverReports:
    def __init__(self, gate: PolicyGate, premises: PremisesService) -> None:
        self.gate = gate
        self.premises = premises

    def report(
        self, session: Session, actor: Actor, receiver: AlarmReceiver | None, limit: int = RECEIPTS_SHOWN
    ) -> ReceiverReport:
        """The receiver's status for people who see alarms (`Action.VIEW_ALARMS`); the newest
        `limit` receipts the actor may see, newest first."""
        self.gate.require_function(session, actor, "alarms", Action.VIEW_ALARMS)
        visible = self.premises.visible(session, actor)
        every = actor.role in SEES_EVERY_PREMISES or actor.kind is ActorKind.SYSTEM
        return ReceiverReport(
            receiver=receiver.status() if receiver is not None else None,
            premises=[health_of(premises) for premises in visible],
            receipts=self._receipts(session, actor, every, limit),
            all_receipts=every,
        )

    @staticmethod
    def _receipts(session: Session, actor: Actor, every: bool, limit: int) -> list[ReceiptRow]:
        statement = (
            select(AlarmReceipt, Premises.name)
            .outerjoin(Premises, Premises.id == AlarmReceipt.premises_id)
            .order_by(AlarmReceipt.at.desc(), AlarmReceipt.id)
            .limit(max(1, min(limit, 1000)))
        )
        if not every:
            if actor.organisation_id is None:
                return []
            statement = statement.where(Premises.centre_organisation_id == actor.organisation_id)
        return [
            ReceiptRow(
                at=receipt.at,
                transport=receipt.transport,
                peer=receipt.peer,
                account=receipt.account,
                premises=name or "",
                token=receipt.token,
                seq=receipt.seq,
                codes=receipt.codes,
                reply=receipt.reply,
                reason=receipt.reason,
                duplicate=receipt.duplicate,
            )
            for receipt, name in session.execute(statement)
        ]
