"""The site's secrets, kept in `<data>/keys/` and created on first start.

`grant_secret` signs short-lived grants (for example a playback grant that lets a
browser fetch the segments a consultation was authorised for, without a new decision
per HTTP range request). Files are created with mode 0600 and never leave the folder.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from pathlib import Path
from typing import Any

from belfort.errors import Forbidden


def _secret_file(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    value = secrets.token_bytes(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(value)
    return value


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SiteKeys:
    def __init__(self, data_dir: Path) -> None:
        self.grant_secret = _secret_file(data_dir / "keys" / "grant-secret")

    def sign_grant(self, claims: dict[str, Any], ttl_seconds: int) -> str:
        body = _b64(json.dumps({**claims, "exp": int(time.time()) + ttl_seconds}, sort_keys=True).encode())
        mac = hmac.new(self.grant_secret, body.encode(), hashlib.sha256).digest()
        return f"{body}.{_b64(mac)}"

    def read_grant(self, token: str) -> dict[str, Any]:
        """The claims of a valid, unexpired grant, or Forbidden."""
        body, _, mac = token.partition(".")
        try:
            expected = hmac.new(self.grant_secret, body.encode(), hashlib.sha256).digest()
            if not hmac.compare_digest(expected, _unb64(mac)):
                raise ValueError("signature")
            claims: dict[str, Any] = json.loads(_unb64(body))
        except (ValueError, TypeError):
            raise Forbidden("this playback link is not valid: open the recording again") from None
        if claims.get("exp", 0) < time.time():
            raise Forbidden("this playback link has expired: open the recording again")
        return claims
