"""`belfort demo` as a user starts it: a separate process on a free port, on an empty folder."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx

from tests.support.ports import free_port

BELFORT = str(Path(sys.executable).parent / "belfort")
DEMO_ENV = {**os.environ, "BELFORT_CONFIG": "", "BELFORT_DATABASE__URL": ""}


@dataclass(frozen=True)
class RunningDemo:
    base_url: str
    accounts: dict[str, str]
    """Password by user name, as the demo printed them."""


@contextmanager
def running_demo(data: Path, timeout: float = 90.0) -> Iterator[RunningDemo]:
    """Start `belfort demo --data DATA`, wait until it prints the accounts and answers health."""
    port = free_port()
    process = subprocess.Popen(
        [BELFORT, "demo", "--data", str(data), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=DEMO_ENV,
    )
    try:
        lines: list[str] = []
        deadline = time.monotonic() + timeout
        assert process.stdout is not None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            lines.append(line)
            if "Open http://" in line or (not line and process.poll() is not None):
                break
        output = "".join(lines)
        accounts = dict(re.findall(r"^(\w+)\s+\w+\s+.+?\s+(\S+)$", output, re.MULTILINE))
        base = f"http://127.0.0.1:{port}"
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise AssertionError(f"the demo did not answer within {timeout} s; it printed:\n{output}")
        yield RunningDemo(base, accounts)
    finally:
        process.terminate()
        process.wait(timeout=15)
