"""Segments held by another node, read over HTTP from that node without transcoding.

A web node plays a range recorded by several nodes by laying the clip out from the shared
index as usual; the bytes of a segment in another node's storage folder come from that node
(`GET /internal/segments/{area}/{path}` with a byte range), under a short signed link that
carries the decision the gate took here. Segment files are written once and never change
once closed, so the bytes are kept in a small cache by block: a player's many range
requests over one clip cost a few block requests to the holder.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from belfort.errors import Unavailable
from belfort.i18n import _

BLOCK = 1 << 20
"""Bytes fetched from the holder per request (a few fragments of a typical camera)."""
CACHE_BYTES = 64 << 20
TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class RemoteArea:
    """A storage folder written by another node, and whether that node can be asked now."""

    node: str
    url: str
    up: bool


RemoteAreas = Callable[[Session], dict[str, RemoteArea]]
"""The storage folders of the platform's nodes, by id (from the nodes' heartbeats)."""


class SegmentUnavailable(Unavailable):
    """The node holding footage is down or does not answer: the footage is unavailable, not
    lost. The look was granted (and its record stays); there is nothing to serve for now."""

    status_code = 503
    retry_after = 30


class _Blocks:
    """The most recently read blocks of remote segments, up to CACHE_BYTES."""

    def __init__(self) -> None:
        self._items: OrderedDict[tuple[str, int], bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int]) -> bytes | None:
        with self._lock:
            data = self._items.get(key)
            if data is not None:
                self._items.move_to_end(key)
            return data

    def put(self, key: tuple[str, int], data: bytes) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = data
            self._size += len(data)
            while self._size > CACHE_BYTES:
                _, dropped = self._items.popitem(last=False)
                self._size -= len(dropped)


_BLOCKS = _Blocks()


@dataclass(frozen=True)
class RemoteFile:
    """A segment in another node's storage folder, closed or being written (its fragments
    indexed so far are on that node's disk)."""

    area: RemoteArea
    storage_id: str
    path: str
    link: str
    """Signed by this node (`LinkKind.NODE_SEGMENT`); the holder checks it with the shared key."""

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def url(self) -> str:
        quoted = urllib.parse.quote(self.path)
        return f"{self.area.url}/internal/segments/{self.storage_id}/{quoted}?link={urllib.parse.quote(self.link)}"

    def read(self, offset: int, size: int) -> bytes:
        parts = []
        block = offset // BLOCK
        while size > 0:
            data = self._block(block)
            within = offset - block * BLOCK
            piece = data[within : within + size]
            parts.append(piece)
            if len(data) < BLOCK or not piece:
                break  # the end of the file
            offset += len(piece)
            size -= len(piece)
            block += 1
        return b"".join(parts)

    def _block(self, index: int) -> bytes:
        key = (f"{self.storage_id}/{self.path}", index)
        cached = _BLOCKS.get(key)
        if cached is not None:
            return cached
        if not self.area.url.startswith(("http://", "https://")):  # [node] url allows nothing else
            raise self._unavailable("no HTTP address")
        start = index * BLOCK
        request = urllib.request.Request(self.url, headers={"Range": f"bytes={start}-{start + BLOCK - 1}"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310 (checked above)
                data = answer.read()
        except urllib.error.HTTPError as exc:
            if exc.code == 416:  # asked from the end of the file
                return b""
            raise self._unavailable(f"HTTP {exc.code}") from None
        except (OSError, urllib.error.URLError) as exc:
            raise self._unavailable(str(exc)) from None
        if len(data) == BLOCK:  # a segment being written grows: only a whole block is final
            _BLOCKS.put(key, data)
        return data

    def _unavailable(self, problem: str) -> SegmentUnavailable:
        return SegmentUnavailable(
            _(
                "footage held by node {node} is unavailable ({problem}); it plays again once the node answers",
                node=self.area.node,
                problem=problem[:120],
            )
        )
