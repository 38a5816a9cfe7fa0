"""Plate crops and overview pictures of reads, as files under `<data>/anpr/`.

Only JPEG and PNG pictures are kept, never larger than the configured limit; a file is
written under a temporary name and renamed, so a reader never sees half a picture. The
database row names the file; this module never decides who may see it.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from datetime import datetime
from pathlib import Path

from belfort.errors import InvalidInput
from belfort.i18n import _

KINDS = ("crop", "overview")
SIGNATURES = {b"\xff\xd8\xff": ".jpg", b"\x89PNG\r\n\x1a\n": ".png"}
MEDIA_TYPES = {".jpg": "image/jpeg", ".png": "image/png"}


def picture_suffix(data: bytes) -> str | None:
    """`.jpg` or `.png` for a picture in one of those formats, else None."""
    return next((suffix for magic, suffix in SIGNATURES.items() if data.startswith(magic)), None)


class ImageStore:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def check(self, data: bytes, what: str) -> str:
        """The file suffix for a picture a sender attached (`what`: "crop" or "overview"), or
        InvalidInput saying what is wrong."""
        picture = _("the overview picture") if what == "overview" else _("the plate crop")
        if len(data) > self.max_bytes:
            raise InvalidInput(
                _(
                    "{picture} is {size} KB; at most {limit} KB is accepted",
                    picture=picture,
                    size=len(data) // 1024,
                    limit=self.max_bytes // 1024,
                )
            )
        suffix = picture_suffix(data)
        if suffix is None:
            raise InvalidInput(_("{picture} is not a JPEG or PNG picture", picture=picture))
        return suffix

    def save(self, read_id: uuid.UUID, kind: str, when: datetime, data: bytes) -> str:
        """Write the picture and return its path relative to the root."""
        suffix = self.check(data, kind)
        relative = f"{when:%Y/%m/%d}/{read_id}-{kind}{suffix}"
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, draft = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            os.replace(draft, target)
        except BaseException:
            Path(draft).unlink(missing_ok=True)
            raise
        return relative

    def path(self, relative: str) -> Path | None:
        """The file of a stored picture, if it is still there (and inside the root)."""
        if not relative:
            return None
        target = (self.root / relative).resolve()
        if not target.is_relative_to(self.root.resolve()) or not target.is_file():
            return None
        return target

    def delete(self, relative: str) -> None:
        target = self.path(relative)
        if target is not None:
            target.unlink(missing_ok=True)
