"""Names a suggested group as a person would: the theme most of its answers are about, else
its most typical short answer, else the word most of them share; always capitalised."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from .features import Answer, Kind, Token
from .lexicon import LIGHT_THEMES, THEME_NAMES

LABEL_LENGTH = 40
# An answer longer than this reads as a sentence, not as the name of a group.
NAME_WORDS = 5
EMPTY_LABEL = {"nl": "(leeg)", "en": "(empty)"}
ENDS = re.compile(r"^[\W_]+|[\W_]+$")


def tidy(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= LABEL_LENGTH:
        return capitalised(text)
    cut = text[: LABEL_LENGTH - 1]
    return capitalised((cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,.;:-") + "…")


def capitalised(text: str) -> str:
    """First letter upper case; an answer typed in capitals ("RESPECT") is lowered first."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) > 4 and all(c.isupper() for c in letters):
        text = text.lower()
    return text[:1].upper() + text[1:]


def label(
    answers: list[Answer], texts: list[str], vectors: list[dict[str, float]], lang: str
) -> str:
    """The readable name of the theme most answers share; else the group's most typical
    answer if it is short; else the word or phrase most of them use, as they typed it."""
    theme = shared_theme(answers)
    if theme:
        return THEME_NAMES[theme][0 if lang == "nl" else 1]
    central = typical_answer(texts, vectors)
    if central:
        return central
    word = best_word(answers)
    if word is None:
        return EMPTY_LABEL[lang]
    return capitalised(best_phrase(answers, word[0]) or word[1])


def shared_theme(answers: list[Answer]) -> str | None:
    """The one theme more than half the answers are about; none if two tie, since then the
    theme would name only part of what the group means."""
    counts = Counter(
        f[2:]
        for a in answers
        for f in a.features
        if f.startswith("t:") and f[2:] not in LIGHT_THEMES
    )
    ranked = counts.most_common(2)
    if not ranked or 2 * ranked[0][1] <= len(answers):
        return None
    if len(ranked) == 2 and ranked[1][1] == ranked[0][1]:
        return None
    return ranked[0][0]


def typical_answer(texts: list[str], vectors: list[dict[str, float]]) -> str | None:
    """The short answer nearest to the group's centre (its vector against the sum of all,
    linear in the group's size), shorter first on a tie; None if every answer is long."""
    total: Counter[str] = Counter()
    for vector in vectors:
        total.update(vector)
    ranked = []
    for index, (text, vector) in enumerate(zip(texts, vectors, strict=True)):
        name = ENDS.sub("", " ".join(text.split()))
        if name and len(name) <= LABEL_LENGTH and len(name.split()) <= NAME_WORDS:
            closeness = sum(w * total[f] for f, w in vector.items())
            ranked.append((-round(closeness, 6), len(name.split()), len(name), index, name))
    return capitalised(min(ranked)[-1]) if ranked else None


def best_word(answers: list[Answer]) -> tuple[str, str] | None:
    """The stem most answers share, content words before weak ones, with its most common
    form as typed; a compound's part that nobody typed alone is never a name."""
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    forms: dict[str, Counter[str]] = {}
    strong: set[str] = set()
    for answer in answers:
        content = [t for t in answer.tokens if t.kind is not Kind.STOP]
        for token in content:
            key = token.stems[0]
            forms.setdefault(key, Counter())[surface(token)] += 1
            first.setdefault(key, len(first))
            if token.kind is Kind.CONTENT:
                strong.add(key)
        counts.update({t.stems[0] for t in content})
    if not counts:
        return None
    top = min(counts, key=lambda s: (s not in strong, -counts[s], first[s]))
    found = forms[top]
    return top, min(found, key=lambda f: (-found[f], len(f), f))


def best_phrase(answers: Sequence[Answer], stem_: str) -> str | None:
    """A run of words with the stem that most of the answers share, such as "elkaar
    aanspreken" or "te laat"."""
    counts: Counter[tuple[str, ...]] = Counter()
    forms: dict[tuple[str, ...], Counter[str]] = {}
    for answer in answers:
        tokens = answer.tokens
        spans = {(i, i + n) for i in range(len(tokens)) for n in (2, 3) if i + n <= len(tokens)}
        seen: set[tuple[str, ...]] = set()
        for start, end in spans:
            span = tokens[start:end]
            if not any(t.stems[0] == stem_ for t in span):
                continue
            is_bounded = Kind.STOP not in (span[0].kind, span[-1].kind)
            if not is_bounded and (start, end) not in answer.phrases:
                continue
            key = tuple(t.stems[0] for t in span)
            seen.add(key)
            forms.setdefault(key, Counter())[" ".join(surface(t) for t in span)] += 1
        counts.update(seen)
    if not counts:
        return None
    best = min(counts, key=lambda k: (-counts[k], len(k), k))
    if counts[best] < max(2, math.ceil(0.6 * len(answers))):
        return None
    return min(forms[best], key=lambda f: (-forms[best][f], f))


def surface(token: Token) -> str:
    word = token.surface.replace("’", "'")
    return word if word.isupper() and len(word) <= 4 else word.lower()
