"""Messages stay English inside Belfort and are put into a reader's language at the edge:
fields are filled in every language, a message among another's fields is translated too,
plural forms follow the language's rule, and a translation that names the wrong fields
falls back to the English. Accept-Language picks among nl, fr, de and en."""

from __future__ import annotations

from pathlib import Path

import pytest

from belfort.i18n import Message, _, _n, negotiate, translate
from tests.support.catalogs import catalog_dir, write_catalog

__all__ = ["catalog_dir"]  # the fixture, used by name

CAMERAS = ("{count} camera", "{count} cameras")


def test_a_message_is_its_english_text_and_remembers_its_key_and_fields() -> None:
    message = _("There is no {noun} '{asked}' that you may see.", noun=_("camera"), asked="Markt")
    assert isinstance(message, str) and isinstance(message, Message)
    assert message == "There is no camera 'Markt' that you may see."
    assert message.msgid == "There is no {noun} '{asked}' that you may see."
    assert message.values == {"noun": "camera", "asked": "Markt"}
    assert f"{message}" == str(message) == "There is no camera 'Markt' that you may see."
    assert _("Sign in first.") == "Sign in first." and _("Sign in first.").values == {}


def test_english_plural_forms() -> None:
    assert [_n(*CAMERAS, count) for count in (0, 1, 2)] == ["0 cameras", "1 camera", "2 cameras"]
    assert _n(*CAMERAS, 1).msgid == "{count} camera" and _n(*CAMERAS, 5).plural == "{count} cameras"


def test_a_translation_fills_the_fields(catalog_dir: Path) -> None:
    write_catalog(catalog_dir, "fr", {"Welcome, {name}": "Bienvenue, {name}"})
    message = _("Welcome, {name}", name="Ann")
    assert translate(message, "fr") == "Bienvenue, Ann"
    assert translate(message, "en") == "Welcome, Ann"
    assert message == "Welcome, Ann"  # translating leaves the message English


def test_a_message_among_the_fields_is_translated_too(catalog_dir: Path) -> None:
    write_catalog(
        catalog_dir,
        "fr",
        {
            "{role} may not {action}.": "{role} ne peut pas {action}.",
            "An administrator": "Un administrateur",
            "play back recordings": "lire les enregistrements",
        },
    )
    refusal = _("{role} may not {action}.", role=_("An administrator"), action=_("play back recordings"))
    assert translate(refusal, "fr") == "Un administrateur ne peut pas lire les enregistrements."
    assert refusal == "An administrator may not play back recordings."


def test_french_plural_forms_take_the_singular_for_zero_and_one(catalog_dir: Path) -> None:
    # French has three forms (CLDR): one (0 and 1), many (whole millions: "de"), other.
    write_catalog(catalog_dir, "fr", {CAMERAS: ("{count} caméra", "{count} de caméras", "{count} caméras")})
    assert [translate(_n(*CAMERAS, count), "fr") for count in (0, 1, 2, 7, 1_000_000)] == [
        "0 caméra",
        "1 caméra",
        "2 caméras",
        "7 caméras",
        "1000000 de caméras",
    ]


def test_a_missing_translation_or_catalog_gives_the_english(catalog_dir: Path) -> None:
    write_catalog(catalog_dir, "fr", {"Welcome, {name}": "Bienvenue, {name}"})
    assert translate(_("Sign in first."), "fr") == "Sign in first."
    assert translate(_("Welcome, {name}", name="Ann"), "nl") == "Welcome, Ann"  # no Dutch catalog at all
    assert translate("plain text, not marked", "fr") == "plain text, not marked"


def test_a_translation_with_a_wrong_field_falls_back_to_the_english(catalog_dir: Path) -> None:
    write_catalog(
        catalog_dir,
        "de",
        {"Welcome, {name}": "Willkommen, {vorname}", "{count} segments left": "{anzahl} Segmente übrig"},
    )
    assert translate(_("Welcome, {name}", name="Ann"), "de") == "Welcome, Ann"
    assert translate(_("{count} segments left", count=3), "de") == "3 segments left"


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("fr", "fr"),
        ("nl-BE", "nl"),
        ("nl-BE,nl;q=0.9,en;q=0.8", "nl"),
        ("de-BE;q=0.5, fr-BE;q=0.8", "fr"),
        ("en-GB,en;q=0.9", "en"),
        ("fr;q=0, de", "de"),  # q=0 means "not this one"
        ("es-ES, it;q=0.9", "en"),  # none of ours: the site's
        ("", "en"),
        ("garbage;;q=x,,", "en"),
        ("pt, nl;q=0.1", "nl"),
    ],
)
def test_negotiate_picks_among_belforts_languages(header: str, language: str) -> None:
    assert negotiate(header, "en") == language


def test_negotiate_falls_back_to_the_sites_language() -> None:
    assert negotiate("es, it", "nl") == "nl"
    assert negotiate("", "de") == "de"
