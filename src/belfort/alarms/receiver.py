"""The DC-09 receiver: TCP and UDP listeners in their own thread, and the supervision watch.

Bytes in, one reply out, as `belfort.alarms.dc09` decides; an accepted message is stored
(and acted on) before its ACK leaves, on a small worker pool so the listeners never wait on
the database. Nothing a transmitter sends can stop the receiver: every frame is answered or
dropped with a logged reason; a TCP connection that sends too much without a frame end, or
stays silent, is closed. Counters feed the receiver status page.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from belfort.alarms import dc09
from belfort.alarms.intake import AlarmIntake
from belfort.alarms.premises import PremisesService
from belfort.timeutil import Clock, utcnow

log = logging.getLogger(__name__)
READ_CHUNK = 4096
IDLE_SECONDS = 120.0
MAX_CONNECTIONS = 2000


@dataclass(frozen=True)
class ReceiverStatus:
    listening: bool
    tcp: str
    udp: str
    error: str
    started_at: datetime | None
    connections: int
    replies: dict[str, int]
    last_message_at: datetime | None


class AlarmReceiver:
    def __init__(
        self,
        host: str,
        tcp_port: int,
        udp_port: int,
        premises: PremisesService,
        intake: AlarmIntake,
        clock: Clock = utcnow,
        workers: int = 32,
    ) -> None:
        self.host = host
        self._ports = (tcp_port, udp_port)
        self.premises = premises
        self.intake = intake
        self._clock = clock
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dc09")
        self.guard = dc09.ReplayGuard()
        self._guard_lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stopping: asyncio.Event | None = None
        self.tcp_address: tuple[str, int] | None = None
        self.udp_address: tuple[str, int] | None = None
        self.error = ""
        self.started_at: datetime | None = None
        self.replies: Counter[str] = Counter()
        self.connections = 0
        self.last_message_at: datetime | None = None

    # -- the one decision per frame -------------------------------------------------------

    def answer(self, frame: bytes, transport: str, peer: str) -> bytes:
        """Decide the reply to one frame, store what it carried, and return the reply bytes."""
        now = self._clock()
        with self._guard_lock:
            outcome = dc09.receive(frame, self.premises.key_for, now, self.guard)
        self.replies[outcome.reply_kind.value] += 1
        self.last_message_at = now
        try:
            if outcome.reply_kind is dc09.ReplyKind.ACK:
                self.intake.dc09(outcome, transport, peer, now)
            else:
                self.intake.rejected(outcome, transport, peer, now, frame)
        except Exception:
            # Not stored: no ACK, so the transmitter sends it again.
            log.exception("DC-09 message from %s could not be stored; not acknowledged", peer)
            self.replies["unstored"] += 1
            return b""
        return outcome.reply

    # -- listening ------------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> None:
        """Listen on the configured ports (0: any free port); raises when neither can be bound."""
        self._thread = threading.Thread(target=self._run, name="dc09-receiver", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("the DC-09 receiver did not start")
        if self.error and self.tcp_address is None and self.udp_address is None:
            raise OSError(self.error)

    def stop(self) -> None:
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def status(self) -> ReceiverStatus:
        return ReceiverStatus(
            listening=self.tcp_address is not None or self.udp_address is not None,
            tcp=f"{self.tcp_address[0]}:{self.tcp_address[1]}" if self.tcp_address else "",
            udp=f"{self.udp_address[0]}:{self.udp_address[1]}" if self.udp_address else "",
            error=self.error,
            started_at=self.started_at,
            connections=self.connections,
            replies=dict(self.replies),
            last_message_at=self.last_message_at,
        )

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        finally:
            loop.close()

    async def _serve(self) -> None:
        self._stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        server = None
        transport = None
        errors = []
        try:
            server = await asyncio.start_server(self._connection, self.host, self._ports[0], limit=READ_CHUNK * 4)
            self.tcp_address = server.sockets[0].getsockname()[:2]
        except OSError as exc:
            errors.append(f"TCP {self.host}:{self._ports[0]}: {exc.strerror or exc}")
        try:
            transport, _protocol = await loop.create_datagram_endpoint(
                lambda: _Datagrams(self), local_addr=(self.host, self._ports[1])
            )
            self.udp_address = transport.get_extra_info("sockname")[:2]
        except OSError as exc:
            errors.append(f"UDP {self.host}:{self._ports[1]}: {exc.strerror or exc}")
        self.error = "; ".join(errors)
        if self.error:
            log.error("DC-09 receiver: %s", self.error)
        self.started_at = self._clock()
        self._ready.set()
        try:
            await self._stopping.wait()
        finally:
            if server is not None:
                server.close()
            if transport is not None:
                transport.close()
            others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer_info = writer.get_extra_info("peername")
        peer = f"{peer_info[0]}:{peer_info[1]}" if peer_info else "?"
        if self.connections >= MAX_CONNECTIONS:
            writer.close()
            return
        self.connections += 1
        buffer = bytearray()
        loop = asyncio.get_running_loop()
        try:
            while True:
                chunk = await asyncio.wait_for(reader.read(READ_CHUNK), IDLE_SECONDS)
                if not chunk:
                    break
                buffer.extend(chunk)
                for frame in dc09.split_frames(buffer):
                    reply = await loop.run_in_executor(self._pool, self.answer, frame, "tcp", peer)
                    if reply:
                        writer.write(reply)
                        await writer.drain()
                if len(buffer) > 4 * READ_CHUNK:
                    log.warning("DC-09 TCP from %s: %d bytes without a frame end; closing", peer, len(buffer))
                    break
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self.connections -= 1
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, receiver: AlarmReceiver) -> None:
        self.receiver = receiver
        self.transport: asyncio.DatagramTransport | None = None
        self.pending: set[asyncio.Task[None]] = set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | int, int]) -> None:
        task = asyncio.ensure_future(self._answer(data, addr))
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def _answer(self, data: bytes, addr: tuple[str | int, int]) -> None:
        loop = asyncio.get_running_loop()
        peer = f"{addr[0]}:{addr[1]}"
        reply = await loop.run_in_executor(self.receiver._pool, self.receiver.answer, data, "udp", peer)
        if reply and self.transport is not None:
            self.transport.sendto(reply, addr)


class SupervisionWatch:
    """Every few seconds: missing supervision polls become faults, grants that ended are noted."""

    def __init__(self, intake: AlarmIntake, grace_seconds: float, keep_days: int, interval: float = 5.0) -> None:
        self.intake = intake
        self.grace = grace_seconds
        self.keep_days = keep_days
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        def loop() -> None:
            while not self._stop.wait(self.interval):
                started = time.monotonic()
                try:
                    self.intake.supervise(self.grace, self.keep_days)
                except Exception:
                    log.exception("alarm supervision round failed")
                log.debug("supervision round took %.3f s", time.monotonic() - started)

        self._thread = threading.Thread(target=loop, name="alarm-supervision", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
