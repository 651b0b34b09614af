"""Suggested groups: every answer in exactly one group, near-duplicates and compounds together,
unrelated answers alone, readable labels; and the `draagvlak suggest-groups` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import snowballstemmer  # type: ignore[import-untyped]
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT
from server.suggest import Suggestion, suggest_groups
from server.suggest.words import stem

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
    assert suggest_groups(texts, "nl")[0].label == "respect"


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
        "respect",
        "de fietsenstalling",
        "betere koffie",
        "een nieuwe printer",
    ]


def test_a_long_lone_answer_gets_a_short_label():
    """A lone answer's label is cut at a word, at most 40 characters."""
    text = "dat we als team echt de tijd nemen om naar elkaars verhalen te luisteren"
    (suggestion,) = suggest_groups([text], "nl")
    assert len(suggestion.label) <= 40
    assert suggestion.label.endswith("…")
    assert text.startswith(suggestion.label[:-1])


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


def test_labels_are_readable_words_from_the_answers():
    """A group's label is made of lower-case words that occur in the group's own answers."""
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
    assert {s.label for s in suggestions} == {"elkaar aanspreken", "pesten", "te laat"}
    for suggestion in suggestions:
        words = " ".join(texts[i] for i in suggestion.answers).lower()
        assert all(word in words for word in suggestion.label.replace(",", "").split())


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
    assert {"bullying", "respect"} <= labels


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
        {"label": "veiligheid", "answers": [3, 4, 6]},
        {"label": "respect", "answers": [0, 1]},
        {"label": "(leeg)", "answers": [2]},
        {"label": "(leeg)", "answers": [5]},
    ]
    assert suggest_command(str(answers), seed="12345").stdout == result.stdout


def test_the_command_reads_standard_input_in_english():
    """`-` reads the answers from standard input; `--lang en` groups English answers."""
    result = suggest_command("--lang", "en", "-", stdin="safety\nfeeling safe\nrespect\n")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        {"label": "safety", "answers": [0, 1]},
        {"label": "respect", "answers": [2]},
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
