"""Evidence packages: what they hold, that standard tools check them, and that every
alteration (a byte, an added or removed file, another key) is caught and named."""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
import struct
import subprocess
import tracemalloc
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from belfort import i18n
from belfort.evidence.package import PackageFile, verify_package, write_package
from belfort.evidence.signing import (
    SigningKey,
    SigningKeyError,
    fingerprint_of,
    readable_fingerprint,
    verify_signature,
)
from tests.evidence import (
    AUDIT,
    CLIP,
    CLIP_NAME,
    MANIFEST,
    MEMBERS,
    TINY,
    TINY_NAME,
    build_package,
    flip_byte,
    rewrite,
)

SIGNATURE_PROBLEM = "manifest.sig does not verify manifest.json with site-public-key.pem: one of them was altered"
LISTED = MEMBERS[:-3]
"""What the signed manifest lists: the clips, the audit records, the READMEs and SHA256SUMS."""
SIGNED_PARTS = MEMBERS[-3:]
SUMMED = MEMBERS[:-4]
"""What SHA256SUMS lists: the files before it."""
READMES = ["README.nl.txt", "README.fr.txt", "README.de.txt", "README.en.txt"]


@pytest.fixture(scope="module")
def site_key(tmp_path_factory: pytest.TempPathFactory) -> SigningKey:
    return SigningKey(tmp_path_factory.mktemp("site-data"))


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory, site_key: SigningKey) -> Path:
    return build_package(tmp_path_factory.mktemp("package"), site_key)


# The signing key


def test_key_is_created_at_first_use_private_and_reloaded(tmp_path: Path) -> None:
    key = SigningKey(tmp_path)
    path = tmp_path / "keys" / "evidence-ed25519.pem"
    assert not path.exists()
    fingerprint = key.fingerprint()
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [item.name for item in path.parent.iterdir()] == [path.name]
    again = SigningKey(tmp_path)
    assert again.fingerprint() == fingerprint
    assert again.public_pem() == key.public_pem()
    assert SigningKey(tmp_path / "other").fingerprint() != fingerprint


def test_fingerprint_forms(site_key: SigningKey) -> None:
    plain = site_key.fingerprint()
    assert len(plain) == 64 and int(plain, 16) >= 0
    assert fingerprint_of(site_key.public_pem()) == plain
    grouped = readable_fingerprint(plain)
    assert grouped.split(" ") == [plain[index : index + 4] for index in range(0, 64, 4)]
    with pytest.raises(ValueError):
        fingerprint_of(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")


def test_signatures_verify_only_for_the_data_and_the_key(site_key: SigningKey, tmp_path: Path) -> None:
    signature = site_key.sign(b"manifest")
    assert len(signature) == 64
    assert verify_signature(site_key.public_pem(), b"manifest", signature)
    assert not verify_signature(site_key.public_pem(), b"manifest.", signature)
    assert not verify_signature(site_key.public_pem(), b"manifest", flip_byte(signature, 10))
    assert not verify_signature(SigningKey(tmp_path).public_pem(), b"manifest", signature)


def test_unreadable_key_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "evidence-ed25519.pem").write_bytes(b"not a key")
    with pytest.raises(SigningKeyError, match=r"cannot be read.*restore it from a backup"):
        SigningKey(tmp_path).fingerprint()


# Writing


def test_package_holds_the_files_and_a_signed_manifest(package: Path, site_key: SigningKey) -> None:
    with zipfile.ZipFile(package) as archive:
        assert archive.namelist() == MEMBERS
        assert archive.read(f"clips/{CLIP_NAME}") == CLIP
        assert archive.read(f"clips/{TINY_NAME}") == TINY
        assert all(info.compress_type == zipfile.ZIP_STORED for info in archive.infolist())
        records = [json.loads(line) for line in archive.read("audit-records.jsonl").decode().splitlines()]
        assert records == AUDIT
        assert archive.read("audit-records.jsonl").decode().splitlines()[0].startswith('{"action": ')
        body = archive.read("manifest.json")
        manifest = json.loads(body)
        assert body == (json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()
        assert verify_signature(archive.read("site-public-key.pem"), body, archive.read("manifest.sig"))
        assert archive.read("site-public-key.pem") == site_key.public_pem()
        sums = archive.read("SHA256SUMS").decode()
        assert sums.splitlines() == [f"{hashlib.sha256(archive.read(name)).hexdigest()}  {name}" for name in SUMMED]
        assert manifest["files"] == [
            {"path": name, "bytes": len(archive.read(name)), "sha256": hashlib.sha256(archive.read(name)).hexdigest()}
            for name in LISTED
        ]
        readme = archive.read("README.en.txt").decode()
    assert {key: manifest[key] for key in MANIFEST} == MANIFEST
    assert manifest["format"] == "belfort-evidence/1"
    assert manifest["signing_key_fingerprint"] == site_key.fingerprint()
    for text in ("PV 2024/0815", "Ethias, claims department", "2024-05-01T10:00:00Z", site_key.fingerprint()):
        assert text in readme
    assert readable_fingerprint(site_key.fingerprint()) in readme
    assert "belfort verify" in readme


class MarkedCatalog:
    """A catalog that marks every message it translates with its language, so a test sees
    which text went through which language's catalog."""

    def __init__(self, language: str) -> None:
        self.language = language

    def gettext(self, message: str) -> str:
        return f"[{self.language}] {message}"

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return f"[{self.language}] {singular if count == 1 else plural}"


def test_a_readme_in_each_language_through_its_catalog(
    tmp_path: Path, site_key: SigningKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(i18n, "translations", MarkedCatalog)
    manifest = {**MANIFEST, "created_at": "2026-10-25T00:30:00.000000Z", "time_zone": "Europe/Brussels"}
    target = tmp_path / "p.zip"
    write_package(target, [PackageFile("a.mp4", [b"x"])], manifest, [], site_key)
    with zipfile.ZipFile(target) as archive:
        readmes = {name: archive.read(name).decode() for name in READMES}
    english_commands = None
    for name, text in readmes.items():
        language = name.split(".")[1]
        assert text.startswith(f"[{language}] EVIDENCE PACKAGE\n")
        assert f"[{language}] Check every file against SHA256SUMS:" in text
        assert "2026-10-25T00:30:00.000000Z" in text, "UTC, as in the manifest"
        assert "2026-10-25 02:30:00 +02:00, Europe/Brussels" in text, "and the site's local time beside it"
        assert all(other in text for other in READMES), "each README names the others"
        commands = readme_commands(text)
        assert sorted(commands) == ["-c", "SHA256SUMS", "pkey", "pkeyutl"]
        english_commands = english_commands or commands
        assert commands == english_commands, "the commands are the same in every language"
    assert verify_package(target).ok


def test_package_verifies(package: Path, site_key: SigningKey) -> None:
    result = verify_package(package)
    assert result.problems == []
    assert result.ok
    assert result.fingerprint == site_key.fingerprint()
    assert result.manifest is not None and result.manifest["case_number"] == MANIFEST["case_number"]
    assert verify_package(package, site_key.public_pem()).ok


def test_write_returns_the_manifest_it_signed(tmp_path: Path, site_key: SigningKey) -> None:
    target = tmp_path / "p.zip"
    returned = write_package(target, [PackageFile("empty.mp4", [])], {"case_number": "x"}, [], site_key)
    with zipfile.ZipFile(target) as archive:
        assert json.loads(archive.read("manifest.json")) == returned
        assert archive.read("clips/empty.mp4") == b""
        assert archive.read("audit-records.jsonl") == b""
    assert verify_package(target).ok


@pytest.mark.parametrize(
    "name", ["", ".", "..", "../x.mp4", "a/b.mp4", "/x.mp4", "a\\b.mp4", "a\nb", "a\x00b", "\u202e4pm.exe"]
)
def test_clip_names_must_be_plain_file_names(tmp_path: Path, site_key: SigningKey, name: str) -> None:
    with pytest.raises(ValueError, match="clip name"):
        write_package(tmp_path / "p.zip", [PackageFile(name, [b"x"])], {}, [], site_key)
    assert list(tmp_path.iterdir()) == []


def test_clip_names_must_differ(tmp_path: Path, site_key: SigningKey) -> None:
    with pytest.raises(ValueError, match=r"more than once: a\.mp4"):
        write_package(
            tmp_path / "p.zip", [PackageFile("a.mp4", [b"1"]), PackageFile("a.mp4", [b"2"])], {}, [], site_key
        )


def test_manifest_cannot_preset_what_the_package_fills_in(tmp_path: Path, site_key: SigningKey) -> None:
    with pytest.raises(ValueError, match="must not set files"):
        write_package(tmp_path / "p.zip", [], {"files": []}, [], site_key)


def test_an_existing_package_is_never_overwritten(tmp_path: Path, site_key: SigningKey) -> None:
    (tmp_path / "p.zip").write_bytes(b"handed over")
    with pytest.raises(FileExistsError):
        write_package(tmp_path / "p.zip", [], {}, [], site_key)
    assert (tmp_path / "p.zip").read_bytes() == b"handed over"


def test_a_failure_midway_leaves_no_package(tmp_path: Path, site_key: SigningKey) -> None:
    def failing() -> Iterator[bytes]:
        yield b"x" * 1000
        raise OSError("segment file vanished")

    with pytest.raises(OSError, match="vanished"):
        write_package(tmp_path / "p.zip", [PackageFile("a.mp4", failing())], {}, [], site_key)
    assert list(tmp_path.iterdir()) == []


def test_clips_are_streamed_not_held_in_memory(tmp_path: Path, site_key: SigningKey) -> None:
    piece = bytes(range(256)) * 4096  # 1 MiB, the same object each time

    def big_clip() -> Iterator[bytes]:
        for _ in range(48):
            yield piece

    site_key.fingerprint()
    tracemalloc.start()
    try:
        write_package(tmp_path / "big.zip", [PackageFile("big.mp4", big_clip())], {}, [], site_key)
        _, written_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        result = verify_package(tmp_path / "big.zip")
        _, verified_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.ok, result.problems
    assert written_peak < 8 << 20
    assert verified_peak < 8 << 20


# Standard tools, as the README tells a recipient to use them


def readme_commands(readme: str) -> dict[str, str]:
    """The commands a README gives, by their first argument (they stand on lines of their own, indented)."""
    lines = [line.strip() for line in readme.splitlines() if line.startswith("     ")]
    return {line.split()[1]: line for line in lines if line.startswith(("openssl ", "sha256sum "))}


def run_shell(command: str, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", "-c", command], cwd=folder, capture_output=True, text=True, check=False)


@pytest.mark.skipif(not (shutil.which("openssl") and shutil.which("sha256sum")), reason="needs openssl and sha256sum")
def test_readme_commands_check_the_extracted_package(package: Path, site_key: SigningKey, tmp_path: Path) -> None:
    with zipfile.ZipFile(package) as archive:
        archive.extractall(tmp_path)
        manifest = json.loads(archive.read("manifest.json"))
    commands = readme_commands((tmp_path / "README.en.txt").read_text())
    assert sorted(commands) == ["-c", "SHA256SUMS", "pkey", "pkeyutl"]

    fingerprint = run_shell(commands["pkey"], tmp_path)
    assert fingerprint.returncode == 0, fingerprint.stderr
    assert fingerprint.stdout.split()[0] == site_key.fingerprint()

    signature = run_shell(commands["pkeyutl"], tmp_path)
    assert signature.returncode == 0, signature.stdout + signature.stderr
    assert "Signature Verified Successfully" in signature.stdout

    sums = run_shell(commands["-c"], tmp_path)
    assert sums.returncode == 0, sums.stdout + sums.stderr
    assert sums.stdout.splitlines() == [f"{name}: OK" for name in SUMMED]

    listed = {entry["path"]: entry["sha256"] for entry in manifest["files"]}
    assert run_shell(commands["SHA256SUMS"], tmp_path).stdout.split()[0] == listed["SHA256SUMS"]

    clip = tmp_path / "clips" / CLIP_NAME
    clip.write_bytes(flip_byte(clip.read_bytes(), 1000))
    altered = run_shell(commands["-c"], tmp_path)
    assert altered.returncode != 0 and f"clips/{CLIP_NAME}: FAILED" in altered.stdout

    (tmp_path / "manifest.json").write_bytes((tmp_path / "manifest.json").read_bytes().replace(b"0815", b"0816"))
    forged = run_shell(commands["pkeyutl"], tmp_path)
    assert forged.returncode != 0 and "Signature Verified Successfully" not in forged.stdout


# Tampering


@pytest.mark.parametrize("name", MEMBERS)
@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_a_flipped_byte_in_any_file_is_caught_and_named(package: Path, tmp_path: Path, name: str, where: str) -> None:
    def alter(member: str, data: bytes) -> bytes:
        if member != name:
            return data
        return flip_byte(data, {"first": 0, "middle": len(data) // 2, "last": len(data) - 1}[where])

    result = verify_package(rewrite(package, tmp_path / "altered.zip", alter))
    assert not result.ok
    if name in LISTED:
        assert result.problems == [f"{name} was altered (SHA-256 differs)"]
    elif name == "manifest.sig":
        assert result.problems == [SIGNATURE_PROBLEM]
    else:
        assert result.problems and any(name in problem for problem in result.problems), result.problems


def test_an_untouched_rewrite_still_verifies(package: Path, tmp_path: Path) -> None:
    assert verify_package(rewrite(package, tmp_path / "same.zip")).problems == []


def test_a_damaged_member_is_named(package: Path, tmp_path: Path) -> None:
    """A byte changed in the zip file itself, not through a zip tool: the CRC no longer matches."""
    raw = bytearray(package.read_bytes())
    with zipfile.ZipFile(package) as archive:
        info = archive.getinfo(f"clips/{CLIP_NAME}")
    name_length, extra_length = struct.unpack("<HH", raw[info.header_offset + 26 : info.header_offset + 30])
    raw[info.header_offset + 30 + name_length + extra_length + 5000] ^= 0xFF
    (tmp_path / "damaged.zip").write_bytes(bytes(raw))
    result = verify_package(tmp_path / "damaged.zip")
    assert not result.ok
    assert len(result.problems) == 1 and result.problems[0].startswith(f"clips/{CLIP_NAME} ")


def test_an_added_file_is_named(package: Path, tmp_path: Path) -> None:
    result = verify_package(rewrite(package, tmp_path / "added.zip", extra={"extra.txt": b"hello"}))
    assert result.problems == ["extra.txt was added: it is not in the signed manifest"]
    assert not result.ok


@pytest.mark.parametrize("name", [f"clips/{CLIP_NAME}", f"clips/{TINY_NAME}", "README.de.txt"])
def test_a_removed_file_is_named(package: Path, tmp_path: Path, name: str) -> None:
    result = verify_package(
        rewrite(package, tmp_path / "removed.zip", lambda member, data: None if member == name else data)
    )
    assert result.problems == [f"{name} is missing"]
    assert not result.ok


@pytest.mark.parametrize("name", SIGNED_PARTS)
def test_a_removed_signed_part_is_named(package: Path, tmp_path: Path, name: str) -> None:
    result = verify_package(
        rewrite(package, tmp_path / "removed.zip", lambda member, data: None if member == name else data)
    )
    assert f"{name} is missing" in result.problems
    assert not result.ok


# Unzipped and zipped again by the recipient


def rezip(folder: Path, target: Path, extra: dict[str, bytes] | None = None) -> Path:
    """Zip `folder` as `zip -r` does: deflated files, and an entry for every folder."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            archive.write(path, path.relative_to(folder).as_posix())
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return target


@pytest.fixture
def unpacked(package: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(package) as archive:
        archive.extractall(folder)
    return folder


def test_a_package_unzipped_and_zipped_again_verifies(unpacked: Path, tmp_path: Path) -> None:
    again = rezip(unpacked, tmp_path / "again.zip")
    with zipfile.ZipFile(again) as archive:
        assert "clips/" in archive.namelist()
    assert verify_package(again).problems == []


@pytest.mark.skipif(not shutil.which("zip"), reason="needs the zip command")
def test_a_package_zipped_again_with_the_zip_command_verifies(unpacked: Path, tmp_path: Path) -> None:
    zipped = subprocess.run(["zip", "-r", "-q", str(tmp_path / "again.zip"), "."], cwd=unpacked, check=False)
    assert zipped.returncode == 0
    with zipfile.ZipFile(tmp_path / "again.zip") as archive:
        assert "clips/" in archive.namelist()
    assert verify_package(tmp_path / "again.zip").problems == []


def test_a_file_added_to_a_package_zipped_again_is_named(unpacked: Path, tmp_path: Path) -> None:
    (unpacked / "clips" / "03_other.mp4").write_bytes(b"not handed over")
    result = verify_package(rezip(unpacked, tmp_path / "again.zip"))
    assert result.problems == ["clips/03_other.mp4 was added: it is not in the signed manifest"]
    assert not result.ok


@pytest.mark.parametrize(
    ("entry", "data", "problem"),
    [
        ("README.en.txt/", b"", "README.en.txt/ was added: a folder entry that hides the file name README.en.txt"),
        ("manifest.sig/", b"", "manifest.sig/ was added: a folder entry that hides the file name manifest.sig"),
        ("notes/", b"a letter", "notes/ was added: a folder entry holding 8 bytes"),
    ],
)
def test_a_folder_entry_that_hides_a_file_or_holds_data_is_named(
    unpacked: Path, tmp_path: Path, entry: str, data: bytes, problem: str
) -> None:
    result = verify_package(rezip(unpacked, tmp_path / "again.zip", extra={entry: data}))
    assert result.problems == [problem]
    assert not result.ok


def test_a_duplicate_name_is_a_problem(package: Path, tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        doubled = rewrite(package, tmp_path / "doubled.zip", extra={"README.en.txt": b"a second README"})
    result = verify_package(doubled)
    assert not result.ok
    assert "README.en.txt is in the zip 2 times: a package holds each file once" in result.problems


def test_another_key_fails_when_the_site_key_is_pinned(site_key: SigningKey, tmp_path: Path) -> None:
    impostor = SigningKey(tmp_path / "impostor-data")
    forged = build_package(tmp_path / "forged", impostor)
    assert verify_package(forged).ok
    result = verify_package(forged, site_key.public_pem())
    assert not result.ok
    assert result.fingerprint == impostor.fingerprint()
    assert result.problems == [
        f"site-public-key.pem is not the expected key: the package is signed by key {impostor.fingerprint()}, "
        f"not by {site_key.fingerprint()}"
    ]


def test_a_key_swapped_without_resigning_is_caught(package: Path, tmp_path: Path) -> None:
    other = SigningKey(tmp_path / "other").public_pem()
    result = verify_package(rewrite(package, tmp_path / "swapped.zip", lambda m, d: other if m.endswith(".pem") else d))
    assert SIGNATURE_PROBLEM in result.problems
    assert not result.ok


def test_a_pinned_key_must_be_a_key(package: Path) -> None:
    with pytest.raises(ValueError):
        verify_package(package, b"not a key")


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 not really", CLIP[:5000]])
def test_a_file_that_is_not_a_zip_is_a_clear_problem(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "p.zip").write_bytes(content)
    result = verify_package(tmp_path / "p.zip")
    assert not result.ok and result.manifest is None and result.fingerprint == ""
    assert len(result.problems) == 1 and result.problems[0].startswith("not a readable zip: ")


def test_a_missing_path_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    for path in (tmp_path / "absent.zip", tmp_path):
        result = verify_package(path)
        assert not result.ok and result.problems[0].startswith("not a readable zip: ")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.floats(0, 1, exclude_max=True), mask=st.integers(1, 255))
def test_any_corruption_never_raises_and_never_passes_altered_content(
    small_package: tuple[Path, dict[str, bytes]], position: float, mask: int
) -> None:
    source, contents = small_package
    raw = bytearray(source.read_bytes())
    raw[int(position * len(raw))] ^= mask
    corrupt = source.with_name("corrupt.zip")
    corrupt.write_bytes(bytes(raw))
    result = verify_package(corrupt)
    if result.ok:
        with zipfile.ZipFile(corrupt) as archive:
            assert {info.filename: archive.read(info) for info in archive.infolist()} == contents


@pytest.fixture(scope="module")
def small_package(tmp_path_factory: pytest.TempPathFactory, site_key: SigningKey) -> tuple[Path, dict[str, bytes]]:
    path = build_package(tmp_path_factory.mktemp("small"), site_key, clip=CLIP[:3000])
    with zipfile.ZipFile(path) as archive:
        return path, {info.filename: archive.read(info) for info in archive.infolist()}


# `belfort verify`: the command a recipient runs, offline


def test_the_verify_command_exits_0_only_for_an_intact_package(
    package: Path, site_key: SigningKey, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from belfort.cli import main

    runner = CliRunner()
    key_file = tmp_path / "site.pem"
    key_file.write_bytes(site_key.public_pem())
    intact = runner.invoke(main, ["verify", str(package), "--public-key", str(key_file)])
    assert intact.exit_code == 0 and f"package intact: {len(LISTED)} files" in intact.output
    altered = rewrite(package, tmp_path / "altered.zip", lambda m, d: flip_byte(d, 5) if m == "README.fr.txt" else d)
    failed = runner.invoke(main, ["verify", str(altered)])
    assert failed.exit_code == 1 and "README.fr.txt" in failed.output
    other = tmp_path / "other.pem"
    other.write_bytes(SigningKey(tmp_path / "impostor").public_pem())
    impostor = runner.invoke(main, ["verify", str(package), "--public-key", str(other)])
    assert impostor.exit_code == 1 and "not the expected key" in impostor.output
    not_a_key = tmp_path / "not-a-key.pem"
    not_a_key.write_text("hello")
    bad_key = runner.invoke(main, ["verify", str(package), "--public-key", str(not_a_key)])
    assert bad_key.exit_code == 2 and "not an Ed25519 public key" in bad_key.output
    missing = runner.invoke(main, ["verify", str(tmp_path / "nowhere.zip")])
    assert missing.exit_code == 2 and "cannot read" in missing.output
