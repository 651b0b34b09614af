"""Dutch and English: message catalogs, the choice of language, numbers per locale.

English text is the message id; Dutch lives in a standard gettext catalog
(`server/screens/locale/nl/LC_MESSAGES/messages.po`) read with Babel at start-up, so there is
no compile step and translators use the tools they know.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from babel.dates import format_date
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LOCALES = ("nl", "en")
DEFAULT_LOCALE = "nl"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}
# Formats for numbers and dates: British English reads naturally next to Dutch ("29 Nov").
FORMAT_LOCALES = {"nl": "nl_NL", "en": "en_GB"}


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
        return format_decimal(value, locale=FORMAT_LOCALES[self.locale])

    def decimal(self, value: float | None) -> str:
        """A mean with one decimal, as this language writes it: "3,8", "3.8"."""
        if value is None:
            return "–"
        return format_decimal(round(value, 1), format="0.0", locale=FORMAT_LOCALES[self.locale])

    def date(self, value: str | datetime) -> str:
        """An ISO timestamp as a date in this language: "29 nov 2026", "29 Nov 2026"."""
        when = datetime.fromisoformat(value) if isinstance(value, str) else value
        return format_date(when, format="medium", locale=FORMAT_LOCALES[self.locale])

    @property
    def language_name(self) -> str:
        return LANGUAGE_NAMES[self.locale]


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
