"""From a DC-09 alarm to the incident on an operator's screen, at 1, 10 and 100 alarms a second.

A `belfort serve` process on a fresh data folder (SQLite, the embedded default) seeded with a
police zone, an alarm centre with --premises premises (AES-128 keys), each with one shop camera
whose owner consented to forwarding. An operator's WebSocket (`/api/incidents/ws`, bearer token)
is open. At each rate, alarms (SIA-DCS `BA`, each from a premises not used before, so each opens
an incident and a grant) are encoded and sent over TCP by the independent transmitter
`my-dc09-spt`, one connection per alarm as that transmitter does, each from a thread of its
own, so that a slow receiver does not slow the senders down (an earlier version sent from 32
threads, and at 100/s it measured the rate the receiver let it send at, not 100/s). The latency
is from the moment the alarm was due to the incident's arrival on the WebSocket; "on screen" is
how many incidents a second reached it. An alarm the transmitter gave up on (no ACK in 10 s)
is counted and reported.

The baseline, in the same run: the same transmitter's round trip (send to ACK) to a receiver in
this process that parses, decrypts and acknowledges but stores nothing, at the same rates.
Run: `.venv/bin/python bench/alarms.py [--seconds S] [--premises N]` (about two minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from benchkit import ServeProcess, free_port, markdown  # noqa: E402
from my_dc09_spt.comm.transpathtcp import TransPathTCP  # noqa: E402
from my_dc09_spt.msg.dc03_msg import dc03_msg  # noqa: E402
from my_dc09_spt.msg.dc09_msg import dc09_msg  # noqa: E402

from belfort.alarms import dc09  # noqa: E402
from belfort.alarms.premises import ConsentSpec, PremisesSpec  # noqa: E402
from belfort.alarms.receiver import AlarmReceiver  # noqa: E402
from belfort.app import build_services  # noqa: E402
from belfort.auth.service import actor_of_user  # noqa: E402
from belfort.cameras.service import CameraSpec  # noqa: E402
from belfort.policy.model import system_actor  # noqa: E402
from belfort.settings import load_settings  # noqa: E402

RATES = (1, 10, 100)
PASSWORD = "bench-password-123"  # noqa: S105 - a throwaway account
KEY = bytes(range(16))
SETUP = system_actor("bench")


def seed(data: Path, premises: int) -> list[str]:
    """The data folder's organisations, people, cameras and premises; returns the accounts."""
    settings = load_settings(data_dir=data, environ={})
    services = build_services(settings)
    accounts = []
    try:
        with services.db.session() as session:
            people = services.accounts
            people.add_organisation(session, SETUP, "PZ Bench", "police_zone")
            people.add_organisation(session, SETUP, "Shops", "business")
            people.add_organisation(session, SETUP, "Centre", "alarm_centre")
            for name, role, org in (
                ("operator", "operator", "PZ Bench"),
                ("partner", "partner", "Shops"),
                ("centre", "admin", "Centre"),
            ):
                people.add_user(session, SETUP, username=name, role=role, organisation=org, password=PASSWORD)
            centre = actor_of_user(people.user_by_name(session, "centre"))
            partner = actor_of_user(people.user_by_name(session, "partner"))
            for i in range(premises):
                camera = services.cameras.add(
                    session,
                    SETUP,
                    CameraSpec(name=f"Shop {i:04d}", organisation="Shops", main_url="rtsp://127.0.0.1:9/x"),
                )
                account = f"{0x1000 + i:X}"
                made, _key = services.premises.add(
                    session,
                    centre,
                    PremisesSpec(
                        name=f"Premises {i:04d}",
                        subscriber="Shop",
                        address=f"Street {i}",
                        police="PZ Bench",
                        account=account,
                    ),
                )
                services.premises.set_key(session, centre, str(made.id), KEY.hex())
                services.premises.consent(session, partner, str(made.id), ConsentSpec(camera=str(camera.id)))
                accounts.append(account)
    finally:
        services.close()
    return accounts


def http_json(url: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback only
        return json.loads(answer.read())


def send(host: str, port: int, account: str, seq: int) -> None:
    """One alarm by the independent transmitter, acknowledged."""
    block = dc09_msg(account, KEY, None, 0)
    frame = block.dc09block(seq, "SIA-DCS", dc03_msg.dc03event(account, {"code": "BA", "zone": "1"})).encode()
    path = TransPathTCP(host, port, timeout=10)
    path.connect()
    answer = path.sendAndReceive(frame)
    path.disconnect()
    if answer is None or block.dc09answer(seq, answer.decode())[0] != "ACK":
        raise RuntimeError(f"alarm {account} not acknowledged: {answer!r}")


def paced(rate: int, seconds: float, job: Callable[[int], object]) -> list[float]:
    """Run job(i) at `rate` per second for `seconds`, each in a thread of its own as independent
    transmitters would (a slow receiver does not slow the senders down); returns the moment
    (epoch seconds) each job was due, from which its latency is measured."""
    count = max(int(rate * seconds), 10)
    start = time.time() + 0.2
    due = [start + i / rate for i in range(count)]
    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = []
        for i in range(count):
            delay = due[i] - time.time()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(job, i))
        failed = [error for future in futures if (error := future.exception()) is not None]
    if failed:
        print(f"{rate}/s: {len(failed)} of {count} alarms not acknowledged in time ({failed[0]})")
    return due


class Listener:
    """The operator's incident queue WebSocket, noting when each premises' incident arrives."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token
        self.arrived: dict[str, float] = {}
        self.ready = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    def start(self) -> None:
        self._thread.start()
        if not self.ready.wait(30):
            raise RuntimeError("the incident queue WebSocket did not say hello")

    async def _run(self) -> None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosedError

        try:
            await self._listen(connect)
        except ConnectionClosedError as exc:
            if exc.rcvd is None or exc.rcvd.code != 1012:  # 1012: the server is stopping, the run is over
                raise

    async def _listen(self, connect: Callable[..., Any]) -> None:
        async with connect(self.url, additional_headers={"Authorization": f"Bearer {self.token}"}) as socket:
            hello = json.loads(await socket.recv())
            if hello.get("type") != "hello":
                raise RuntimeError(f"no hello: {hello}")
            self.ready.set()
            async for message in socket:
                data = json.loads(message)
                if data.get("type") == "incident" and data.get("change") == "opened":
                    premises = (data["incident"].get("premises") or {}).get("name", "")
                    self.arrived.setdefault(premises, time.time())


def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def baseline(rates: tuple[int, ...], seconds: float) -> dict[int, tuple[float, float]]:
    """Send-to-ACK round trips to a receiver that only parses, decrypts and acknowledges."""

    class Keys:
        def key_for(self, prefix: str, account: str) -> dc09.AccountKey:
            return dc09.AccountKey(KEY)

    class Nothing:
        def dc09(self, *args: object) -> None:
            return None

        def rejected(self, *args: object) -> None:
            raise RuntimeError(f"baseline receiver rejected a message: {args[0]}")

    receiver = AlarmReceiver("127.0.0.1", 0, 0, Keys(), Nothing(), workers=4)  # type: ignore[arg-type]
    receiver.start()
    assert receiver.tcp_address is not None
    host, port = receiver.tcp_address
    figures = {}
    try:
        for rate in rates:
            acked: dict[int, float] = {}

            def trip(i: int, acked: dict[int, float] = acked) -> None:
                send(host, port, f"{0x9000 + i:X}", i % 9999 + 1)
                acked[i] = time.time()

            due = paced(rate, seconds, trip)
            figures[rate] = percentiles([(acked[i] - moment) * 1000 for i, moment in enumerate(due) if i in acked])
    finally:
        receiver.stop()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds of alarms per rate")
    parser.add_argument("--premises", type=int, default=0, help="premises to seed (default: enough for the run)")
    parser.add_argument(
        "--rates", type=int, nargs="+", default=list(RATES), help="alarms a second to measure (default: 1 10 100)"
    )
    args = parser.parse_args()
    rates = tuple(args.rates)
    needed = sum(max(int(rate * args.seconds), 10) for rate in rates)
    with tempfile.TemporaryDirectory(prefix="belfort-bench-alarms-") as folder:
        data = Path(folder) / "belfort"
        started = time.monotonic()
        accounts = seed(data, max(args.premises, needed))
        print(f"seeded {len(accounts)} premises in {time.monotonic() - started:.1f} s")
        port = free_port()
        os.environ["BELFORT_ALARMS__TCP_PORT"] = str(port)
        os.environ["BELFORT_ALARMS__UDP_PORT"] = str(port)
        server = ServeProcess(data, Path(folder) / "serve.log", recording=False)
        server.start()
        try:
            base = f"http://127.0.0.1:{server.port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    token = http_json(f"{base}/api/auth/login", {"username": "operator", "password": PASSWORD})["token"]
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)
            listener = Listener(f"ws://127.0.0.1:{server.port}/api/incidents/ws", token)
            listener.start()
            used = iter(enumerate(accounts))
            results: dict[int, tuple[float, float]] = {}
            handled: dict[int, float] = {}
            for rate in rates:
                batch = [next(used) for _ in range(max(int(rate * args.seconds), 10))]
                sent = paced(rate, args.seconds, lambda i, batch=batch: send("127.0.0.1", port, batch[i][1], i + 1))
                names = [f"Premises {n:04d}" for n, _account in batch]
                deadline = time.monotonic() + 30
                while any(name not in listener.arrived for name in names) and time.monotonic() < deadline:
                    time.sleep(0.05)
                missing = [name for name in names if name not in listener.arrived]
                if missing:
                    raise RuntimeError(f"{len(missing)} incidents never reached the WebSocket at {rate}/s")
                results[rate] = percentiles(
                    [(listener.arrived[n] - s) * 1000 for n, s in zip(names, sent, strict=True)]
                )
                finished = max(listener.arrived[n] for n in names) - sent[0]
                handled[rate] = len(names) / max(finished, len(names) / rate)
            log = server.log.read_text(errors="replace")
        finally:
            server.stop()
        bare = baseline(rates, args.seconds)
    rows = []
    for rate in rates:
        p50, p99 = results[rate]
        b50, b99 = bare[rate]
        figures = [f"{p50:.0f}", f"{p99:.0f}", f"{b50:.1f}", f"{b99:.1f}", f"{p99 / b99:.1f}x"]
        rows.append([f"{rate}/s", f"{handled[rate]:.0f}/s", *figures])
    print(f"run at {datetime.now().isoformat(timespec='seconds')}, {args.seconds:g} s per rate")
    print(
        markdown(
            [
                "rate",
                "on screen",
                "alarm to screen p50 (ms)",
                "p99 (ms)",
                "bare parse+ACK p50 (ms)",
                "p99 (ms)",
                "ratio",
            ],
            rows,
            "--: --: --: --: --: --: --:",
        )
    )
    if 100 in results:
        worst = max(p99 for _p50, p99 in results.values())
        met = "met" if results[100][1] < 1000 else "NOT met"
        print(f"target p99 < 1000 ms at 100/s: {met} (worst p99 {worst:.0f} ms)")
    errors = [line for line in log.splitlines() if "Traceback" in line or " ERROR " in line]
    if errors:
        print("the server logged errors during the run: the figures are suspect")
        first = log.index(errors[0])
        print(log[first : first + 3000])


if __name__ == "__main__":
    main()
