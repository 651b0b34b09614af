"""Dutch and English everywhere: every string a user can see has its Dutch translation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from server.screens.i18n import LOCALE_DIR, load_translators, negotiate, read_catalog

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def extracted_messages() -> list[str | tuple[str, str]]:
    """Every msgid in the templates and the server code, as `pybabel extract` finds them."""
    found: list[str | tuple[str, str]] = []
    method_map = [("server/**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"trim_blocks": "True", "lstrip_blocks": "True"}}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options, keywords=keywords
    ):
        found.append(message if isinstance(message, str) else (message[0], message[1]))
    return found


MESSAGES = extracted_messages()
DUTCH = read_catalog(LOCALE_DIR / "nl" / "LC_MESSAGES" / "messages.po")


def test_extraction_finds_the_interface():
    """The extraction itself works, so the completeness test below cannot pass vacuously."""
    assert len(MESSAGES) > 80
    assert "Join a session" in MESSAGES
    assert "Write something first." in MESSAGES  # a server message, not only templates


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: str(m)[:40])
def test_every_message_has_a_dutch_translation_with_the_same_placeholders(message):
    """A missing or broken Dutch string would show English (or crash) on a Dutch phone."""
    translation = DUTCH.get(message)
    assert translation, f"no Dutch translation for {message!r}"
    sources = [message] if isinstance(message, str) else list(message)
    targets = [translation] if isinstance(translation, str) else list(translation)
    for source, target in zip(sources, targets, strict=False):
        assert target.strip(), f"empty Dutch translation for {message!r}"
        assert set(PLACEHOLDER.findall(source)) <= set(PLACEHOLDER.findall(target)) | {"num"}, (
            f"placeholders differ: {source!r} -> {target!r}"
        )


def test_the_catalog_has_no_stale_entries():
    """Every Dutch entry is still used: the catalog does not rot as the interface changes."""
    assert set(DUTCH) <= set(MESSAGES), set(DUTCH) - set(MESSAGES)


def test_plural_forms_follow_the_count():
    """One answer, two answers, in both languages."""
    translators = load_translators()
    assert translators["nl"].ngettext("%(num)s answer", "%(num)s answers", 1) == "%(num)s antwoord"
    assert (
        translators["nl"].ngettext("%(num)s answer", "%(num)s answers", 2) == "%(num)s antwoorden"
    )
    assert translators["en"].ngettext("%(num)s answer", "%(num)s answers", 2) == "%(num)s answers"
    assert translators["nl"].number(1234567) == "1.234.567"
    assert translators["en"].number(1234567) == "1,234,567"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("nl-NL,nl;q=0.9,en;q=0.8", "nl"),
        ("en-GB,en;q=0.9", "en"),
        ("de-DE,de;q=0.9,en;q=0.5", "en"),
        ("en;q=0.4,nl;q=0.8", "nl"),
        ("fr", "nl"),
        ("", "nl"),
        ("en;q=abc", "nl"),
    ],
)
def test_the_browser_language_picks_the_interface_language(header, expected):
    """Accept-Language decides, by weight; Dutch when nothing we speak is asked for."""
    assert negotiate(header) == expected
