"""Read loops: a few threads read every camera connection of a node (docs/design/read-loops.md).

A thread per camera made 200 cameras 200 threads waking on every packet, all wanting
Python's one interpreter lock: a thread could wait seconds for it (starting one took up to
3.9 s at 200 cameras), so camera holds were renewed late and connections backed up. Instead,
each connection, once opened, is handed to one of a few loops (one per core by default);
a loop waits on all its sockets with one `select`, and for a readable one receives what
arrived, cuts it into access units and delivers the frames, all on its own thread. Every
`TICK_SECONDS` it also sends keep-alives, fails connections silent for the read timeout and
lets go of those whose camera is stopping. A connection stays on one loop from its opening
to its end, so a camera's frames always come from one thread, in order.

Opening (and reconnecting, with its back-off) stays with the camera's own thread, which
sleeps while its connection is on a loop.
"""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import threading
import time
from collections.abc import Callable
from typing import Protocol

from belfort.media.frames import SourceError

log = logging.getLogger(__name__)

TICK_SECONDS = 0.2
"""How often a loop checks time limits and stop requests (also the longest a stop waits)."""


class Readable(Protocol):
    """A connection a loop can read: Belfort's RTSP client (`belfort.media.rtsp`)."""

    def fileno(self) -> int: ...

    def unblock(self) -> None: ...

    def receive(self) -> bool: ...

    def tick(self, now: float) -> None: ...


class Reading:
    """One connection on a loop, until it ends: `done` is set with the `reason`."""

    def __init__(
        self, source: Readable, deliver: Callable[[], None], stopping: Callable[[], bool], loop: ReadLoop
    ) -> None:
        self.source = source
        self.deliver = deliver
        """Takes the units the last receive left (called on the loop's thread)."""
        self.stopping = stopping
        self.loop = loop
        self.done = threading.Event()
        self.reason = ""

    def wait(self) -> str:
        """Until the connection has left the loop; why it did."""
        self.done.wait()
        return self.reason


class ReadLoop:
    """One thread reading many connections."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._selector = selectors.DefaultSelector()
        self._waker, self._wakee = socket.socketpair()
        self._waker.setblocking(False)
        self._wakee.setblocking(False)
        self._selector.register(self._wakee, selectors.EVENT_READ, None)
        self._arriving: list[Reading] = []
        self._readings: dict[int, Reading] = {}
        self._lock = threading.Lock()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def __len__(self) -> int:
        return len(self._readings) + len(self._arriving)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """End every connection still on the loop ("recorder stopped") and the thread."""
        self._stop = True
        self._wake()
        if self._thread.ident is not None:  # started
            self._thread.join(10)

    def add(self, source: Readable, deliver: Callable[[], None], stopping: Callable[[], bool]) -> Reading:
        """Put an opened connection on this loop (from any thread)."""
        source.unblock()
        reading = Reading(source, deliver, stopping, self)
        with self._lock:  # the loop ends under this lock too: a connection is never left waiting
            if self._stop or not self._thread.is_alive():  # stopped, or never started
                reading.reason = "recorder stopped"
                reading.done.set()
                return reading
            self._arriving.append(reading)
        self._wake()
        return reading

    def _wake(self) -> None:
        with contextlib.suppress(OSError):  # full: a wake-up is pending already
            self._waker.send(b"\0")

    def _run(self) -> None:
        next_tick = time.monotonic() + TICK_SECONDS
        try:
            while not self._stop:
                self._take_arrivals()
                for key, _events in self._selector.select(max(0.0, next_tick - time.monotonic())):
                    if key.data is None:
                        with contextlib.suppress(OSError):
                            self._wakee.recv(4096)
                    else:
                        self._read(key.data)
                now = time.monotonic()
                if now >= next_tick:
                    next_tick = now + TICK_SECONDS
                    self._tick(now)
        except Exception:
            log.exception("%s: the read loop failed; its cameras reconnect", self.name)
        finally:
            with self._lock:
                self._stop = True
            self._take_arrivals()
            for reading in list(self._readings.values()):
                self._end(reading, "recorder stopped")

    def _take_arrivals(self) -> None:
        with self._lock:
            arriving, self._arriving = self._arriving, []
        for reading in arriving:
            try:
                descriptor = reading.source.fileno()
                self._selector.register(descriptor, selectors.EVENT_READ, reading)
            except (SourceError, OSError, ValueError) as exc:
                self._end(reading, str(exc) or "the connection to the camera is closed")
                continue
            self._readings[descriptor] = reading

    def _read(self, reading: Reading) -> None:
        try:
            if not reading.source.receive():
                self._end(reading, "the camera ended the stream")
                return
            reading.deliver()
        except SourceError as exc:
            self._end(reading, str(exc))
        except Exception:
            log.exception("%s: reading a camera failed", self.name)
            self._end(reading, "the camera's stream could not be read")

    def _tick(self, now: float) -> None:
        for reading in list(self._readings.values()):
            if reading.stopping():
                self._end(reading, "recorder stopped")
                continue
            try:
                reading.source.tick(now)
            except SourceError as exc:
                self._end(reading, str(exc))

    def _end(self, reading: Reading, reason: str) -> None:
        if reading.done.is_set():
            return
        for descriptor, known in list(self._readings.items()):
            if known is reading:
                del self._readings[descriptor]
                with contextlib.suppress(KeyError, ValueError, OSError):
                    self._selector.unregister(descriptor)
        reading.reason = reason
        reading.done.set()


class ReadLoops:
    """The node's read loops; a new connection goes to the least busy."""

    def __init__(self, count: int) -> None:
        self.count = max(1, count)
        self.loops = self._new_loops()
        self._lock = threading.Lock()
        self._started = False

    def _new_loops(self) -> list[ReadLoop]:
        return [ReadLoop(f"camera-reads-{index}") for index in range(self.count)]

    def start(self) -> None:
        with self._lock:
            if not self._started:
                for loop in self.loops:
                    loop.start()
                self._started = True

    def stop(self) -> None:
        """Stop the loops; a later `start` starts new ones (the media service may start again)."""
        with self._lock:
            loops, self.loops, self._started = self.loops, self._new_loops(), False
        for loop in loops:
            loop.stop()

    def add(self, source: Readable, deliver: Callable[[], None], stopping: Callable[[], bool]) -> Reading:
        with self._lock:
            loop = min(self.loops, key=len)
            return loop.add(source, deliver, stopping)
