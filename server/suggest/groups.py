"""Proposes groups of similar answers, computed on this server alone: words are normalised,
stemmed, split into compound parts and mapped onto school-climate themes, then answers are
clustered by average-linkage on TF-IDF cosine similarity."""

from __future__ import annotations

import heapq
import math
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .features import Analyser, Answer
from .labels import EMPTY_LABEL, label, tidy
from .words import WORD, normalise

LANGUAGES = ("nl", "en")
# Average cosine similarity two groups need to be merged; measured with bench/grouping.py.
THRESHOLD = 0.35
HAPAX_WEIGHT = 0.3
IDF_OFFSET = 1.0


@dataclass(frozen=True)
class Suggestion:
    label: str
    answers: tuple[int, ...]
    duplicates: int = 0  # answers that repeat another of the group, case and punctuation aside


def suggest_groups(texts: Sequence[str], lang: str) -> list[Suggestion]:
    """Every index appears in exactly one Suggestion; an answer that fits no group is a group
    of one (its label: its own tidied text, shortened). Groups of 2+ first, biggest first;
    deterministic."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; expected one of {LANGUAGES}")
    answers = Analyser(lang, texts).answers
    vectors = weighted(answers)
    keys = [identity(text) for text in texts]
    # Identical answers have identical features, so they share a node and so a group.
    nodes: dict[tuple[tuple[str, float], ...], list[int]] = {}
    copies: dict[str, list[int]] = {}
    for index, answer in enumerate(answers):
        if answer.features:
            nodes.setdefault(tuple(sorted(answer.features.items())), []).append(index)
        elif keys[index]:
            copies.setdefault(keys[index], []).append(index)  # "ok", "👍": no words to weigh
    # An answer of weak words only ("de leerlingen") joins its duplicates, nothing more.
    weak = [m for m in nodes.values() if not answers[m[0]].is_strong]
    strong = [m for m in nodes.values() if answers[m[0]].is_strong]
    clusters = cluster([vectors[m[0]] for m in strong], [len(m) for m in strong])
    groups = [sorted(i for node in c for i in strong[node]) for c in clusters]
    groups += [m for m in weak if len(m) > 1]
    groups += [m for m in copies.values() if len(m) > 1]
    grouped = {i for g in groups for i in g}
    groups += [[i] for i in range(len(texts)) if i not in grouped]
    groups.sort(key=lambda g: (len(g) == 1, -len(g), g[0]))
    return [
        Suggestion(
            label=label(
                [answers[i] for i in g], [texts[i] for i in g], [vectors[i] for i in g], lang
            )
            if len(g) > 1
            else tidy(texts[g[0]]) or EMPTY_LABEL[lang],
            answers=tuple(g),
            duplicates=len(g) - len({keys[i] for i in g}),
        )
        for g in groups
    ]


def identity(text: str) -> str:
    """What two answers must share to be the same answer: their words, case, accents and
    punctuation aside; else their text without spacing ("👍"); blank is no answer at all."""
    words = " ".join(normalise(w) for w in WORD.findall(text))
    return words or "".join(c for c in text if c.isprintable() and not is_punctuation(c))


def is_punctuation(char: str) -> bool:
    return char.isspace() or unicodedata.category(char).startswith("P")


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
