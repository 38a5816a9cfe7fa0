"""In-process events: what one part of Belfort announces and others follow, such as hits.

Publishers may be any thread (a request handler, a camera's reader); subscribers are
asyncio tasks (a WebSocket). Publishing never blocks: a subscriber that falls behind
loses its oldest messages, never the publisher's time. Several processes share events
through NATS JetStream (`NatsBus`, chosen by `[bus] url`); nothing outside this module and
the services' wiring knows which.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from belfort.errors import BelfortError

QUEUE_SIZE = 256

log = logging.getLogger(__name__)


class Subscription:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[Any] = asyncio.Queue(QUEUE_SIZE)
        self.dropped = 0

    def offer(self, message: Any) -> None:
        """Called in the subscriber's loop."""
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(message)

    async def get(self) -> Any:
        return await self.queue.get()


class EventBus:
    def __init__(self) -> None:
        self._subscribers: dict[str, set[Subscription]] = {}
        self._lock = threading.Lock()

    @asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[Subscription]:
        subscription = Subscription(asyncio.get_running_loop())
        with self._lock:
            self._subscribers.setdefault(topic, set()).add(subscription)
        try:
            yield subscription
        finally:
            with self._lock:
                self._subscribers.get(topic, set()).discard(subscription)

    def publish(self, topic: str, message: Any) -> int:
        """Hand `message` to every subscriber of `topic`; returns how many there were."""
        with self._lock:
            subscribers = list(self._subscribers.get(topic, ()))
        for subscription in subscribers:
            try:
                subscription.loop.call_soon_threadsafe(subscription.offer, message)
            except RuntimeError:  # the subscriber's loop has closed
                continue
        return len(subscribers)

    def subscribers(self, topic: str) -> int:
        with self._lock:
            return len(self._subscribers.get(topic, ()))

    def close(self) -> None:
        """Nothing to let go of in one process."""


STREAM = "BELFORT"
SUBJECT_PREFIX = "belfort."
STREAM_MAX_AGE_SECONDS = 24 * 3600
CONNECT_SECONDS = 10.0
CONNECT_ATTEMPTS = 2


class BusUnavailable(BelfortError):
    """The NATS server named in the settings cannot be reached (or has no JetStream)."""

    status_code = 503


class NatsBus:
    """The same interface over NATS JetStream, for several Belfort processes.

    Every message goes into one stream (`BELFORT`, subjects `belfort.<topic>`, kept a day).
    A process follows a topic its subscribers ask for through one durable consumer named
    after the node and the topic, so a node that restarts is handed what was published while
    it was away, and hands each message to its own subscribers as `EventBus` does. The
    connection lives on its own event loop in a thread of its own: publishers may be any
    thread, and publishing never waits for the server.
    """

    def __init__(self, url: str, node: str) -> None:
        import nats

        self.node = node
        self._local = EventBus()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="event-bus", daemon=True)
        self._thread.start()
        self._followed: dict[str, Any] = {}
        self._following = asyncio.Lock()
        self.published = 0
        self.failed = 0

        async def problem(error: Exception) -> None:
            log.warning("event bus: %s", error or type(error).__name__)

        async def connect() -> Any:
            connection = await nats.connect(
                url,
                connect_timeout=CONNECT_SECONDS,
                max_reconnect_attempts=CONNECT_ATTEMPTS,
                error_cb=problem,
                name=f"belfort-{node}",
            )
            # A few tries to start with, so that a wrong URL is one clear error; once in,
            # reconnect for as long as it takes (nats-py keeps its options in this dict).
            connection.options["max_reconnect_attempts"] = -1
            stream = connection.jetstream()
            await stream.add_stream(name=STREAM, subjects=[f"{SUBJECT_PREFIX}>"], max_age=float(STREAM_MAX_AGE_SECONDS))
            return connection, stream

        try:
            self._connection, self._stream = asyncio.run_coroutine_threadsafe(connect(), self._loop).result(
                CONNECT_SECONDS + 5
            )
        except Exception as exc:
            self._loop.call_soon_threadsafe(self._loop.stop)
            raise BusUnavailable(f"the event bus at {url} cannot be used: {exc or type(exc).__name__}") from exc

    @asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[Subscription]:
        async with self._local.subscribe(topic) as subscription:
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._follow(topic), self._loop))
            yield subscription

    async def _follow(self, topic: str) -> None:
        async with self._following:
            if topic in self._followed:
                return

            async def deliver(message: Any) -> None:
                self._local.publish(topic, json.loads(message.data))
                await message.ack()

            self._followed[topic] = await self._stream.subscribe(
                SUBJECT_PREFIX + topic, durable=durable_name(self.node, topic), cb=deliver, manual_ack=True
            )

    def publish(self, topic: str, message: Any) -> int:
        """Send `message` (JSON) to every process following `topic`; returns at once."""
        data = json.dumps(message).encode()
        sent = asyncio.run_coroutine_threadsafe(self._stream.publish(SUBJECT_PREFIX + topic, data), self._loop)
        sent.add_done_callback(self._count)
        return self._local.subscribers(topic)

    def _count(self, sent: Any) -> None:
        if sent.cancelled() or sent.exception() is not None:
            self.failed += 1
            log.warning("an event was not published: %s", sent.exception() if not sent.cancelled() else "cancelled")
        else:
            self.published += 1

    def subscribers(self, topic: str) -> int:
        return self._local.subscribers(topic)

    def close(self) -> None:
        """Let the server go (what was published is in the stream) and stop the loop."""
        try:
            asyncio.run_coroutine_threadsafe(self._connection.drain(), self._loop).result(CONNECT_SECONDS)
        except Exception:
            log.warning("the event bus connection did not drain cleanly", exc_info=True)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(CONNECT_SECONDS)


def durable_name(node: str, topic: str) -> str:
    """A consumer's name for NATS: no dots, spaces, stars or '>' in it."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in f"{node}-{topic}")
