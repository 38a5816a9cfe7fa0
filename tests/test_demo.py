"""`belfort demo` on an empty folder: seeds the demo site, prints the accounts, serves."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx

BELFORT = str(Path(sys.executable).parent / "belfort")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_demo_seeds_prints_and_serves(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    port = free_port()
    env = {**os.environ, "BELFORT_CONFIG": "", "BELFORT_DATABASE__URL": ""}
    process = subprocess.Popen(
        [BELFORT, "demo", "--data", str(data), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 60
        assert process.stdout is not None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            lines.append(line)
            if "Open http://" in line:
                break
        output = "".join(lines)
        accounts = dict(re.findall(r"^(\w+)\s+\w+\s+.+?\s+(\S+)$", output, re.MULTILINE))
        assert {"operator", "inspector", "supervisor", "dpo", "admin", "shop", "city"} <= set(accounts)
        base = f"http://127.0.0.1:{port}"
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        login = httpx.post(f"{base}/api/auth/login", json={"username": "dpo", "password": accounts["dpo"]})
        assert login.status_code == 200
        orgs = httpx.get(f"{base}/api/auth/me", headers={"Authorization": f"Bearer {login.json()['token']}"})
        assert orgs.json()["organisation"] == "Politiezone Demo"
    finally:
        process.terminate()
        process.wait(timeout=15)
    again = subprocess.run(
        [BELFORT, "demo", "--data", str(data), "--no-serve"], capture_output=True, text=True, env=env
    )
    assert again.returncode == 0
    assert accounts["operator"] in again.stdout
    assert (data / "belfort.db").exists() and oct((data / "demo-credentials.txt").stat().st_mode)[-3:] == "600"
