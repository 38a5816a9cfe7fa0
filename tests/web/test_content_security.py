"""Templates and scripts hold nothing a strict Content-Security-Policy refuses
(`script-src 'self'; style-src 'self'`): no inline script, style block, style attribute,
event-handler attribute or `javascript:` URL, and no script built from a string.
Styles set through the CSSOM (`element.style.height = ...`) are allowed and not flagged."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "src" / "belfort" / "web"
TEMPLATES = sorted((WEB / "templates").glob("*.html"))
SCRIPTS = sorted((WEB / "static").glob("*.js"))

IN_MARKUP = {
    # A data block (type="application/json") is never run, so the policy does not concern it.
    "an inline <script>": re.compile(r"<script\b(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", re.IGNORECASE),
    "a <style> block": re.compile(r"<style\b", re.IGNORECASE),
    "a style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE),
    "an event-handler attribute": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "a javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}
IN_SCRIPTS = {
    "eval": re.compile(r"\beval\s*\("),
    "new Function": re.compile(r"\bnew\s+Function\b"),
    "a timer given a string": re.compile(r"\bset(?:Timeout|Interval)\s*\(\s*[\"'`]"),
    "a style attribute set": re.compile(r"setAttribute\(\s*[\"']style[\"']"),
    **IN_MARKUP,
}


def found(text: str, patterns: dict[str, re.Pattern[str]]) -> list[str]:
    return [f"{what}: {match.group(0)!r}" for what, pattern in patterns.items() for match in pattern.finditer(text)]


def test_there_are_templates_and_scripts_to_check() -> None:
    assert len(TEMPLATES) > 10 and len(SCRIPTS) > 5


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_a_template_holds_no_inline_script_style_or_handler(template: Path) -> None:
    assert found(template.read_text(), IN_MARKUP) == []


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_a_script_builds_no_code_from_strings_and_writes_no_inline_style_or_handler(script: Path) -> None:
    assert found(script.read_text(), IN_SCRIPTS) == []


@pytest.mark.parametrize(
    "markup",
    [
        '<script type="module">import "/x.js";</script>',
        '<script id="x">run()</script>',
        "<style>p { color: red }</style>",
        '<p style="color: red">',
        '<button onclick="go()">',
        '<a href="javascript:history.back()">',
    ],
)
def test_each_kind_of_inline_code_is_recognised(markup: str) -> None:
    assert found(markup, IN_MARKUP)


def test_allowed_markup_is_not_flagged() -> None:
    allowed = '<script type="module" src="/static/wall.js"></script><a href="/" data-history-back>Back</a>'
    assert found(allowed + "canvas.style.height = `${h}px`;", IN_SCRIPTS) == []
