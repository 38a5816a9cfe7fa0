"""How a Belfort process writes its log: plain lines for a person at a terminal, or one JSON
object per line for a log collector (`[server] log_format = "json"`).

A JSON line has `time` (UTC, milliseconds), `level`, `logger` and `message`, the exception's
traceback under `exception` when there is one, and for the web server's access lines
`client`, `method`, `path` (without its query string: playback links carry their grant
there) and `status`. The log is for operating the platform; who looked at what is in the
audit log, not here.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonLines(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, _version, status = record.args
            entry.update(client=str(client), method=str(method), path=str(path).split("?", 1)[0], status=status)
            entry["message"] = f"{entry['method']} {entry['path']} {status}"
        else:
            entry["message"] = record.getMessage()
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_config(log_format: str, level: str) -> dict[str, Any]:
    """A `logging.config.dictConfig` for the process and its web server (uvicorn's
    `log_config`): every logger, Belfort's and the server's, through one handler on stderr."""
    formatter: dict[str, Any] = (
        {"()": JsonLines} if log_format == "json" else {"format": TEXT_FORMAT, "datefmt": "%Y-%m-%dT%H:%M:%S%z"}
    )
    upper = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"belfort": formatter},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "belfort", "stream": "ext://sys.stderr"}
        },
        "root": {"handlers": ["stderr"], "level": upper},
        "loggers": {
            name: {"handlers": [], "level": upper, "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }
