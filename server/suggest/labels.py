"""Names a suggested group: the word (or phrase) most of its answers share, preferably of the
theme most are about; a lone answer is named by its own text, tidied and shortened."""

from __future__ import annotations

import math
from collections import Counter

from .features import Answer, Kind, Token

LABEL_LENGTH = 40
EMPTY_LABEL = {"nl": "(leeg)", "en": "(empty)"}


def tidy(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= LABEL_LENGTH:
        return text
    cut = text[: LABEL_LENGTH - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,.;:-") + "…"


def label(answers: list[Answer], lang: str) -> str:
    """The word most answers of the group share, preferring one of the theme most of them
    are about, as a phrase when most use it in one; a second word when the first leaves many
    answers out."""
    themes = Counter(f[2:] for a in answers for f in a.features if f.startswith("t:"))
    theme, count = themes.most_common(1)[0] if themes else ("", 0)
    first = best_word(answers, theme if 2 * count > len(answers) else "")
    if first is None:
        return EMPTY_LABEL[lang]
    stem_, text = first
    covered = [any(stem_ in t.stems for t in a.tokens) for a in answers]
    text = best_phrase([a for a, c in zip(answers, covered, strict=True) if c], stem_) or text
    rest = [a for a, c in zip(answers, covered, strict=True) if not c]
    if len(rest) >= max(2, 0.3 * len(answers)):
        second = best_word(rest, "", minimum=2)
        if second is not None and second[1][:4] != text[:4]:
            text = f"{text}, {second[1]}"
    return tidy(text)


def best_word(answers: list[Answer], theme: str, minimum: int = 1) -> tuple[str, str] | None:
    """The stem to name the answers by, with its most common form. Content words beat weak
    ones, words of the theme beat others, then the most answers, then a word that is a whole
    answer ("Duidelijkheid" rather than "duidelijke regels"), then the first one."""
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    rank: dict[str, tuple[bool, bool, bool]] = {}
    forms: dict[str, Counter[tuple[bool, str]]] = {}
    for answer in answers:
        content = [t for t in answer.tokens if t.kind is not Kind.STOP]
        alone = len(content) == 1
        for token in content:
            is_strong, is_on_theme = token.kind is Kind.CONTENT, theme in token.themes
            for s in token.stems:
                rank[s] = max(rank.get(s, (False, False, False)), (is_strong, is_on_theme, alone))
                first.setdefault(s, len(first))
            forms.setdefault(token.stems[0], Counter())[(alone, surface(token))] += 1
        counts.update(dict.fromkeys([s for t in content for s in t.stems], 1))
    if not counts:
        return None

    def order(s: str) -> tuple[bool, bool, int, bool, bool, int]:
        is_strong, is_on_theme, alone = rank[s]
        return (not is_strong, not is_on_theme, -counts[s], not alone, s not in forms, first[s])

    top = min(counts, key=order)
    if counts[top] < minimum:
        return None
    if top not in forms:
        return top, top
    found = forms[top]
    return top, min(found, key=lambda f: (not f[0], -found[f], len(f[1]), f[1]))[1]


def best_phrase(answers: list[Answer], stem_: str) -> str | None:
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
