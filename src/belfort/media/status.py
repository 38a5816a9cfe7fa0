"""Cameras' states as their recording nodes tell them, for the nodes that do not record them.

A recording node announces on the event bus (`cameras.status`) each change of a camera's
state (online, reconnecting, offline, ...), with its own name and the time. A web node
follows the topic and keeps the latest announcement per camera, so its pages show the
state of cameras another node records, and by whom. Over NATS JetStream the topic has a
durable consumer per node: a web node that restarts is handed the changes it missed, and
rebuilds the board from them. Changes are rare (a camera that drops, a camera that moves
to another node), so the stream stays small whatever the number of cameras.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from typing import Any, Protocol

log = logging.getLogger(__name__)

STATUS_TOPIC = "cameras.status"


class Bus(Protocol):
    """What the board needs of the event bus (`belfort.events`)."""

    def publish(self, topic: str, message: Any) -> int: ...

    def subscribe(self, topic: str) -> Any: ...


class StatusBoard:
    """The newest state each camera's recording node announced."""

    def __init__(self) -> None:
        self._states: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None

    def update(self, message: Any) -> None:
        if not isinstance(message, dict) or not isinstance(message.get("camera"), str):
            return
        with self._lock:
            known = self._states.get(message["camera"])
            if known is None or str(known.get("at", "")) <= str(message.get("at", "")):
                self._states[message["camera"]] = message

    def get(self, camera_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._states.get(camera_id)

    def follow(self, bus: Bus) -> None:
        """Follow the announcements on a thread of its own, until `stop`."""
        if self._thread is not None:
            return
        ready = threading.Event()

        async def run() -> None:
            self._loop, self._task = asyncio.get_running_loop(), asyncio.current_task()  # type: ignore[assignment]
            ready.set()
            async with bus.subscribe(STATUS_TOPIC) as subscription:
                while True:
                    self.update(await subscription.get())

        def main() -> None:
            with contextlib.suppress(asyncio.CancelledError):
                try:
                    asyncio.run(run())
                except Exception:
                    log.warning("camera states from other nodes are not followed", exc_info=True)
            ready.set()

        self._thread = threading.Thread(target=main, name="camera-states", daemon=True)
        self._thread.start()
        ready.wait(10)

    def stop(self) -> None:
        loop, task, thread = self._loop, self._task, self._thread
        if loop is not None and task is not None and thread is not None:
            with contextlib.suppress(RuntimeError):  # the loop has ended already
                loop.call_soon_threadsafe(task.cancel)
            thread.join(5)
        self._thread, self._loop, self._task = None, None, None
