"""Topic packs: the prompts and texts of a session, read from TOML files in `sessions/`.

A pack file is checked strictly at start-up, so a typo stops the server with the file,
the line (where TOML gives one) and the problem, instead of surprising a room later.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .rules import clean_text
from .rules.asking import MAX_OPTIONS, checked_ask
from .rules.questions import OPEN, Ask, Kind
from .rules.state import Rejection

LANGUAGES = ("nl", "en")


class PackError(ValueError):
    pass


@dataclass(frozen=True)
class Localized:
    nl: str
    en: str

    def in_(self, lang: str) -> str:
        return self.en if lang == "en" else self.nl


@dataclass(frozen=True)
class LocalizedAsk:
    """How a pack's question is answered, in both languages (absent: in open words)."""

    kind: Kind = Kind.OPEN
    options: tuple[Localized, ...] = ()
    low: Localized | None = None
    high: Localized | None = None
    is_multiple: bool = False

    def in_(self, lang: str) -> Ask:
        return Ask(
            self.kind,
            tuple(o.in_(lang) for o in self.options),
            self.low.in_(lang) if self.low else "",
            self.high.in_(lang) if self.high else "",
            self.is_multiple,
        )


@dataclass(frozen=True)
class Defaults:
    votes_per_person: int = 3
    answer_minutes: int = 5
    vote_minutes: int = 3


@dataclass(frozen=True)
class Pack:
    id: str
    order: int
    source: str
    title: Localized
    intro: Localized
    decision_shape: Localized
    defaults: Defaults
    prompts: tuple[Localized, ...]
    action_prompts: tuple[Localized, ...]
    asks: tuple[LocalizedAsk, ...] = ()  # per prompt, when a pack asks more than words
    builds_on: tuple[str, ...] = ()  # the topics (pack ids) whose agreements it starts from

    def asks_in(self, lang: str) -> dict[int, Ask]:
        """The questions not answered in open words, by index, in one language."""
        found = {i: a.in_(lang) for i, a in enumerate(self.asks)}
        return {i: ask for i, ask in found.items() if ask != OPEN}


_FIELDS = {
    "id",
    "order",
    "source",
    "title",
    "intro",
    "decision_shape",
    "defaults",
    "prompts",
    "action_prompts",
}
_OPTIONAL_FIELDS = {"builds_on"}
_DEFAULT_FIELDS = {"votes_per_person", "answer_minutes", "vote_minutes"}


def load_packs(folder: Path) -> dict[str, Pack]:
    """Every `*.toml` in `folder`, by id, in the order a facilitator sees them. A missing
    or empty folder is an error too: a server without topics cannot start a session."""
    if not folder.is_dir():
        problem = "not a folder" if folder.exists() else "no such folder"
        raise PackError(f"{folder}: {problem} (DRAAGVLAK_PACKS_DIR names the topic packs' folder)")
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise PackError(f"{folder}: no topic packs (*.toml files) in this folder")
    packs = [load_pack(path) for path in files]
    known = {p.id for p in packs}
    for pack, path in zip(packs, files, strict=True):
        unknown = [topic for topic in pack.builds_on if topic not in known]
        if unknown:
            raise PackError(f"{path}: 'builds_on' names no pack here: {', '.join(unknown)}")
    return {p.id: p for p in sorted(packs, key=lambda p: (p.order, p.id))}


def load_pack(path: Path) -> Pack:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        # TOML's message already ends with "(at line N, column M)".
        raise PackError(f"{path}: not valid TOML: {error}") from None
    except UnicodeDecodeError:
        raise PackError(f"{path}: not UTF-8 text") from None
    try:
        return parse_pack(data, expected_id=path.stem)
    except PackError as error:
        raise PackError(f"{path}: {error}") from None


def parse_pack(data: dict[str, Any], expected_id: str | None = None) -> Pack:
    unknown = set(data) - _FIELDS - _OPTIONAL_FIELDS
    if unknown:
        raise PackError(f"unknown field(s): {', '.join(sorted(unknown))}")
    missing = _FIELDS - set(data)
    if missing:
        raise PackError(f"missing field(s): {', '.join(sorted(missing))}")
    pack_id = data["id"]
    if not isinstance(pack_id, str) or not pack_id:
        raise PackError("'id' must be a non-empty string")
    if expected_id is not None and pack_id != expected_id:
        raise PackError(f"'id' is {pack_id!r} but the file is named {expected_id!r}")
    if not is_whole_number(data["order"]):
        raise PackError("'order' must be a whole number")
    if not isinstance(data["source"], str) or not data["source"].strip():
        raise PackError("'source' must name where the content comes from")
    prompts = _prompt_list(data["prompts"])
    return Pack(
        id=pack_id,
        order=data["order"],
        source=data["source"],
        title=_localized(data["title"], "title"),
        intro=_localized(data["intro"], "intro"),
        decision_shape=_localized(data["decision_shape"], "decision_shape"),
        defaults=_defaults(data["defaults"]),
        prompts=tuple(text for text, _ask in prompts),
        action_prompts=_localized_list(data["action_prompts"], "action_prompts", 1, 3),
        asks=tuple(ask for _text, ask in prompts),
        builds_on=_builds_on(data.get("builds_on", []), pack_id),
    )


def is_whole_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _localized(value: Any, where: str) -> Localized:
    if not isinstance(value, dict):
        raise PackError(f"'{where}' must be a table with keys nl and en")
    unknown = set(value) - set(LANGUAGES)
    if unknown:
        raise PackError(f"'{where}' has unknown language(s): {', '.join(sorted(unknown))}")
    for lang in LANGUAGES:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            raise PackError(f"'{where}' lacks its {lang!r} text")
    return Localized(nl=value["nl"].strip(), en=value["en"].strip())


def _localized_list(value: Any, where: str, least: int, most: int) -> tuple[Localized, ...]:
    if not isinstance(value, list) or not least <= len(value) <= most:
        raise PackError(f"'{where}' must hold {least} to {most} entries")
    return tuple(_localized(item, f"{where}[{i}]") for i, item in enumerate(value))


_ASK_FIELDS = {"kind", "options", "low", "high", "multiple"}


def _prompt_list(value: Any) -> list[tuple[Localized, LocalizedAsk]]:
    """A pack's questions: each its text in both languages, and how it is answered: in
    words (no `kind`), `kind = "words"` for a word cloud, `kind = "scale"` with `low` and
    `high` ends, or `kind = "choice"` with `options` (and `multiple = true` for several)."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_PROMPTS:
        raise PackError(f"'prompts' must hold 1 to {MAX_PROMPTS} entries")
    found = []
    for index, item in enumerate(value):
        where = f"prompts[{index}]"
        if not isinstance(item, dict):
            raise PackError(f"'{where}' must be a table with keys nl and en")
        text = _localized({k: v for k, v in item.items() if k not in _ASK_FIELDS}, where)
        found.append((text, _ask(item, where)))
    return found


def _ask(item: dict[str, Any], where: str) -> LocalizedAsk:
    try:
        kind = Kind(item.get("kind", Kind.OPEN.value))
    except ValueError:
        kinds = ", ".join(k.value for k in Kind)
        raise PackError(f"'{where}.kind' must be one of {kinds}") from None
    options = item.get("options", [])
    if kind is Kind.CHOICE and (
        not isinstance(options, list) or not 2 <= len(options) <= MAX_OPTIONS
    ):
        raise PackError(f"'{where}.options' must hold 2 to {MAX_OPTIONS} options")
    if kind is not Kind.CHOICE and options:
        raise PackError(f"'{where}.options' belong to a question of kind 'choice'")
    ends = {e: _localized(item[e], f"{where}.{e}") for e in ("low", "high") if e in item}
    if ends and kind is not Kind.SCALE:
        raise PackError(f"'{where}.low' and '.high' belong to a question of kind 'scale'")
    multiple = item.get("multiple", False)
    if not isinstance(multiple, bool):
        raise PackError(f"'{where}.multiple' must be true or false")
    ask = LocalizedAsk(
        kind,
        tuple(_localized(o, f"{where}.options[{i}]") for i, o in enumerate(options)),
        ends.get("low"),
        ends.get("high"),
        multiple,
    )
    for lang in LANGUAGES:
        checked = checked_ask(ask.in_(lang))
        if isinstance(checked, Rejection) or checked != ask.in_(lang):
            raise PackError(f"'{where}' has options that are empty, repeated or too long")
    return ask


def _builds_on(value: Any, pack_id: str) -> tuple[str, ...]:
    """The pack ids a pack builds on; whether they exist is checked with all packs loaded."""
    if not isinstance(value, list) or not all(isinstance(t, str) and t for t in value):
        raise PackError("'builds_on' must be a list of pack ids")
    if len(set(value)) != len(value):
        raise PackError("'builds_on' names a pack twice")
    if pack_id in value:
        raise PackError("'builds_on' names the pack itself")
    return tuple(value)


def _defaults(value: Any) -> Defaults:
    if not isinstance(value, dict):
        raise PackError("'defaults' must be a table")
    unknown = set(value) - _DEFAULT_FIELDS
    if unknown:
        raise PackError(f"'defaults' has unknown field(s): {', '.join(sorted(unknown))}")
    for key, number in value.items():
        if not is_whole_number(number) or number < 1:
            raise PackError(f"'defaults.{key}' must be a whole number of at least 1")
    return Defaults(**value)


MAX_PROMPTS = 5
MAX_TITLE_LENGTH = 80


def read_own_questions(text: str, max_length: int) -> tuple[str, ...]:
    """A facilitator's own questions, one per line; PackError names what is wrong."""
    questions = tuple(q for q in map(clean_text, text.splitlines()) if q)
    if not questions:
        raise PackError("question_empty")
    if len(questions) > MAX_PROMPTS:
        raise PackError("too_many_questions")
    if any(len(q) > max_length for q in questions):
        raise PackError("question_too_long")
    return questions


def read_title(text: str) -> str:
    title = clean_text(text)
    if not title:
        raise PackError("title_empty")
    if len(title) > MAX_TITLE_LENGTH:
        raise PackError("title_too_long")
    return title


def own_pack(title: str, prompts: tuple[str, ...], pack_id: str = "own") -> Pack:
    """A pack of the facilitator's own questions, in whatever language they wrote them."""
    return Pack(
        id=pack_id,
        order=0,
        source="",
        title=Localized(nl=title, en=title),
        intro=Localized(nl="", en=""),
        decision_shape=Localized(nl="Wij spreken af dat …", en="We agree that …"),
        defaults=Defaults(),
        prompts=tuple(Localized(nl=q, en=q) for q in prompts),
        action_prompts=(
            Localized(nl="Wie doet wat, en wanneer?", en="Who does what, and by when?"),
        ),
    )
