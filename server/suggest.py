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
from dataclasses import dataclass, field
from enum import Enum
from functools import cache, lru_cache

import snowballstemmer

from .lexicon import DERIVATIONAL_SUFFIXES, STOPWORDS, THEMES, WEAK_WORDS

LANGUAGES = ("nl", "en")
# Average cosine similarity two groups need to be merged; measured with bench/grouping.py.
THRESHOLD = 0.3
STEM_WEIGHT = 1.0
WEAK_WEIGHT = 0.3
THEME_WEIGHT = 1.2
HEAD_WEIGHT = 0.8
MODIFIER_WEIGHT = 0.5
LABEL_LENGTH = 40
EMPTY_LABEL = {"nl": "(leeg)", "en": "(empty)"}

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
    node_members = list(nodes.values())
    clusters = cluster([vectors[m[0]] for m in node_members], [len(m) for m in node_members])
    groups = [sorted(i for node in c for i in node_members[node]) for c in clusters]
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
    stems: tuple[str, ...]  # own stem first, then compound parts


@dataclass
class Answer:
    tokens: list[Token]
    features: dict[str, float] = field(default_factory=dict)

    def add(self, feature: str, weight: float) -> None:
        self.features[feature] = max(weight, self.features.get(feature, 0.0))


@dataclass(frozen=True)
class Lexicon:
    stopwords: frozenset[str]
    weak: frozenset[str]
    words: dict[str, tuple[str, ...]]
    stems: dict[str, tuple[str, ...]]
    phrases: dict[tuple[str, ...], tuple[str, ...]]


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
    return stemmer(lang).stemWord(word)


@cache
def stemmer(lang: str) -> snowballstemmer.Stemmer:
    # The classic Dutch Porter stemmer: the newer one cuts "ge-", making "geweld" of "wel".
    return snowballstemmer.stemmer("dutch_porter" if lang == "nl" else "english")


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
    for theme, entries in THEMES.items():
        for entry in entries[lang].split(","):
            keys = tuple(normalise(w) for w in WORD.findall(entry))
            if len(keys) == 1:
                words.setdefault(keys[0], set()).add(theme)
                stems.setdefault(stem(keys[0], lang), set()).add(theme)
            elif keys:
                phrases.setdefault(tuple(stem(k, lang) for k in keys), set()).add(theme)
    return Lexicon(
        stopwords=frozenset(normalise(w) for w in STOPWORDS[lang].split()),
        weak=frozenset(normalise(w) for w in WEAK_WORDS[lang].split()),
        words={k: tuple(sorted(v)) for k, v in words.items()},
        stems={k: tuple(sorted(v)) for k, v in stems.items()},
        phrases={k: tuple(sorted(v)) for k, v in phrases.items()},
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
    """One substitution, insertion, deletion or swap of neighbours, not at the first letter."""
    if typo[0] != word[0] or typo == word:
        return False
    if len(typo) == len(word):
        diff = [i for i in range(len(word)) if typo[i] != word[i]]
        if len(diff) == 2 and diff[1] == diff[0] + 1:
            return typo[diff[0]] == word[diff[1]] and typo[diff[1]] == word[diff[0]]
        return len(diff) == 1 and len(word) >= 6
    short, long_ = sorted((typo, word), key=len)
    return len(long_) - len(short) == 1 and len(short) >= 5 and short in variants(long_)


class Analyser:
    """Turns the answers of one set into tokens and features; knows the words of the set."""

    def __init__(self, lang: str, texts: Sequence[str]) -> None:
        self.lang = lang
        self.other = "en" if lang == "nl" else "nl"
        self.lexicons = (lexicon(lang), lexicon(self.other))
        raw = [[(m.group(), normalise(m.group())) for m in WORD.finditer(t)] for t in texts]
        self.counts = Counter(key for words in raw for _, key in words if key)
        self.known = {light(k): k for lex in self.lexicons for k in lex.words}
        for key, count in self.counts.items():
            if len(key) >= 4 and self.kind(key) is Kind.CONTENT:
                self.known.setdefault(light(key), key)
        self.answers = [self.analyse(words) for words in raw]

    def kind(self, key: str) -> Kind:
        own, other = self.lexicons
        if key in own.stopwords or key.isdigit():
            return Kind.STOP
        if key in own.weak:
            return Kind.WEAK
        if key in own.words or key in other.words:
            return Kind.CONTENT
        if key in other.stopwords:
            return Kind.STOP
        return Kind.WEAK if key in other.weak else Kind.CONTENT

    def themes(self, key: str) -> tuple[str, ...]:
        for lex, lang in zip(self.lexicons, (self.lang, self.other), strict=True):
            found = lex.words.get(key) or lex.stems.get(stem(key, lang))
            if found:
                return found
        return ()

    def corrected(self, key: str) -> str:
        if len(key) < 5 or self.counts[key] > 1 or self.themes(key):
            return key
        candidates = {
            word
            for lang in (self.lang, self.other)
            for variant in variants(key)
            for word in deletions(lang).get(variant, ())
            if is_typo_of(key, word)
        }
        return min(candidates) if candidates else key

    def parts(self, key: str) -> tuple[str, str | None] | None:
        """Splits a compound into its head and modifier, or a derived word into its base."""
        if key.startswith("ge") and light(key[2:]) in self.known and len(key) > 5:
            return self.known[light(key[2:])], None
        for i in range(3, len(key) - 2):
            left, right = key[:i], key[i:]
            base = self.base(left)
            if right in DERIVATIONAL_SUFFIXES and base:
                return base, None
            if len(right) >= 4 and light(right) in self.known:
                if base or len(left) >= 4:
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
            if not key:
                continue
            kind = self.kind(key)
            if kind is Kind.STOP:
                answer.tokens.append(Token(surface, key, kind, (key,)))
                continue
            key = self.corrected(key)
            own = stem(key, self.lang)
            weight = WEAK_WEIGHT if kind is Kind.WEAK else STEM_WEIGHT
            themes = self.themes(key) if kind is Kind.CONTENT else ()
            split = None if themes or kind is Kind.WEAK else self.parts(key)
            stems = [own]
            if split:
                head, modifier = split
                weight *= 0.5 if modifier else 1.0
                self.add_word(answer, head, HEAD_WEIGHT if modifier else STEM_WEIGHT, stems)
                if modifier:
                    self.add_word(answer, modifier, MODIFIER_WEIGHT, stems)
            answer.add("s:" + own, weight)
            self.add_themes(answer, themes, 1.0)
            answer.tokens.append(Token(surface, key, kind, tuple(stems)))
        self.add_phrases(answer)
        return answer

    def add_word(self, answer: Answer, key: str, weight: float, stems: list[str]) -> None:
        part = stem(key, self.lang)
        stems.append(part)
        if self.kind(key) is Kind.WEAK:
            weight *= WEAK_WEIGHT
        answer.add("s:" + part, weight)
        self.add_themes(answer, self.themes(key), weight)

    def add_themes(self, answer: Answer, themes: tuple[str, ...], weight: float) -> None:
        share = 1.0 if len(themes) == 1 else 0.75
        for theme in themes:
            answer.add("t:" + theme, THEME_WEIGHT * weight * share)

    def add_phrases(self, answer: Answer) -> None:
        keys = [t.key for t in answer.tokens]
        for lex, lang in zip(self.lexicons, (self.lang, self.other), strict=True):
            stems = [stem(k, lang) for k in keys]
            for phrase, themes in lex.phrases.items():
                n = len(phrase)
                if any(tuple(stems[i : i + n]) == phrase for i in range(len(stems) - n + 1)):
                    self.add_themes(answer, themes, 1.0)


def weighted(answers: list[Answer]) -> list[dict[str, float]]:
    """TF-IDF vectors of unit length; a feature every answer has says nothing."""
    df = Counter(f for a in answers for f in a.features)
    n = len(answers)
    vectors = []
    for answer in answers:
        vector = {f: w * (math.log((1 + n) / (1 + df[f])) + 1) for f, w in answer.features.items()}
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
        row: dict[int, float] = {}
        for old in (i, j):
            for other, total in sums.pop(old).items():
                if other not in (i, j):
                    row[other] = row.get(other, 0.0) + total
                    del sums[other][old]
        sums[new] = row
        for other, total in row.items():
            sums[other][new] = total
            mean = total / (weight[new] * weight[other])
            if mean >= THRESHOLD:
                heapq.heappush(heap, (-mean, other, new))
    return [m for m in members.values() if sum(sizes[i] for i in m) > 1]


def label(answers: list[Answer], lang: str) -> str:
    """The word most answers of the group share, as a phrase when most use it in one; a
    second word when the first leaves many answers out."""
    first = best_word(answers)
    if first is None:
        return EMPTY_LABEL[lang]
    stem_, word = first
    covered = [a for a in answers if any(stem_ in t.stems for t in a.tokens)]
    text = best_phrase(covered, stem_) or word
    rest = [a for a in answers if a not in covered]
    if len(rest) >= max(2, 0.3 * len(answers)):
        second = best_word(rest, minimum=2)
        if second is not None:
            text = f"{text}, {second[1]}"
    return tidy(text)


def best_word(answers: list[Answer], minimum: int = 1) -> tuple[str, str] | None:
    counts: Counter[str] = Counter()
    strong: set[str] = set()
    surfaces: dict[str, Counter[str]] = {}
    for answer in answers:
        seen: set[str] = set()
        for token in answer.tokens:
            if token.kind is Kind.STOP:
                continue
            seen.update(token.stems)
            if token.kind is Kind.CONTENT:
                strong.update(token.stems)
            surfaces.setdefault(token.stems[0], Counter())[surface(token)] += 1
        counts.update(seen)
    ranked = sorted(counts, key=lambda s: (s not in strong, -counts[s], s not in surfaces))
    if not ranked or counts[ranked[0]] < minimum:
        return None
    top = ranked[0]
    if top not in surfaces:
        return top, top
    forms = surfaces[top]
    return top, min(forms, key=lambda f: (-forms[f], len(f), f))


def best_phrase(answers: list[Answer], stem_: str) -> str | None:
    counts: Counter[tuple[str, ...]] = Counter()
    forms: dict[tuple[str, ...], Counter[str]] = {}
    for answer in answers:
        tokens = answer.tokens
        seen: set[tuple[str, ...]] = set()
        for i in range(len(tokens)):
            for n in (2, 3):
                span = tokens[i : i + n]
                if len(span) < n or Kind.STOP in (span[0].kind, span[-1].kind):
                    continue
                if not any(t.stems[0] == stem_ for t in span):
                    continue
                key = tuple(t.stems[0] for t in span)
                seen.add(key)
                forms.setdefault(key, Counter())[" ".join(surface(t) for t in span)] += 1
        counts.update(seen)
    if not counts:
        return None
    best = min(counts, key=lambda k: (-counts[k], len(k)))
    if counts[best] < max(2, math.ceil(0.6 * len(answers))):
        return None
    return min(forms[best], key=lambda f: (-forms[best][f], f))


def surface(token: Token) -> str:
    word = token.surface.replace("’", "'")
    return word if word.isupper() and len(word) <= 4 else word.lower()
