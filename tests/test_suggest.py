"""Suggested groups: every answer in exactly one group, near-duplicates and compounds together,
unrelated answers alone, readable labels; and the `draagvlak suggest-groups` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from math import comb
from pathlib import Path

import pytest
import snowballstemmer  # type: ignore[import-untyped]
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT
from server.suggest import Suggestion, suggest_groups
from server.suggest.lexicon import THEME_NAMES, THEMES
from server.suggest.words import WORD, normalise, stem

ANSWERS = [
    "respect",
    "Respect!",
    "respect voor elkaar",
    "veiligheid",
    "een veilige school",
    "elkaar aanspreken",
    "elkaar aanspreken op gedrag",
    "pesten",
    "cyberpesten",
    "schoolregels",
    "duidelijke regels",
    "😀",
    "",
    "fijne collega's",
    "bullying",
    "safety",
]


def groups_of(texts: list[str], lang: str = "nl") -> list[list[str]]:
    return [[texts[i] for i in s.answers] for s in suggest_groups(texts, lang)]


def group_with(texts: list[str], answer: str, lang: str = "nl") -> Suggestion:
    index = texts.index(answer)
    return next(s for s in suggest_groups(texts, lang) if index in s.answers)


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(st.sampled_from(ANSWERS) | st.text(max_size=30), max_size=25),
    lang=st.sampled_from(["nl", "en"]),
)
def test_every_answer_is_in_exactly_one_group(texts, lang):
    """Whatever the answers, each index appears in exactly one group, ascending, each group
    with a label; groups of two or more come first, biggest first."""
    suggestions = suggest_groups(texts, lang)
    indexes = [i for s in suggestions for i in s.answers]
    assert sorted(indexes) == list(range(len(texts)))
    assert all(list(s.answers) == sorted(s.answers) and s.label for s in suggestions)
    sizes = [len(s.answers) for s in suggestions]
    multi = [n for n in sizes if n > 1]
    assert sizes[: len(multi)] == sorted(multi, reverse=True)


def test_near_duplicates_are_one_group():
    """Case, punctuation, emoji and a few extra words do not split an answer from its twins."""
    texts = ["respect", "Respect!", "respect voor elkaar", "RESPECT 🙂", "de fietsenstalling"]
    assert groups_of(texts)[0] == texts[:4]
    assert suggest_groups(texts, "nl")[0].label == "Respect"


def test_a_compound_meets_its_parts():
    """A Dutch compound joins answers with its last part, known to the lexicon or not."""
    texts = ["leerlingveiligheid", "veiligheid", "fietsenstalling", "een stalling bij de poort"]
    assert sorted(groups_of(texts)) == sorted([texts[:2], texts[2:]])


def test_themes_join_words_that_share_no_letters():
    """Words of one school-climate theme group together, across Dutch and English."""
    texts = ["geborgenheid", "veiligheid", "safety", "schelden", "vloeken", "scheldwoorden"]
    assert sorted(groups_of(texts)) == sorted([texts[:3], texts[3:]])


def test_unrelated_answers_stay_alone_under_their_own_text():
    """An answer that fits no group is not forced into one; its label is its own text."""
    texts = ["respect", "de fietsenstalling", "betere koffie", "  een nieuwe   printer "]
    suggestions = suggest_groups(texts, "nl")
    assert [s.answers for s in suggestions] == [(0,), (1,), (2,), (3,)]
    assert [s.label for s in suggestions] == [
        "Respect",
        "De fietsenstalling",
        "Betere koffie",
        "Een nieuwe printer",
    ]


def test_a_long_lone_answer_gets_a_short_label():
    """A lone answer's label is cut at a word, at most 40 characters."""
    text = "dat we als team echt de tijd nemen om naar elkaars verhalen te luisteren"
    (suggestion,) = suggest_groups([text], "nl")
    assert len(suggestion.label) <= 40
    assert suggestion.label.endswith("…")
    assert text.startswith(suggestion.label[:-1].lower())


def test_no_answers_no_groups():
    """An empty set of answers has no suggestions."""
    assert suggest_groups([], "nl") == []


def test_blank_answers_stay_alone():
    """Empty and whitespace-only answers are each a group of one, never joined to others."""
    texts = ["", "respect", "   ", "Respect!", "\t", "👍"]
    suggestions = suggest_groups(texts, "nl")
    assert suggestions[0].answers == (1, 3)
    alone = {s.answers[0]: s.label for s in suggestions[1:]}
    assert alone == {0: "(leeg)", 2: "(leeg)", 4: "(leeg)", 5: "👍"}
    assert suggest_groups([" "], "en")[0].label == "(empty)"


def test_labels_name_the_theme_or_the_typical_answer():
    """A group most of whose answers share a theme is named by the theme; one without is
    named by its most typical answer, as typed, capitalised."""
    texts = [
        "elkaar aanspreken",
        "elkaar aanspreken op gedrag",
        "aanspreken",
        "pesten",
        "Pesten!!",
        "buitensluiten",
        "uitsluiten",
        "te laat komen",
        "steeds te laat",
    ]
    suggestions = [s for s in suggest_groups(texts, "nl") if len(s.answers) > 1]
    labels = {s.label for s in suggestions}
    assert labels == {"Elkaar aanspreken", "Pesten en buitensluiten", "Te laat komen"}


def test_suggestions_are_deterministic():
    """The same answers give the same groups and labels, call after call."""
    assert suggest_groups(ANSWERS, "nl") == suggest_groups(list(ANSWERS), "nl")


def test_english_answers_are_grouped():
    """English answers group by stem and theme: bullying, violence, respect."""
    texts = [
        "bullying",
        "Bullying!",
        "cyberbullying",
        "excluding others",
        "hitting",
        "fighting",
        "physical violence",
        "respect",
        "being respectful",
        "mutual respect",
    ]
    assert sorted(groups_of(texts, "en")) == sorted([texts[:4], texts[4:7], texts[7:]])
    labels = {s.label for s in suggest_groups(texts, "en")}
    assert {"Bullying and exclusion", "Respect", "Violence and aggression"} <= labels


def test_an_unknown_language_is_refused():
    """Only Dutch and English are known; anything else is a programming error."""
    with pytest.raises(ValueError, match="unknown language"):
        suggest_groups(["respect"], "de")


def suggest_command(
    *args: str, stdin: str | None = None, seed: str = "0"
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server", "suggest-groups", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONHASHSEED": seed},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_the_command_prints_every_line_in_one_group(tmp_path):
    """`draagvlak suggest-groups FILE` prints JSON groups that hold every line once, blank
    lines each alone, whatever the hash seed."""
    answers = tmp_path / "answers.txt"
    answers.write_text("respect\nRespect!\n\nveiligheid\nveilig voelen\n  \ngeborgenheid\n")
    result = suggest_command(str(answers))
    assert result.returncode == 0, result.stderr
    groups = json.loads(result.stdout)
    assert groups == [
        {"label": "Veiligheid", "answers": [3, 4, 6]},
        {"label": "Respect", "answers": [0, 1]},
        {"label": "(leeg)", "answers": [2]},
        {"label": "(leeg)", "answers": [5]},
    ]
    assert suggest_command(str(answers), seed="12345").stdout == result.stdout


def test_the_command_reads_standard_input_in_english():
    """`-` reads the answers from standard input; `--lang en` groups English answers."""
    result = suggest_command("--lang", "en", "-", stdin="safety\nfeeling safe\nrespect\n")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        {"label": "Safety", "answers": [0, 1]},
        {"label": "Respect", "answers": [2]},
    ]


def test_the_command_names_a_missing_file(tmp_path):
    """A missing file is a clear message and exit status 2, not a traceback."""
    missing = tmp_path / "nope.txt"
    result = suggest_command(str(missing))
    assert result.returncode == 2
    assert f"cannot read {missing}" in result.stderr
    assert "Traceback" not in result.stderr


def test_suggestions_computed_in_several_threads_at_once_agree_with_one_thread() -> None:
    """Sessions ask for suggestions at the same moment, each in a thread of its own: every
    thread gets what one thread alone gets (Snowball's stemmers are not thread-safe)."""
    words = [f"{root}{n}ingen" for n in range(400) for root in ("verantwoordelijk", "samenwerk")]
    with ThreadPoolExecutor(max_workers=8) as pool:
        stemmed = list(pool.map(lambda w: stem(w, "nl"), words))
    alone = snowballstemmer.stemmer("dutch_porter")
    assert stemmed == [alone.stemWord(w) for w in words]
    texts = ["Samen verantwoordelijk", "Samenwerken", "Respect", "respect voor elkaar"] * 20
    expected = suggest_groups(texts, "nl")
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: suggest_groups(texts, "nl"), range(16)))
    assert all(result == expected for result in results)


def test_identical_answers_are_one_group_and_counted():
    """Answers that differ only in case, spacing and punctuation are always one group, also
    two of them with no word to weigh ("ok", "👍"); the group says how many were copies."""
    texts = ["Veiligheid", "veiligheid ", "ok", "OK!", "👍", " 👍", "koffie", "", " "]
    found = {s.answers: s for s in suggest_groups(texts, "nl")}
    assert {(0, 1), (2, 3), (4, 5), (6,), (7,), (8,)} == set(found)
    assert found[(0, 1)].label == "Veiligheid"
    assert [found[g].duplicates for g in [(0, 1), (2, 3), (4, 5), (6,)]] == [1, 1, 1, 0]
    texts = ["Respect", "respect!", "RESPECT", "respect voor elkaar"]
    (group,) = suggest_groups(texts, "nl")
    assert group.duplicates == 2


@settings(max_examples=60, deadline=None)
@given(
    picks=st.lists(st.integers(0, len(ANSWERS) - 1), max_size=30),
    changes=st.lists(st.sampled_from(["", "!", " ", "  🙂", "upper", "title"]), min_size=30),
    lang=st.sampled_from(["nl", "en"]),
)
def test_identical_answers_are_never_split(picks, changes, lang):
    """Whatever else is in the set, copies of one answer end up in one group."""
    texts = []
    for pick, change in zip(picks, changes, strict=False):
        text = ANSWERS[pick]
        texts.append(text.upper() if change == "upper" else text.title() if change == "title"
                     else text + change)  # fmt: skip
    group_of = {i: s for s in suggest_groups(texts, lang) for i in s.answers}
    for i, pick in enumerate(picks[: len(texts)]):
        for j in range(i):
            # An answer of emoji alone has no words: "😀" and "😀 🙂" are two answers.
            if picks[j] == pick and any(c.isalnum() for c in ANSWERS[pick]):
                assert group_of[i] is group_of[j], (texts[i], texts[j])


DATA = Path(__file__).parent / "data" / "suggest"
BENCH = ROOT / "bench" / "grouping_data"
# Each hand-grouped set with the adjusted Rand index it must keep: the bench sets at what
# the first, stem-labelled version scored (bench/README.md), so none may get worse; the
# sets about unacceptable behaviour in a team scored 0.11, 0.13 and 0.03 then.
FLOORS = {
    BENCH / "nl-kernwaarden.txt": 1.0,
    BENCH / "nl-gedrag.txt": 1.0,
    BENCH / "nl-veilig-voelen.txt": 0.864,
    BENCH / "en-core-values.txt": 0.967,
    BENCH / "en-behaviour.txt": 1.0,
    BENCH / "nl-trots.txt": 0.701,
    BENCH / "nl-communicatie.txt": 0.780,
    BENCH / "nl-omgang.txt": 0.565,
    BENCH / "en-students-need.txt": 0.835,
    BENCH / "nl-goed-onderwijs.txt": 0.866,
    BENCH / "nl-energie.txt": 0.527,
    BENCH / "nl-gedragsafspraken.txt": 0.773,
    BENCH / "nl-held-back-collegas.txt": 0.768,
    BENCH / "nl-held-back-klimaat.txt": 0.753,
    # Tuned on: the lexicon's team-behaviour words were added while looking at this one.
    DATA / "nl-onacceptabel-team.txt": 0.75,
    # Written with it but not tuned on; English written after the lexicon changes.
    DATA / "nl-onacceptabel-controle.txt": 0.6,
    DATA / "en-unacceptable-team.txt": 0.6,
}


def hand_grouped(path: Path) -> tuple[str, list[str], list[str]]:
    """A set in bench/grouping_data's format: `lang:` line, then `# theme` lines with their
    answers under them. Returns the language, the answers and their themes."""
    lang, answers, themes, theme = "", [], [], ""
    for line in (raw.strip() for raw in path.read_text(encoding="utf-8").splitlines()):
        if line.startswith("#"):
            theme = line[1:].strip()
        elif line.startswith("lang:"):
            lang = line.partition(":")[2].strip()
        elif line and theme:
            answers.append(line)
            themes.append(theme)
    return lang, answers, themes


def adjusted_rand(truth: list[str], found: list[int]) -> float:
    """Hubert and Arabie's adjusted Rand index: 1 for the same partition, about 0 by chance."""
    pairs = sum(comb(c, 2) for c in Counter(zip(truth, found, strict=True)).values())
    rows = sum(comb(c, 2) for c in Counter(truth).values())
    cols = sum(comb(c, 2) for c in Counter(found).values())
    expected = rows * cols / comb(len(truth), 2)
    maximum = (rows + cols) / 2
    return 1.0 if maximum == expected else (pairs - expected) / (maximum - expected)


def test_every_bench_set_has_a_floor():
    """A set added to bench/grouping_data is held to a floor here too."""
    assert set(BENCH.glob("*.txt")) | set(DATA.glob("*.txt")) == set(FLOORS)


@pytest.mark.parametrize("path", FLOORS, ids=lambda p: p.stem)
def test_hand_grouped_sets_keep_their_score(path):
    """Suggested groups agree with groups made by hand at least as well as they did."""
    lang, answers, themes = hand_grouped(path)
    found = [0] * len(answers)
    for number, suggestion in enumerate(suggest_groups(answers, lang)):
        for index in suggestion.answers:
            found[index] = number
    assert adjusted_rand(themes, found) >= FLOORS[path] - 1e-3


@pytest.mark.parametrize("path", FLOORS, ids=lambda p: p.stem)
def test_labels_are_capitalised_themes_or_typed_words(path):
    """A group's label starts with a capital and is a theme's name or words a participant
    typed, never a stem or a compound's part nobody wrote."""
    lang, answers, _ = hand_grouped(path)
    names = {pair[0 if lang == "nl" else 1] for pair in THEME_NAMES.values()}
    for suggestion in suggest_groups(answers, lang):
        assert suggestion.label[0].isupper(), suggestion.label
        typed = [" ".join(map(normalise, WORD.findall(answers[i]))) for i in suggestion.answers]
        said = " ".join(map(normalise, WORD.findall(suggestion.label.rstrip("…"))))
        assert suggestion.label in names or any(said in f" {t} " for t in typed), suggestion


def test_long_answers_are_named_by_a_word_they_typed():
    """When every answer is too long to be a name, the label is a word they share, in the
    form they typed it, capitalised; not its stem."""
    texts = [
        "ik vind dat we de fietsenstallingen eindelijk eens moeten opknappen hier",
        "die fietsenstallingen achter het gebouw zijn echt al jaren een grote puinhoop",
    ]
    (suggestion,) = suggest_groups(texts, "nl")
    assert suggestion.label == "Fietsenstallingen"


def test_every_theme_has_a_name_in_both_languages():
    """A theme without a name would leave a group nameless."""
    assert set(THEME_NAMES) == set(THEMES)
    assert all(nl and en and nl[0].isupper() and en[0].isupper() for nl, en in THEME_NAMES.values())


def test_a_thousand_answers_are_grouped_within_a_second():
    """The console waits for suggestions: a thousand answers take well under a second."""
    _, answers, _ = hand_grouped(DATA / "nl-onacceptabel-team.txt")
    texts = [f"{answers[i % len(answers)]} {'!' * (i % 3)}" for i in range(1000)]
    suggest_groups(texts, "nl")  # builds the lexicon once per process
    start = time.perf_counter()
    suggest_groups(texts, "nl")
    assert time.perf_counter() - start < 1.0
