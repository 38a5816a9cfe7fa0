"""What every request and answer goes through, whichever route serves it.

- Headers: a Content-Security-Policy that lets pages run only this site's own scripts,
  styles and media (no inline code, no framing), `nosniff`, and no Referer: links carry
  signed grants in their query, which must not leak to another site. Pictures may also come
  from the map's tile server when `map.tile_url` names one (`security_headers`).
- Text: no name or free text needs the C0 control characters, and PostgreSQL refuses NUL
  in text (a 500 otherwise). Tab and line breaks are kept; the others are refused with a
  422 naming the field, in JSON bodies (`refuse_control_characters`, a validator of every
  request model) and in the path, query and form fields (`refuse_control_characters_in_request`).
- A busy database (a lock held longer than `database.busy_timeout_seconds`, too many
  connections) is answered 503 with Retry-After, never 500. Any other database error is
  never turned into a 4xx or 503 here: it still propagates.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import suppress
from urllib.parse import urlsplit

from fastapi import status
from fastapi.exceptions import WebSocketException
from pydantic_core import PydanticCustomError
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from belfort.errors import BelfortError, InvalidInput
from belfort.i18n import Message as Text
from belfort.i18n import _
from belfort.settings import TILE_HOST, DatabaseSettings


def content_security_policy(image_sources: Iterable[str] = ()) -> str:
    """The policy of every answer; `image_sources` are further hosts pictures may come from."""
    images = " ".join(["'self' data: blob:", *image_sources])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {images}",
            "media-src 'self' blob:",
            "connect-src 'self'",
            "object-src 'none'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'self'",
        ]
    )


def tile_source(tile_url: str) -> str:
    """The policy's source for the map's tile server: the scheme and host of `tile_url`, a
    placeholder label (`{s}.tile.example.org`) as `*`. ValueError for a host it cannot name."""
    parts = urlsplit(tile_url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or TILE_HOST.fullmatch(host) is None:
        raise ValueError(f"map.tile_url: cannot allow tiles from {tile_url!r}")
    host = re.sub(r"^\{[a-z]\}", "*", host)
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


def security_headers(tile_url: str = "") -> dict[str, str]:
    """The headers every answer carries; with a tile server, its pictures are allowed too."""
    return {
        "Content-Security-Policy": content_security_policy([tile_source(tile_url)] if tile_url else []),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }


CONTENT_SECURITY_POLICY = content_security_policy()
SECURITY_HEADERS = security_headers()
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""C0 controls except tab, line feed and carriage return (forms send line breaks as CR LF)."""
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class SecurityHeaders:
    """ASGI middleware: every HTTP answer gets `headers` (SECURITY_HEADERS unless given), unless
    it sets one itself."""

    def __init__(self, app: ASGIApp, headers: Mapping[str, str] = SECURITY_HEADERS) -> None:
        self.app = app
        self.headers = dict(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


# -- control characters -----------------------------------------------------------------


def control_character(text: str) -> str | None:
    """The first control character Belfort refuses in `text`, as `U+0000`, or None."""
    found = CONTROL_CHARACTER.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def refusal(code: str) -> Text:
    """Why a text holding the control character `code` is refused (after the field's name)."""
    return _("contains control characters (such as {code}), which Belfort does not accept: remove them", code=code)


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)


def refuse_control_characters(value: object) -> object:
    """A pydantic validator: `value` unchanged, or a validation error when a string in it
    (also inside lists and mappings) holds a refused control character."""
    for text in _strings(value):
        code = control_character(text)
        if code is not None:
            raise PydanticCustomError("control_character", refusal(code), {"code": code})
    return value


def _printable(name: str) -> str:
    return CONTROL_CHARACTER.sub(lambda found: f"\\x{ord(found.group()):02x}", name)


async def _form_fields(request: Request) -> list[tuple[str, str]]:
    with suppress(RuntimeError):  # raised when the route's form parameters were read first
        await request.body()  # kept, so that a route reading the raw body still can
    form = await request.form()
    return [(name, value) for name, value in form.multi_items() if isinstance(value, str)]


def _first_refused(fields: Iterable[tuple[str, str]], prefix: str = "") -> Text | None:
    """`<prefix><name>: <why>.` for the first field whose name or value holds a refused
    control character, or None."""
    for name, value in fields:
        code = control_character(name) or control_character(value)
        if code is not None:
            return _("{field}: {problem}.", field=prefix + _printable(name), problem=refusal(code))
    return None


async def refuse_control_characters_in_request(connection: HTTPConnection) -> None:
    """An application-wide dependency: InvalidInput (422, an error page for pages) naming
    the path, query or form field that holds a refused control character, before any
    route reads it. A WebSocket is closed with the same reason."""
    problem = _first_refused([("path", connection.scope["path"])]) or _first_refused(
        connection.query_params.multi_items(), "query."
    )
    if connection.scope["type"] == "websocket":
        if problem is not None:
            raise WebSocketException(status.WS_1008_POLICY_VIOLATION, problem[:120])
        return
    form = connection.headers.get("content-type", "").lower().startswith(FORM_TYPES)
    if problem is None and form and isinstance(connection, Request):
        problem = _first_refused(await _form_fields(connection))
    if problem is not None:
        raise InvalidInput(problem)


# -- a busy database --------------------------------------------------------------------


class DatabaseBusy(BelfortError):
    """Another request holds what this one needs (or every connection): try again soon."""

    status_code = 503

    def __init__(self, retry_after: int) -> None:
        super().__init__(_("The database is busy; try again in {seconds} s.", seconds=retry_after))
        self.retry_after = retry_after


def retry_after_seconds(database: DatabaseSettings) -> int:
    """What a busy answer tells the client to wait: as long as the request waited itself."""
    return max(1, math.ceil(database.busy_timeout_seconds))
