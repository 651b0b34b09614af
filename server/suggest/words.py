"""Single words of short answers: split out of a text, normalised, stemmed (in Dutch also
without the diminutive and Latin endings Snowball keeps), and compared for typos."""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from typing import Protocol, cast

import snowballstemmer  # type: ignore[import-untyped]

DUTCH_ENDINGS = ("tjes", "tje", "jes", "je", "aties", "atie", "eringen", "ering", "erende",
    "erend", "eerden", "eerde", "eert", "eren", "iteiten", "iteit")  # fmt: skip
MIN_ROOT = {ending: 4 if "j" in ending else 5 for ending in DUTCH_ENDINGS}
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def normalise(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if c.isalnum())


@lru_cache(maxsize=50_000)
def stem(word: str, lang: str) -> str:
    """Snowball's stem; in Dutch first without diminutive or Latin ending, which Snowball
    keeps: "vriendjes" is "vriend", "respecteren" and "respect" are one."""
    if lang == "nl":
        for ending in DUTCH_ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= MIN_ROOT[ending]:
                word = word[: -len(ending)]
                break
    return stemmer(lang).stemWord(word)


class WordStemmer(Protocol):
    def stemWord(self, word: str) -> str: ...  # Snowball's name


_stemmers = threading.local()


def stemmer(lang: str) -> WordStemmer:
    """One stemmer per thread and language: Snowball's keep the word they work on in the
    object, so two threads sharing one (two suggestions at once) corrupt each other."""
    found: dict[str, WordStemmer] = _stemmers.__dict__.setdefault("by_lang", {})
    if lang not in found:
        # The classic Dutch Porter stemmer: the newer one cuts "ge-", making "geweld" of "wel".
        name = "dutch_porter" if lang == "nl" else "english"
        found[lang] = cast(WordStemmer, snowballstemmer.stemmer(name))
    return found[lang]


def light(key: str) -> str:
    """Strips plural and inflection endings cheaply, for matching compound parts."""
    for ending in ("en", "es", "s", "e"):
        if key.endswith(ending) and len(key) - len(ending) >= 3:
            return key[: -len(ending)]
    return key


def variants(key: str) -> set[str]:
    return {key} | {key[:i] + key[i + 1 :] for i in range(len(key))}


def is_typo_of(typo: str, word: str) -> bool:
    """Two neighbours swapped, or in a long word one letter wrong, missing or extra; never
    the first letter. Short words are left alone: "taking" is no typo of "talking"."""
    if typo[0] != word[0] or typo == word:
        return False
    if len(typo) == len(word):
        diff = [i for i in range(len(word)) if typo[i] != word[i]]
        if len(diff) == 2 and diff[1] == diff[0] + 1:
            return typo[diff[0]] == word[diff[1]] and typo[diff[1]] == word[diff[0]]
        return len(diff) == 1 and len(word) >= 7
    short, long_ = sorted((typo, word), key=len)
    return len(long_) - len(short) == 1 and len(short) >= 7 and short in variants(long_)
