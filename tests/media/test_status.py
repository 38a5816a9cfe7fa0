"""The board of camera states announced by recording nodes: the newest announcement wins
whatever order they come in, and a camera announced as no longer recorded shows so."""

from __future__ import annotations

import uuid

from belfort.app import Services
from belfort.media.status import StatusBoard


def told(camera: str, node: str, state: str, at: str) -> dict[str, object]:
    return {"camera": camera, "node": node, "state": state, "since": at, "last_error": "", "at": at}


def test_the_newest_announcement_wins_whatever_order_they_arrive_in() -> None:
    board = StatusBoard()
    camera = str(uuid.uuid4())
    board.update(told(camera, "rec-2", "online", "2026-12-07T10:00:20+00:00"))
    board.update(told(camera, "rec-1", "online", "2026-12-07T10:00:00+00:00"))  # late: the camera moved since
    board.update({"camera": 7})  # not an announcement
    assert board.get(camera) == told(camera, "rec-2", "online", "2026-12-07T10:00:20+00:00")


def test_a_web_node_shows_the_state_and_the_node_another_node_announced(services: Services) -> None:
    camera = uuid.uuid4()
    assert services.media.status(camera)["state"] == "not recording"
    services.media.board.update(told(str(camera), "rec-2", "reconnecting", "2026-12-07T10:00:00+00:00"))
    status = services.media.status(camera)
    assert (status["state"], status["node"], status["fps"]) == ("reconnecting", "rec-2", 0.0)
    services.media.board.update(told(str(camera), "rec-2", "not recording", "2026-12-07T10:01:00+00:00"))
    assert services.media.status(camera) == {
        "state": "not recording",
        "since": None,
        "last_error": "",
        "fps": 0.0,
        "bitrate_kbps": 0.0,
        "node": "",
    }
