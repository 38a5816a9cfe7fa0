"""A free loopback port for a server the tests start as another process.

A port the kernel hands out for `bind(0)` comes from the ephemeral range, the same range it
draws from for every outgoing connection; between our closing it and the server binding it,
a connection to PostgreSQL, NATS or a camera may take it, and the server then fails to start.
So the ports come from below that range, where the kernel never picks on its own."""

from __future__ import annotations

import random
import socket
from pathlib import Path

EPHEMERAL = Path("/proc/sys/net/ipv4/ip_local_port_range")
LOWEST = 20000


def _first_ephemeral() -> int:
    try:
        return int(EPHEMERAL.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A port nothing listens on, outside the kernel's ephemeral range when there is room."""
    below = range(LOWEST, _first_ephemeral())
    for port in random.sample(below, 50) if len(below) >= 1000 else []:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:  # a machine with a widened ephemeral range
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
