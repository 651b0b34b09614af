"""The outcome's shape as types: the session, its questions with their items, and the
decisions with their rounds, reasons and actions (the schema in `docs/outcome.md`)."""

from __future__ import annotations

from typing import Literal, TypedDict


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


class Prompt(TypedDict):
    index: int
    text: str
    answers: int
    voters: int
    votes_hidden: bool
    items: list[Item]


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
    text: str
    status: Literal["agreed", "not_agreed", "open"]
    rounds: list[ConsentRound]
    actions: list[Action]


class Outcome(TypedDict):
    schema: str
    session: OutcomeSession
    floor: int
    prompts: list[Prompt]
    decisions: list[Decision]
