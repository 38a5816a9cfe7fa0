"""Post/redirect/get: what a form's POST has to tell the page it redirects to.

A form that changes something answers 303 to a GET of its page; the message ("hold
placed", a new token's secret shown once) waits here for that GET, keyed by the sign-in,
and is handed over once. Kept in memory, never in the database (a token's secret must not
be stored) and for a few minutes at most: a message not picked up in time is dropped.
Reloading the page after the redirect repeats nothing.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from fastapi import Request
from fastapi.responses import RedirectResponse

KEEP_SECONDS = 300.0


@dataclass
class Flash:
    notice: str = ""
    """A message (`belfort.i18n`), kept as it is (in memory) and put into the reader's language
    when the page shows it."""
    extra: dict[str, str] = field(default_factory=dict)
    """More for the page to show once (a new token's secret)."""


class FlashStore:
    def __init__(self) -> None:
        self._items: dict[uuid.UUID, tuple[float, Flash]] = {}
        self._lock = threading.Lock()

    def put(self, session_id: uuid.UUID, flash: Flash) -> None:
        now = time.monotonic()
        with self._lock:
            self._items = {k: v for k, v in self._items.items() if now - v[0] < KEEP_SECONDS}
            self._items[session_id] = (now, flash)

    def take(self, session_id: uuid.UUID | None) -> Flash:
        if session_id is None:
            return Flash()
        with self._lock:
            item = self._items.pop(session_id, None)
        if item is None or time.monotonic() - item[0] >= KEEP_SECONDS:
            return Flash()
        return item[1]


FLASHES = FlashStore()


def redirect_after_post(
    request: Request, target: str, notice: str, extra: Mapping[str, str] | None = None
) -> RedirectResponse:
    """303 to `target`, which shows `notice` (and `extra`) once."""
    identity = getattr(request.state, "identity", None)
    if identity is not None and identity.session_id is not None:
        FLASHES.put(identity.session_id, Flash(notice, dict(extra or {})))
    return RedirectResponse(target, status_code=303)


def taken(request: Request) -> Flash:
    """The message waiting for this page, if any (once)."""
    identity = getattr(request.state, "identity", None)
    return FLASHES.take(identity.session_id if identity is not None else None)
