"""A small message catalog written for one test, in the form `make catalog` writes.

The catalogs in the tree are translated later; a test that needs a translation writes
the few it needs into a temporary folder and points `belfort.i18n.CATALOG_DIR` there.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

import belfort.i18n


def write_catalog(folder: Path, language: str, messages: Mapping[str | tuple[str, str], str | tuple[str, ...]]) -> None:
    """`folder/<language>/LC_MESSAGES/messages.po` holding `messages` (msgid, or (singular,
    plural) for a message with a plural, to its translation or plural forms)."""
    catalog = Catalog(locale=language, project="Belfort", fuzzy=False)
    for msgid, translation in messages.items():
        catalog.add(msgid, translation)
    path = folder / language / "LC_MESSAGES" / f"{belfort.i18n.DOMAIN}.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog)


@pytest.fixture
def catalog_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty folder the catalogs are read from during the test (and forgotten after it)."""
    folder = tmp_path / "locale"
    folder.mkdir()
    monkeypatch.setattr(belfort.i18n, "CATALOG_DIR", folder)
    belfort.i18n.translations.cache_clear()
    belfort.i18n.script_messages.cache_clear()
    yield folder
    belfort.i18n.translations.cache_clear()
    belfort.i18n.script_messages.cache_clear()
