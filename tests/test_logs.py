"""The process log: one JSON object a line when asked (`[server] log_format = "json"`), with
the web server's access lines broken into fields and their query strings left out; plain
lines otherwise; a bad setting is refused naming it."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from belfort.logs import log_config
from belfort.settings import ServerSettings, load_settings

Configure = Callable[[str, str], io.StringIO]


@pytest.fixture
def configure() -> Iterator[Configure]:
    """Configure logging as a Belfort process does; what its stderr handler writes is returned."""
    saved = logging.root.handlers[:], logging.root.level

    def configured(log_format: str, level: str) -> io.StringIO:
        logging.config.dictConfig(log_config(log_format, level))
        stream = io.StringIO()
        (handler,) = logging.root.handlers
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(stream)
        return stream

    yield configured
    logging.root.handlers[:] = saved[0]
    logging.root.setLevel(saved[1])


def test_json_lines_carry_the_fields_a_collector_needs_and_no_query_string(configure: Configure) -> None:
    captured = configure("json", "info")
    logging.getLogger("belfort.media.ingest").warning("camera %s went offline", "Grote Markt")
    access = ("127.0.0.1:5000", "GET", "/api/recordings/clip?link=secret-grant", "1.1", 200)
    logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', *access)
    try:
        raise ValueError("the disk is full")
    except ValueError:
        logging.getLogger("belfort.media.recorder").exception("segment not written")
    logging.getLogger("belfort.debugging").debug("not shown at level info")
    first, second, third = (json.loads(line) for line in captured.getvalue().splitlines())
    assert first["level"] == "warning" and first["logger"] == "belfort.media.ingest"
    assert first["message"] == "camera Grote Markt went offline" and first["time"].endswith("+00:00")
    assert {key: second[key] for key in ("client", "method", "path", "status")} == {
        "client": "127.0.0.1:5000",
        "method": "GET",
        "path": "/api/recordings/clip",
        "status": 200,
    }
    assert "secret-grant" not in captured.getvalue()
    assert third["message"] == "segment not written" and "ValueError: the disk is full" in third["exception"]


def test_text_lines_are_for_a_person(configure: Configure) -> None:
    captured = configure("text", "warning")
    logging.getLogger("belfort.alarms").info("not shown at level warning")
    logging.getLogger("belfort.alarms").error("receiver stopped")
    (line,) = captured.getvalue().splitlines()
    assert line.endswith("ERROR belfort.alarms: receiver stopped") and not line.startswith("{")


def test_a_bad_log_format_is_refused_naming_the_setting(tmp_path: Path) -> None:
    assert load_settings(data_dir=tmp_path, environ={"BELFORT_SERVER__LOG_FORMAT": "json"}).server.log_format == "json"
    with pytest.raises(ValidationError, match="log_format"):
        ServerSettings(log_format="xml")  # type: ignore[arg-type]
