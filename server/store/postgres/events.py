"""Each event of the rules as the SQL that stores it in PostgreSQL: settings and prompts
are JSONB, changed in place with `||` and `jsonb_build_object`. The statements are
queued, then run in order with one round trip per run of the same statement, so a burst
of a hundred answers costs one round trip, not two hundred."""

from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING, Any

from ...rules import (
    AnswerAdded,
    AnswerDeleted,
    AnswerEdited,
    Event,
    PromptAdded,
    RevealChanged,
    RoomLocked,
)
from ...rules.actions import ACTION_EVENTS, ActionAdded, ActionEdited, ActionRemoved
from ...rules.asking import Picked, ask_fields
from ...rules.consent import (
    CONSENT_EVENTS,
    ConsentGiven,
    ConsentShareSet,
    DecisionProposed,
    RoundClosed,
    RoundOpened,
)
from ...rules.grouping import (
    AnswerMoved,
    GroupCreated,
    GroupDeleted,
    GroupRenamed,
    PhoneGroupingChanged,
)
from ...rules.questions import OPEN
from ...rules.reviewing import ActionReviewed
from ...rules.room import ROOM_EVENTS, FocusChanged, ProjectionChanged, TimerSet, timer_fields
from ...rules.state import PhaseChanged
from ...rules.voting import (
    VOTING_EVENTS,
    ExpectedSet,
    FloorSet,
    VotesRevealed,
    VotesSet,
    VotingConfigured,
)

if TYPE_CHECKING:
    from .database import Connection

# One key of the settings set to a JSON value ($2, encoded by the connection's codec).
SET_SETTING = (
    "UPDATE sessions SET settings = settings || jsonb_build_object($2::text, $3::jsonb)"
    " WHERE id = $1"
)


class Statements:
    """Events' SQL in the order it must run. `run` sends each run of one statement with
    asyncpg's executemany, which pipelines them: one round trip for the lot."""

    def __init__(self) -> None:
        self._queued: list[tuple[str, tuple[Any, ...]]] = []

    def execute(self, statement: str, *args: Any) -> None:
        self._queued.append((statement, args))

    async def run(self, db: Connection) -> None:
        """Runs what was queued, inside the caller's transaction, and empties the queue."""
        queued, self._queued = self._queued, []
        for statement, run in groupby(queued, key=lambda queued: queued[0]):
            rows = [args for _, args in run]
            if len(rows) == 1:
                await db.execute(statement, *rows[0])
            else:
                await db.executemany(statement, rows)


def apply(sql: Statements, session_id: str, event: Event) -> None:
    """Queues one event's SQL; the caller runs it in its transaction."""
    match event:
        case PhaseChanged(phase=phase, prompt_index=index):
            sql.execute(
                "UPDATE sessions SET phase = $2, prompt_index = $3 WHERE id = $1",
                session_id,
                phase.value,
                index,
            )
        case RevealChanged(reveal=reveal):
            sql.execute("UPDATE sessions SET reveal = $2 WHERE id = $1", session_id, reveal.value)
        case PromptAdded(text=text, ask=ask):
            if ask != OPEN:
                # Keyed by the new question's index, which is the number of questions so far.
                sql.execute(
                    "UPDATE sessions SET settings = settings || jsonb_build_object('asks',"
                    " coalesce(settings -> 'asks', '{}'::jsonb)"
                    " || jsonb_build_object(jsonb_array_length(prompts)::text, $2::jsonb))"
                    " WHERE id = $1",
                    session_id,
                    ask_fields(ask),
                )
            sql.execute(
                "UPDATE sessions SET prompts = prompts || to_jsonb($2::text) WHERE id = $1",
                session_id,
                text,
            )
        case Picked(prompt_index=prompt, voter=voter, values=values):
            sql.execute(
                "INSERT INTO choices (session_id, prompt_index, voter, picked)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT (session_id, prompt_index, voter)"
                " DO UPDATE SET picked = excluded.picked",
                session_id,
                prompt,
                voter,
                list(values),
            )
        case AnswerAdded(answer=a, msg_id=msg_id):
            # One statement for both rows: answers in a row are then one run.
            sql.execute(
                "WITH answer AS (INSERT INTO answers (session_id, number, prompt_index, author,"
                " text) VALUES ($1, $2, $3, $4, $5)) INSERT INTO receipts (session_id, author,"
                " msg_id, number) VALUES ($1, $4, $6, $2)",
                session_id,
                a.number,
                a.prompt_index,
                a.author,
                a.text,
                msg_id,
            )
        case AnswerEdited(number=number, text=text):
            sql.execute(
                "UPDATE answers SET text = $3 WHERE session_id = $1 AND number = $2",
                session_id,
                number,
                text,
            )
        case AnswerDeleted(number=number):
            sql.execute(
                "DELETE FROM answers WHERE session_id = $1 AND number = $2", session_id, number
            )
        case GroupCreated(group=group):
            sql.execute(
                "INSERT INTO groups (session_id, number, prompt_index, label)"
                " VALUES ($1, $2, $3, $4)",
                session_id,
                group.number,
                group.prompt_index,
                group.label,
            )
        case AnswerMoved(number=number, group=group_number):
            sql.execute(
                "UPDATE answers SET group_number = $3 WHERE session_id = $1 AND number = $2",
                session_id,
                number,
                group_number,
            )
        case GroupRenamed(number=number, label=label):
            sql.execute(
                "UPDATE groups SET label = $3 WHERE session_id = $1 AND number = $2",
                session_id,
                number,
                label,
            )
        case GroupDeleted(number=number):
            sql.execute(
                "DELETE FROM groups WHERE session_id = $1 AND number = $2", session_id, number
            )
        case RoomLocked(is_locked=is_locked):
            _set(sql, session_id, is_locked=is_locked)
        case PhoneGroupingChanged(is_allowed=allowed):
            sql.execute(
                "UPDATE sessions SET is_phone_grouping = $2 WHERE id = $1", session_id, allowed
            )
        case _ if isinstance(event, (*VOTING_EVENTS, *CONSENT_EVENTS, *ACTION_EVENTS)):
            _apply_deciding(sql, session_id, event)
        case _ if isinstance(event, ROOM_EVENTS):
            _apply_room(sql, session_id, event)
        case ActionReviewed(action=action, verdict=verdict, status=status):
            # The tracker changes in the same transaction: the team's actions page, its
            # calendar feed and the next evaluation moment read what the room said.
            sql.execute(
                "UPDATE sessions SET settings = settings || jsonb_build_object('verdicts',"
                " coalesce(settings -> 'verdicts', '{}'::jsonb)"
                " || jsonb_build_object($2::text, $3::text)) WHERE id = $1",
                session_id,
                action,
                verdict.value,
            )
            sql.execute(
                "UPDATE tracked_actions SET status = $2 WHERE id = $3"
                " AND team_id = (SELECT team_id FROM sessions WHERE id = $1)",
                session_id,
                status,
                action,
            )
        case _:
            raise TypeError(f"cannot store {event!r}")


def _apply_deciding(sql: Statements, session_id: str, event: Event) -> None:
    match event:
        case VotingConfigured(budget=budget, is_stacking=stacking):
            _set(sql, session_id, vote_budget=budget, is_stacking=stacking)
        case VotesSet(prompt_index=prompt, voter=voter, item=item, dots=dots):
            sql.execute(
                "INSERT INTO votes (session_id, prompt_index, voter, item, dots)"
                " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (session_id, prompt_index, voter, item)"
                " DO UPDATE SET dots = excluded.dots",
                session_id,
                prompt,
                voter,
                item,
                dots,
            )
        case VotesRevealed(prompt_index=prompt):
            sql.execute(
                "UPDATE sessions SET settings = settings || jsonb_build_object('revealed',"
                " coalesce(settings -> 'revealed', '[]'::jsonb) || to_jsonb($2::integer))"
                " WHERE id = $1",
                session_id,
                prompt,
            )
        case FloorSet(floor=floor):
            _set(sql, session_id, floor=floor)
        case ExpectedSet(expected=expected):
            _set(sql, session_id, expected=expected)
        case ConsentShareSet(percent=percent):
            _set(sql, session_id, consent_share=percent)
        case DecisionProposed(decision=d):
            sql.execute(
                "INSERT INTO decisions"
                " (session_id, number, prompt_index, from_item, origin, replaces)"
                " VALUES ($1, $2, $3, $4, $5, $6)",
                session_id,
                d.number,
                d.prompt_index,
                d.from_item,
                d.origin,
                d.replaces,
            )
        case RoundOpened(round=r):
            sql.execute(
                "INSERT INTO rounds (session_id, decision, number, text, is_open, is_agreed)"
                " VALUES ($1, $2, $3, $4, $5, $6)",
                session_id,
                r.decision,
                r.number,
                r.text,
                r.is_open,
                r.is_agreed,
            )
        case ConsentGiven(decision=decision, round=number, voter=voter, response=response):
            sql.execute(
                "INSERT INTO consents (session_id, decision, round, voter, level, reason)"
                " VALUES ($1, $2, $3, $4, $5, $6)"
                " ON CONFLICT (session_id, decision, round, voter)"
                " DO UPDATE SET level = excluded.level, reason = excluded.reason",
                session_id,
                decision,
                number,
                voter,
                response.level.value,
                response.reason,
            )
        case RoundClosed(decision=decision, round=number, is_agreed=agreed):
            sql.execute(
                "UPDATE rounds SET is_open = FALSE, is_agreed = $4"
                " WHERE session_id = $1 AND decision = $2 AND number = $3",
                session_id,
                decision,
                number,
                agreed,
            )
        case _:
            _apply_actions(sql, session_id, event)


def _apply_actions(sql: Statements, session_id: str, event: Event) -> None:
    match event:
        case ActionAdded(action=a):
            sql.execute(
                "INSERT INTO actions (session_id, number, decision, what, who, due, origin)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7)",
                session_id,
                a.number,
                a.decision,
                a.what,
                a.who,
                a.due,
                a.origin,
            )
        case ActionEdited(action=a):
            sql.execute(
                "UPDATE actions SET what = $3, who = $4, due = $5"
                " WHERE session_id = $1 AND number = $2",
                session_id,
                a.number,
                a.what,
                a.who,
                a.due,
            )
        case ActionRemoved(number=number):
            sql.execute(
                "DELETE FROM actions WHERE session_id = $1 AND number = $2", session_id, number
            )
        case _:
            raise TypeError(f"cannot store {event!r}")


def _apply_room(sql: Statements, session_id: str, event: Event) -> None:
    match event:
        case FocusChanged(decision=number):
            _set(sql, session_id, focus=number)
        case ProjectionChanged(projection=projection, page=page):
            _set(sql, session_id, projection=projection.value, page=page)
        case TimerSet(timer=timer):
            _set(sql, session_id, timer=None if timer is None else timer_fields(timer))
        case _:
            raise TypeError(f"cannot store {event!r}")


def _set(sql: Statements, session_id: str, **values: Any) -> None:
    for name, value in values.items():
        sql.execute(SET_SETTING, session_id, name, value)
