"""Proposes groups of similar answers, computed on this server alone: words are normalised,
stemmed, split into compound parts and mapped onto school-climate themes, then answers are
clustered by average-linkage on TF-IDF cosine similarity."""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from functools import cache, lru_cache
from typing import Protocol, cast

import snowballstemmer  # type: ignore[import-untyped]

from .lexicon import DERIVATIONAL_SUFFIXES, LIGHT_THEMES, STOPWORDS, THEMES, WEAK_WORDS

LANGUAGES = ("nl", "en")
# Average cosine similarity two groups need to be merged; measured with bench/grouping.py.
THRESHOLD = 0.35
STEM_WEIGHT = 1.0
LIGHT_WEIGHT = 0.4
THEME_WEIGHT = 1.5
HEAD_WEIGHT = 0.8
MODIFIER_WEIGHT = 0.5
HAPAX_WEIGHT = 0.3
IDF_OFFSET = 1.0
LABEL_LENGTH = 40
EMPTY_LABEL = {"nl": "(leeg)", "en": "(empty)"}

DUTCH_ENDINGS = ("tjes", "tje", "jes", "je", "aties", "atie", "eringen", "ering", "erende",
    "erend", "eerden", "eerde", "eert", "eren", "iteiten", "iteit")  # fmt: skip
MIN_ROOT = {ending: 4 if "j" in ending else 5 for ending in DUTCH_ENDINGS}
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


@dataclass(frozen=True)
class Suggestion:
    label: str
    answers: tuple[int, ...]


def suggest_groups(texts: Sequence[str], lang: str) -> list[Suggestion]:
    """Every index appears in exactly one Suggestion; an answer that fits no group is a group
    of one (its label: its own tidied text, shortened). Groups of 2+ first, biggest first;
    deterministic."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; expected one of {LANGUAGES}")
    answers = Analyser(lang, texts).answers
    vectors = weighted(answers)
    nodes: dict[tuple[tuple[str, float], ...], list[int]] = {}
    for index, answer in enumerate(answers):
        if answer.features:
            nodes.setdefault(tuple(sorted(answer.features.items())), []).append(index)
    # An answer of weak words only ("de leerlingen") joins its duplicates, nothing more.
    weak = [m for m in nodes.values() if not answers[m[0]].is_strong]
    strong = [m for m in nodes.values() if answers[m[0]].is_strong]
    clusters = cluster([vectors[m[0]] for m in strong], [len(m) for m in strong])
    groups = [sorted(i for node in c for i in strong[node]) for c in clusters]
    groups += [m for m in weak if len(m) > 1]
    grouped = {i for g in groups for i in g}
    groups += [[i] for i in range(len(texts)) if i not in grouped]
    groups.sort(key=lambda g: (len(g) == 1, -len(g), g[0]))
    return [
        Suggestion(
            label=label([answers[i] for i in g], lang)
            if len(g) > 1
            else tidy(texts[g[0]]) or EMPTY_LABEL[lang],
            answers=tuple(g),
        )
        for g in groups
    ]


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


def normalise(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if c.isalnum())


def tidy(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= LABEL_LENGTH:
        return text
    cut = text[: LABEL_LENGTH - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,.;:-") + "…"


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


@cache
def stemmer(lang: str) -> WordStemmer:
    # The classic Dutch Porter stemmer: the newer one cuts "ge-", making "geweld" of "wel".
    return cast(WordStemmer, snowballstemmer.stemmer("dutch_porter" if lang == "nl" else "english"))


def light(key: str) -> str:
    """Strips plural and inflection endings cheaply, for matching compound parts."""
    for ending in ("en", "es", "s", "e"):
        if key.endswith(ending) and len(key) - len(ending) >= 3:
            return key[: -len(ending)]
    return key


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


def weighted(answers: list[Answer]) -> list[dict[str, float]]:
    """TF-IDF vectors of unit length; a feature every answer has says nothing."""
    df = Counter(f for a in answers for f in a.features)
    n = len(answers)
    idf = {
        f: (math.log((1 + n) / (1 + d)) + IDF_OFFSET) * (HAPAX_WEIGHT if d == 1 else 1.0)
        for f, d in df.items()
    }
    vectors = []
    for answer in answers:
        vector = {f: w * idf[f] for f, w in answer.features.items()}
        norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
        vectors.append({f: w / norm for f, w in vector.items()})
    return vectors


def cluster(vectors: list[dict[str, float]], sizes: list[int]) -> list[list[int]]:
    """Average-linkage clustering of weighted points, merging while the mean pairwise cosine
    similarity between two clusters reaches THRESHOLD; sparse, so fast for short texts."""
    postings: dict[str, list[tuple[int, float]]] = {}
    for i, vector in enumerate(vectors):
        for f, w in vector.items():
            postings.setdefault(f, []).append((i, w))
    dots: dict[int, dict[int, float]] = {i: {} for i in range(len(vectors))}
    for posting in postings.values():
        for a, (i, wi) in enumerate(posting):
            row = dots[i]
            for j, wj in posting[a + 1 :]:
                row[j] = row.get(j, 0.0) + wi * wj
    sums: dict[int, dict[int, float]] = {i: {} for i in range(len(vectors))}
    heap: list[tuple[float, int, int]] = []
    for i, row in dots.items():
        for j, dot in row.items():
            sums[i][j] = sums[j][i] = dot * sizes[i] * sizes[j]
            if dot >= THRESHOLD:
                heap.append((-dot, i, j))
    heapq.heapify(heap)
    members = {i: [i] for i in range(len(vectors))}
    weight = dict(enumerate(sizes))
    while heap:
        _, i, j = heapq.heappop(heap)
        if i not in members or j not in members:
            continue
        new = len(weight)
        members[new] = members.pop(i) + members.pop(j)
        weight[new] = weight[i] + weight[j]
        merged: dict[int, float] = {}
        for old in (i, j):
            for other, total in sums.pop(old).items():
                if other not in (i, j):
                    merged[other] = merged.get(other, 0.0) + total
                    del sums[other][old]
        sums[new] = merged
        for other, total in merged.items():
            sums[other][new] = total
            mean = total / (weight[new] * weight[other])
            if mean >= THRESHOLD:
                heapq.heappush(heap, (-mean, other, new))
    return [m for m in members.values() if sum(sizes[i] for i in m) > 1]


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
