"""The answers of one set as tokens and weighted features: each word's kind, typos corrected,
compounds split into head and modifier, school-climate themes and the lexicon's phrases."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import Enum

from .lexicon import DERIVATIONAL_SUFFIXES, LIGHT_THEMES
from .vocabulary import deletions, lexicon
from .words import WORD, is_typo_of, light, normalise, stem, variants

STEM_WEIGHT = 1.0
LIGHT_WEIGHT = 0.4
THEME_WEIGHT = 1.5
HEAD_WEIGHT = 0.8
MODIFIER_WEIGHT = 0.5


class Kind(Enum):
    STOP = "stop"
    WEAK = "weak"
    CONTENT = "content"


@dataclass(frozen=True)
class Token:
    surface: str
    key: str
    kind: Kind
    stems: tuple[str, ...]  # its own stem first, then those of its compound parts
    themes: tuple[str, ...]


@dataclass
class Answer:
    tokens: list[Token]
    features: dict[str, float] = field(default_factory=dict)
    phrases: list[tuple[int, int]] = field(default_factory=list)  # lexicon phrases found
    is_strong: bool = True  # False: weak words only, whose features only find duplicates

    def add(self, feature: str, weight: float) -> None:
        self.features[feature] = max(weight, self.features.get(feature, 0.0))


class Analyser:
    """Turns the answers of one set into tokens and features; knows the words of the set."""

    def __init__(self, lang: str, texts: Sequence[str]) -> None:
        self.lang = lang
        self.langs = (lang, "en" if lang == "nl" else "nl")
        self.lexicons = tuple(lexicon(lang) for lang in self.langs)
        raw = [[(m.group(), normalise(m.group())) for m in WORD.finditer(t)] for t in texts]
        self.counts = Counter(key for words in raw for _, key in words if key)
        self.known = {light(k): k for lex in self.lexicons for k in lex.words}
        for key in self.counts:
            if len(key) >= 4 and self.kind(key) is Kind.CONTENT:
                self.known.setdefault(light(key), key)
        self.answers = [self.analyse(words) for words in raw]

    def kind(self, key: str) -> Kind:
        own, other = self.lexicons
        if key in own.stopwords or key.isdigit():
            return Kind.STOP
        if key in own.weak or stem(key, self.lang) in own.weak:
            return Kind.WEAK
        if key in own.words or key in other.words:
            return Kind.CONTENT
        if key in other.stopwords:
            return Kind.STOP
        return Kind.WEAK if key in other.weak else Kind.CONTENT

    def themes(self, key: str) -> tuple[str, ...]:
        """The key's themes in the session's language, else in the other one, where a word
        is matched whole or without its plural ending (no second stemmer for every word)."""
        own, other = self.lexicons
        found = own.words.get(key) or own.stems.get(stem(key, self.lang))
        if not found and self.lang == "nl" and key.endswith("t") and len(key) > 4:
            found = own.stems.get(stem(key[:-1], self.lang))  # "helpt", "luistert"
        return found or other.words.get(key) or other.light_words.get(light(key), ())

    def corrected(self, key: str) -> str:
        if len(key) < 5 or self.counts[key] > 1 or self.themes(key):
            return key
        candidates = {
            word
            for lang in self.langs
            for variant in variants(key)
            for word in deletions(lang).get(variant, ())
            if is_typo_of(key, word)
        }
        return min(candidates) if candidates else key

    def parts(self, key: str) -> tuple[str, str | None] | None:
        """Splits a compound into its head and modifier, or a derived word into its base."""
        if key.startswith("ge") and len(key) > 5 and light(key[2:]) in self.known:
            return self.known[light(key[2:])], None
        for i in range(3, len(key) - 2):
            left, right = key[:i], key[i:]
            base = self.base(left)
            if right in DERIVATIONAL_SUFFIXES and base:
                return base, None
            if len(right) >= 4 and light(right) in self.known and (base or len(left) >= 4):
                return self.known[light(right)], base
        return None

    def base(self, left: str) -> str | None:
        for link in ("", "s", "e", "en"):
            if left.endswith(link) and light(left[: len(left) - len(link)]) in self.known:
                return self.known[light(left[: len(left) - len(link)])]
        return None

    def analyse(self, words: list[tuple[str, str]]) -> Answer:
        answer = Answer(tokens=[])
        for surface, key in words:
            if key:
                answer.tokens.append(self.token(answer, surface, key))
        self.add_phrases(answer)
        if not answer.features:
            answer.is_strong = False
            for token in answer.tokens:
                if token.kind is Kind.WEAK:
                    answer.add("s:" + token.stems[0], 1.0)
        return answer

    def token(self, answer: Answer, surface: str, key: str) -> Token:
        kind = self.kind(key)
        if kind is Kind.STOP:
            return Token(surface, key, kind, (key,), ())
        if kind is Kind.WEAK:
            return Token(surface, key, kind, (stem(key, self.lang),), ())
        key = self.corrected(key)
        own = stem(key, self.lang)
        themes = self.themes(key)
        split = None if themes else self.parts(key)
        stems = [own]
        weight = STEM_WEIGHT
        if split:
            head, modifier = split
            themes = self.themes(head)
            self.add_word(answer, head, HEAD_WEIGHT if modifier else STEM_WEIGHT, stems)
            if modifier:
                weight *= MODIFIER_WEIGHT
                self.add_word(answer, modifier, MODIFIER_WEIGHT, stems)
        self.add_word(answer, key, weight, [], themes)
        return Token(surface, key, kind, tuple(stems), themes)

    def add_word(
        self,
        answer: Answer,
        key: str,
        weight: float,
        stems: list[str],
        themes: tuple[str, ...] | None = None,
    ) -> None:
        part = stem(key, self.lang)
        stems.append(part)
        if self.kind(key) is Kind.WEAK:
            return
        themes = self.themes(key) if themes is None else themes
        if themes and all(t in LIGHT_THEMES for t in themes):
            weight *= LIGHT_WEIGHT
        answer.add("s:" + part, weight)
        self.add_themes(answer, themes, weight)

    def add_themes(self, answer: Answer, themes: tuple[str, ...], weight: float) -> None:
        share = 1.0 if len(themes) == 1 else 0.75
        for theme in themes:
            answer.add("t:" + theme, THEME_WEIGHT * weight * share)

    def add_phrases(self, answer: Answer) -> None:
        """Finds the lexicon's phrases, allowing one word between two of theirs ("leaving
        people out"); in the other language, on whole words."""
        keys = [t.key for t in answer.tokens]
        stems = [stem(k, self.lang) for k in keys]
        own, other = self.lexicons
        for words, index in ((stems, own.phrase_stems), (keys, other.phrase_keys)):
            for start, word in enumerate(words):
                for phrase, themes in index.get(word, ()):
                    end = matched_end(words, phrase, start)
                    if end is not None:
                        self.add_themes(answer, themes, 1.0)
                        answer.phrases.append((start, end))
                        for i in range(start, end):
                            token = answer.tokens[i]
                            extra = tuple(t for t in themes if t not in token.themes)
                            kind = Kind.CONTENT if token.kind is Kind.WEAK else token.kind
                            answer.tokens[i] = replace(
                                token, kind=kind, themes=token.themes + extra
                            )


def matched_end(stems: list[str], phrase: tuple[str, ...], start: int) -> int | None:
    at = start
    for word in phrase[1:]:
        if at + 1 < len(stems) and stems[at + 1] == word:
            at += 1
        elif at + 2 < len(stems) and stems[at + 2] == word:
            at += 2
        else:
            return None
    return at + 1
