"""In-process events: what one part of Belfort announces and others follow, such as hits.

Publishers may be any thread (a request handler, a camera's reader); subscribers are
asyncio tasks (a WebSocket). Publishing never blocks: a subscriber that falls behind
loses its oldest messages, never the publisher's time. At scale the same interface would
be served by NATS; nothing outside this module knows which.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

QUEUE_SIZE = 256


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
