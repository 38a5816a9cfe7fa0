"""Evidence package tests, with a small package builder and a zip rewriter shared by them."""

from __future__ import annotations

import random
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from belfort.evidence.package import PackageFile, write_package
from belfort.evidence.signing import SigningKey

CLIP = random.Random(7).randbytes(300_000)
TINY = b"abc"
CLIP_NAME = "01_cam-north_20240501T100000Z.mp4"
TINY_NAME = "02_tiny.mp4"
MANIFEST = {
    "case_number": "PV 2024/0815",
    "recipient": "Ethias, claims department",
    "created_at": "2024-05-01T10:00:00Z",
    "site": "PZ Test",
}
AUDIT = [
    {"seq": 41, "action": "export_evidence", "actor": "sofie", "outcome": "granted"},
    {"seq": 42, "action": "export_evidence", "actor": "sofie", "outcome": "granted"},
]
MEMBERS = [
    f"clips/{CLIP_NAME}",
    f"clips/{TINY_NAME}",
    "audit-records.jsonl",
    "README.nl.txt",
    "README.fr.txt",
    "README.de.txt",
    "README.en.txt",
    "SHA256SUMS",
    "manifest.json",
    "manifest.sig",
    "site-public-key.pem",
]


def chunks(data: bytes, size: int = 64_000) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def build_package(folder: Path, key: SigningKey, clip: bytes = CLIP) -> Path:
    """A package of one random clip (streamed in chunks) and a 3-byte one, in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "package.zip"
    files = [PackageFile(CLIP_NAME, chunks(clip)), PackageFile(TINY_NAME, [TINY])]
    write_package(target, files, MANIFEST, AUDIT, key)
    return target


def rewrite(
    source: Path,
    target: Path,
    change: Callable[[str, bytes], bytes | None] = lambda _, data: data,
    extra: dict[str, bytes] | None = None,
) -> Path:
    """Copy a zip member by member through `change` (None drops a member), then add `extra`."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info))
            if data is not None:
                new.writestr(zipfile.ZipInfo(info.filename, info.date_time), data)
        for name, data in (extra or {}).items():
            new.writestr(name, data)
    return target


def flip_byte(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]
