"""Webhooks: a hit is POSTed as JSON to a real HTTP receiver on loopback, retried when the
receiver fails, and never holds up the sender of the read."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

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


HIT = {"type": "hit", "id": "h1", "plate": "1ABC234", "category": "stolen", "priority": 1}


def test_a_hit_reaches_the_receiver_as_json(receiver: Receiver) -> None:
    sender = WebhookSender([receiver.url], "PZ Test")
    started = time.monotonic()
    sender(HIT)
    assert time.monotonic() - started < 0.1, "queueing a hit never waits for the receiver"
    assert sender.wait_idle()
    assert receiver.received == [{**HIT, "site": "PZ Test"}]
    assert (sender.sent, sender.failed) == (1, 0)
    sender.stop()


@pytest.mark.parametrize("receiver", [2], indirect=True)
def test_a_failing_receiver_is_tried_again(receiver: Receiver) -> None:
    sender = WebhookSender([receiver.url], "PZ Test")
    sender(HIT)
    assert sender.wait_idle(15)
    assert receiver.attempts == 3 and receiver.received == [{**HIT, "site": "PZ Test"}]
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
