"""Legal deadlines counted in months and reminders about them: pure date arithmetic, no I/O.

GDPR art. 12(3) gives one month from receipt to answer a data-subject request, extendable by
two further months. Periods in EU law are counted under Regulation (EEC, Euratom) 1182/71,
art. 3 (as the EDPB's guidelines 01/2022 on the right of access recall): a period of months
ends on the same day of the month as the day it runs from, or on the last day of the last
month when that month is too short; a period that would end on a Saturday, a Sunday or a
public holiday ends on the next working day. The public holidays are Belgium's ten legal ones.
A camera-law declaration is validated again a number of months after its last validation,
counted the same way (without moving off weekends: it is a date to plan for, not a term).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from enum import StrEnum
from functools import cache


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later, or that month's last day if it is shorter
    (31 January + 1 month = 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def easter(year: int) -> date:
    """Easter Sunday of the Gregorian calendar (the anonymous algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month = (h + leap - 7 * m + 114) // 31
    return date(year, month, (h + leap - 7 * m + 114) % 31 + 1)


@cache
def belgian_public_holidays(year: int) -> frozenset[date]:
    """Belgium's ten legal public holidays of `year`: New Year, Easter Monday, Labour Day,
    Ascension, Whit Monday, the National Day, Assumption, All Saints, Armistice, Christmas."""
    sunday = easter(year)
    fixed = [(1, 1), (5, 1), (7, 21), (8, 15), (11, 1), (11, 11), (12, 25)]
    moving = [sunday + timedelta(days=offset) for offset in (1, 39, 50)]
    return frozenset([date(year, month, day) for month, day in fixed] + moving)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in belgian_public_holidays(day.year)


def next_working_day(day: date) -> date:
    """`day` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def answer_due(received: date, months: int) -> date:
    """The last day to answer a request received on `received`, `months` months later."""
    return next_working_day(add_months(received, months))


class Urgency(StrEnum):
    """How close a date to meet is: what reminders show."""

    OK = "ok"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


def urgency(due: date, today: date, warn_days: int) -> Urgency:
    """Overdue once `today` is past `due` (the due day itself is still in time); due soon from
    `warn_days` days before it."""
    if today > due:
        return Urgency.OVERDUE
    if (due - today).days <= warn_days:
        return Urgency.DUE_SOON
    return Urgency.OK
