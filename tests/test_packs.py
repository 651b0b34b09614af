"""Topic packs: every real pack loads completely, and a broken file is named with its problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.config import Settings
from server.packs import (
    LANGUAGES,
    Defaults,
    Localized,
    Pack,
    PackError,
    load_pack,
    load_packs,
    own_pack,
    read_own_questions,
    read_title,
)

PACKS_DIR = Settings().packs_dir
PACK_FILES = sorted(PACKS_DIR.glob("*.toml"))


def texts_of(pack: Pack) -> dict[str, Localized]:
    """Every translatable text of a pack, by where it sits in the file."""
    texts = {
        "title": pack.title,
        "intro": pack.intro,
        "decision_shape": pack.decision_shape,
    }
    texts.update({f"prompts[{i}]": p for i, p in enumerate(pack.prompts)})
    texts.update({f"action_prompts[{i}]": p for i, p in enumerate(pack.action_prompts)})
    return texts


# The real packs -------------------------------------------------------------------------


def test_the_sessions_folder_holds_packs() -> None:
    """The configured packs folder exists and is not empty, so the tests below test something."""
    assert PACKS_DIR.is_dir()
    assert len(PACK_FILES) >= 1


def test_every_pack_loads_by_its_file_name() -> None:
    """load_packs reads every file in the real folder, keyed by the id that matches its name."""
    packs = load_packs(PACKS_DIR)
    assert set(packs) == {path.stem for path in PACK_FILES}
    assert all(pack.id == pack_id for pack_id, pack in packs.items())


def test_packs_come_in_the_order_a_facilitator_sees_them() -> None:
    """Packs are listed by their order field, then by id."""
    packs = list(load_packs(PACKS_DIR).values())
    assert [(p.order, p.id) for p in packs] == sorted((p.order, p.id) for p in packs)


@pytest.mark.parametrize("path", PACK_FILES, ids=lambda path: path.stem)
def test_every_pack_is_complete_in_both_languages(path: Path) -> None:
    """Every text of every pack exists, non-blank and trimmed, in Dutch and in English."""
    pack = load_pack(path)
    for where, text in texts_of(pack).items():
        for lang in LANGUAGES:
            value = getattr(text, lang)
            assert value.strip(), f"{path.name}: {where} lacks {lang}"
            assert value == value.strip(), f"{path.name}: {where}.{lang} is not trimmed"
            assert text.in_(lang) == value


@pytest.mark.parametrize("path", PACK_FILES, ids=lambda path: path.stem)
def test_every_pack_has_one_to_five_prompts_and_sound_defaults(path: Path) -> None:
    """Each pack has 1–5 prompts, 1–3 action prompts, a source and whole-number defaults."""
    pack = load_pack(path)
    assert 1 <= len(pack.prompts) <= 5
    assert 1 <= len(pack.action_prompts) <= 3
    assert pack.source.strip()
    for name in ("votes_per_person", "answer_minutes", "vote_minutes"):
        value = getattr(pack.defaults, name)
        assert type(value) is int and value >= 1


# Broken files ---------------------------------------------------------------------------

VALID = """\
id = "{id}"
order = 10
source = "Handboek, hoofdstuk 1"
{extra}
[title]
nl = "Kernwaarden"
en = "Core values"

[intro]
nl = "Antwoord anoniem."
en = "Answer anonymously."

[decision_shape]
nl = "Wij spreken af dat …"
en = "We agree that …"

[defaults]
votes_per_person = 3
answer_minutes = 5
vote_minutes = 3

[[prompts]]
nl = "Welke waarde?"
en = "Which value?"

[[prompts]]
nl = "Hoe ziet dat eruit?"
en = "What does that look like?"

[[action_prompts]]
nl = "Wie doet wat?"
en = "Who does what?"
"""


def write_pack(folder: Path, text: str, name: str = "sample") -> Path:
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def valid(name: str = "sample", extra: str = "") -> str:
    return VALID.format(id=name, extra=extra)


def load_error(path: Path) -> str:
    with pytest.raises(PackError) as caught:
        load_pack(path)
    message = str(caught.value)
    assert str(path) in message
    return message


def test_the_valid_sample_loads(tmp_path: Path) -> None:
    """The sample the broken files derive from is valid, so each break is the only fault."""
    pack = load_pack(write_pack(tmp_path, valid()))
    assert pack.id == "sample"
    assert pack.prompts[1] == Localized(nl="Hoe ziet dat eruit?", en="What does that look like?")
    assert pack.defaults == Defaults(votes_per_person=3, answer_minutes=5, vote_minutes=3)


def test_bad_toml_names_the_file_and_line(tmp_path: Path) -> None:
    """A TOML syntax error reports the file and the line it is on."""
    text = valid().replace('en = "Answer anonymously."', 'en = "Answer anonymously.')
    message = load_error(write_pack(tmp_path, text))
    assert "not valid TOML" in message
    assert "line 11" in message


def test_text_that_is_not_utf8_names_the_file(tmp_path: Path) -> None:
    """A pack saved in another encoding is reported as such."""
    path = tmp_path / "sample.toml"
    path.write_bytes(valid().replace("…", "...").replace("Kernwaarden", "Één").encode("latin-1"))
    assert "not UTF-8" in load_error(path)


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        pytest.param(
            'nl = "Hoe ziet dat eruit?"\nen = "What does that look like?"',
            'nl = "Hoe ziet dat eruit?"',
            "'prompts[1]' lacks its 'en' text",
            id="prompt-lacks-en",
        ),
        pytest.param(
            'nl = "Kernwaarden"\n',
            "",
            "'title' lacks its 'nl' text",
            id="title-lacks-nl",
        ),
        pytest.param(
            'en = "Who does what?"',
            'en = "   "',
            "'action_prompts[0]' lacks its 'en' text",
            id="blank-action-prompt",
        ),
        pytest.param(
            'en = "Core values"',
            'en = "Core values"\nde = "Grundwerte"',
            "'title' has unknown language(s): de",
            id="unknown-language",
        ),
        pytest.param(
            '[intro]\nnl = "Antwoord anoniem."\nen = "Answer anonymously."',
            "",
            "missing field(s): intro",
            id="missing-field",
        ),
        pytest.param(
            'source = "Handboek, hoofdstuk 1"',
            'source = "Handboek, hoofdstuk 1"\ncolour = "blue"',
            "unknown field(s): colour",
            id="unknown-field",
        ),
        pytest.param(
            "answer_minutes = 5",
            "answer_minutes = 5\nbreak_minutes = 2",
            "'defaults' has unknown field(s): break_minutes",
            id="unknown-default",
        ),
        pytest.param(
            "order = 10",
            'order = "10"',
            "'order' must be a whole number",
            id="order-as-string",
        ),
        pytest.param(
            'source = "Handboek, hoofdstuk 1"',
            'source = " "',
            "'source' must name where the content comes from",
            id="blank-source",
        ),
    ],
)
def test_a_broken_pack_names_the_file_and_the_problem(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    """Each kind of mistake stops loading with the file's path and a precise description."""
    text = valid()
    assert old in text
    message = load_error(write_pack(tmp_path, text.replace(old, new, 1)))
    assert problem in message


@pytest.mark.parametrize("count", [0, 6])
def test_prompt_count_outside_one_to_five_is_refused(tmp_path: Path, count: int) -> None:
    """A pack needs between one and five prompts."""
    block = '[[prompts]]\nnl = "Vraag"\nen = "Question"\n\n'
    # An empty array of tables cannot be written as [[prompts]], so none is an inline [].
    text = valid(extra="prompts = []" if count == 0 else "").split("[[prompts]]")[0]
    text += block * count
    text += '[[action_prompts]]\nnl = "Wie?"\nen = "Who?"\n'
    assert "'prompts' must hold 1 to 5 entries" in load_error(write_pack(tmp_path, text))


def test_an_id_that_does_not_match_the_file_name_is_refused(tmp_path: Path) -> None:
    """A pack's id must equal its file name, so links and files cannot drift apart."""
    message = load_error(write_pack(tmp_path, valid("core-values"), name="kernwaarden"))
    assert "'id' is 'core-values' but the file is named 'kernwaarden'" in message


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        pytest.param(
            "[defaults]\nvotes_per_person = 3\nanswer_minutes = 5\nvote_minutes = 3\n",
            "",
            "'defaults' must be a table",
            id="not-a-table",
        ),
        pytest.param("votes_per_person = 3", 'votes_per_person = "3"', "", id="string"),
        pytest.param("votes_per_person = 3", "votes_per_person = 2.5", "", id="float"),
        pytest.param("votes_per_person = 3", "votes_per_person = 0", "", id="zero"),
        pytest.param("votes_per_person = 3", "votes_per_person = -1", "", id="negative"),
        pytest.param("votes_per_person = 3", "votes_per_person = [3]", "", id="list"),
        pytest.param("votes_per_person = 3", "votes_per_person = true", "", id="bool"),
    ],
)
def test_defaults_of_the_wrong_type_are_refused(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    """Defaults must be a table of whole numbers of at least 1; anything else names the key."""
    text = valid().replace(old, new, 1)
    if problem == "'defaults' must be a table":
        text = text.replace('source = "Handboek, hoofdstuk 1"\n', 'source = "x"\ndefaults = 3\n')
    message = load_error(write_pack(tmp_path, text))
    assert (
        problem or "'defaults.votes_per_person' must be a whole number of at least 1"
    ) in message


def test_load_packs_stops_at_a_broken_file(tmp_path: Path) -> None:
    """One broken pack among good ones stops start-up, naming the broken file."""
    write_pack(tmp_path, valid("good"), name="good")
    broken = write_pack(tmp_path, valid("broken").replace("order = 10", "order = ten"), "broken")
    with pytest.raises(PackError) as caught:
        load_packs(tmp_path)
    assert str(broken) in str(caught.value)


def test_a_pack_builds_on_the_topics_it_names() -> None:
    """The handbook's loop: norms build on the core values, the example we set on both, and
    the code of conduct on all three; a pack that names none builds on nothing."""
    packs = load_packs(PACKS_DIR)
    assert packs["norms-and-rules"].builds_on == ("core-values",)
    assert packs["exemplary-behaviour"].builds_on == ("core-values", "norms-and-rules")
    assert packs["code-of-conduct"].builds_on == (
        "core-values",
        "norms-and-rules",
        "exemplary-behaviour",
    )
    assert packs["core-values"].builds_on == ()
    assert own_pack("t", ("q",)).builds_on == ()


@pytest.mark.parametrize(
    ("builds_on", "problem"),
    [
        ('"core-values"', "'builds_on' must be a list of pack ids"),
        ('["core-values", 3]', "'builds_on' must be a list of pack ids"),
        ('["base", "base"]', "'builds_on' names a pack twice"),
        ('["sample"]', "'builds_on' names the pack itself"),
    ],
)
def test_a_malformed_builds_on_is_refused(tmp_path: Path, builds_on: str, problem: str) -> None:
    """builds_on is a list of other packs' ids, each named once."""
    path = write_pack(tmp_path, valid(extra=f"builds_on = {builds_on}"))
    assert problem in load_error(path)


def test_building_on_a_pack_that_is_not_there_stops_start_up(tmp_path: Path) -> None:
    """An unknown id in builds_on stops loading, naming the file and the id; a known one
    loads."""
    write_pack(tmp_path, valid("base"), name="base")
    write_pack(tmp_path, valid("next", extra='builds_on = ["base"]'), name="next")
    assert load_packs(tmp_path)["next"].builds_on == ("base",)
    typo = write_pack(tmp_path, valid("later", extra='builds_on = ["bsae"]'), name="later")
    with pytest.raises(PackError) as caught:
        load_packs(tmp_path)
    assert str(typo) in str(caught.value)
    assert "'builds_on' names no pack here: bsae" in str(caught.value)


# Own question ---------------------------------------------------------------------------


def test_own_questions_become_a_pack_the_same_in_both_languages() -> None:
    """A facilitator's own questions become a pack whose texts are the same in both languages."""
    pack = own_pack("Veilig", ("Wat maakt onze school veilig?", "Wat kan beter?"))
    question = Localized(nl="Wat maakt onze school veilig?", en="Wat maakt onze school veilig?")
    assert pack.prompts[0] == question
    assert len(pack.prompts) == 2
    assert pack.title == Localized(nl="Veilig", en="Veilig")
    assert pack.id == "own"
    assert len(pack.action_prompts) == 1
    assert pack.defaults == Defaults()
    assert own_pack("t", ("q",), "saved-abc").id == "saved-abc"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Wat gaat goed?\n\n  Wat kan   beter?  \n", ("Wat gaat goed?", "Wat kan beter?")),
        ("een\r\ntwee", ("een", "twee")),
    ],
)
def test_own_questions_are_read_one_per_line(text: str, expected: tuple[str, ...]) -> None:
    """Blank lines are skipped and whitespace is tidied, line by line."""
    assert read_own_questions(text, 280) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "question_empty"),
        (" \n \n", "question_empty"),
        ("1\n2\n3\n4\n5\n6", "too_many_questions"),
        ("kort\n" + "x" * 281, "question_too_long"),
    ],
)
def test_bad_own_questions_name_what_is_wrong(text: str, reason: str) -> None:
    """The form says what is wrong: none, more than five, or one too long."""
    with pytest.raises(PackError) as caught:
        read_own_questions(text, 280)
    assert str(caught.value) == reason


def test_a_saved_topic_needs_a_short_title() -> None:
    """A title is required and at most 80 characters; whitespace is tidied."""
    assert read_title("  Onze   teamdag ") == "Onze teamdag"
    for text, reason in (("   ", "title_empty"), ("x" * 81, "title_too_long")):
        with pytest.raises(PackError) as caught:
            read_title(text)
        assert str(caught.value) == reason


def test_localized_falls_back_to_dutch() -> None:
    """English is chosen only for 'en'; every other language code gets the Dutch text."""
    text = Localized(nl="Hallo", en="Hello")
    assert [text.in_(lang) for lang in ("en", "nl", "de", "")] == [
        "Hello",
        "Hallo",
        "Hallo",
        "Hallo",
    ]
