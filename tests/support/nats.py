"""A throw-away nats-server with JetStream (Debian's `nats-server`) on a free loopback port."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support.ports import free_port


class NatsUnavailable(RuntimeError):
    pass


class NatsServer:
    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="belfort-nats-"))
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        binary = shutil.which("nats-server") or "/usr/sbin/nats-server"
        if not Path(binary).exists():
            raise NatsUnavailable("nats-server is not installed: run scripts/install-test-deps.sh")
        self.port = free_port()
        log = (self.folder / "nats.log").open("wb")
        arguments = [binary, "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.folder / "store")]
        self.process = subprocess.Popen(arguments, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise NatsUnavailable(f"nats-server exited: {(self.folder / 'nats.log').read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise NatsUnavailable("nats-server did not accept connections in 15 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        shutil.rmtree(self.folder, ignore_errors=True)
