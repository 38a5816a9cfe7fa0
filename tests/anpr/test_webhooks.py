"""Webhooks: a hit is POSTed as JSON to a real HTTP receiver on loopback, retried when the
receiver fails, and never holds up the sender of the read."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest

from belfort import i18n
from belfort.anpr.webhooks import WebhookSender


class Receiver(ThreadingHTTPServer):
    def __init__(self, failures: int = 0) -> None:
        self.received: list[dict[str, object]] = []
        self.failures = failures
        self.attempts = 0
        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hits"


class Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        self.server.attempts += 1
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.server.attempts <= self.server.failures:
            self.send_response(500)
        else:
            self.server.received.append(json.loads(body))
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver(request: pytest.FixtureRequest) -> Iterator[Receiver]:
    server = Receiver(getattr(request, "param", 0))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


HIT = {
    "type": "hit",
    "id": "h1",
    "ts": "2026-10-25T00:30:00.000000Z",
    "plate": "1ABC234",
    "display": "1-ABC-234",
    "place": "Ring Noord",
    "hotlist": "National",
    "category": "stolen",
    "priority": 1,
    "mode": "exact",
}
TEXT = (
    "Hotlist hit: 1-ABC-234 (Stolen, priority 1) on the list National, "
    "read at Ring Noord at 2026-10-25 00:30:00 +00:00."
)


def test_a_hit_reaches_the_receiver_as_json(receiver: Receiver) -> None:
    sender = WebhookSender([receiver.url], "PZ Test")
    started = time.monotonic()
    sender(HIT)
    assert time.monotonic() - started < 0.1, "queueing a hit never waits for the receiver"
    assert sender.wait_idle()
    assert receiver.received == [{**HIT, "site": "PZ Test", "text": TEXT}], "the hit's fields, and a sentence"
    assert (sender.sent, sender.failed) == (1, 0)
    sender.stop()


@pytest.mark.parametrize("receiver", [2], indirect=True)
def test_a_failing_receiver_is_tried_again(receiver: Receiver) -> None:
    sender = WebhookSender([receiver.url], "PZ Test")
    sender(HIT)
    assert sender.wait_idle(15)
    assert receiver.attempts == 3 and receiver.received == [{**HIT, "site": "PZ Test", "text": TEXT}]
    sender.stop()


def test_an_unreachable_receiver_is_given_up_after_three_tries() -> None:
    sender = WebhookSender(["http://127.0.0.1:9/nowhere"], "PZ Test")
    sender(HIT)
    assert sender.wait_idle(15)
    assert (sender.sent, sender.failed) == (0, 1)
    sender.stop()


def test_without_addresses_nothing_is_sent() -> None:
    sender = WebhookSender([], "PZ Test")
    sender(HIT)
    assert sender._thread is None


class MarkedCatalog:
    """A catalog that marks what it translates with its language."""

    def __init__(self, language: str) -> None:
        self.language = language

    def gettext(self, message: str) -> str:
        return f"[{self.language}] {message}"

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return f"[{self.language}] {singular if count == 1 else plural}"


def test_the_text_is_in_the_site_language_and_local_time(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(i18n, "translations", MarkedCatalog)
    sender = WebhookSender([receiver.url], "PZ Test", "nl", ZoneInfo("Europe/Brussels"))
    second = {**HIT, "id": "h2", "ts": "2026-10-25T01:30:00.000000Z", "mode": "equivalent"}
    sender(HIT)
    sender(second)
    assert sender.wait_idle()
    first_text, second_text = (hit["text"] for hit in receiver.received)
    assert first_text.startswith("[nl] Hotlist hit: 1-ABC-234 ([nl] Stolen, priority 1)")
    assert first_text.endswith("at 2026-10-25 02:30:00 +02:00."), "the first 02:30 of the night the clocks go back"
    assert "at 2026-10-25 02:30:00 +01:00." in second_text, "and the second"
    assert second_text.endswith("[nl] Matched only through look-alike characters: check the plate.")
    assert receiver.received[1]["ts"] == "2026-10-25T01:30:00.000000Z", "the JSON fields stay UTC"
    sender.stop()
