"""The lexicon compiled for one language: its theme words by key and by stem, its phrases,
stop and weak words, and an index of the theme words for finding typos."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from .lexicon import STOPWORDS, THEMES, WEAK_WORDS
from .words import WORD, light, normalise, stem, variants


@dataclass(frozen=True)
class Lexicon:
    stopwords: frozenset[str]
    weak: frozenset[str]  # keys and their stems
    words: dict[str, tuple[str, ...]]
    light_words: dict[str, tuple[str, ...]]
    stems: dict[str, tuple[str, ...]]
    # Phrases by their first word: stems to match in this language, keys in the other.
    phrase_stems: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]]
    phrase_keys: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]]


@cache
def lexicon(lang: str) -> Lexicon:
    words: dict[str, set[str]] = {}
    stems: dict[str, set[str]] = {}
    phrases: dict[tuple[str, ...], set[str]] = {}
    phrase_stems: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
    phrase_keys: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
    for theme, entries in THEMES.items():
        for entry in entries[lang].split(","):
            keys = tuple(normalise(w) for w in WORD.findall(entry))
            if len(keys) == 1:
                words.setdefault(keys[0], set()).add(theme)
                stems.setdefault(stem(keys[0], lang), set()).add(theme)
            elif keys:
                phrases.setdefault(keys, set()).add(theme)
    for keys, themes in phrases.items():
        stems_ = tuple(stem(k, lang) for k in keys)
        phrase_stems.setdefault(stems_[0], []).append((stems_, tuple(sorted(themes))))
        phrase_keys.setdefault(keys[0], []).append((keys, tuple(sorted(themes))))
    weak = {normalise(w) for w in WEAK_WORDS[lang].split()}
    return Lexicon(
        stopwords=frozenset(normalise(w) for w in STOPWORDS[lang].split()),
        weak=frozenset(weak | {stem(w, lang) for w in weak}),
        words={k: tuple(sorted(v)) for k, v in words.items()},
        light_words={light(k): tuple(sorted(v)) for k, v in reversed(words.items())},
        stems={k: tuple(sorted(v)) for k, v in stems.items()},
        phrase_stems=phrase_stems,
        phrase_keys=phrase_keys,
    )


@cache
def deletions(lang: str) -> dict[str, frozenset[str]]:
    index: dict[str, set[str]] = {}
    for key in lexicon(lang).words:
        for variant in variants(key):
            index.setdefault(variant, set()).add(key)
    return {k: frozenset(v) for k, v in index.items()}
