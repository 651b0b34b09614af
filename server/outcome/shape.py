"""The outcome's shape as types: the session, its questions with their items, and the
decisions with their rounds, reasons and actions (the schema in `docs/outcome.md`)."""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict


class OutcomeSession(TypedDict):
    title: str
    lang: str
    created_at: str
    closed_at: str
    participants: int


class Item(TypedDict):
    kind: str  # "group", or "answer" for an answer on its own
    label: str
    answers: list[str]
    votes: int | None


class Choices(TypedDict):
    """A scale's or a choice's answers: counts per option from the floor on, else None."""

    options: list[str]
    low: str
    high: str
    multiple: bool
    hidden: bool
    counts: list[int] | None
    mean: float | None  # a scale's average, from the floor on
    # A rating of the team's agreement (its register id) and what helps or hinders; absent
    # from outcomes saved before evaluation moments.
    agreement: NotRequired[str | None]
    remarks: NotRequired[list[str]]


class Prompt(TypedDict):
    index: int
    text: str
    kind: str  # "open", "words", "scale" or "choice"
    answers: int
    voters: int
    votes_hidden: bool
    items: list[Item]


class PickedPrompt(Prompt):
    """A scale or a choice: no items to vote on, the distribution instead."""

    choices: Choices


class Reason(TypedDict):
    level: str
    text: str


class ConsentRound(TypedDict):
    number: int
    text: str
    responses: int
    counts_hidden: bool
    counts: dict[str, int] | None
    reasons: list[Reason]
    agreed: bool


class Action(TypedDict):
    what: str
    who: str
    due: str | None


class Decision(TypedDict):
    number: int
    prompt_index: int
    from_item: str
    # The register's agreement it was proposed to change; absent from outcomes saved before.
    replaces: NotRequired[str | None]
    text: str
    status: Literal["agreed", "not_agreed", "open"]
    rounds: list[ConsentRound]
    actions: list[Action]


class ReviewedAction(Action):
    """An open action of an earlier session, as an evaluation moment found it."""

    verdict: Literal["done", "dropped", "carried"] | None  # None: not looked at


class Outcome(TypedDict):
    schema: str
    session: OutcomeSession
    floor: int
    prompts: list[Prompt]
    decisions: list[Decision]
    reviewed_actions: NotRequired[list[ReviewedAction]]  # absent from older outcomes
