"""Webhooks: every new hit POSTed as JSON to the configured addresses, from a thread.

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
from collections.abc import Sequence
from typing import Any

log = logging.getLogger(__name__)

ATTEMPTS = 3
TIMEOUT_SECONDS = 5.0
QUEUE_SIZE = 10_000


class WebhookSender:
    def __init__(self, urls: Sequence[str], site: str) -> None:
        self.urls = list(urls)
        self.site = site
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue(QUEUE_SIZE)
        self._thread: threading.Thread | None = None
        self.sent = 0
        self.failed = 0

    def __call__(self, message: dict[str, Any]) -> None:
        """Queue a hit for every address (the listener `ReadService.announce` calls)."""
        if not self.urls:
            return
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="anpr-webhooks", daemon=True)
            self._thread.start()
        try:
            self._queue.put_nowait({**message, "site": self.site})
        except queue.Full:
            self._queue.get_nowait()
            self._queue.put_nowait({**message, "site": self.site})
            log.warning("webhook queue full: the oldest hit was dropped")

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
