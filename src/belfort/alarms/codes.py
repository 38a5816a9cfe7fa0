"""What an alarm event means to Belfort: its category, where its address points, and a short description.

Events come as SIA DC-03 codes (two letters, `BA`) or Ademco Contact ID codes (SIA DC-05: a
qualifier 1/3/6 and three digits, `1 130`). Belfort acts on five categories (burglary, hold-up,
panic, restore, cancel); every other event is `other` and keeps its code. Only codes whose
meaning DC-03 or DC-05 fixes are listed; an unlisted code is never guessed at, it is `other` with
its code as description. Pure tables and functions: no I/O, no state.

Contact ID qualifiers (DC-05): 1 new event or opening, 3 restore or closing, 6 condition still
present (status report). Qualifier 3 turns a burglary, hold-up or panic code into a restore; for
the open/close codes (4xx) it means closing. SIA `N` (new) and `O` (old) events keep their code's
category: a status report of an alarm is still that alarm, and the caller sees the qualifier.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Literal, NamedTuple, Protocol

from belfort.i18n import Message, _

SIA_DCS = "SIA-DCS"
ADM_CID = "ADM-CID"

AddressKind = Literal["zone", "user", "area"]


class Category(StrEnum):
    BURGLARY = "burglary"
    HOLDUP = "holdup"
    PANIC = "panic"
    RESTORE = "restore"
    CANCEL = "cancel"
    OTHER = "other"
    MOTION = "motion"
    """Not a DC-09 category: a camera's own motion detection (never what `classify` returns)."""


ALARMS = frozenset({Category.BURGLARY, Category.HOLDUP, Category.PANIC})
"""The categories that a restore (Contact ID qualifier 3) ends."""


class Coded(Protocol):
    """What classification reads of an event (`belfort.alarms.dc09.Event` is one)."""

    @property
    def format(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def qualifier(self) -> str: ...


class _Meaning(NamedTuple):
    category: Category
    description: Message


_SIA: Mapping[str, _Meaning] = {
    "BA": _Meaning(Category.BURGLARY, _("Burglary alarm")),
    "BV": _Meaning(Category.BURGLARY, _("Burglary verified")),
    "BR": _Meaning(Category.RESTORE, _("Burglary restored")),
    "BC": _Meaning(Category.CANCEL, _("Burglary cancelled")),
    "HA": _Meaning(Category.HOLDUP, _("Hold-up alarm")),
    "HR": _Meaning(Category.RESTORE, _("Hold-up restored")),
    "PA": _Meaning(Category.PANIC, _("Panic alarm")),
    "PR": _Meaning(Category.RESTORE, _("Panic restored")),
    "OC": _Meaning(Category.CANCEL, _("Alarm cancelled")),
    "FA": _Meaning(Category.OTHER, _("Fire alarm")),
    "FR": _Meaning(Category.OTHER, _("Fire restored")),
    "OP": _Meaning(Category.OTHER, _("Opening (disarmed)")),
    "CL": _Meaning(Category.OTHER, _("Closing (armed)")),
    "RP": _Meaning(Category.OTHER, _("Automatic test")),
    "TA": _Meaning(Category.OTHER, _("Tamper alarm")),
    "TR": _Meaning(Category.OTHER, _("Tamper restored")),
    "YT": _Meaning(Category.OTHER, _("System battery trouble")),
    "YR": _Meaning(Category.OTHER, _("System battery restored")),
    "AT": _Meaning(Category.OTHER, _("AC power failure")),
    "AR": _Meaning(Category.OTHER, _("AC power restored")),
}

_CID: Mapping[str, _Meaning] = {
    "110": _Meaning(Category.OTHER, _("Fire alarm")),
    "120": _Meaning(Category.PANIC, _("Panic alarm")),
    "121": _Meaning(Category.HOLDUP, _("Duress")),
    "122": _Meaning(Category.HOLDUP, _("Silent hold-up alarm")),
    "123": _Meaning(Category.PANIC, _("Audible panic alarm")),
    "130": _Meaning(Category.BURGLARY, _("Burglary alarm")),
    "131": _Meaning(Category.BURGLARY, _("Perimeter burglary alarm")),
    "132": _Meaning(Category.BURGLARY, _("Interior burglary alarm")),
    "133": _Meaning(Category.BURGLARY, _("24-hour burglary alarm")),
    "134": _Meaning(Category.BURGLARY, _("Entry/exit burglary alarm")),
    "135": _Meaning(Category.BURGLARY, _("Day/night burglary alarm")),
    "136": _Meaning(Category.BURGLARY, _("Outdoor burglary alarm")),
    "137": _Meaning(Category.OTHER, _("Tamper alarm")),
    "139": _Meaning(Category.BURGLARY, _("Intrusion verified")),
    "301": _Meaning(Category.OTHER, _("AC power failure")),
    "302": _Meaning(Category.OTHER, _("Low system battery")),
    "401": _Meaning(Category.OTHER, _("Opening by user")),
    "406": _Meaning(Category.CANCEL, _("Alarm cancelled")),
    "602": _Meaning(Category.OTHER, _("Periodic test report")),
}

_SIA_USER_ADDRESSED = frozenset({"BC", "CL", "CR", "OC", "OP", "OR"})
_SIA_AREA_ADDRESSED = frozenset({"BV"})
_CID_USER_ADDRESSED = frozenset({"121", "400", "401", "402", "403", "404", "405", "406", "407", "408", "409", "441"})

_CLOSING = _("Closing by user")


def address_kind(format: str, code: str) -> AddressKind:
    """What the number sent with `code` designates: a zone (most events), a user (openings,
    closings, cancels, duress) or an area (a verified burglary)."""
    if format == SIA_DCS:
        if code in _SIA_USER_ADDRESSED:
            return "user"
        return "area" if code in _SIA_AREA_ADDRESSED else "zone"
    return "user" if format == ADM_CID and code in _CID_USER_ADDRESSED else "zone"


def classify(event: Coded) -> Category:
    """The category Belfort acts on; `other` for any code it does not act on or does not know."""
    meaning = _meaning(event)
    if meaning is None:
        return Category.OTHER
    if event.format == ADM_CID and event.qualifier == "3" and meaning.category in ALARMS:
        return Category.RESTORE
    return meaning.category


def describe(event: Coded) -> Message:
    """A short English description of the event (translated at the edge), from its code and qualifier."""
    meaning = _meaning(event)
    if meaning is None:
        base = _("{format} event {code}", format=event.format, code=event.code)
    elif event.format == ADM_CID and event.code == "401" and event.qualifier == "3":
        return _CLOSING
    else:
        base = meaning.description
    if event.format != ADM_CID or event.code.startswith("4"):
        return base
    if event.qualifier == "3":
        return _("Restore: {event}", event=base)
    if event.qualifier == "6":
        return _("Status report: {event}", event=base)
    return base


def _meaning(event: Coded) -> _Meaning | None:
    if event.format == SIA_DCS:
        return _SIA.get(event.code)
    if event.format == ADM_CID:
        return _CID.get(event.code)
    return None
