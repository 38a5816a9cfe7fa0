"""The site's evidence signing key: one Ed25519 key in `<data>/keys/evidence-ed25519.pem`.

Every evidence package carries this key's signature over its manifest and the public
half, so anyone can check a package offline with standard tools. The private key is
created at first use (PKCS8 PEM, mode 0600, folder 0700) and never leaves its folder.
The fingerprint, the SHA-256 of the raw 32-byte public key, is what the site publishes
so that a recipient can tell its key from one an impostor put in a package.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from belfort.errors import BelfortError

KEY_FILE = Path("keys") / "evidence-ed25519.pem"


class SigningKeyError(BelfortError):
    """The key file exists but cannot be used; the message says how to recover."""


class SigningKey:
    """The site's signing key, read from (or created in) `<data_dir>/keys/` at first use."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / KEY_FILE
        self._key: Ed25519PrivateKey | None = None

    def sign(self, data: bytes) -> bytes:
        """The raw 64-byte Ed25519 signature over `data`."""
        return self._private().sign(data)

    def public_pem(self) -> bytes:
        """The public key as a PEM SubjectPublicKeyInfo, as `openssl pkeyutl -pubin` reads it."""
        return (
            self._private()
            .public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )

    def fingerprint(self) -> str:
        """SHA-256 of the raw public key, 64 lowercase hex digits."""
        return _fingerprint(self._private().public_key())

    def _private(self) -> Ed25519PrivateKey:
        if self._key is None:
            self._key = _load_or_create(self.path)
        return self._key


def readable_fingerprint(fingerprint: str) -> str:
    """The fingerprint in groups of four, for reading aloud: `ab12 cd34 …`."""
    return " ".join(fingerprint[index : index + 4] for index in range(0, len(fingerprint), 4))


def load_public_key(public_pem: bytes) -> Ed25519PublicKey:
    """The Ed25519 public key in a PEM; ValueError when it is anything else."""
    try:
        key = serialization.load_pem_public_key(public_pem)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ValueError(f"not a PEM public key: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def canonical_public_pem(public_pem: bytes) -> bytes:
    """The PEM as `SigningKey.public_pem` writes it for the same key: a key file that differs
    from it in any byte (even whitespace a PEM reader skips) was altered."""
    return load_public_key(public_pem).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def fingerprint_of(public_pem: bytes) -> str:
    """The fingerprint of a PEM public key, as `SigningKey.fingerprint` gives it."""
    return _fingerprint(load_public_key(public_pem))


def verify_signature(public_pem: bytes, data: bytes, signature: bytes) -> bool:
    """Whether `signature` is the key's signature over `data`; ValueError for an unreadable key."""
    try:
        load_public_key(public_pem).verify(signature, data)
    except InvalidSignature:
        return False
    return True


def _fingerprint(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def _load(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise SigningKeyError(
            f"the evidence signing key {path} cannot be read ({exc}): restore it from a backup; "
            "deleting it makes a new key whose fingerprint the site must publish again"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"the evidence signing key {path} is not an Ed25519 key: restore it from a backup")
    return key


def _load_or_create(path: Path) -> Ed25519PrivateKey:
    """Read the key, or create it; the file appears complete or not at all, and a key
    another process created first wins."""
    if path.exists():
        return _load(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(draft, path)
    except FileExistsError:
        return _load(path)
    finally:
        draft.unlink(missing_ok=True)
    return key
