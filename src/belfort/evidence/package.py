"""Evidence packages: one zip that proves which footage was handed over, checkable offline.

A package holds the clips (`clips/`), the audit records of the decisions that allowed
the export, a README for a recipient without Belfort in each of Belfort's languages
(`README.nl.txt`, `README.fr.txt`, `README.de.txt`, `README.en.txt`, see
`belfort.evidence.readme`), `SHA256SUMS`, and `manifest.json`,
which lists every one of those files with its size and SHA-256 and is signed (Ed25519,
`manifest.sig`) by the site key whose public half travels along (`site-public-key.pem`).
Clips are streamed and hashed on the way in and out, never held whole in memory; a
package appears under its final name only once complete; `verify_package` reports what
is wrong with a package and never raises for a bad one. A package unzipped and zipped
again still verifies: the folder entries a zip tool adds (`clips/`) are not files, unless
one carries data or hides a file's name.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
import unicodedata
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from belfort.evidence.readme import README_FILES, readme_text
from belfort.evidence.signing import (
    SigningKey,
    canonical_public_pem,
    fingerprint_of,
    verify_signature,
)

FORMAT = "belfort-evidence/1"
CLIPS = "clips/"
AUDIT_RECORDS = "audit-records.jsonl"
SUMS = "SHA256SUMS"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PUBLIC_KEY = "site-public-key.pem"
UNLISTED = (MANIFEST, SIGNATURE, PUBLIC_KEY)
"""The files the manifest cannot list: itself and what proves it."""
SET_BY_PACKAGE = ("files", "format", "signing_key_fingerprint")
"""Manifest keys `write_package` fills in; a caller's manifest must not hold them."""

CHUNK = 1 << 20
MAX_SIGNED_PART = 64 << 20
"""Largest manifest, signature or key `verify_package` reads whole."""
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    RuntimeError,
    ValueError,
)
"""What reading a damaged or hostile zip can raise (RuntimeError: encrypted members,
unknown compression methods, nesting too deep for the JSON parser)."""
ZipTime = tuple[int, int, int, int, int, int]


@dataclass
class PackageFile:
    """A clip to put in the package as `clips/<name>`; `chunks` is read once, in order."""

    name: str
    chunks: Iterable[bytes]


@dataclass
class VerifyResult:
    ok: bool
    problems: list[str]
    manifest: dict[str, Any] | None
    """As read from the package: trust it only when `ok`."""
    fingerprint: str
    """Of the package's `site-public-key.pem`; empty when it cannot be read."""


def write_package(
    target: Path,
    files: Sequence[PackageFile],
    manifest: Mapping[str, Any],
    audit_records: Sequence[Mapping[str, Any]],
    key: SigningKey,
) -> dict[str, Any]:
    """Write the signed package at `target` (never over an existing file) and return its manifest."""
    _check_clip_names([item.name for item in files])
    taken = [name for name in SET_BY_PACKAGE if name in manifest]
    if taken:
        raise ValueError(f"the manifest must not set {', '.join(taken)}: the package fills them in")
    if target.exists():
        raise FileExistsError(f"{target} exists: an evidence package is never overwritten")
    fingerprint = key.fingerprint()
    now = time.localtime()
    when = (now.tm_year, now.tm_mon, now.tm_mday, now.tm_hour, now.tm_min, now.tm_sec)
    descriptor, draft_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    draft = Path(draft_name)
    try:
        with os.fdopen(descriptor, "w+b") as handle:
            with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
                listed = [_stream_member(archive, CLIPS + item.name, item.chunks, when) for item in files]
                listed.append(_write_member(archive, AUDIT_RECORDS, _jsonl(audit_records), when))
                listed += [
                    _write_member(archive, name, readme_text(manifest, fingerprint, language).encode(), when)
                    for language, name in README_FILES.items()
                ]
                sums = "".join(f"{entry['sha256']}  {entry['path']}\n" for entry in listed).encode()
                listed.append(_write_member(archive, SUMS, sums, when))
                final = {**manifest, "files": listed, "format": FORMAT, "signing_key_fingerprint": fingerprint}
                body = (json.dumps(final, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()
                _write_member(archive, MANIFEST, body, when)
                _write_member(archive, SIGNATURE, key.sign(body), when)
                _write_member(archive, PUBLIC_KEY, key.public_pem(), when)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(draft, target)
    except BaseException:
        draft.unlink(missing_ok=True)
        raise
    _sync_folder(target.parent)
    return final


def verify_package(path: Path, public_pem: bytes | None = None) -> VerifyResult:
    """Check the signature, every listed file, and that nothing was added or removed.

    With `public_pem`, the package must also be signed by that key. ValueError when
    `public_pem` itself is not an Ed25519 public key; a bad package only gives problems.
    """
    expected = fingerprint_of(public_pem) if public_pem is not None else None
    try:
        archive = zipfile.ZipFile(path)
    except ZIP_ERRORS as exc:
        return VerifyResult(False, [f"not a readable zip: {exc}"], None, "")
    with archive:
        return _verify_archive(archive, expected)


def _verify_archive(archive: zipfile.ZipFile, expected_fingerprint: str | None) -> VerifyResult:
    problems: list[str] = []
    counts = Counter(info.filename for info in archive.infolist())
    problems += [
        f"{name} is in the zip {count} times: a package holds each file once"
        for name, count in counts.items()
        if count > 1
    ]
    folders = [info for info in archive.infolist() if info.is_dir()]
    members = {info.filename: info for info in archive.infolist() if not info.is_dir()}

    body = _read_signed_part(archive, members, MANIFEST, problems)
    signature = _read_signed_part(archive, members, SIGNATURE, problems)
    public_pem = _read_signed_part(archive, members, PUBLIC_KEY, problems)

    fingerprint = ""
    if public_pem is not None:
        try:
            fingerprint = fingerprint_of(public_pem)
        except ValueError:
            problems.append(f"{PUBLIC_KEY} is not a readable Ed25519 public key: it was altered")
        else:
            if public_pem != canonical_public_pem(public_pem):
                problems.append(f"{PUBLIC_KEY} is not byte for byte the key file the site wrote: it was altered")
    if fingerprint and expected_fingerprint is not None and fingerprint != expected_fingerprint:
        problems.append(
            f"{PUBLIC_KEY} is not the expected key: the package is signed by key {fingerprint}, "
            f"not by {expected_fingerprint}"
        )
    if (
        fingerprint
        and public_pem is not None
        and body is not None
        and signature is not None
        and not verify_signature(public_pem, body, signature)
    ):
        problems.append(f"{SIGNATURE} does not verify {MANIFEST} with {PUBLIC_KEY}: one of them was altered")

    manifest = _parse_manifest(body, problems) if body is not None else None
    if manifest is None:
        return VerifyResult(False, problems, None, fingerprint)
    if manifest.get("format") != FORMAT:
        problems.append(f"{MANIFEST} is of format {manifest.get('format')!r}, not {FORMAT}")
    if fingerprint and manifest.get("signing_key_fingerprint") != fingerprint:
        problems.append(
            f"{MANIFEST} names signing key {manifest.get('signing_key_fingerprint')!r}, "
            f"but {PUBLIC_KEY} is key {fingerprint}: one of them was altered"
        )
    entries = _listed_files(manifest)
    if entries is None:
        problems.append(f"{MANIFEST} has no valid list of files (path, bytes, sha256)")
    else:
        for name, size, sha256 in entries:
            info = members.get(name)
            problem = f"{name} is missing" if info is None else _check_member(archive, info, size, sha256)
            if problem:
                problems.append(problem)
        listed = {name for name, _, _ in entries}
        problems += [
            f"{name} was added: it is not in the signed manifest"
            for name in members
            if name not in listed and name not in UNLISTED
        ]
        files = listed | set(members) | set(UNLISTED)
        problems += [problem for info in folders if (problem := _folder_problem(info, files))]
    return VerifyResult(not problems, problems, manifest, fingerprint)


def _check_clip_names(names: Sequence[str]) -> None:
    for name in names:
        if name in {"", ".", ".."} or "/" in name or "\\" in name:
            raise ValueError(f"clip name {name!r} is not a plain file name")
        if any(unicodedata.category(char) in {"Cc", "Cf", "Cs", "Zl", "Zp"} for char in name):
            raise ValueError(f"clip name {name!r} holds control characters")
    repeated = sorted(name for name, count in Counter(names).items() if count > 1)
    if repeated:
        raise ValueError(f"clip names given more than once: {', '.join(repeated)}")


def _member_info(path: str, when: ZipTime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=when)
    info.external_attr = 0o600 << 16
    return info


def _stream_member(archive: zipfile.ZipFile, path: str, chunks: Iterable[bytes], when: ZipTime) -> dict[str, Any]:
    digest = hashlib.sha256()
    size = 0
    with archive.open(_member_info(path, when), "w", force_zip64=True) as member:
        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            member.write(chunk)
    return {"path": path, "bytes": size, "sha256": digest.hexdigest()}


def _write_member(archive: zipfile.ZipFile, path: str, data: bytes, when: ZipTime) -> dict[str, Any]:
    archive.writestr(_member_info(path, when), data)
    return {"path": path, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _jsonl(records: Sequence[Mapping[str, Any]]) -> bytes:
    return "".join(json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n" for record in records).encode()


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _read_signed_part(
    archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], name: str, problems: list[str]
) -> bytes | None:
    info = members.get(name)
    if info is None:
        problems.append(f"{name} is missing")
        return None
    if info.file_size > MAX_SIGNED_PART:
        problems.append(f"{name} is too large ({info.file_size} bytes): it was altered")
        return None
    try:
        return archive.read(info)
    except ZIP_ERRORS as exc:
        problems.append(f"{name} cannot be read from the zip ({exc}): it was damaged or altered")
        return None


def _parse_manifest(body: bytes, problems: list[str]) -> dict[str, Any] | None:
    try:
        parsed = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        problems.append(f"{MANIFEST} is not valid JSON ({exc}): it was altered")
        return None
    if not isinstance(parsed, dict):
        problems.append(f"{MANIFEST} is not a JSON object: it was altered")
        return None
    return parsed


def _listed_files(manifest: dict[str, Any]) -> list[tuple[str, int, str]] | None:
    files = manifest.get("files")
    if not isinstance(files, list):
        return None
    entries = []
    for entry in files:
        if not isinstance(entry, dict):
            return None
        name, size, sha256 = entry.get("path"), entry.get("bytes"), entry.get("sha256")
        if not (isinstance(name, str) and isinstance(size, int) and isinstance(sha256, str)):
            return None
        entries.append((name, size, sha256))
    return entries


def _folder_problem(info: zipfile.ZipInfo, files: set[str]) -> str | None:
    """The problem with a folder entry, or None for an empty one that names no file (as `zip -r` adds)."""
    if info.file_size:
        return f"{info.filename} was added: a folder entry holding {info.file_size} bytes"
    name = info.filename.rstrip("/")
    if name in files:
        return f"{info.filename} was added: a folder entry that hides the file name {name}"
    return None


def _check_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, size: int, sha256: str) -> str | None:
    """The problem with one listed file, or None when it has the listed size and SHA-256."""
    if info.file_size != size:
        return f"{info.filename} was altered ({info.file_size} bytes, the manifest lists {size})"
    digest = hashlib.sha256()
    try:
        with archive.open(info) as member:
            while chunk := member.read(CHUNK):
                digest.update(chunk)
    except ZIP_ERRORS as exc:
        return f"{info.filename} cannot be read from the zip ({exc}): it was damaged or altered"
    if digest.hexdigest() != sha256:
        return f"{info.filename} was altered (SHA-256 differs)"
    return None
