"""Webhooks: every new hit POSTed as JSON to the configured addresses, from a thread.

`WebhookSender` itself knows nothing of hits but the sentence it adds to them: given another
`describe`, it sends other messages the same way (access request decisions, in
`belfort.sharing.requests`).

Besides the hit's fields (UTC times, as in the API), `text` says what happened in a
sentence in the site's language, with the time local to the site, for a receiver that
passes it on to people (a chat channel, a text message).

Ingestion never waits for a webhook: hits are queued and sent by one thread, each tried
up to three times with a growing pause. A receiver that is down loses nothing while the
queue has room (10,000 hits); past that the oldest are dropped, and both are logged.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from datetime import UTC, tzinfo
from typing import Any

from belfort.anpr.hotlists import CATEGORY_LABELS
from belfort.i18n import _, format_datetime, translate
from belfort.timeutil import parse_iso

log = logging.getLogger(__name__)

ATTEMPTS = 3
TIMEOUT_SECONDS = 5.0
QUEUE_SIZE = 10_000


def hit_text(message: dict[str, Any], language: str, zone: tzinfo) -> str:
    """The hit in a sentence or two for a person, in `language`, its time local to `zone`."""
    try:
        when = format_datetime(parse_iso(str(message.get("ts", ""))), language, zone, "yyyy-MM-dd HH:mm:ss xxx")
    except ValueError:
        when = str(message.get("ts", ""))
    category = str(message.get("category", ""))
    text = translate(
        _(
            "Hotlist hit: {plate} ({category}, priority {priority}) on the list {hotlist}, read at {place} at {time}.",
            plate=message.get("display") or message.get("plate", ""),
            category=CATEGORY_LABELS.get(category, category),
            priority=message.get("priority", ""),
            hotlist=message.get("hotlist", ""),
            place=message.get("place", ""),
            time=when,
        ),
        language,
    )
    if message.get("mode") == "equivalent":
        warning = _("Matched only through look-alike characters: check the plate.")
        text = " ".join((text, translate(warning, language)))
    return text


def describe_hit(message: dict[str, Any], language: str, zone: tzinfo) -> str:
    """The `text` of a hit message; none for other messages."""
    return hit_text(message, language, zone) if message.get("type") == "hit" else ""


Describe = Callable[[dict[str, Any], str, tzinfo], str]
"""A message's sentence for a person (`text`) in the site's language and zone; "" for none."""


class WebhookSender:
    def __init__(
        self,
        urls: Sequence[str],
        site: str,
        language: str = "en",
        zone: tzinfo = UTC,
        describe: Describe = describe_hit,
        name: str = "anpr-webhooks",
    ) -> None:
        self.urls = list(urls)
        self.site = site
        self.language = language
        """The site's language, for the `text` of each message."""
        self.zone = zone
        self.describe = describe
        self.name = name
        """The sending thread's name."""
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue(QUEUE_SIZE)
        self._thread: threading.Thread | None = None
        self.sent = 0
        self.failed = 0

    def __call__(self, message: dict[str, Any]) -> None:
        """Queue a message for every address (for hits, the listener `ReadService.announce` calls)."""
        if not self.urls:
            return
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()
        body = {**message, "site": self.site}
        text = self.describe(message, self.language, self.zone)
        if text:
            body["text"] = text
        try:
            self._queue.put_nowait(body)
        except queue.Full:
            self._queue.get_nowait()
            self._queue.put_nowait(body)
            log.warning("webhook queue full: the oldest message was dropped")

    def stop(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout=TIMEOUT_SECONDS * ATTEMPTS)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._queue.unfinished_tasks == 0:
                return True
            time.sleep(0.02)
        return False

    def _run(self) -> None:
        while True:
            message = self._queue.get()
            try:
                if message is None:
                    return
                body = json.dumps(message).encode()
                for url in self.urls:
                    self._send(url, body)
            finally:
                self._queue.task_done()

    def _send(self, url: str, body: bytes) -> None:
        for attempt in range(ATTEMPTS):
            request = urllib.request.Request(  # noqa: S310 - addresses are http(s), checked in settings
                url, data=body, headers={"Content-Type": "application/json", "User-Agent": "Belfort"}, method="POST"
            )
            try:
                with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                    if 200 <= response.status < 300:
                        self.sent += 1
                        return
            except (urllib.error.URLError, OSError, ValueError) as exc:
                log.warning("webhook %s failed (attempt %d): %s", url, attempt + 1, exc)
            time.sleep(2**attempt * 0.5)
        self.failed += 1
