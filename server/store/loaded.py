"""What a store hands back: a session's typed rows as loaded, and the one error callers act on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..rules.records import SessionRecord
from ..rules.state import Action, Answer, Decision, Group, Level, Phase, Response, Reveal, Round


class CodeTaken(Exception):
    """Another open session already uses this join code."""


class EmailTaken(Exception):
    """An account with this e-mail address exists already."""


class OutOfOrder(Exception):
    """Another process saved a change to this session first: nothing of this batch was
    saved; catch up with the journal and decide again."""


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
    # The session's sequence number: how many journaled changes these rows include.
    seq: int = 0


# A row is whatever the driver returns that indexes and unpacks (a tuple, asyncpg's Record).
Rows = Callable[[str], Awaitable[Iterable[Any]]]


async def loaded_session(
    row: Any, rows: Rows, queries: Mapping[str, str], json_value: Callable[[Any], Any]
) -> LoadedSession:
    """A session from its record's row and its tables' rows, in either engine: `queries`
    names each table's query in the engine's dialect, `json_value` reads a JSON column."""
    record = SessionRecord(
        id=row[0],
        code=row[1],
        pack_id=row[2],
        lang=row[3],
        title=row[4],
        intro=row[5],
        prompts=tuple(json_value(row[6])),
        facilitator_hash=row[7],
        created_at=row[8],
        phase=Phase(row[9]),
        prompt_index=row[10],
        reveal=Reveal(row[11]),
        is_phone_grouping=bool(row[12]),
        settings=json_value(row[13]),
        team_id=row[14],
    )

    async def table(name: str) -> Iterable[Any]:
        return await rows(queries[name])

    return LoadedSession(
        record,
        answers=[Answer(*r) for r in await table("answers")],
        receipts=[Receipt(*r) for r in await table("receipts")],
        participants=frozenset(r[0] for r in await table("participants")),
        groups=[Group(*r) for r in await table("groups")],
        votes=[Dots(*r) for r in await table("votes")],
        decisions=[Decision(*r) for r in await table("decisions")],
        rounds=[
            Round(d, n, text, bool(is_open), bool(agreed))
            for d, n, text, is_open, agreed in await table("rounds")
        ],
        consents=[
            Consent(d, n, voter, Response(Level(level), reason))
            for d, n, voter, level, reason in await table("consents")
        ],
        actions=[Action(*r) for r in await table("actions")],
        choices=[Choice(p, voter, tuple(json_value(v))) for p, voter, v in await table("choices")],
        seq=row[15],
    )
