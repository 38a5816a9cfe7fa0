"""Languages: Dutch, French, German and English, from gettext catalogs read with Babel.

A message meant for a person is marked where it is written, with `_` (or `_n` for a count),
and stays English inside Belfort: in exceptions, in the audit log, in logs. It is put into
the reader's language only at the edge (a page, an API answer, a generated document), by
`translate(message, language)`. `_` returns a `Message`, a `str` whose value is the English
text, which also remembers the catalog key and its named values, so the edge can look the
key up and fill the values in again.

The catalogs are `belfort/locale/<language>/LC_MESSAGES/messages.po`, written by
`make catalog` (scripts/catalog.py) and read here once per process; nothing is compiled in
advance, so a catalog in the tree is always the one used. The pages' scripts get the
messages they use from the same catalogs (`script_messages`). A leaf module: it imports
nothing of Belfort.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from datetime import datetime, timedelta, tzinfo
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel import Locale, negotiate_locale
from babel.dates import format_datetime as _babel_format_datetime
from babel.dates import format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES: tuple[str, ...] = ("nl", "fr", "de", "en")
"""Every language Belfort speaks, in the order a language menu lists them."""
LANGUAGE_NAMES: Mapping[str, str] = {"nl": "Nederlands", "fr": "Français", "de": "Deutsch", "en": "English"}
"""Each language in its own words: how a person finds theirs in a menu."""
REGIONAL: Mapping[str, str] = {"nl": "nl_BE", "fr": "fr_BE", "de": "de_BE", "en": "en_GB"}
"""The Belgian form of each language, for dates and numbers (25/10/2026, not 10/25/2026)."""
CATALOG_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"


class Message(str):
    """A message for a person: its English text as a `str`, plus what translating it needs."""

    msgid: str
    plural: str | None
    count: int | None
    values: dict[str, Any]

    def __new__(
        cls, msgid: str, values: Mapping[str, Any], plural: str | None = None, count: int | None = None
    ) -> Message:
        english = plural if plural is not None and count != 1 else msgid
        text = super().__new__(cls, english.format(**values) if values else english)
        text.msgid, text.plural, text.count, text.values = msgid, plural, count, dict(values)
        return text


def _(msgid: str, **values: Any) -> Message:
    """Mark `msgid` for translation; `{name}` fields are filled from `values` in every language."""
    return Message(msgid, values)


def _n(singular: str, plural: str, count: int, **values: Any) -> Message:
    """A message that agrees with `count` (available as `{count}`): "1 entry", "2 entries"."""
    return Message(singular, {"count": count, **values}, plural, count)


def is_language(value: str) -> bool:
    return value in LANGUAGES


def format_ago(seconds: float, language: str) -> str:
    """How long ago, in `language`: "3 minutes ago", "il y a 3 minutes", "vor 3 Minuten"."""
    return format_timedelta(
        timedelta(seconds=-seconds), add_direction=True, locale=Locale.parse(REGIONAL.get(language, "en_GB"))
    )


@cache
def translations(language: str) -> _gettext.NullTranslations:
    """The catalog of `language` (English: the messages themselves)."""
    path = CATALOG_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language not in LANGUAGES or language == "en" or not path.exists():
        return _gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def translate(text: str, language: str) -> str:
    """`text` in `language`: a `Message` is looked up (and so are the messages among its values);
    any other text is returned as it is."""
    if not isinstance(text, Message):
        return text
    catalog = translations(language)
    values = {
        key: translate(value, language) if isinstance(value, Message) else value for key, value in text.values.items()
    }
    if text.plural is not None and text.count is not None:
        template = catalog.ngettext(text.msgid, text.plural, text.count)
    else:
        template = catalog.gettext(text.msgid)
    try:
        return template.format(**values) if values else template
    except (KeyError, IndexError, ValueError):
        # A translation that names a field the message does not have: the English is right.
        return str(text)


def negotiate(accept_language: str, default: str) -> str:
    """The language a browser's Accept-Language asks for among ours, else `default`."""
    wanted: list[tuple[float, str]] = []
    for position, part in enumerate(accept_language.split(",")[:20]):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            wanted.append((-quality + position * 1e-6, tag.replace("-", "_")))
    preferred = [tag for _order, tag in sorted(wanted)]
    return negotiate_locale(preferred, list(LANGUAGES), sep="_") or default


def format_datetime(value: datetime, language: str, zone: tzinfo, pattern: str = "medium") -> str:
    """An instant as a person in `zone` reads it, in `language`'s Belgian form."""
    return _babel_format_datetime(value, pattern, tzinfo=zone, locale=Locale.parse(REGIONAL.get(language, "en_GB")))


@cache
def script_messages(language: str) -> dict[str, str | list[str]]:
    """The messages the pages' scripts use, in `language`: msgid -> text, or the list of
    plural forms for a message with a plural. English gives an empty map (the scripts fall
    back to the message itself)."""
    path = CATALOG_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == "en" or not path.exists():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    messages: dict[str, str | list[str]] = {}
    for message in catalog:
        if not message.id or message.fuzzy or not _from_scripts(message.locations):
            continue
        if isinstance(message.id, tuple):
            forms = [str(form) for form in message.string]
            if all(forms):
                messages[str(message.id[0])] = forms
        elif message.string:
            messages[str(message.id)] = str(message.string)
    return messages


def _from_scripts(locations: Iterable[tuple[str, int | None]]) -> bool:
    return any(filename.endswith(".js") for filename, _line in locations)


current_language: ContextVar[str] = ContextVar("belfort_language", default="en")
"""The language of the page being drawn (set by the web layer around a template's rendering)."""


def gettext(message: str) -> str:
    """The templates' `_` (Jinja fills `%(name)s` fields in): `message` in the page's language."""
    return translations(current_language.get()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The templates' `ngettext`: the form that agrees with `count`, in the page's language."""
    return translations(current_language.get()).ngettext(singular, plural, count)
