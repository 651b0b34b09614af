"""Each event of the rules as the SQL that stores it in PostgreSQL: settings and prompts
are JSONB, changed in place with `||` and `jsonb_build_object`."""

from __future__ import annotations

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


async def apply(db: Connection, session_id: str, event: Event) -> None:
    """Writes one event; the caller holds the transaction."""
    match event:
        case PhaseChanged(phase=phase, prompt_index=index):
            await db.execute(
                "UPDATE sessions SET phase = $2, prompt_index = $3 WHERE id = $1",
                session_id,
                phase.value,
                index,
            )
        case RevealChanged(reveal=reveal):
            await db.execute(
                "UPDATE sessions SET reveal = $2 WHERE id = $1", session_id, reveal.value
            )
        case PromptAdded(text=text, ask=ask):
            if ask != OPEN:
                # Keyed by the new question's index, which is the number of questions so far.
                await db.execute(
                    "UPDATE sessions SET settings = settings || jsonb_build_object('asks',"
                    " coalesce(settings -> 'asks', '{}'::jsonb)"
                    " || jsonb_build_object(jsonb_array_length(prompts)::text, $2::jsonb))"
                    " WHERE id = $1",
                    session_id,
                    ask_fields(ask),
                )
            await db.execute(
                "UPDATE sessions SET prompts = prompts || to_jsonb($2::text) WHERE id = $1",
                session_id,
                text,
            )
        case Picked(prompt_index=prompt, voter=voter, values=values):
            await db.execute(
                "INSERT INTO choices (session_id, prompt_index, voter, picked)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT (session_id, prompt_index, voter)"
                " DO UPDATE SET picked = excluded.picked",
                session_id,
                prompt,
                voter,
                list(values),
            )
        case AnswerAdded(answer=a, msg_id=msg_id):
            await db.execute(
                "INSERT INTO answers (session_id, number, prompt_index, author, text)"
                " VALUES ($1, $2, $3, $4, $5)",
                session_id,
                a.number,
                a.prompt_index,
                a.author,
                a.text,
            )
            await db.execute(
                "INSERT INTO receipts (session_id, author, msg_id, number) VALUES ($1, $2, $3, $4)",
                session_id,
                a.author,
                msg_id,
                a.number,
            )
        case AnswerEdited(number=number, text=text):
            await db.execute(
                "UPDATE answers SET text = $3 WHERE session_id = $1 AND number = $2",
                session_id,
                number,
                text,
            )
        case AnswerDeleted(number=number):
            await db.execute(
                "DELETE FROM answers WHERE session_id = $1 AND number = $2", session_id, number
            )
        case GroupCreated(group=group):
            await db.execute(
                "INSERT INTO groups (session_id, number, prompt_index, label)"
                " VALUES ($1, $2, $3, $4)",
                session_id,
                group.number,
                group.prompt_index,
                group.label,
            )
        case AnswerMoved(number=number, group=group_number):
            await db.execute(
                "UPDATE answers SET group_number = $3 WHERE session_id = $1 AND number = $2",
                session_id,
                number,
                group_number,
            )
        case GroupRenamed(number=number, label=label):
            await db.execute(
                "UPDATE groups SET label = $3 WHERE session_id = $1 AND number = $2",
                session_id,
                number,
                label,
            )
        case GroupDeleted(number=number):
            await db.execute(
                "DELETE FROM groups WHERE session_id = $1 AND number = $2", session_id, number
            )
        case RoomLocked(is_locked=is_locked):
            await _set(db, session_id, is_locked=is_locked)
        case PhoneGroupingChanged(is_allowed=allowed):
            await db.execute(
                "UPDATE sessions SET is_phone_grouping = $2 WHERE id = $1", session_id, allowed
            )
        case _ if isinstance(event, (*VOTING_EVENTS, *CONSENT_EVENTS, *ACTION_EVENTS)):
            await _apply_deciding(db, session_id, event)
        case _ if isinstance(event, ROOM_EVENTS):
            await _apply_room(db, session_id, event)
        case ActionReviewed(action=action, verdict=verdict, status=status):
            # The tracker changes in the same transaction: the team's actions page, its
            # calendar feed and the next evaluation moment read what the room said.
            await db.execute(
                "UPDATE sessions SET settings = settings || jsonb_build_object('verdicts',"
                " coalesce(settings -> 'verdicts', '{}'::jsonb)"
                " || jsonb_build_object($2::text, $3::text)) WHERE id = $1",
                session_id,
                action,
                verdict.value,
            )
            await db.execute(
                "UPDATE tracked_actions SET status = $2 WHERE id = $3"
                " AND team_id = (SELECT team_id FROM sessions WHERE id = $1)",
                session_id,
                status,
                action,
            )
        case _:
            raise TypeError(f"cannot store {event!r}")


async def _apply_deciding(db: Connection, session_id: str, event: Event) -> None:
    match event:
        case VotingConfigured(budget=budget, is_stacking=stacking):
            await _set(db, session_id, vote_budget=budget, is_stacking=stacking)
        case VotesSet(prompt_index=prompt, voter=voter, item=item, dots=dots):
            await db.execute(
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
            await db.execute(
                "UPDATE sessions SET settings = settings || jsonb_build_object('revealed',"
                " coalesce(settings -> 'revealed', '[]'::jsonb) || to_jsonb($2::integer))"
                " WHERE id = $1",
                session_id,
                prompt,
            )
        case FloorSet(floor=floor):
            await _set(db, session_id, floor=floor)
        case ExpectedSet(expected=expected):
            await _set(db, session_id, expected=expected)
        case ConsentShareSet(percent=percent):
            await _set(db, session_id, consent_share=percent)
        case DecisionProposed(decision=d):
            await db.execute(
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
            await db.execute(
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
            await db.execute(
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
            await db.execute(
                "UPDATE rounds SET is_open = FALSE, is_agreed = $4"
                " WHERE session_id = $1 AND decision = $2 AND number = $3",
                session_id,
                decision,
                number,
                agreed,
            )
        case _:
            await _apply_actions(db, session_id, event)


async def _apply_actions(db: Connection, session_id: str, event: Event) -> None:
    match event:
        case ActionAdded(action=a):
            await db.execute(
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
            await db.execute(
                "UPDATE actions SET what = $3, who = $4, due = $5"
                " WHERE session_id = $1 AND number = $2",
                session_id,
                a.number,
                a.what,
                a.who,
                a.due,
            )
        case ActionRemoved(number=number):
            await db.execute(
                "DELETE FROM actions WHERE session_id = $1 AND number = $2", session_id, number
            )
        case _:
            raise TypeError(f"cannot store {event!r}")


async def _apply_room(db: Connection, session_id: str, event: Event) -> None:
    match event:
        case FocusChanged(decision=number):
            await _set(db, session_id, focus=number)
        case ProjectionChanged(projection=projection, page=page):
            await _set(db, session_id, projection=projection.value, page=page)
        case TimerSet(timer=timer):
            await _set(db, session_id, timer=None if timer is None else timer_fields(timer))
        case _:
            raise TypeError(f"cannot store {event!r}")


async def _set(db: Connection, session_id: str, **values: Any) -> None:
    for name, value in values.items():
        await db.execute(SET_SETTING, session_id, name, value)
