"""The README of an evidence package, in Dutch, French, German and English.

A recipient without Belfort reads what the package is and how to check it with standard
tools (openssl, sha256sum) in `README.<language>.txt`, one file per language Belfort
speaks. The sentences are gettext messages (`belfort.i18n`), so a catalog's translation is
the package's too; the commands, file names and the fingerprint are the same in each.
Times are given in UTC, as in the manifest, with the site's local time beside them when
the manifest names the site's time zone.
"""

from __future__ import annotations

import json
import textwrap
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from belfort.evidence.signing import readable_fingerprint
from belfort.i18n import LANGUAGE_NAMES, LANGUAGES, Message, _, format_datetime, translate

WIDTH = 84
FILE_COLUMN = 21
README_FILES = {language: f"README.{language}.txt" for language in LANGUAGES}
"""Each language's README in the package, in the order of `LANGUAGES`."""

FINGERPRINT_COMMAND = "openssl pkey -pubin -in site-public-key.pem -outform DER | tail -c 32 | sha256sum"
SIGNATURE_COMMAND = (
    "openssl pkeyutl -verify -pubin -inkey site-public-key.pem -rawin -in manifest.json -sigfile manifest.sig"
)
SUMS_COMMAND = "sha256sum -c SHA256SUMS"
SUMS_HASH_COMMAND = "sha256sum SHA256SUMS"


def readme_text(manifest: Mapping[str, Any], fingerprint: str, language: str) -> str:
    """README.<language>.txt: what the package is and how to check it with standard tools."""

    def say(message: Message) -> str:
        return translate(message, language)

    def paragraph(message: Message, indent: str = "") -> str:
        return textwrap.fill(say(message), WIDTH, initial_indent=indent, subsequent_indent=indent)

    def step(number: int, message: Message) -> str:
        return textwrap.fill(say(message), WIDTH, initial_indent=f"{number}. ", subsequent_indent="   ")

    def command(text: str) -> str:
        return f"     {text}"

    def listed(name: str, message: Message) -> str:
        return textwrap.fill(
            say(message),
            WIDTH,
            initial_indent=f"  {name:<{FILE_COLUMN}}",
            subsequent_indent=" " * (FILE_COLUMN + 2),
        )

    others = ", ".join(f"{README_FILES[code]} ({LANGUAGE_NAMES[code]})" for code in LANGUAGES)
    parts = [
        say(_("EVIDENCE PACKAGE")),
        paragraph(
            _(
                "This zip file is an evidence package made by Belfort, a video platform for police and cities. "
                "It holds copies of camera recordings handed over by the site named below, and the record of who "
                "authorised the handover and why. It is signed, so anyone can check that nothing in it was "
                "changed, added or removed since the site made it. You do not need Belfort for that: the "
                "standard tools openssl and sha256sum do it."
            )
        ),
        paragraph(_("This text in every language of the package: {files}.", files=others)),
        _facts(manifest, language),
        say(_("WHAT IS IN IT")),
        "\n".join(
            [
                listed("clips/", _("the video clips, exact copies of the recorded stream")),
                listed(
                    "audit-records.jsonl",
                    _("the audit records of the decisions that allowed this export, one JSON object per line"),
                ),
                listed("README.*.txt", _("this text, in Dutch, French, German and English")),
                listed("SHA256SUMS", _("the SHA-256 of each file above")),
                listed(
                    "manifest.json",
                    _(
                        "the package's description: the case, the clips with their times in UTC and in the "
                        "site's local time, and every file above and SHA256SUMS with its size in bytes and "
                        "its SHA-256"
                    ),
                ),
                listed("manifest.sig", _("the site's Ed25519 signature over manifest.json")),
                listed("site-public-key.pem", _("the public key that checks that signature")),
            ]
        ),
        paragraph(_("The signing key's fingerprint (SHA-256 of the raw 32-byte public key) is:"))
        + f"\n\n  {fingerprint}\n  ({readable_fingerprint(fingerprint)})",
        say(_("HOW TO CHECK IT")),
        paragraph(_("Unpack the zip into an empty folder and open a terminal in that folder.")),
        "\n\n".join(
            [
                step(1, _("Check that the key is the site's own. Compute its fingerprint:")),
                command(FINGERPRINT_COMMAND),
                paragraph(
                    _(
                        "and compare it with the fingerprint the issuing site publishes (ask the site, or see its "
                        "evidence page). The fingerprint printed above proves nothing by itself: whoever replaces "
                        "the key can also change this file."
                    ),
                    "   ",
                ),
            ]
        ),
        "\n\n".join(
            [
                step(2, _("Check the signature on manifest.json (OpenSSL 3.0 or newer):")),
                command(SIGNATURE_COMMAND),
                paragraph(_('It must print "{output}".', output="Signature Verified Successfully"), "   "),
            ]
        ),
        "\n\n".join(
            [
                step(3, _("Check every file against SHA256SUMS:")),
                command(SUMS_COMMAND),
                paragraph(_('Every line must end in "{ok}".', ok="OK"), "   "),
            ]
        ),
        "\n\n".join(
            [
                step(
                    4,
                    _(
                        "Check that SHA256SUMS is the one the signature covers: manifest.json lists every file "
                        "with its SHA-256, SHA256SUMS included. The output of"
                    ),
                ),
                command(SUMS_HASH_COMMAND),
                paragraph(_('must equal the "sha256" that manifest.json gives for "SHA256SUMS".'), "   "),
            ]
        ),
        step(
            5,
            _(
                "Check that the package holds no file that manifest.json does not list, apart from manifest.json, "
                "manifest.sig and site-public-key.pem."
            ),
        ),
        "\n".join(
            [
                paragraph(
                    _('On Windows, "{command}" prints the SHA-256 of a file.', command="certutil -hashfile FILE SHA256")
                ),
                paragraph(
                    _(
                        'Where Belfort is installed, "{verify}" makes checks 2 to 5 at once; "{verify_key}", with '
                        "the key the site publishes, also makes check 1.",
                        verify="belfort verify PACKAGE.zip",
                        verify_key="belfort verify PACKAGE.zip --public-key FILE",
                    )
                ),
            ]
        ),
    ]
    return "\n\n".join(parts) + "\n"


def _facts(manifest: Mapping[str, Any], language: str) -> str:
    """The site, the case, the recipient and when the package was made, one per line."""
    lines = []
    for label, field in (
        (_("Site"), "site"),
        (_("Case number"), "case_number"),
        (_("Recipient"), "recipient"),
        (_("Created at"), "created_at"),
    ):
        if field not in manifest:
            continue
        value = _one_line(manifest[field])
        local = _local(manifest, field, language) if field == "created_at" else ""
        if local:
            value = translate(_("{utc} (local time {local})", utc=value, local=local), language)
        lines.append(f"{translate(label, language) + ':':<16}{value}")
    return "\n".join(lines) or translate(_("(no case details were given)"), language)


def _local(manifest: Mapping[str, Any], field: str, language: str) -> str:
    """The manifest's UTC time `field` in the site's time zone (`time_zone`), or "" without one."""
    zone_name = manifest.get("time_zone")
    text = manifest.get(field)
    if not isinstance(zone_name, str) or not isinstance(text, str):
        return ""
    try:
        zone = ZoneInfo(zone_name)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ZoneInfoNotFoundError, ValueError):
        return ""
    if moment.tzinfo is None:
        return ""
    return f"{format_datetime(moment, language, zone, 'yyyy-MM-dd HH:mm:ss xxx')}, {zone_name}"


def _one_line(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return "".join(" " if unicodedata.category(char)[0] in {"C", "Z"} else char for char in text).strip()
