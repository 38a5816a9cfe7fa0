"""The site's secrets, kept in `<data>/keys/` and created on first start.

`SignedLinks` signs short-lived links that carry a decision already taken: a playback
grant lets a browser fetch the clips a consultation was authorised for without a new
decision per HTTP range request; a picture link lets the person who was shown a plate read
fetch its crop. Every link names its kind, the person and the resource, and expires; a
link of one kind is never accepted as another. `CredentialBox` encrypts camera passwords
at rest (Fernet: AES-128-CBC with HMAC-SHA256), so a copy of the database alone does not
reveal them. Files are created with mode 0600 and never leave the folder; several nodes
of one site share the folder's keys.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from belfort.i18n import _
from belfort.timeutil import Clock, utcnow


def _secret_file(path: Path, make: bytes) -> bytes:
    if path.exists():
        return path.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(make)
    return make


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class LinkKind(StrEnum):
    PLAYBACK = "playback"
    """A camera's recordings in a time range, for one person."""
    READ_PICTURE = "read-picture"
    """The pictures of one plate read, for one person."""
    ANNUAL_REPORT = "annual-report"
    """The charts of one organisation's annual report of one year, for one person."""
    NODE_LIVE = "node-live"
    """One camera's live stream on the node recording it, relayed by another node of the
    platform to viewers whose look the gate granted there."""
    NODE_SEGMENT = "node-segment"
    """One segment file of a node's storage folder, fetched by another node of the platform
    for footage whose viewing the gate granted there."""


class BadLink(Exception):
    """A link that is forged, of another kind, or expired: the message says what to do."""


class SignedLinks:
    def __init__(self, data_dir: Path, clock: Clock = utcnow) -> None:
        self._secret = _secret_file(data_dir / "keys" / "grant-secret", secrets.token_bytes(32))
        self._clock = clock

    def sign(self, kind: LinkKind, claims: dict[str, Any], ttl_seconds: int) -> str:
        expires = int(self._clock().timestamp()) + ttl_seconds
        body = _b64(json.dumps({**claims, "kind": kind.value, "exp": expires}, sort_keys=True).encode())
        mac = hmac.new(self._secret, body.encode(), hashlib.sha256).digest()
        return f"{body}.{_b64(mac)}"

    def read(self, kind: LinkKind, token: str) -> dict[str, Any]:
        """The claims of a valid, unexpired link of `kind`, or BadLink."""
        body, _sep, mac = token.partition(".")
        try:
            expected = hmac.new(self._secret, body.encode(), hashlib.sha256).digest()
            if not hmac.compare_digest(expected, _unb64(mac)):
                raise ValueError("signature")
            claims: dict[str, Any] = json.loads(_unb64(body))
        except (ValueError, TypeError):
            raise BadLink(_("this link is not valid: open the recording or the result again")) from None
        if claims.get("kind") != kind.value:
            raise BadLink(_("this link is not valid here: open the recording or the result again"))
        if not isinstance(claims.get("exp"), int) or claims["exp"] < self._clock().timestamp():
            raise BadLink(_("this link has expired: open the recording or the result again"))
        return claims


class CredentialBox:
    """Encrypts and decrypts camera passwords with the site's credentials key."""

    def __init__(self, data_dir: Path) -> None:
        self._fernet = Fernet(_secret_file(data_dir / "keys" / "credentials-key", Fernet.generate_key()))

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode("utf-8")).decode("ascii") if secret else ""

    def open(self, sealed: str) -> str:
        """The clear password; ValueError when it was sealed with another site's key."""
        if not sealed:
            return ""
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError):
            raise ValueError(_("the camera password was encrypted with another key: enter it again")) from None
