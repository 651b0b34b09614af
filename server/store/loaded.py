"""What a store hands back: a session's typed rows as loaded, and the one error callers act on."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..rules.records import SessionRecord
from ..rules.state import Action, Answer, Decision, Group, Response, Round


class CodeTaken(Exception):
    """Another open session already uses this join code."""


class EmailTaken(Exception):
    """An account with this e-mail address exists already."""


@dataclass(frozen=True)
class Receipt:
    """A message id that was applied for a pseudonym, and the answer it made: a resend
    is not applied again, even after the answer was deleted. Deleted on closing."""

    author: str
    msg_id: str
    number: int


@dataclass(frozen=True)
class Dots:
    """One voter's dots on one item of one question."""

    prompt_index: int
    voter: str
    item: str
    dots: int


@dataclass(frozen=True)
class Choice:
    """One participant's pick on a scale or a choice."""

    prompt_index: int
    voter: str
    values: tuple[int, ...]


@dataclass(frozen=True)
class Consent:
    """One participant's response in one round of consent."""

    decision: int
    round: int
    voter: str
    response: Response


@dataclass(frozen=True)
class LoadedSession:
    """A session as stored: its record and every row of its state, typed."""

    record: SessionRecord
    answers: list[Answer]
    receipts: list[Receipt]
    participants: frozenset[str]
    groups: list[Group]
    votes: list[Dots] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    rounds: list[Round] = field(default_factory=list)
    consents: list[Consent] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)
