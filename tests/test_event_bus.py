"""Events between Belfort processes over a real nats-server with JetStream: what one node
publishes reaches the subscribers of another, a node that was away is handed what it
missed, and a server that cannot be reached is one clear error. In one process the bus is
the in-process one (tests/web, tests/anpr use it)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from belfort.app import build_services
from belfort.events import BusUnavailable, NatsBus, durable_name
from belfort.settings import SettingsError, load_settings
from tests.conftest import CHEAP_PASSWORD_HASHING
from tests.support.nats import NatsServer, NatsUnavailable

WAIT = 5.0


@pytest.fixture(scope="session")
def nats_server() -> Iterator[NatsServer]:
    server = NatsServer()
    try:
        server.start()
    except NatsUnavailable as exc:
        server.stop()
        pytest.fail(f"nats-server could not start, so the event bus tests cannot run: {exc}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def topic() -> str:
    return f"hits.{uuid.uuid4()}"


def receive(bus: NatsBus, topic: str, count: int, then: object = None) -> list[object]:
    """Subscribe on `bus`, call `then` once following, and gather `count` messages."""

    async def gather() -> list[object]:
        async with bus.subscribe(topic) as subscription:
            if callable(then):
                then()
            return [await asyncio.wait_for(subscription.get(), WAIT) for _ in range(count)]

    # A thread of its own: a browser test's Playwright may hold this thread's event loop.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, gather()).result()


def test_a_hit_published_on_one_node_reaches_a_subscriber_on_another(nats_server: NatsServer, topic: str) -> None:
    web, anpr = NatsBus(nats_server.url, "web-1"), NatsBus(nats_server.url, "anpr-1")
    try:
        hit = {"type": "hit", "plate": "1ABC123", "hotlist": "Wanted"}
        assert receive(web, topic, 1, then=lambda: anpr.publish(topic, hit)) == [hit]
        # The server's acknowledgement reaches the publisher on its own loop, maybe after the
        # subscriber had the message.
        deadline = time.monotonic() + WAIT
        while anpr.published < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert anpr.published == 1 and anpr.failed == 0
    finally:
        web.close()
        anpr.close()


def test_a_node_that_was_away_is_handed_what_it_missed(nats_server: NatsServer, topic: str) -> None:
    publisher = NatsBus(nats_server.url, "anpr-2")
    web = NatsBus(nats_server.url, "web-2")
    try:
        assert receive(web, topic, 1, then=lambda: publisher.publish(topic, {"n": 1})) == [{"n": 1}]
        web.close()  # the web node stops; its durable consumer stays on the server
        for n in (2, 3):
            publisher.publish(topic, {"n": n})
        web = NatsBus(nats_server.url, "web-2")  # and comes back
        assert receive(web, topic, 2) == [{"n": 2}, {"n": 3}]
    finally:
        web.close()
        publisher.close()


def test_an_unreachable_server_or_a_wrong_url_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BusUnavailable, match=r"the event bus at nats://127\.0\.0\.1:9 cannot be used"):
        NatsBus("nats://127.0.0.1:9", "web-1")
    with pytest.raises(SettingsError, match=r"bus\.url: .*'http://x:4222' is not a NATS URL; write it like nats://"):
        load_settings(data_dir=tmp_path, environ={"BELFORT_BUS__URL": "http://x:4222"})
    with pytest.raises(SettingsError, match=r"node\.name"):
        load_settings(data_dir=tmp_path, environ={"BELFORT_NODE__NAME": "web 1"})


def test_the_services_use_nats_when_a_url_is_set(nats_server: NatsServer, tmp_path: Path) -> None:
    environ = {
        "BELFORT_DATABASE__URL": f"sqlite:///{tmp_path / 'b.db'}",
        "BELFORT_BUS__URL": nats_server.url,
        "BELFORT_NODE__NAME": "node-a",
        **CHEAP_PASSWORD_HASHING,
    }
    services = build_services(load_settings(data_dir=tmp_path / "data", environ=environ))
    try:
        assert isinstance(services.bus, NatsBus) and services.bus.node == "node-a"
    finally:
        services.close()
    assert durable_name("node-a", "hits.1f2e") == "node-a-hits_1f2e"
