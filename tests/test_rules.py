"""The session's rules: every command in every phase, as pure decide/evolve calls."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from types import MappingProxyType

import pytest

from rulebook import ANN, BOB, LEADER
from server.rules import (
    MAX_PROMPTS,
    AddPrompt,
    AnswerAdded,
    AnswerDeleted,
    AnswerEdited,
    CloseAnswering,
    Command,
    DeleteAnswer,
    EditAnswer,
    OpenPrompt,
    RevealChanged,
    SetReveal,
    SubmitAnswer,
    clean_text,
    decide,
    evolve,
    evolve_all,
)
from server.rules.state import (
    Actor,
    Answer,
    Limits,
    Phase,
    PhaseChanged,
    Rejection,
    Reveal,
    SessionState,
)

FACILITATOR = LEADER
PROMPTS = ("Welke waarde?", "Hoe ziet dat eruit?", "Wat kan beter?")
DEFAULT_LIMITS = Limits()


def state_in(
    phase: Phase,
    prompt_index: int = 0,
    reveal: Reveal = Reveal.LIVE,
    limits: Limits = DEFAULT_LIMITS,
) -> SessionState:
    return SessionState(
        prompts=PROMPTS, phase=phase, prompt_index=prompt_index, reveal=reveal, limits=limits
    )


def apply(state: SessionState, actor: Actor, command: Command) -> SessionState:
    """Decides and, when accepted, evolves; a rejection fails the calling test."""
    decision = decide(state, actor, command)
    assert isinstance(decision, list), decision
    return evolve_all(state, decision)


def with_answer(state: SessionState, actor: Actor, text: str, msg_id: str) -> SessionState:
    after = apply(state, actor, SubmitAnswer(text, msg_id))
    assert len(after.answers) == len(state.answers) + 1
    return after


def answered(phase: Phase, prompt_index: int = 0) -> SessionState:
    """A state in `phase` on `prompt_index` holding answer 1 by ann to prompt 0."""
    answer = Answer(1, 0, ANN.pseudonym, "first answer")
    return SessionState(
        prompts=PROMPTS,
        phase=phase,
        prompt_index=prompt_index,
        answers=MappingProxyType({1: answer}),
        receipts=MappingProxyType({(ANN.pseudonym, "m1"): 1}),
        next_number=2,
    )


def describe(value: object) -> str:
    """A readable test id for the parameter tables."""
    if isinstance(value, Phase | Reveal):
        return value.value
    if isinstance(value, Rejection):
        return value.reason
    if isinstance(value, list):
        return "no-events" if not value else "+".join(type(e).__name__ for e in value)
    return repr(value)


# Facilitator commands -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("phase", "prompt_index", "command", "expected"),
    [
        (Phase.LOBBY, 0, OpenPrompt(0), [PhaseChanged(Phase.ANSWERING, 0)]),
        (Phase.LOBBY, 0, OpenPrompt(2), [PhaseChanged(Phase.ANSWERING, 2)]),
        (Phase.ANSWERING, 0, OpenPrompt(0), []),
        (Phase.ANSWERING, 0, OpenPrompt(1), [PhaseChanged(Phase.ANSWERING, 1)]),
        (Phase.ANSWERING, 2, OpenPrompt(0), [PhaseChanged(Phase.ANSWERING, 0)]),
        (Phase.CLOSED, 1, OpenPrompt(1), [PhaseChanged(Phase.ANSWERING, 1)]),
        (Phase.CLOSED, 1, OpenPrompt(2), [PhaseChanged(Phase.ANSWERING, 2)]),
        (Phase.LOBBY, 0, CloseAnswering(), Rejection("answering_not_open")),
        (Phase.ANSWERING, 1, CloseAnswering(), [PhaseChanged(Phase.CLOSED, 1)]),
        (Phase.CLOSED, 1, CloseAnswering(), []),
        (Phase.LOBBY, 0, SetReveal(Reveal.ON_CLOSE), [RevealChanged(Reveal.ON_CLOSE)]),
        (Phase.ANSWERING, 0, SetReveal(Reveal.ON_CLOSE), [RevealChanged(Reveal.ON_CLOSE)]),
        (Phase.CLOSED, 0, SetReveal(Reveal.ON_CLOSE), [RevealChanged(Reveal.ON_CLOSE)]),
        (Phase.LOBBY, 0, SetReveal(Reveal.LIVE), []),
        (Phase.ANSWERING, 0, SetReveal(Reveal.LIVE), []),
        (Phase.CLOSED, 0, SetReveal(Reveal.LIVE), []),
    ],
    ids=lambda value: describe(value),
)
def test_facilitator_commands_in_every_phase(
    phase: Phase, prompt_index: int, command: Command, expected: object
) -> None:
    """Each facilitator command in each phase gives exactly the events (or refusal) of the table."""
    assert decide(state_in(phase, prompt_index), FACILITATOR, command) == expected


@pytest.mark.parametrize("phase", list(Phase))
@pytest.mark.parametrize(
    "command",
    [OpenPrompt(0), OpenPrompt(1), OpenPrompt(99), CloseAnswering(), SetReveal(Reveal.ON_CLOSE)],
    ids=repr,
)
def test_participants_cannot_run_facilitator_commands(phase: Phase, command: Command) -> None:
    """Only the facilitator moves the session, whatever the phase or the command's arguments."""
    assert decide(state_in(phase), ANN, command) == Rejection("facilitator_only")


@pytest.mark.parametrize("index", [-1, len(PROMPTS), len(PROMPTS) + 1, 10**9])
@pytest.mark.parametrize("phase", list(Phase))
def test_opening_a_prompt_out_of_range_is_refused(phase: Phase, index: int) -> None:
    """A prompt index outside 0..prompt_count-1 never opens."""
    assert decide(state_in(phase), FACILITATOR, OpenPrompt(index)) == Rejection("unknown_prompt")


def test_opening_the_open_prompt_again_changes_nothing() -> None:
    """A second click on the prompt already open is a no-op, not a second phase change."""
    state = apply(state_in(Phase.LOBBY), FACILITATOR, OpenPrompt(1))
    assert (state.phase, state.prompt_index) == (Phase.ANSWERING, 1)
    assert decide(state, FACILITATOR, OpenPrompt(1)) == []


def test_closing_answering_twice_gives_no_events_the_second_time() -> None:
    """Two facilitators pressing close at once produce one phase change, not a refusal."""
    state = apply(state_in(Phase.ANSWERING, 2), FACILITATOR, CloseAnswering())
    assert (state.phase, state.prompt_index) == (Phase.CLOSED, 2)
    assert decide(state, FACILITATOR, CloseAnswering()) == []


def test_set_reveal_is_applied_by_evolve() -> None:
    """A RevealChanged event switches the state's reveal and nothing else."""
    before = state_in(Phase.ANSWERING, 1)
    after = apply(before, FACILITATOR, SetReveal(Reveal.ON_CLOSE))
    assert after.reveal is Reveal.ON_CLOSE
    assert (after.phase, after.prompt_index) == (before.phase, before.prompt_index)


# Submitting answers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phase", "expected"),
    [
        (Phase.LOBBY, Rejection("answering_not_open")),
        (Phase.ANSWERING, [AnswerAdded(Answer(1, 1, "ann", "Samen eten"), "m1")]),
        (Phase.CLOSED, Rejection("answering_closed")),
    ],
)
def test_submit_answer_in_every_phase(phase: Phase, expected: object) -> None:
    """Answers are taken only while answering, numbered and tagged with the current prompt."""
    assert decide(state_in(phase, 1), ANN, SubmitAnswer("Samen eten", "m1")) == expected


def test_an_added_answer_is_stored_with_its_receipt() -> None:
    """Evolving AnswerAdded stores the answer, remembers (author, msg_id) and advances numbers."""
    state = with_answer(state_in(Phase.ANSWERING, 1), ANN, "Samen eten", "m1")
    assert state.answers == {1: Answer(1, 1, "ann", "Samen eten")}
    assert state.receipts == {("ann", "m1"): 1}
    assert state.next_number == 2
    assert state.answers_for(1) == [Answer(1, 1, "ann", "Samen eten")]
    assert state.answers_for(0) == []
    assert state.answers_by("ann", 1) == [Answer(1, 1, "ann", "Samen eten")]
    assert state.answers_by("bob", 1) == []


def test_resending_an_answer_applies_it_once() -> None:
    """The same (author, msg_id) again gives no events, even with other text."""
    state = with_answer(state_in(Phase.ANSWERING), ANN, "Samen eten", "m1")
    assert decide(state, ANN, SubmitAnswer("Samen eten", "m1")) == []
    assert decide(state, ANN, SubmitAnswer("iets anders", "m1")) == []


def test_resending_an_answer_after_closing_is_still_acknowledged() -> None:
    """A phone retrying an answer that was saved just before close gets ok, not a refusal."""
    state = with_answer(state_in(Phase.ANSWERING), ANN, "Samen eten", "m1")
    state = apply(state, FACILITATOR, CloseAnswering())
    assert decide(state, ANN, SubmitAnswer("Samen eten", "m1")) == []
    assert decide(state, ANN, SubmitAnswer("Samen eten", "m2")) == Rejection("answering_closed")


def test_resending_a_deleted_answer_does_not_bring_it_back() -> None:
    """The receipt outlives the answer, so a late retry after a delete stays a no-op."""
    state = with_answer(state_in(Phase.ANSWERING), ANN, "Samen eten", "m1")
    state = apply(state, ANN, DeleteAnswer(1))
    assert state.answers == {}
    assert decide(state, ANN, SubmitAnswer("Samen eten", "m1")) == []


def test_the_same_msg_id_from_another_author_is_a_new_answer() -> None:
    """Receipts are per author: bob's m1 is not ann's m1."""
    state = with_answer(state_in(Phase.ANSWERING), ANN, "Samen eten", "m1")
    decision = decide(state, BOB, SubmitAnswer("Samen eten", "m1"))
    assert decision == [AnswerAdded(Answer(2, 0, "bob", "Samen eten"), "m1")]


# Text cleaning and limits -------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("Samen eten", "Samen eten"),
        ("  Samen   eten  ", "Samen eten"),
        ("Samen\neten\r\nop\tvrijdag", "Samen eten op vrijdag"),
        ("Samen\u00a0eten\u2003nu\u2028klaar", "Samen eten nu klaar"),
        ("bel\x07 hier", "bel hier"),
        ("nul\x00byte", "nulbyte"),
        ("a \x00 b", "a b"),
        ("escape\x1b[31m rood", "escape[31m rood"),
        ("delete\x7f", "delete"),
        ("\x0bverticaal\x0c", "verticaal"),
        ("Éénheid, 😀 en ü", "Éénheid, 😀 en ü"),
    ],
)
def test_answers_are_cleaned_to_one_tidy_line(raw: str, cleaned: str) -> None:
    """Runs of whitespace become one space, control characters vanish, the ends are trimmed."""
    assert clean_text(raw) == cleaned
    decision = decide(state_in(Phase.ANSWERING), ANN, SubmitAnswer(raw, "m1"))
    assert decision == [AnswerAdded(Answer(1, 0, "ann", cleaned), "m1")]


@pytest.mark.parametrize("c1", ["\x80", "\x9b", "\x9f"])
def test_c1_control_characters_are_removed_too(c1: str) -> None:
    """Control characters of the C1 range (U+0080–U+009F, Unicode category Cc) are removed
    like those of the C0 range."""
    assert clean_text(f"rood{c1}[31m tekst") == "rood[31m tekst"


@pytest.mark.parametrize("raw", ["", " ", "\n\t\r ", "\x00\x01\x7f", " \x00 \u00a0 "])
def test_an_answer_empty_after_cleaning_is_refused(raw: str) -> None:
    """Whitespace and control characters alone are not an answer, for submit and edit alike."""
    assert decide(state_in(Phase.ANSWERING), ANN, SubmitAnswer(raw, "m1")) == Rejection(
        "answer_empty"
    )
    assert decide(answered(Phase.ANSWERING), ANN, EditAnswer(1, raw)) == Rejection("answer_empty")


LIMITS = Limits(max_answer_length=10, max_answers_per_prompt=2)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("x" * 10, None),
        ("  " + "x" * 10 + "\n", None),
        ("é" * 10, None),
        ("x" * 11, Rejection("answer_too_long", {"limit": 10})),
        ("é" * 11, Rejection("answer_too_long", {"limit": 10})),
    ],
)
def test_the_length_limit_counts_cleaned_characters(raw: str, expected: Rejection | None) -> None:
    """Exactly max characters after cleaning is accepted; one more is refused with the limit."""
    state = state_in(Phase.ANSWERING, limits=LIMITS)
    submitted = decide(state, ANN, SubmitAnswer(raw, "m1"))
    state = with_answer(state, ANN, "kort", "m0")
    edited = decide(state, ANN, EditAnswer(1, raw))
    if expected is None:
        assert isinstance(submitted, list) and len(submitted) == 1
        assert edited == [AnswerEdited(1, clean_text(raw))]
    else:
        assert submitted == expected
        assert edited == expected


def test_the_answer_limit_is_per_author_and_prompt() -> None:
    """A participant's answers to one prompt stop at the limit; others and later prompts are
    unaffected, and deleting one frees a place."""
    state = state_in(Phase.ANSWERING, limits=LIMITS)
    state = with_answer(state, ANN, "een", "m1")
    state = with_answer(state, ANN, "twee", "m2")
    assert decide(state, ANN, SubmitAnswer("drie", "m3")) == Rejection(
        "too_many_answers", {"limit": 2}
    )
    assert isinstance(decide(state, BOB, SubmitAnswer("drie", "b1")), list)

    freed = apply(state, ANN, DeleteAnswer(1))
    assert decide(freed, ANN, SubmitAnswer("drie", "m3")) == [
        AnswerAdded(Answer(3, 0, "ann", "drie"), "m3")
    ]

    next_prompt = apply(state, FACILITATOR, OpenPrompt(1))
    assert decide(next_prompt, ANN, SubmitAnswer("drie", "m3")) == [
        AnswerAdded(Answer(3, 1, "ann", "drie"), "m3")
    ]


# Editing and deleting -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("phase", "prompt_index", "expected"),
    [
        (Phase.LOBBY, 0, Rejection("answering_closed")),
        (Phase.ANSWERING, 0, [AnswerEdited(1, "beter antwoord")]),
        (Phase.ANSWERING, 1, Rejection("answering_closed")),
        (Phase.CLOSED, 0, Rejection("answering_closed")),
    ],
)
def test_edit_own_answer_only_while_answering_its_prompt(
    phase: Phase, prompt_index: int, expected: object
) -> None:
    """An answer can be edited only while its own prompt is open for answers."""
    state = answered(phase, prompt_index)
    assert decide(state, ANN, EditAnswer(1, "  beter   antwoord ")) == expected


@pytest.mark.parametrize(
    ("phase", "prompt_index", "expected"),
    [
        (Phase.LOBBY, 0, Rejection("answering_closed")),
        (Phase.ANSWERING, 0, [AnswerDeleted(1)]),
        (Phase.ANSWERING, 1, Rejection("answering_closed")),
        (Phase.CLOSED, 0, Rejection("answering_closed")),
    ],
)
def test_delete_own_answer_only_while_answering_its_prompt(
    phase: Phase, prompt_index: int, expected: object
) -> None:
    """An answer can be withdrawn only while its own prompt is open for answers."""
    assert decide(answered(phase, prompt_index), ANN, DeleteAnswer(1)) == expected


@pytest.mark.parametrize("phase", list(Phase))
@pytest.mark.parametrize("actor", [BOB, FACILITATOR], ids=["other-participant", "facilitator"])
def test_nobody_edits_or_deletes_someone_elses_answer(phase: Phase, actor: Actor) -> None:
    """Another person's answer is refused as not theirs, in every phase."""
    state = answered(phase)
    assert decide(state, actor, EditAnswer(1, "gekaapt")) == Rejection("not_your_answer")
    assert decide(state, actor, DeleteAnswer(1)) == Rejection("not_your_answer")


@pytest.mark.parametrize("phase", list(Phase))
def test_deleting_a_missing_answer_is_a_no_op(phase: Phase) -> None:
    """Deleting an answer that does not exist (any more) gives no events and no refusal."""
    assert decide(answered(phase), ANN, DeleteAnswer(2)) == []
    assert decide(answered(phase), ANN, DeleteAnswer(-1)) == []


def test_deleting_twice_is_the_same_as_once() -> None:
    """A repeated delete after the first succeeded gives no events."""
    state = apply(answered(Phase.ANSWERING), ANN, DeleteAnswer(1))
    assert state.answers == {}
    assert decide(state, ANN, DeleteAnswer(1)) == []


@pytest.mark.parametrize("phase", list(Phase))
def test_editing_a_missing_answer_is_refused(phase: Phase) -> None:
    """An edit of an answer that is gone tells the sender so, in every phase."""
    assert decide(answered(phase), ANN, EditAnswer(2, "nieuw")) == Rejection("answer_gone")


@pytest.mark.parametrize("raw", ["first answer", "  first\n answer\x00 "])
def test_editing_to_the_same_text_gives_no_events(raw: str) -> None:
    """An edit whose cleaned text equals the stored text changes nothing."""
    assert decide(answered(Phase.ANSWERING), ANN, EditAnswer(1, raw)) == []


def test_an_edit_replaces_only_the_text() -> None:
    """Evolving AnswerEdited keeps number, prompt and author and swaps the text."""
    state = apply(answered(Phase.ANSWERING), ANN, EditAnswer(1, "beter"))
    assert state.answers == {1: Answer(1, 0, "ann", "beter")}
    assert state.next_number == 2


def test_answer_numbers_are_never_reused() -> None:
    """After deleting the newest answer the next one still gets a fresh number."""
    state = state_in(Phase.ANSWERING)
    state = with_answer(state, ANN, "een", "m1")
    state = with_answer(state, BOB, "twee", "b1")
    state = apply(state, BOB, DeleteAnswer(2))
    state = apply(state, ANN, DeleteAnswer(1))
    assert state.answers == {}
    assert state.next_number == 3
    state = with_answer(state, ANN, "drie", "m2")
    assert list(state.answers) == [3]


def test_an_older_answer_added_late_does_not_lower_next_number() -> None:
    """Replaying an event with a lower number keeps next_number at its maximum."""
    state = state_in(Phase.ANSWERING)
    state = evolve(state, AnswerAdded(Answer(5, 0, "ann", "vijf"), "m5"))
    state = evolve(state, AnswerAdded(Answer(2, 0, "bob", "twee"), "b2"))
    assert state.next_number == 6


# State ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phase", "reveal", "visible"),
    [
        (Phase.LOBBY, Reveal.LIVE, False),
        (Phase.LOBBY, Reveal.ON_CLOSE, False),
        (Phase.ANSWERING, Reveal.LIVE, True),
        (Phase.ANSWERING, Reveal.ON_CLOSE, False),
        (Phase.CLOSED, Reveal.LIVE, True),
        (Phase.CLOSED, Reveal.ON_CLOSE, True),
    ],
)
def test_wall_visibility_per_phase_and_reveal(phase: Phase, reveal: Reveal, visible: bool) -> None:
    """The projector shows answers live only with reveal=live, and always once closed."""
    assert state_in(phase, reveal=reveal).is_wall_visible is visible


def test_evolve_leaves_the_earlier_state_untouched() -> None:
    """States are values: applying events returns a new state and never mutates the old one."""
    before = answered(Phase.ANSWERING)
    after = evolve_all(
        before,
        [
            AnswerAdded(Answer(2, 0, "bob", "twee"), "b1"),
            AnswerEdited(1, "anders"),
            AnswerDeleted(2),
            PhaseChanged(Phase.CLOSED, 0),
        ],
    )
    assert before.answers == {1: Answer(1, 0, "ann", "first answer")}
    assert before.receipts == {("ann", "m1"): 1}
    assert before.phase is Phase.ANSWERING
    assert after.answers == {1: Answer(1, 0, "ann", "anders")}
    assert after.receipts == {("ann", "m1"): 1, ("bob", "b1"): 2}
    assert after.phase is Phase.CLOSED
    with pytest.raises(FrozenInstanceError):
        before.phase = Phase.CLOSED  # type: ignore[misc]
    with pytest.raises(TypeError):
        before.answers[9] = Answer(9, 0, "x", "y")  # type: ignore[index]


def test_unknown_commands_and_events_fail_loudly() -> None:
    """Something that is not a command or an event raises instead of being ignored."""
    with pytest.raises(TypeError, match="unknown command"):
        decide(state_in(Phase.ANSWERING), ANN, object())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="unknown event"):
        evolve(state_in(Phase.ANSWERING), object())  # type: ignore[arg-type]


def test_the_facilitator_can_add_a_question_at_any_phase():
    """A new question is tidied and appended; the current one stays open."""
    for phase in Phase:
        state = state_in(phase, prompt_index=1 if phase is not Phase.LOBBY else 0)
        after = apply(state, FACILITATOR, AddPrompt("  Wat neem je   mee naar huis? "))
        assert after.prompts == (*PROMPTS, "Wat neem je mee naar huis?")
        assert (after.phase, after.prompt_index) == (state.phase, state.prompt_index)


@pytest.mark.parametrize(
    ("text", "reason"), [(" \t", "prompt_empty"), ("x" * 281, "prompt_too_long")]
)
def test_a_bad_new_question_is_refused(text, reason):
    """An empty or overlong question is refused with its reason."""
    assert decide(state_in(Phase.LOBBY), FACILITATOR, AddPrompt(text)) == Rejection(
        reason, {"limit": 280} if reason == "prompt_too_long" else {}
    )


def test_a_session_holds_at_most_twenty_questions_and_only_the_leader_adds_them():
    """The twenty-first question is refused, and a participant cannot add one at all."""
    state = SessionState(prompts=tuple(f"q{i}" for i in range(MAX_PROMPTS)))
    assert decide(state, FACILITATOR, AddPrompt("nog een")) == Rejection(
        "too_many_prompts", {"limit": MAX_PROMPTS}
    )
    assert decide(state_in(Phase.LOBBY), ANN, AddPrompt("mag ik?")) == Rejection("facilitator_only")
