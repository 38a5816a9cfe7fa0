"""What the benchmarks share: a `belfort serve` process to measure, CPU and memory from /proc,
and a markdown table for docs/performance.md.

Each benchmark measures its own server the same way, so their figures compare: the server
runs as its own process (its CPU is not the client's), and a log that shows a warning or an
error makes a run suspect rather than silently slower.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' support: ports, servers

from tests.support.ports import free_port

BELFORT = str(Path(sys.executable).parent / "belfort")
TICKS = os.sysconf("SC_CLK_TCK")
PROBLEM_WORDS = ("WARNING", "ERROR", "CRITICAL", "Traceback", "Exception")


class ServeProcess:
    """`belfort serve --data DATA --port PORT` with its output in `log`, on the embedded
    database of the data folder (a configuration file or database URL of the caller's
    environment is ignored); `recording=False` keeps it from starting camera recording."""

    def __init__(self, data: Path, log: Path, recording: bool = True) -> None:
        self.data = data
        self.log = log
        self.port = free_port()
        self.recording = recording
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, "BELFORT_CONFIG": "", "BELFORT_DATABASE__URL": ""}
        if not self.recording:
            env["BELFORT_RECORDING__AUTOSTART"] = "false"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [BELFORT, "serve", "--data", str(self.data), "--port", str(self.port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def check_running(self) -> None:
        """Raise with the log's end when the server has exited."""
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"belfort serve exited ({self.process.returncode}):\n{self.log_tail()}")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def problems(self) -> list[str]:
        """The log's lines that tell of a warning or an error."""
        lines = self.log.read_text(errors="replace").splitlines()
        return [line for line in lines if any(word in line for word in PROBLEM_WORDS)]


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                continue
    found, frontier = [pid], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and every process below it, from /proc."""
    total = 0
    for each in descendants(pid):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICKS


def pss_mb(pid: int) -> float:
    """Proportional set size of a process and every process below it, in MiB."""
    total = 0
    for each in descendants(pid):
        try:
            for line in Path(f"/proc/{each}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total / 1024


def machine_busy_seconds() -> float:
    """CPU time all cores spent not idle (from /proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / TICKS


def markdown(header: list[str], rows: list[list[str]], align: str) -> str:
    """A markdown table; `align` holds one `--:`, `:--` or `---` per column, space-separated."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align.split()) + "|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join(lines)
