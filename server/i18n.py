"""Dutch and English: message catalogs, the choice of language, numbers per locale.

English text is the message id; Dutch lives in a standard gettext catalog
(`server/locale/nl/LC_MESSAGES/messages.po`) read with Babel at start-up, so there is
no compile step and translators use the tools they know.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from babel import Locale
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LOCALES = ("nl", "en")
DEFAULT_LOCALE = "nl"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}


def N_(message: str) -> str:
    """Marks a string for extraction where it is defined; it is translated where shown."""
    return message


@dataclass(frozen=True)
class Translator:
    locale: str
    messages: dict[str | tuple[str, str], str | tuple[str, ...]] = field(default_factory=dict)

    def gettext(self, message: str) -> str:
        found = self.messages.get(message)
        return found if isinstance(found, str) and found else message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        found = self.messages.get((singular, plural))
        if isinstance(found, tuple) and all(found):
            return found[0 if n == 1 else 1]
        return singular if n == 1 else plural

    def number(self, value: int | float) -> str:
        return format_decimal(value, locale=self.locale)

    @property
    def language_name(self) -> str:
        return LANGUAGE_NAMES[self.locale]

    @property
    def babel_locale(self) -> Locale:
        return Locale.parse(self.locale)


def read_catalog(path: Path) -> dict[str | tuple[str, str], str | tuple[str, ...]]:
    with path.open("rb") as handle:
        catalog = read_po(handle)
    messages: dict[str | tuple[str, str], str | tuple[str, ...]] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        key = message.id if isinstance(message.id, str) else (message.id[0], message.id[1])
        value = message.string
        messages[key] = value if isinstance(value, str) else tuple(value or ())
    return messages


def load_translators(locale_dir: Path = LOCALE_DIR) -> dict[str, Translator]:
    translators = {}
    for locale in LOCALES:
        path = locale_dir / locale / "LC_MESSAGES" / "messages.po"
        messages = read_catalog(path) if path.exists() else {}
        translators[locale] = Translator(locale, messages)
    return translators


def negotiate(accept_language: str | None) -> str:
    """The first supported language in an Accept-Language header, by its q-weights."""
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        language = tag.split("-")[0].lower()
        if language in LOCALES and weight > 0:
            choices.append((-weight, position, language))
    return min(choices)[2] if choices else DEFAULT_LOCALE


def pick_locale(explicit: str | None, accept_language: str | None) -> str:
    return explicit if explicit in LOCALES else negotiate(accept_language)
